/// The thresholds a model starts with, per alignment, until a user calibrates their own
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

    static func thresholds(for model: String, landmarks: LandmarkSource) -> Thresholds? {
        switch (model, landmarks) {
        case ("dlib-resnet", .dlib5):
            return Thresholds(identification: DlibResNet.dlib5Identification, verification: DlibResNet.dlib5Verification,
                              source: "LFW View 1 (MTCNN + dlib 5-point predictor + dlib chip): " + DlibResNet.rule)
        case ("dlib-resnet", .mtcnn):
            return Thresholds(identification: DlibResNet.mtcnnIdentification, verification: DlibResNet.mtcnnVerification,
                              source: "LFW View 1 (MTCNN + dlib template): " + DlibResNet.rule)
        default:
            return nil
        }
    }

    /// dlib-resnet, no flip.
    /// - identification: `python3 Tools/measure_thresholds.py --lfw ../shared/data/lfw [--extra --landmarks L]`
    ///   (2 photos each of View 1's 4,038 training people: 5,221 faces, 13.6 M impostor pairs),
    ///   the cosine where the impostor pairs' FAR is 1e-4.
    /// - verification: `sphere-gallery eval lfw --pairs pairsDevTrain.txt --landmarks L`, the best
    ///   single threshold over the 2,200 pairs.
    enum DlibResNet {
        static let rule = "identification at pair FAR 1e-4 (all pairs of 5,221 faces), verification at best accuracy on pairsDevTrain"
        /// FAR 1e-4 at 0.9419, pair TAR 78.8% (FAR 1e-3: 0.9267, TAR 94.4%).
        static let mtcnnIdentification = 0.9419
        /// 98.68% of pairsDevTrain.
        static let mtcnnVerification = 0.9035
        /// FAR 1e-4 at 0.9413, pair TAR 79.4% (FAR 1e-3: 0.9261, TAR 94.5%).
        static let dlib5Identification = 0.9413
        /// 0.908033: 99.00% of pairsDevTrain (with --flip 0.908243, 99.32%).
        static let dlib5Verification = 0.9080
    }
}
