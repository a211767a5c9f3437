/// The embedding space of a gallery: the model whose vectors it holds.
public struct EmbeddingModelInfo: Sendable, Equatable, Codable {
    /// The model's name, e.g. `dlib-resnet` or `sphere20a`.
    public var name: String
    /// Number of values per vector.
    public var dim: Int
    /// SHA-256 (hex) of the model's weights file, when known.
    public var weightsSHA256: String?
    /// JSON object with anything else about the model (e.g. its default threshold).
    public var metadataJSON: String

    public init(name: String, dim: Int, weightsSHA256: String? = nil, metadataJSON: String = "{}") {
        self.name = name
        self.dim = dim
        self.weightsSHA256 = weightsSHA256
        self.metadataJSON = metadataJSON
    }
}

extension EmbeddingModelInfo {
    /// The model's default open-set threshold, from its metadata: `identification.cosine` of the
    /// model record FaceRecognition writes, or `threshold` in galleries older than that record.
    public var defaultThreshold: Float? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadataJSON.utf8)) as? [String: Any] else { return nil }
        if let identification = object["identification"] as? [String: Any], let cosine = identification["cosine"] as? Double {
            return Float(cosine)
        }
        return (object["threshold"] as? Double).map { Float($0) }
    }
}

/// One template to add: a vector of one identity.
public struct NewTemplate: Sendable {
    /// The identity's unique key (e.g. the folder name).
    public var identity: String
    /// Shown instead of the key; the key when nil. Only used when the identity is new.
    public var displayName: String?
    /// `dim` float32 values; normalised to unit length before storage.
    public var vector: [Float]
    /// Where it came from (an image path, say).
    public var source: String?
    /// SHA-256 of the content it was computed from; the same content is only stored once.
    /// When nil, the hash of the vector's float32 bytes is used.
    public var contentSHA256: [UInt8]?
    /// The face detector's confidence, when the vector came from a detection.
    public var detectorScore: Float?

    public init(identity: String, displayName: String? = nil, vector: [Float], source: String? = nil,
                contentSHA256: [UInt8]? = nil, detectorScore: Float? = nil) {
        self.identity = identity
        self.displayName = displayName
        self.vector = vector
        self.source = source
        self.contentSHA256 = contentSHA256
        self.detectorScore = detectorScore
    }
}

/// What happened to one template of an `add` batch.
public enum AddOutcome: Sendable, Equatable {
    /// Stored under this template id.
    case added(templateID: Int64)
    /// The same content was already stored (under this template id): nothing changed.
    case alreadyPresent(templateID: Int64)
}

/// An identity as listed.
public struct IdentitySummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var key: String
    public var displayName: String
    public var templates: Int
    public var metadataJSON: String
    public var created: String
}

/// One stored template with its vector, as `Gallery.forEachStoredTemplate` reads it.
public struct StoredTemplate: Sendable, Equatable {
    public var templateID: Int64
    public var identity: String
    public var source: String?
    /// SHA-256 (hex) of the content it was computed from.
    public var contentSHA256: String?
    /// Unit norm, `dim` values.
    public var vector: [Float]
}

/// One stored template, without its vector.
public struct TemplateSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var source: String?
    public var contentSHA256: String?
    public var detectorScore: Float?
    public var created: String
}

/// Counts of a gallery.
public struct GalleryStats: Sendable, Equatable, Codable {
    public var model: String
    public var dim: Int
    public var identities: Int
    public var templates: Int
    /// Size of the database file (plus its WAL) in bytes.
    public var fileBytes: Int64
    /// Bytes of the in-memory matrix.
    public var memoryBytes: Int
    public var storage: String
    /// The open-set threshold in force (cosine), if any.
    public var threshold: Float?
}

/// One candidate identity for a query.
public struct Candidate: Sendable, Equatable {
    public var identity: String
    public var displayName: String
    public var identityID: Int64
    /// Cosine of the angle between the query and the identity's best template.
    public var cosine: Float
    /// That angle in degrees, 0…180.
    public var angle: Float
    /// The best-matching template.
    public var templateID: Int64

    public init(identity: String, displayName: String, identityID: Int64, cosine: Float, angle: Float, templateID: Int64) {
        self.identity = identity
        self.displayName = displayName
        self.identityID = identityID
        self.cosine = cosine
        self.angle = angle
        self.templateID = templateID
    }
}

/// The answer to one query: the nearest identities and the open-set decision.
public struct SearchResult: Sendable, Equatable {
    /// The best candidate's identity key, or nil for *unknown* (best cosine below the
    /// threshold, or an empty gallery).
    public var identified: String?
    /// The top-k identities, best first — listed even when the decision is *unknown*.
    public var candidates: [Candidate]
    /// The threshold the decision was made at (nil: none, the best candidate wins).
    public var threshold: Float?

    public init(identified: String?, candidates: [Candidate], threshold: Float?) {
        self.identified = identified
        self.candidates = candidates
        self.threshold = threshold
    }

    /// `identified`, or `"unknown"`.
    public var decision: String { identified ?? "unknown" }
}

extension Float {
    /// The angle in degrees whose cosine this is (clamped to [-1, 1]).
    var angleDegrees: Float { Float(Foundation.acos(Double(Swift.min(1, Swift.max(-1, self))))) * 180 / .pi }
}

import Foundation
