import FaceEmbedding

/// What `HeadExperiment` tries: the heads, the View 1 grid its settings are chosen from, the
/// training options shared by every head, and which protocols run.
public struct HeadExperimentSettings: Codable, Sendable {
    /// `softmax` and `m1` … `m4` (A-Softmax with that margin; m1 is the modified softmax).
    public var heads = ["softmax", "m1", "m2", "m3", "m4"]
    /// The View 1 grid: output size d × epochs × learning rate; each head keeps its best.
    public var featureChoices = [64, 128]
    public var epochChoices = [5, 10]
    public var learningRateChoices: [Float] = [0.1, 0.01]
    /// Width of a hidden layer (two-layer heads); nil for one linear map.
    public var hidden: Int?
    public var batchSize = 256
    /// λ = max(lambdaMin, lambdaBase / (1 + γ·it)), reaching lambdaMin half-way through.
    public var lambdaBase = 1000.0
    public var lambdaMin = 5.0
    /// View 2 folds to run (0-based); nil for all ten.
    public var view2Folds: [Int]?
    public var runView2 = true
    public var runMegaFace = true
    /// Probes of the halved MegaFace-style run: people with at least this many images.
    public var minProbeImages = 10
    public var seed: UInt64 = 0

    enum CodingKeys: String, CodingKey {
        case heads, hidden, seed
        case featureChoices = "feature_choices"
        case epochChoices = "epoch_choices"
        case batchSize = "batch_size"
        case learningRateChoices = "learning_rate_choices"
        case lambdaBase = "lambda_base"
        case lambdaMin = "lambda_min"
        case view2Folds = "view2_folds"
        case runView2 = "run_view2"
        case runMegaFace = "run_megaface"
        case minProbeImages = "min_probe_images"
    }

    public init() {}

    /// The same code on less data: d = 128, 5 epochs, lr 0.1 only, View 2 folds 1 and 2.
    public static var quick: HeadExperimentSettings {
        var s = HeadExperimentSettings()
        s.featureChoices = [128]
        s.epochChoices = [5]
        s.learningRateChoices = [0.1]
        s.view2Folds = [0, 1]
        return s
    }

    /// The training configuration of `head` (`softmax`, `m1` … `m4`) at one point of the grid.
    /// - Throws: `TrainingError.invalidOption` for another head name.
    public func configuration(head: String, features: Int, epochs: Int, learningRate: Float) throws -> HeadConfiguration {
        var c = HeadConfiguration()
        if head == "softmax" {
            c.loss = "softmax"
        } else if head.hasPrefix("m"), let m = Int(head.dropFirst()), (1...4).contains(m) {
            c.loss = "asoftmax"
            c.margin = m
        } else {
            throw TrainingError.invalidOption("head \(head): use softmax, m1, m2, m3 or m4")
        }
        c.features = features
        c.epochs = epochs
        c.hidden = hidden
        c.batchSize = batchSize
        c.learningRate = learningRate
        c.lambdaBase = lambdaBase
        c.lambdaMin = lambdaMin
        c.seed = seed
        try c.validate()
        return c
    }
}
