import ArgumentParser
import Foundation
import Gallery

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every template as JSON Lines {\"identity\", \"vector\", \"source\"} (or --npy + --labels).")

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
        if let npy, let labels {
            var rows: [[Float]] = [], names: [String] = []
            try gallery.forEachTemplate { identity, _, vector in rows.append(vector); names.append(identity) }
            try VectorFiles.writeNPY(rows, dim: gallery.model.dim, to: npy)
            try (names.map { $0 + "\n" }.joined()).write(toFile: labels, atomically: true, encoding: .utf8)
            return
        }
        let handle: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil) , let h = FileHandle(forWritingAtPath: out) else {
                throw ValidationError("cannot write \(out)")
            }
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
        try gallery.forEachTemplate { identity, source, vector in
            var object: [String: Any] = ["identity": identity, "vector": vector.map { Double($0) }]
            if let source { object["source"] = source }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            handle.write(data + Data("\n".utf8))
        }
    }
}
