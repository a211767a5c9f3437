import Gallery

/// Checks of request values that the gallery would otherwise reject with less context.
enum Validation {
    /// An identity key from the path: 1…200 characters, no control characters.
    static func identity(_ raw: String?) throws -> String {
        guard let raw, let key = raw.removingPercentEncoding, !key.isEmpty, key.count <= 200,
              !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem.badRequest("an identity is 1…200 characters without control characters.")
        }
        return key
    }

    /// Query vectors: 1…`maxCount` of them, each `dim` finite values, not all zero.
    static func vectors(_ vectors: [[Float]], dim: Int, maxCount: Int = 1000) throws {
        guard (1...maxCount).contains(vectors.count) else {
            throw Problem.badRequest("send 1…\(maxCount) vectors, not \(vectors.count).")
        }
        for (i, v) in vectors.enumerated() {
            guard v.count == dim else {
                throw Problem.badRequest("vector \(i) has \(v.count) values; this gallery's vectors have \(dim).")
            }
            guard v.allSatisfy(\.isFinite) else { throw Problem.badRequest("vector \(i) holds NaN or infinity.") }
            guard v.contains(where: { $0 != 0 }) else { throw Problem.badRequest("vector \(i) is all zeros.") }
        }
    }
}
