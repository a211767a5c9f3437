import NeuralNet
#if canImport(Glibc)
import Glibc
#endif

/// The two outputs of `AngleLinear` for a batch `[N, F]` and `C` classes.
public struct AngleOutput {
    /// `‖x_i‖ · cos θ_ij`, `[N, C]`
    public let cosThetaXNorm: Tensor
    /// `‖x_i‖ · ψ(θ_ij)`, `[N, C]`, with `ψ(θ) = (−1)^k cos(mθ) − 2k`
    public let phiThetaXNorm: Tensor
    /// `k = ⌊m θ / 3.14159265⌋` (as in the reference), `[N, C]`
    public let k: [Int]
}

/// The A-Softmax classification layer of SphereFace (`AngleLinear` of `net_sphere.py`, `phiflag = True`).
///
/// - `weight`: `[inputFeatures, outputFeatures]` — one column per class, stored transposed
///   relative to `Linear`. Columns are renormalised to unit length in the forward pass
///   (`w.renorm(2, 1, 1e-5) · 1e5`), so the logit of class j is `‖x‖ cos θ_j`.
/// - input `[N, inputFeatures]` (the embedding) → `AngleOutput` (`[N, outputFeatures]` twice).
/// - `cos(mθ)` comes from the Chebyshev polynomial `T_m(cos θ)`, m = 0...5.
///
/// Internally computed in Float64; `backward` is the exact derivative through the renorm, both
/// norm divisions and the clamp (θ and k are constants, as in the reference).
public final class AngleLinear {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// The angular margin m.
    public let margin: Int
    /// `[inputFeatures, outputFeatures]`
    public let weight: Parameter
    public var training = false

    private struct Cache {
        let x: Tensor
        let cos: [Double]      // clamped cos θ
        let raw: [Double]      // unclamped cos θ
        let inside: [Bool]    // clamp passes the gradient
        let phi: [Double]
        let sign: [Double]     // (−1)^k
        let xlen: [Double]
        let ww: [Double]       // renormalised weight, [F, C]
        let wlen: [Double]
    }
    private var cache: Cache?

    /// Reference init: uniform(−1, 1) columns renormalised to unit length.
    /// - Throws: `invalidArgument` for non-positive sizes or a margin outside 0...5.
    public init(inputFeatures: Int, outputFeatures: Int, margin: Int = 4, seed: UInt64 = 0) throws {
        guard inputFeatures > 0, outputFeatures > 0 else { throw NeuralNetError.invalidArgument("AngleLinear needs positive sizes") }
        guard (0...5).contains(margin) else { throw NeuralNetError.invalidArgument("AngleLinear margin m must be in 0...5 (SphereFace uses 4)") }
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.margin = margin
        let w = Tensor.uniform([inputFeatures, outputFeatures], bound: 1, seed: seed)
        for j in 0..<outputFeatures {
            var n: Float = 0
            for i in 0..<inputFeatures { n += w[i, j] * w[i, j] }
            let s = 1 / max(n.squareRoot(), 1e-12)
            for i in 0..<inputFeatures { w[i, j] *= s }
        }
        weight = Parameter(w)
    }

    /// `weight` under its PyTorch name.
    public func namedParameters() -> [(String, Parameter)] { [("weight", weight)] }

    /// `T_m(c)` and its derivative.
    @inline(__always)
    func chebyshev(_ c: Double) -> (Double, Double) {
        switch margin {
        case 0: return (1, 0)
        case 1: return (c, 1)
        case 2: return (2 * c * c - 1, 4 * c)
        case 3: return (4 * c * c * c - 3 * c, 12 * c * c - 3)
        case 4: let c2 = c * c; return (8 * c2 * c2 - 8 * c2 + 1, 32 * c2 * c - 16 * c)
        default: let c2 = c * c; return (16 * c2 * c2 * c - 20 * c2 * c + 5 * c, 80 * c2 * c2 - 60 * c2 + 5)
        }
    }

    /// Forward pass; caches for `backward` when `training` is true.
    /// - Throws: `shapeMismatch` unless `x` is `[N, inputFeatures]`.
    public func callAsFunction(_ x: Tensor) throws -> AngleOutput {
        guard x.rank == 2, x.shape[1] == inputFeatures else {
            throw NeuralNetError.shapeMismatch(operation: "AngleLinear", expected: "[N, \(inputFeatures)]", got: x.shape)
        }
        let n = x.shape[0], f = inputFeatures, c = outputFeatures
        let w = weight.value.pointer
        var ww = [Double](repeating: 0, count: f * c), wlen = [Double](repeating: 0, count: c)
        for j in 0..<c {
            var s = 0.0
            for i in 0..<f { let v = Double(w[i * c + j]); s += v * v }
            let norm = s.squareRoot()
            let scale = (norm > 1e-5 ? 1e-5 / (norm + 1e-7) : 1) * 1e5
            var s2 = 0.0
            for i in 0..<f { let v = Double(w[i * c + j]) * scale; ww[i * c + j] = v; s2 += v * v }
            wlen[j] = s2.squareRoot()
        }
        var xlen = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = 0.0
            for q in 0..<f { let v = Double(x.pointer[i * f + q]); s += v * v }
            xlen[i] = s.squareRoot()
        }
        var cosv = [Double](repeating: 0, count: n * c), raw = cosv, phi = cosv, sign = cosv
        var inside = [Bool](repeating: true, count: n * c), ks = [Int](repeating: 0, count: n * c)
        let cosOut = Tensor(uninitialized: [n, c]), phiOut = Tensor(uninitialized: [n, c])
        for i in 0..<n {
            for j in 0..<c {
                var dot = 0.0
                for q in 0..<f { dot += Double(x.pointer[i * f + q]) * ww[q * c + j] }
                let r = dot / xlen[i] / wlen[j]
                let idx = i * c + j
                raw[idx] = r
                let cc = min(1, max(-1, r))
                inside[idx] = r >= -1 && r <= 1
                cosv[idx] = cc
                let theta = acos(cc)
                let k = Int((Double(margin) * theta / 3.14159265).rounded(.down))
                let sg: Double = k % 2 == 0 ? 1 : -1
                let p = sg * chebyshev(cc).0 - 2 * Double(k)
                ks[idx] = k; sign[idx] = sg; phi[idx] = p
                cosOut.pointer[idx] = Float(cc * xlen[i])
                phiOut.pointer[idx] = Float(p * xlen[i])
            }
        }
        if training {
            cache = Cache(x: x, cos: cosv, raw: raw, inside: inside, phi: phi, sign: sign, xlen: xlen, ww: ww, wlen: wlen)
        }
        return AngleOutput(cosThetaXNorm: cosOut, phiThetaXNorm: phiOut, k: ks)
    }

    /// Backward pass from the gradients of both outputs (`[N, C]` each); accumulates `weight.grad`
    /// and returns d(loss)/dx `[N, inputFeatures]`.
    public func backward(gradCos: Tensor, gradPhi: Tensor) throws -> Tensor {
        guard let cc = cache else { throw NeuralNetError.noForwardCache(layer: "AngleLinear") }
        let n = cc.x.shape[0], f = inputFeatures, c = outputFeatures
        try gradCos.expectShape([n, c], "AngleLinear.backward gradCos")
        try gradPhi.expectShape([n, c], "AngleLinear.backward gradPhi")
        var draw = [Double](repeating: 0, count: n * c)     // d/d(x·ww)
        var dxlen = [Double](repeating: 0, count: n), dwlen = [Double](repeating: 0, count: c)
        for i in 0..<n {
            for j in 0..<c {
                let idx = i * c + j
                let g1 = Double(gradCos.pointer[idx]), g2 = Double(gradPhi.pointer[idx])
                dxlen[i] += g1 * cc.cos[idx] + g2 * cc.phi[idx]
                var gcos = g1 * cc.xlen[i] + g2 * cc.xlen[i] * cc.sign[idx] * chebyshev(cc.cos[idx]).1
                if !cc.inside[idx] { gcos = 0 }
                draw[idx] = gcos / (cc.xlen[i] * cc.wlen[j])
                dxlen[i] -= gcos * cc.raw[idx] / cc.xlen[i]
                dwlen[j] -= gcos * cc.raw[idx] / cc.wlen[j]
            }
        }
        let dx = Tensor(uninitialized: [n, f])
        for i in 0..<n {
            for q in 0..<f {
                var s = 0.0
                for j in 0..<c { s += draw[i * c + j] * cc.ww[q * c + j] }
                s += dxlen[i] * Double(cc.x.pointer[i * f + q]) / cc.xlen[i]
                dx.pointer[i * f + q] = Float(s)
            }
        }
        // d/d(ww), then through ww = w · scale(‖w‖) · 1e5
        let w = weight.value.pointer, gw = weight.grad.pointer
        var dww = [Double](repeating: 0, count: f)
        for j in 0..<c {
            for q in 0..<f {
                var s = 0.0
                for i in 0..<n { s += draw[i * c + j] * Double(cc.x.pointer[i * f + q]) }
                dww[q] = s + dwlen[j] * cc.ww[q * c + j] / cc.wlen[j]
            }
            var s = 0.0
            for q in 0..<f { let v = Double(w[q * c + j]); s += v * v }
            let norm = s.squareRoot()
            if norm > 1e-5 {
                let scale = 1e-5 / (norm + 1e-7)
                let dscale = -1e-5 / ((norm + 1e-7) * (norm + 1e-7))
                var dot = 0.0
                for q in 0..<f { dot += dww[q] * Double(w[q * c + j]) }
                for q in 0..<f {
                    let wq = Double(w[q * c + j])
                    gw[q * c + j] += Float(1e5 * (scale * dww[q] + dot * dscale * wq / norm))
                }
            } else {
                for q in 0..<f { gw[q * c + j] += Float(1e5 * dww[q]) }
            }
        }
        return dx
    }
}

/// The A-Softmax loss of SphereFace (`AngleLoss` of `net_sphere.py`, γ = 0).
///
/// Each call first increments `iteration`, then uses `λ = max(lambdaMin, lambdaMax / (1 + 0.1 · iteration))`.
/// The target logit is `‖x‖(λ cos θ_y + ψ(θ_y)) / (1 + λ)` (computed as
/// `cos·‖x‖ − cos·‖x‖/(1+λ) + ψ·‖x‖/(1+λ)`), other logits stay `‖x‖ cos θ_j`; the loss is the mean
/// softmax cross-entropy.
public final class AngleLoss {
    /// Number of calls so far (the reference's `it`).
    public var iteration: Int
    public let lambdaMin: Double
    public let lambdaMax: Double

    public init(iteration: Int = 0, lambdaMin: Double = 5, lambdaMax: Double = 1500) {
        self.iteration = iteration
        self.lambdaMin = lambdaMin
        self.lambdaMax = lambdaMax
    }

    /// λ used by the call that makes `iteration` equal to `it`.
    public func lambda(atIteration it: Int) -> Double { max(lambdaMin, lambdaMax / (1 + 0.1 * Double(it))) }

    /// Loss and the gradients for `AngleLinear.backward`.
    /// - Throws: `shapeMismatch` / `invalidArgument` for inconsistent shapes or labels out of range.
    public func callAsFunction(_ output: AngleOutput, labels: [Int]) throws -> (loss: Float, lambda: Double, gradCos: Tensor, gradPhi: Tensor) {
        let cosT = output.cosThetaXNorm, phiT = output.phiThetaXNorm
        guard cosT.rank == 2, cosT.shape == phiT.shape, cosT.shape[0] == labels.count else {
            throw NeuralNetError.shapeMismatch(operation: "AngleLoss", expected: "[\(labels.count), C] twice", got: cosT.shape)
        }
        iteration += 1
        let lam = lambda(atIteration: iteration)
        let n = labels.count, c = cosT.shape[1]
        let logits = cosT.copy()
        let inv = Float(1 / (1 + lam))
        for (i, y) in labels.enumerated() {
            guard y >= 0 && y < c else { throw NeuralNetError.invalidArgument("label \(y) of item \(i) is outside 0..<\(c)") }
            let cv = cosT.pointer[i * c + y], pv = phiT.pointer[i * c + y]
            logits.pointer[i * c + y] = cv - cv * inv + pv * inv
        }
        let (loss, g) = try softmaxCrossEntropy(logits: logits, labels: labels)
        let gradCos = g.copy(), gradPhi = Tensor(zeros: [n, c])
        for (i, y) in labels.enumerated() {
            let gy = g.pointer[i * c + y]
            gradCos.pointer[i * c + y] = gy * (1 - inv)
            gradPhi.pointer[i * c + y] = gy * inv
        }
        return (loss, lam, gradCos, gradPhi)
    }
}
