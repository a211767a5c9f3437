import Evaluation

/// What `HeadExperiment` writes to `report.json`: per head (`raw` = the frozen network's own
/// vectors; `softmax`; `m1` … `m4`), the View 1 choice of its settings, View 2, the halved
/// MegaFace-style run, and the angle statistics of the test people.
public struct HeadExperimentReport: Codable, Sendable {
    /// One tried setting on View 1.
    public struct Trial: Codable, Sendable {
        public var head: String
        public var features: Int
        public var epochs: Int
        public var learningRate: Float
        public var accuracy: Double

        enum CodingKeys: String, CodingKey {
            case head, features, epochs, accuracy
            case learningRate = "learning_rate"
        }
    }

    public struct Verification: Codable, Sendable {
        public var accuracy: Double
        public var accuracyStd: Double
        public var tarAtFAR1e3: Double?
        public var eer: Double
        public var folds: [Double]

        enum CodingKeys: String, CodingKey {
            case accuracy, eer, folds
            case accuracyStd = "accuracy_std"
            case tarAtFAR1e3 = "tar_at_far_0.001"
        }

        init(_ report: LFWReport, roc: ROC) {
            accuracy = report.accuracy.mean
            accuracyStd = report.accuracy.std
            tarAtFAR1e3 = roc.tar(atFAR: 1e-3)
            eer = report.eer
            folds = report.accuracy.folds
        }

        /// Per-fold accuracies (mean ± sample std) and the ROC of the test folds' scores pooled.
        init(foldAccuracies: [Double], roc: ROC) {
            let n = Double(foldAccuracies.count)
            accuracy = foldAccuracies.reduce(0, +) / n
            let mean = accuracy
            accuracyStd = n > 1 ? (foldAccuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
            tarAtFAR1e3 = roc.tar(atFAR: 1e-3)
            eer = roc.equalErrorRate.rate
            folds = foldAccuracies
        }
    }

    public struct OpenSet: Codable, Sendable {
        public var distractors: Int
        public var probeImages: Int
        public var rank1: Double
        public var fnirAtFPIR: [String: Double]

        enum CodingKeys: String, CodingKey {
            case distractors, rank1
            case probeImages = "probe_images"
            case fnirAtFPIR = "fnir_at_fpir"
        }
    }

    public struct Head: Codable, Sendable {
        public var head: String
        /// The View 1 choice (nil for `raw`).
        public var features: Int?
        public var epochs: Int?
        public var learningRate: Float?
        public var view1: Verification?
        public var view1Angles: AngleStatistics?
        public var view2: Verification?
        /// View 2's angle statistics: the mean over folds of each fold's test people.
        public var view2Angles: AngleStatistics?
        public var megaface: OpenSet?
        public var megafaceAngles: AngleStatistics?

        enum CodingKeys: String, CodingKey {
            case head, features, epochs, view1, view2, megaface
            case learningRate = "learning_rate"
            case view1Angles = "view1_angles"
            case view2Angles = "view2_angles"
            case megafaceAngles = "megaface_angles"
        }
    }

    public var model: String
    public var images: Int
    public var dimension: Int
    public var quick: Bool
    public var seed: UInt64
    public var settings: HeadExperimentSettings
    public var view1Trials: [Trial]
    public var heads: [Head]
    /// Each fold's training and test people are disjoint (checked as the folds are built).
    public var identityDisjoint = true
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case model, images, dimension, quick, seed, settings, heads, seconds
        case view1Trials = "view1_trials"
        case identityDisjoint = "identity_disjoint"
    }
}
