import CBLAS
import CSIMD

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

    /// `epilogue` is applied to each output value after the bias (PReLU slopes and/or a residual).
    func forward(_ x: Tensor, bias: Tensor?, padding: (Int, Int), outputHeight ho: Int, outputWidth wo: Int,
                 epilogue: ConvEpilogue = ConvEpilogue()) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let out = Tensor(uninitialized: [n, cout, ho, wo])
        let tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2
        let tpi = tilesH * tilesW
        let total = n * tpi
        // Tiles per group: V and M together stay near 4 M floats.
        let group = max(min(total, 64), min(total, winogradGroupBudget / (16 * (cin + cout))))
        let v = TensorStorage(uninitializedCapacity: 16 * cin * (group + 8))
        let m = TensorStorage(uninitializedCapacity: 16 * cout * group + 64)
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
            WinogradTransforms.input(tile: 2, xin, channels: cin, height: h, width: w, padding: padding, tilesW: tilesW,
                                     tpi: tpi, t0: t0, count: tc, into: vb, ldv: ldv)
            let ub = u.base
            if Parallel.blasThreads == 1 && Parallel.workerCount > 1 {
                Parallel.forEach(16) { xi in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(tc), Int32(cin),
                                1, ub + xi * cout * cin, Int32(cin), vb + xi * vStride, Int32(ldv),
                                0, mb + xi * cout * tc, Int32(tc))
                }
            } else {
                for xi in 0..<16 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(tc), Int32(cin),
                                1, ub + xi * cout * cin, Int32(cin), vb + xi * vStride, Int32(ldv),
                                0, mb + xi * cout * tc, Int32(tc))
                }
            }
            // Output transform Y = Aᵀ M A (+ bias), vectorised over the tiles of a tile row.
            let mStride = cout * tc
            Parallel.forEachChunk(cout, minimumPerThread: 1) { r in
                for co in r {
                    let bias = biasP?[co] ?? 0
                    withUnsafePointer(to: epilogue.slopes?[co] ?? 1) { slope in
                        forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                            let oy = th * 2, offset = (img * cout + co) * ho * wo + oy * wo + 2 * twLo
                            csimd_winograd2_output(mb + co * tc + tl0, mStride, twHi - twLo, bias,
                                                   epilogue.slopes == nil ? nil : slope, yout + offset,
                                                   epilogue.residual.map { $0 + offset }, wo, min(2, ho - oy), wo - 2 * twLo)
                        }
                    }
                }
            }
            t0 += tc
        }
        return out
    }
}

/// Calls `body(image, tileRow, firstTileColumn, endTileColumn, localIndexOfFirst)` for each tile-row
/// segment of the global tile range `t0 ..< t0 + count` (tiles numbered image-major, then row, column).
@inline(__always)
func forEachTileRow(t0: Int, count: Int, tilesW: Int, tpi: Int, _ body: (Int, Int, Int, Int, Int) -> Void) {
    var t = t0
    let end = t0 + count
    while t < end {
        let img = t / tpi, rem = t % tpi
        let th = rem / tilesW, tw = rem % tilesW
        let n = min(tilesW - tw, end - t)
        body(img, th, tw, tw + n, t - t0)
        t += n
    }
}

/// Element-wise work fused into a convolution's output pass (inference):
/// `y = prelu(conv(x) + bias) + residual`.
struct ConvEpilogue {
    /// Per-output-channel PReLU slopes, or nil for none.
    var slopes: UnsafePointer<Float>? = nil
    /// A tensor of the output's shape added last, or nil.
    var residual: UnsafePointer<Float>? = nil
}

/// Floats of transformed input plus GEMM output held per tile group (V and M together);
/// internal so benchmarks can tune it.
nonisolated(unsafe) var winogradGroupBudget = 4 << 20
