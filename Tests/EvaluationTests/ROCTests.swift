import Gallery
import Testing
@testable import Evaluation
import SeededRandom

@Suite struct ROCTests {
    // genuine 0.9 0.8 0.7 0.4 | impostor 0.6 0.5 0.3 0.2. By hand, accepting score ≥ t:
    // t     0.9  0.8  0.7  0.6  0.5  0.4  0.3  0.2
    // TAR   .25  .5   .75  .75  .75  1    1    1
    // FAR   0    0    0    .25  .5   .5   .75  1
    let roc = try! ROC(genuine: [0.7, 0.9, 0.4, 0.8], impostor: [0.3, 0.6, 0.2, 0.5])

    @Test func pointsByHand() {
        #expect(roc.points.count == 9)
        #expect(roc.points[0].tar == 0 && roc.points[0].far == 0 && roc.points[0].threshold > 0.9)
        let expected: [(Float, Double, Double)] = [(0.9, 0.25, 0), (0.8, 0.5, 0), (0.7, 0.75, 0), (0.6, 0.75, 0.25),
                                                   (0.5, 0.75, 0.5), (0.4, 1, 0.5), (0.3, 1, 0.75), (0.2, 1, 1)]
        for (p, e) in zip(roc.points.dropFirst(), expected) {
            #expect(p.threshold == e.0 && p.tar == e.1 && p.far == e.2)
        }
    }

    @Test func tarAtFARHighestTARWithFARAtMostTarget() {
        #expect(roc.operatingPoint(atFAR: 0.25).tar == 0.75)
        #expect(roc.operatingPoint(atFAR: 0.25).threshold == 0.6)
        #expect(roc.operatingPoint(atFAR: 0.5).tar == 1)
        #expect(roc.operatingPoint(atFAR: 0.5).threshold == 0.4)
        #expect(roc.operatingPoint(atFAR: 0.49).tar == 0.75)  // only 1 impostor allowed
        #expect(roc.operatingPoint(atFAR: 0).tar == 0.75)    // FAR 0 point: t = 0.7
        // 4 impostors cannot measure FAR 0.1: nil, not a made-up number.
        #expect(roc.tar(atFAR: 0.1) == nil)
        #expect(roc.tar(atFAR: 0.25) == 0.75)
        #expect(roc.isResolvable(far: 0.25) && !roc.isResolvable(far: 0.2))
    }

    @Test func eerAtAPointWhereFAREqualsFRR() {
        // At t = 0.6: FAR 0.25, FRR 0.25.
        #expect(roc.equalErrorRate.rate == 0.25)
        #expect(roc.equalErrorRate.threshold == 0.6)
    }

    @Test func eerInterpolatedOnAVerticalStep() throws {
        // genuine 0.9 0.6, impostor 0.7 0.5 0.4: (FAR, FRR) goes (0, .5) → (1/3, .5) → (1/3, 0);
        // the line FAR = FRR crosses the last step at 1/3.
        let r = try ROC(genuine: [0.9, 0.6], impostor: [0.7, 0.5, 0.4])
        #expect(approx(r.equalErrorRate.rate, 1.0 / 3, 1e-15))
        #expect(r.equalErrorRate.threshold == 0.6)
    }

    @Test func eerInterpolatedOnADiagonalStep() throws {
        // A tie at 0.5 moves (FAR, FRR) from (0, .5) to (.5, 0) at once: crossing at .25.
        let r = try ROC(genuine: [0.9, 0.5], impostor: [0.5, 0.1])
        #expect(approx(r.equalErrorRate.rate, 0.25))
    }

    @Test func tiesAreAcceptedTogether() throws {
        let r = try ROC(genuine: [0.5, 0.5], impostor: [0.5])
        #expect(r.points.count == 2)
        #expect(r.points[1].tar == 1 && r.points[1].far == 1)
    }

    @Test func missesLowerTheCeiling() throws {
        let r = try ROC(genuine: [0.9], impostor: [0.5], genuineMisses: 1, impostorMisses: 1)
        #expect(r.genuineCount == 2 && r.impostorCount == 2)
        #expect(r.points.last!.tar == 0.5 && r.points.last!.far == 0.5)
        #expect(r.operatingPoint(atFAR: 1).tar == 0.5)
    }

    @Test func millionImpostorsExactTail() throws {
        // Impostors i/1e6, i = 0..<1e6 (distinct in Float near 1: spacing 6e-8), shuffled.
        var impostor = (0..<1_000_000).map { Float($0) / 1_000_000 }
        var rng = SplitMix64(seed: 3)
        impostor.shuffle(using: &rng)
        // FAR 1e-3 allows 1000 impostors: scores ≥ 0.999; FAR 1e-4: ≥ 0.9999; FAR 1e-6: ≥ 0.999999.
        let r = try ROC(genuine: [0.9995503, 0.9999503, 0.5], impostor: impostor)
        #expect(r.tar(atFAR: 1e-3) == 2.0 / 3)
        #expect(r.operatingPoint(atFAR: 1e-3).impostorAccepted == 1000)
        #expect(r.tar(atFAR: 1e-4) == 1.0 / 3)
        #expect(r.tar(atFAR: 1e-6) == 0)
        #expect(r.tar(atFAR: 1e-7) == nil)
    }

    @Test func badInput() {
        #expect(throws: EvaluationError.empty(what: "genuine pairs")) { try ROC(genuine: [], impostor: [0.1]) }
        #expect(throws: EvaluationError.empty(what: "impostor pairs")) { try ROC(genuine: [0.1], impostor: []) }
        #expect(throws: EvaluationError.nonFiniteScore(what: "impostor", index: 1)) { try ROC(genuine: [0.1], impostor: [0.2, .nan]) }
    }

    @Test func sampledKeepsEndsAndIsOrdered() {
        let s = roc.sampled()
        #expect(s.first == roc.points.first && s.last == roc.points.last)
        #expect(zip(s, s.dropFirst()).allSatisfy { $0.far <= $1.far && $0.tar <= $1.tar })
    }
}
