import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Element types of the safetensors format that this reader understands.
public enum SafeTensorsDType: String, Sendable {
    case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", u8 = "U8"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .u8: return 1
        }
    }
}

/// A read-only, memory-mapped safetensors file (the format of Hugging Face `safetensors`:
/// a little-endian `u64` header length, a JSON header mapping each name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` relative to the data section, then raw
/// little-endian row-major data).
///
/// Tensors are copied out of the mapping on request (`tensor(_:)`), converted to Float32.
public final class SafeTensorsFile {
    /// One entry of the header.
    public struct Entry: Sendable {
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let range: Range<Int>
    }

    /// The path the file was opened from (used in error messages).
    public let path: String
    /// Header entries by tensor name.
    public let entries: [String: Entry]
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    private let mapping: UnsafeMutableRawPointer
    private let mappedSize: Int
    private let dataStart: Int

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Maps `path` and parses its header.
    /// - Throws: `NeuralNetError.safeTensors` for a missing, truncated or malformed file.
    public init(contentsOf path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw NeuralNetError.safeTensors("cannot open \(path): \(String(cString: strerror(errno))); check the path") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw NeuralNetError.safeTensors("cannot stat \(path)") }
        let size = Int(st.st_size)
        guard size >= 8 else { throw NeuralNetError.safeTensors("\(path) is \(size) bytes, too short for a safetensors header; the file is truncated or not safetensors") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw NeuralNetError.safeTensors("cannot memory-map \(path)")
        }
        mapping = m
        mappedSize = size
        var headerLen: UInt64 = 0
        memcpy(&headerLen, m, 8)
        headerLen = UInt64(littleEndian: headerLen)
        guard headerLen <= UInt64(size - 8) else {
            munmap(m, size)
            throw NeuralNetError.safeTensors("\(path): header length \(headerLen) exceeds the file size \(size); the file is truncated or not safetensors")
        }
        dataStart = 8 + Int(headerLen)
        let headerData = Data(bytes: m + 8, count: Int(headerLen))
        do {
            (entries, metadata) = try SafeTensorsFile.parseHeader(headerData, dataSize: size - 8 - Int(headerLen), path: path)
        } catch {
            munmap(m, size)
            throw error
        }
    }

    deinit { munmap(mapping, mappedSize) }

    static func parseHeader(_ data: Data, dataSize: Int, path: String) throws -> ([String: Entry], [String: String]) {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw NeuralNetError.safeTensors("\(path): the header is not a JSON object; the file is corrupt or not safetensors")
        }
        var entries: [String: Entry] = [:]
        var meta: [String: String] = [:]
        for (name, value) in obj {
            if name == "__metadata__" {
                if let m = value as? [String: Any] { for (k, v) in m { meta[k] = "\(v)" } }
                continue
            }
            guard let e = value as? [String: Any], let dt = e["dtype"] as? String,
                  let shapeAny = e["shape"] as? [Any], let offAny = e["data_offsets"] as? [Any], offAny.count == 2 else {
                throw NeuralNetError.safeTensors("\(path): header entry '\(name)' lacks dtype/shape/data_offsets")
            }
            guard let dtype = SafeTensorsDType(rawValue: dt) else {
                throw NeuralNetError.safeTensors("\(path): tensor '\(name)' has dtype \(dt); supported: F32, F64, F16, BF16, I64, I32, U8")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offs = offAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, offs.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw NeuralNetError.safeTensors("\(path): tensor '\(name)' has a malformed shape or data_offsets")
            }
            let n = shape.reduce(1, *)
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataSize, offs[1] - offs[0] == n * dtype.size else {
                throw NeuralNetError.safeTensors("\(path): tensor '\(name)' (\(dt) \(shape)) has byte range \(offs) inconsistent with its shape or the file size; the file is corrupt")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offs[0]..<offs[1])
        }
        return (entries, meta)
    }

    private func entry(_ name: String) throws -> Entry {
        guard let e = entries[name] else { throw NeuralNetError.missingTensor(name: name, file: path) }
        return e
    }

    /// The tensor `name` converted to Float32 (copied out of the mapping).
    /// - Throws: `missingTensor` when absent.
    public func tensor(_ name: String) throws -> Tensor {
        let e = try entry(name)
        let t = Tensor(uninitialized: e.shape)
        let src = UnsafeRawPointer(mapping) + dataStart + e.range.lowerBound
        let dst = t.pointer, n = t.count
        switch e.dtype {
        case .f32:
            memcpy(dst, src, n * 4)
        case .f64:
            for i in 0..<n { dst[i] = Float(src.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
        case .f16:
            for i in 0..<n { dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .bf16:
            for i in 0..<n { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16) }
        case .i64:
            for i in 0..<n { dst[i] = Float(src.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
        case .i32:
            for i in 0..<n { dst[i] = Float(src.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
        case .u8:
            for i in 0..<n { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        }
        return t
    }

    /// The tensor `name`, required to have exactly `shape`.
    /// - Throws: `missingTensor`, or `tensorShapeMismatch` naming both shapes.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let e = try entry(name)
        guard e.shape == shape else { throw NeuralNetError.tensorShapeMismatch(name: name, expected: shape, got: e.shape, file: path) }
        return try tensor(name)
    }

    /// The float64 tensor `name` as doubles (no precision loss). Other float dtypes are widened.
    public func doubles(_ name: String) throws -> [Double] {
        let e = try entry(name)
        let src = UnsafeRawPointer(mapping) + dataStart + e.range.lowerBound
        let n = e.shape.reduce(1, *)
        if e.dtype == .f64 { return (0..<n).map { src.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
        return try tensor(name).scalars.map(Double.init)
    }

    /// The integer tensor `name` as Int (I64, I32 or U8).
    public func integers(_ name: String) throws -> [Int] {
        let e = try entry(name)
        let src = UnsafeRawPointer(mapping) + dataStart + e.range.lowerBound
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case .i64: return (0..<n).map { Int(src.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        case .i32: return (0..<n).map { Int(src.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        case .u8: return (0..<n).map { Int(src.load(fromByteOffset: $0, as: UInt8.self)) }
        default: throw NeuralNetError.safeTensors("\(path): tensor '\(name)' is \(e.dtype.rawValue), not an integer type")
        }
    }

    /// Every tensor converted to Float32, by name.
    public func allTensors() throws -> [String: Tensor] {
        var r: [String: Tensor] = [:]
        for name in entries.keys { r[name] = try tensor(name) }
        return r
    }
}

/// Writing safetensors files.
public enum SafeTensors {
    /// Writes Float32 tensors (in the given order) with optional string metadata to `path`.
    /// The header is padded with spaces so the data section starts 8-byte aligned.
    /// - Throws: `NeuralNetError.safeTensors` for duplicate names or an I/O failure.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var seen = Set<String>()
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for (name, t) in tensors {
            guard seen.insert(name).inserted, name != "__metadata__" else {
                throw NeuralNetError.safeTensors("duplicate or reserved tensor name '\(name)'; names must be unique")
            }
            let bytes = t.count * 4
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for (_, t) in tensors { out.append(UnsafeBufferPointer(start: t.pointer, count: t.count)) }
        do { try out.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw NeuralNetError.safeTensors("cannot write \(path): \(error.localizedDescription); check the directory exists and is writable")
        }
    }

    static func jsonString(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 { r += String(format: "\\u%04x", u.value) } else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }
}
