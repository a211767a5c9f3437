/// SIMD inner products of a float32 query with a float32 or float16 row (`dim` values).
/// Four independent accumulators hide the FMA latency; the tail is handled scalar.
enum DotProduct {
    @inline(__always)
    static func float32(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dim: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var j = 0
        while j + 32 <= dim {
            let o = j * 4
            s0.addProduct(ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            s1.addProduct(ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            s2.addProduct(ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            s3.addProduct(ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
            j += 32
        }
        while j + 8 <= dim {
            s0.addProduct(ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self))
            j += 8
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while j < dim { sum += a[j] * b[j]; j += 1 }
        return sum
    }

    @inline(__always)
    static func float16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float16>, dim: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var j = 0
        while j + 32 <= dim {
            let oa = j * 4, ob = j * 2
            s0.addProduct(ra.loadUnaligned(fromByteOffset: oa, as: SIMD8<Float>.self),
                          SIMD8<Float>(rb.loadUnaligned(fromByteOffset: ob, as: SIMD8<Float16>.self)))
            s1.addProduct(ra.loadUnaligned(fromByteOffset: oa + 32, as: SIMD8<Float>.self),
                          SIMD8<Float>(rb.loadUnaligned(fromByteOffset: ob + 16, as: SIMD8<Float16>.self)))
            s2.addProduct(ra.loadUnaligned(fromByteOffset: oa + 64, as: SIMD8<Float>.self),
                          SIMD8<Float>(rb.loadUnaligned(fromByteOffset: ob + 32, as: SIMD8<Float16>.self)))
            s3.addProduct(ra.loadUnaligned(fromByteOffset: oa + 96, as: SIMD8<Float>.self),
                          SIMD8<Float>(rb.loadUnaligned(fromByteOffset: ob + 48, as: SIMD8<Float16>.self)))
            j += 32
        }
        while j + 8 <= dim {
            s0.addProduct(ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self),
                          SIMD8<Float>(rb.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<Float16>.self)))
            j += 8
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while j < dim { sum += a[j] * Float(b[j]); j += 1 }
        return sum
    }

    /// Widens `rows × dim` float16 values to float32.
    static func widen(_ source: UnsafePointer<Float16>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let rs = UnsafeRawPointer(source), rd = UnsafeMutableRawPointer(destination)
        var j = 0
        while j + 8 <= count {
            rd.storeBytes(of: SIMD8<Float>(rs.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<Float16>.self)),
                          toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { destination[j] = Float(source[j]); j += 1 }
    }
}
