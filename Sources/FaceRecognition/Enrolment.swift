import FaceDetection
import Foundation
import Gallery
import Synchronization

/// One image to enrol as one identity.
public struct EnrolmentItem: Sendable, Equatable {
    public var identity: String
    public var input: ImageInput

    public init(identity: String, input: ImageInput) {
        self.identity = identity
        self.input = input
    }
}

/// How an enrolment picks faces and batches work.
public struct EnrolmentOptions: Sendable {
    /// One face per image: `.largest`, `.centre` or `.rejectMultiple` (`.all` is refused).
    public var selection: FaceSelection
    /// Faces per embedding batch and per transaction.
    public var batchSize: Int

    public init(selection: FaceSelection = .largest, batchSize: Int = 32) {
        self.selection = selection
        self.batchSize = batchSize
    }
}

/// Asks a running enrolment to stop after the batch at hand (from any thread).
public final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

extension FaceRecognizer {
    /// Enrols images: each file is hashed first and skipped when the gallery holds its content
    /// already (so a re-run after an interruption enrols only what is missing); the others are
    /// decoded and detected on all cores while batches are embedded and stored, one transaction
    /// each. Returns after the last commit, with one report per item, in item order.
    /// - Parameters:
    ///   - progress: called on this thread with each report as its outcome is final.
    ///   - cancellation: checked between images; when set, the faces at hand are stored and
    ///     `FaceRecognitionError.cancelled` is thrown.
    public func enrol(_ items: [EnrolmentItem], options: EnrolmentOptions = EnrolmentOptions(),
                      progress: ((EnrolmentReport) -> Void)? = nil, cancellation: Cancellation? = nil) throws -> [EnrolmentReport] {
        guard options.selection != .all else {
            throw GalleryError.invalidArgument("enrolment takes one face per image: select largest, centre or reject-multiple.")
        }
        guard options.batchSize >= 1 else { throw GalleryError.invalidArgument("the batch size must be at least 1.") }
        // Names are checked before anything is read or written: a refused one stops the enrolment.
        for name in Set(items.map(\.identity)) {
            if case .failure(let problem) = IdentityName.normalised(name) {
                throw GalleryError.invalidArgument("the identity \(name.debugDescription) is refused: \(problem); rename it (the folder name is the identity).")
            }
        }
        var reports = [EnrolmentReport?](repeating: nil, count: items.count)
        func report(_ item: Int, _ outcome: EnrolmentOutcome, faces: Int? = nil, template: Int64? = nil, detail: String? = nil) {
            let r = EnrolmentReport(file: items[item].input.name, identity: items[item].identity, outcome: outcome,
                                    faces: faces, template: template, detail: detail)
            reports[item] = r
            progress?(r)
        }

        let hashes = ContentHashes.compute(items.map(\.input))
        let present = try gallery.presentContent(hashes.compactMap { $0 })
        var todo: [Int] = []
        for (item, hash) in hashes.enumerated() {
            if let hash {
                if present.contains(hash) { report(item, .alreadyPresent) } else { todo.append(item) }
            } else {
                report(item, .unreadable, detail: "cannot read the file")
            }
        }

        var pending: [(item: Int, faces: Int, face: PreparedFace)] = []
        var stored = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            let vectors = try pipeline.embed(pending.map(\.face.crop), batchSize: options.batchSize)
            let batch = zip(pending, vectors).map { entry, vector in
                NewTemplate(identity: items[entry.item].identity, vector: vector, source: items[entry.item].input.name,
                            contentSHA256: hashes[entry.item], detectorScore: entry.face.face.probability)
            }
            for (entry, outcome) in zip(pending, try gallery.add(batch)) {
                switch outcome {
                case .added(let id):
                    stored += 1
                    report(entry.item, .enrolled, faces: entry.faces, template: id)
                case .alreadyPresent(let id):
                    report(entry.item, .alreadyPresent, faces: entry.faces, template: id)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        struct Stop: Error {}
        do {
            try pipeline.forEachImage(todo.map { items[$0].input }, selection: options.selection) { index, prepared in
                if cancellation?.isCancelled == true { throw Stop() }
                let item = todo[index]
                if prepared.rejectedAsMultiple {
                    report(item, .multipleFaces, faces: prepared.facesFound, detail: "\(prepared.facesFound) faces")
                } else if let failure = prepared.failure {
                    report(item, .unreadable, detail: failure)
                } else if let face = prepared.faces.first {
                    pending.append((item, prepared.facesFound, face))
                    if pending.count >= options.batchSize { try flush() }
                } else {
                    report(item, .noFace, faces: 0)
                }
            }
        } catch is Stop {
            try flush()
            throw FaceRecognitionError.cancelled(stored: stored)
        }
        try flush()
        return reports.compactMap { $0 }
    }
}

/// SHA-256 of inputs, computed on all cores; nil for a file that cannot be read.
enum ContentHashes {
    static func compute(_ inputs: [ImageInput]) -> [[UInt8]?] {
        let results = Mutex([[UInt8]?](repeating: nil, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            if let hash = inputs[i].contentHash() { results.withLock { $0[i] = hash } }
        }
        return results.withLock { $0 }
    }
}
