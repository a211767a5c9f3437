import Foundation
import Imaging

/// Finding the images a command works on.
public enum ImageInputs {
    /// Extensions taken from folders without reading the file (case-insensitive).
    public static var extensions: Set<String> { ImageFormat.fileExtensions }

    /// Whether a folder walk takes the file: a known image extension, or an image by content whatever
    /// its name (`ImageFormat.isImageFile`); hidden names never.
    public static func isImage(_ path: String) -> Bool { ImageFormat.isImageFile(path) }

    public static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// Image files of `path` and below, sorted; a file is returned as it is.
    public static func files(under path: String) -> [String] {
        guard isDirectory(path) else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = (path as NSString).appendingPathComponent(relative)
            if isImage(full), !isDirectory(full) { found.append(full) }
        }
        return found.sorted()
    }

    /// `DIR/<identity>/*` for each folder: (identity, file) pairs, sorted.
    public static func people(in folders: [String]) throws -> [(identity: String, file: String)] {
        var result: [(identity: String, file: String)] = []
        for folder in folders {
            guard isDirectory(folder) else {
                throw ImageInputsError.notAFolder(folder)
            }
            let identities = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            for identity in identities where !identity.hasPrefix(".") {
                let sub = (folder as NSString).appendingPathComponent(identity)
                guard isDirectory(sub) else { continue }
                for file in files(under: sub) { result.append((identity, file)) }
            }
        }
        return result
    }
}

/// A folder argument that is not one.
public enum ImageInputsError: Error, CustomStringConvertible, Equatable {
    case notAFolder(String)

    public var description: String {
        switch self {
        case .notAFolder(let path):
            return "\(path) is not a folder; enrol takes folders laid out as DIR/<identity>/<image>, or --identity NAME FILES..."
        }
    }
}
