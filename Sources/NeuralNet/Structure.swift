/// Flattens every item: `[N, d1, d2, ...]` → `[N, d1·d2·...]` (a view; `x.view(N, -1)` order).
public final class Flatten: Module {
    public var training = false
    private var inputShape: [Int]?
    public init() {}

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1 else { throw NeuralNetError.shapeMismatch(operation: "Flatten", expected: "[N, ...]", got: x.shape) }
        inputShape = x.shape
        return try x.reshaped([x.shape[0], x.shape[0] == 0 ? 0 : x.count / x.shape[0]])
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let s = inputShape else { throw NeuralNetError.noForwardCache(layer: "Flatten") }
        return try gradOutput.reshaped(s)
    }
}

/// Residual connection `y = x + body(x)`; `body` must keep the shape. Parameters are the body's.
public final class Residual: Module {
    /// The residual branch.
    public let body: any Module
    public var training: Bool { get { body.training } set { body.training = newValue } }

    public init(_ body: any Module) { self.body = body }

    public func namedParameters() -> [(String, Parameter)] { body.namedParameters() }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let b = try body(x)
        try b.expectShape(x.shape, "Residual (body must preserve the shape)")
        return add(b, x, into: b)
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let gb = try body.backward(gradOutput)
        try gb.expectShape(gradOutput.shape, "Residual.backward")
        let r = Tensor(uninitialized: gb.shape)
        return add(gb, gradOutput, into: r)
    }
}

/// Element-wise `a + b` written into `out` (which may alias `a` or `b`), split across cores.
@discardableResult
public func add(_ a: Tensor, _ b: Tensor, into out: Tensor) -> Tensor {
    let pa = a.pointer, pb = b.pointer, po = out.pointer
    Parallel.forEachChunk(min(a.count, b.count, out.count)) { r in
        for i in r { po[i] = pa[i] + pb[i] }
    }
    return out
}
