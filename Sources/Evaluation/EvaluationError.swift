import Foundation

/// Everything in the `Evaluation` module that can go wrong with user input: malformed
/// protocol files, bad feature files and metric inputs that cannot give a number.
/// Each message says what is wrong and what to do about it.
public enum EvaluationError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A file could not be read (missing, permissions, I/O error).
    case unreadableFile(path: String, reason: String)
    /// A file could not be written.
    case unwritableFile(path: String, reason: String)
    /// An LFW pairs file does not follow the View 1 / View 2 format. `line` is 1-based.
    case malformedPairsFile(path: String, line: Int, reason: String)
    /// A MegaFace devkit `.bin` feature file is damaged or of an unsupported kind.
    case malformedFeatureFile(path: String, reason: String)
    /// An LFW people list that does not parse.
    case malformedPeopleFile(path: String, line: Int, reason: String)
    /// A protocol whose training and test people overlap.
    case identitiesOverlap(what: String, people: [String])
    /// Scores and labels (or other parallel arrays) have different lengths.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// A metric needs at least one score of a kind (e.g. genuine, impostor, non-mated).
    case empty(what: String)
    /// A score is NaN; metrics sort scores and cannot order NaN.
    case nonFiniteScore(what: String, index: Int)
    /// An argument is out of its range (fold count, FAR target, rank, distractor size…).
    case invalidArgument(String)
    /// An embedding needed by a protocol is missing.
    case missingEmbedding(String)
    /// Embeddings of different dimensions were mixed.
    case dimensionMismatch(expected: Int, actual: Int, what: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read '\(path)': \(reason). Check the path and its permissions."
        case let .unwritableFile(path, reason):
            return "cannot write '\(path)': \(reason). Check that the folder exists and is writable."
        case let .malformedPairsFile(path, line, reason):
            return "\(path):\(line): \(reason). Expected an LFW pairs file: View 2 ('pairs.txt', first line "
                + "'<folds> <n>', then per fold n matched lines 'name n1 n2' and n mismatched lines "
                + "'name1 n1 name2 n2') or View 1 ('pairsDevTrain.txt'/'pairsDevTest.txt', first line '<n>', "
                + "then n matched and n mismatched lines)."
        case let .malformedPeopleFile(path, line, reason):
            return "\(path):\(line): \(reason). Expected an LFW people file: View 2 ('people.txt', first line the "
                + "number of sets, then per set a count and that many 'name images' lines) or View 1 "
                + "('peopleDevTrain.txt'/'peopleDevTest.txt', a count, then 'name images' lines)."
        case let .identitiesOverlap(what, people):
            return "\(what): \(people.count) people are on both the training and the test side (\(people.prefix(3).joined(separator: ", "))…). "
                + "Training and test identities must be disjoint; check that the people and pairs files belong together."
        case let .malformedFeatureFile(path, reason):
            return "'\(path)' is not a usable MegaFace devkit feature file: \(reason). Expected 4 little-endian "
                + "int32 'rows cols stride type' (type 5 = CV_32F float32, stride = cols*4 bytes or more) "
                + "followed by rows*stride bytes; re-export the features as float32."
        case let .lengthMismatch(what, expected, actual):
            return "\(what): expected \(expected) values, got \(actual). Pass one value per pair/probe."
        case let .empty(what):
            return "no \(what): this metric needs at least one. Check the protocol inputs."
        case let .nonFiniteScore(what, index):
            return "\(what) score at index \(index) is NaN. Check the embeddings for NaN (unnormalised zero vectors?)."
        case let .invalidArgument(message):
            return message
        case let .missingEmbedding(key):
            return "no embedding for '\(key)'. Embed every image the protocol names (or drop the pair explicitly)."
        case let .dimensionMismatch(expected, actual, what):
            return "\(what) has dimension \(actual), expected \(expected). Use embeddings from one model."
        }
    }

    public var errorDescription: String? { description }
}
