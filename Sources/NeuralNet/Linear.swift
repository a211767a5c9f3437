/// Fully connected layer, `y = x Wᵀ + b` (as `torch.nn.Linear`).
///
/// - `weight`: `[outputFeatures, inputFeatures]`, `bias`: `[outputFeatures]`
/// - input `[N, inputFeatures]` → output `[N, outputFeatures]`. Inputs of higher rank are
///   flattened per item (`[N, C, H, W]` → `[N, C·H·W]`, the order of `x.view(N, -1)`).
public final class Linear: Module {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// `[outputFeatures, inputFeatures]`
    public let weight: Parameter
    /// `[outputFeatures]`, or nil when created with `bias: false`.
    public let bias: Parameter?
    public var training = false
    private var cachedInput: Tensor?

    /// PyTorch default init (uniform ±1/√inputFeatures), seeded deterministically.
    /// - Throws: `invalidArgument` for non-positive sizes.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, seed: UInt64 = 0) throws {
        guard inputFeatures > 0, outputFeatures > 0 else { throw NeuralNetError.invalidArgument("Linear needs positive feature counts") }
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let bound = 1 / Float(inputFeatures).squareRoot()
        weight = Parameter(Tensor.uniform([outputFeatures, inputFeatures], bound: bound, seed: seed))
        self.bias = bias ? Parameter(Tensor.uniform([outputFeatures], bound: bound, seed: seed &+ 1)) : nil
    }

    public func namedParameters() -> [(String, Parameter)] {
        var r: [(String, Parameter)] = [("weight", weight)]
        if let b = bias { r.append(("bias", b)) }
        return r
    }

    private func flat(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape.first! > 0 || x.count == 0, x.count == x.shape[0] * inputFeatures else {
            throw NeuralNetError.shapeMismatch(operation: "Linear", expected: "[N, \(inputFeatures)]", got: x.shape)
        }
        return try x.reshaped([x.shape[0], inputFeatures])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let xf = try flat(x)
        if training { cachedInput = x }
        let n = xf.shape[0]
        let y = Tensor(uninitialized: [n, outputFeatures])
        if let b = bias {
            for i in 0..<n { (y.pointer + i * outputFeatures).update(from: b.value.pointer, count: outputFeatures) }
        }
        Parallel.sgemm(transA: false, transB: true, m: n, n: outputFeatures, k: inputFeatures, alpha: 1,
                       a: xf.pointer, lda: inputFeatures, b: weight.value.pointer, ldb: inputFeatures,
                       beta: bias == nil ? 0 : 1, c: y.pointer, ldc: outputFeatures)
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let x = cachedInput else { throw NeuralNetError.noForwardCache(layer: "Linear") }
        let xf = try flat(x)
        let n = xf.shape[0]
        try gradOutput.expectShape([n, outputFeatures], "Linear.backward")
        // dW += gᵀ x
        Parallel.sgemm(transA: true, transB: false, m: outputFeatures, n: inputFeatures, k: n, alpha: 1,
                       a: gradOutput.pointer, lda: outputFeatures, b: xf.pointer, ldb: inputFeatures,
                       beta: 1, c: weight.grad.pointer, ldc: inputFeatures)
        if let b = bias {
            let bg = b.grad.pointer, g = gradOutput.pointer
            for i in 0..<n { for j in 0..<outputFeatures { bg[j] += g[i * outputFeatures + j] } }
        }
        // dx = g W
        let dx = Tensor(uninitialized: x.shape)
        Parallel.sgemm(transA: false, transB: false, m: n, n: inputFeatures, k: outputFeatures, alpha: 1,
                       a: gradOutput.pointer, lda: outputFeatures, b: weight.value.pointer, ldb: inputFeatures,
                       beta: 0, c: dx.pointer, ldc: inputFeatures)
        return dx
    }
}
