import NeuralNet

/// What a classification head returns for one batch.
public struct HeadResult {
    /// Mean cross-entropy over the batch.
    public let loss: Float
    /// d(loss)/d(embedding), `[N, features]`.
    public let gradient: Tensor
    /// Predicted class per item (argmax of the plain logits: `‖x‖ cos θ_j` for A-Softmax).
    public let predictions: [Int]
    /// The blend weight λ used (A-Softmax), nil for the plain softmax.
    public let lambda: Double?
}

/// The training-time classifier (`fc6`) on top of the embedding. Its parameters are saved with
/// the model under `fc6.*` and ignored at inference.
public protocol ClassifierHead: AnyObject {
    /// Number of classes.
    var classes: Int { get }
    /// `fc6.weight` (and `fc6.bias` for the plain softmax).
    func namedParameters() -> [(String, Parameter)]
    /// Forward, loss and backward for embeddings `[N, features]` at 0-based training `iteration`.
    func lossAndGradient(_ embedding: Tensor, labels: [Int], iteration: Int) throws -> HeadResult
    /// Class scores `[N, classes]` (no margin) for evaluation.
    func scores(_ embedding: Tensor) throws -> Tensor
}

/// A-Softmax: `AngleLinear` (normalised weights, zero bias, margin m) + `AngleLoss` with λ annealing.
/// m = 1 is the paper's "modified softmax".
public final class AngleSoftmaxHead: ClassifierHead {
    public let linear: AngleLinear
    public let loss: AngleLoss
    public var classes: Int { linear.outputFeatures }

    /// - Parameters: λ = max(lambdaMin, lambdaBase · (1 + lambdaGamma · it)^(−lambdaPower)).
    public init(features: Int, classes: Int, margin: Int, lambdaBase: Double = 1500, lambdaGamma: Double = 0.1,
                lambdaPower: Double = 1, lambdaMin: Double = 5, seed: UInt64) throws {
        linear = try AngleLinear(inputFeatures: features, outputFeatures: classes, margin: margin, seed: seed)
        loss = AngleLoss(lambdaMin: lambdaMin, lambdaMax: lambdaBase, gamma: lambdaGamma, power: lambdaPower)
    }

    public func namedParameters() -> [(String, Parameter)] { [("fc6.weight", linear.weight)] }

    public func lossAndGradient(_ embedding: Tensor, labels: [Int], iteration: Int) throws -> HeadResult {
        linear.training = true
        let out = try linear(embedding, targets: labels)
        loss.iteration = iteration          // the loss counts calls from 1, as the reference's `it`
        let (l, lam, gc, gp) = try loss(out, labels: labels)
        let g = try linear.backward(gradCos: gc, gradPhi: gp)
        return HeadResult(loss: l, gradient: g, predictions: argmaxRows(out.cosThetaXNorm), lambda: lam)
    }

    public func scores(_ embedding: Tensor) throws -> Tensor {
        linear.training = false
        return try linear(embedding).cosThetaXNorm
    }
}

/// The original softmax baseline: `Linear` with bias and unnormalised weights, cross-entropy.
public final class SoftmaxHead: ClassifierHead {
    public let linear: Linear
    public var classes: Int { linear.outputFeatures }

    public init(features: Int, classes: Int, seed: UInt64) throws {
        linear = try Linear(inputFeatures: features, outputFeatures: classes, bias: true, seed: seed)
    }

    public func namedParameters() -> [(String, Parameter)] { linear.namedParameters().map { ("fc6." + $0.0, $0.1) } }

    public func lossAndGradient(_ embedding: Tensor, labels: [Int], iteration: Int) throws -> HeadResult {
        linear.training = true
        let logits = try linear(embedding)
        let (l, g) = try softmaxCrossEntropy(logits: logits, labels: labels)
        return HeadResult(loss: l, gradient: try linear.backward(g), predictions: argmaxRows(logits), lambda: nil)
    }

    public func scores(_ embedding: Tensor) throws -> Tensor {
        linear.training = false
        return try linear(embedding)
    }
}

/// Index of the largest element of each row of `[N, C]`.
public func argmaxRows(_ t: Tensor) -> [Int] {
    let n = t.shape[0], c = t.shape[1]
    return (0..<n).map { i in
        let row = t.pointer + i * c
        var best = 0
        for j in 1..<max(1, c) where row[j] > row[best] { best = j }
        return best
    }
}
