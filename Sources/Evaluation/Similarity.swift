/// Cosine / dot-product kernels used by the protocols (plain Swift SIMD; the numeric
/// settings compile them for AVX2 + FMA).
public enum Similarity {
    /// Cosine of the angle between `a` and `b` (any norms; 0 when either is the zero vector).
    /// For unit vectors this is their dot product.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosine of vectors of different lengths")  // callers check dims first
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
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var j = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while j + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
            j += 16
        }
        var s = (acc0 + acc1).sum()
        while j < count {
            s += a[j] * b[j]
            j += 1
        }
        return s
    }

    /// Dot products of queries `queryRange` of `queries` against rows `targetRange` of
    /// `targets`, written row-major into `out` (`queryRange.count × targetRange.count`).
    /// Both matrices must have the same `dim`.
    public static func dotProducts(_ queries: FeatureMatrix, _ queryRange: Range<Int>,
                                   _ targets: FeatureMatrix, _ targetRange: Range<Int>,
                                   into out: UnsafeMutablePointer<Float>) {
        let dim = queries.dim
        let width = targetRange.count
        queries.values.withUnsafeBufferPointer { q in
            targets.values.withUnsafeBufferPointer { t in
                for (qi, qr) in queryRange.enumerated() {
                    let qp = q.baseAddress! + qr * dim
                    let row = out + qi * width
                    for (ti, tr) in targetRange.enumerated() {
                        row[ti] = dot(qp, t.baseAddress! + tr * dim, count: dim)
                    }
                }
            }
        }
    }
}
