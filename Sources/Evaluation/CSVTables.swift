import Foundation
import Gallery

/// A CSV table (comma-separated, header row, `\n` line ends, numbers in Swift's shortest
/// round-trip form) for the plots: ROC, CMC, rank-1 vs distractors, FNIR vs FPIR.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The CSV text.
    public var text: String {
        var out = header.joined(separator: ",") + "\n"
        for r in rows { out += r.joined(separator: ",") + "\n" }
        return out
    }

    /// Writes `text` to `path` (as `OutputFile`: a link, pipe or device at `path` stays what it is).
    /// - Throws: `unwritableFile`.
    public func write(path: String) throws {
        do {
            try OutputFile.write(Data(text.utf8), to: path)
        } catch {
            throw EvaluationError.unwritableFile(path: path, reason: error.localizedDescription)
        }
    }

    /// ROC rows `far,tar,threshold`, strictest threshold first. Pass `roc.points` for every
    /// point or `roc.sampled()` for a plot-sized curve.
    public static func roc(_ points: [OperatingPoint]) -> CSVTable {
        CSVTable(header: ["far", "tar", "threshold"], rows: points.map { ["\($0.far)", "\($0.tar)", "\($0.threshold)"] })
    }

    /// CMC rows `rank,identification_rate`, rank 1…maxRank.
    public static func cmc(_ cmc: CMC) -> CSVTable {
        CSVTable(header: ["rank", "identification_rate"], rows: cmc.rates.enumerated().map { ["\($0.offset + 1)", "\($0.element)"] })
    }

    /// MegaFace CMC per distractor size: rows `distractors,rank,identification_rate`.
    public static func cmcByDistractors(_ result: MegaFaceResult) -> CSVTable {
        var rows: [[String]] = []
        for s in result.identification {
            for (i, r) in s.cmc.rates.enumerated() { rows.append(["\(s.distractors)", "\(i + 1)", "\(r)"]) }
        }
        return CSVTable(header: ["distractors", "rank", "identification_rate"], rows: rows)
    }

    /// Rows `distractors,rank1`, smallest distractor set first.
    public static func rank1VsDistractors(_ result: MegaFaceResult) -> CSVTable {
        CSVTable(header: ["distractors", "rank1"], rows: result.identification.map { ["\($0.distractors)", "\($0.cmc.rank1)"] })
    }

    /// FNIR-vs-FPIR rows `fpir,fnir,threshold` from `OpenSetMetrics.tradeoff()` points
    /// (FNIR = 1 − TAR of the trade-off ROC), strictest threshold first.
    public static func fnirVsFPIR(_ points: [OperatingPoint]) -> CSVTable {
        CSVTable(header: ["fpir", "fnir", "threshold"], rows: points.map { ["\($0.far)", "\(1 - $0.tar)", "\($0.threshold)"] })
    }
}
