import ArgumentParser
import FaceDetection
import FaceRecognition
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
            summary of the rates follows the table. --json prints, for vectors, one line per query:
            {"query": N, "decision": NAME|"unknown", "candidates": [{"identity", "cosine", "angle"}]};
            for photographs one line per image: {"image", "width", "height", "threshold", "faces": [{"face",
            "box": [x0, y0, x1, y1], "score", "landmarks", "decision", "candidates"}]}, faces left to
            right ("faces": [] when none was found; "error" when the image cannot be used).
            Exit status 2 when some photographs could not be used.
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "Photographs or folders of them.")
    var images: [String] = []
    @Option(help: "Which faces of a photograph: all (default), largest, centre, reject-multiple.")
    var select: FaceSelection = .all
    @Option(help: "The gallery's weights again (sphere20a:PATH), when they are no longer where they were at enrolment.")
    var model: String?
    @Option(help: "JSON Lines file of query vectors ('-' for standard input).")
    var vectors: String?
    @Option(help: "A float32/float64 .npy matrix of query vectors.")
    var npy: String?
    @Option(name: .customLong("top-k"), help: "Identities to list per query.")
    var topK = 5
    @Option(help: "Cosine threshold of the open-set decision (default: the gallery's).")
    var threshold: Float?
    @OptionGroup var storage: StorageOption
    @OptionGroup var size: DetectionSizeOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let kinds = [!images.isEmpty, vectors != nil, npy != nil].filter { $0 }.count
        guard kinds == 1 else { throw ValidationError("give photographs, or --vectors FILE, or --npy FILE.") }
    }

    func run() throws {
        if !images.isEmpty { return try identifyPhotographs() }
        let queries = try vectors.map(VectorFiles.readJSONLines) ?? VectorFiles.readNPYWithLabels(npy!, labels: nil)
        let gallery = try Gallery.open(at: database.db, readOnly: true, storage: storage.storage)
        warnAboutDamage(gallery)
        let results = try gallery.search(queries.map(\.vector), k: topK, threshold: threshold)
        let enrolled = try gallery.enrolledKeys(among: Set(queries.compactMap(\.identity)))
        try gallery.close()
        if output.json {
            for (i, result) in results.enumerated() { printLine(VectorIdentification(query: i, result: result)) }
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

    /// Photographs: every selected face is embedded and searched in batches; one answer per image.
    private func identifyPhotographs() throws {
        let recognizer = try FaceRecognizer.open(gallery: database.db, readOnly: true, model: model, storage: storage.storage,
                                                detection: size.maxSide)
        defer { try? recognizer.close() }
        warnAboutDamage(recognizer.gallery)
        let paths = images.flatMap { ImageInputs.files(under: $0) }
        guard !paths.isEmpty else { throw CLIError.usage("no images found in \(images.joined(separator: ", "))") }
        var failures = 0, rows: [[String]] = [], used: Float?
        let progress = Progress(total: paths.count, label: "images", quiet: output.json)
        try recognizer.identify(paths.map { .file($0) }, topK: topK, threshold: threshold, selection: select) { answer in
            progress.advance(by: 1)
            used = answer.threshold
            if answer.error != nil && answer.faces.isEmpty { failures += 1 }
            if output.json { return printLine(answer) }
            if let error = answer.error, answer.faces.isEmpty {
                rows.append([answer.image, "-", "error: \(error)", "", "", ""])
            } else if answer.faces.isEmpty {
                rows.append([answer.image, "-", "no-face", "", "", ""])
            }
            for face in answer.faces {
                let best = face.candidates.first
                rows.append([answer.image, String(face.face), face.decision,
                             best.map { String(format: "%.4f", $0.cosine) } ?? "-",
                             best.map { String(format: "%.1f°", $0.angle) } ?? "-",
                             face.candidates.dropFirst().prefix(3)
                                .map { "\($0.identity) \(String(format: "%.3f", $0.cosine))" }.joined(separator: ", ")])
            }
        }
        progress.finish()
        if !output.json {
            printTable(["image", "face", "decision", "cosine", "angle", "next candidates"], rows)
            print("threshold (cosine): \(used.map { String(format: "%.3f", $0) } ?? "none")")
        }
        if failures > 0 { throw ExitCode(2) }
    }
}
