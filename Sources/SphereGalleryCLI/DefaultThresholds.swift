/// Open-set thresholds a new gallery starts with, per model and alignment, until a user calibrates
/// their own (`sphere-gallery calibrate`). Measured on LFW View 1 (pairsDevTrain.txt) through this
/// pipeline — never on View 2, which is kept for reporting accuracy.
enum DefaultThresholds {
    struct Threshold {
        /// Cosine at and above which two faces are taken to be the same person.
        var cosine: Double
        var source: String
    }

    static func threshold(for model: String, landmarks: LandmarkSource) -> Threshold? {
        switch (model, landmarks) {
        case ("dlib-resnet", .dlib5):
            return Threshold(cosine: dlibResNetDlib5Cosine,
                             source: "LFW View 1 pairsDevTrain.txt, best-accuracy threshold (MTCNN + dlib 5-point predictor + dlib chip)")
        case ("dlib-resnet", .mtcnn):
            return Threshold(cosine: dlibResNetMTCNNCosine,
                             source: "LFW View 1 pairsDevTrain.txt, best-accuracy threshold (MTCNN + dlib template)")
        default:
            return nil
        }
    }

    /// `sphere-gallery eval lfw --pairs pairsDevTrain.txt --landmarks dlib5`: best single threshold
    /// 0.908033 (99.00% of the 2,200 pairs; with --flip 0.908243, 99.32%).
    static let dlibResNetDlib5Cosine = 0.9080
    /// `sphere-gallery eval lfw --pairs pairsDevTrain.txt --landmarks mtcnn`: best single threshold 0.9035 (98.68%).
    static let dlibResNetMTCNNCosine = 0.9035
}
