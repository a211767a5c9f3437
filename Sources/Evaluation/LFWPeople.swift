import Foundation

/// An LFW people list: `people.txt` (View 2 — a count of sets, then per set a count and that
/// many `name images` lines) or `peopleDevTrain.txt` / `peopleDevTest.txt` (View 1 — a count,
/// then `name images` lines, read as one set).
public struct LFWPeople: Sendable, Equatable {
    /// The sets in file order, each a list of person names.
    public let sets: [[String]]
    /// Images per person, as the file states.
    public let imageCounts: [String: Int]

    /// Every person of every set.
    public var everyone: [String] { sets.flatMap { $0 } }

    public init(sets: [[String]], imageCounts: [String: Int]) {
        self.sets = sets
        self.imageCounts = imageCounts
    }

    /// Reads a people file; see `parse(_:source:)`.
    public static func load(path: String) throws -> LFWPeople {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.unreadableFile(path: path, reason: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses the text of a people file; the line after the header tells View 2 (a single count)
    /// from View 1 (a person).
    /// - Throws: `EvaluationError.malformedPeopleFile` naming the line and what was expected.
    public static func parse(_ text: String, source: String = "<people>") throws -> LFWPeople {
        var lines: [(number: Int, fields: [Substring])] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = raw.split(whereSeparator: \.isWhitespace)
            if !fields.isEmpty { lines.append((i + 1, fields)) }
        }
        func fail(_ line: Int, _ reason: String) -> EvaluationError {
            .malformedPeopleFile(path: source, line: line, reason: reason)
        }
        guard let header = lines.first else { throw fail(1, "the file is empty") }
        guard header.fields.count == 1, let count = Int(header.fields[0]), count > 0 else {
            throw fail(header.number, "the header must be one positive count, got '\(header.fields.joined(separator: " "))'")
        }
        var imageCounts: [String: Int] = [:]
        var cursor = 1
        func readPeople(_ n: Int) throws -> [String] {
            var names: [String] = []
            for _ in 0..<n {
                guard cursor < lines.count else { throw fail(lines.last!.number, "the file ends before its counts say") }
                let (number, f) = lines[cursor]
                cursor += 1
                guard f.count == 2, let images = Int(f[1]), images > 0 else {
                    throw fail(number, "expected 'name images', got '\(f.joined(separator: " "))'")
                }
                let name = String(f[0])
                guard imageCounts.updateValue(images, forKey: name) == nil else { throw fail(number, "\(name) is listed twice") }
                names.append(name)
            }
            return names
        }
        var sets: [[String]] = []
        if lines.count > 1 && lines[1].fields.count == 1 {
            for _ in 0..<count {
                guard cursor < lines.count, lines[cursor].fields.count == 1, let n = Int(lines[cursor].fields[0]), n >= 0 else {
                    throw fail(cursor < lines.count ? lines[cursor].number : lines.last!.number, "expected the count of the next set")
                }
                cursor += 1
                sets.append(try readPeople(n))
            }
        } else {
            sets = [try readPeople(count)]
        }
        guard cursor == lines.count else { throw fail(lines[cursor].number, "more lines than the counts say") }
        return LFWPeople(sets: sets, imageCounts: imageCounts)
    }
}
