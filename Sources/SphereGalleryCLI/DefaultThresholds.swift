/// The thresholds a model starts with, until a user calibrates their own
/// (`sphere-gallery calibrate`). Measured on LFW View 1 through this pipeline — never on
/// View 2, which is kept for reporting accuracy.
///
/// Two, because the questions differ. `verify` asks about one pair: the best-accuracy
/// threshold fits. `identify` compares a stranger with every template of the gallery, so the
/// chance that one of them passes grows with the gallery (about 1 − (1 − FAR)^templates): a
/// gallery's threshold is set at a per-pair false-accept rate of 1e-4 instead.
enum DefaultThresholds {
    struct Thresholds {
        /// Cosine for 1:N identification (a new gallery's threshold): the impostor pairs'
        /// false-accept rate is 1e-4 there.
        var identification: Double
        /// Cosine for 1:1 verification: the best-accuracy threshold.
        var verification: Double
        var source: String
    }

    static func thresholds(for model: String) -> Thresholds? {
        switch model {
        case "dlib-resnet":
            return Thresholds(identification: 0.9419, verification: 0.9035, source: dlibResNetSource)
        default:
            return nil
        }
    }

    /// dlib-resnet, MTCNN + the dlib chip template, no flip:
    /// - identification 0.9419: `python3 Tools/measure_thresholds.py --lfw ../shared/data/lfw`
    ///   (2 photos each of View 1's 4,038 training people: 5,221 faces, 13.6 M impostor pairs):
    ///   FAR 1e-4 at 0.9419 with a pair TAR of 78.8% (FAR 1e-3: 0.9267, TAR 94.4%).
    ///   Enrolling 3 photos each of 100 people (`make demo`), 91 of 100 held-out photos are
    ///   identified and 3 of 100 strangers falsely matched; at 0.9035, 100 and 79.
    /// - verification 0.9035: `sphere-gallery eval lfw --pairs pairsDevTrain.txt`, the best single
    ///   threshold (98.68% of the 2,200 pairs).
    static let dlibResNetSource =
        "LFW View 1 (MTCNN + dlib template): identification at pair FAR 1e-4, verification at best accuracy on pairsDevTrain"
}
