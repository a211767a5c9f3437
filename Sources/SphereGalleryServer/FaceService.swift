import FaceDetection
import FaceRecognition
import Foundation
import Gallery

/// The photo routes' work over one `FaceRecognizer`: each request's image is prepared
/// (decode, detect, align) on its own thread, then the faces of concurrent requests go
/// through the network as one batch and the gallery as one search.
final class FaceService: Sendable {
    /// One request's prepared image and what it asked for.
    struct Request: Sendable {
        let image: PreparedImage
        let topK: Int
        let threshold: Float?
    }

    let recognizer: FaceRecognizer
    let coalescer: BatchCoalescer<Request, ImageIdentification>
    private let metrics: Metrics

    init(recognizer: FaceRecognizer, settings: CoalescingSettings, metrics: Metrics) {
        self.recognizer = recognizer
        self.metrics = metrics
        coalescer = BatchCoalescer(name: "faces", settings: settings) { requests in
            FaceService.identify(recognizer, requests, metrics: metrics)
        }
    }

    /// Every face of one uploaded image, left to right, with its candidates.
    func identify(_ data: Data, name: String, topK: Int, threshold: Float?, deadline: ContinuousClock.Instant?) async throws -> ImageIdentification {
        let image = try await prepare(data, name: name, selection: .all, deadline: deadline)
        let request = Request(image: image, topK: topK, threshold: threshold)
        guard !image.faces.isEmpty else {
            return try recognizer.identification(of: image, results: [], topK: topK, threshold: threshold)
        }
        return try await coalescer.submit(request, cost: image.faces.count, deadline: deadline)
    }

    /// Decodes, detects and aligns on a Dispatch thread; 400 for an image that cannot be read.
    private func prepare(_ data: Data, name: String, selection: FaceSelection, deadline: ContinuousClock.Instant?) async throws -> PreparedImage {
        let pipeline = recognizer.pipeline
        let image = try await Blocking.run(deadline: deadline) { pipeline.prepare(.data(data, name: name), selection: selection) }
        if let failure = image.failure, !image.rejectedAsMultiple {
            throw Problem.badRequest("\(name) is not an image this server reads (JPEG, PNG, PNM, WebP, HEIF): \(failure)")
        }
        metrics.recordFaces(image.facesFound)
        return image
    }

    /// One network pass for every face of every request, one search at the largest k, then
    /// each request's answer cut to its own k and threshold.
    static func identify(_ recognizer: FaceRecognizer, _ requests: [Request], metrics: Metrics) -> [Result<ImageIdentification, any Error>] {
        let crops = requests.flatMap { $0.image.faces.map(\.crop) }
        metrics.recordBatch(kind: "embed", size: crops.count)
        metrics.recordBatch(kind: "search", size: crops.count)
        do {
            let vectors = try recognizer.pipeline.embed(crops, batchSize: 32)
            let k = requests.map(\.topK).max() ?? 1
            let results = try recognizer.gallery.search(vectors, k: k, threshold: nil)
            var start = 0
            return requests.map { request in
                let count = request.image.faces.count
                defer { start += count }
                return Result {
                    try recognizer.identification(of: request.image, results: results[start..<start + count],
                                                  topK: request.topK, threshold: request.threshold)
                }
            }
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }

    /// Enrols the largest face of each image under `identity` and records it in the audit
    /// table as done by `actor`; returns after the commit.
    func enrol(_ images: [FormPart], identity: String, actor: String, deadline: ContinuousClock.Instant?) async throws -> [EnrolmentReport] {
        let items = images.enumerated().map { i, part in
            EnrolmentItem(identity: identity, input: .data(part.data, name: part.filename ?? "image \(i)"))
        }
        let recognizer = self.recognizer, metrics = self.metrics
        return try await Blocking.run(deadline: deadline) {
            let reports = try recognizer.enrol(items, options: EnrolmentOptions(selection: .largest))
            metrics.recordFaces(reports.reduce(0) { $0 + ($1.faces ?? 0) })
            let enrolled = reports.filter { $0.outcome == .enrolled }.count
            let present = reports.filter { $0.outcome == .alreadyPresent }.count
            try recognizer.gallery.recordAudit(
                keyName: actor, action: "enrol", identity: identity,
                detail: "\(enrolled) photo(s) enrolled, \(present) already present, \(reports.count - enrolled - present) without a usable face")
            return reports
        }
    }

    /// Whether the largest faces of two images are the same person (at the model's 1:1 threshold).
    func verify(_ a: FormPart, _ b: FormPart, deadline: ContinuousClock.Instant?) async throws -> Verification {
        let recognizer = self.recognizer
        return try await Blocking.run(deadline: deadline) {
            try recognizer.verify(.data(a.data, name: a.filename ?? "a"), .data(b.data, name: b.filename ?? "b"))
        }
    }
}
