import Foundation
import Testing
@testable import Evaluation

@Suite struct ReportsTests {
    @Test func rateKeysArePlainDecimals() {
        #expect(ReportFormat.key(1e-3) == "0.001")
        #expect(ReportFormat.key(1e-4) == "0.0001")
        #expect(ReportFormat.key(1e-6) == "0.000001")
        #expect(ReportFormat.key(0.1) == "0.1")
        #expect(ReportFormat.key(0.01) == "0.01")
    }

    @Test func lfwReportJSONShape() throws {
        var text = "10 1\n"
        for k in 1...10 { text += "P\(k) 1 2\nP\(k) 1 Q\(k) 1\n" }
        let pairs = try LFWPairs.parse(text)
        let v = try LFWVerification(pairs: pairs, scores: pairs.labels.map { $0 ? 0.8 : 0.2 })
        let data = try ReportFormat.jsonEncoder().encode(v.report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let accuracy = try #require(json["accuracy"] as? [String: Any])
        #expect(accuracy["mean"] as? Double == 1 && accuracy["std"] as? Double == 0)
        #expect(accuracy["standard_error"] != nil)
        let tar = try #require(json["tar_at_far"] as? [String: Any])
        #expect(Set(tar.keys) == ["0.01", "0.001", "0.0001"])
        #expect(tar["0.001"] is NSNull)  // 10 impostors cannot measure FAR 1e-3
        #expect(json["eer"] as? Double == 0)
        #expect(try JSONDecoder().decode(LFWReport.self, from: data) == v.report)
    }

    @Test func megaFaceReportAndCSVs() throws {
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [[1, 0], [0.8, 0.6]]), identities: [0, 0])
        let d = try FeatureMatrix(vectors: [[0, 1], [-1, 0], [0.6, 0.8]])
        let r = try MegaFaceProtocol.evaluate(probes: probes, distractors: d, configuration: .init(sizes: [1, 3], maxRank: 2, farTargets: [0.2]))
        let report = try MegaFaceReport(r)
        let json = try #require(try JSONSerialization.jsonObject(with: ReportFormat.jsonEncoder().encode(report)) as? [String: Any])
        #expect(Set(json.keys) == ["seed", "probe_images", "identities", "identities_skipped", "trials", "identification", "verification", "open_set"])
        let openSet = try #require(json["open_set"] as? [[String: Any]])
        #expect(openSet.map { $0["distractors"] as? Int } == [1, 3])
        #expect(openSet.allSatisfy { $0["fnir_at_fpir"] is [String: Any] && $0["mated_searches"] as? Int == 1 })
        #expect(try JSONDecoder().decode(MegaFaceReport.self, from: ReportFormat.jsonEncoder().encode(report)) == report)
        let ver = try #require(json["verification"] as? [String: Any])
        #expect(Set(ver.keys) == ["genuine_pairs", "impostor_pairs", "tar_at_far", "threshold_at_far"])
        #expect(CSVTable.rank1VsDistractors(r).text.hasPrefix("distractors,rank1\n1,"))
        #expect(CSVTable.cmcByDistractors(r).rows.count == 4)
        #expect(CSVTable.cmc(r.identification[0].cmc).text.hasPrefix("rank,identification_rate\n1,"))
    }

    @Test func rocCSVWritesAFile() throws {
        let roc = try ROC(genuine: [0.9, 0.4], impostor: [0.5])
        let dir = TemporaryDirectory()
        try CSVTable.roc(roc.points).write(path: dir.path("roc.csv"))
        let text = try String(contentsOfFile: dir.path("roc.csv"), encoding: .utf8)
        #expect(text.hasPrefix("far,tar,threshold\n0.0,0.0,"))
        #expect(text.split(separator: "\n").count == 5)  // header + (nothing, 0.9, 0.5, 0.4)
        #expect(throws: EvaluationError.self) { try CSVTable.roc(roc.points).write(path: "/nonexistent/dir/roc.csv") }
    }
}
