import Testing
@testable import Evaluation

@Suite struct CrossValidationTests {
    @Test func twoFoldsByHand() throws {
        // Fold 0: G 0.8, I 0.3, G 0.45.  Fold 1: G 0.9, I 0.4, I 0.6.
        // Test fold 0, train on fold 1: best t = 0.9 (3/3) → fold 0 gets 1/3 (0.8, 0.45 rejected).
        // Test fold 1, train on fold 0: best t = 0.45 (3/3) → fold 1 gets 2/3 (0.6 accepted).
        let r = try CrossValidation.evaluate(scores: [0.8, 0.3, 0.45, 0.9, 0.4, 0.6],
                                             labels: [true, false, true, true, false, false],
                                             folds: [0, 0, 0, 1, 1, 1], foldCount: 2)
        #expect(r.foldThresholds == [0.9, 0.45])
        #expect(approx(r.foldAccuracies[0], 1.0 / 3) && approx(r.foldAccuracies[1], 2.0 / 3))
        #expect(approx(r.mean, 0.5))
        // Sample std: sqrt(((1/3 − 1/2)² + (2/3 − 1/2)²) / 1) = sqrt(1/18); SE = std/√2 = 1/6.
        #expect(approx(r.std, (1.0 / 18).squareRoot()))
        #expect(approx(r.standardError, 1.0 / 6))
    }

    @Test func tenFoldsOneNoisyFold() throws {
        // Each fold: G 0.7, I 0.3; fold 9 also G 0.2. Every training set's best threshold is 0.7
        // (all but the 0.2 pair right); folds 0–8 score 1, fold 9 scores 2/3.
        var scores: [Float] = [], labels: [Bool] = [], folds: [Int] = []
        for k in 0..<10 {
            scores += [0.7, 0.3]; labels += [true, false]; folds += [k, k]
        }
        scores.append(0.2); labels.append(true); folds.append(9)
        let r = try CrossValidation.evaluate(scores: scores, labels: labels, folds: folds, foldCount: 10)
        #expect(r.foldThresholds.allSatisfy { $0 == 0.7 })
        #expect(r.foldAccuracies.prefix(9).allSatisfy { $0 == 1 })
        #expect(approx(r.foldAccuracies[9], 2.0 / 3))
        #expect(approx(r.mean, 0.9 + 0.2 / 3, 1e-12))
        // Deviations: nine of +1/30 and one of −0.3: Σ² = 0.01 + 0.09 = 0.1, /9 → std = sqrt(1/90).
        #expect(approx(r.std, (1.0 / 90).squareRoot(), 1e-12))
    }

    @Test func bestThresholdTiesTakeTheMedian() throws {
        // G .9, I .7, G .6, I .1: accuracy 3/4 at t = .9 and t = .6 → higher middle = .9.
        let two = try CrossValidation.bestThreshold(scores: [0.9, 0.7, 0.6, 0.1], labels: [true, false, true, false])
        #expect(two.threshold == 0.9 && two.accuracy == 0.75)
        // G .9 I .8 G .7 I .6 G .5 I .1: 4/6 at .9, .7, .5 → .7.
        let three = try CrossValidation.bestThreshold(scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.1],
                                                      labels: [true, false, true, false, true, false])
        #expect(three.threshold == 0.7 && approx(three.accuracy, 4.0 / 6))
    }

    @Test func acceptNothingIsACandidate() throws {
        let r = try CrossValidation.bestThreshold(scores: [0.5, 0.4], labels: [false, false])
        #expect(r.threshold > 0.5 && r.accuracy == 1)
    }

    @Test func badInput() {
        #expect(throws: EvaluationError.self) {
            try CrossValidation.evaluate(scores: [0.1, 0.2], labels: [true], folds: [0, 1], foldCount: 2)
        }
        #expect(throws: EvaluationError.empty(what: "pairs in fold 1")) {
            try CrossValidation.evaluate(scores: [0.1, 0.2], labels: [true, false], folds: [0, 0], foldCount: 2)
        }
        #expect(throws: EvaluationError.self) {
            try CrossValidation.evaluate(scores: [0.1, 0.2], labels: [true, false], folds: [0, 2], foldCount: 2)
        }
    }
}
