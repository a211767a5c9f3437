/// Cosine / dot-product kernels used by the protocols (plain Swift SIMD; the numeric
/// settings compile them for AVX2 + FMA).
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
    /// Both matrices must have the same `dim`. Register-blocked: 4 queries × 2 targets at a
    /// time (8 SIMD accumulators), so each loaded vector feeds several FMAs.
    public static func dotProducts(_ queries: FeatureMatrix, _ queryRange: Range<Int>,
                                   _ targets: FeatureMatrix, _ targetRange: Range<Int>,
                                   into out: UnsafeMutablePointer<Float>) {
        let dim = queries.dim
        let width = targetRange.count
        let vectorDim = dim & ~7
        queries.values.withUnsafeBufferPointer { qb in
            targets.values.withUnsafeBufferPointer { tb in
                let q0 = qb.baseAddress! + queryRange.lowerBound * dim
                let t0 = tb.baseAddress! + targetRange.lowerBound * dim
                var qi = 0
                while qi + 4 <= queryRange.count {
                    let a0 = UnsafeRawPointer(q0 + qi * dim), a1 = UnsafeRawPointer(q0 + (qi + 1) * dim)
                    let a2 = UnsafeRawPointer(q0 + (qi + 2) * dim), a3 = UnsafeRawPointer(q0 + (qi + 3) * dim)
                    var ti = 0
                    while ti + 2 <= width {
                        let b0 = UnsafeRawPointer(t0 + ti * dim), b1 = UnsafeRawPointer(t0 + (ti + 1) * dim)
                        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
                        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
                        var j = 0
                        while j < vectorDim {
                            let o = j * 4
                            let x0 = b0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            let x1 = b1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            var y = a0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            c00.addProduct(y, x0); c01.addProduct(y, x1)
                            y = a1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            c10.addProduct(y, x0); c11.addProduct(y, x1)
                            y = a2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            c20.addProduct(y, x0); c21.addProduct(y, x1)
                            y = a3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                            c30.addProduct(y, x0); c31.addProduct(y, x1)
                            j += 8
                        }
                        // Scalar tail (dim not a multiple of 8), then store.
                        func tail(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Float {
                            var t: Float = 0
                            for k in vectorDim..<dim {
                                t += a.load(fromByteOffset: k * 4, as: Float.self) * b.load(fromByteOffset: k * 4, as: Float.self)
                            }
                            return t
                        }
                        let o0 = out + qi * width + ti, o1 = o0 + width, o2 = o1 + width, o3 = o2 + width
                        if vectorDim == dim {
                            o0[0] = c00.sum(); o0[1] = c01.sum(); o1[0] = c10.sum(); o1[1] = c11.sum()
                            o2[0] = c20.sum(); o2[1] = c21.sum(); o3[0] = c30.sum(); o3[1] = c31.sum()
                        } else {
                            o0[0] = c00.sum() + tail(a0, b0); o0[1] = c01.sum() + tail(a0, b1)
                            o1[0] = c10.sum() + tail(a1, b0); o1[1] = c11.sum() + tail(a1, b1)
                            o2[0] = c20.sum() + tail(a2, b0); o2[1] = c21.sum() + tail(a2, b1)
                            o3[0] = c30.sum() + tail(a3, b0); o3[1] = c31.sum() + tail(a3, b1)
                        }
                        ti += 2
                    }
                    while ti < width {
                        for r in 0..<4 { out[(qi + r) * width + ti] = dot(q0 + (qi + r) * dim, t0 + ti * dim, count: dim) }
                        ti += 1
                    }
                    qi += 4
                }
                while qi < queryRange.count {
                    for ti in 0..<width { out[qi * width + ti] = dot(q0 + qi * dim, t0 + ti * dim, count: dim) }
                    qi += 1
                }
            }
        }
    }
}
