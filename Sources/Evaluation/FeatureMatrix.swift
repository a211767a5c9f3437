/// A row-major `rows × dim` Float32 matrix of embeddings (one embedding per row), the input
/// of the identification protocols. Rows should be unit vectors (cosine = dot product).
public struct FeatureMatrix: Sendable, Equatable {
    /// Number of embeddings.
    public let rows: Int
    /// Embedding dimension.
    public let dim: Int
    /// `rows × dim` values, row-major.
    public let values: [Float]

    /// - Throws: `EvaluationError.invalidArgument` when `values.count != rows × dim`.
    public init(rows: Int, dim: Int, values: [Float]) throws {
        guard rows >= 0, dim >= 1, values.count == rows * dim else {
            throw EvaluationError.invalidArgument(
                "a \(rows)×\(dim) feature matrix needs \(rows * max(dim, 0)) values, got \(values.count)")
        }
        self.rows = rows
        self.dim = dim
        self.values = values
    }

    /// For callers that built `values` with exactly `rows × dim` entries.
    init(uncheckedRows rows: Int, dim: Int, values: [Float]) {
        self.rows = rows
        self.dim = dim
        self.values = values
    }

    /// Stacks equal-length vectors as rows.
    /// - Throws: `EvaluationError.dimensionMismatch` when lengths differ, `empty` for no vectors
    ///   unless `dim` is given.
    public init(vectors: [[Float]], dim: Int? = nil) throws {
        guard let d = dim ?? vectors.first?.count, d >= 1 else { throw EvaluationError.empty(what: "embeddings (cannot infer dimension)") }
        var values: [Float] = []
        values.reserveCapacity(vectors.count * d)
        for (i, v) in vectors.enumerated() {
            guard v.count == d else { throw EvaluationError.dimensionMismatch(expected: d, actual: v.count, what: "embedding \(i)") }
            values.append(contentsOf: v)
        }
        try self.init(rows: vectors.count, dim: d, values: values)
    }

    /// Row `i` as an array (copies).
    public func row(_ i: Int) -> [Float] { Array(values[i * dim..<(i + 1) * dim]) }
}
