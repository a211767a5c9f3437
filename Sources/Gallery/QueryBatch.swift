/// Validates and normalises vectors: the right dimension, finite, non-zero.
enum VectorCheck {
    /// Returns `vector / ‖vector‖`, or throws an error naming `row`. The norm and the
    /// division are in Double: a vector of subnormal floats (1e-45, say) has a norm whose
    /// reciprocal overflows Float, but each quotient is an ordinary number.
    static func unitVector(_ vector: [Float], dim: Int, row: Int) throws -> [Float] {
        guard vector.count == dim else { throw GalleryError.wrongDimension(row: row, expected: dim, got: vector.count) }
        var sumSquares: Double = 0
        for v in vector {
            guard v.isFinite else { throw GalleryError.nonFinite(row: row) }
            sumSquares += Double(v) * Double(v)
        }
        guard sumSquares > 0, sumSquares.isFinite else { throw GalleryError.zeroVector(row: row) }
        let norm = sumSquares.squareRoot()
        return vector.map { Float(Double($0) / norm) }
    }

    /// Checks and normalises `queries`, returning them as one row-major `Q × dim` buffer.
    static func queryMatrix(_ queries: [[Float]], dim: Int) throws -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(queries.count * dim)
        for (row, query) in queries.enumerated() {
            flat += try unitVector(query, dim: dim, row: row)
        }
        return flat
    }
}
