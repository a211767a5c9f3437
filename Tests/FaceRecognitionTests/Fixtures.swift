import Foundation

/// LFW in ../shared and the model cache, for the tests that run the real pipeline.
enum Fixtures {
    static let shared: URL = {
        if let path = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    }()
    static let lfw = shared.appendingPathComponent("data/lfw/images")
    static let cache: String = ProcessInfo.processInfo.environment["SPHERE_GALLERY_CACHE"]
        ?? (NSHomeDirectory() + "/.cache/sphere-gallery")

    static var available: Bool {
        FileManager.default.fileExists(atPath: lfw.path)
            && ["dlib_resnet_v1.safetensors", "mtcnn_onet.safetensors", "dlib_shape_predictor_5.safetensors"]
                .allSatisfy { FileManager.default.fileExists(atPath: cache + "/" + $0) }
    }

    /// The first `count` people (by name) with at least `minimum` images, and their images, sorted.
    static func people(count: Int, minimum: Int, skip: Int = 0) throws -> [(name: String, files: [String])] {
        var found: [(String, [String])] = []
        var skipped = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: lfw.path).sorted() {
            let dir = lfw.appendingPathComponent(name)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.sorted() ?? []
            guard files.count >= minimum else { continue }
            if skipped < skip { skipped += 1; continue }
            found.append((name, files.map { dir.appendingPathComponent($0).path }))
            if found.count == count { break }
        }
        return found
    }
}

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sphere-gallery-fr-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
