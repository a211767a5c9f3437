import ArgumentParser
import FaceRecognition
import Foundation

struct EnrolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol",
        abstract: "Enrol people from photographs: decode, detect, align, embed, store.",
        discussion: """
            Folders are laid out DIR/<identity>/<image> (jpg, jpeg, png, pgm, ppm); or name one
            identity with --identity NAME and give its image files. The gallery is created for the
            model if it does not exist; a gallery of another model (or other weights) is refused. Each
            batch of faces is stored in one transaction, and an image already stored (same bytes) is
            skipped before it is decoded, so re-running after an interruption (Ctrl-C, kill -9) enrols
            only what is missing. --report FILE writes one line per file:
            {"file", "identity", "outcome", "faces", "template", "detail"}; --json prints the counts.
            Exit status 0 when every image was enrolled or already present, 2 when some were not.
            """)

    @OptionGroup var database: DatabaseOption
    @OptionGroup var faces: FaceOptions
    @OptionGroup var size: DetectionSizeOption
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
        let work: [EnrolmentItem] = try identity.map { name in
            inputs.flatMap { ImageInputs.files(under: $0) }.map { EnrolmentItem(identity: name, input: .file($0)) }
        } ?? ImageInputs.people(in: inputs).map { EnrolmentItem(identity: $0.identity, input: .file($0.file)) }
        guard !work.isEmpty else { throw CLIError.usage("no images found in \(inputs.joined(separator: ", "))") }

        let recognizer = try FaceRecognizer.openOrCreate(gallery: database.db, model: faces.model, landmarks: faces.landmarks,
                                                         detection: size.maxSide)
        defer { try? recognizer.close() }
        var tally = try EnrolmentTally(report: report)
        let progress = Progress(total: work.count, label: "images", quiet: output.json)
        let reports = try recognizer.enrol(work, options: EnrolmentOptions(selection: faces.select, batchSize: batchSize)) { r in
            tally.record(r)
            progress.advance(by: 1)
        }
        progress.finish()
        let stats = try recognizer.gallery.stats()
        try tally.finish()
        if output.json {
            printLine(EnrolmentSummary(tally: tally, identities: stats.identities, templates: stats.templates))
        } else {
            tally.printSummary(identities: stats.identities, templates: stats.templates, seconds: progress.elapsed)
        }
        if reports.contains(where: { $0.outcome != .enrolled && $0.outcome != .alreadyPresent }) { throw ExitCode(2) }
    }
}
