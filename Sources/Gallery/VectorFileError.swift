/// What can be wrong with a vectors or labels file, each message naming the file and line.
public enum VectorFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (`reason`: the system's words).
    case unreadable(file: String, reason: String)
    /// One line of a JSON Lines file is not a valid vector record.
    case badLine(file: String, line: Int, reason: String)
    /// A line is longer than the reader accepts (it is refused before it is parsed).
    case lineTooLong(file: String, line: Int, limit: Int)
    /// The `.npy` header or data cannot be read as a matrix of floats.
    case badNPY(file: String, reason: String)
    /// A labels line is not UTF-8 text.
    case badLabel(file: String, line: Int, reason: String)
    /// The labels file and the matrix disagree on the number of rows.
    case labelCount(labels: Int, rows: Int)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "cannot read \(f): \(r)"
        case .badLine(let f, let l, let r): return "\(f):\(l): \(r)"
        case .lineTooLong(let f, let l, let limit):
            return "\(f):\(l): the line is longer than \(limit) bytes, more than any vector needs; split the file or fix the line."
        case .badNPY(let f, let r): return "\(f): not a float .npy matrix: \(r)"
        case .badLabel(let f, let l, let r): return "\(f):\(l): \(r)"
        case .labelCount(let l, let r): return "the labels file has \(l) lines but the matrix has \(r) rows; give one label a line for each row."
        }
    }
}
