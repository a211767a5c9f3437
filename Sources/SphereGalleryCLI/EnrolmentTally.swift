import Foundation

/// What happened to each file of an enrolment, for the summary and `--report`.
struct EnrolmentTally {
    enum Outcome: String, CaseIterable {
        case enrolled
        case alreadyPresent = "already-present"
        case noFace = "no-face"
        case multipleFaces = "multiple-faces"
        case unreadable
    }

    private var counts: [Outcome: Int] = [:]
    private var problems: [(Outcome, String, String)] = []
    private var reportHandle: FileHandle?
    private let reportPath: String?

    init(report: String?) {
        reportPath = report
        if let report, FileManager.default.createFile(atPath: report, contents: nil) {
            reportHandle = FileHandle(forWritingAtPath: report)
        }
    }

    mutating func record(_ entry: (identity: String, file: String), _ outcome: Outcome, detail: String? = nil, template: Int64? = nil) {
        counts[outcome, default: 0] += 1
        if outcome != .enrolled && outcome != .alreadyPresent {
            problems.append((outcome, entry.file, detail ?? ""))
        }
        guard let reportHandle else { return }
        var line: [String: Any] = ["file": entry.file, "identity": entry.identity, "outcome": outcome.rawValue]
        if let detail { line["detail"] = detail }
        if let template { line["template"] = template }
        if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) {
            reportHandle.write(data + Data("\n".utf8))
        }
    }

    func finish() throws {
        if reportPath != nil, reportHandle == nil { throw CLIError.failed("cannot write the report \(reportPath!)") }
        try reportHandle?.close()
    }

    func count(_ outcome: Outcome) -> Int { counts[outcome] ?? 0 }

    func summaryJSON(identities: Int, templates: Int) -> [String: Any] {
        var object: [String: Any] = ["identities": identities, "templates": templates]
        for outcome in Outcome.allCases { object[outcome.rawValue] = count(outcome) }
        return object
    }

    func printSummary(identities: Int, templates: Int, seconds: Double) {
        let processed = count(.enrolled) + count(.noFace) + count(.multipleFaces) + count(.unreadable)
        print(String(format: "enrolled %d, already present %d, no face %d, several faces %d, unreadable %d  (%.1f images/s)",
                     count(.enrolled), count(.alreadyPresent), count(.noFace), count(.multipleFaces), count(.unreadable),
                     seconds > 0 ? Double(processed) / seconds : 0))
        print("gallery: \(identities) identities, \(templates) templates")
        for (outcome, file, detail) in problems.prefix(50) {
            print("  \(outcome.rawValue): \(file)\(detail.isEmpty ? "" : " — \(detail)")")
        }
        if problems.count > 50 { print("  … and \(problems.count - 50) more (see --report)") }
    }
}
