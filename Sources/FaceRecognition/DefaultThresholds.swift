/// The thresholds a model starts with, per alignment, until a user calibrates their own
/// (`sphere-gallery calibrate`). Measured on LFW View 1 through this pipeline — never on
/// View 2, which is kept for reporting accuracy.
///
/// Two, because the questions differ. `verify` asks about one pair: the best-accuracy
/// threshold fits. `identify` compares a stranger with every template of the gallery, so the
/// chance that one of them passes grows with the gallery (about 1 − (1 − FAR)^templates): a
/// gallery's threshold is set at a per-pair false-accept rate of 1e-4 instead.
enum DefaultThresholds {
    /// The identification and verification thresholds of `model` aligned with `landmarks`, or
    /// (nil, nil) for a model nobody has measured (then only a user-set threshold decides).
    static func thresholds(for model: String, landmarks: LandmarkSource) -> (identification: ThresholdRecord?, verification: ThresholdRecord?) {
        switch (model, landmarks) {
        case ("dlib-resnet", .dlib5):
            let source = "LFW View 1 (MTCNN + dlib 5-point predictor + dlib chip)"
            return (ThresholdRecord(cosine: DlibResNet.dlib5Identification, source: source + ": pair FAR 1e-4 over 5,221 faces"),
                    ThresholdRecord(cosine: DlibResNet.dlib5Verification, source: source + ": best accuracy on pairsDevTrain"))
        case ("dlib-resnet", .mtcnn):
            let source = "LFW View 1 (MTCNN + dlib template)"
            return (ThresholdRecord(cosine: DlibResNet.mtcnnIdentification, source: source + ": pair FAR 1e-4 over 5,221 faces"),
                    ThresholdRecord(cosine: DlibResNet.mtcnnVerification, source: source + ": best accuracy on pairsDevTrain"))
        default:
            return (nil, nil)
        }
    }

    /// dlib-resnet, no flip.
    /// - identification: `python3 Tools/measure_thresholds.py --lfw ../shared/data/lfw [--extra --landmarks L]`
    ///   (2 photos each of View 1's 4,038 training people: 5,221 faces, 13.6 M impostor pairs),
    ///   the cosine where the impostor pairs' FAR is 1e-4.
    /// - verification: `sphere-gallery eval lfw --pairs pairsDevTrain.txt --landmarks L`, the best
    ///   single threshold over the 2,200 pairs.
    enum DlibResNet {
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
