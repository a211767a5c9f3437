import Gallery

/// One mated search (the probe's identity is enrolled): where its mate came back.
public struct MatedSearch: Sendable, Equatable {
    /// 1-based rank of the mate among the returned candidates, nil when not returned.
    public var mateRank: Int?
    /// The mate's score (cosine), nil when not returned.
    public var mateScore: Float?

    public init(mateRank: Int?, mateScore: Float?) {
        self.mateRank = mateRank
        self.mateScore = mateScore
    }

    /// From a gallery search result and the probe's true identity key (threshold ignored: the
    /// candidates are listed even when the decision is *unknown*).
    public init(result: SearchResult, trueIdentity: String) {
        if let i = result.candidates.firstIndex(where: { $0.identity == trueIdentity }) {
            self.init(mateRank: i + 1, mateScore: result.candidates[i].cosine)
        } else {
            self.init(mateRank: nil, mateScore: nil)
        }
    }
}

/// One operating point of open-set identification.
public struct OpenSetOperatingPoint: Sendable, Equatable {
    /// The FPIR asked for.
    public var targetFPIR: Double
    /// Threshold: candidates are returned when their score is `≥ threshold`.
    public var threshold: Float
    /// FPIR actually reached on the non-mated searches (≤ target).
    public var fpir: Double
    /// False negative identification rate at rank ≤ `rank` (see `OpenSetMetrics`).
    public var fnir: Double
    /// Detection and identification rate = 1 − FNIR.
    public var dir: Double { 1 - fnir }
    /// Whether the non-mated count can resolve the target (non-mated × FPIR ≥ 1); when false the
    /// threshold is simply above every non-mated score (FPIR 0).
    public var resolvable: Bool
}

/// Open-set (1:N) identification metrics in the terms of NIST FRVT 1:N and ISO/IEC 19795-1.
///
/// - Mated searches: the probe's identity is enrolled. A mated search is a *miss* at threshold T
///   and rank R when its mate is not returned at rank ≤ R with score ≥ T.
///   FNIR(T, R) = misses / mated searches; DIR(T, R) = 1 − FNIR(T, R).
/// - Non-mated searches: the probe's identity is not enrolled. A *false positive* at T is a
///   non-mated search whose top candidate has score ≥ T. FPIR(T) = false positives / non-mated
///   searches.
/// - The threshold for a target FPIR is the smallest one whose FPIR is ≤ the target
///   (`calibrateThreshold`); FNIR and DIR are then read at that threshold (no interpolation).
public struct OpenSetMetrics: Sendable {
    public let mated: [MatedSearch]
    /// Top-1 score of each non-mated search; nil when it returned no candidate (empty gallery).
    public let nonMatedTopScores: [Float?]
    /// Rank R at which mates count as found (1 for FNIR at rank 1).
    public let rank: Int

    /// - Throws: `empty` without mated or non-mated searches, `invalidArgument` for `rank < 1`,
    ///   `nonFiniteScore` for NaN scores.
    public init(mated: [MatedSearch], nonMatedTopScores: [Float?], rank: Int = 1) throws {
        guard !mated.isEmpty else { throw EvaluationError.empty(what: "mated searches (probes whose identity is enrolled)") }
        guard !nonMatedTopScores.isEmpty else { throw EvaluationError.empty(what: "non-mated searches (probes whose identity is not enrolled)") }
        guard rank >= 1 else { throw EvaluationError.invalidArgument("rank must be ≥ 1, got \(rank)") }
        if let i = mated.firstIndex(where: { $0.mateScore?.isNaN == true }) { throw EvaluationError.nonFiniteScore(what: "mated", index: i) }
        if let i = nonMatedTopScores.firstIndex(where: { $0?.isNaN == true }) { throw EvaluationError.nonFiniteScore(what: "non-mated", index: i) }
        self.mated = mated
        self.nonMatedTopScores = nonMatedTopScores
        self.rank = rank
    }

    /// From gallery search results: mated results with their true identity keys, and the
    /// results of non-mated searches.
    public init(matedResults: [SearchResult], trueIdentities: [String], nonMatedResults: [SearchResult], rank: Int = 1) throws {
        guard matedResults.count == trueIdentities.count else {
            throw EvaluationError.lengthMismatch(what: "true identities of the mated searches", expected: matedResults.count, actual: trueIdentities.count)
        }
        try self.init(mated: zip(matedResults, trueIdentities).map { MatedSearch(result: $0, trueIdentity: $1) },
                      nonMatedTopScores: nonMatedResults.map { $0.candidates.first?.cosine }, rank: rank)
    }

    /// Rank-1 identification rate of the mated searches, no threshold.
    public var rank1: Double { Double(mated.filter { $0.mateRank == 1 }.count) / Double(mated.count) }

    /// Scores of mates returned at rank ≤ `rank`, descending (the searches that can be hits).
    private var hitScores: [Float] {
        mated.compactMap { m in m.mateRank.flatMap { $0 <= rank ? m.mateScore : nil } }.sorted(by: >)
    }

    /// FNIR at threshold `t`: mated searches whose mate is not at rank ≤ `rank` with score ≥ t.
    public func fnir(threshold t: Float) -> Double {
        let hits = hitScores.reduce(0) { $0 + ($1 >= t ? 1 : 0) }
        return 1 - Double(hits) / Double(mated.count)
    }

    /// FPIR at threshold `t`: non-mated searches whose top score is ≥ t.
    public func fpir(threshold t: Float) -> Double {
        Double(nonMatedTopScores.reduce(0) { $0 + (($1 ?? -.infinity) >= t ? 1 : 0) }) / Double(nonMatedTopScores.count)
    }

    /// The operating point at a target FPIR (threshold from `calibrateThreshold`).
    public func operatingPoint(fpir target: Double) throws -> OpenSetOperatingPoint {
        let scores = nonMatedTopScores.compactMap { $0 }
        let t: Float
        if scores.isEmpty {
            t = -.greatestFiniteMagnitude  // no non-mated search returns anything: no false positive possible
        } else {
            t = try OpenSetMetrics.calibrateThreshold(nonMatedTopScores: scores, fpir: target,
                                                      searches: nonMatedTopScores.count)
        }
        let resolvable = Int((target * Double(nonMatedTopScores.count) + 1e-9).rounded(.down)) >= 1
        return OpenSetOperatingPoint(targetFPIR: target, threshold: t, fpir: fpir(threshold: t), fnir: fnir(threshold: t),
                                     resolvable: resolvable)
    }

    /// The FNIR-vs-FPIR trade-off (a DET curve): one point per distinct score, strictest
    /// threshold first, as a ROC with TAR = DIR and FAR = FPIR (FNIR = 1 − `tar`).
    public func tradeoff() throws -> ROC {
        let hits = hitScores
        let nonMated = nonMatedTopScores.compactMap { $0 }
        return try ROC(genuine: hits, impostor: nonMated, genuineMisses: mated.count - hits.count,
                       impostorMisses: nonMatedTopScores.count - nonMated.count)
    }

    /// The threshold that gives FPIR ≤ `fpir` with as many hits as possible.
    ///
    /// With the non-mated top-1 scores sorted descending s₁ ≥ s₂ ≥ … ≥ s_N and m = ⌊fpir · N⌋,
    /// at most m of them may reach the threshold; the smallest such threshold is the next Float
    /// above s_{m+1} (candidates are returned at score ≥ threshold, as the Gallery does). So
    /// non-mated top-1 scores exceed the threshold at rate ≤ fpir. When m ≥ N every score may
    /// pass and the lowest score is returned. O(N log N).
    /// - Parameters:
    ///   - nonMatedTopScores: top-1 score of each non-mated search (cosine).
    ///   - fpir: target false positive identification rate in [0, 1].
    ///   - searches: the number N of non-mated searches when some returned no candidate (they can
    ///     never be false positives); defaults to `nonMatedTopScores.count`.
    /// - Throws: `empty` for no scores, `invalidArgument` for fpir outside [0, 1],
    ///   `nonFiniteScore` for NaN.
    public static func calibrateThreshold(nonMatedTopScores: [Float], fpir: Double, searches: Int? = nil) throws -> Float {
        guard !nonMatedTopScores.isEmpty else {
            throw EvaluationError.empty(what: "non-mated top-1 scores (search the gallery with probes of people not enrolled)")
        }
        guard fpir >= 0, fpir <= 1 else { throw EvaluationError.invalidArgument("FPIR must lie in [0, 1], got \(fpir)") }
        if let i = nonMatedTopScores.firstIndex(where: { $0.isNaN }) { throw EvaluationError.nonFiniteScore(what: "non-mated", index: i) }
        let n = Swift.max(searches ?? nonMatedTopScores.count, nonMatedTopScores.count)
        let m = Int((fpir * Double(n) + 1e-9).rounded(.down))
        let sorted = nonMatedTopScores.sorted(by: >)
        if m >= sorted.count { return sorted.last! }
        return sorted[m].nextUp
    }
}
