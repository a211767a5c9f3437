import ArgumentParser
import FaceDetection
import FaceEmbedding
import Foundation
import Gallery
import Imaging

struct EnrolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol",
        abstract: "Enrol people from photographs: decode, detect, align, embed, store.",
        discussion: """
            Folders are laid out DIR/<identity>/<image> (jpg, jpeg, png, pgm, ppm); or name one
            identity with --identity NAME and give its image files. The gallery is created for the
            model if it does not exist; a gallery of another model is refused. Each batch of faces is
            stored in one transaction, and an image already stored (same bytes) is skipped before it is
            decoded, so re-running after an interruption (Ctrl-C, kill -9) enrols only what is missing.
            """)

    @OptionGroup var database: DatabaseOption
    @OptionGroup var faces: FaceOptions
    @Option(help: "Enrol the given image files as this one identity.") var identity: String?
    @Argument(help: "Folders DIR/<identity>/<image>, or image files with --identity.") var inputs: [String]
    @Option(name: .customLong("batch-size"), help: "Faces per embedding batch and per transaction.") var batchSize = 32
    @Option(help: "Write one JSON line per file with its outcome here.") var report: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give folders DIR/<identity>/<image>, or --identity NAME FILES...") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard faces.select != .all else { throw ValidationError("enrolment takes one face per image: --select largest, centre or reject-multiple.") }
    }

    func run() throws {
        let work: [(identity: String, file: String)] = try identity.map { name in
            inputs.flatMap { ImageInputs.files(under: $0) }.map { (name, $0) }
        } ?? ImageInputs.people(in: inputs)
        guard !work.isEmpty else { throw CLIError.usage("no images found in \(inputs.joined(separator: ", "))") }

        let pipeline = try FacePipeline(modelName: faces.model, landmarks: try faces.landmarks ?? recordedLandmarks())
        let gallery = try openOrCreateGallery(for: pipeline)
        var tally = EnrolmentTally(report: report)

        // Hash every file first: those already stored are skipped without decoding.
        let hashes = ContentHashes.compute(work.map(\.file))
        let present = try gallery.presentContent(hashes.compactMap { $0 })
        var todo: [Int] = []
        for (i, hash) in hashes.enumerated() {
            if hash == nil {
                tally.record(work[i], .unreadable, detail: "cannot read the file")
            } else if present.contains(hash!) {
                tally.record(work[i], .alreadyPresent)
            } else {
                todo.append(i)
            }
        }

        let progress = Progress(total: todo.count, label: "images", quiet: output.json)
        var pending: [(item: Int, face: PreparedFace)] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            let vectors = try pipeline.embed(pending.map(\.face.crop), batchSize: batchSize)
            let batch = zip(pending, vectors).map { entry, vector in
                NewTemplate(identity: work[entry.item].identity, vector: vector, source: work[entry.item].file,
                            contentSHA256: hashes[entry.item], detectorScore: entry.face.face.probability)
            }
            let outcomes = try gallery.add(batch)
            for (entry, outcome) in zip(pending, outcomes) {
                if case .added(let id) = outcome {
                    tally.record(work[entry.item], .enrolled, template: id)
                } else {
                    tally.record(work[entry.item], .alreadyPresent)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        try pipeline.forEachImage(todo.map { work[$0].file }, selection: faces.select) { index, prepared in
            let item = todo[index]
            if let count = prepared.multipleFaces {
                tally.record(work[item], .multipleFaces, detail: "\(count) faces")
            } else if let failure = prepared.failure {
                tally.record(work[item], .unreadable, detail: failure)
            } else if let face = prepared.faces.first {
                pending.append((item, face))
                if pending.count >= batchSize { try flush() }
            } else {
                tally.record(work[item], .noFace)
            }
            progress.advance(by: 1)
        }
        try flush()
        progress.finish()
        let stats = try gallery.stats()
        try gallery.close()
        try tally.finish()
        if output.json {
            printJSON(tally.summaryJSON(identities: stats.identities, templates: stats.templates))
        } else {
            tally.printSummary(identities: stats.identities, templates: stats.templates, seconds: progress.elapsed)
        }
    }

    /// The landmarks an existing gallery was enrolled with (so new templates are aligned alike).
    private func recordedLandmarks() throws -> LandmarkSource? {
        guard FileManager.default.fileExists(atPath: database.db) else { return nil }
        let gallery = try Gallery.open(at: database.db, readOnly: true)
        defer { try? gallery.close() }
        return LandmarkSource.recorded(in: gallery.model.metadataJSON)
    }

    /// The gallery at `--db`, created for the pipeline's model if missing; another model's is refused.
    private func openOrCreateGallery(for pipeline: FacePipeline) throws -> Gallery {
        let model = pipeline.model
        guard FileManager.default.fileExists(atPath: database.db) else {
            var metadata: [String: Any] = ["input": "\(model.inputWidth)x\(model.inputHeight)", "template": pipeline.cropTemplate.name,
                                          "landmarks": pipeline.landmarks.rawValue]
            if let thresholds = DefaultThresholds.thresholds(for: model.name, landmarks: pipeline.landmarks) {
                metadata["threshold"] = thresholds.identification
                metadata["verification_threshold"] = thresholds.verification
                metadata["threshold_source"] = thresholds.source
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys]), as: UTF8.self)
            return try Gallery.create(at: database.db, model: EmbeddingModelInfo(
                name: model.name, dim: model.outputDimension, metadataJSON: json))
        }
        let gallery = try Gallery.open(at: database.db)
        guard gallery.model.name == model.name, gallery.model.dim == model.outputDimension else {
            throw GalleryError.modelMismatch(gallery: "\(gallery.model.name) (\(gallery.model.dim)-d)",
                                             requested: "\(model.name) (\(model.outputDimension)-d)")
        }
        return gallery
    }
}

/// SHA-256 of files, computed on all cores; nil for a file that cannot be read.
enum ContentHashes {
    static func compute(_ paths: [String]) -> [[UInt8]?] {
        let results = Shared([[UInt8]?](repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            if let data = FileManager.default.contents(atPath: paths[i]) {
                results.set(i, SHA256.hash(data))
            }
        }
        return results.values
    }

    /// An array written by many threads at distinct indices.
    final class Shared<T>: @unchecked Sendable {
        private var storage: [T]
        private let lock = NSLock()
        init(_ values: [T]) { storage = values }
        func set(_ i: Int, _ value: T) { lock.lock(); storage[i] = value; lock.unlock() }
        var values: [T] { lock.lock(); defer { lock.unlock() }; return storage }
    }
}
