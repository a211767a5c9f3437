import ArgumentParser
import Foundation
import FaceEmbedding
import Imaging

/// Which five points align a face for the embedding model (`--landmarks`).
enum LandmarkSource: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// MTCNN's own points (eye centres, nose tip, mouth corners) with the model's template.
    case mtcnn
    /// dlib's 5-point shape predictor (eye corners, below the nose) run on a dlib-HOG-like box derived
    /// from the MTCNN detection, with dlib's chip (`AlignmentTemplate.dlibChip150`): the alignment the
    /// dlib ResNet was trained with.
    case dlib5

    /// The model's default: `.dlib5` for dlib-resnet (better on LFW View 1, see docs/accuracy.md), else `.mtcnn`.
    static func `default`(for model: any EmbeddingModel) -> LandmarkSource {
        dlib5Template(for: model) != nil ? .dlib5 : .mtcnn
    }

    /// The crop template for dlib-predictor landmarks, or nil when the model is not aligned dlib's way.
    static func dlib5Template(for model: any EmbeddingModel) -> AlignmentTemplate? {
        model is DlibResNet ? DlibResNet.dlibLandmarksTemplate : nil
    }
}

extension LandmarkSource {
    /// The landmarks a gallery was enrolled with, from its model metadata (`"landmarks"`, or for
    /// galleries made before the option existed, the template name `dlib-mtcnn-…` = `.mtcnn`);
    /// nil when it does not say (then the model's default applies).
    static func recorded(in metadataJSON: String) -> LandmarkSource? {
        guard let data = metadataJSON.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let name = object["landmarks"] as? String { return LandmarkSource(rawValue: name) }
        if let template = object["template"] as? String, template.hasPrefix("dlib-mtcnn-") { return .mtcnn }
        return nil
    }
}
