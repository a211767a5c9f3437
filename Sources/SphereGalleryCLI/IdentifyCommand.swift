import ArgumentParser
import Foundation
import Gallery

struct IdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Find the nearest identities of query vectors, or 'unknown' below the threshold.",
        discussion: """
            Queries: JSON Lines {"vector": [...], "identity": TRUE_NAME} (identity optional), or --npy.
            When queries carry their true identity, a summary of the rates follows the table.
            --json prints one line per query:
            {"query": N, "decision": NAME|"unknown", "candidates": [{"identity", "cosine", "angle"}]}
            """)

    @OptionGroup var database: DatabaseOption
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
        guard (vectors == nil) != (npy == nil) else { throw ValidationError("give --vectors FILE or --npy FILE.") }
    }

    func run() throws {
        let queries = try vectors.map(VectorFiles.readJSONLines) ?? VectorFiles.readNPYWithLabels(npy!, labels: nil)
        let gallery = try Gallery.open(at: database.db, readOnly: true, storage: storage.storage)
        let results = try gallery.search(queries.map(\.vector), k: topK, threshold: threshold)
        let enrolled = Set(try gallery.identities().map(\.key))
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
}
