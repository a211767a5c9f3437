import Foundation
import Testing

/// Writes a MegaFace devkit feature file: int32 rows cols stride type=5, then float32 (little-endian).
func writeDevkitBin(_ vector: [Float], to path: String, type: Int32 = 5) throws {
    var data = Data()
    for v in [Int32(vector.count), 1, 4, type] { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    try data.write(to: URL(fileURLWithPath: path))
}

func at(_ degrees: Double) -> [Float] { [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180))] }

/// A case with known answers. Identity "a": 0° and 36.87° (cosine 0.8 apart); identity "b": 180°
/// and 216.87°. Two distractors, both at 10°. Trials of "a": gallery 0°, probe 36.87° — each
/// distractor (26.87° away) beats the mate (36.87°); gallery 36.87°, probe 0° — each distractor
/// (10°) beats it too. "b" is far from everything: rank 1. So with S distractors, half the trials
/// are at rank 1 and half at rank S + 1. Open set: "a"'s mated search misses, "b"'s hits.
enum KnownCase {
    static let probes: [(String, [Float])] = [("a", at(0)), ("a", at(36.87)), ("b", at(180)), ("b", at(216.87))]
    static let distractors: [[Float]] = [at(10), at(10)]

    static func checkReport(_ r: [String: Any]) {
        #expect(r["probe_images"] as? Int == 4 && r["identities"] as? Int == 2 && r["trials"] as? Int == 4)
        let id = r["identification"] as? [[String: Any]] ?? []
        #expect(id.map { $0["distractors"] as? Int } == [1, 2])
        #expect(id.map { $0["rank1"] as? Double } == [0.5, 0.5])
        #expect(id.first?["cmc"] as? [Double] == [0.5, 1, 1])
        #expect(id.last?["cmc"] as? [Double] == [0.5, 0.5, 1])
        let ver = r["verification"] as? [String: Any] ?? [:]
        #expect(ver["genuine_pairs"] as? Int == 2 && ver["impostor_pairs"] as? Int == 8)
        #expect((ver["tar_at_far"] as? [String: Any])?["0.001"] is NSNull)  // 8 impostor pairs cannot resolve 1e-3
        let open = (r["open_set"] as? [[String: Any]])?.last ?? [:]
        #expect(open["distractors"] as? Int == 2)
        #expect(open["mated_searches"] as? Int == 2 && open["non_mated_searches"] as? Int == 4)
        #expect(open["rank1"] as? Double == 0.5)
    }
}

@Suite struct MegaFaceCommandTests {
    @Test func devkitBinFeaturesGiveTheKnownAnswers() throws {
        let dir = TemporaryDirectory()
        for (i, (identity, v)) in KnownCase.probes.enumerated() {
            try FileManager.default.createDirectory(atPath: dir.path("probes/\(identity)"), withIntermediateDirectories: true)
            try writeDevkitBin(v, to: dir.path("probes/\(identity)/img\(i).jpg.bin"))
        }
        try FileManager.default.createDirectory(atPath: dir.path("distractors/sub"), withIntermediateDirectories: true)
        try writeDevkitBin(KnownCase.distractors[0], to: dir.path("distractors/d0.jpg.bin"))
        try writeDevkitBin(KnownCase.distractors[1], to: dir.path("distractors/sub/d1.jpg.bin"))
        let out = dir.path("report")
        let run = try CLI.run(["eval", "megaface", "--probes", dir.path("probes"), "--distractors", dir.path("distractors"),
                               "--sizes", "1,2", "--max-rank", "3", "--out", out, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(run.json.first)
        KnownCase.checkReport(report)
        #expect(report["model"] as? String == "precomputed features")
        #expect(run.stderr.isEmpty)  // no progress bar when --json

        // The report folder: the same JSON, and the CSVs the plots read.
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
        KnownCase.checkReport(saved)
        #expect(try String(contentsOfFile: out + "/rank1_vs_distractors.csv", encoding: .utf8) == "distractors,rank1\n1,0.5\n2,0.5\n")
        #expect(try String(contentsOfFile: out + "/cmc.csv", encoding: .utf8).hasPrefix("distractors,rank,identification_rate\n1,1,0.5\n1,2,1.0\n"))
        #expect(try String(contentsOfFile: out + "/fnir_vs_fpir.csv", encoding: .utf8).hasPrefix("fpir,fnir,threshold\n"))
        #expect(FileManager.default.fileExists(atPath: out + "/verification_roc.csv"))

        // The human summary.
        let text = try CLI.run(["eval", "megaface", "--probes", dir.path("probes"), "--distractors", dir.path("distractors"), "--sizes", "1,2"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("2 probe identities, 4 probe images"))
        #expect(text.stdout.contains("50.00%"))
    }

    @Test func npyFeaturesWithLabelsGiveTheSameAnswers() throws {
        let dir = TemporaryDirectory()
        try writeNPY(KnownCase.probes.flatMap { $0.1 }, rows: 4, dim: 2, to: dir.path("p.npy"))
        try KnownCase.probes.map(\.0).joined(separator: "\n").write(toFile: dir.path("p.txt"), atomically: true, encoding: .utf8)
        // Unnormalised distractors are scaled to unit length.
        try writeNPY(KnownCase.distractors.flatMap { $0.map { $0 * 3 } }, rows: 2, dim: 2, to: dir.path("d.npy"))
        let run = try CLI.run(["eval", "megaface", "--probes", dir.path("p.npy"), "--probes-labels", dir.path("p.txt"),
                               "--distractors", dir.path("d.npy"), "--sizes", "1,2", "--max-rank", "3", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        KnownCase.checkReport(try #require(run.json.first))
    }

    @Test func syntheticDistractorsAreSeeded() throws {
        let dir = TemporaryDirectory()
        try writeNPY(KnownCase.probes.flatMap { $0.1 }, rows: 4, dim: 2, to: dir.path("p.npy"))
        try KnownCase.probes.map(\.0).joined(separator: "\n").write(toFile: dir.path("p.txt"), atomically: true, encoding: .utf8)
        func run(seed: String) throws -> [String: Any] {
            let r = try CLI.run(["eval", "megaface", "--probes", dir.path("p.npy"), "--probes-labels", dir.path("p.txt"),
                                 "--synthetic-distractors", "500", "--seed", seed, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.json.first ?? [:]
        }
        let a = try run(seed: "3"), b = try run(seed: "3")
        #expect((a["identification"] as? [[String: Any]])?.map { $0["distractors"] as? Int } == [10, 100, 500])
        #expect(a["distractors_available"] as? Int == 500 && a["distractor_source"] as? String == "synthetic")
        #expect(NSDictionary(dictionary: a["verification"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: b["verification"] as? [String: Any] ?? [:]))
    }

    @Test func badInputsGiveClearErrors() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("probes/a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path("d"), withIntermediateDirectories: true)
        try writeDevkitBin(at(0), to: dir.path("probes/a/1.bin"))
        try writeDevkitBin(at(20), to: dir.path("probes/a/2.bin"))
        try writeDevkitBin(at(90), to: dir.path("d/1.bin"))
        try writeDevkitBin([1, 0, 0], to: dir.path("d/2.bin"))
        func fails(_ args: [String], saying text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try CLI.run(["eval", "megaface"] + args)
            #expect(r.status != 0, sourceLocation: sourceLocation)
            #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        }
        // Wrong dimension among the distractors, naming the file.
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d")], saying: "2.bin has dimension 3, expected 2")
        // Probes and distractors of different dimensions.
        try FileManager.default.removeItem(atPath: dir.path("d/1.bin"))
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d")], saying: "dimension 3, expected 2")
        // Missing folders.
        try fails(["--probes", dir.path("nope"), "--distractors", dir.path("d")], saying: "no such folder or file")
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("nope")], saying: "no such folder or file")
        // An empty folder.
        try FileManager.default.createDirectory(atPath: dir.path("empty"), withIntermediateDirectories: true)
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("empty")], saying: "holds no usable files")
        // A devkit file of another element type.
        try writeDevkitBin([1, 0], to: dir.path("d/2.bin"), type: 6)
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d")], saying: "is not float32")
        // NaN and all-zero vectors.
        try writeNPY([1, 0, .nan, 0], rows: 2, dim: 2, to: dir.path("nan.npy"))
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("nan.npy")], saying: "row 1 holds NaN")
        try writeNPY([1, 0, 0, 0], rows: 2, dim: 2, to: dir.path("zero.npy"))
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("zero.npy")], saying: "row 1 is all zeros")
        // .npy probes need labels, one per row.
        try fails(["--probes", dir.path("zero.npy"), "--distractors", dir.path("zero.npy")], saying: "--probes-labels")
        try "a\n".write(toFile: dir.path("l.txt"), atomically: true, encoding: .utf8)
        try fails(["--probes", dir.path("zero.npy"), "--probes-labels", dir.path("l.txt"), "--distractors", dir.path("zero.npy")],
                  saying: "has 1 labels but the matrix has 2 rows")
        // Sizes beyond the distractors; no identity with two images; argument errors.
        try writeDevkitBin(at(90), to: dir.path("d/2.bin"))
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d"), "--sizes", "1,5"], saying: "more than the 1 distractors")
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d"), "--sizes", "ten"], saying: "--sizes takes positive whole numbers")
        try fails(["--probes", dir.path("probes")], saying: "--synthetic-distractors")
        try FileManager.default.removeItem(atPath: dir.path("probes/a/2.bin"))
        try fails(["--probes", dir.path("probes"), "--distractors", dir.path("d")], saying: "at least two images")
    }
}

@Suite struct CalibrateCommandTests {
    /// Gallery: "a" at 0°, "b" at 10°, "c" at 90° (2-d).
    private func makeGallery(_ dir: TemporaryDirectory) throws -> String {
        let db = dir.path("g.sqlite")
        #expect(try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"]).status == 0)
        let lines = [("a", 0.0), ("b", 10.0), ("c", 90.0)].map { name, deg in
            "{\"identity\": \"\(name)\", \"vector\": [\(cos(deg * .pi / 180)), \(sin(deg * .pi / 180))]}"
        }
        try lines.joined(separator: "\n").write(toFile: dir.path("g.jsonl"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", "--db", db, dir.path("g.jsonl")]).status == 0)
        return db
    }

    private func storedThreshold(_ db: String) throws -> Double? {
        try CLI.run(["threshold", "--db", db, "--json"]).json.first?["threshold"] as? Double
    }

    @Test func nonMatedVectorsSetTheThreshold() throws {
        let dir = TemporaryDirectory()
        let db = try makeGallery(dir)
        // Ten non-mated vectors at 135°, 140°, …, 180°: each is nearest to c (90°), 45°, 50°, …, 90° away.
        let degrees = (0..<10).map { 135.0 + 5.0 * Double($0) }
        let lines = degrees.map { "{\"vector\": [\(cos($0 * .pi / 180)), \(sin($0 * .pi / 180))]}" }
        try lines.joined(separator: "\n").write(toFile: dir.path("n.jsonl"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["calibrate", "--db", db, "--fpir", "0.1", "--vectors", dir.path("n.jsonl"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(r.json.first)
        // FPIR 0.1 of 10 searches: one may pass — the highest (cos 45°); the threshold is just above cos 50°.
        let expected = cos(50.0 * .pi / 180)
        #expect(o["non_mated_searches"] as? Int == 10)
        #expect(o["fpir"] as? Double == 0.1 && o["false_positives"] as? Int == 1 && o["resolvable"] as? Bool == true)
        let t = try #require(o["threshold"] as? Double)
        #expect(t > expected - 1e-6 && t < expected + 1e-6 && t < cos(45.0 * .pi / 180))
        #expect(abs((try storedThreshold(db) ?? 0) - t) < 1e-6)

        // The human output says what was measured.
        let text = try CLI.run(["calibrate", "--db", db, "--fpir", "0.1", "--vectors", dir.path("n.jsonl")])
        #expect(text.stdout.contains("non-mated searches: 10"))
        #expect(text.stdout.contains("FPIR reached: 0.10000"))
    }

    @Test func leaveOneIdentityOutByDefault() throws {
        let dir = TemporaryDirectory()
        let db = try makeGallery(dir)
        // Without its own identity: a → b (cos 10°), b → a (cos 10°), c → b (cos 80°). FPIR 0.34 lets
        // one of three pass, but the top two tie, so the threshold rises above both: FPIR 0.
        let r = try CLI.run(["calibrate", "--db", db, "--fpir", "0.34", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(r.json.first)
        #expect((o["source"] as? String)?.contains("leave one identity out") == true)
        #expect(o["non_mated_searches"] as? Int == 3 && o["fpir"] as? Double == 0)
        let t = try #require(o["threshold"] as? Double)
        #expect(t > cos(10.0 * .pi / 180) && t < cos(10.0 * .pi / 180) + 1e-6)
        #expect(abs((try storedThreshold(db) ?? 0) - t) < 1e-6)
        // --dry-run measures without storing.
        #expect(try CLI.run(["threshold", "--db", db, "--clear"]).status == 0)
        #expect(try CLI.run(["calibrate", "--db", db, "--fpir", "0.34", "--dry-run"]).stdout.contains("not stored"))
        #expect(try storedThreshold(db) == nil)
    }

    @Test func badInputs() throws {
        let dir = TemporaryDirectory()
        let db = try makeGallery(dir)
        for (args, text) in [(["--fpir", "0"], "--fpir must lie strictly between 0 and 1"),
                             (["--fpir", "0.01", "--nonmated", dir.path("nope")], "no such folder or file"),
                             (["--fpir", "0.01", "--vectors", dir.path("nope.jsonl")], "no such folder or file")] {
            let r = try CLI.run(["calibrate", "--db", db] + args)
            #expect(r.status != 0)
            #expect(r.stderr.contains(text), "stderr: \(r.stderr)")
        }
        try "{\"vector\": [1, 0, 0]}\n".write(toFile: dir.path("w.jsonl"), atomically: true, encoding: .utf8)
        let wrong = try CLI.run(["calibrate", "--db", db, "--fpir", "0.01", "--vectors", dir.path("w.jsonl")])
        #expect(wrong.status != 0 && wrong.stderr.contains("3 values"), "stderr: \(wrong.stderr)")
        #expect(try storedThreshold(db) == nil)
    }
}

@Suite(.enabled(if: PipelineFixtures.available, "needs LFW in ../shared/data/lfw and the models (make models)"))
struct MegaFacePhotographTests {
    /// Photographs are embedded once: the second run reads the cache (the .npy is not rewritten)
    /// and gives the same report; a different face selection is not served from that cache.
    @Test func imagesAreEmbeddedOnceAndCached() throws {
        let dir = TemporaryDirectory()
        let people = try PipelineFixtures.people(count: 2, minimum: 4).map { ($0.0, Array($0.1.prefix(4))) }
        try PipelineFixtures.folder(dir.path("probes"), people)
        let others = try PipelineFixtures.people(count: 6, minimum: 1, skip: 30).map { ($0.0, [$0.1[0]]) }
        try PipelineFixtures.folder(dir.path("distractors"), others)
        let args = ["eval", "megaface", "--probes", dir.path("probes"), "--distractors", dir.path("distractors"),
                    "--select", "centre", "--out", dir.path("out"), "--json"]
        let first = try CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let npy = dir.path("out/features/probes.npy")
        let written = try FileManager.default.attributesOfItem(atPath: npy)[.modificationDate] as? Date
        #expect(FileManager.default.fileExists(atPath: dir.path("out/features/distractors.npy")))
        let a = try #require(first.json.first)
        #expect(a["model"] as? String == "dlib-resnet" && a["probe_images"] as? Int == 8)
        #expect((a["identification"] as? [[String: Any]])?.first?["rank1"] as? Double ?? 0 > 0.9)

        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        let b = try #require(second.json.first)
        #expect(try FileManager.default.attributesOfItem(atPath: npy)[.modificationDate] as? Date == written)
        #expect(NSArray(array: a["identification"] as? [Any] ?? []) == NSArray(array: b["identification"] as? [Any] ?? []))
        let seconds = b["seconds"] as? [String: Double] ?? [:]
        #expect((seconds["inputs"] ?? 99) < 2, "re-run should not embed: \(seconds)")
    }
}
