import Foundation
import NeuralNet
import SeededRandom

/// Locates `../shared` (the repository's parent + /shared) or `$SPHERE_GALLERY_SHARED`.
enum Shared {
    static let directory: String? = {
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], !env.isEmpty { return env }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    static var sphere20a: String? {
        guard let d = directory else { return nil }
        let p = d + "/testvectors/sphere20a"
        return FileManager.default.fileExists(atPath: p + "/weights.safetensors") ? p : nil
    }

    static let skipMessage = "../shared/testvectors/sphere20a not found: set SPHERE_GALLERY_SHARED to the shared folder to run the reference tests"
}

/// max|a − b| relative to max|b| (the README's per-tensor tolerance form).
func relativeMaxError(_ a: Tensor, _ b: Tensor) -> Float {
    let (d, m) = a.maxAbsDifference(b)
    return m > 0 ? d / m : d
}

/// Deterministic random tensor in [-1, 1).
func randomTensor(_ shape: [Int], seed: UInt64, bound: Float = 1) -> Tensor {
    Tensor.uniform(shape, bound: bound, seed: seed)
}

/// Finite-difference check of a layer's backward pass on loss = Σ y·r (r random).
///
/// Checks d(loss)/d(input) and every parameter gradient at up to `samples` positions per tensor
/// against central differences computed in Float64 accumulation; returns the worst relative error
/// (|analytic − numeric| / max(1, max|numeric|) per tensor).
func gradientCheck(_ layer: any Module, input: Tensor, parameters: [Parameter]? = nil, eps: Float = 1e-2, samples: Int = 24, seed: UInt64 = 7) throws -> Float {
    layer.training = true
    layer.zeroGrad()
    let y = try layer(input)
    let r = randomTensor(y.shape, seed: seed)
    let dx = try layer.backward(r)
    func loss() throws -> Double {
        let out = try layer(input)
        var s: Double = 0
        for i in 0..<out.count { s += Double(out.pointer[i]) * Double(r.pointer[i]) }
        return s
    }
    var worst: Float = 0
    var targets: [(Tensor, Tensor, Parameter?)] = [(input, dx, nil)]
    for p in parameters ?? layer.parameters() { targets.append((p.value, p.grad.copy(), p)) }
    var rng = SplitMix64(seed: seed &+ 99)
    for (value, analytic, param) in targets {
        var maxNum: Double = 0, maxDiff: Double = 0
        let n = value.count
        let idx = n <= samples ? Array(0..<n) : (0..<samples).map { _ in Int(rng.next() % UInt64(n)) }
        for i in idx {
            let orig = value.pointer[i]
            value.pointer[i] = orig + eps; param?.markModified()
            let lp = try loss()
            value.pointer[i] = orig - eps; param?.markModified()
            let lm = try loss()
            value.pointer[i] = orig; param?.markModified()
            let num = (lp - lm) / Double(2 * eps)
            maxNum = max(maxNum, abs(num))
            maxDiff = max(maxDiff, abs(num - Double(analytic.pointer[i])))
        }
        worst = max(worst, Float(maxDiff / max(1, maxNum)))
    }
    return worst
}

/// Random tensor with every |value| ≥ `margin`, so finite differences do not straddle a kink at 0.
func awayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.05) -> Tensor {
    let t = randomTensor(shape, seed: seed)
    for i in 0..<t.count { let v = t.pointer[i]; t.pointer[i] = v + (v >= 0 ? margin : -margin) }
    return t
}
