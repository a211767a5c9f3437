import Foundation

/// Finding the images a command works on.
enum ImageInputs {
    /// Extensions taken from folders (case-insensitive).
    static let extensions: Set<String> = ["jpg", "jpeg", "png", "pgm", "ppm", "pnm"]

    static func isImage(_ path: String) -> Bool {
        extensions.contains((path as NSString).pathExtension.lowercased())
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// Image files of `path` and below, sorted; a file is returned as it is.
    static func files(under path: String) -> [String] {
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
    static func people(in folders: [String]) throws -> [(identity: String, file: String)] {
        var result: [(identity: String, file: String)] = []
        for folder in folders {
            guard isDirectory(folder) else {
                throw CLIError.usage("\(folder) is not a folder; enrol takes folders laid out as DIR/<identity>/<image>, or --identity NAME FILES...")
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

/// Errors of the CLI's own making.
enum CLIError: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    var description: String {
        switch self {
        case .usage(let m), .failed(let m): return m
        }
    }
}
