import ArgumentParser
import Foundation
import Gallery

/// Time to open a gallery file and load every template into memory.
struct ColdOpenBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coldopen",
        abstract: "Seconds to open a gallery and load its matrix; creates the file first if missing.")

    @Option(help: "The gallery file (created with --n random templates if missing).") var db: String
    @Option var d = 512
    @Option var n = 1_000_000
    @Option(help: "Templates per identity when creating.") var perIdentity = 1
    @Option var storage: String = "f32"
    @Option var seed: UInt64 = 0

    func run() throws {
        if !FileManager.default.fileExists(atPath: db) {
            let seconds = try measure { try create() }
            FileHandle.standardError.write(Data("created \(db) (\(n)×\(d)) in \(String(format: "%.1f", seconds)) s\n".utf8))
        }
        guard let storage = VectorStorage(rawValue: storage) else { throw ValidationError("unknown storage") }
        var gallery: Gallery?
        let seconds = try measure { gallery = try Gallery.open(at: db, readOnly: true, storage: storage) }
        let templates = gallery?.templateCount ?? 0
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: db)[.size] as? NSNumber)?.int64Value ?? 0
        printJSONLine(["tool": "sphere-gallery", "op": "coldopen", "seconds": seconds, "templates": templates,
                       "d": gallery?.model.dim ?? d, "file_bytes": fileBytes, "storage": storage.rawValue,
                       "file_over_vectors": Double(fileBytes) / Double(max(1, templates * (gallery?.model.dim ?? d) * 4))])
    }

    private func create() throws {
        let gallery = try Gallery.create(at: db, model: EmbeddingModelInfo(name: "random", dim: d))
        var random = SyntheticVectors(dim: d, seed: seed)
        let batch = 10_000
        var rows = [Float](repeating: 0, count: batch * d)
        for start in stride(from: 0, to: n, by: batch) {
            let count = min(batch, n - start)
            rows.withUnsafeMutableBufferPointer { random.fillUnitRows($0.baseAddress!, count: count) }
            try gallery.add((0..<count).map { i in
                NewTemplate(identity: "id\((start + i) / perIdentity)", vector: Array(rows[i * d..<(i + 1) * d]))
            })
        }
        try gallery.close()
    }
}
