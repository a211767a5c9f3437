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
/// The three matrix products (`x·ŵ`, `g·ŵᵀ`, `xᵀ·g`) are Float32 GEMMs (OpenBLAS), everything
/// element-wise (norms, clamp, ψ, the renorm's derivative) is Float64; `backward` is the exact
/// derivative through the renorm, both norm divisions and the clamp (θ and k are constants, as in
/// the reference).
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
        let phi: [Double]
        let sign: [Double]     // (−1)^k
        let xlen: [Double]
        let ww: Tensor         // renormalised weight, [F, C]
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
        let p = w.pointer
        for j in 0..<outputFeatures {
            var n: Float = 0
            for i in 0..<inputFeatures { n += p[i * outputFeatures + j] * p[i * outputFeatures + j] }
            let s = 1 / max(n.squareRoot(), 1e-12)
            for i in 0..<inputFeatures { p[i * outputFeatures + j] *= s }
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

    /// Squared length of column `j` of the `[F, C]` weight, and of every column.
    private func columnSquares(_ w: UnsafeMutablePointer<Float>) -> [Double] {
        let f = inputFeatures, c = outputFeatures
        var sq = [Double](repeating: 0, count: c)
        sq.withUnsafeMutableBufferPointer { s in
            for q in 0..<f {
                let row = w + q * c
                for j in 0..<c { let v = Double(row[j]); s[j] += v * v }
            }
        }
        return sq
    }

    /// Forward pass; caches for `backward` when `training` is true.
    /// - Parameter targets: each row's class, when only the target entries of `phiThetaXNorm` and
    ///   `k` are needed (as `AngleLoss` reads them); the others then hold `‖x‖ cos θ` and 0.
    /// - Throws: `shapeMismatch` unless `x` is `[N, inputFeatures]` (and `targets` has N entries).
    public func callAsFunction(_ x: Tensor, targets: [Int]? = nil) throws -> AngleOutput {
        guard x.rank == 2, x.shape[1] == inputFeatures, targets.map({ $0.count == x.shape[0] }) ?? true else {
            throw NeuralNetError.shapeMismatch(operation: "AngleLinear", expected: "[N, \(inputFeatures)] and N targets", got: x.shape)
        }
        let n = x.shape[0], f = inputFeatures, c = outputFeatures
        let w = weight.value.pointer
        // ŵ = w.renorm(2, 1, 1e-5) · 1e5, column by column
        let ww = Tensor(uninitialized: [f, c])
        var scale = columnSquares(w)
        for j in 0..<c {
            let norm = scale[j].squareRoot()
            scale[j] = (norm > 1e-5 ? 1e-5 / (norm + 1e-7) : 1) * 1e5
        }
        let wwp = ww.pointer
        scale.withUnsafeBufferPointer { sc in
            for q in 0..<f { for j in 0..<c { wwp[q * c + j] = Float(Double(w[q * c + j]) * sc[j]) } }
        }
        let wlen = columnSquares(wwp).map { $0.squareRoot() }
        var xlen = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = 0.0
            for q in 0..<f { let v = Double(x.pointer[i * f + q]); s += v * v }
            xlen[i] = s.squareRoot()
        }
        let dot = Tensor(uninitialized: [n, c])
        Parallel.sgemm(transA: false, transB: false, m: n, n: c, k: f, alpha: 1, a: x.pointer, lda: f,
                       b: wwp, ldb: c, beta: 0, c: dot.pointer, ldc: c)
        var cosv = [Double](repeating: 0, count: n * c), raw = cosv, phi = cosv, sign = cosv
        var ks = [Int](repeating: 0, count: n * c)
        let cosOut = Tensor(uninitialized: [n, c]), phiOut = Tensor(uninitialized: [n, c])
        let dp = dot.pointer, co = cosOut.pointer, po = phiOut.pointer
        cosv.withUnsafeMutableBufferPointer { cosv in
        raw.withUnsafeMutableBufferPointer { raw in
        phi.withUnsafeMutableBufferPointer { phi in
        sign.withUnsafeMutableBufferPointer { sign in
        ks.withUnsafeMutableBufferPointer { ks in
            // Rows are independent: split them over the cores.
            Parallel.forEachChunk(n, minimumPerThread: max(1, 65_536 / max(1, c))) { rows in
                for i in rows {
                    let target = targets?[i]
                    for j in 0..<c {
                        let idx = i * c + j
                        let r = Double(dp[idx]) / xlen[i] / wlen[j]
                        raw[idx] = r
                        let cc = min(1, max(-1, r))
                        cosv[idx] = cc
                        co[idx] = Float(cc * xlen[i])
                        // ψ needs θ = acos(cos θ), the costly part: only where the loss reads it.
                        guard target == nil || target == j else {
                            sign[idx] = 1; phi[idx] = cc; po[idx] = co[idx]
                            continue
                        }
                        let theta = acos(cc)
                        let k = Int((Double(margin) * theta / 3.14159265).rounded(.down))
                        let sg: Double = k % 2 == 0 ? 1 : -1
                        let p = sg * chebyshev(cc).0 - 2 * Double(k)
                        ks[idx] = k; sign[idx] = sg; phi[idx] = p
                        po[idx] = Float(p * xlen[i])
                    }
                }
            }
        }}}}}
        if training {
            cache = Cache(x: x, cos: cosv, raw: raw, phi: phi, sign: sign, xlen: xlen, ww: ww, wlen: wlen)
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
        let draw = Tensor(uninitialized: [n, c])      // d/d(x·ŵ)
        var dxlen = [Double](repeating: 0, count: n), dwlen = [Double](repeating: 0, count: c)
        let dr = draw.pointer
        for i in 0..<n {
            for j in 0..<c {
                let idx = i * c + j
                let g1 = Double(gradCos.pointer[idx]), g2 = Double(gradPhi.pointer[idx])
                dxlen[i] += g1 * cc.cos[idx] + g2 * cc.phi[idx]
                let r = cc.raw[idx]
                var gcos = g1 * cc.xlen[i]
                if g2 != 0 { gcos += g2 * cc.xlen[i] * cc.sign[idx] * chebyshev(cc.cos[idx]).1 }
                if r < -1 || r > 1 { gcos = 0 }           // the clamp passes no gradient
                dr[idx] = Float(gcos / (cc.xlen[i] * cc.wlen[j]))
                dxlen[i] -= gcos * r / cc.xlen[i]
                dwlen[j] -= gcos * r / cc.wlen[j]
            }
        }
        // dx = draw · ŵᵀ + dxlen · x/‖x‖
        let dx = Tensor(uninitialized: [n, f])
        Parallel.sgemm(transA: false, transB: true, m: n, n: f, k: c, alpha: 1, a: dr, lda: c,
                       b: cc.ww.pointer, ldb: c, beta: 0, c: dx.pointer, ldc: f)
        for i in 0..<n {
            let s = dxlen[i] / cc.xlen[i]
            for q in 0..<f { dx.pointer[i * f + q] += Float(s * Double(cc.x.pointer[i * f + q])) }
        }
        // dŵ = xᵀ · draw + dwlen · ŵ/‖ŵ‖, then through ŵ = w · scale(‖w‖) · 1e5
        let dww = Tensor(uninitialized: [f, c])
        Parallel.sgemm(transA: true, transB: false, m: f, n: c, k: n, alpha: 1, a: cc.x.pointer, lda: f,
                       b: dr, ldb: c, beta: 0, c: dww.pointer, ldc: c)
        let w = weight.value.pointer, gw = weight.grad.pointer, wwp = cc.ww.pointer, dwp = dww.pointer
        let norms = columnSquares(w).map { $0.squareRoot() }
        var dotWG = [Double](repeating: 0, count: c)   // Σ_q dŵ_qj · w_qj
        for q in 0..<f {
            for j in 0..<c {
                let idx = q * c + j
                let d = Double(dwp[idx]) + dwlen[j] * Double(wwp[idx]) / cc.wlen[j]
                dwp[idx] = Float(d)
                dotWG[j] += d * Double(w[idx])
            }
        }
        for q in 0..<f {
            for j in 0..<c {
                let idx = q * c + j, norm = norms[j]
                if norm > 1e-5 {
                    let scale = 1e-5 / (norm + 1e-7)
                    let dscale = -1e-5 / ((norm + 1e-7) * (norm + 1e-7))
                    gw[idx] += Float(1e5 * (scale * Double(dwp[idx]) + dotWG[j] * dscale * Double(w[idx]) / norm))
                } else {
                    gw[idx] += Float(1e5 * Double(dwp[idx]))
                }
            }
        }
        return dx
    }
}

/// The A-Softmax loss of SphereFace (`AngleLoss` of `net_sphere.py`, γ_focal = 0).
///
/// Each call first increments `iteration`, then uses the annealed blend weight
/// `λ = max(lambdaMin, lambdaMax · (1 + gamma · iteration)^(−power))` (the PyTorch reference:
/// 1500, 0.1, 1, 5; the official Caffe settings: 1000, 0.12, 1, 5). The target logit is
/// `‖x‖(λ cos θ_y + ψ(θ_y)) / (1 + λ)` (computed as `cos·‖x‖ − cos·‖x‖/(1+λ) + ψ·‖x‖/(1+λ)`),
/// other logits stay `‖x‖ cos θ_j`; the loss is the mean softmax cross-entropy.
public final class AngleLoss {
    /// Number of calls so far (the reference's `it`).
    public var iteration: Int
    public let lambdaMin: Double
    /// The base of the annealing (λ at iteration 0).
    public let lambdaMax: Double
    public let gamma: Double
    public let power: Double

    public init(iteration: Int = 0, lambdaMin: Double = 5, lambdaMax: Double = 1500, gamma: Double = 0.1, power: Double = 1) {
        self.iteration = iteration
        self.lambdaMin = lambdaMin
        self.lambdaMax = lambdaMax
        self.gamma = gamma
        self.power = power
    }

    /// λ used by the call that makes `iteration` equal to `it`.
    public func lambda(atIteration it: Int) -> Double {
        let t = 1 + gamma * Double(it)
        return max(lambdaMin, power == 1 ? lambdaMax / t : lambdaMax * pow(t, -power))
    }

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
