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

    /// `epilogue` is applied to each output value after the bias (PReLU slopes and/or a residual).
    func forward(_ x: Tensor, bias: Tensor?, padding: (Int, Int), outputHeight ho: Int, outputWidth wo: Int,
                 epilogue: ConvEpilogue = ConvEpilogue()) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (ph, pw) = padding
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
            // Input transform V[ξ][c][t] = (Bᵀ d B)_ξ, one tile row at a time, vectorised over tiles:
            // the 4 input rows are copied zero-padded, combined row-wise (Bᵀ d) as contiguous vectors,
            // then split into even/odd columns for the column step ((Bᵀ d) B).
            Parallel.forEachChunk(cin, minimumPerThread: 1) { r in
                let rowLen = 2 * (tilesW + 8) + 32
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 8 * rowLen)
                defer { scratch.deallocate() }
                let pr = scratch, br = scratch + 4 * rowLen
                for c in r {
                    forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                        let plane = xin + (img * cin + c) * h * w
                        let y0 = th * 2 - ph
                        let cnt = twHi - twLo
                        let vecCnt = (cnt + 7) & ~7
                        let len = 2 * vecCnt + 16      // columns x0 ..< x0 + len are read
                        let x0 = 2 * twLo - pw
                        let lo = max(0, -x0), hi = max(lo, min(len, w - x0))
                        for i in 0..<4 {
                            let dst = pr + i * rowLen
                            let yy = y0 + i
                            if yy < 0 || yy >= h || lo >= hi {
                                dst.update(repeating: 0, count: len)
                                continue
                            }
                            if lo > 0 { dst.update(repeating: 0, count: lo) }
                            (dst + lo).update(from: plane + yy * w + x0 + lo, count: hi - lo)
                            if hi < len { (dst + hi).update(repeating: 0, count: len - hi) }
                        }
                        // rows: b0 = d0 − d2, b1 = d1 + d2, b2 = d2 − d1, b3 = d1 − d3
                        var x = 0
                        while x < len {
                            let d0 = SIMD8<Float>.load(pr + x), d1 = SIMD8<Float>.load(pr + rowLen + x)
                            let d2 = SIMD8<Float>.load(pr + 2 * rowLen + x), d3 = SIMD8<Float>.load(pr + 3 * rowLen + x)
                            (d0 - d2).store(br + x)
                            (d1 + d2).store(br + rowLen + x)
                            (d2 - d1).store(br + 2 * rowLen + x)
                            (d1 - d3).store(br + 3 * rowLen + x)
                            x += 8
                        }
                        // columns over tile q: E[q] = b[2q], O[q] = b[2q+1], E[q+1], O[q+1]
                        for k in 0..<4 {
                            let b = br + k * rowLen
                            let d0 = vb + (4 * k) * vStride + c * ldv + tl0
                            let d1 = d0 + vStride, d2 = d1 + vStride, d3 = d2 + vStride
                            var q = 0
                            // whole vectors: lanes past `cnt` land in the next segment (rewritten later by this
                            // thread) or in the row padding
                            while q < cnt {
                                let a = SIMD16<Float>.load(b + 2 * q), n = SIMD16<Float>.load(b + 2 * q + 2)
                                let ea = a.evenHalf, oa = a.oddHalf, eb = n.evenHalf, ob = n.oddHalf
                                (ea - eb).store(d0 + q)
                                (oa + eb).store(d1 + q)
                                (eb - oa).store(d2 + q)
                                (oa - ob).store(d3 + q)
                                q += 8
                            }
                            while q < cnt {
                                let ea = b[2 * q], oa = b[2 * q + 1], eb = b[2 * q + 2], ob = b[2 * q + 3]
                                d0[q] = ea - eb; d1[q] = oa + eb; d2[q] = eb - oa; d3[q] = oa - ob
                                q += 1
                            }
                        }
                    }
                }
            }
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
                    let b = biasP?[co] ?? 0
                    let bv = SIMD8<Float>(repeating: b)
                    let slope = epilogue.slopes?[co] ?? 1
                    let sv = SIMD8<Float>(repeating: slope)
                    let hasSlope = epilogue.slopes != nil

                    forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                        let src = mb + co * tc + tl0
                        let oy = th * 2
                        let row0 = yout + ((img * cout + co) * ho + oy) * wo
                        let hasRow1 = oy + 1 < ho
                        let row1 = row0 + wo
                        let res0 = epilogue.residual.map { $0 + ((img * cout + co) * ho + oy) * wo }
                        let cnt = twHi - twLo
                        @inline(__always) func finish(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ off: Int, _ res: UnsafePointer<Float>?) -> SIMD16<Float> {
                            var r = hasSlope ? interleave(prelu(a, sv), prelu(b, sv)) : interleave(a, b)
                            if let rp = res { r += UnsafeRawPointer(rp + off).loadUnaligned(as: SIMD16<Float>.self) }
                            return r
                        }
                        var q = 0
                        while q < cnt {
                            @inline(__always) func m(_ i: Int) -> SIMD8<Float> { SIMD8<Float>.load(src + i * mStride + q) }
                            let a01 = m(1) + m(5) + m(9), a02 = m(2) + m(6) + m(10)
                            let y00 = m(0) + m(4) + m(8) + a01 + a02 + bv
                            let y01 = a01 - a02 - (m(3) + m(7) + m(11)) + bv
                            let ox = 2 * (twLo + q)
                            let n = min(16, wo - ox, 2 * (cnt - q))   // valid output columns
                            if n == 16 {
                                finish(y00, y01, ox, res0).store(row0 + ox)
                            } else {
                                storePartial(finish(y00, y01, 0, nil), row0 + ox, n, res0.map { $0 + ox })
                            }
                            if hasRow1 {
                                let a11 = m(5) - m(9) - m(13), a12 = m(6) - m(10) - m(14)
                                let y10 = m(4) - m(8) - m(12) + a11 + a12 + bv
                                let y11 = a11 - a12 - (m(7) - m(11) - m(15)) + bv
                                if n == 16 {
                                    finish(y10, y11, ox, res0.map { $0 + wo }).store(row1 + ox)
                                } else {
                                    storePartial(finish(y10, y11, 0, nil), row1 + ox, n, res0.map { $0 + wo + ox })
                                }
                            }
                            q += 8
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

/// `(a0, b0, a1, b1, ..., a7, b7)`
@inline(__always)
func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

extension SIMD8 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load(UnsafePointer(p)) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}

extension SIMD16 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD16<Float>.self)
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

/// Stores the first `n` lanes of `v` to `dst`, adding `residual[i]` when given.
@inline(__always)
func storePartial(_ v: SIMD16<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ residual: UnsafePointer<Float>?) {
    var t = v
    withUnsafeBytes(of: &t) { storeFirst($0.baseAddress!.assumingMemoryBound(to: Float.self), dst, n, residual) }
}

/// Stores the first `n` lanes of `v` to `dst`, adding `residual[i]` when given.
@inline(__always)
func storePartial(_ v: SIMD32<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ residual: UnsafePointer<Float>?) {
    var t = v
    withUnsafeBytes(of: &t) { storeFirst($0.baseAddress!.assumingMemoryBound(to: Float.self), dst, n, residual) }
}

@inline(__always)
func storeFirst(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ residual: UnsafePointer<Float>?) {
    if let r = residual {
        for i in 0..<n { dst[i] = src[i] + r[i] }
    } else {
        dst.update(from: src, count: n)
    }
}

/// Floats of transformed input plus GEMM output held per tile group (V and M together);
/// internal so benchmarks can tune it.
nonisolated(unsafe) var winogradGroupBudget = 4 << 20
