import Foundation
@testable import Evaluation

/// Where `../shared` is: env `SPHERE_GALLERY_SHARED`, else the repository root's parent + `/shared`
/// (found from this file's path), nil when neither exists.
enum SharedData {
    static let directory: String? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], fm.fileExists(atPath: env) { return env }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared").path
        return fm.fileExists(atPath: shared) ? shared : nil
    }()

    static func lfw(_ name: String) -> String? {
        guard let d = directory else { return nil }
        let p = d + "/data/lfw/" + name
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sphere-eval-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Whether `error` is an `EvaluationError` whose message contains `fragment`.
func message(of body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

func approx(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool { abs(a - b) <= tol }
