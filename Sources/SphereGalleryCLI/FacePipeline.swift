import FaceDetection
import FaceEmbedding
import Foundation
import Imaging

/// One face found in an image and cut out for the embedding model.
struct PreparedFace: Sendable {
    var face: DetectedFace
    /// Aligned with the model's template, of the model's input size.
    var crop: Image
}

/// An image after decoding, detection, selection and alignment.
struct PreparedImage: Sendable {
    var path: String
    var width = 0, height = 0
    /// The selected faces (largest first); empty when none was found.
    var faces: [PreparedFace] = []
    /// Why the image gave nothing usable: unreadable, or several faces under `reject-multiple`.
    var failure: String?
    var multipleFaces: Int?
}

/// The wiring files → decode → detect (MTCNN) → select → align → embed, shared by enrol,
/// identify, verify and eval. One detector per worker thread; the model embeds batches.
final class FacePipeline: @unchecked Sendable {
    let model: any EmbeddingModel
    let modelName: String
    /// The landmarks the crops are aligned with.
    let landmarks: LandmarkSource
    /// The template crops are cut with (the model's own, or dlib's 5-point chip for `.dlib5`).
    let cropTemplate: AlignmentTemplate
    private let detectors: [MTCNN]
    private let predictor: ShapePredictor?
    var workers: Int { detectors.count }

    /// - Parameters:
    ///   - modelName: an `EmbeddingModels` name (`dlib-resnet`, `sphere20a:PATH`, …).
    ///   - landmarks: nil = the model's default (`LandmarkSource.default(for:)`).
    init(modelName: String, landmarks: LandmarkSource? = nil,
         workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.modelName = modelName
        model = try EmbeddingModels.load(name: modelName)
        let source = landmarks ?? LandmarkSource.default(for: model)
        self.landmarks = source
        switch source {
        case .mtcnn:
            cropTemplate = model.cropTemplate
            predictor = nil
        case .dlib5:
            guard let template = LandmarkSource.dlib5Template(for: model) else {
                throw CLIError.usage("--landmarks dlib5 needs a model aligned with dlib's 5-point chip (dlib-resnet); "
                                     + "use --landmarks mtcnn with \(model.name)")
            }
            cropTemplate = template
            predictor = try ShapePredictor.loadDefault()
        }
        detectors = try (0..<max(1, workers)).map { _ in try MTCNN.loadDefault() }
    }

    /// The aligned crop of `face` in `image`: from MTCNN's five points with the model's template, or
    /// (`.dlib5`) from dlib's shape predictor run on the HOG-like box of the detection.
    func crop(_ image: Image, face: DetectedFace) throws -> Image {
        guard let predictor else { return try align(image, landmarks: face.landmarks, template: cropTemplate) }
        let points = predictor.predict(image, box: DlibBoxMapping.box(for: face))
        return try align(image, landmarks: points, template: cropTemplate)
    }

    /// Decodes, detects and aligns one image (on detector `worker`).
    func prepare(path: String, data: Data? = nil, selection: FaceSelection, worker: Int) -> PreparedImage {
        var result = PreparedImage(path: path)
        do {
            let image = try data.map { try ImageDecoder.decode(data: $0, name: path) } ?? ImageDecoder.decode(contentsOf: path)
            result.width = image.width
            result.height = image.height
            let found = try detectors[worker % detectors.count].detect(image)
            let selected: [DetectedFace]
            do {
                selected = try selection.select(found, imageWidth: image.width, imageHeight: image.height)
            } catch DetectionError.multipleFaces(let count) {
                result.multipleFaces = count
                result.failure = "\(count) faces (reject-multiple)"
                return result
            }
            result.faces = try selected.map {
                PreparedFace(face: $0, crop: try crop(image, face: $0))
            }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }

    /// Embeds crops in batches of `batchSize`; returns unit vectors in order.
    func embed(_ crops: [Image], batchSize: Int = 16) throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(crops.count)
        var start = 0
        while start < crops.count {
            let batch = Array(crops[start..<min(crops.count, start + batchSize)])
            vectors += try model.embed(images: batch)
            start += batch.count
        }
        return vectors
    }

    /// Prepares `paths` on all workers, in order, overlapping with `consume` on this thread.
    func forEachImage(_ paths: [String], selection: FaceSelection,
                      consume: (Int, PreparedImage) throws -> Void) throws {
        try OrderedPipeline.run(count: paths.count, workers: workers, window: 64,
                                produce: { [self] item, worker in
                                    prepare(path: paths[item], selection: selection, worker: worker)
                                }, consume: consume)
    }
}

extension FaceSelection: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "largest": self = .largest
        case "centre", "center": self = .centre
        case "all": self = .all
        case "reject-multiple", "rejectMultiple": self = .rejectMultiple
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["largest", "centre", "all", "reject-multiple"] }
}

import ArgumentParser

/// `--model` and `--select`, shared by the commands that read photographs.
struct FaceOptions: ParsableArguments {
    @Option(help: "Embedding model: \(EmbeddingModels.usage).")
    var model: String = EmbeddingModels.defaultName
    @Option(help: "Which faces of an image: largest, centre, all, reject-multiple.")
    var select: FaceSelection = .largest
    @Option(help: "Alignment landmarks: mtcnn (MTCNN's 5 points) or dlib5 (dlib's shape predictor); default: the model's best.")
    var landmarks: LandmarkSource?
}
