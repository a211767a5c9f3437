import FaceDetection
import Foundation
import Gallery

// The answers of the face pipeline, as the CLI's `--json` and the HTTP service print them.
// Cosines and angles are rounded when encoded (6 and 3 decimals), boxes and points to 2.

/// One candidate identity: its best template's cosine and angle (degrees) to the query.
public struct CandidateMatch: Codable, Sendable, Equatable {
    public var identity: String
    public var cosine: Float
    public var angle: Float

    public init(identity: String, cosine: Float, angle: Float) {
        self.identity = identity
        self.cosine = cosine
        self.angle = angle
    }

    public init(_ candidate: Candidate) { self.init(identity: candidate.identity, cosine: candidate.cosine, angle: candidate.angle) }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identity, forKey: .identity)
        try c.encode(Rounding.value(cosine, 6), forKey: .cosine)
        try c.encode(Rounding.value(angle, 3), forKey: .angle)
    }
}

/// One face of an identified image.
public struct IdentifiedFace: Codable, Sendable, Equatable {
    /// Index in the image, faces ordered left to right.
    public var face: Int
    /// `[x0, y0, x1, y1]` in image pixels.
    public var box: [Float]
    /// The detector's confidence.
    public var score: Float
    /// Five `[x, y]` points: left eye, right eye, nose, left and right mouth corner.
    public var landmarks: [[Float]]
    /// The identity, or `"unknown"` below the threshold.
    public var decision: String
    /// Best first, listed even when the decision is unknown.
    public var candidates: [CandidateMatch]

    public init(face: Int, detection: DetectedFace, result: SearchResult) {
        self.face = face
        box = detection.box.array
        score = detection.probability
        landmarks = detection.landmarks.map { [Float($0.x), Float($0.y)] }
        decision = result.decision
        candidates = result.candidates.map(CandidateMatch.init)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(face, forKey: .face)
        try c.encode(box.map { Rounding.value($0, 2) }, forKey: .box)
        try c.encode(Rounding.value(score, 6), forKey: .score)
        try c.encode(landmarks.map { $0.map { Rounding.value($0, 2) } }, forKey: .landmarks)
        try c.encode(decision, forKey: .decision)
        try c.encode(candidates, forKey: .candidates)
    }
}

/// The faces of one image and who they are. No face: `faces` is empty.
public struct ImageIdentification: Codable, Sendable, Equatable {
    public var image: String
    public var width: Int
    public var height: Int
    public var faces: [IdentifiedFace]
    /// Why the image could not be used (then `faces` is empty); nil when it was.
    public var error: String?
    /// The threshold the decisions were made at (nil: none, the best candidate wins).
    public var threshold: Float?

    public init(image: String, width: Int, height: Int, faces: [IdentifiedFace], error: String? = nil, threshold: Float?) {
        self.image = image
        self.width = width
        self.height = height
        self.faces = faces
        self.error = error
        self.threshold = threshold
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(faces, forKey: .faces)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encode(threshold.map { Rounding.value($0, 6) }, forKey: .threshold)
    }
}

/// The answer to one query vector.
public struct VectorIdentification: Codable, Sendable, Equatable {
    /// The query's index in its batch.
    public var query: Int
    public var decision: String
    public var candidates: [CandidateMatch]

    public init(query: Int, result: SearchResult) {
        self.query = query
        decision = result.decision
        candidates = result.candidates.map(CandidateMatch.init)
    }
}

/// Whether two faces are the same person.
public struct Verification: Codable, Sendable, Equatable {
    public var cosine: Float
    public var angle: Float
    /// nil when no threshold is known for the model.
    public var same: Bool?
    public var threshold: Float?
    /// Where the threshold came from.
    public var thresholdSource: String?
    public var model: String

    public init(cosine: Float, threshold: Float?, thresholdSource: String?, model: String) {
        self.cosine = cosine
        angle = Float(acos(Double(min(1, max(-1, cosine))))) * 180 / .pi
        same = threshold.map { cosine >= $0 }
        self.threshold = threshold
        self.thresholdSource = thresholdSource
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case cosine, angle, same, threshold, model
        case thresholdSource = "threshold_source"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Rounding.value(cosine, 6), forKey: .cosine)
        try c.encode(Rounding.value(angle, 3), forKey: .angle)
        try c.encode(same, forKey: .same)
        try c.encode(threshold.map { Rounding.value($0, 6) }, forKey: .threshold)
        try c.encode(thresholdSource, forKey: .thresholdSource)
        try c.encode(model, forKey: .model)
    }
}

/// What happened to one file of an enrolment.
public enum EnrolmentOutcome: String, Codable, Sendable, CaseIterable {
    case enrolled
    case alreadyPresent = "already-present"
    case noFace = "no-face"
    case multipleFaces = "multiple-faces"
    case unreadable
}

/// One file's enrolment report.
public struct EnrolmentReport: Codable, Sendable, Equatable {
    public var file: String
    public var identity: String
    public var outcome: EnrolmentOutcome
    /// Faces the detector found in the image (nil when it was not decoded: unreadable or already present).
    public var faces: Int?
    /// The stored template's id (enrolled or already present).
    public var template: Int64?
    /// Why, for the outcomes that are not `enrolled`.
    public var detail: String?

    public init(file: String, identity: String, outcome: EnrolmentOutcome, faces: Int? = nil, template: Int64? = nil, detail: String? = nil) {
        self.file = file
        self.identity = identity
        self.outcome = outcome
        self.faces = faces
        self.template = template
        self.detail = detail
    }
}

/// Decimal rounding for output (6 significant decimals are plenty for cosines).
public enum Rounding {
    public static func value(_ value: Float, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (Double(value) * scale).rounded() / scale
    }
}

/// The encoder every JSON output uses: sorted keys (stable output), no escaped slashes.
public enum ResultEncoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// One value as one line of JSON.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}

/// A gallery's counts (`stats --json`, `GET /v1/gallery`).
public struct GallerySummary: Codable, Sendable, Equatable {
    public var model: String
    public var dim: Int
    public var identities: Int
    public var templates: Int
    public var fileBytes: Int64
    public var memoryBytes: Int
    public var storage: String
    /// The open-set threshold in force (cosine), if any.
    public var threshold: Float?

    public init(_ stats: GalleryStats) {
        model = stats.model
        dim = stats.dim
        identities = stats.identities
        templates = stats.templates
        fileBytes = stats.fileBytes
        memoryBytes = stats.memoryBytes
        storage = stats.storage
        threshold = stats.threshold
    }

    enum CodingKeys: String, CodingKey {
        case model, dim, identities, templates, storage, threshold
        case fileBytes = "file_bytes", memoryBytes = "memory_bytes"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(dim, forKey: .dim)
        try c.encode(identities, forKey: .identities)
        try c.encode(templates, forKey: .templates)
        try c.encode(fileBytes, forKey: .fileBytes)
        try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(storage, forKey: .storage)
        try c.encode(threshold.map { Rounding.value($0, 6) }, forKey: .threshold)
    }
}

/// The faces found in one image (`detect --json`).
public struct DetectionReport: Codable, Sendable, Equatable {
    public struct Face: Codable, Sendable, Equatable {
        public var box: [Float]
        public var score: Float
        public var landmarks: [[Float]]
        /// dlib's 5 points and the dlib-HOG-like box they were predicted in (with dlib5 landmarks).
        public var dlib5: [[Float]]?
        public var dlibBox: [Float]?

        public init(box: [Float], score: Float, landmarks: [[Float]], dlib5: [[Float]]? = nil, dlibBox: [Float]? = nil) {
            self.box = box
            self.score = score
            self.landmarks = landmarks
            self.dlib5 = dlib5
            self.dlibBox = dlibBox
        }

        enum CodingKeys: String, CodingKey {
            case box, score, landmarks, dlib5
            case dlibBox = "dlib_box"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(box.map { Rounding.value($0, 2) }, forKey: .box)
            try c.encode(Rounding.value(score, 6), forKey: .score)
            try c.encode(landmarks.map { $0.map { Rounding.value($0, 2) } }, forKey: .landmarks)
            try c.encodeIfPresent(dlib5.map { $0.map { $0.map { Rounding.value($0, 2) } } }, forKey: .dlib5)
            try c.encodeIfPresent(dlibBox.map { $0.map { Rounding.value($0, 2) } }, forKey: .dlibBox)
        }
    }

    public var image: String
    public var width: Int?
    public var height: Int?
    public var faces: [Face]?
    /// Why the image could not be read.
    public var error: String?

    public init(image: String, width: Int? = nil, height: Int? = nil, faces: [Face]? = nil, error: String? = nil) {
        self.image = image
        self.width = width
        self.height = height
        self.faces = faces
        self.error = error
    }
}
