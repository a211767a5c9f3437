import Foundation
import Gallery

/// One vector read from a file, with its identity when the file gives one.
struct LabelledVector {
    var identity: String?
    var vector: [Float]
    var source: String?
}

enum VectorFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case badLine(file: String, line: Int, reason: String)
    case badNPY(file: String, reason: String)
    case labelCount(labels: Int, rows: Int)

    var description: String {
        switch self {
        case .unreadable(let f): return "cannot read \(f)"
        case .badLine(let f, let l, let r): return "\(f):\(l): \(r)"
        case .badNPY(let f, let r): return "\(f): not a float .npy matrix: \(r)"
        case .labelCount(let l, let r): return "the labels file has \(l) lines but the matrix has \(r) rows"
        }
    }
}

enum VectorFiles {
    /// Reads JSON Lines of `{"identity": NAME, "vector": [numbers], "source": PATH}`
    /// (identity and source optional). "-" reads standard input.
    static func readJSONLines(_ path: String) throws -> [LabelledVector] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else { throw VectorFileError.unreadable(path) }
            data = contents
        }
        var result: [LabelledVector] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw VectorFileError.badLine(file: path, line: lineNumber, reason: "not a JSON object")
            }
            guard let numbers = object["vector"] as? [Any] else {
                throw VectorFileError.badLine(file: path, line: lineNumber, reason: "no \"vector\" array")
            }
            var vector = [Float]()
            vector.reserveCapacity(numbers.count)
            for number in numbers {
                guard let value = number as? NSNumber, String(cString: value.objCType) != "c" else {
                    throw VectorFileError.badLine(file: path, line: lineNumber, reason: "\"vector\" holds a non-number")
                }
                vector.append(value.floatValue)
            }
            let identity = object["identity"].flatMap { $0 is NSNull ? nil : "\($0)" }
            result.append(LabelledVector(identity: identity, vector: vector, source: object["source"] as? String))
        }
        return result
    }

    /// Reads a 2-D little-endian float32 or float64 `.npy` (C order) as rows.
    static func readNPY(_ path: String) throws -> [[Float]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw VectorFileError.unreadable(path) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw VectorFileError.badNPY(file: path, reason: "no NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw VectorFileError.badNPY(file: path, reason: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count else { throw VectorFileError.badNPY(file: path, reason: "truncated header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let width: Int
        if header.contains("'<f4'") || header.contains("'float32'") { width = 4 }
        else if header.contains("'<f8'") || header.contains("'float64'") { width = 8 }
        else { throw VectorFileError.badNPY(file: path, reason: "dtype must be <f4 or <f8") }
        guard header.contains("'fortran_order': False") else {
            throw VectorFileError.badNPY(file: path, reason: "Fortran order is not supported")
        }
        guard let open = header.firstIndex(of: "("), let close = header.firstIndex(of: ")") else {
            throw VectorFileError.badNPY(file: path, reason: "no shape")
        }
        let dims = header[header.index(after: open)..<close].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2 else { throw VectorFileError.badNPY(file: path, reason: "shape must be (rows, dim)") }
        let (rows, dim) = (dims[0], dims[1])
        let start = headerStart + headerLength
        guard bytes.count - start >= rows * dim * width else {
            throw VectorFileError.badNPY(file: path, reason: "data shorter than its shape (\(rows)×\(dim))")
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

    /// Writes rows as a little-endian float32 `.npy`.
    static func writeNPY(_ rows: [[Float]], dim: Int, to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(dim)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for row in rows { row.withUnsafeBytes { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The lines of a labels file (one identity a line; a final newline ends the last line),
    /// or nil when it cannot be read.
    static func readLabels(_ path: String) -> [String]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var names = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if names.last == "" { names.removeLast() }
        return names
    }

    /// `--npy X.npy --labels L.txt`: rows with one label a line.
    static func readNPYWithLabels(_ npy: String, labels: String?) throws -> [LabelledVector] {
        let rows = try readNPY(npy)
        guard let labels else { return rows.map { LabelledVector(identity: nil, vector: $0, source: nil) } }
        guard let names = readLabels(labels) else { throw VectorFileError.unreadable(labels) }
        guard names.count == rows.count else { throw VectorFileError.labelCount(labels: names.count, rows: rows.count) }
        return zip(names, rows).map { LabelledVector(identity: $0, vector: $1, source: nil) }
    }
}
