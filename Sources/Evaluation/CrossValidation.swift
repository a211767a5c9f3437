/// The result of k-fold cross-validated verification accuracy.
public struct CrossValidationResult: Sendable, Equatable {
    /// Test accuracy of each fold in [0, 1], fold order.
    public var foldAccuracies: [Double]
    /// Threshold chosen for each fold on the other folds (accept `score ≥ threshold`).
    public var foldThresholds: [Float]
    /// Mean of `foldAccuracies`.
    public var mean: Double
    /// **Sample** standard deviation of `foldAccuracies` (divisor k − 1), as LFW results are
    /// usually reported ("mean ± std" over the 10 folds); 0 for one fold.
    public var std: Double
    /// Standard error of the mean, `std / √k` (what the LFW README calls S_E).
    public var standardError: Double
}

/// k-fold cross-validated verification accuracy (the LFW View 2 protocol).
///
/// For each fold k: choose the threshold with the best accuracy on the pairs of all other folds,
/// then measure the accuracy of fold k at that threshold. A pair is predicted "same" when its
/// score is `≥ threshold`.
public enum CrossValidation {
    /// The best-accuracy threshold over a set of scored pairs.
    ///
    /// Candidates are every distinct score (accept all scores ≥ it) and one just above the
    /// highest score (accept none). When several candidates reach the best accuracy the median one
    /// of them (in score order; the higher of the two middle ones for an even count) is
    /// taken, which keeps the threshold away from the edges of a flat optimum.
    /// - Parameters:
    ///   - scores: one score per pair.
    ///   - labels: true for genuine (matched) pairs, parallel to `scores`.
    /// - Returns: the threshold and its accuracy (correct / count) on these pairs.
    /// - Throws: `lengthMismatch`, `empty`, `nonFiniteScore`.
    public static func bestThreshold(scores: [Float], labels: [Bool]) throws -> (threshold: Float, accuracy: Double) {
        try validate(scores: scores, labels: labels)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        return bestThreshold(sorted: order, scores: scores, labels: labels, excludingFold: nil, folds: [])
    }

    /// k-fold cross-validated accuracy.
    /// - Parameters:
    ///   - scores: one score per pair (e.g. cosine of the two embeddings).
    ///   - labels: true for matched pairs, parallel to `scores`.
    ///   - folds: fold of each pair in `0..<foldCount`, parallel to `scores`
    ///     (`LFWPairs.folds`).
    ///   - foldCount: number of folds (≥ 2); every fold must have at least one pair.
    /// - Throws: `lengthMismatch`, `empty`, `nonFiniteScore`, `invalidArgument`.
    /// - Complexity: one O(n log n) sort, then O(n) per fold.
    public static func evaluate(scores: [Float], labels: [Bool], folds: [Int], foldCount: Int) throws -> CrossValidationResult {
        try validate(scores: scores, labels: labels)
        guard folds.count == scores.count else { throw EvaluationError.lengthMismatch(what: "fold assignments", expected: scores.count, actual: folds.count) }
        guard foldCount >= 2 else { throw EvaluationError.invalidArgument("cross-validation needs at least 2 folds, got \(foldCount)") }
        var sizes = [Int](repeating: 0, count: foldCount)
        for (i, f) in folds.enumerated() {
            guard (0..<foldCount).contains(f) else {
                throw EvaluationError.invalidArgument("pair \(i) is in fold \(f), outside 0..<\(foldCount)")
            }
            sizes[f] += 1
        }
        if let empty = sizes.firstIndex(of: 0) { throw EvaluationError.empty(what: "pairs in fold \(empty)") }

        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var accuracies: [Double] = [], thresholds: [Float] = []
        for k in 0..<foldCount {
            let (t, _) = bestThreshold(sorted: order, scores: scores, labels: labels, excludingFold: k, folds: folds)
            var correct = 0
            for i in scores.indices where folds[i] == k && (scores[i] >= t) == labels[i] { correct += 1 }
            accuracies.append(Double(correct) / Double(sizes[k]))
            thresholds.append(t)
        }
        let mean = accuracies.reduce(0, +) / Double(foldCount)
        let variance = accuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(foldCount - 1)
        let std = variance.squareRoot()
        return CrossValidationResult(foldAccuracies: accuracies, foldThresholds: thresholds, mean: mean, std: std,
                                     standardError: std / Double(foldCount).squareRoot())
    }

    private static func validate(scores: [Float], labels: [Bool]) throws {
        guard labels.count == scores.count else { throw EvaluationError.lengthMismatch(what: "labels", expected: scores.count, actual: labels.count) }
        guard !scores.isEmpty else { throw EvaluationError.empty(what: "scored pairs") }
        if let i = scores.firstIndex(where: { $0.isNaN }) { throw EvaluationError.nonFiniteScore(what: "pair", index: i) }
    }

    /// Sweep over `sorted` (indices by descending score), skipping pairs of `excludingFold`.
    private static func bestThreshold(sorted order: [Int], scores: [Float], labels: [Bool],
                                      excludingFold: Int?, folds: [Int]) -> (threshold: Float, accuracy: Double) {
        var total = 0, impostors = 0
        for i in order where excludingFold == nil || folds[i] != excludingFold! {
            total += 1
            if !labels[i] { impostors += 1 }
        }
        guard total > 0 else { return (0, 0) }
        // Candidate 0: accept nothing — every impostor is right.
        var firstScore: Float?
        for i in order where excludingFold == nil || folds[i] != excludingFold! { firstScore = scores[i]; break }
        var best = impostors
        var tied: [Float] = [firstScore!.nextUp]
        var genuineAccepted = 0, impostorAccepted = 0
        var p = 0
        while p < order.count {
            let t = scores[order[p]]
            var isCandidate = false  // some training pair has this score
            while p < order.count && scores[order[p]] == t {
                let i = order[p]
                p += 1
                if let k = excludingFold, folds[i] == k { continue }
                isCandidate = true
                if labels[i] { genuineAccepted += 1 } else { impostorAccepted += 1 }
            }
            guard isCandidate else { continue }
            let correct = genuineAccepted + (impostors - impostorAccepted)
            if correct > best {
                best = correct
                tied = [t]
            } else if correct == best, tied.last != t {
                tied.append(t)
            }
        }
        // `tied` is in descending threshold order; median, the higher middle for even counts.
        return (tied[(tied.count - 1) / 2], Double(best) / Double(total))
    }
}
