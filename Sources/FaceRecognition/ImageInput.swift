import Foundation
import Gallery

/// An image to work on: a file, or bytes already in memory (an upload), with a name for reports.
public enum ImageInput: Sendable, Equatable {
    case file(String)
    case data(Data, name: String)

    /// The path, or the given name.
    public var name: String {
        switch self {
        case .file(let path): return path
        case .data(_, let name): return name
        }
    }

    /// The bytes, or nil when the file cannot be read.
    func bytes() -> Data? {
        switch self {
        case .file(let path): return FileManager.default.contents(atPath: path)
        case .data(let data, _): return data
        }
    }

    /// SHA-256 of the content (what enrolment deduplicates on); nil when unreadable.
    func contentHash() -> [UInt8]? { bytes().map { SHA256.hash($0) } }
}
