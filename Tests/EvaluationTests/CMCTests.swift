import Foundation
import Gallery
import Testing
@testable import Evaluation

@Suite struct CMCTests {
    @Test func fromRanksByHand() throws {
        // Ranks 1, 2, miss, 1, 5 → rank 1: 2/5, ranks 2–4: 3/5, rank 5: 4/5.
        let c = try CMC(ranks: [1, 2, nil, 1, 5], maxRank: 5)
        #expect(c.rates == [0.4, 0.6, 0.6, 0.6, 0.8])
        #expect(c.rank1 == 0.4 && c.rate(atRank: 9) == 0.8 && c.probeCount == 5)
        // Ranks past maxRank are misses on this curve.
        #expect(try CMC(ranks: [1, 3], maxRank: 2).rates == [0.5, 0.5])
    }

    @Test func fromAScoreMatrixWithBestTemplatePerIdentity() throws {
        // Gallery templates of identities [0, 0, 1, 2].
        let scores: [Float] = [
            0.5, 0.9, 0.95, 0.1,  // probe of 0: id0 0.9, id1 0.95 → rank 2
            0.3, 0.2, 0.1, 0.25,  // probe of 2: id0 0.3 above 0.25 → rank 2
            0.1, 0.1, 0.8, 0.7,   // probe of 1: rank 1
            0.1, 0.1, 0.8, 0.7,   // probe of 5: not enrolled
        ]
        let ranks = try CMC.ranks(scores: scores, probeLabels: [0, 2, 1, 5], galleryLabels: [0, 0, 1, 2])
        #expect(ranks == [2, 2, 1, nil])
        #expect(throws: EvaluationError.self) { _ = try CMC.ranks(scores: [0.1], probeLabels: [0], galleryLabels: [0, 1]) }
    }

    @Test func fromGallerySearchResults() throws {
        let dir = TemporaryDirectory()
        let g = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "test", dim: 3))
        _ = try g.add([NewTemplate(identity: "a", vector: [1, 0, 0]),
                       NewTemplate(identity: "b", vector: [0, 1, 0]),
                       NewTemplate(identity: "c", vector: [0, 0, 1])])
        let s = Float(0.5).squareRoot()
        // Probe "a" near a → rank 1; probe "b" nearer c than b → rank 2; probe "c" at a → rank 2 or 3
        let queries: [[Float]] = [[1, 0, 0], [0, 0.6, 0.8], [s, 0, s * 0.9]]
        let results = try g.search(queries, k: 3)
        let c = try CMC(results: results, trueIdentities: ["a", "b", "c"], maxRank: 3)
        #expect(c.rates == [1.0 / 3, 1, 1])
        #expect(CMC.rank(of: "b", in: results[1]) == 2)
        try g.close()
    }

    @Test func badInput() {
        #expect(throws: EvaluationError.self) { _ = try CMC(ranks: [], maxRank: 1) }
        #expect(throws: EvaluationError.self) { _ = try CMC(ranks: [1], maxRank: 0) }
        #expect(throws: EvaluationError.self) { _ = try CMC(ranks: [0], maxRank: 1) }
    }
}
