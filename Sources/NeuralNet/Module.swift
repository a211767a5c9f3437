/// A trainable tensor together with its accumulated gradient.
///
/// `grad` has the shape of `value` and is *accumulated* by `backward` passes; call `zeroGrad()`
/// (or `SGD.zeroGrad()`) between steps. `version` increases whenever the value is replaced or
/// updated by an optimizer, so layers can cache derived forms (e.g. Winograd-transformed kernels).
/// If you write into `value.pointer` directly, call `markModified()`.
public final class Parameter {
    /// The current value.
    public var value: Tensor { didSet { version &+= 1 } }
    /// d(loss)/d(value), accumulated.
    public let grad: Tensor
    /// Bumped on every change of `value`.
    public private(set) var version: Int = 0

    /// False for buffers such as BatchNorm running statistics: optimizers leave them unchanged.
    public let requiresGrad: Bool

    /// A parameter holding `value` (the tensor is used as is, not copied), with a zero gradient.
    /// Pass `requiresGrad: false` for a state-dict buffer that is loaded and saved but not trained.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value
        self.grad = Tensor(zeros: value.shape)
        self.requiresGrad = requiresGrad
    }

    /// Sets the gradient to zero.
    public func zeroGrad() { grad.zero() }

    /// Records an in-place modification of `value`.
    public func markModified() { version &+= 1 }

    /// Copies `tensor` into the value after checking its shape.
    /// - Throws: `NeuralNetError.shapeMismatch` when the shapes differ.
    public func load(_ tensor: Tensor, name: String = "parameter") throws {
        try tensor.expectShape(value.shape, "load \(name)")
        value.pointer.update(from: tensor.pointer, count: value.count)
        markModified()
    }
}

/// A differentiable layer (mlx-swift style: `layer(x)` runs the forward pass).
///
/// Forward caches what backward needs only when `training` is true. `backward(_:)` takes
/// d(loss)/d(output), *accumulates* parameter gradients into `Parameter.grad`, and returns
/// d(loss)/d(input). One forward/backward pair at a time per layer instance.
public protocol Module: AnyObject {
    /// Forward pass.
    func callAsFunction(_ x: Tensor) throws -> Tensor
    /// Backward pass for the most recent training-mode forward call.
    func backward(_ gradOutput: Tensor) throws -> Tensor
    /// Parameters keyed by PyTorch-style state-dict names relative to this module (e.g. `weight`, `bias`).
    func namedParameters() -> [(String, Parameter)]
    /// When true, forward passes cache their inputs for `backward`.
    var training: Bool { get set }
}

extension Module {
    /// All parameters (without names).
    public func parameters() -> [Parameter] { namedParameters().map { $0.1 } }
    /// Sets `grad` of every parameter to zero.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }
    /// Default: no parameters.
    public func namedParameters() -> [(String, Parameter)] { [] }

    /// Loads every parameter from `tensors` by name (`prefix` + parameter name).
    /// - Throws: `missingTensor` / `tensorShapeMismatch` naming the offending key.
    public func load(from tensors: [String: Tensor], prefix: String = "", file: String = "weights") throws {
        for (name, p) in namedParameters() {
            let key = prefix + name
            guard let t = tensors[key] else { throw NeuralNetError.missingTensor(name: key, file: file) }
            guard t.shape == p.value.shape else {
                throw NeuralNetError.tensorShapeMismatch(name: key, expected: p.value.shape, got: t.shape, file: file)
            }
            try p.load(t, name: key)
        }
    }
}

/// Layers applied in order; parameter names are `<child name>.<parameter name>`.
public final class Sequential: Module {
    /// The children with their names.
    public let layers: [(name: String, module: any Module)]
    private var _training = false

    /// Creates a sequence of named layers.
    public init(_ layers: [(name: String, module: any Module)]) { self.layers = layers }

    public var training: Bool {
        get { _training }
        set { _training = newValue; for l in layers { l.module.training = newValue } }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = x
        for l in layers { y = try l.module(y) }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        var g = gradOutput
        for l in layers.reversed() { g = try l.module.backward(g) }
        return g
    }

    public func namedParameters() -> [(String, Parameter)] {
        layers.flatMap { l in l.module.namedParameters().map { (l.name + "." + $0.0, $0.1) } }
    }
}
