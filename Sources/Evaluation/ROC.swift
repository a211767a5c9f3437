import Foundation

/// One point of a ROC curve: accepting every score `≥ threshold`.
public struct OperatingPoint: Sendable, Equatable, Codable {
    /// Accept a pair when its score is `≥ threshold` (cosine).
    public var threshold: Float
    /// Genuine pairs accepted.
    public var genuineAccepted: Int
    /// Impostor pairs accepted.
    public var impostorAccepted: Int
    /// False accept rate = impostors accepted / all impostors, in [0, 1].
    public var far: Double
    /// True accept rate = genuine accepted / all genuine, in [0, 1].
    public var tar: Double
    /// False reject rate = 1 − TAR.
    public var frr: Double { 1 - tar }

    public init(threshold: Float, genuineAccepted: Int, impostorAccepted: Int, far: Double, tar: Double) {
        self.threshold = threshold
        self.genuineAccepted = genuineAccepted
        self.impostorAccepted = impostorAccepted
        self.far = far
        self.tar = tar
    }

    enum CodingKeys: String, CodingKey {
        case threshold, far, tar
        case genuineAccepted = "genuine_accepted"
        case impostorAccepted = "impostor_accepted"
    }
}

/// The equal error rate: where FAR = FRR on the ROC.
public struct EqualErrorRate: Sendable, Equatable {
    /// The EER in [0, 1]. The ROC is a step curve of (FAR, FRR) points; the EER is where the
    /// straight segment between the last point with FAR < FRR and the first with FAR ≥ FRR
    /// crosses the line FAR = FRR (exactly a point's FAR when a point has FAR = FRR).
    public var rate: Double
    /// Threshold of the first ROC point (from strict to lax) where FAR ≥ FRR.
    public var threshold: Float
}

/// A ROC curve of verification scores: genuine (same identity) vs impostor (different)
/// pairs, a pair accepted when its score is `≥` the threshold (higher = more similar,
/// e.g. cosine).
///
/// Built in O(n log n) for n = genuine + impostor scores (two sorts, then one merge sweep),
/// so millions of impostor scores are fine. `points` has one point per distinct score (plus a
/// first point that accepts nothing), ordered from the strictest threshold (FAR = TAR = 0) to the
/// laxest (everything that can be accepted is); FAR and TAR never decrease along it.
public struct ROC: Sendable {
    /// The curve, strictest threshold first; `points[0]` accepts nothing.
    public let points: [OperatingPoint]
    /// All genuine comparisons, including `genuineMisses`.
    public let genuineCount: Int
    /// All impostor comparisons, including `impostorMisses`.
    public let impostorCount: Int

    /// - Parameters:
    ///   - genuine: scores of genuine pairs (any order).
    ///   - impostor: scores of impostor pairs (any order).
    ///   - genuineMisses: genuine comparisons that have no score and are never accepted (e.g. an
    ///     open-set mate not returned in the candidate list); they count in TAR's denominator.
    ///   - impostorMisses: impostor comparisons never accepted (e.g. a search of an empty gallery).
    /// - Throws: `EvaluationError.empty` without genuine or without impostor comparisons,
    ///   `nonFiniteScore` for NaN.
    public init(genuine: [Float], impostor: [Float], genuineMisses: Int = 0, impostorMisses: Int = 0) throws {
        guard genuineMisses >= 0, impostorMisses >= 0 else { throw EvaluationError.invalidArgument("miss counts must be ≥ 0") }
        let g = genuine.count + genuineMisses, n = impostor.count + impostorMisses
        guard g > 0 else { throw EvaluationError.empty(what: "genuine pairs") }
        guard n > 0 else { throw EvaluationError.empty(what: "impostor pairs") }
        if let i = genuine.firstIndex(where: { $0.isNaN }) { throw EvaluationError.nonFiniteScore(what: "genuine", index: i) }
        if let i = impostor.firstIndex(where: { $0.isNaN }) { throw EvaluationError.nonFiniteScore(what: "impostor", index: i) }
        let gs = genuine.sorted(by: >), ns = impostor.sorted(by: >)
        genuineCount = g
        impostorCount = n
        let top = Swift.max(gs.first ?? -.infinity, ns.first ?? -.infinity)
        var pts: [OperatingPoint] = []
        pts.reserveCapacity(gs.count + ns.count + 1)
        pts.append(OperatingPoint(threshold: top == -.infinity ? .infinity : top.nextUp,
                                  genuineAccepted: 0, impostorAccepted: 0, far: 0, tar: 0))
        var i = 0, j = 0
        while i < gs.count || j < ns.count {
            let t = Swift.max(i < gs.count ? gs[i] : -.infinity, j < ns.count ? ns[j] : -.infinity)
            while i < gs.count && gs[i] >= t { i += 1 }
            while j < ns.count && ns[j] >= t { j += 1 }
            pts.append(OperatingPoint(threshold: t, genuineAccepted: i, impostorAccepted: j,
                                      far: Double(j) / Double(n), tar: Double(i) / Double(g)))
        }
        points = pts
    }

    /// Largest number of impostors that may be accepted at FAR ≤ `far`: ⌊far · impostorCount⌋
    /// (with a 1e-9 allowance for the decimal representation of `far`).
    public func maxImpostors(atFAR far: Double) -> Int {
        Int((far * Double(impostorCount) + 1e-9).rounded(.down))
    }

    /// Whether FAR = `far` can be told from FAR = 0 with this many impostors: `far · impostorCount ≥ 1`.
    public func isResolvable(far: Double) -> Bool { maxImpostors(atFAR: far) >= 1 }

    /// The operating point with the highest TAR whose FAR ≤ `far` (no interpolation); among
    /// equal TARs the laxest such threshold. `far` ≥ 0.
    public func operatingPoint(atFAR far: Double) -> OperatingPoint {
        let limit = maxImpostors(atFAR: far)
        // Last point with impostorAccepted ≤ limit (impostorAccepted is non-decreasing).
        var lo = 0, hi = points.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if points[mid].impostorAccepted <= limit { lo = mid } else { hi = mid - 1 }
        }
        return points[lo]
    }

    /// TAR at FAR ≤ `far` (see `operatingPoint(atFAR:)`), or nil when `far` is not resolvable
    /// with this many impostor pairs (`far · impostorCount < 1`: the only FAR ≤ target is 0).
    public func tar(atFAR far: Double) -> Double? {
        isResolvable(far: far) ? operatingPoint(atFAR: far).tar : nil
    }

    /// The equal error rate (see `EqualErrorRate`).
    public var equalErrorRate: EqualErrorRate {
        // FAR − FRR goes from −1 (nothing accepted) up to ≥ 0 at the laxest point when all genuine
        // can be accepted; with genuine misses it may stay negative, then the last point is used.
        let k = points.firstIndex(where: { $0.far >= $0.frr }) ?? points.count - 1
        let p = points[k]
        if p.far == p.frr || k == 0 || p.far < p.frr { return EqualErrorRate(rate: (p.far + p.frr) / 2, threshold: p.threshold) }
        let q = points[k - 1]
        // Segment q → p: FAR(s) = q.far + s·(p.far − q.far), FRR(s) = q.frr + s·(p.frr − q.frr).
        let s = (q.frr - q.far) / ((p.far - q.far) - (p.frr - q.frr))
        return EqualErrorRate(rate: q.far + s * (p.far - q.far), threshold: p.threshold)
    }

    /// A shorter curve for plotting: for each FAR in `farGrid` the point `operatingPoint(atFAR:)`,
    /// plus the first and last points; duplicates removed, strictest first.
    /// Default grid: 10^-8 … 1 with 10 points per decade.
    public func sampled(farGrid: [Double]? = nil) -> [OperatingPoint] {
        let grid = farGrid ?? (0...80).map { pow(10, Double($0) / 10 - 8) }
        var picked = Set<Int>([0, points.count - 1])
        for far in grid {
            let limit = maxImpostors(atFAR: far)
            var lo = 0, hi = points.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if points[mid].impostorAccepted <= limit { lo = mid } else { hi = mid - 1 }
            }
            picked.insert(lo)
        }
        return picked.sorted().map { points[$0] }
    }
}

