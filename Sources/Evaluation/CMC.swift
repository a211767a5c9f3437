import Gallery

/// A cumulative match characteristic curve for closed-set identification: the fraction of
/// probes whose true identity is at rank ≤ r, for r = 1…maxRank.
public struct CMC: Sendable, Equatable {
    /// `rates[r − 1]` = identification rate at rank r, in [0, 1], non-decreasing.
    public let rates: [Double]
    /// Probes counted (the denominator).
    public let probeCount: Int

    /// Rank-1 identification rate (`rates[0]`).
    public var rank1: Double { rates[0] }
    /// The largest rank on the curve.
    public var maxRank: Int { rates.count }

    /// Identification rate at rank `r` (1-based; ranks past `maxRank` give the last value).
    public func rate(atRank r: Int) -> Double { rates[Swift.min(Swift.max(r, 1), rates.count) - 1] }

    /// - Parameters:
    ///   - ranks: 1-based rank of each probe's true identity; nil (or a rank > `maxRank`) when it
    ///     was not found in the candidates looked at — it counts as a miss at every rank.
    ///   - maxRank: last rank of the curve (≥ 1).
    /// - Throws: `empty` for no probes, `invalidArgument` for `maxRank < 1` or a rank < 1.
    public init(ranks: [Int?], maxRank: Int) throws {
        guard maxRank >= 1 else { throw EvaluationError.invalidArgument("maxRank must be ≥ 1, got \(maxRank)") }
        guard !ranks.isEmpty else { throw EvaluationError.empty(what: "probes") }
        var histogram = [Int](repeating: 0, count: maxRank + 1)
        for (i, r) in ranks.enumerated() {
            guard let r else { continue }
            guard r >= 1 else { throw EvaluationError.invalidArgument("rank of probe \(i) is \(r); ranks are 1-based") }
            if r <= maxRank { histogram[r] += 1 }
        }
        try self.init(rankHistogram: histogram, probeCount: ranks.count)
    }

    /// From counts: `rankHistogram[r]` = probes whose true identity is at rank r, r = 1…maxRank
    /// (index 0 is ignored); probes not counted there are misses.
    public init(rankHistogram: [Int], probeCount: Int) throws {
        guard rankHistogram.count >= 2 else { throw EvaluationError.invalidArgument("a CMC needs ranks 1… (histogram of length ≥ 2)") }
        guard probeCount > 0 else { throw EvaluationError.empty(what: "probes") }
        var cumulative = 0
        var rates: [Double] = []
        rates.reserveCapacity(rankHistogram.count - 1)
        for r in 1..<rankHistogram.count {
            cumulative += rankHistogram[r]
            rates.append(Double(cumulative) / Double(probeCount))
        }
        self.rates = rates
        self.probeCount = probeCount
    }

    /// From gallery searches (probe × gallery, closed set: every probe's identity is enrolled).
    /// The rank of a probe is the 1-based position of its true identity in `candidates`
    /// (the Gallery's order, best first); a probe whose identity is not among the candidates is a
    /// miss. Search with `k ≥ maxRank`, or ranks past `k` all read as misses.
    /// - Parameters:
    ///   - results: one search result per probe.
    ///   - trueIdentities: each probe's identity key, parallel to `results`.
    public init(results: [SearchResult], trueIdentities: [String], maxRank: Int) throws {
        guard results.count == trueIdentities.count else {
            throw EvaluationError.lengthMismatch(what: "true identities", expected: results.count, actual: trueIdentities.count)
        }
        try self.init(ranks: zip(results, trueIdentities).map { CMC.rank(of: $1, in: $0) }, maxRank: maxRank)
    }

    /// 1-based position of `identity` among `result.candidates`, or nil.
    public static func rank(of identity: String, in result: SearchResult) -> Int? {
        result.candidates.firstIndex { $0.identity == identity }.map { $0 + 1 }
    }

    /// Ranks from a dense probe × gallery score matrix (closed set), per-identity score = best
    /// template (max), as the Gallery does. The rank of a probe is 1 + the number of other
    /// identities whose score is strictly higher than its true identity's (ties go to the probe).
    /// - Parameters:
    ///   - scores: `probeLabels.count × galleryLabels.count` row-major.
    ///   - probeLabels: identity of each probe (any integer ids).
    ///   - galleryLabels: identity of each gallery template.
    /// - Returns: each probe's rank, nil when its identity has no gallery template.
    public static func ranks(scores: [Float], probeLabels: [Int], galleryLabels: [Int]) throws -> [Int?] {
        let g = galleryLabels.count
        guard scores.count == probeLabels.count * g else {
            throw EvaluationError.lengthMismatch(what: "score matrix (probes × gallery)", expected: probeLabels.count * g, actual: scores.count)
        }
        let ids = Array(Set(galleryLabels)).sorted()
        var column = [Int: Int]()
        for (i, id) in ids.enumerated() { column[id] = i }
        let templateColumn = galleryLabels.map { column[$0]! }
        var best = [Float](repeating: -.infinity, count: ids.count)
        var out: [Int?] = []
        out.reserveCapacity(probeLabels.count)
        for (p, label) in probeLabels.enumerated() {
            for i in best.indices { best[i] = -.infinity }
            for j in 0..<g {
                let s = scores[p * g + j]
                if s > best[templateColumn[j]] { best[templateColumn[j]] = s }
            }
            guard let c = column[label] else { out.append(nil); continue }
            let genuine = best[c]
            var rank = 1
            for (i, s) in best.enumerated() where i != c && s > genuine { rank += 1 }
            out.append(rank)
        }
        return out
    }
}
