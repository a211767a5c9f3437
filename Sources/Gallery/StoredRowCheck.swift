/// A stored template that failed the check on load and is left out of every search.
public struct DamagedTemplate: Sendable, Equatable, Codable {
    public var templateID: Int64
    public var identityID: Int64
    /// What is wrong, e.g. "its vector has 12 bytes, expected 512".
    public var reason: String
}

/// The check every stored vector passes before it is searched: the right number of bytes,
/// and a sum of squares within `tolerance` of 1 — which a NaN, an infinity, a value whose
/// square overflows, or a row edited to any other length all fail.
enum StoredRowCheck {
    /// Allowed |‖v‖² − 1|: float32 rounding of a normalised 65,536-d vector stays below 1e-5.
    static let tolerance: Float = 1e-3

    /// Why the BLOB at `bytes` (`byteCount` long) is not a unit float32 vector of `dim` values, or nil.
    static func problem(_ bytes: UnsafeRawPointer?, byteCount: Int, dim: Int) -> String? {
        guard byteCount == dim * 4, let bytes else { return "its vector has \(byteCount) bytes, expected \(dim * 4)" }
        let sum = sumOfSquares(bytes, count: dim)
        guard sum.isFinite else { return "its vector holds NaN, infinity or values too large to square" }
        guard abs(sum - 1) <= tolerance else { return "its vector has norm \(sum.squareRoot()), not 1" }
        return nil
    }

    /// Σ v² of `count` float32 values at any alignment (eight lanes at a time).
    static func sumOfSquares(_ bytes: UnsafeRawPointer, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var j = 0
        while j + 8 <= count {
            let v = bytes.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            lanes.addProduct(v, v)
            j += 8
        }
        var sum = lanes.sum()
        while j < count {
            let v = bytes.loadUnaligned(fromByteOffset: j * 4, as: Float.self)
            sum += v * v
            j += 1
        }
        return sum
    }
}
