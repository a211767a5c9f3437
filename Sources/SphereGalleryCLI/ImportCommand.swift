import ArgumentParser
import Foundation
import Gallery

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add embedding vectors to a gallery, one transaction per batch.",
        discussion: """
            Input: JSON Lines {"identity": NAME, "vector": [...], "source": PATH} (source optional), or
            --npy X.npy --labels LABELS.txt (one identity a line). Vectors are normalised to unit
            length. The same vector bytes (or source content) are stored once: re-importing is a no-op.
            The whole input is checked before the first batch is written: if any line is bad,
            each one is reported and nothing is stored (exit 1).
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "JSON Lines file of vectors ('-' for standard input).")
    var vectors: String?
    @Option(help: "A float32/float64 .npy matrix of vectors (rows).")
    var npy: String?
    @Option(help: "With --npy: the identity of each row, one a line.")
    var labels: String?
    @Option(help: "Vectors per transaction.")
    var batch = 1000
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (vectors == nil) != (npy == nil) else { throw ValidationError("give a JSON Lines file or --npy, not both or neither.") }
        guard npy == nil || labels != nil else { throw ValidationError("--npy needs --labels (the identity of each row).") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1.") }
    }

    func run() throws {
        let input = vectors ?? npy!
        let items = try vectors.map { try VectorFiles.readJSONLines($0) } ?? VectorFiles.readNPYWithLabels(npy!, labels: labels)
        let gallery = try Gallery.open(at: database.db)
        warnAboutDamage(gallery)
        let templates = items.map { NewTemplate(identity: $0.identity ?? "", vector: $0.vector, source: $0.source) }
        let problems = gallery.validate(templates)
        guard problems.isEmpty else {
            for problem in problems.prefix(100) {
                let line = problem.row.map { items[$0].line } ?? 0
                let place = vectors == nil ? "\(input) row \(line)" : "\(input):\(line)"
                printError("\(place): \(problem.rowlessDescription)")
            }
            if problems.count > 100 { printError("… and \(problems.count - 100) more.") }
            try? gallery.close()
            printError("\(problems.count) of \(items.count) vectors are bad; nothing was stored. Fix them and run the import again.")
            throw ExitCode.failure
        }
        let progress = Progress(total: items.count, label: "vectors", quiet: output.json)
        var added = 0, present = 0
        for start in stride(from: 0, to: templates.count, by: batch) {
            let slice = Array(templates[start..<min(start + batch, templates.count)])
            do {
                for outcome in try gallery.add(slice) {
                    if case .added = outcome { added += 1 } else { present += 1 }
                }
            } catch {
                progress.finish()
                printError("\(error)")
                printError("stored the first \(start) of \(items.count) vectors (\(added) new) before the failure; "
                           + "running the same import again completes it (stored vectors are skipped).")
                throw ExitCode.failure
            }
            progress.advance(by: slice.count)
        }
        progress.finish()
        try gallery.close()
        if output.json {
            printJSON(["added": added, "already_present": present])
        } else {
            print("added \(added) templates, \(present) already present")
        }
    }
}
