import FaceRecognition
import Foundation
import Gallery

// The JSON bodies of API v1 (see Resources/openapi.yaml), keys in snake_case.

/// `POST /v1/identify/vectors` request.
struct VectorQueryBody: Decodable {
    let vectors: [[Float]]
    let topK: Int?
    let threshold: Float?
    enum CodingKeys: String, CodingKey { case vectors, topK = "top_k", threshold }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vectors = try c.decode([[Float]].self, forKey: .vectors)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        threshold = try c.decodeCosineIfPresent(forKey: .threshold)
    }
}

extension KeyedDecodingContainer {
    /// A cosine in -1…1, checked as the JSON number it is (a value just above 1 would round to
    /// 1 as a Float and slip through); nil when absent or null.
    func decodeCosineIfPresent(forKey key: Key) throws -> Float? {
        guard let value = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard value >= -1, value <= 1 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(key.stringValue) must be a cosine in -1…1, not \(value)")
        }
        return Float(value)
    }
}

struct VectorAnswers: Encodable, Sendable {
    let results: [VectorIdentification]
}

/// `POST /v1/identities/{identity}/faces` with JSON.
struct EnrolVectorsBody: Decodable {
    let vectors: [[Float]]
    let displayName: String?
    enum CodingKeys: String, CodingKey { case vectors, displayName = "display_name" }
}

struct EnrolmentResultBody: Codable, Sendable {
    let file: String
    let outcome: String
    let template: Int64?
    let detail: String?
}

struct EnrolmentBody: Codable, Sendable {
    let identity: String
    let results: [EnrolmentResultBody]
}

struct IdentityListItem: Codable, Sendable {
    let identity: String
    let displayName: String
    let templates: Int
    let created: String
    enum CodingKeys: String, CodingKey { case identity, displayName = "display_name", templates, created }

    init(_ s: IdentitySummary) {
        identity = s.key; displayName = s.displayName; templates = s.templates; created = s.created
    }
}

struct IdentityPage: Codable, Sendable {
    let identities: [IdentityListItem]
    /// Pass as `after` for the next page; null on the last one.
    let next: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identities, forKey: .identities)
        try c.encode(next, forKey: .next)  // null on the last page, never absent
    }
    enum CodingKeys: String, CodingKey { case identities, next }
}

struct TemplateBody: Codable, Sendable {
    let template: Int64
    let source: String?
    let sha256: String?
    let detectorScore: Float?
    let created: String
    enum CodingKeys: String, CodingKey { case template, source, sha256, detectorScore = "detector_score", created }
}

struct IdentityDetail: Codable, Sendable {
    let identity: String
    let displayName: String
    let created: String
    let templates: [TemplateBody]
    enum CodingKeys: String, CodingKey { case identity, displayName = "display_name", created, templates }
}

/// The `stats --json` object.
struct GalleryBody: Codable, Sendable {
    let model: String
    let dim: Int
    let identities: Int
    let templates: Int
    let fileBytes: Int64
    let memoryBytes: Int
    let storage: String
    let threshold: Float?
    enum CodingKeys: String, CodingKey {
        case model, dim, identities, templates, fileBytes = "file_bytes", memoryBytes = "memory_bytes", storage, threshold
    }

    init(_ s: GalleryStats) {
        model = s.model; dim = s.dim; identities = s.identities; templates = s.templates
        fileBytes = s.fileBytes; memoryBytes = s.memoryBytes; storage = s.storage; threshold = s.threshold
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(dim, forKey: .dim)
        try c.encode(identities, forKey: .identities); try c.encode(templates, forKey: .templates)
        try c.encode(fileBytes, forKey: .fileBytes); try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(storage, forKey: .storage)
        try c.encode(threshold, forKey: .threshold)  // null when none, as `stats --json`
    }
}

struct ThresholdBody: Codable, Sendable {
    let threshold: Float?

    init(threshold: Float?) { self.threshold = threshold }

    /// `threshold` must be present: a number, or null to clear it.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.contains(.threshold) else {
            throw DecodingError.keyNotFound(CodingKeys.threshold, .init(codingPath: [], debugDescription: "threshold is required"))
        }
        threshold = try c.decodeCosineIfPresent(forKey: .threshold)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
    }
    enum CodingKeys: String, CodingKey { case threshold }
}

struct StatusBody: Codable, Sendable {
    let status: String
}
