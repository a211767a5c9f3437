import Foundation

/// One LFW image, named as the protocol files name it: a person and a 1-based image number.
public struct LFWImage: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// Person name as in the files, e.g. `"Abel_Pacheco"`.
    public var name: String
    /// 1-based image number of that person.
    public var number: Int

    public init(name: String, number: Int) {
        self.name = name
        self.number = number
    }

    /// Path relative to the LFW image root: `NAME/NAME_%04d.jpg`, e.g. `Abel_Pacheco/Abel_Pacheco_0001.jpg`.
    public var relativePath: String {
        let digits = String(number)
        let padded = digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
        return "\(name)/\(name)_\(padded).jpg"
    }

    public var description: String { relativePath }

    public static func < (a: LFWImage, b: LFWImage) -> Bool {
        a.name != b.name ? a.name < b.name : a.number < b.number
    }
}

/// One verification pair of an LFW protocol file.
public struct LFWPair: Hashable, Sendable {
    public var first: LFWImage
    public var second: LFWImage
    /// True for a matched (same person, genuine) pair, false for a mismatched (impostor) pair.
    public var isMatched: Bool
    /// Cross-validation fold, `0..<LFWPairs.foldCount`.
    public var fold: Int

    public init(first: LFWImage, second: LFWImage, isMatched: Bool, fold: Int) {
        self.first = first
        self.second = second
        self.isMatched = isMatched
        self.fold = fold
    }
}

/// A parsed LFW pairs file with its cross-validation folds.
///
/// Two formats are read (whitespace-separated fields; tabs in the official files); each pair
/// line is matched or mismatched by its own field count, so files whose counts do not follow the
/// header (unbalanced) are read too:
/// - **View 2** (`pairs.txt`): first line `folds n` (officially `10 300`), then for each fold
///   `n` matched lines `name n1 n2` followed by `n` mismatched lines `name1 n1 name2 n2`.
///   Fold `k` is the `k`-th block of `2n` lines, as the protocol defines; a file that does not
///   follow that layout is cut into `folds` contiguous blocks of equal-as-possible length.
/// - **View 1** (`pairsDevTrain.txt`, `pairsDevTest.txt`): first line `N`, then `N` matched and
///   `N` mismatched lines. The file has no folds; `parse` makes `folds` (default 10) by cutting
///   the matched list and the mismatched list each into `folds` contiguous, equal-as-possible
///   blocks: matched pair `i` (0-based among matched) goes to fold `i·folds/N`, likewise for
///   mismatched, so every fold has about `N/folds` of each.
///
/// Pairs are kept in file order.
public struct LFWPairs: Sendable {
    /// Which file layout was read.
    public enum Format: Sendable, Equatable {
        /// View 2: `folds` folds of `perFold` matched + `perFold` mismatched pairs.
        case view2(folds: Int, perFold: Int)
        /// View 1: `count` matched + `count` mismatched pairs (folds made by `parse`).
        case view1(count: Int)
    }

    /// All pairs in file order.
    public let pairs: [LFWPair]
    public let format: Format
    /// Number of cross-validation folds (10 for the official files).
    public let foldCount: Int

    public init(pairs: [LFWPair], format: Format, foldCount: Int) {
        self.pairs = pairs
        self.format = format
        self.foldCount = foldCount
    }

    /// Matched-pair flags, parallel to `pairs`.
    public var labels: [Bool] { pairs.map(\.isMatched) }
    /// Fold of each pair, parallel to `pairs`.
    public var folds: [Int] { pairs.map(\.fold) }
    /// Indices into `pairs` of each fold, `foldCount` arrays.
    public var foldIndices: [[Int]] {
        var out = [[Int]](repeating: [], count: foldCount)
        for (i, p) in pairs.enumerated() { out[p.fold].append(i) }
        return out
    }
    /// Every image the pairs mention, once, sorted by name then number.
    public var images: [LFWImage] {
        var seen = Set<LFWImage>()
        for p in pairs { seen.insert(p.first); seen.insert(p.second) }
        return seen.sorted()
    }

    /// Reads and parses a pairs file; see `parse(_:source:view1Folds:)`.
    public static func load(path: String, view1Folds: Int = 10) throws -> LFWPairs {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw EvaluationError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try parse(text, source: path, view1Folds: view1Folds)
    }

    /// Parses the text of a View 1 or View 2 pairs file (the header decides which).
    /// - Parameters:
    ///   - text: file contents; blank lines are ignored, `\r\n` line ends accepted.
    ///   - source: name used in error messages.
    ///   - view1Folds: folds to make for a View 1 file (ignored for View 2).
    /// - Throws: `EvaluationError.malformedPairsFile` naming the line and what was expected.
    public static func parse(_ text: String, source: String = "<pairs>", view1Folds: Int = 10) throws -> LFWPairs {
        // Non-blank lines with their 1-based line numbers.
        var lines: [(number: Int, fields: [Substring])] = []
        var lineNumber = 0
        // `isNewline` also covers "\r\n", which Swift treats as a single Character.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let fields = raw.split(whereSeparator: \.isWhitespace)
            if !fields.isEmpty { lines.append((lineNumber, fields)) }
        }
        func fail(_ line: Int, _ reason: String) -> EvaluationError {
            .malformedPairsFile(path: source, line: line, reason: reason)
        }
        guard let header = lines.first else { throw fail(1, "the file is empty") }
        let headerValues = header.fields.map { Int($0) }
        guard headerValues.allSatisfy({ $0 != nil && $0! > 0 }), (1...2).contains(headerValues.count) else {
            throw fail(header.number, "the header must be '<folds> <n>' (View 2) or '<n>' (View 1), got '\(header.fields.joined(separator: " "))'")
        }
        func image(_ name: Substring, _ number: Substring, line: Int) throws -> LFWImage {
            guard let n = Int(number), n >= 1 else { throw fail(line, "'\(number)' is not an image number (1, 2, …)") }
            return LFWImage(name: String(name), number: n)
        }
        // Each line is a pair by its own fields: 'name n1 n2' matched, 'name1 n1 name2 n2' mismatched.
        var parsed: [(first: LFWImage, second: LFWImage, matched: Bool)] = []
        for (line, f) in lines.dropFirst() {
            switch f.count {
            case 3: parsed.append((try image(f[0], f[1], line: line), try image(f[0], f[2], line: line), true))
            case 4: parsed.append((try image(f[0], f[1], line: line), try image(f[2], f[3], line: line), false))
            default: throw fail(line, "expected a pair ('name n1 n2' matched or 'name1 n1 name2 n2' mismatched), got \(f.count) fields")
            }
        }
        let format: Format
        let foldCount: Int
        var folds: [Int]
        if headerValues.count == 2 {
            let (count, perFold) = (headerValues[0]!, headerValues[1]!)
            format = .view2(folds: count, perFold: perFold)
            foldCount = count
            let official = parsed.count == count * 2 * perFold && parsed.indices.allSatisfy {
                parsed[$0].matched == ($0 % (2 * perFold) < perFold)
            }
            // The official layout: fold k is the k-th block of 2n lines. Otherwise (unbalanced
            // counts) the file is cut into `count` contiguous blocks of equal-as-possible length.
            folds = parsed.indices.map { official ? $0 / (2 * perFold) : $0 * count / parsed.count }
        } else {
            guard view1Folds >= 2 else { throw EvaluationError.invalidArgument("view1Folds must be at least 2, got \(view1Folds)") }
            format = .view1(count: headerValues[0]!)
            foldCount = view1Folds
            // Matched and mismatched pairs are each cut into contiguous blocks, one per fold.
            let matched = parsed.filter(\.matched).count, mismatched = parsed.count - matched
            guard matched >= view1Folds, mismatched >= view1Folds else {
                throw fail(header.number, "\(matched) matched and \(mismatched) mismatched pairs cannot be split into \(view1Folds) folds")
            }
            var seen = (matched: 0, mismatched: 0)
            folds = parsed.map { pair in
                if pair.matched { seen.matched += 1; return (seen.matched - 1) * view1Folds / matched }
                seen.mismatched += 1
                return (seen.mismatched - 1) * view1Folds / mismatched
            }
        }
        guard !parsed.isEmpty else { throw fail(header.number, "the file has a header but no pairs") }
        let pairs = zip(parsed, folds).map { LFWPair(first: $0.first, second: $0.second, isMatched: $0.matched, fold: $1) }
        return LFWPairs(pairs: pairs, format: format, foldCount: foldCount)
    }

    /// The pairs for which `include` holds, with their folds (e.g. those whose images exist).
    public func keeping(_ include: (LFWPair) -> Bool) -> LFWPairs {
        LFWPairs(pairs: pairs.filter(include), format: format, foldCount: foldCount)
    }

    /// Cosine score of every pair, in pair order.
    /// - Parameter embedding: the embedding of an image (any length, same for all; need not be
    ///   unit norm — the cosine divides by the norms), or nil when the image has none.
    /// - Throws: `EvaluationError.missingEmbedding` naming the image, `dimensionMismatch`.
    public func scores(embedding: (LFWImage) throws -> [Float]?) throws -> [Float] {
        var cache: [LFWImage: [Float]] = [:]
        var dim: Int?
        func vector(_ image: LFWImage) throws -> [Float] {
            if let v = cache[image] { return v }
            guard let v = try embedding(image) else { throw EvaluationError.missingEmbedding(image.relativePath) }
            if let dim, v.count != dim { throw EvaluationError.dimensionMismatch(expected: dim, actual: v.count, what: image.relativePath) }
            dim = v.count
            cache[image] = v
            return v
        }
        return try pairs.map { Similarity.cosine(try vector($0.first), try vector($0.second)) }
    }
}
