import CBLAS
import CSIMD

/// Winograd F(4×4, 3×3) forward convolution for 3×3 stride-1 kernels (Lavin & Gray, 2016).
///
/// 6×6 input tiles give 4×4 output tiles: `Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`, 36 GEMMs
/// `M_ξ[Cout × tiles] = U_ξ[Cout × Cin] · V_ξ[Cin × tiles]` — 2.25 multiplications per output and
/// channel pair instead of 9 (F(2×2,3×3): 4), and 2.25 transformed values per output instead of 4.
/// Transforms are vectorised over 8 tiles of a tile row.
final class Winograd4Kernel {
    /// `U[ξ][co][ci]`, ξ = 6·row + col of the transformed 6×6 kernel.
    let u: TensorStorage
    let version: Int
    let cin: Int
    let cout: Int

    init(weight: Parameter) {
        let w = weight.value
        cout = w.shape[0]
        cin = w.shape[1]
        version = weight.version
        u = TensorStorage(uninitializedCapacity: 36 * cout * cin)
        let src = w.pointer, dst = u.base
        let plane = cout * cin
        // U = G k Gᵀ for eight (co, ci) pairs at a time, vectorised across the pairs; G (6×3):
        // rows (1/4, 0, 0), −(1, 1, 1)/6, (−1, 1, −1)/6, (1/24, 1/12, 1/6), (1/24, −1/12, 1/6), (0, 0, 1).
        @inline(__always) func applyG(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ out: UnsafeMutablePointer<SIMD8<Float>>, _ stride: Int) {
            let s = (a + c) * (-1.0 / 6), d = b * (1.0 / 6)
            let p = a * (1.0 / 24) + c * (1.0 / 6), q = b * (1.0 / 12)
            out[0] = a * 0.25; out[stride] = s - d; out[2 * stride] = s + d
            out[3 * stride] = p + q; out[4 * stride] = p - q; out[5 * stride] = c
        }
        Parallel.forEachChunk((plane + 7) / 8, minimumPerThread: 32) { r in
            // k: 9 kernel taps; t: G k, 6 rows × 3 columns; row: one row of U.
            let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 9 + 18 + 6)
            defer { scratch.deallocate() }
            let k = scratch, t = scratch + 9, row = scratch + 27
            for block in r {
                let o0 = block * 8, lanes = min(8, plane - o0)
                for e in 0..<9 { k[e] = SIMD8() }
                for l in 0..<lanes {
                    let g = src + (o0 + l) * 9
                    for e in 0..<9 { k[e][l] = g[e] }
                }
                for c in 0..<3 { applyG(k[c], k[3 + c], k[6 + c], t + c, 3) }
                for i in 0..<6 {
                    applyG(t[3 * i], t[3 * i + 1], t[3 * i + 2], row, 1)
                    for j in 0..<6 {
                        let out = dst + (i * 6 + j) * plane + o0
                        if lanes == 8 {
                            UnsafeMutableRawPointer(out).storeBytes(of: row[j], as: SIMD8<Float>.self)
                        } else {
                            for l in 0..<lanes { out[l] = row[j][l] }
                        }
                    }
                }
            }
        }
    }

    func forward(_ x: Tensor, bias: Tensor?, padding: (Int, Int), outputHeight ho: Int, outputWidth wo: Int,
                 epilogue: ConvEpilogue = ConvEpilogue()) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let out = Tensor(uninitialized: [n, cout, ho, wo])
        let tilesH = (ho + 3) / 4, tilesW = (wo + 3) / 4
        let tpi = tilesH * tilesW
        let total = n * tpi
        let group = max(min(total, 32), min(total, winogradGroupBudget / (36 * (cin + cout))))
        let v = TensorStorage(uninitializedCapacity: 36 * cin * (group + 8))
        let m = TensorStorage(uninitializedCapacity: 36 * cout * group + 64)
        let xin = x.pointer, yout = out.pointer
        let biasP = bias?.pointer
        let cin = self.cin, cout = self.cout
        var t0 = 0
        while t0 < total {
            let tc = min(group, total - t0)
            let vb = v.base, mb = m.base
            let ldv = tc + 8              // V rows padded so 8-wide stores may overrun a segment
            let vStride = cin * ldv
            // Input transform V[ξ][c][t] = (Bᵀ d B)_ξ, vectorised over the tiles of a tile row.
            WinogradTransforms.input(tile: 4, xin, channels: cin, height: h, width: w, padding: padding, tilesW: tilesW,
                                     tpi: tpi, t0: t0, count: tc, into: vb, ldv: ldv)
            let ub = u.base
            if Parallel.blasThreads == 1 && Parallel.workerCount > 1 {
                Parallel.forEach(36) { xi in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(tc), Int32(cin),
                                1, ub + xi * cout * cin, Int32(cin), vb + xi * vStride, Int32(ldv),
                                0, mb + xi * cout * tc, Int32(tc))
                }
            } else {
                for xi in 0..<36 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(tc), Int32(cin),
                                1, ub + xi * cout * cin, Int32(cin), vb + xi * vStride, Int32(ldv),
                                0, mb + xi * cout * tc, Int32(tc))
                }
            }
            // Output transform Y = Aᵀ M A, then bias and the epilogue.
            let mStride = cout * tc
            Parallel.forEachChunk(cout, minimumPerThread: 1) { r in
                for co in r {
                    let bias = biasP?[co] ?? 0
                    withUnsafePointer(to: epilogue.slopes?[co] ?? 1) { slope in
                        forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                            let oy = th * 4, offset = (img * cout + co) * ho * wo + oy * wo + 4 * twLo
                            csimd_winograd4_output(mb + co * tc + tl0, mStride, twHi - twLo, bias,
                                                   epilogue.slopes == nil ? nil : slope, yout + offset,
                                                   epilogue.residual.map { $0 + offset }, wo, min(4, ho - oy), wo - 4 * twLo)
                        }
                    }
                }
            }
            t0 += tc
        }
        return out
    }
}
