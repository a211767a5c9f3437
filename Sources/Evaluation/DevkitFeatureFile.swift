import Foundation

/// A MegaFace devkit feature file (`.bin`, the OpenCV-matrix dump the devkit reads):
/// a 16-byte header of four little-endian int32 — `rows cols stride type` — then `rows`
/// rows of `stride` bytes each, of which the first `cols × 4` hold float32 values
/// (little-endian). `type` must be 5 (OpenCV `CV_32F`); `stride` is bytes per row, normally
/// `cols × 4`. A feature vector of dimension d is stored as a `d × 1` matrix
/// (`rows = d, cols = 1, stride = 4`), next to its image as `img.jpg.bin`.
public struct DevkitFeatureFile: Sendable, Equatable {
    /// OpenCV type code of float32 matrices (`CV_32F`).
    public static let float32Type: Int32 = 5

    public var rows: Int
    public var cols: Int
    /// `rows × cols` values, row-major.
    public var values: [Float]

    /// - Throws: `invalidArgument` when `values.count != rows × cols`.
    public init(rows: Int, cols: Int, values: [Float]) throws {
        guard rows >= 0, cols >= 0, values.count == rows * cols else {
            throw EvaluationError.invalidArgument("a \(rows)×\(cols) feature matrix needs \(rows * cols) values, got \(values.count)")
        }
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A feature vector as the devkit stores it: a `count × 1` matrix.
    public init(vector: [Float]) {
        rows = vector.count
        cols = 1
        values = vector
    }

    /// All values in row-major order (the feature vector for a `d × 1` or `1 × d` file).
    public var vector: [Float] { values }

    /// The feature file name of an image: `image + suffix + ".bin"`, e.g. `img.jpg.bin`.
    public static func featurePath(forImage image: String, suffix: String = "") -> String { image + suffix + ".bin" }

    /// Encodes the file: header (`stride = cols × 4`, type 5) and float32 little-endian data.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + values.count * 4)
        for v in [Int32(truncatingIfNeeded: rows), Int32(truncatingIfNeeded: cols), Int32(truncatingIfNeeded: cols * 4), Self.float32Type] {
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Decodes a file's bytes.
    /// - Parameter source: the file name, for error messages.
    /// - Throws: `malformedFeatureFile` saying what is wrong (short header, negative or huge
    ///   sizes, type other than 5, stride below `cols × 4`, truncated or trailing data).
    public static func decode(_ bytes: [UInt8], source: String = "<bytes>") throws -> DevkitFeatureFile {
        func fail(_ reason: String) -> EvaluationError { .malformedFeatureFile(path: source, reason: reason) }
        guard bytes.count >= 16 else { throw fail("it has \(bytes.count) bytes, fewer than the 16-byte header") }
        func int32(at offset: Int) -> Int32 {
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32(bytes[offset + k]) << (8 * UInt32(k)) }
            return Int32(bitPattern: v)
        }
        let rows = Int(int32(at: 0)), cols = Int(int32(at: 4)), stride = Int(int32(at: 8)), type = int32(at: 12)
        guard rows >= 0, cols >= 0 else { throw fail("negative size \(rows)×\(cols)") }
        guard type == float32Type else {
            let known: [Int32: String] = [0: "CV_8U", 1: "CV_8S", 2: "CV_16U", 3: "CV_16S", 4: "CV_32S", 6: "CV_64F", 7: "CV_16F"]
            throw fail("element type \(type)\(known[type].map { " (\($0))" } ?? "") is not float32 (type 5, CV_32F)")
        }
        guard stride >= cols * 4 else { throw fail("row stride \(stride) bytes is less than cols × 4 = \(cols * 4)") }
        let (dataBytes, overflow) = rows.multipliedReportingOverflow(by: stride)
        guard !overflow else { throw fail("size \(rows) rows × \(stride) bytes overflows") }
        let available = bytes.count - 16
        guard available >= dataBytes else {
            throw fail("it is truncated: the header promises \(dataBytes) data bytes (\(rows) rows × \(stride)), the file has \(available)")
        }
        guard available == dataBytes else {
            throw fail("it has \(available - dataBytes) bytes after the \(dataBytes) data bytes the header promises")
        }
        var values = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let o = 16 + r * stride + c * 4
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                values[r * cols + c] = Float(bitPattern: bits)
            }
        }
        return try DevkitFeatureFile(rows: rows, cols: cols, values: values)
    }

    /// Reads a `.bin` feature file.
    /// - Throws: `unreadableFile`, `malformedFeatureFile`.
    public static func read(path: String) throws -> DevkitFeatureFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EvaluationError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try decode([UInt8](data), source: path)
    }

    /// Writes the file (replacing any existing one).
    /// - Throws: `unwritableFile`.
    public func write(path: String) throws {
        do {
            try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EvaluationError.unwritableFile(path: path, reason: error.localizedDescription)
        }
    }

    /// Reads one feature vector per file (each file's values in row-major order, e.g. the
    /// devkit's `d × 1` matrices) and stacks them as the rows of a matrix, in `paths` order.
    /// - Throws: `unreadableFile`, `malformedFeatureFile`, `dimensionMismatch` naming the file
    ///   whose dimension differs from the first, `empty` for no paths.
    public static func readMatrix(paths: [String]) throws -> FeatureMatrix {
        guard let first = paths.first else { throw EvaluationError.empty(what: "feature files") }
        let head = try read(path: first)
        let dim = head.values.count
        guard dim >= 1 else { throw EvaluationError.malformedFeatureFile(path: first, reason: "it holds no values") }
        var values: [Float] = []
        values.reserveCapacity(dim * paths.count)
        values.append(contentsOf: head.values)
        for path in paths.dropFirst() {
            let f = try read(path: path)
            guard f.values.count == dim else { throw EvaluationError.dimensionMismatch(expected: dim, actual: f.values.count, what: path) }
            values.append(contentsOf: f.values)
        }
        return FeatureMatrix(uncheckedRows: paths.count, dim: dim, values: values)
    }
}
