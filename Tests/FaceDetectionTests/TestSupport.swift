import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceDetection

/// Locates `../shared` (the repository root's parent + `/shared`) or `$SPHERE_GALLERY_SHARED`.
enum Shared {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], !env.isEmpty {
            return FileManager.default.fileExists(atPath: env) ? env : nil
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repo.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static var available: Bool { root != nil }
    static let skipMessage: Comment =
        "shared test vectors not found (expected ../shared next to the repository, or set SPHERE_GALLERY_SHARED)"

    static func path(_ relative: String) -> String { (root ?? "/nonexistent") + "/" + relative }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static var mtcnnDir: String { path("testvectors/mtcnn") }

    static func image(_ id: String) throws -> Image {
        try ImageDecoder.decode(contentsOf: path("testvectors/mtcnn/images/\(id).png"))
    }
}

/// Which weights the tests use. The test-vector weights (facenet-pytorch's state dicts saved by the
/// generator) are preferred: they are exactly what produced the expected outputs. `WeightTests` checks
/// that the converted cache files hold the same numbers, so the detector the CLI loads is covered too.
/// Each test gets its own detector: the networks keep per-call scratch state, and tests call them
/// directly (outside `MTCNN.detect`'s lock) while Swift Testing runs tests in parallel.
enum TestModels {
    static var detector: MTCNN? {
        guard Shared.available else { return nil }
        return try? MTCNN(modelDirectory: Shared.mtcnnDir)
    }
    static let available: Bool = detector != nil
    static let skipMessage: Comment =
        "MTCNN weights not found: neither ../shared/testvectors/mtcnn/{p,r,o}net.safetensors nor the cache (run `make models`)"
}

/// Largest absolute element-wise difference of two tensors with the same element count.
func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "\(a.shape) vs \(b.shape)")
    var d: Float = 0
    for i in 0..<a.count { d = max(d, abs(a.pointer[i] - b.pointer[i])) }
    return d
}
