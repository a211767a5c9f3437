import CSIMD

/// Cosine / dot-product kernels used by the protocols (the gallery's C kernels: AVX2 + FMA
/// where the CPU has them).
public enum Similarity {
    /// Cosine of the angle between `a` and `b` (any norms; 0 when either is the zero vector).
    /// For unit vectors this is their dot product. Vectors of different lengths give NaN,
    /// which every metric here rejects with `EvaluationError.nonFiniteScore`.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .nan }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let ab = dot(pa.baseAddress!, pb.baseAddress!, count: a.count)
                let aa = dot(pa.baseAddress!, pa.baseAddress!, count: a.count)
                let bb = dot(pb.baseAddress!, pb.baseAddress!, count: b.count)
                let norm = (aa * bb).squareRoot()
                return norm > 0 ? ab / norm : 0
            }
        }
    }

    /// Dot product of `count` floats.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        csimd_dot_f32(a, b, count)
    }

    /// Dot products of queries `queryRange` of `queries` against rows `targetRange` of
    /// `targets`, written row-major into `out` (`queryRange.count × targetRange.count`).
    /// Both matrices must have the same `dim`. Register-blocked: 4 queries × 2 targets at a
    /// time (8 SIMD accumulators), so each loaded vector feeds several FMAs.
    public static func dotProducts(_ queries: FeatureMatrix, _ queryRange: Range<Int>,
                                   _ targets: FeatureMatrix, _ targetRange: Range<Int>,
                                   into out: UnsafeMutablePointer<Float>) {
        let dim = queries.dim
        queries.values.withUnsafeBufferPointer { qb in
            targets.values.withUnsafeBufferPointer { tb in
                csimd_score_tile_f32(qb.baseAddress! + queryRange.lowerBound * dim, queryRange.count,
                                     tb.baseAddress! + targetRange.lowerBound * dim, targetRange.count, dim,
                                     out, targetRange.count)
            }
        }
    }
}
