import CBLAS

/// Winograd F(2×2, 3×3) forward convolution for 3×3 stride-1 kernels (Lavin & Gray, 2016).
///
/// Each 2×2 output tile is computed from a 4×4 input tile: `Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`.
/// The element-wise products over channels become 16 GEMMs
/// `M_ξ[Cout × tiles] = U_ξ[Cout × Cin] · V_ξ[Cin × tiles]`, with tiles of all images in a
/// group side by side so the GEMMs are large. 16 multiplications per 4 outputs instead of 36.
final class WinogradKernel {
    /// `U[ξ][co][ci]`, ξ = 4·row + col of the transformed 4×4 kernel.
    let u: TensorStorage
    let version: Int
    let cin: Int
    let cout: Int

    init(weight: Parameter) {
        let w = weight.value
        cout = w.shape[0]
        cin = w.shape[1]
        version = weight.version
        u = TensorStorage(uninitializedCapacity: 16 * cout * cin)
        let src = w.pointer, dst = u.base
        let plane = cout * cin
        Parallel.forEachChunk(plane, minimumPerThread: 256) { r in
            for oi in r {
                let g = src + oi * 9
                // Rows of t = G g (4×3): g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2, each a row of 3 values
                let g0 = SIMD4<Float>(g[0], g[1], g[2], 0)
                let g1 = SIMD4<Float>(g[3], g[4], g[5], 0)
                let g2 = SIMD4<Float>(g[6], g[7], g[8], 0)
                let rows = (g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                // U = t Gᵀ (4×4)
                @inline(__always) func put(_ a: SIMD4<Float>, _ i: Int) {
                    dst[(i * 4 + 0) * plane + oi] = a[0]
                    dst[(i * 4 + 1) * plane + oi] = 0.5 * (a[0] + a[1] + a[2])
                    dst[(i * 4 + 2) * plane + oi] = 0.5 * (a[0] - a[1] + a[2])
                    dst[(i * 4 + 3) * plane + oi] = a[2]
                }
                put(rows.0, 0); put(rows.1, 1); put(rows.2, 2); put(rows.3, 3)
            }
        }
    }

    func forward(_ x: Tensor, bias: Tensor?, padding: (Int, Int), outputHeight ho: Int, outputWidth wo: Int) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (ph, pw) = padding
        let out = Tensor(uninitialized: [n, cout, ho, wo])
        let tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2
        let tpi = tilesH * tilesW
        let total = n * tpi
        // Tiles per group: V and M together stay near 4 M floats.
        let group = max(min(total, 64), min(total, (4 << 20) / (16 * (cin + cout))))
        let v = TensorStorage(uninitializedCapacity: 16 * cin * group)
        let m = TensorStorage(uninitializedCapacity: 16 * cout * group)
        let xin = x.pointer, yout = out.pointer
        let biasP = bias?.pointer
        let cin = self.cin, cout = self.cout
        var t0 = 0
        while t0 < total {
            let tc = min(group, total - t0)
            let vb = v.base, mb = m.base
            let vStride = cin * tc
            // Input transform V[ξ][c][t] = (Bᵀ d B)_ξ
            Parallel.forEachChunk(cin, minimumPerThread: 1) { r in
                for c in r {
                    for tl in 0..<tc {
                        let t = t0 + tl
                        let img = t / tpi, rem = t % tpi
                        let th = rem / tilesW, tw = rem % tilesW
                        let plane = xin + (img * cin + c) * h * w
                        let y0 = th * 2 - ph, x0 = tw * 2 - pw
                        var d = SIMD16<Float>()
                        if y0 >= 0, x0 >= 0, y0 + 4 <= h, x0 + 4 <= w {
                            for i in 0..<4 {
                                let row = plane + (y0 + i) * w + x0
                                d[i * 4] = row[0]; d[i * 4 + 1] = row[1]; d[i * 4 + 2] = row[2]; d[i * 4 + 3] = row[3]
                            }
                        } else {
                            for i in 0..<4 {
                                let yy = y0 + i
                                if yy < 0 || yy >= h { continue }
                                for j in 0..<4 {
                                    let xx = x0 + j
                                    if xx >= 0 && xx < w { d[i * 4 + j] = plane[yy * w + xx] }
                                }
                            }
                        }
                        // rows: Bᵀ d
                        let r0 = d.lowHalf.lowHalf, r1 = d.lowHalf.highHalf, r2 = d.highHalf.lowHalf, r3 = d.highHalf.highHalf
                        let b0 = r0 - r2, b1 = r1 + r2, b2 = r2 - r1, b3 = r1 - r3
                        // columns: (Bᵀ d) B
                        let dst = vb + c * tc + tl
                        @inline(__always) func cols(_ q: SIMD4<Float>, _ base: Int) {
                            dst[(base + 0) * vStride] = q[0] - q[2]
                            dst[(base + 1) * vStride] = q[1] + q[2]
                            dst[(base + 2) * vStride] = q[2] - q[1]
                            dst[(base + 3) * vStride] = q[1] - q[3]
                        }
                        cols(b0, 0); cols(b1, 4); cols(b2, 8); cols(b3, 12)
                    }
                }
            }
            for xi in 0..<16 {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(tc), Int32(cin),
                            1, u.base + xi * cout * cin, Int32(cin), vb + xi * vStride, Int32(tc),
                            0, mb + xi * cout * tc, Int32(tc))
            }
            // Output transform Y = Aᵀ M A (+ bias)
            let mStride = cout * tc
            Parallel.forEachChunk(cout, minimumPerThread: 1) { r in
                for co in r {
                    let b = biasP?[co] ?? 0
                    for tl in 0..<tc {
                        let src = mb + co * tc + tl
                        var s = SIMD16<Float>()
                        for xi in 0..<16 { s[xi] = src[xi * mStride] }
                        let r0 = s.lowHalf.lowHalf, r1 = s.lowHalf.highHalf, r2 = s.highHalf.lowHalf, r3 = s.highHalf.highHalf
                        let a0 = r0 + r1 + r2, a1 = r1 - r2 - r3
                        let y00 = a0[0] + a0[1] + a0[2] + b, y01 = a0[1] - a0[2] - a0[3] + b
                        let y10 = a1[0] + a1[1] + a1[2] + b, y11 = a1[1] - a1[2] - a1[3] + b
                        let t = t0 + tl
                        let img = t / tpi, rem = t % tpi
                        let th = rem / tilesW, tw = rem % tilesW
                        let oy = th * 2, ox = tw * 2
                        let dst = yout + ((img * cout + co) * ho + oy) * wo + ox
                        dst[0] = y00
                        if ox + 1 < wo { dst[1] = y01 }
                        if oy + 1 < ho {
                            dst[wo] = y10
                            if ox + 1 < wo { dst[wo + 1] = y11 }
                        }
                    }
                }
            }
            t0 += tc
        }
        return out
    }
}
