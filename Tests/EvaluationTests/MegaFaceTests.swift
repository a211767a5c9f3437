import Foundation
import Gallery
import Testing
@testable import Evaluation
import SeededRandom

@Suite struct DistractorSubsetTests {
    @Test func nestedAndAPermutation() throws {
        let s = try DistractorSubsets(distractorCount: 1000, seed: 42)
        #expect(s.sizes == [10, 100, 1000])
        #expect(s.permutation.sorted() == Array(0..<1000))
        #expect(s.permutation != Array(0..<1000))
        for (a, b) in zip(s.sizes, s.sizes.dropFirst()) {
            #expect(Set(s.indices(size: a)).isSubset(of: Set(s.indices(size: b))))
            #expect(Array(s.indices(size: b).prefix(a)) == Array(s.indices(size: a)))
        }
    }

    @Test func seeded() throws {
        let a = try DistractorSubsets(distractorCount: 500, sizes: [10, 100], seed: 7)
        let b = try DistractorSubsets(distractorCount: 500, sizes: [100, 10, 10], seed: 7)
        let c = try DistractorSubsets(distractorCount: 500, sizes: [10, 100], seed: 8)
        #expect(a == b)
        #expect(a.permutation != c.permutation)
        #expect(Set(a.indices(size: 10)) != Set(c.indices(size: 10)))
    }

    @Test func defaultSizes() throws {
        #expect(DistractorSubsets.defaultSizes(distractorCount: 1_000_000) == [10, 100, 1000, 10_000, 100_000, 1_000_000])
        #expect(DistractorSubsets.defaultSizes(distractorCount: 2500) == [10, 100, 1000, 2500])
        #expect(DistractorSubsets.defaultSizes(distractorCount: 5) == [5])
        #expect(throws: EvaluationError.self) { _ = try DistractorSubsets(distractorCount: 10, sizes: [11], seed: 0) }
        #expect(throws: EvaluationError.self) { _ = try DistractorSubsets(distractorCount: 0, seed: 0) }
    }

    @Test func boundedRandomIsUniformEnough() {
        var rng = SplitMix64(seed: 1)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<30_000 { counts[Int(rng.next(below: 3))] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }
}

@Suite struct MegaFaceProtocolTests {
    @Test func tinyCaseByHand() throws {
        // Identity 0: I1 at 0°, I2 at 36.87° (cos = 0.8 between them). Distractors at 40°, 90°, −10°.
        // Probe I2 (gallery I1): the 40° distractor scores cos 3.13° > 0.8 → rank 2.
        // Probe I1 (gallery I2): the −10° distractor scores cos 10° > 0.8 → rank 2.
        func at(_ deg: Double) -> [Float] { [Float(cos(deg * .pi / 180)), Float(sin(deg * .pi / 180))] }
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [[1, 0], [0.8, 0.6], [0, 1]]), identities: [0, 0, 9])
        let distractors = try FeatureMatrix(vectors: [at(40), at(90), at(-10)])
        let r = try MegaFaceProtocol.evaluate(probes: probes, distractors: distractors,
                                              configuration: MegaFaceConfiguration(sizes: [3], maxRank: 3, farTargets: [0.5]))
        #expect(r.trials == 2 && r.identitiesUsed == 1 && r.identitiesSkipped == 1 && r.probeImages == 2)
        #expect(r.identification.count == 1 && r.identification[0].cmc.rates == [0, 1, 1])
        // Verification: 1 genuine pair (0.8), 2 × 3 = 6 impostor pairs; FAR 0.5 allows 3 of them.
        #expect(r.genuinePairs == 1 && r.impostorPairs == 6)
        #expect(r.verification[0].tar == 1)
    }

    @Test func ranksEqualBruteForceReRankingAtEverySize() throws {
        let dim = 16
        var gen = SyntheticVectors(dim: dim, seed: 11)
        var vectors: [[Float]] = [], ids: [Int] = []
        for id in 0..<8 {
            let centre = gen.unitVector()
            let n = id == 7 ? 1 : 2 + id % 4  // identity 7 has one image: skipped
            for _ in 0..<n {
                vectors.append(gen.sample(around: centre, noise: 1.6))
                ids.append(id)
            }
        }
        let distractorVectors = (0..<700).map { _ in gen.unitVector() }
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(vectors: vectors), identities: ids)
        let distractors = try FeatureMatrix(vectors: distractorVectors)
        let config = MegaFaceConfiguration(sizes: [10, 100, 333, 700], seed: 5, maxRank: 20, farTargets: [1e-2, 1e-3, 1e-4, 1e-6], threads: 3)
        let r = try MegaFaceProtocol.evaluate(probes: probes, distractors: distractors, configuration: config)
        let subsets = try DistractorSubsets(distractorCount: 700, sizes: config.sizes, seed: 5)

        func dot(_ a: [Float], _ b: [Float]) -> Float {
            var s: Double = 0
            for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
            return Float(s)
        }
        var anyMiss = false
        for (b, size) in [10, 100, 333, 700].enumerated() {
            #expect(r.identification[b].distractors == size)
            var ranks: [Int?] = []
            let subset = Array(subsets.indices(size: size))
            for id in 0..<7 {
                let rows = ids.indices.filter { ids[$0] == id }
                for j in rows {
                    for k in rows where k != j {
                        // Gallery: I_j first, then the subset; probe I_k; stable sort, descending.
                        let gallery = [vectors[j]] + subset.map { distractorVectors[$0] }
                        let order = gallery.indices.map { ($0, dot(vectors[k], gallery[$0])) }
                            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                        let rank = order.firstIndex { $0.0 == 0 }! + 1
                        if rank > 1 { anyMiss = true }
                        ranks.append(rank)
                    }
                }
            }
            #expect(r.trials == ranks.count)
            #expect(r.identification[b].cmc == (try CMC(ranks: ranks, maxRank: 20)), "size \(size)")
        }
        #expect(anyMiss, "test data too easy: every trial at rank 1")
        #expect(r.identification.first!.cmc.rank1 >= r.identification.last!.cmc.rank1)

        // Verification against full lists.
        var genuine: [Float] = [], impostor: [Float] = []
        let used = ids.indices.filter { ids[$0] != 7 }
        for a in used {
            for b in used where b > a && ids[a] == ids[b] { genuine.append(dot(vectors[a], vectors[b])) }
            for d in subsets.indices(size: 700) { impostor.append(dot(vectors[a], distractorVectors[d])) }
        }
        #expect(r.genuinePairs == genuine.count && r.impostorPairs == impostor.count)
        let roc = try ROC(genuine: genuine, impostor: impostor)
        for v in r.verification {
            #expect(v.tar == roc.tar(atFAR: v.far), "FAR \(v.far)")
        }
        #expect(r.verification.last!.tar == nil)  // 1e-6 × (23 × 700) < 1

        // Open set against a brute-force search of the gallery {first image of each identity} ∪ subset.
        #expect(r.openSet.count == 4)
        for (b, size) in [10, 100, 333, 700].enumerated() {
            let subset = subsets.indices(size: size).map { distractorVectors[$0] }
            let enrolled = Dictionary(used.map { (ids[$0], $0) }, uniquingKeysWith: { min($0, $1) })
            var hits = 0, mated = 0, nonMated: [Float] = []
            for k in used {
                let others = enrolled.filter { $0.key != ids[k] }.map { vectors[$0.value] }
                let rival = (subset + others).map { dot(vectors[k], $0) }.max()!
                nonMated.append(rival)
                if enrolled[ids[k]] == k { continue }
                mated += 1
                if dot(vectors[k], vectors[enrolled[ids[k]]!]) >= rival { hits += 1 }
            }
            let o = r.openSet[b]
            #expect(o.mated.count == mated && o.nonMatedTopScores.count == used.count)
            #expect(o.rank1 == Double(hits) / Double(mated), "size \(size)")
            #expect(zip(o.nonMatedTopScores, nonMated).allSatisfy { abs($0! - $1) < 1e-5 })
        }
        #expect(r.openSet.first!.rank1 >= r.openSet.last!.rank1)
    }

    @Test func openSetByHand() throws {
        // Identity 0: rows 0 (enrolled, 0°) and 1 (20°); identity 1: rows 2 (enrolled, 90°) and 3 (80°).
        // Distractors at 30° (position decides the subset) and 180°.
        func at(_ deg: Double) -> [Float] { [Float(cos(deg * .pi / 180)), Float(sin(deg * .pi / 180))] }
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [at(0), at(20), at(90), at(80)]), identities: [0, 0, 1, 1])
        let distractors = try FeatureMatrix(vectors: [at(30), at(180)])
        let r = try MegaFaceProtocol.evaluate(probes: probes, distractors: distractors,
                                              configuration: MegaFaceConfiguration(sizes: [2], maxRank: 2, farTargets: [0.5]))
        let o = try #require(r.openSet.first)
        // Mated: row 1 (mate 20° away; the 30° distractor is 10° away → miss), row 3 (mate 10° away,
        // the 30° distractor 50° → hit).
        #expect(o.mated.count == 2 && o.rank1 == 0.5)
        #expect(o.mated.contains(MatedSearch(mateRank: 1, mateScore: Float(cos(10 * Double.pi / 180)))))
        // Non-mated (own identity left out): rows 0, 1 → best of the 30° distractor and 90°;
        // rows 2, 3 → best of the 30° distractor and 0°.
        let expected = [30.0, 10, 60, 50].map { Float(cos($0 * .pi / 180)) }
        #expect(zip(o.nonMatedTopScores, expected).allSatisfy { abs($0! - $1) < 1e-6 })
    }

    @Test func badInput() throws {
        let p = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [[1, 0], [0, 1]]), identities: [0, 1])
        let d = try FeatureMatrix(vectors: [[1, 0]])
        // No identity with two images.
        #expect(throws: EvaluationError.self) { _ = try MegaFaceProtocol.evaluate(probes: p, distractors: d) }
        let p2 = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [[1, 0], [0, 1]]), identities: [0, 0])
        #expect(throws: EvaluationError.self) {
            _ = try MegaFaceProtocol.evaluate(probes: p2, distractors: FeatureMatrix(vectors: [[1, 0, 0]]))
        }
        #expect(throws: EvaluationError.self) {
            _ = try MegaFaceProtocol.evaluate(probes: p2, distractors: d, configuration: MegaFaceConfiguration(farTargets: [2]))
        }
        #expect(throws: EvaluationError.self) { _ = try MegaFaceProbeSet(features: FeatureMatrix(vectors: [[1, 0]]), identities: [0, 1]) }
    }
}
