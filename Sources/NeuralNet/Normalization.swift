/// Batch normalisation with fixed statistics (`torch.nn.BatchNorm2d` in eval mode), i.e. a
/// per-channel affine map `y = (x − running_mean) / √(running_var + eps) · weight + bias`.
///
/// - `weight`, `bias`: `[numFeatures]` learnable (γ, β); `runningMean`, `runningVar`: `[numFeatures]`
///   buffers (state-dict names `running_mean`, `running_var`).
/// - input `[N, C, ...]` (channel axis 1) or `[N, C]`. Backward treats the statistics as constants,
///   which is exact for inference-mode use and for fine-tuning with frozen statistics.
public final class BatchNorm: Module {
    public let numFeatures: Int
    public let eps: Float
    /// γ, `[numFeatures]`
    public let weight: Parameter
    /// β, `[numFeatures]`
    public let bias: Parameter
    /// `[numFeatures]` (not trained)
    public let runningMean: Parameter
    /// `[numFeatures]` (not trained)
    public let runningVar: Parameter
    public var training = false
    private var cachedInput: Tensor?

    public init(numFeatures: Int, eps: Float = 1e-5) throws {
        guard numFeatures > 0 else { throw NeuralNetError.invalidArgument("BatchNorm needs numFeatures > 0") }
        self.numFeatures = numFeatures
        self.eps = eps
        weight = Parameter(Tensor(shape: [numFeatures], repeating: 1))
        bias = Parameter(Tensor(zeros: [numFeatures]))
        runningMean = Parameter(Tensor(zeros: [numFeatures]), requiresGrad: false)
        runningVar = Parameter(Tensor(shape: [numFeatures], repeating: 1), requiresGrad: false)
    }

    /// Learnable parameters and buffers under their PyTorch names (the buffers have
    /// `requiresGrad == false`, so optimizers skip them).
    public func namedParameters() -> [(String, Parameter)] {
        [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)]
    }

    /// `weight` and `bias` only.
    public func trainableParameters() -> [Parameter] { [weight, bias] }

    /// Per-channel (scale, shift) of the equivalent affine map.
    public func affine() -> (scale: [Float], shift: [Float]) {
        var sc = [Float](repeating: 0, count: numFeatures), sh = sc
        for c in 0..<numFeatures {
            let s = weight.value.pointer[c] / (runningVar.value.pointer[c] + eps).squareRoot()
            sc[c] = s
            sh[c] = bias.value.pointer[c] - runningMean.value.pointer[c] * s
        }
        return (sc, sh)
    }

    private func geometry(_ x: Tensor) throws -> (outer: Int, inner: Int) {
        guard x.rank >= 2, x.shape[1] == numFeatures else {
            throw NeuralNetError.shapeMismatch(operation: "BatchNorm(\(numFeatures))", expected: "[N, \(numFeatures), ...]", got: x.shape)
        }
        return (x.shape[0], x.count / (x.shape[0] * numFeatures))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (outer, inner) = try geometry(x)
        if training { cachedInput = x }
        let (scale, shift) = affine()
        let y = Tensor(uninitialized: x.shape)
        let s = x.pointer, d = y.pointer, ch = numFeatures
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                Parallel.forEachChunk(outer * ch, minimumPerThread: max(1, 16_384 / max(1, inner))) { r in
                    for plane in r {
                        let a = sc[plane % ch], b = sh[plane % ch]
                        let ps = s + plane * inner, pd = d + plane * inner
                        for i in 0..<inner { pd[i] = ps[i] * a + b }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let x = cachedInput else { throw NeuralNetError.noForwardCache(layer: "BatchNorm") }
        try gradOutput.expectShape(x.shape, "BatchNorm.backward")
        let (outer, inner) = try geometry(x)
        let ch = numFeatures
        let dx = Tensor(uninitialized: x.shape)
        let s = x.pointer, g = gradOutput.pointer, d = dx.pointer
        let mean = runningMean.value.pointer
        var invStd = [Float](repeating: 0, count: ch)
        for c in 0..<ch { invStd[c] = 1 / (runningVar.value.pointer[c] + eps).squareRoot() }
        let gw = weight.grad.pointer, gb = bias.grad.pointer, w = weight.value.pointer
        for plane in 0..<(outer * ch) {
            let c = plane % ch
            let ps = s + plane * inner, pg = g + plane * inner, pd = d + plane * inner
            let a = w[c] * invStd[c]
            var sg: Float = 0, sgx: Float = 0
            for i in 0..<inner {
                pd[i] = pg[i] * a
                sg += pg[i]
                sgx += pg[i] * (ps[i] - mean[c])
            }
            gb[c] += sg
            gw[c] += sgx * invStd[c]
        }
        return dx
    }
}
