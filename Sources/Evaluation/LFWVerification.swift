/// The LFW verification protocol on scored pairs: 10-fold cross-validated accuracy plus the
/// pooled ROC (TAR@FAR, EER) over all pairs.
public struct LFWVerification: Sendable {
    /// FAR targets reported by default: 1e-2, 1e-3, 1e-4.
    public static let defaultFARTargets: [Double] = [1e-2, 1e-3, 1e-4]

    /// Cross-validated accuracy (folds from the pairs file).
    public let crossValidation: CrossValidationResult
    /// ROC of all pairs pooled (matched = genuine, mismatched = impostor).
    public let roc: ROC
    /// FAR targets of `report`.
    public let farTargets: [Double]

    /// - Parameters:
    ///   - pairs: the parsed pairs file (labels and folds).
    ///   - scores: one score per pair in `pairs.pairs` order (cosine of the two embeddings,
    ///     e.g. from `LFWPairs.scores(embedding:)`).
    ///   - farTargets: FARs for the TAR@FAR table, each in (0, 1].
    /// - Throws: `lengthMismatch`, `nonFiniteScore`, `empty`, `invalidArgument`.
    public init(pairs: LFWPairs, scores: [Float], farTargets: [Double] = LFWVerification.defaultFARTargets) throws {
        guard scores.count == pairs.pairs.count else {
            throw EvaluationError.lengthMismatch(what: "pair scores", expected: pairs.pairs.count, actual: scores.count)
        }
        for f in farTargets where !(f > 0 && f <= 1) { throw EvaluationError.invalidArgument("FAR targets must lie in (0, 1], got \(f)") }
        let labels = pairs.labels
        crossValidation = try CrossValidation.evaluate(scores: scores, labels: labels, folds: pairs.folds, foldCount: pairs.foldCount)
        var genuine: [Float] = [], impostor: [Float] = []
        for (s, l) in zip(scores, labels) { if l { genuine.append(s) } else { impostor.append(s) } }
        roc = try ROC(genuine: genuine, impostor: impostor)
        self.farTargets = farTargets
    }

    /// The JSON-ready summary.
    public var report: LFWReport {
        let eer = roc.equalErrorRate
        var tar: [String: Double?] = [:]
        for f in farTargets { tar[ReportFormat.key(f)] = .some(roc.tar(atFAR: f)) }
        return LFWReport(
            accuracy: .init(mean: crossValidation.mean, std: crossValidation.std, standardError: crossValidation.standardError,
                            folds: crossValidation.foldAccuracies, thresholds: crossValidation.foldThresholds),
            tarAtFAR: tar, eer: eer.rate, eerThreshold: eer.threshold,
            pairs: roc.genuineCount + roc.impostorCount, genuinePairs: roc.genuineCount, impostorPairs: roc.impostorCount)
    }
}
