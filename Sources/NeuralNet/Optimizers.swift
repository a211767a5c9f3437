/// Stochastic gradient descent with momentum and L2 weight decay (as `torch.optim.SGD`,
/// no dampening, no Nesterov; parameters with `requiresGrad == false` are left unchanged):
/// `g = grad + weightDecay·w; buf = momentum·buf + g (buf = g on the first step); w −= lr·buf`.
public final class SGD {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private var buffers: [Tensor?]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// Applies one update using the accumulated gradients.
    public func step() {
        let lr = learningRate, mu = momentum, wd = weightDecay
        for (k, p) in parameters.enumerated() where p.requiresGrad {
            let w = p.value.pointer, g = p.grad.pointer, n = p.value.count
            if mu == 0 {
                Parallel.forEachChunk(n) { r in for i in r { w[i] -= lr * (g[i] + wd * w[i]) } }
            } else if let buf = buffers[k] {
                let b = buf.pointer
                Parallel.forEachChunk(n) { r in
                    for i in r { b[i] = mu * b[i] + (g[i] + wd * w[i]); w[i] -= lr * b[i] }
                }
            } else {
                let buf = Tensor(uninitialized: p.value.shape)
                let b = buf.pointer
                Parallel.forEachChunk(n) { r in
                    for i in r { b[i] = g[i] + wd * w[i]; w[i] -= lr * b[i] }
                }
                buffers[k] = buf
            }
            p.markModified()
        }
    }

    /// Sets every gradient to zero.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// The momentum buffers, one per parameter in `parameters` order; nil before a parameter's
    /// first step (for checkpoints: restoring them makes the next steps identical).
    public var momentumBuffers: [Tensor?] { buffers }

    /// Restores buffers saved from `momentumBuffers` (copied).
    /// - Throws: `shapeMismatch` when the count or a shape differs from the parameters.
    public func restoreMomentumBuffers(_ saved: [Tensor?]) throws {
        guard saved.count == parameters.count else {
            throw NeuralNetError.shapeMismatch(operation: "SGD.restoreMomentumBuffers", expected: "\(parameters.count) buffers", got: [saved.count])
        }
        for (k, b) in saved.enumerated() {
            if let b { try b.expectShape(parameters[k].value.shape, "SGD momentum buffer \(k)") }
            buffers[k] = b?.copy()
        }
    }
}

/// Step learning-rate schedule: `base · gamma^(number of milestones ≤ iteration)`
/// (SphereFace: base 0.1, milestones 16 000 and 24 000, gamma 0.1; `torch.optim.lr_scheduler.MultiStepLR`).
public struct StepLR: Sendable {
    public let base: Float
    public let milestones: [Int]
    public let gamma: Float

    public init(base: Float, milestones: [Int], gamma: Float = 0.1) {
        self.base = base
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    /// Learning rate at a 0-based iteration.
    public func learningRate(at iteration: Int) -> Float {
        var lr = base
        for m in milestones where iteration >= m { lr *= gamma }
        return lr
    }

    /// Sets `optimizer.learningRate` for `iteration`.
    public func apply(to optimizer: SGD, iteration: Int) { optimizer.learningRate = learningRate(at: iteration) }
}
