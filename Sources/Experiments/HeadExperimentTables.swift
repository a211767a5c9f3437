import Foundation
import Evaluation

/// The CSV tables of a `HeadExperimentReport`, for the plots and the docs: `heads.csv` (one row
/// per head), `view1_trials.csv` (the View 1 grid) and `angles.csv` (per head and protocol).
public struct HeadExperimentTables: Sequence {
    public let tables: [(name: String, csv: CSVTable)]

    public init(_ report: HeadExperimentReport) {
        tables = [("heads.csv", Self.summary(report)), ("view1_trials.csv", Self.trials(report)), ("angles.csv", Self.angles(report))]
    }

    public func makeIterator() -> IndexingIterator<[(name: String, csv: CSVTable)]> { tables.makeIterator() }

    private static func number(_ v: Double?, _ digits: Int = 4) -> String {
        guard let v, v.isFinite else { return "" }
        return String(format: "%.\(digits)f", v)
    }

    /// Accuracy, TAR, EER, open-set rates and the angle ratio per head.
    public static func summary(_ report: HeadExperimentReport) -> CSVTable {
        CSVTable(header: ["head", "d", "epochs", "lr", "view1_accuracy", "view2_accuracy", "view2_std", "view2_tar_at_far_1e-3",
                          "view2_eer", "megaface_rank1", "megaface_fnir_at_fpir_0.1", "megaface_fnir_at_fpir_0.01",
                          "view2_angle_ratio", "megaface_angle_ratio"],
                 rows: report.heads.map { h in
                     [h.head, h.features.map(String.init) ?? "", h.epochs.map(String.init) ?? "", h.learningRate.map { "\($0)" } ?? "",
                      number(h.view1?.accuracy), number(h.view2?.accuracy), number(h.view2?.accuracyStd),
                      number(h.view2?.tarAtFAR1e3), number(h.view2?.eer), number(h.megaface?.rank1),
                      number(h.megaface?.fnirAtFPIR[ReportFormat.key(0.1)]), number(h.megaface?.fnirAtFPIR[ReportFormat.key(0.01)]),
                      number(h.view2Angles?.ratio, 3), number(h.megafaceAngles?.ratio, 3)]
                 })
    }

    public static func trials(_ report: HeadExperimentReport) -> CSVTable {
        CSVTable(header: ["head", "d", "epochs", "lr", "view1_accuracy"],
                 rows: report.view1Trials.map { [$0.head, String($0.features), String($0.epochs), "\($0.learningRate)", number($0.accuracy)] })
    }

    public static func angles(_ report: HeadExperimentReport) -> CSVTable {
        var rows: [[String]] = []
        for h in report.heads {
            for (name, a) in [("view1", h.view1Angles), ("view2", h.view2Angles), ("megaface", h.megafaceAngles)] {
                guard let a else { continue }
                rows.append([h.head, name, String(a.identities), String(a.images), number(a.maxIntraClassAngle, 2),
                             number(a.minInterClassAngle, 2), number(a.ratio, 3), number(a.meanIntraClassAngle, 2),
                             number(a.meanNearestInterClassAngle, 2), number(a.meanRatio, 3)])
            }
        }
        return CSVTable(header: ["head", "protocol", "identities", "images", "max_intra_angle", "min_inter_angle", "ratio",
                                 "mean_intra_angle", "mean_nearest_inter_angle", "mean_ratio"], rows: rows)
    }
}
