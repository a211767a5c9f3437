import Foundation
import Imaging
import NeuralNet
@testable import FaceEmbedding

/// Locates `../shared/testvectors/dlib` (or `$SPHERE_GALLERY_SHARED/testvectors/dlib`) and the converted
/// model in the cache, and reads the reference entries.
enum DlibTestData {
    static let sharedDirectory: String? = {
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], !env.isEmpty { return env }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    static var vectors: String? {
        guard let d = sharedDirectory else { return nil }
        let p = d + "/testvectors/dlib"
        return FileManager.default.fileExists(atPath: p + "/index.json") ? p : nil
    }

    static var modelPath: String? {
        let p = ModelCache.path(DlibResNet.cacheFileName)
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// Why the reference tests cannot run, or nil when they can.
    static let skipReason: String? = {
        if modelPath == nil {
            return "\(ModelCache.path(DlibResNet.cacheFileName)) not found: run `make models` (Tools/fetch_models.sh) to run the dlib ResNet tests"
        }
        if vectors == nil {
            return "../shared/testvectors/dlib not found: set SPHERE_GALLERY_SHARED to the shared folder to run the dlib reference tests"
        }
        return nil
    }()

    /// One reference image.
    struct Entry {
        let name: String
        let chip: String
        let source: String
        let landmarks: [Point2D]
        let descriptor: [Float]
    }

    static func entries() throws -> [Entry] {
        let dir = try unwrap(vectors)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))) as? [String: Any]
        let list = try unwrap(index?["entries"] as? [[String: Any]])
        return try list.map { e in
            let files = try unwrap(e["files"] as? [String: String])
            let f32 = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + (try unwrap(files["descriptor_f32"]))))
            let descriptor = f32.withUnsafeBytes { raw in
                (0..<(f32.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            let pts = try unwrap(e["landmarks5"] as? [[NSNumber]])
            let chip = try unwrap(files["chip"])
            return Entry(name: URL(fileURLWithPath: chip).deletingPathExtension().lastPathComponent,
                         chip: dir + "/" + chip, source: dir + "/" + (try unwrap(files["source"])),
                         landmarks: pts.map { Point2D($0[0].doubleValue, $0[1].doubleValue) }, descriptor: descriptor)
        }
    }

    /// A fresh model (each test loads its own: layers cache Winograd kernels lazily, so one instance
    /// must not run in two tests at once).
    static func model() throws -> DlibResNet { try DlibResNet.fromCache() }
}

struct MissingTestData: Error, CustomStringConvertible {
    let description: String
}

/// Unwraps or throws (usable outside a test's `#require` context).
func unwrap<T>(_ value: T?, _ what: String = "test data", file: String = #fileID, line: Int = #line) throws -> T {
    guard let value else { throw MissingTestData(description: "\(what) missing (\(file):\(line))") }
    return value
}
