import FaceEmbedding
import Imaging

/// Which five points align a face for the embedding model.
public enum LandmarkSource: String, Codable, CaseIterable, Sendable {
    /// MTCNN's own points (eye centres, nose tip, mouth corners) with the model's template.
    case mtcnn
    /// dlib's 5-point shape predictor (eye corners, below the nose) run on a dlib-HOG-like box derived
    /// from the MTCNN detection, with dlib's chip (`AlignmentTemplate.dlibChip150`): the alignment the
    /// dlib ResNet was trained with.
    case dlib5

    /// The model's default: `.dlib5` for dlib-resnet (better on LFW View 1, see docs/accuracy.md), else `.mtcnn`.
    public static func `default`(for model: any EmbeddingModel) -> LandmarkSource {
        dlib5Template(for: model) != nil ? .dlib5 : .mtcnn
    }

    /// The default for a model name (`dlib-resnet`, `sphere20a:PATH`, …) without loading it.
    public static func `default`(forModelNamed name: String) -> LandmarkSource {
        EmbeddingModels.split(name).0 == DlibResNet.modelName ? .dlib5 : .mtcnn
    }

    /// The crop template for dlib-predictor landmarks, or nil when the model is not aligned dlib's way.
    public static func dlib5Template(for model: any EmbeddingModel) -> AlignmentTemplate? {
        model is DlibResNet ? DlibResNet.dlibLandmarksTemplate : nil
    }
}
