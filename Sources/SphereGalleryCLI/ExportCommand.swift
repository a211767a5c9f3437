import ArgumentParser
import Foundation
import Gallery

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every template as JSON Lines {\"identity\", \"vector\", \"source\", \"template\", \"content_sha256\"} (or --npy + --labels).",
        discussion: """
            Works on a damaged gallery: templates that fail the vector check are skipped, each
            reported on standard error, and the exit status is 2. An existing output that is a
            symlink, hard link, pipe or device is written in place, never replaced.
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "Output file (default: standard output).") var out: String?
    @Option(help: "Write a float32 .npy matrix here instead (needs --labels).") var npy: String?
    @Option(help: "With --npy: the identity of each row, one a line.") var labels: String?

    func validate() throws {
        guard (npy == nil) == (labels == nil) else { throw ValidationError("--npy and --labels go together.") }
        guard npy == nil || out == nil else { throw ValidationError("give --out or --npy/--labels, not both.") }
    }

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true)
        defer { try? gallery.close() }
        let skipped: [DamagedTemplate]
        if let npy, let labels {
            var rows: [[Float]] = [], names: [String] = []
            skipped = try gallery.forEachTemplate { identity, _, vector in rows.append(vector); names.append(identity) }
            try VectorFiles.writeNPY(rows, dim: gallery.model.dim, to: npy)
            try OutputFile.write(Data(names.map { $0 + "\n" }.joined().utf8), to: labels)
        } else {
            let file = try out.map { try OutputFile(path: $0) }
            skipped = try gallery.forEachStoredTemplate { template in
                var object: [String: Any] = ["identity": template.identity, "vector": template.vector.map { Double($0) },
                                             "template": template.templateID]
                if let source = template.source { object["source"] = source }
                if let hash = template.contentSHA256 { object["content_sha256"] = hash }
                let line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    + Data("\n".utf8)
                if let file { try file.write(line) } else { FileHandle.standardOutput.write(line) }
            }
            try file?.commit()
        }
        guard skipped.isEmpty else {
            for template in skipped { printError("skipped template \(template.templateID): \(template.reason)") }
            printError("exported every template but the \(skipped.count) damaged one(s) above.")
            throw ExitCode(2)
        }
    }
}
