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
        let items = try vectors.map(VectorFiles.readJSONLines) ?? VectorFiles.readNPYWithLabels(npy!, labels: labels)
        for (row, item) in items.enumerated() where item.identity?.isEmpty ?? true {
            throw ValidationError("vector \(row) has no identity; every imported vector needs one.")
        }
        let gallery = try Gallery.open(at: database.db)
        let progress = Progress(total: items.count, label: "vectors", quiet: output.json)
        var added = 0, present = 0
        for start in stride(from: 0, to: items.count, by: batch) {
            let slice = items[start..<min(start + batch, items.count)]
            let batchItems = slice.map { NewTemplate(identity: $0.identity!, vector: $0.vector, source: $0.source) }
            do {
                for outcome in try gallery.add(batchItems) {
                    if case .added = outcome { added += 1 } else { present += 1 }
                }
            } catch let error as GalleryError {
                throw error.shiftingRows(by: start)
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
