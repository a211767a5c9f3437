import FaceRecognition
import Foundation
import Gallery

/// Counts of an enrolment's outcomes, the `--report` file and the summary.
struct EnrolmentTally {
    private(set) var counts: [EnrolmentOutcome: Int] = [:]
    private var problems: [EnrolmentReport] = []
    private var reportFile: OutputFile?

    /// - Parameter report: a file to write one JSON line per image to.
    init(report: String?) throws {
        // Written through OutputFile: a link, pipe or device at the path is written in place, never replaced.
        reportFile = try report.map { try OutputFile(path: $0) }
    }

    mutating func record(_ report: EnrolmentReport) {
        counts[report.outcome, default: 0] += 1
        if report.outcome != .enrolled && report.outcome != .alreadyPresent { problems.append(report) }
        guard let reportFile, let line = try? ResultEncoding.line(report) else { return }
        try? reportFile.write(Data((line + "\n").utf8))
    }

    func finish() throws { try reportFile?.commit() }

    func count(_ outcome: EnrolmentOutcome) -> Int { counts[outcome] ?? 0 }

    func printSummary(identities: Int, templates: Int, seconds: Double) {
        let processed = count(.enrolled) + count(.noFace) + count(.multipleFaces) + count(.unreadable)
        print(String(format: "enrolled %d, already present %d, no face %d, several faces %d, unreadable %d  (%.1f images/s)",
                     count(.enrolled), count(.alreadyPresent), count(.noFace), count(.multipleFaces), count(.unreadable),
                     seconds > 0 ? Double(processed) / seconds : 0))
        print("gallery: \(identities) identities, \(templates) templates")
        for r in problems.prefix(50) {
            print("  \(r.outcome.rawValue): \(r.file)\(r.detail.map { " — \($0)" } ?? "")")
        }
        if problems.count > 50 { print("  … and \(problems.count - 50) more (see --report)") }
    }
}

/// `enrol --json`: `{"identities", "templates", "enrolled", "already-present", "no-face", "multiple-faces", "unreadable"}`.
struct EnrolmentSummary: Encodable {
    var identities: Int
    var templates: Int
    var counts: [EnrolmentOutcome: Int]

    init(tally: EnrolmentTally, identities: Int, templates: Int) {
        self.identities = identities
        self.templates = templates
        counts = Dictionary(uniqueKeysWithValues: EnrolmentOutcome.allCases.map { ($0, tally.count($0)) })
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(identities, forKey: Key(stringValue: "identities"))
        try c.encode(templates, forKey: Key(stringValue: "templates"))
        for (outcome, n) in counts { try c.encode(n, forKey: Key(stringValue: outcome.rawValue)) }
    }
}
