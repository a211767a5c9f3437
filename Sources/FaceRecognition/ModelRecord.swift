import Foundation
import Gallery

/// A threshold with where it came from.
public struct ThresholdRecord: Codable, Sendable, Equatable {
    /// Cosine; a score at or above it is accepted.
    public var cosine: Double
    /// How it was measured (or "set by hand").
    public var source: String

    public init(cosine: Double, source: String) {
        self.cosine = cosine
        self.source = source
    }
}

/// The model a gallery was enrolled with, as one typed, versioned record kept in the gallery
/// (`embedding_model.metadata`). Opening a gallery rebuilds exactly this pipeline: the same
/// network (its weights checked by SHA-256), input size, crop template and landmarks.
public struct ModelRecord: Codable, Sendable, Equatable {
    /// The format version this build writes; a record of a higher version is refused.
    public static let currentVersion = 1

    public var version: Int
    /// The network's base name: `dlib-resnet`, `sphere20a`, …
    public var name: String
    /// Values per embedding.
    public var dim: Int
    /// SHA-256 (hex) of the weights file the gallery was enrolled with; nil for galleries made
    /// from vectors, whose weights nobody recorded.
    public var weightsSHA256: String?
    /// Where those weights were read at enrolment: a hint for reopening, never trusted without
    /// the hash.
    public var weightsFile: String?
    /// The network's input, in pixels.
    public var inputWidth: Int
    public var inputHeight: Int
    /// The alignment template's name (`AlignmentTemplate.name`).
    public var cropTemplate: String
    /// The five points crops are aligned with.
    public var landmarks: LandmarkSource
    /// The model's default 1:N threshold (a gallery's own setting overrides it).
    public var identification: ThresholdRecord?
    /// The model's default 1:1 threshold (`verify`).
    public var verification: ThresholdRecord?

    public init(name: String, dim: Int, weightsSHA256: String?, weightsFile: String?, inputWidth: Int, inputHeight: Int,
                cropTemplate: String, landmarks: LandmarkSource, identification: ThresholdRecord?, verification: ThresholdRecord?) {
        version = Self.currentVersion
        self.name = name
        self.dim = dim
        self.weightsSHA256 = weightsSHA256
        self.weightsFile = weightsFile
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.cropTemplate = cropTemplate
        self.landmarks = landmarks
        self.identification = identification
        self.verification = verification
    }

    /// The record as the gallery stores it.
    public var galleryModel: EmbeddingModelInfo {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: try encoder.encode(self), as: UTF8.self)
            return EmbeddingModelInfo(name: name, dim: dim, weightsSHA256: weightsSHA256, metadataJSON: json)
        }
    }

    /// The record of a gallery, or nil when the gallery holds vectors of a model it does not
    /// describe (made with `init`/`import`): then the model's own defaults apply.
    /// - Throws: `FaceRecognitionError.newerRecord` for a record of a later format version,
    ///   `.badRecord` for one that does not decode.
    public static func stored(in model: EmbeddingModelInfo) throws -> ModelRecord? {
        let data = Data(model.metadataJSON.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let version = object["version"] as? Int {
            guard version <= currentVersion else { throw FaceRecognitionError.newerRecord(version: version) }
            do {
                return try JSONDecoder().decode(ModelRecord.self, from: data)
            } catch {
                throw FaceRecognitionError.badRecord("\(error)")
            }
        }
        return legacy(object, model: model)
    }

    /// Galleries written before the record had a version kept loose keys: `input` ("WxH"),
    /// `template`, `landmarks` (absent: MTCNN's for `dlib-mtcnn-*` templates), `threshold`,
    /// `verification_threshold`, `threshold_source`.
    private static func legacy(_ object: [String: Any], model: EmbeddingModelInfo) -> ModelRecord? {
        guard let input = object["input"] as? String, let template = object["template"] as? String else { return nil }
        let size = input.split(separator: "x").compactMap { Int($0) }
        guard size.count == 2 else { return nil }
        let landmarks = (object["landmarks"] as? String).flatMap(LandmarkSource.init(rawValue:))
            ?? (template.hasPrefix("dlib-mtcnn-") || model.name != "dlib-resnet" ? .mtcnn : .dlib5)
        let source = object["threshold_source"] as? String ?? "recorded at enrolment"
        return ModelRecord(name: model.name, dim: model.dim, weightsSHA256: model.weightsSHA256, weightsFile: nil,
                           inputWidth: size[0], inputHeight: size[1], cropTemplate: template, landmarks: landmarks,
                           identification: (object["threshold"] as? Double).map { ThresholdRecord(cosine: $0, source: source) },
                           verification: (object["verification_threshold"] as? Double).map { ThresholdRecord(cosine: $0, source: source) })
    }
}
