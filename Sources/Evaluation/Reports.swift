import Foundation

/// Formatting shared by the reports.
public enum ReportFormat {
    /// A rate as a JSON key: the shortest plain decimal that reads back as `value`
    /// (1e-3 → `"0.001"`, 1e-6 → `"0.000001"`, 0.1 → `"0.1"`), never exponent notation.
    public static func key(_ value: Double) -> String {
        for digits in 1...20 {
            let s = String(format: "%.\(digits)f", value)
            if Double(s) == value {
                return s
            }
        }
        return "\(value)"
    }

    /// A JSON encoder with sorted keys and pretty printing (reports are read by people too).
    public static func jsonEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}

/// LFW verification report. JSON:
/// ```
/// {"accuracy": {"mean": 0.99, "std": 0.003, "standard_error": 0.001,
///               "folds": [10 accuracies], "thresholds": [10 cosines]},
///  "tar_at_far": {"0.01": 0.99, "0.001": 0.98, "0.0001": null},
///  "eer": 0.01, "eer_threshold": 0.3,
///  "pairs": 6000, "genuine_pairs": 3000, "impostor_pairs": 3000}
/// ```
/// `std` is the sample standard deviation over the folds (divisor k − 1); `standard_error` is
/// std / √k. A `tar_at_far` value is null when there are too few impostor pairs to measure that
/// FAR (impostor pairs × FAR < 1).
public struct LFWReport: Codable, Sendable, Equatable {
    public struct Accuracy: Codable, Sendable, Equatable {
        public var mean: Double
        public var std: Double
        public var standardError: Double
        public var folds: [Double]
        public var thresholds: [Float]

        enum CodingKeys: String, CodingKey {
            case mean, std, folds, thresholds
            case standardError = "standard_error"
        }
    }

    public var accuracy: Accuracy
    /// FAR (as `ReportFormat.key`) → TAR, or null.
    public var tarAtFAR: [String: Double?]
    public var eer: Double
    public var eerThreshold: Float
    public var pairs: Int
    public var genuinePairs: Int
    public var impostorPairs: Int

    enum CodingKeys: String, CodingKey {
        case accuracy, eer, pairs
        case tarAtFAR = "tar_at_far"
        case eerThreshold = "eer_threshold"
        case genuinePairs = "genuine_pairs"
        case impostorPairs = "impostor_pairs"
    }
}

/// MegaFace-style report. JSON:
/// ```
/// {"seed": 0, "probe_images": 3530, "identities": 80, "identities_skipped": 0, "trials": 155000,
///  "identification": [{"distractors": 10, "rank1": 0.99, "cmc": [rank 1…R rates]}, …],
///  "verification": {"genuine_pairs": 77500, "impostor_pairs": 3530000000,
///                   "tar_at_far": {"0.000001": 0.9, …}, "threshold_at_far": {"0.000001": 0.5, …}},
///  "open_set": [{"distractors": 10, <the `OpenSetReport` fields>}, …]}
/// ```
/// Null TAR/threshold: too few impostor pairs for that FAR. `open_set` has one entry per
/// distractor size (see `MegaFaceProtocol`, *Open set*).
public struct MegaFaceReport: Codable, Sendable, Equatable {
    public struct Identification: Codable, Sendable, Equatable {
        public var distractors: Int
        public var rank1: Double
        public var cmc: [Double]
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var genuinePairs: Int
        public var impostorPairs: Int
        public var tarAtFAR: [String: Double?]
        public var thresholdAtFAR: [String: Float?]

        enum CodingKeys: String, CodingKey {
            case genuinePairs = "genuine_pairs"
            case impostorPairs = "impostor_pairs"
            case tarAtFAR = "tar_at_far"
            case thresholdAtFAR = "threshold_at_far"
        }
    }

    public var seed: UInt64
    public var probeImages: Int
    public var identities: Int
    public var identitiesSkipped: Int
    public var trials: Int
    public var identification: [Identification]
    public var verification: Verification
    public var openSet: [OpenSetAtSize]

    /// Open-set metrics of the gallery with `distractors` distractors; encoded flat, as
    /// `{"distractors": N, "mated_searches": …, "fnir_at_fpir": …, …}`.
    public struct OpenSetAtSize: Codable, Sendable, Equatable {
        public var distractors: Int
        public var report: OpenSetReport

        enum CodingKeys: String, CodingKey { case distractors }

        public init(distractors: Int, report: OpenSetReport) {
            self.distractors = distractors
            self.report = report
        }

        public init(from decoder: Decoder) throws {
            distractors = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .distractors)
            report = try OpenSetReport(from: decoder)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(distractors, forKey: .distractors)
            try report.encode(to: encoder)
        }
    }

    enum CodingKeys: String, CodingKey {
        case seed, identities, trials, identification, verification
        case probeImages = "probe_images"
        case identitiesSkipped = "identities_skipped"
        case openSet = "open_set"
    }

    /// - Throws: `invalidArgument` for FPIR targets outside [0, 1].
    public init(_ r: MegaFaceResult, fpirTargets: [Double] = OpenSetReport.defaultFPIRTargets) throws {
        seed = r.seed
        probeImages = r.probeImages
        identities = r.identitiesUsed
        identitiesSkipped = r.identitiesSkipped
        trials = r.trials
        identification = r.identification.map { Identification(distractors: $0.distractors, rank1: $0.cmc.rank1, cmc: $0.cmc.rates) }
        var tar: [String: Double?] = [:], thr: [String: Float?] = [:]
        for v in r.verification {
            tar[ReportFormat.key(v.far)] = .some(v.tar)
            thr[ReportFormat.key(v.far)] = .some(v.threshold)
        }
        verification = Verification(genuinePairs: r.genuinePairs, impostorPairs: r.impostorPairs, tarAtFAR: tar, thresholdAtFAR: thr)
        openSet = try zip(r.identification, r.openSet).map {
            OpenSetAtSize(distractors: $0.distractors, report: try OpenSetReport($1, fpirTargets: fpirTargets))
        }
    }
}

/// Open-set identification report. JSON:
/// ```
/// {"mated_searches": 1000, "non_mated_searches": 1000, "rank": 1, "rank1": 0.97,
///  "fnir_at_fpir": {"0.1": 0.02, "0.01": 0.05, "0.001": 0.1},
///  "dir_at_fpir": {"0.1": 0.98, …}, "threshold_at_fpir": {"0.1": 0.31, …},
///  "operating_points": [{"target_fpir": 0.1, "threshold": 0.31, "fpir": 0.099, "fnir": 0.02,
///                        "dir": 0.98, "resolvable": true}, …]}
/// ```
/// `rank1` is the rank-1 rate of the mated searches without a threshold; FNIR/DIR are at
/// rank ≤ `rank`.
public struct OpenSetReport: Codable, Sendable, Equatable {
    public struct Point: Codable, Sendable, Equatable {
        public var targetFPIR: Double
        public var threshold: Float
        public var fpir: Double
        public var fnir: Double
        public var dir: Double
        public var resolvable: Bool

        enum CodingKeys: String, CodingKey {
            case threshold, fpir, fnir, dir, resolvable
            case targetFPIR = "target_fpir"
        }
    }

    public var matedSearches: Int
    public var nonMatedSearches: Int
    public var rank: Int
    public var rank1: Double
    public var fnirAtFPIR: [String: Double]
    public var dirAtFPIR: [String: Double]
    public var thresholdAtFPIR: [String: Float]
    public var operatingPoints: [Point]

    enum CodingKeys: String, CodingKey {
        case rank, rank1
        case matedSearches = "mated_searches"
        case nonMatedSearches = "non_mated_searches"
        case fnirAtFPIR = "fnir_at_fpir"
        case dirAtFPIR = "dir_at_fpir"
        case thresholdAtFPIR = "threshold_at_fpir"
        case operatingPoints = "operating_points"
    }

    /// FPIR targets reported by default: 0.1, 0.01, 0.001.
    public static let defaultFPIRTargets: [Double] = [0.1, 0.01, 0.001]

    /// Computes the report from open-set metrics.
    public init(_ m: OpenSetMetrics, fpirTargets: [Double] = OpenSetReport.defaultFPIRTargets) throws {
        matedSearches = m.mated.count
        nonMatedSearches = m.nonMatedTopScores.count
        rank = m.rank
        rank1 = m.rank1
        fnirAtFPIR = [:]
        dirAtFPIR = [:]
        thresholdAtFPIR = [:]
        operatingPoints = []
        for f in fpirTargets {
            let p = try m.operatingPoint(fpir: f)
            let k = ReportFormat.key(f)
            fnirAtFPIR[k] = p.fnir
            dirAtFPIR[k] = p.dir
            thresholdAtFPIR[k] = p.threshold
            operatingPoints.append(Point(targetFPIR: f, threshold: p.threshold, fpir: p.fpir, fnir: p.fnir, dir: p.dir,
                                         resolvable: p.resolvable))
        }
    }
}
