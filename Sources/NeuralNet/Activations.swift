/// Rectified linear unit, `max(x, 0)`, on a tensor of any shape.
public final class ReLU: Module {
    public var training = false
    private var cachedInput: Tensor?
    public init() {}

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if training { cachedInput = x }
        let y = Tensor(uninitialized: x.shape)
        let s = x.pointer, d = y.pointer
        Parallel.forEachChunk(x.count) { r in for i in r { d[i] = max(s[i], 0) } }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let x = cachedInput else { throw NeuralNetError.noForwardCache(layer: "ReLU") }
        try gradOutput.expectShape(x.shape, "ReLU.backward")
        let dx = Tensor(uninitialized: x.shape)
        let s = x.pointer, g = gradOutput.pointer, d = dx.pointer
        Parallel.forEachChunk(x.count) { r in for i in r { d[i] = s[i] > 0 ? g[i] : 0 } }
        return dx
    }
}

/// Parametric ReLU with one learned slope per channel (`torch.nn.PReLU(numParameters)`):
/// `f(x) = x` for `x ≥ 0`, `a_c · x` otherwise.
///
/// - `weight`: `[numParameters]` slopes (PyTorch init 0.25); channel axis is dimension 1
///   (`[N, C, ...]`); with `numParameters == 1` a single slope is shared.
public final class PReLU: Module {
    /// `[numParameters]`
    public let weight: Parameter
    public var training = false
    private var cachedInput: Tensor?

    /// - Throws: `invalidArgument` when `numParameters < 1`.
    public init(numParameters: Int = 1, initialValue: Float = 0.25) throws {
        guard numParameters >= 1 else { throw NeuralNetError.invalidArgument("PReLU needs numParameters >= 1") }
        weight = Parameter(Tensor(shape: [numParameters], repeating: initialValue))
    }

    public func namedParameters() -> [(String, Parameter)] { [("weight", weight)] }

    private func geometry(_ x: Tensor) throws -> (outer: Int, channels: Int, inner: Int) {
        let np = weight.value.count
        if np == 1 { return (1, 1, x.count) }
        guard x.rank >= 2, x.shape[1] == np else {
            throw NeuralNetError.shapeMismatch(operation: "PReLU(\(np))", expected: "[N, \(np), ...]", got: x.shape)
        }
        return (x.shape[0], np, x.count / (x.shape[0] * np))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (outer, ch, inner) = try geometry(x)
        if training { cachedInput = x }
        let y = Tensor(uninitialized: x.shape)
        let s = x.pointer, d = y.pointer, a = weight.value.pointer
        Parallel.forEachChunk(outer * ch, minimumPerThread: max(1, 16_384 / max(1, inner))) { r in
            for plane in r {
                let slope = a[plane % ch]
                let ps = s + plane * inner, pd = d + plane * inner
                for i in 0..<inner { let v = ps[i]; pd[i] = v >= 0 ? v : slope * v }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let x = cachedInput else { throw NeuralNetError.noForwardCache(layer: "PReLU") }
        try gradOutput.expectShape(x.shape, "PReLU.backward")
        let (outer, ch, inner) = try geometry(x)
        let dx = Tensor(uninitialized: x.shape)
        let s = x.pointer, g = gradOutput.pointer, d = dx.pointer, a = weight.value.pointer
        // Per-plane slope gradients, reduced afterwards (no shared writes between threads).
        let partial = Tensor(zeros: [outer * ch])
        let pp = partial.pointer
        Parallel.forEachChunk(outer * ch, minimumPerThread: max(1, 16_384 / max(1, inner))) { r in
            for plane in r {
                let slope = a[plane % ch]
                let ps = s + plane * inner, pg = g + plane * inner, pd = d + plane * inner
                var acc: Float = 0
                for i in 0..<inner {
                    let v = ps[i]
                    if v > 0 { pd[i] = pg[i] } else { pd[i] = slope * pg[i]; acc += pg[i] * v }
                }
                pp[plane] = acc
            }
        }
        let ga = weight.grad.pointer
        for plane in 0..<(outer * ch) { ga[plane % ch] += pp[plane] }
        return dx
    }
}
