import ArgumentParser
import Evaluation
import FaceDetection
import Foundation
import Gallery

struct EvalMegaFaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megaface",
        abstract: "MegaFace Challenge 1 style identification with growing distractor sets, verification at low FAR, open-set FNIR at FPIR.",
        discussion: """
            Probes: --probes DIR/<identity>/<file> (or X.npy with --probes-labels L.txt); distractors:
            --distractors DIR/<file> (or X.npy), or --synthetic-distractors N random unit vectors. Files
            are images (embedded once; the vectors are cached in --cache, by default OUT/features) or
            MegaFace devkit features (*.bin: int32 rows cols stride type=5, then float32); a folder
            with any *.bin file is read as features. Vectors are scaled to unit length.
            Identification: each image of a probe identity in turn is the gallery image among the
            distractors, the others are probes; rank-1 and CMC per distractor-set size (nested subsets
            of one seeded permutation). Verification: probe pairs of one identity against probe ×
            distractor pairs, TAR at FAR 1e-3…1e-6 (null where the pairs cannot resolve it).
            Open set: gallery = the first image of each probe identity + the distractors; mated
            searches = the other probe images, non-mated = every probe image with its own identity
            left out; FNIR (rank 1) and threshold at FPIR 0.1, 0.01, 0.001, DIR = 1 - FNIR.
            --out DIR writes report.json, rank1_vs_distractors.csv, cmc.csv, verification_roc.csv and
            fnir_vs_fpir.csv (largest size) for Tools/plot_report.py.
            """)

    @Option(help: "Probe identities: DIR/<identity>/<file>, or a .npy matrix (with --probes-labels).") var probes: String
    @Option(name: .customLong("probes-labels"), help: "With a .npy --probes: the identity of each row, one a line.") var probesLabels: String?
    @Option(help: "Distractors: DIR/<file> (any depth), or a .npy matrix.") var distractors: String?
    @Option(name: .customLong("synthetic-distractors"), help: "Instead of --distractors: N seeded random unit vectors (for speed runs).")
    var syntheticDistractors: Int?
    @Option(help: "Distractor-set sizes, comma-separated (default 10, 100, …, all).") var sizes: String?
    @Option(help: "Seed of the distractor permutation (and of synthetic distractors).") var seed: UInt64 = 0
    @Option(name: .customLong("max-rank"), help: "Last rank of the CMC curves.") var maxRank = 10
    @OptionGroup var faces: FaceOptions
    @Option(help: "Report folder (JSON + CSV).") var out: String?
    @Option(help: "Feature cache folder (default: OUT/features; none without --out).") var cache: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (distractors == nil) != (syntheticDistractors == nil) else {
            throw ValidationError("give --distractors DIR|X.npy or --synthetic-distractors N (one of them).")
        }
        if let n = syntheticDistractors, n < 1 { throw ValidationError("--synthetic-distractors must be at least 1.") }
        guard maxRank >= 1 else { throw ValidationError("--max-rank must be at least 1.") }
        _ = try parsedSizes()
    }

    private func parsedSizes() throws -> [Int]? {
        guard let sizes else { return nil }
        let parts = sizes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--sizes takes positive whole numbers separated by commas, e.g. 10,100,1000.")
        }
        return values
    }

    func run() throws {
        let started = Date()
        let cacheFolder = cache ?? out.map { ($0 as NSString).appendingPathComponent("features") }
        let featureCache = FeatureCache(folder: cacheFolder, modelName: faces.modelName, landmarks: faces.landmarks,
                                        selection: faces.select, quiet: output.json)
        let pipeline = FeatureCache.LazyPipeline(modelName: faces.modelName, landmarks: faces.landmarks)

        let probeSet = try loadProbes(featureCache, pipeline)
        let distractorSet = try loadDistractors(featureCache, pipeline, dim: probeSet.matrix.dim)
        guard distractorSet.matrix.dim == probeSet.matrix.dim else {
            throw FeatureInputError.dimension(source: "the distractors", expected: probeSet.matrix.dim, actual: distractorSet.matrix.dim)
        }
        let embedded = Date()

        var ids: [String: Int] = [:]
        let identities = probeSet.identities.map { name in ids[name] ?? { ids[name] = ids.count; return ids.count - 1 }() }
        let sizes = try parsedSizes()
        if let bad = sizes?.first(where: { $0 > distractorSet.matrix.rows }) {
            throw ValidationError("--sizes: \(bad) is more than the \(distractorSet.matrix.rows) distractors available.")
        }
        let result = try MegaFaceProtocol.evaluate(
            probes: try MegaFaceProbeSet(features: probeSet.matrix, identities: identities), distractors: distractorSet.matrix,
            configuration: MegaFaceConfiguration(sizes: sizes, seed: seed, maxRank: maxRank))
        let report = try MegaFaceReport(result)
        let finished = Date()

        var object = try JSONSerialization.jsonObject(with: ReportFormat.jsonEncoder().encode(report)) as? [String: Any] ?? [:]
        let fromImages = probeSet.fromImages || distractorSet.fromImages
        object["model"] = fromImages ? faces.modelName : "precomputed features"
        if fromImages { object["landmarks"] = featureCache.resolvedLandmarks.rawValue }
        object["dim"] = probeSet.matrix.dim
        object["distractors_available"] = distractorSet.matrix.rows
        object["distractor_source"] = syntheticDistractors != nil ? "synthetic" : distractors!
        object["failures_to_detect"] = probeSet.failures.count + distractorSet.failures.count
        object["seconds"] = ["inputs": rounded(Float(embedded.timeIntervalSince(started)), 3),
                             "protocol": rounded(Float(finished.timeIntervalSince(embedded)), 3)]
        if let out { try writeReport(out, object: object, result: result) }
        if output.json {
            printJSON(object)
        } else {
            printSummary(report, result: result, probeSet: probeSet, distractorCount: distractorSet.matrix.rows,
                         inputSeconds: embedded.timeIntervalSince(started), protocolSeconds: finished.timeIntervalSince(embedded))
        }
    }

    private func loadProbes(_ cache: FeatureCache, _ pipeline: FeatureCache.LazyPipeline) throws -> LabelledFeatures {
        if probes.hasSuffix(".npy") {
            guard let probesLabels else { throw FeatureInputError.labelsRequired(option: "--probes", npy: probes) }
            guard FileManager.default.fileExists(atPath: probes) else { throw FeatureInputError.missing(option: "--probes", path: probes) }
            return try FeatureInputs.npy(probes, labels: probesLabels)
        }
        let entries = try FeatureInputs.entries(option: "--probes", folder: probes, byIdentity: true)
        if entries[0].path.hasSuffix(".bin") { return try FeatureInputs.devkit(entries) }
        return try cache.features(name: "probes", entries: entries, pipeline: pipeline)
    }

    private func loadDistractors(_ cache: FeatureCache, _ pipeline: FeatureCache.LazyPipeline, dim: Int) throws -> LabelledFeatures {
        if let n = syntheticDistractors {
            var random = SyntheticVectors(dim: dim, seed: seed &+ 1)
            var values = [Float](repeating: 0, count: n * dim)
            values.withUnsafeMutableBufferPointer { random.fillUnitRows($0.baseAddress!, count: n) }
            return LabelledFeatures(matrix: try FeatureMatrix(rows: n, dim: dim, values: values),
                                    identities: [], sources: [])
        }
        let path = distractors!
        if path.hasSuffix(".npy") {
            guard FileManager.default.fileExists(atPath: path) else { throw FeatureInputError.missing(option: "--distractors", path: path) }
            return try FeatureInputs.npy(path, labels: nil)
        }
        let entries = try FeatureInputs.entries(option: "--distractors", folder: path, byIdentity: false)
        if entries[0].path.hasSuffix(".bin") { return try FeatureInputs.devkit(entries) }
        return try cache.features(name: "distractors", entries: entries, pipeline: pipeline)
    }

    private func writeReport(_ folder: String, object: [String: Any], result: MegaFaceResult) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            try data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("report.json")))
        } catch {
            throw EvaluationError.unwritableFile(path: folder, reason: "\(error)")
        }
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        try CSVTable.rank1VsDistractors(result).write(path: path("rank1_vs_distractors.csv"))
        try CSVTable.cmcByDistractors(result).write(path: path("cmc.csv"))
        try CSVTable.roc(result.verificationROC).write(path: path("verification_roc.csv"))
        if let largest = result.openSet.last {
            try CSVTable.fnirVsFPIR(try largest.tradeoff().sampled()).write(path: path("fnir_vs_fpir.csv"))
        }
    }

    private func printSummary(_ report: MegaFaceReport, result: MegaFaceResult, probeSet: LabelledFeatures, distractorCount: Int,
                              inputSeconds: Double, protocolSeconds: Double) {
        print("MegaFace-style: \(report.identities) probe identities, \(report.probeImages) probe images "
              + "(\(report.identitiesSkipped) identities with one image skipped), \(distractorCount) distractors, "
              + "\(report.trials) trials per size, seed \(report.seed)")
        if !probeSet.failures.isEmpty { print("no face found in \(probeSet.failures.count) probe images (left out)") }
        printTable(["distractors", "rank-1", "rank-\(maxRank)"], report.identification.map {
            [String($0.distractors), String(format: "%.2f%%", 100 * $0.rank1), String(format: "%.2f%%", 100 * ($0.cmc.last ?? 0))]
        })
        print("")
        print("verification: \(report.verification.genuinePairs) genuine, \(report.verification.impostorPairs) impostor pairs")
        for v in result.verification {
            print("TAR at FAR \(ReportFormat.key(v.far)): "
                  + (v.tar.map { String(format: "%.2f%% (cosine ≥ %.4f)", 100 * $0, v.threshold ?? 0) } ?? "n/a (too few impostor pairs)"))
        }
        if let open = report.openSet.last {
            print("")
            print("open set at \(open.distractors) distractors: \(open.report.matedSearches) mated, "
                  + "\(open.report.nonMatedSearches) non-mated searches; rank-1 \(String(format: "%.2f%%", 100 * open.report.rank1))")
            printTable(["FPIR target", "threshold", "FPIR", "FNIR", "DIR"], open.report.operatingPoints.map {
                [ReportFormat.key($0.targetFPIR), String(format: "%.4f", $0.threshold), String(format: "%.4f", $0.fpir),
                 String(format: "%.2f%%", 100 * $0.fnir), String(format: "%.2f%%", 100 * $0.dir) + ($0.resolvable ? "" : " (unresolved)")]
            })
        }
        print("")
        print(String(format: "time: inputs %.1f s, protocol %.1f s", inputSeconds, protocolSeconds))
        if let out { print("report: \(out)/report.json and CSVs (plots: make plots REPORT=\(out))") }
    }
}
