import FaceDetection
import FaceEmbedding
import Foundation
import Gallery
import Imaging
import NeuralNet
import Synchronization

/// One face found in an image and cut out for the embedding model.
public struct PreparedFace: Sendable {
    public var face: DetectedFace
    /// Aligned with the model's template, of the model's input size.
    public var crop: Image
}

/// An image after decoding, detection, selection and alignment.
public struct PreparedImage: Sendable {
    public var name: String
    public var width = 0, height = 0
    /// Faces the detector found, before selection.
    public var facesFound = 0
    /// The selected faces (largest first); empty when none was found.
    public var faces: [PreparedFace] = []
    /// Why the image gave nothing usable: unreadable, or several faces under `rejectMultiple`.
    public var failure: String?
    /// Set when `rejectMultiple` refused the image.
    public var rejectedAsMultiple = false

    public init(name: String) { self.name = name }
}

/// The face pipeline without a gallery: decode → detect (MTCNN) → select → align → embed.
/// Safe to share: images are prepared concurrently (one detector each, from a pool) and the
/// network embeds one batch at a time, spreading each over the cores itself.
public final class FacePipeline: Sendable {
    /// The network's base name (`dlib-resnet`, `sphere20a`, …).
    public let modelName: String
    /// The weights file read, and its SHA-256 (hex).
    public let weightsFile: String
    public let weightsSHA256: String
    /// The landmarks the crops are aligned with.
    public let landmarks: LandmarkSource
    /// The template crops are cut with (the model's own, or dlib's 5-point chip for `.dlib5`).
    public let cropTemplate: AlignmentTemplate
    public let inputWidth: Int
    public let inputHeight: Int
    public let outputDimension: Int
    /// Detectors, so images prepared at once.
    public let workers: Int
    /// The resolution faces are detected at (`DetectionResolution`; default `automatic`). Crops
    /// are cut from a decode in which the face is at least as wide as the crop (full resolution at most).
    public let detection: DetectionResolution

    // Audited: the network is only touched while `embedding` is held.
    private let network: UncheckedSendable<any EmbeddingModel>
    private let embedding = Mutex(())
    private let detectors: [MTCNN]
    private let freeDetectors: Mutex<[Int]>
    private let detectorAvailable: DispatchSemaphore
    private let predictor: ShapePredictor?

    /// Loads the network, MTCNN (one per worker) and, for `.dlib5`, dlib's 5-point predictor.
    /// - Parameters:
    ///   - model: `dlib-resnet`, `dlib-resnet:PATH`, `sphere20a:PATH`, … (`EmbeddingModels`).
    ///   - landmarks: nil = the model's default (`LandmarkSource.default(for:)`).
    ///   - detection: the resolution faces are detected at.
    public init(model: String = EmbeddingModels.defaultName, landmarks: LandmarkSource? = nil,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                detection: DetectionResolution = .automatic) throws {
        if case .maxSide(let side) = detection, side < 1 {
            throw ImagingError.invalidArgument("the detection side must be at least 1 pixel, got \(side)")
        }
        self.detection = detection
        let (base, file) = try EmbeddingModels.weightsFile(name: model)
        modelName = base
        weightsFile = file
        weightsSHA256 = try WeightsFingerprint.sha256(ofFile: file)
        let net = try EmbeddingModels.load(name: "\(base):\(file)")
        network = UncheckedSendable(net)
        inputWidth = net.inputWidth
        inputHeight = net.inputHeight
        outputDimension = net.outputDimension
        let source = landmarks ?? LandmarkSource.default(for: net)
        self.landmarks = source
        switch source {
        case .mtcnn:
            cropTemplate = net.cropTemplate
            predictor = nil
        case .dlib5:
            guard let template = LandmarkSource.dlib5Template(for: net) else { throw FaceRecognitionError.landmarksUnsupported(model: base) }
            cropTemplate = template
            predictor = try ShapePredictor.loadDefault()
        }
        self.workers = max(1, workers)
        detectors = try (0..<self.workers).map { _ in try MTCNN.loadDefault() }
        freeDetectors = Mutex(Array(0..<self.workers))
        detectorAvailable = DispatchSemaphore(value: self.workers)
    }

    /// The thresholds this model starts with, aligned as this pipeline aligns (nil when unmeasured).
    public var defaultThresholds: (identification: ThresholdRecord?, verification: ThresholdRecord?) {
        DefaultThresholds.thresholds(for: modelName, landmarks: landmarks)
    }

    // MARK: Preparing images

    /// Decodes, detects, selects and aligns one image, on a detector of the pool (waits for one).
    public func prepare(_ input: ImageInput, selection: FaceSelection) -> PreparedImage {
        detectorAvailable.wait()
        let worker = freeDetectors.withLock { $0.removeLast() }
        defer {
            freeDetectors.withLock { $0.append(worker) }
            detectorAvailable.signal()
        }
        return prepare(input, selection: selection, detector: detectors[worker])
    }

    /// Prepares `inputs` on all detectors, handing each to `consume` on this thread in input
    /// order, so that preparing overlaps what `consume` does (embedding, storing). At most
    /// `window` images are prepared ahead, which bounds memory.
    public func forEachImage(_ inputs: [ImageInput], selection: FaceSelection, window: Int = 64,
                             consume: (Int, PreparedImage) throws -> Void) throws {
        try OrderedPrefetch.run(count: inputs.count, workers: workers, window: window,
                                produce: { [self] item, worker in
                                    prepare(inputs[item], selection: selection, detector: detectors[worker])
                                }, consume: consume)
    }

    private func prepare(_ input: ImageInput, selection: FaceSelection, detector: MTCNN) -> PreparedImage {
        var result = PreparedImage(name: input.name)
        do {
            // Detect on a reduced decode; faces come back in full-resolution coordinates.
            let detection = try detector.detect(try encoded(input), resolution: self.detection)
            result.width = detection.originalWidth
            result.height = detection.originalHeight
            let found = detection.faces
            result.facesFound = found.count
            let selected: [DetectedFace]
            do {
                selected = try selection.select(found, imageWidth: result.width, imageHeight: result.height)
            } catch DetectionError.multipleFaces(let count) {
                result.rejectedAsMultiple = true
                result.failure = "\(count) faces (reject-multiple)"
                return result
            }
            // No face is enlarged into its crop unless even full resolution is too small.
            let source = try detection.cropSource(for: selected, minimumFaceSide: Double(cropTemplate.width))
            result.faces = try zip(selected, source.faces).map { face, inSource in
                PreparedFace(face: face, crop: try crop(source.image, face: inSource))
            }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }

    private func encoded(_ input: ImageInput) throws -> EncodedImage {
        switch input {
        case .file(let path): return try EncodedImage(contentsOf: path)
        case .data(let data, let name): return try EncodedImage(data: data, name: name)
        }
    }

    /// The aligned crop of `face` in `image`: from MTCNN's five points with the model's template, or
    /// (`.dlib5`) from dlib's shape predictor run on the HOG-like box of the detection.
    public func crop(_ image: Image, face: DetectedFace) throws -> Image {
        guard let predictor else { return try align(image, landmarks: face.landmarks, template: cropTemplate) }
        let points = predictor.predict(image, box: DlibBoxMapping.box(for: face))
        return try align(image, landmarks: points, template: cropTemplate)
    }

    /// The crop of a subject centred in `image` when no face was found: the model's template laid
    /// over a box of 40% of the image at its centre (LFW images are centred on their subject).
    public func centreBoxCrop(_ image: Image) throws -> Image {
        let side = 0.4 * Double(min(image.width, image.height))
        let x0 = (Double(image.width) - side) / 2, y0 = (Double(image.height) - side) / 2
        let landmarks = cropTemplate.points.map {
            Point2D(x0 + $0.x / Double(cropTemplate.width) * side, y0 + $0.y / Double(cropTemplate.height) * side)
        }
        return try align(image, landmarks: landmarks, template: cropTemplate)
    }

    // MARK: Embedding

    /// Embeds crops of the model's input size in batches of `batchSize`; unit vectors in order.
    public func embed(_ crops: [Image], batchSize: Int = 16) throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(crops.count)
        var start = 0
        while start < crops.count {
            let batch = Array(crops[start..<min(crops.count, start + max(1, batchSize))])
            vectors += try embedding.withLock { _ in try network.value.embed(images: batch) }
            start += batch.count
        }
        return vectors
    }

    // MARK: Verification

    /// Whether the largest faces of two images are the same person.
    /// - Parameter threshold: the cosine to decide at; nil = this model's verification default.
    /// - Throws: `FaceRecognitionError.unusableImage` when an image is unreadable or has no face.
    public func verify(_ a: ImageInput, _ b: ImageInput, threshold: Float? = nil, thresholdSource: String? = nil) throws -> Verification {
        let prepared = [a, b].map { prepare($0, selection: .largest) }
        for image in prepared {
            if let failure = image.failure { throw FaceRecognitionError.unusableImage(name: image.name, reason: failure) }
            if image.faces.isEmpty { throw FaceRecognitionError.unusableImage(name: image.name, reason: "no face found") }
        }
        let vectors = try embed(prepared.map { $0.faces[0].crop })
        let cosine = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let fallback = defaultThresholds.verification
        let used = threshold ?? fallback.map { Float($0.cosine) }
        let source = threshold != nil ? (thresholdSource ?? "given") : fallback?.source
        return Verification(cosine: cosine, threshold: used, thresholdSource: source, model: modelName)
    }
}

/// SHA-256 of weight files, read in 1 MiB pieces.
enum WeightsFingerprint {
    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FaceRecognitionError.unreadableWeights(path: path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize().hexString
    }
}
