import FaceDetection
import FaceEmbedding
import Foundation
import Gallery
import Imaging

/// A gallery with the face pipeline its model record describes: enrol people from photographs,
/// identify the faces of a photograph (1:N, open set), verify two photographs (1:1).
///
/// ```swift
/// let recognizer = try FaceRecognizer.open(gallery: "people.sqlite")
/// let answer = try recognizer.identify(.file("photo.jpg"))
/// for face in answer.faces { print(face.decision, face.candidates.first?.cosine ?? 0) }
/// ```
///
/// Safe to share between tasks (the gallery and the pipeline are).
public final class FaceRecognizer: Sendable {
    public let gallery: Gallery
    public let pipeline: FacePipeline
    /// The gallery's model: its stored record, or for a gallery made from vectors the
    /// pipeline's defaults.
    public let record: ModelRecord

    private init(gallery: Gallery, pipeline: FacePipeline, record: ModelRecord) {
        self.gallery = gallery
        self.pipeline = pipeline
        self.record = record
    }

    /// Opens a gallery and rebuilds the pipeline it was enrolled with.
    /// - Parameters:
    ///   - model: the weights again (`sphere20a:PATH`, `dlib-resnet:PATH`), when the gallery's
    ///     are not where they were at enrolment; their SHA-256 must match the record's.
    ///   - landmarks: must match the record's when given (a gallery holds one alignment).
    /// - Throws: `FaceRecognitionError.modelMismatch`, `.weightsMismatch`, `.newerRecord`, and the
    ///   gallery's and model loaders' errors.
    public static func open(gallery path: String, readOnly: Bool = false, model: String? = nil,
                            landmarks: LandmarkSource? = nil, storage: VectorStorage = .float32,
                            detection: DetectionResolution = .automatic,
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> FaceRecognizer {
        let gallery = try Gallery.open(at: path, readOnly: readOnly, storage: storage)
        do {
            let (pipeline, record) = try pipeline(for: gallery.model, model: model, landmarks: landmarks, detection: detection,
                                                  workers: workers)
            return FaceRecognizer(gallery: gallery, pipeline: pipeline, record: record)
        } catch {
            try? gallery.close()
            throw error
        }
    }

    /// The pipeline a gallery of `galleryModel` was enrolled with, and its record (stored, or
    /// for a gallery made from vectors the pipeline's defaults). Parameters as `open`.
    public static func pipeline(for galleryModel: EmbeddingModelInfo, model: String? = nil, landmarks: LandmarkSource? = nil,
                                detection: DetectionResolution = .automatic,
                                workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> (FacePipeline, ModelRecord) {
        let stored = try ModelRecord.stored(in: galleryModel)
        let spec = try modelSpec(gallery: galleryModel, stored: stored, given: model)
        if let landmarks, let stored, landmarks != stored.landmarks {
            throw FaceRecognitionError.landmarksDiffer(gallery: stored.landmarks, requested: landmarks)
        }
        let pipeline = try FacePipeline(model: spec, landmarks: landmarks ?? stored?.landmarks, workers: workers, detection: detection)
        try check(pipeline, against: galleryModel, stored: stored)
        return (pipeline, stored ?? record(of: pipeline))
    }

    /// Creates a gallery file for `model` (`dlib-resnet`, `sphere20a:PATH`, …) and records it.
    public static func create(gallery path: String, model: String = EmbeddingModels.defaultName,
                              landmarks: LandmarkSource? = nil, storage: VectorStorage = .float32,
                              detection: DetectionResolution = .automatic,
                              workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> FaceRecognizer {
        let pipeline = try FacePipeline(model: model, landmarks: landmarks, workers: workers, detection: detection)
        let record = record(of: pipeline)
        let gallery = try Gallery.create(at: path, model: try record.galleryModel, storage: storage)
        return FaceRecognizer(gallery: gallery, pipeline: pipeline, record: record)
    }

    /// `open` when the file exists, else `create`.
    public static func openOrCreate(gallery path: String, model: String? = nil, landmarks: LandmarkSource? = nil,
                                    detection: DetectionResolution = .automatic,
                                    workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> FaceRecognizer {
        if FileManager.default.fileExists(atPath: path) {
            return try open(gallery: path, model: model, landmarks: landmarks, detection: detection, workers: workers)
        }
        return try create(gallery: path, model: model ?? EmbeddingModels.defaultName, landmarks: landmarks, detection: detection,
                          workers: workers)
    }

    /// Closes the gallery; the recognizer must not be used afterwards.
    public func close() throws { try gallery.close() }

    // MARK: Identification

    /// Every face of an image (or those `selection` keeps), left to right, with its candidates.
    /// - Throws: `FaceRecognitionError.unusableImage` for an image that does not decode.
    public func identify(_ input: ImageInput, topK: Int = 5, threshold: Float? = nil,
                         selection: FaceSelection = .all) throws -> ImageIdentification {
        let prepared = pipeline.prepare(input, selection: selection)
        if let failure = prepared.failure, !prepared.rejectedAsMultiple {
            throw FaceRecognitionError.unusableImage(name: prepared.name, reason: failure)
        }
        let vectors = try pipeline.embed(prepared.faces.map(\.crop))
        let results = vectors.isEmpty ? [] : try gallery.search(vectors, k: topK, threshold: threshold)
        return try identification(of: prepared, results: results[...], topK: topK, threshold: threshold)
    }

    /// Identifies many images, handing each answer to `consume` in input order; images are
    /// prepared on all cores and their faces embedded and searched in batches of about
    /// `batchSize` faces. An unusable image's answer carries its `error`.
    public func identify(_ inputs: [ImageInput], topK: Int = 5, threshold: Float? = nil,
                         selection: FaceSelection = .all, batchSize: Int = 256,
                         consume: (ImageIdentification) throws -> Void) throws {
        var pending: [PreparedImage] = []
        var faces = 0
        func flush() throws {
            let vectors = try pipeline.embed(pending.flatMap { $0.faces.map(\.crop) })
            let results = vectors.isEmpty ? [] : try gallery.search(vectors, k: topK, threshold: threshold)
            var next = 0
            for image in pending {
                try consume(try identification(of: image, results: results[next..<next + image.faces.count],
                                               topK: topK, threshold: threshold))
                next += image.faces.count
            }
            pending.removeAll(keepingCapacity: true)
            faces = 0
        }
        try pipeline.forEachImage(inputs, selection: selection) { _, image in
            pending.append(image)
            faces += image.faces.count
            if faces >= batchSize { try flush() }
        }
        try flush()
    }

    /// The nearest identities of query vectors (normalised here).
    public func identify(vectors: [[Float]], topK: Int = 5, threshold: Float? = nil) throws -> [VectorIdentification] {
        try gallery.search(vectors, k: topK, threshold: threshold).enumerated().map { VectorIdentification(query: $0, result: $1) }
    }

    /// Assembles the answer for one prepared image from search results of its faces (in the
    /// image's face order), for callers that search many images' faces as one batch: each
    /// result is cut to `topK` and decided at `threshold` (nil: the gallery's).
    public func identification(of image: PreparedImage, results: ArraySlice<SearchResult>,
                               topK: Int, threshold: Float?) throws -> ImageIdentification {
        let used = try threshold ?? gallery.threshold()
        if let failure = image.failure, !image.rejectedAsMultiple {
            return ImageIdentification(image: image.name, width: image.width, height: image.height, faces: [], error: failure, threshold: used)
        }
        let ordered = zip(image.faces, results).sorted { $0.0.face.box.x1 < $1.0.face.box.x1 }
        let faces = ordered.enumerated().map { index, pair in
            IdentifiedFace(face: index, detection: pair.0.face, result: pair.1.decided(topK: topK, threshold: used))
        }
        return ImageIdentification(image: image.name, width: image.width, height: image.height, faces: faces,
                                   error: image.failure, threshold: used)
    }

    // MARK: Verification

    /// Whether the largest faces of two images are the same person, at `threshold` or else the
    /// gallery model's 1:1 verification threshold (not the stricter 1:N one).
    public func verify(_ a: ImageInput, _ b: ImageInput, threshold: Float? = nil) throws -> Verification {
        if let threshold { return try pipeline.verify(a, b, threshold: threshold) }
        guard let recorded = record.verification else { return try pipeline.verify(a, b) }
        return try pipeline.verify(a, b, threshold: Float(recorded.cosine), thresholdSource: recorded.source)
    }

    // MARK: Opening

    /// The record a gallery created for `pipeline` stores.
    static func record(of pipeline: FacePipeline) -> ModelRecord {
        let thresholds = pipeline.defaultThresholds
        return ModelRecord(name: pipeline.modelName, dim: pipeline.outputDimension, weightsSHA256: pipeline.weightsSHA256,
                           weightsFile: pipeline.weightsFile, inputWidth: pipeline.inputWidth, inputHeight: pipeline.inputHeight,
                           cropTemplate: pipeline.cropTemplate.name, landmarks: pipeline.landmarks,
                           identification: thresholds.identification, verification: thresholds.verification)
    }

    /// The model name to load: the given one (same network as the gallery's), else the weights
    /// file of the record when it still exists, else the bare name (the model cache's weights).
    private static func modelSpec(gallery: EmbeddingModelInfo, stored: ModelRecord?, given: String?) throws -> String {
        if let given {
            let base = EmbeddingModels.split(given).0
            guard base == gallery.name else { throw FaceRecognitionError.modelMismatch(gallery: gallery.name, requested: base) }
            return given
        }
        if let file = stored?.weightsFile, gallery.name != EmbeddingModels.defaultName {
            guard FileManager.default.fileExists(atPath: file) else {
                throw FaceRecognitionError.weightsMismatch(model: gallery.name, recorded: stored?.weightsSHA256 ?? "?", given: nil, hint: file)
            }
            return "\(gallery.name):\(file)"
        }
        return gallery.name
    }

    /// The loaded network must be the gallery's: same dimension and, where recorded, the same weights.
    private static func check(_ pipeline: FacePipeline, against gallery: EmbeddingModelInfo, stored: ModelRecord?) throws {
        guard pipeline.outputDimension == gallery.dim else {
            throw FaceRecognitionError.modelMismatch(gallery: "\(gallery.name) (\(gallery.dim)-d)",
                                                     requested: "\(pipeline.modelName) (\(pipeline.outputDimension)-d)")
        }
        let recorded = stored?.weightsSHA256 ?? gallery.weightsSHA256
        if let recorded, recorded != pipeline.weightsSHA256 {
            throw FaceRecognitionError.weightsMismatch(model: gallery.name, recorded: recorded, given: pipeline.weightsFile,
                                                       hint: stored?.weightsFile)
        }
    }
}

extension SearchResult {
    /// The result cut to `topK` candidates and decided at `threshold` (nil: the best candidate wins).
    func decided(topK: Int, threshold: Float?) -> SearchResult {
        var result = self
        result.candidates = Array(candidates.prefix(topK))
        result.threshold = threshold
        let best = result.candidates.first
        result.identified = best.flatMap { threshold == nil || $0.cosine >= threshold! ? $0.identity : nil }
        return result
    }
}
