/// Everything that defines a training run (saved in checkpoints and models as JSON).
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// `SphereNet.Depth` name: sphere20a, sphere36a, sphere64a or sphere4.
    public var net = "sphere20a"
    /// The four stage widths.
    public var widths = [64, 128, 256, 512]
    /// Embedding size (fc5 outputs).
    public var features = 512
    /// `asoftmax` (AngleLinear + AngleLoss) or `softmax` (the original softmax baseline: bias, unnormalised).
    public var head = "asoftmax"
    /// The angular margin m of A-Softmax (1…4; 1 = the modified softmax).
    public var margin = 4
    public var batchSize = 32
    /// Base learning rate.
    public var learningRate: Float = 0.1
    /// Epochs at which the learning rate is multiplied by `lrGamma`; nil: 50%, 75% and 90% of
    /// `epochs` (the PyTorch reference's 10, 15, 18 of 20).
    public var lrSteps: [Int]? = nil
    public var lrGamma: Float = 0.1
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    public var epochs = 20
    public var seed: UInt64 = 0
    /// λ = max(lambdaMin, lambdaBase · (1 + lambdaGamma · it)^(−lambdaPower)); PyTorch reference defaults.
    public var lambdaBase = 1500.0
    public var lambdaGamma = 0.1
    public var lambdaPower = 1.0
    public var lambdaMin = 5.0
    /// Random horizontal flips (p = ½).
    public var flip = true

    public init() {}

    /// The learning-rate milestones in epochs.
    public var lrStepEpochs: [Int] {
        lrSteps ?? [epochs / 2, epochs * 3 / 4, epochs * 9 / 10].filter { $0 > 0 }
    }

    /// Throws `TrainingError.invalidOption` for impossible values.
    public func validate() throws {
        guard SphereNet.Depth(rawValue: net) != nil else {
            throw TrainingError.invalidOption("--net \(net): use one of \(SphereNet.Depth.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else { throw TrainingError.invalidOption("--widths needs 4 positive values, e.g. 16,32,64,128") }
        guard features > 0 else { throw TrainingError.invalidOption("--features must be positive") }
        guard head == "asoftmax" || head == "softmax" else { throw TrainingError.invalidOption("--head \(head): use asoftmax or softmax") }
        guard (1...4).contains(margin) else { throw TrainingError.invalidOption("--m \(margin): use 1, 2, 3 or 4") }
        guard batchSize > 0, epochs > 0 else { throw TrainingError.invalidOption("--batch and --epochs must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError.invalidOption("--lr must be positive") }
        guard lambdaMin >= 0, lambdaBase >= 0, lambdaGamma >= 0, lambdaPower >= 0 else {
            throw TrainingError.invalidOption("the λ options (--lambda-base, --lambda-gamma, --lambda-power, --lambda-min) must be non-negative")
        }
    }
}
