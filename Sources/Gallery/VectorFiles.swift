import Foundation

/// One vector read from a file, with its identity when the file gives one.
public struct LabelledVector: Sendable, Equatable {
    public var identity: String?
    public var vector: [Float]
    public var source: String?
    /// Where it was read: the 1-based line of a JSON Lines file or row of a matrix.
    public var line: Int

    public init(identity: String?, vector: [Float], source: String?, line: Int) {
        self.identity = identity
        self.vector = vector
        self.source = source
        self.line = line
    }
}

/// Readers and writers of the vector interchange files: JSON Lines records, `.npy` matrices
/// and labels files (one identity a line). Every reader takes hostile input: a malformed
/// file is an error naming the file and line, never a crash or an unbounded allocation.
public enum VectorFiles {
    /// The longest JSON Lines line read (8 MiB: a 65,536-value vector in JSON is ~1.5 MB).
    public static let maxLineBytes = 8 << 20

    // MARK: JSON Lines

    /// Reads JSON Lines of `{"identity": NAME, "vector": [numbers], "source": PATH}`
    /// (identity and source optional strings) from a file, or standard input for "-",
    /// a chunk at a time so an overlong line is refused before it is held whole.
    public static func readJSONLines(_ path: String) throws -> [LabelledVector] {
        try readJSONLines(path, maxLineBytes: maxLineBytes)
    }

    /// The same, refusing lines longer than `maxLineBytes`.
    public static func readJSONLines(_ path: String, maxLineBytes: Int) throws -> [LabelledVector] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            try requireReadableFile(path)
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw VectorFileError.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            handle = h
        }
        defer { if path != "-" { try? handle.close() } }
        var result: [LabelledVector] = []
        var pending = Data()
        var lineNumber = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw VectorFileError.unreadable(file: path, reason: "\(error.localizedDescription)")
            }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                guard newline - start <= maxLineBytes else {
                    throw VectorFileError.lineTooLong(file: path, line: lineNumber, limit: maxLineBytes)
                }
                if let item = try parseJSONLine(pending[start..<newline], line: lineNumber, file: path) { result.append(item) }
                start = newline + 1
            }
            pending = Data(pending[start...])
            guard pending.count <= maxLineBytes else {
                throw VectorFileError.lineTooLong(file: path, line: lineNumber + 1, limit: maxLineBytes)
            }
            if chunk.isEmpty { break }
        }
        if !pending.isEmpty, let item = try parseJSONLine(pending, line: lineNumber + 1, file: path) { result.append(item) }
        return result
    }

    /// The same reader over bytes already in memory (`file` names them in messages).
    public static func parseJSONLines(_ data: Data, file: String, maxLineBytes: Int = maxLineBytes) throws -> [LabelledVector] {
        var result: [LabelledVector] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.count <= maxLineBytes else {
                throw VectorFileError.lineTooLong(file: file, line: index + 1, limit: maxLineBytes)
            }
            if let item = try parseJSONLine(line, line: index + 1, file: file) { result.append(item) }
        }
        return result
    }

    /// One record, or nil for a blank line.
    static func parseJSONLine(_ bytes: Data, line: Int, file: String) throws -> LabelledVector? {
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return nil }
        func bad(_ reason: String) -> VectorFileError { .badLine(file: file, line: line, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let numbers = object["vector"] as? [Any] else { throw bad("no \"vector\" array") }
        var vector = [Float]()
        vector.reserveCapacity(numbers.count)
        for number in numbers {
            // JSON true/false arrive as NSNumber too, of C type "c".
            guard let value = number as? NSNumber, String(cString: value.objCType) != "c" else {
                throw bad("\"vector\" holds a non-number")
            }
            vector.append(value.floatValue)
        }
        return LabelledVector(identity: try optionalString(object, "identity", bad), vector: vector,
                              source: try optionalString(object, "source", bad), line: line)
    }

    /// A string field, absent or null as nil; a number, boolean, array or object is refused
    /// rather than turned into text.
    private static func optionalString(_ object: [String: Any], _ key: String, _ bad: (String) -> VectorFileError) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw bad("\"\(key)\" must be a string") }
        return text
    }

    // MARK: .npy

    /// Reads a 2-D little-endian float32 or float64 `.npy` (C order) as rows.
    public static func readNPY(_ path: String) throws -> [[Float]] {
        try parseNPY(try readWhole(path), file: path)
    }

    /// The same reader over bytes in memory. The shape is checked against the bytes present
    /// before anything is allocated for it.
    public static func parseNPY(_ data: Data, file: String) throws -> [[Float]] {
        func bad(_ reason: String) -> VectorFileError { .badNPY(file: file, reason: reason) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw bad("no NUMPY magic")
        }
        let headerLength: Int, headerStart: Int
        switch bytes[6] {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw bad("format version \(bytes[6]) is not 1, 2 or 3")
        }
        guard headerLength <= bytes.count - headerStart else { throw bad("truncated header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let width: Int
        if header.contains("'<f4'") || header.contains("'float32'") { width = 4 }
        else if header.contains("'<f8'") || header.contains("'float64'") { width = 8 }
        else { throw bad("dtype must be <f4 or <f8") }
        guard header.contains("'fortran_order': False") else { throw bad("Fortran order is not supported") }
        guard let shapeKey = header.range(of: "'shape'"),
              let open = header[shapeKey.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { throw bad("no shape") }
        let fields = header[header.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dims = fields.compactMap { Int($0) }
        guard dims.count == 2, fields.count == 2 else { throw bad("shape must be (rows, dim)") }
        let (rows, dim) = (dims[0], dims[1])
        guard rows >= 0, dim >= 1 else { throw bad("shape (\(rows), \(dim)) needs rows ≥ 0 and dim ≥ 1") }
        let start = headerStart + headerLength
        let (values, overflow1) = rows.multipliedReportingOverflow(by: dim)
        let (needed, overflow2) = values.multipliedReportingOverflow(by: width)
        guard !overflow1, !overflow2, needed <= bytes.count - start else {
            throw bad("data shorter than its shape (\(rows)×\(dim))")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<rows).map { r in
                (0..<dim).map { c in
                    let offset = start + (r * dim + c) * width
                    return width == 4
                        ? raw.loadUnaligned(fromByteOffset: offset, as: Float.self)
                        : Float(raw.loadUnaligned(fromByteOffset: offset, as: Double.self))
                }
            }
        }
    }

    /// The bytes of a little-endian float32 `.npy` of `rows`.
    public static func npyData(_ rows: [[Float]], dim: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(dim)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for row in rows { row.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// Writes rows as a little-endian float32 `.npy` (through `OutputFile`: a link, pipe or
    /// device at `path` is written in place, not replaced).
    public static func writeNPY(_ rows: [[Float]], dim: Int, to path: String) throws {
        try OutputFile.write(npyData(rows, dim: dim), to: path)
    }

    // MARK: Labels

    /// The lines of a labels file (one identity a line; a final newline ends the last line),
    /// or nil when it cannot be read. `labels(at:)` says why.
    public static func readLabels(_ path: String) -> [String]? { try? labels(at: path) }

    /// The lines of a labels file: UTF-8, LF or CRLF line ends, a final newline optional.
    public static func labels(at path: String) throws -> [String] {
        try parseLabels(try readWhole(path), file: path)
    }

    /// The same reader over bytes in memory. A line that is not UTF-8 is refused by number
    /// (a Latin-1 file, say) rather than the whole file being "unreadable".
    public static func parseLabels(_ data: Data, file: String) throws -> [String] {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return try lines.enumerated().map { index, raw in
            let line = raw.last == 13 ? raw.dropLast() : raw
            guard let text = String(validating: line, as: UTF8.self) else {
                throw VectorFileError.badLabel(
                    file: file, line: index + 1,
                    reason: "not UTF-8 text (Latin-1?); convert the file, e.g. `iconv -f latin1 -t utf-8`.")
            }
            return text
        }
    }

    /// `--npy X.npy --labels L.txt`: rows with one label a line.
    public static func readNPYWithLabels(_ npy: String, labels: String?) throws -> [LabelledVector] {
        let rows = try readNPY(npy)
        guard let labels else {
            return rows.enumerated().map { LabelledVector(identity: nil, vector: $1, source: nil, line: $0 + 1) }
        }
        let names = try self.labels(at: labels)
        guard names.count == rows.count else { throw VectorFileError.labelCount(labels: names.count, rows: rows.count) }
        return zip(names, rows).enumerated().map { LabelledVector(identity: $1.0, vector: $1.1, source: nil, line: $0 + 1) }
    }

    // MARK: Files

    /// A regular file's bytes; a directory, pipe or device is refused by name first.
    static func readWhole(_ path: String) throws -> Data {
        try requireReadableFile(path)
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VectorFileError.unreadable(file: path, reason: error.localizedDescription)
        }
    }

    private static func requireReadableFile(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw VectorFileError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO: return
        case S_IFDIR: throw VectorFileError.unreadable(file: path, reason: "it is a directory")
        default: throw VectorFileError.unreadable(file: path, reason: "not a regular file")
        }
    }
}
