import Foundation

/// Errors about the pretrained-model cache; the messages say how to fill it.
public enum ModelCacheError: Error, CustomStringConvertible, Equatable {
    /// A converted model file is not in the cache.
    case missingFile(model: String, path: String)

    public var description: String {
        switch self {
        case let .missingFile(model, path):
            return "model '\(model)' needs \(path), which does not exist: run `make models` (Tools/fetch_models.sh) to download and convert the pretrained models, or set SPHERE_GALLERY_CACHE to the folder that holds them"
        }
    }
}

/// Where `Tools/fetch_models.sh` (`make models`) puts converted pretrained models:
/// `$SPHERE_GALLERY_CACHE`, else `~/.cache/sphere-gallery`.
public enum ModelCache {
    /// The cache folder (not created here; the fetch script creates it).
    public static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SPHERE_GALLERY_CACHE"], !dir.isEmpty { return dir }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/sphere-gallery"
    }

    /// The path of `file` inside the cache (whether or not it exists).
    public static func path(_ file: String) -> String { directory + "/" + file }

    /// The path of `file` inside the cache.
    /// - Throws: `ModelCacheError.missingFile` naming `model` and saying to run `make models` when absent.
    public static func require(_ file: String, model: String) throws -> String {
        let p = path(file)
        guard FileManager.default.fileExists(atPath: p) else { throw ModelCacheError.missingFile(model: model, path: p) }
        return p
    }
}
