import ArgumentParser
import Evaluation
import FaceDetection
import Foundation
import FaceRecognition
import Gallery
import Imaging
import SeededRandom

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Set the gallery's open-set threshold for a target FPIR, measured on non-mated searches.",
        discussion: """
            Non-mated searches are searches by people who are not enrolled. Give their photographs
            (--nonmated DIR, every image below it; the largest face of each) or their vectors (--vectors
            FILE: JSON Lines {"vector": [...]}, or a .npy matrix). Without either, the gallery's own
            templates are used, leave one identity out: each template searches the gallery without its
            own identity (at most --limit templates, a seeded sample). The threshold is the smallest
            cosine at which at most FPIR × N of the N non-mated top-1 scores are accepted (score ≥
            threshold); it is stored in the gallery. --json: {"source", "non_mated_searches",
            "threshold", "fpir_target", "fpir", "resolvable"}.
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "Target false positive identification rate, in (0, 1).") var fpir: Double
    @Option(help: "Photographs of people who are not enrolled (any depth).") var nonmated: String?
    @Option(help: "Vectors of people who are not enrolled: JSON Lines, or a .npy matrix.") var vectors: String?
    @Option(help: "The gallery's weights again (sphere20a:PATH), for --nonmated photographs.") var model: String?
    @Option(help: "Leave-one-identity-out: the most templates to search with (a seeded sample).") var limit = 10_000
    @Option(help: "Seed of the leave-one-identity-out sample.") var seed: UInt64 = 0
    @Flag(name: .customLong("dry-run"), help: "Measure and print, but do not store the threshold.") var dryRun = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard fpir > 0, fpir < 1 else { throw ValidationError("--fpir must lie strictly between 0 and 1, e.g. 0.01.") }
        guard nonmated == nil || vectors == nil else { throw ValidationError("give --nonmated DIR or --vectors FILE, not both.") }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: dryRun)
        defer { try? gallery.close() }
        let source: String
        let scores: [Float?]
        var failures = 0
        if let nonmated {
            guard FileManager.default.fileExists(atPath: nonmated) else { throw FeatureInputError.missing(option: "--nonmated", path: nonmated) }
            (scores, failures) = try photographScores(gallery, folder: nonmated)
            source = "non-mated photographs \(nonmated)"
        } else if let vectors {
            guard FileManager.default.fileExists(atPath: vectors) else { throw FeatureInputError.missing(option: "--vectors", path: vectors) }
            let rows = vectors.hasSuffix(".npy") ? try VectorFiles.readNPY(vectors) : try VectorFiles.readJSONLines(vectors).map(\.vector)
            guard !rows.isEmpty else { throw CLIError.usage("\(vectors) holds no vectors.") }
            scores = try gallery.search(rows, k: 1).map { $0.candidates.first?.cosine }
            source = "non-mated vectors \(vectors)"
        } else {
            scores = try leaveOneIdentityOutScores(gallery)
            source = "leave one identity out (the gallery's own templates)"
        }
        let found = scores.compactMap { $0 }
        guard !found.isEmpty else {
            throw CLIError.failed("no non-mated search returned a candidate (is the gallery empty, or does it hold a single identity?); give --nonmated DIR or --vectors FILE.")
        }
        let threshold = try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: found, fpir: fpir, searches: scores.count)
        let falsePositives = found.filter { $0 >= threshold }.count
        let reached = Double(falsePositives) / Double(scores.count)
        let resolvable = fpir * Double(scores.count) >= 1
        if !dryRun { try gallery.setThreshold(threshold) }
        if output.json {
            return printLine(CalibrationReport(source: source, nonMatedSearches: scores.count, threshold: rounded(threshold, 7),
                                               fpirTarget: fpir, fpir: reached, falsePositives: falsePositives,
                                               resolvable: resolvable, stored: !dryRun, failuresToDetect: failures))
        }
        print("non-mated searches: \(scores.count) (\(source))\(failures > 0 ? ", \(failures) images without a face left out" : "")")
        print(String(format: "threshold: cosine %.6f (%.2f°) for FPIR ≤ %@", threshold, acosDegrees(threshold), ReportFormat.key(fpir)))
        print(String(format: "FPIR reached: %.5f (%d of %d non-mated searches at or above it)", reached, falsePositives, scores.count))
        if !resolvable {
            print("note: \(scores.count) searches cannot resolve FPIR \(ReportFormat.key(fpir)) (fewer than 1/FPIR): the threshold is above every non-mated score; use more non-mated searches.")
        }
        print(dryRun ? "not stored (--dry-run)" : "stored in \(database.db)")
    }

    /// Top-1 score of each template searching the gallery without its own identity.
    private func leaveOneIdentityOutScores(_ gallery: Gallery) throws -> [Float?] {
        var keys: [String] = [], rows: [[Float]] = []
        try gallery.forEachTemplate { key, _, vector in
            keys.append(key)
            rows.append(vector)
        }
        guard !rows.isEmpty else { throw CLIError.failed("\(database.db) holds no templates; enrol people first, or give --nonmated DIR.") }
        var order = Array(rows.indices)
        if order.count > limit {
            var random = SplitMix64(seed: seed)
            order = random.permutation(count: order.count).prefix(limit).sorted()
        }
        var scores: [Float?] = []
        for start in stride(from: 0, to: order.count, by: 4096) {
            let batch = Array(order[start..<min(order.count, start + 4096)])
            let results = try gallery.search(batch.map { rows[$0] }, k: 2)
            for (i, r) in zip(batch, results) {
                scores.append(r.candidates.first { $0.identity != keys[i] }?.cosine)
            }
        }
        return scores
    }

    /// Top-1 score of the largest face of each photograph; images without a face are counted.
    private func photographScores(_ gallery: Gallery, folder: String) throws -> ([Float?], Int) {
        let paths = ImageInputs.files(under: folder)
        guard !paths.isEmpty else { throw FeatureInputError.noFiles(option: "--nonmated", path: folder, layout: "DIR/<file> (any depth)") }
        let (pipeline, _) = try FaceRecognizer.pipeline(for: gallery.model, model: model)
        var crops: [Image] = []
        var failures = 0
        let progress = Progress(total: paths.count, label: "images", quiet: output.json)
        try pipeline.forEachImage(paths.map { .file($0) }, selection: .largest) { _, prepared in
            if let face = prepared.faces.first { crops.append(face.crop) } else { failures += 1 }
            progress.advance(by: 1)
        }
        progress.finish()
        guard !crops.isEmpty else { throw CLIError.failed("no face was found in the \(paths.count) images of \(folder).") }
        let vectors = try pipeline.embed(crops)
        return (try gallery.search(vectors, k: 1).map { $0.candidates.first?.cosine }, failures)
    }
}

/// `calibrate --json`.
struct CalibrationReport: Encodable {
    var source: String
    var nonMatedSearches: Int
    var threshold: Double
    var fpirTarget: Double
    var fpir: Double
    var falsePositives: Int
    var resolvable: Bool
    var stored: Bool
    var failuresToDetect: Int

    enum CodingKeys: String, CodingKey {
        case source, threshold, fpir, resolvable, stored
        case nonMatedSearches = "non_mated_searches", fpirTarget = "fpir_target", falsePositives = "false_positives"
        case failuresToDetect = "failures_to_detect"
    }
}
