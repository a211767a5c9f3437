/// Open-set thresholds a new gallery starts with, per model, until a user calibrates their
/// own (`sphere-gallery calibrate`). Measured on LFW View 1 (pairsDevTrain.txt) through this
/// pipeline — never on View 2, which is kept for reporting accuracy.
enum DefaultThresholds {
    struct Threshold {
        /// Cosine at and above which two faces are taken to be the same person.
        var cosine: Double
        var source: String
    }

    static func threshold(for model: String) -> Threshold? {
        switch model {
        case "dlib-resnet":
            return Threshold(cosine: dlibResNetCosine, source: "LFW View 1 pairsDevTrain.txt, best-accuracy threshold (MTCNN + dlib template)")
        default:
            return nil
        }
    }

    /// `sphere-gallery eval lfw --pairs pairsDevTrain.txt`: best single threshold 0.9035 (98.68% of the 2,200 pairs).
    static let dlibResNetCosine = 0.9035
}
