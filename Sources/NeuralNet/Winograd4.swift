import CBLAS

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
        // G (6×3)
        let g: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        g.withUnsafeBufferPointer { gm in
            Parallel.forEachChunk(plane, minimumPerThread: 256) { r in
                for oi in r {
                    let k = src + oi * 9
                    for i in 0..<6 {
                        // t_i = G_i · k (a row of 3)
                        let gi = gm[i]
                        let t0 = gi[0] * Double(k[0]) + gi[1] * Double(k[3]) + gi[2] * Double(k[6])
                        let t1 = gi[0] * Double(k[1]) + gi[1] * Double(k[4]) + gi[2] * Double(k[7])
                        let t2 = gi[0] * Double(k[2]) + gi[1] * Double(k[5]) + gi[2] * Double(k[8])
                        for j in 0..<6 {
                            let gj = gm[j]
                            dst[(i * 6 + j) * plane + oi] = Float(t0 * gj[0] + t1 * gj[1] + t2 * gj[2])
                        }
                    }
                }
            }
        }
    }

    func forward(_ x: Tensor, bias: Tensor?, padding: (Int, Int), outputHeight ho: Int, outputWidth wo: Int,
                 epilogue: ConvEpilogue = ConvEpilogue()) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (ph, pw) = padding
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
            // Input transform V[ξ][c][t] = (Bᵀ d B)_ξ per tile row: zero-padded rows, row step as
            // contiguous vectors, column step on the 4 column phases (x = 4q + j).
            Parallel.forEachChunk(cin, minimumPerThread: 1) { r in
                let rowLen = 4 * (tilesW + 8) + 64
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 12 * rowLen)
                defer { scratch.deallocate() }
                let pr = scratch, br = scratch + 6 * rowLen
                for c in r {
                    forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                        let plane = xin + (img * cin + c) * h * w
                        let y0 = th * 4 - ph
                        let cnt = twHi - twLo
                        let vecCnt = (cnt + 7) & ~7
                        let len = 4 * vecCnt + 32
                        let x0 = 4 * twLo - pw
                        let lo = max(0, -x0), hi = max(lo, min(len, w - x0))
                        for i in 0..<6 {
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
                        var xx = 0
                        while xx < len {
                            @inline(__always) func d(_ i: Int) -> SIMD8<Float> { SIMD8<Float>.load(pr + i * rowLen + xx) }
                            let r = bt(d(0), d(1), d(2), d(3), d(4), d(5))
                            r.0.store(br + xx); r.1.store(br + rowLen + xx); r.2.store(br + 2 * rowLen + xx)
                            r.3.store(br + 3 * rowLen + xx); r.4.store(br + 4 * rowLen + xx); r.5.store(br + 5 * rowLen + xx)
                            xx += 8
                        }
                        for k in 0..<6 {
                            let b = br + k * rowLen
                            let dbase = vb + (6 * k) * vStride + c * ldv + tl0
                            var q = 0
                            while q < cnt {
                                let a = SIMD32<Float>.load(b + 4 * q), nx = SIMD32<Float>.load(b + 4 * q + 4)
                                let ae = a.evenHalf, ao = a.oddHalf
                                let r = bt(ae.evenHalf, ao.evenHalf, ae.oddHalf, ao.oddHalf, nx.evenHalf.evenHalf, nx.oddHalf.evenHalf)
                                // whole vectors: lanes past `cnt` land in the next segment (rewritten later by
                                // this thread) or in the row padding
                                let p = dbase + q
                                r.0.store(p); r.1.store(p + vStride); r.2.store(p + 2 * vStride)
                                r.3.store(p + 3 * vStride); r.4.store(p + 4 * vStride); r.5.store(p + 5 * vStride)
                                q += 8
                            }
                        }
                    }
                }
            }
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
                    let bv = SIMD8<Float>(repeating: biasP?[co] ?? 0)
                    let slope = epilogue.slopes?[co]
                    forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                        let src = mb + co * tc + tl0
                        let oy = th * 4
                        let planeOff = (img * cout + co) * ho * wo
                        let cnt = twHi - twLo
                        var q = 0
                        while q < cnt {
                            // Aᵀ over the rows of M for each column j, then Aᵀ over the columns
                            @inline(__always) func col(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                                @inline(__always) func m(_ i: Int) -> SIMD8<Float> { SIMD8<Float>.load(src + (6 * i + j) * mStride + q) }
                                return at(m(0), m(1), m(2), m(3), m(4), m(5))
                            }
                            let c0 = col(0), c1 = col(1), c2 = col(2), c3 = col(3), c4 = col(4), c5 = col(5)
                            let ox = 4 * (twLo + q)
                            let n = min(32, wo - ox, 4 * (cnt - q))   // valid output columns
                            @inline(__always) func emit(_ rr: Int, _ y: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)) {
                                if oy + rr >= ho { return }
                                let rowOff = planeOff + (oy + rr) * wo
                                let row = yout + rowOff
                                var y0 = y.0 + bv, y1 = y.1 + bv, y2 = y.2 + bv, y3 = y.3 + bv
                                if let a = slope {
                                    let av = SIMD8<Float>(repeating: a)
                                    y0 = prelu(y0, av); y1 = prelu(y1, av); y2 = prelu(y2, av); y3 = prelu(y3, av)
                                }
                                var vec = interleave4(y0, y1, y2, y3)
                                let res = epilogue.residual.map { $0 + rowOff + ox }
                                if n == 32 {
                                    if let rp = res { vec += SIMD32<Float>.load(UnsafeMutablePointer(mutating: rp)) }
                                    vec.store(row + ox)
                                } else {
                                    storePartial(vec, row + ox, n, res)
                                }
                            }
                            emit(0, at(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
                            emit(1, at(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
                            emit(2, at(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
                            emit(3, at(c0.3, c1.3, c2.3, c3.3, c4.3, c5.3))
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

/// Bᵀ applied to six vectors (F(4×4,3×3) input transform, one dimension).
@inline(__always)
func bt(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>, _ d4: SIMD8<Float>, _ d5: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let four: SIMD8<Float> = .init(repeating: 4), five: SIMD8<Float> = .init(repeating: 5), two: SIMD8<Float> = .init(repeating: 2)
    let r0 = four * d0 - five * d2 + d4
    let p = d4 - four * d2, s = d3 - four * d1
    let r1 = p + s                  // −4d1 − 4d2 + d3 + d4
    let r2 = p - s                  // 4d1 − 4d2 − d3 + d4
    let p2 = d4 - d2, s2 = two * (d3 - d1)
    let r3 = p2 + s2                // −2d1 − d2 + 2d3 + d4
    let r4 = p2 - s2                // 2d1 − d2 − 2d3 + d4
    let r5 = four * d1 - five * d3 + d5
    return (r0, r1, r2, r3, r4, r5)
}

/// Aᵀ applied to six vectors (F(4×4,3×3) output transform, one dimension).
@inline(__always)
func at(_ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>, _ m4: SIMD8<Float>, _ m5: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
    return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
}

/// `(a0, b0, c0, d0, a1, b1, c1, d1, ...)`
@inline(__always)
func interleave4(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD32<Float> {
    SIMD32(a[0], b[0], c[0], d[0], a[1], b[1], c[1], d[1], a[2], b[2], c[2], d[2], a[3], b[3], c[3], d[3],
           a[4], b[4], c[4], d[4], a[5], b[5], c[5], d[5], a[6], b[6], c[6], d[6], a[7], b[7], c[7], d[7])
}

extension SIMD32 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD32<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD32<Float>.self)
    }
}

/// PReLU of a vector without a masked select: `v ≥ 0 ? v : a·v`, computed as
/// `v − (1 − a) · min(v, 0)` with `min(v, 0) = (v − |v|) / 2` (|v| by clearing the sign bit).
@inline(__always)
func prelu(_ v: SIMD8<Float>, _ a: SIMD8<Float>) -> SIMD8<Float> {
    let absV = unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
    let neg = (v - absV) * 0.5          // exact: min(v, 0)
    return v - (1 - a) * neg            // v for v ≥ 0 (neg = 0), a·v up to rounding otherwise
}
