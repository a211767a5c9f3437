/// Everything that defines the training of a head on frozen embeddings (saved with it as JSON).
public struct HeadConfiguration: Codable, Equatable, Sendable {
    /// Width of the hidden layer (Linear → PReLU → Linear); nil for one linear map.
    public var hidden: Int?
    /// Output embedding size d.
    public var features = 128
    /// `asoftmax` (AngleLinear + AngleLoss, m = `margin`; m = 1 is the modified softmax) or
    /// `softmax` (bias, unnormalised weights).
    public var loss = "asoftmax"
    public var margin = 4
    public var epochs = 30
    public var batchSize = 256
    public var learningRate: Float = 0.1
    /// The learning rate is multiplied by 0.1 at 50%, 75% and 90% of the iterations.
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    /// λ = max(lambdaMin, lambdaBase / (1 + γ·it)) with γ chosen so that λ reaches lambdaMin at
    /// `lambdaFloorAt` of the iterations (the reference's γ = 0.1 assumes CASIA-scale runs).
    public var lambdaBase = 1000.0
    public var lambdaMin = 5.0
    public var lambdaFloorAt = 0.5
    public var seed: UInt64 = 0

    public init() {}

    /// A short name of the loss: `softmax`, `m1` … `m4`.
    public var lossName: String { loss == "softmax" ? "softmax" : "m\(margin)" }

    /// Throws `TrainingError.invalidOption` for impossible values.
    public func validate() throws {
        guard loss == "asoftmax" || loss == "softmax" else { throw TrainingError.invalidOption("head loss \(loss): use asoftmax or softmax") }
        guard (1...4).contains(margin) else { throw TrainingError.invalidOption("head margin \(margin): use 1, 2, 3 or 4") }
        guard features > 0, hidden.map({ $0 > 0 }) ?? true else { throw TrainingError.invalidOption("head sizes must be positive") }
        guard epochs > 0, batchSize > 0 else { throw TrainingError.invalidOption("head epochs and batch size must be positive") }
        guard learningRate > 0, learningRate.isFinite, momentum >= 0, weightDecay >= 0 else {
            throw TrainingError.invalidOption("head learning rate must be positive, momentum and weight decay non-negative")
        }
        guard lambdaMin >= 0, lambdaBase >= lambdaMin, lambdaFloorAt > 0 else {
            throw TrainingError.invalidOption("head λ schedule: need 0 ≤ lambdaMin ≤ lambdaBase and lambdaFloorAt > 0")
        }
    }
}
