import Foundation
import Gallery
import Testing
@testable import Evaluation

@Suite struct OpenSetMetricsTests {
    // Mated: (rank 1, .9) (rank 1, .6) (rank 2, .7) (not returned) (rank 1, .4).
    // Non-mated top-1: .85 .65 .5 .45 .3 .2 .1 .05 0 −.1 (10 searches).
    let metrics = try! OpenSetMetrics(
        mated: [MatedSearch(mateRank: 1, mateScore: 0.9), MatedSearch(mateRank: 1, mateScore: 0.6),
                MatedSearch(mateRank: 2, mateScore: 0.7), MatedSearch(mateRank: nil, mateScore: nil),
                MatedSearch(mateRank: 1, mateScore: 0.4)],
        nonMatedTopScores: [0.3, 0.85, 0.05, 0.65, 0.5, 0.45, 0.2, 0.1, 0, -0.1])

    @Test func rank1WithoutThreshold() { #expect(metrics.rank1 == 0.6) }

    @Test func fnirAtFPIRByHand() throws {
        // FPIR 0.1: at most 1 of 10 alarms → threshold just above the 2nd highest (.65);
        // only the .9 mate is a hit → FNIR 4/5.
        let p1 = try metrics.operatingPoint(fpir: 0.1)
        #expect(p1.threshold == Float(0.65).nextUp && p1.fpir == 0.1 && p1.fnir == 0.8 && approx(p1.dir, 0.2) && p1.resolvable)
        // FPIR 0.3: 3 alarms allowed → just above .45; hits .9 and .6 → FNIR 3/5.
        let p3 = try metrics.operatingPoint(fpir: 0.3)
        #expect(p3.threshold == Float(0.45).nextUp && p3.fpir == 0.3 && p3.fnir == 0.6)
        // FPIR 0.01 is not resolvable with 10 searches: threshold above every non-mated score.
        let p01 = try metrics.operatingPoint(fpir: 0.01)
        #expect(p01.threshold == Float(0.85).nextUp && p01.fpir == 0 && p01.fnir == 0.8 && !p01.resolvable)
        // FPIR 1: everything passes → the three rank-1 mates are hits.
        let pAll = try metrics.operatingPoint(fpir: 1)
        #expect(pAll.threshold == -0.1 && pAll.fpir == 1 && approx(pAll.fnir, 0.4))
    }

    @Test func rankTwoCountsTheRankTwoMate() throws {
        let m2 = try OpenSetMetrics(mated: metrics.mated, nonMatedTopScores: metrics.nonMatedTopScores, rank: 2)
        #expect(approx(try m2.operatingPoint(fpir: 0.3).fnir, 0.4))
    }

    @Test func calibrateThreshold() throws {
        #expect(try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [0.1, 0.9, 0.5, 0.7], fpir: 0.25) == Float(0.7).nextUp)
        #expect(try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [0.1, 0.9, 0.5, 0.7], fpir: 0.5) == Float(0.5).nextUp)
        // Ties: three scores at .5 and FPIR .5 allows two → all three must be rejected.
        #expect(try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [0.5, 0.5, 0.5, 0.1], fpir: 0.5) == Float(0.5).nextUp)
        #expect(try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [0.5, 0.1], fpir: 1) == 0.1)
        #expect(throws: EvaluationError.self) { _ = try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [], fpir: 0.1) }
        #expect(throws: EvaluationError.self) { _ = try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [0.1], fpir: 1.5) }
        #expect(throws: EvaluationError.self) { _ = try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: [.nan], fpir: 0.1) }
    }

    @Test func tradeoffCurveMatchesOperatingPoints() throws {
        let curve = try metrics.tradeoff()
        // At FPIR ≤ 0.3 the best DIR is 2/5 (FNIR 0.6), as above.
        #expect(approx(curve.operatingPoint(atFAR: 0.3).tar, 0.4))
        #expect(approx(1 - curve.points.last!.tar, 0.4))  // the miss and the rank-2 mate never count
        let csv = CSVTable.fnirVsFPIR(curve.points)
        #expect(csv.header == ["fpir", "fnir", "threshold"] && csv.rows.count == curve.points.count)
    }

    @Test func fromGallerySearches() throws {
        let dir = TemporaryDirectory()
        let g = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "test", dim: 3))
        _ = try g.add([NewTemplate(identity: "a", vector: [1, 0, 0]), NewTemplate(identity: "b", vector: [0, 1, 0])])
        let mated = try g.search([[1, 0.1, 0], [0.1, 1, 0]], k: 2)
        let nonMated = try g.search([[0, 0, 1], [0.3, 0, 1]], k: 2)
        let m = try OpenSetMetrics(matedResults: mated, trueIdentities: ["a", "b"], nonMatedResults: nonMated)
        #expect(m.rank1 == 1)
        let report = try OpenSetReport(m, fpirTargets: [0.5])
        // Non-mated tops: 0 and ~0.29; FPIR 0.5 → just above 0: both mates (~0.995) are hits.
        #expect(report.fnirAtFPIR["0.5"] == 0 && report.dirAtFPIR["0.5"] == 1)
        #expect(report.matedSearches == 2 && report.nonMatedSearches == 2)
        try g.close()
    }

    @Test func badInput() {
        #expect(throws: EvaluationError.self) { _ = try OpenSetMetrics(mated: [], nonMatedTopScores: [0.1]) }
        #expect(throws: EvaluationError.self) { _ = try OpenSetMetrics(mated: [MatedSearch(mateRank: 1, mateScore: 1)], nonMatedTopScores: []) }
        #expect(throws: EvaluationError.self) {
            _ = try OpenSetMetrics(mated: [MatedSearch(mateRank: 1, mateScore: .nan)], nonMatedTopScores: [0.1])
        }
    }
}
