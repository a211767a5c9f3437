import ArgumentParser
import FaceDetection
import Foundation
import Gallery

struct IdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Find the nearest identities of query vectors, or 'unknown' below the threshold.",
        discussion: """
            Queries: photographs (files or folders: every face found is identified, largest first),
            or embedding vectors: JSON Lines {"vector": [...], "identity": TRUE_NAME} (identity
            optional) with --vectors, or --npy. When vector queries carry their true identity, a
            summary of the rates follows the table. --json prints one line per query:
            {"query": N, "decision": NAME|"unknown", "candidates": [{"identity", "cosine", "angle"}]}
            and for photographs also "image", "face" (index, largest first) and "box" [x1, y1, x2, y2];
            an image without a face gets {"image", "face": null, "decision": "no-face"}.
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "Photographs or folders of them.")
    var images: [String] = []
    @Option(help: "Which faces of a photograph: all (default), largest, centre, reject-multiple.")
    var select: FaceSelection = .all
    @Option(help: "Alignment landmarks: mtcnn or dlib5 (default: the model's best; use what the gallery was enrolled with).")
    var landmarks: LandmarkSource?
    @Option(help: "JSON Lines file of query vectors ('-' for standard input).")
    var vectors: String?
    @Option(help: "A float32/float64 .npy matrix of query vectors.")
    var npy: String?
    @Option(name: .customLong("top-k"), help: "Identities to list per query.")
    var topK = 5
    @Option(help: "Cosine threshold of the open-set decision (default: the gallery's).")
    var threshold: Float?
    @OptionGroup var storage: StorageOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let kinds = [!images.isEmpty, vectors != nil, npy != nil].filter { $0 }.count
        guard kinds == 1 else { throw ValidationError("give photographs, or --vectors FILE, or --npy FILE.") }
    }

    func run() throws {
        if !images.isEmpty { return try identifyPhotographs() }
        let queries = try vectors.map(VectorFiles.readJSONLines) ?? VectorFiles.readNPYWithLabels(npy!, labels: nil)
        let gallery = try Gallery.open(at: database.db, readOnly: true, storage: storage.storage)
        let results = try gallery.search(queries.map(\.vector), k: topK, threshold: threshold)
        let enrolled = try gallery.enrolledKeys(among: Set(queries.compactMap(\.identity)))
        try gallery.close()
        if output.json {
            for (i, result) in results.enumerated() { printJSON(searchResultJSON(result, query: i)) }
            return
        }
        printTable(["query", "truth", "decision", "cosine", "angle", "next candidates"], results.enumerated().map { i, r in
            let best = r.candidates.first
            return [String(i), queries[i].identity ?? "", r.decision,
                    best.map { String(format: "%.4f", $0.cosine) } ?? "-",
                    best.map { String(format: "%.1f°", $0.angle) } ?? "-",
                    r.candidates.dropFirst().prefix(3).map { "\($0.identity) \(String(format: "%.3f", $0.cosine))" }
                        .joined(separator: ", ")]
        })
        printRates(results, truths: queries.map(\.identity), enrolled: enrolled)
    }

    /// Open-set rates when the queries' true identities are known.
    private func printRates(_ results: [SearchResult], truths: [String?], enrolled: Set<String>) {
        var mated = 0, rank1 = 0, identified = 0, nonmated = 0, falseAlarms = 0
        for (result, truth) in zip(results, truths) {
            guard let truth else { continue }
            if enrolled.contains(truth) {
                mated += 1
                if result.candidates.first?.identity == truth { rank1 += 1 }
                if result.identified == truth { identified += 1 }
            } else {
                nonmated += 1
                if result.identified != nil { falseAlarms += 1 }
            }
        }
        guard mated + nonmated > 0 else { return }
        let t = results.first?.threshold.map { String(format: "%.3f", $0) } ?? "none"
        print("")
        print("threshold (cosine): \(t)")
        if mated > 0 {
            print(String(format: "mated probes:     %d   rank-1 %.2f%%   identified at threshold (TPIR) %.2f%%",
                         mated, 100 * Double(rank1) / Double(mated), 100 * Double(identified) / Double(mated)))
        }
        if nonmated > 0 {
            print(String(format: "non-mated probes: %d   wrongly identified (FPIR) %.2f%%   rejected as unknown %.2f%%",
                         nonmated, 100 * Double(falseAlarms) / Double(nonmated),
                         100 * Double(nonmated - falseAlarms) / Double(nonmated)))
        }
    }

    /// Photographs: every selected face is embedded (in batches) and all faces are searched
    /// as one GEMM batch.
    private func identifyPhotographs() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true, storage: storage.storage)
        defer { try? gallery.close() }
        let pipeline = try FacePipeline(modelName: gallery.model.name,
                                        landmarks: landmarks ?? LandmarkSource.recorded(in: gallery.model.metadataJSON))
        guard pipeline.model.outputDimension == gallery.model.dim else {
            throw GalleryError.modelMismatch(gallery: gallery.model.name, requested: pipeline.model.name)
        }
        let paths = images.flatMap { ImageInputs.files(under: $0) }
        var prepared: [PreparedImage] = []
        let progress = Progress(total: paths.count, label: "images", quiet: output.json)
        try pipeline.forEachImage(paths, selection: select) { _, image in
            prepared.append(image)
            progress.advance(by: 1)
        }
        progress.finish()
        let crops = prepared.flatMap { $0.faces.map(\.crop) }
        let vectors = try pipeline.embed(crops)
        let results = vectors.isEmpty ? [] : try gallery.search(vectors, k: topK, threshold: threshold)
        var next = 0, failures = 0, rows: [[String]] = []
        for image in prepared {
            if let failure = image.failure {
                failures += 1
                if output.json { printJSON(["image": image.path, "error": failure]) }
                else { rows.append([image.path, "-", "error: \(failure)", "", "", ""]) }
                continue
            }
            if image.faces.isEmpty {
                if output.json { printJSON(["image": image.path, "face": NSNull(), "decision": "no-face", "candidates": []]) }
                else { rows.append([image.path, "-", "no-face", "", "", ""]) }
                continue
            }
            for (i, face) in image.faces.enumerated() {
                let result = results[next]
                if output.json {
                    var line = searchResultJSON(result, query: next)
                    line["image"] = image.path
                    line["face"] = i
                    line["box"] = face.face.box.array.map { rounded($0, 2) }
                    printJSON(line)
                } else {
                    let best = result.candidates.first
                    rows.append([image.path, String(i), result.decision,
                                 best.map { String(format: "%.4f", $0.cosine) } ?? "-",
                                 best.map { String(format: "%.1f°", $0.angle) } ?? "-",
                                 result.candidates.dropFirst().prefix(3)
                                    .map { "\($0.identity) \(String(format: "%.3f", $0.cosine))" }.joined(separator: ", ")])
                }
                next += 1
            }
        }
        if !output.json {
            printTable(["image", "face", "decision", "cosine", "angle", "next candidates"], rows)
            let t = results.first?.threshold.map { String(format: "%.3f", $0) } ?? "none"
            print("threshold (cosine): \(t)")
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
