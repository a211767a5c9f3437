import CBLAS

/// Weight gradient of a 3×3 stride-1 convolution through Winograd F(m×m, 3×3), m = 2 or 4.
///
/// The forward pass is `Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` per tile, so with `V = Bᵀ d B` (the forward
/// input transform) and `D = A dY Aᵀ` (the adjoint of the output transform), the gradient of the
/// transformed kernel is `dU_ξ[co][ci] = Σ_tiles D_ξ[co][t] · V_ξ[ci][t]` — (m+2)² GEMMs with the
/// tiles as the inner dimension — and `dW = Gᵀ dU G`. That is (m+2)²/m² multiplications per
/// output and channel pair instead of im2col's 9.
enum WinogradWeightGradient {
    /// Adds d(loss)/d(weight) `[cout, cin, 3, 3]` to `weightGrad` for input `x` `[N, cin, h, w]`
    /// (zero-padded by `padding`) and `gradOutput` `[N, cout, ho, wo]`; tiles go through the GEMMs
    /// in groups of about `groupBudget` floats of transformed data.
    static func accumulate(tile m: Int, input x: Tensor, gradOutput dy: Tensor, padding: (Int, Int),
                           into weightGrad: UnsafeMutablePointer<Float>, groupBudget: Int = winogradGroupBudget) {
        let n = x.shape[0], cin = x.shape[1], h = x.shape[2], w = x.shape[3]
        let cout = dy.shape[1], ho = dy.shape[2], wo = dy.shape[3]
        let a = m + 2, xiCount = a * a
        let tilesH = (ho + m - 1) / m, tilesW = (wo + m - 1) / m
        let tpi = tilesH * tilesW
        let total = n * tpi
        let group = max(min(total, 32), min(total, groupBudget / (xiCount * (cin + cout))))
        let v = TensorStorage(uninitializedCapacity: xiCount * cin * (group + 8))
        let d = TensorStorage(uninitializedCapacity: xiCount * cout * (group + 8))
        let du = TensorStorage(capacity: xiCount * cout * cin + 8)
        let vb = v.base, db = d.base, ub = du.base
        var t0 = 0
        while t0 < total {
            let tc = min(group, total - t0)
            let ldv = tc + 8              // rows padded so 8-wide stores may overrun a segment
            WinogradTransforms.input(tile: m, x.pointer, channels: cin, height: h, width: w, padding: padding,
                                     tilesW: tilesW, tpi: tpi, t0: t0, count: tc, into: vb, ldv: ldv)
            WinogradTransforms.outputGradient(tile: m, dy.pointer, channels: cout, height: ho, width: wo,
                                              tilesW: tilesW, tpi: tpi, t0: t0, count: tc, into: db, ldv: ldv)
            // dU_ξ += D_ξ · V_ξᵀ
            let gemm = { (xi: Int) in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(cout), Int32(cin), Int32(tc),
                            1, db + xi * cout * ldv, Int32(ldv), vb + xi * cin * ldv, Int32(ldv),
                            1, ub + xi * cout * cin, Int32(cin))
            }
            if Parallel.blasThreads == 1 && Parallel.workerCount > 1 {
                Parallel.forEach(xiCount, gemm)
            } else {
                for xi in 0..<xiCount { gemm(xi) }
            }
            t0 += tc
        }
        // dW += Gᵀ dU G per (co, ci) pair, eight pairs at a time (dU has 8 floats of slack at its end).
        let g = kernelTransform(tile: m)
        let plane = cout * cin
        g.withUnsafeBufferPointer { gb in
            let gp = gb.baseAddress!
            Parallel.forEachChunk((plane + 7) / 8, minimumPerThread: 64) { r in
                let t = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 3 * 6)
                defer { t.deallocate() }
                for block in r {
                    let o0 = block * 8
                    // t[r][j] = Σ_i G[i][r] dU[i][j]
                    for j in 0..<a {
                        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>()
                        for i in 0..<a {
                            let u = UnsafeRawPointer(ub + (i * a + j) * plane + o0).loadUnaligned(as: SIMD8<Float>.self)
                            s0 += gp[i * 3] * u
                            s1 += gp[i * 3 + 1] * u
                            s2 += gp[i * 3 + 2] * u
                        }
                        t[j] = s0; t[a + j] = s1; t[2 * a + j] = s2
                    }
                    // dW[r][c] = Σ_j t[r][j] G[j][c]
                    let lanes = min(8, plane - o0)
                    for rr in 0..<3 {
                        for c in 0..<3 {
                            var s = SIMD8<Float>()
                            for j in 0..<a { s += t[rr * a + j] * gp[j * 3 + c] }
                            for l in 0..<lanes { weightGrad[(o0 + l) * 9 + rr * 3 + c] += s[l] }
                        }
                    }
                }
            }
        }
    }

    /// G, `(m+2) × 3` row-major, of F(m×m, 3×3) (the kernel transform `U = G g Gᵀ`).
    static func kernelTransform(tile m: Int) -> [Float] {
        if m == 4 {
            return [1.0 / 4, 0, 0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6,
                    1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0, 0, 1]
        }
        return [1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1]
    }
}

/// Adds Σ over images and pixels of each channel of `gradOutput` `[N, C, H, W]` to `biasGrad[c]`.
func accumulateBiasGradient(_ gradOutput: Tensor, into biasGrad: UnsafeMutablePointer<Float>) {
    let n = gradOutput.shape[0], c = gradOutput.shape[1]
    let pixels = gradOutput.count / max(1, n * c)
    let g = gradOutput.pointer
    Parallel.forEachChunk(c, minimumPerThread: max(1, 65_536 / max(1, n * pixels))) { r in
        for ch in r {
            var acc = SIMD8<Float>()
            var tail: Float = 0
            for img in 0..<n {
                let p = g + (img * c + ch) * pixels
                var i = 0
                while i + 8 <= pixels {
                    acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                    i += 8
                }
                while i < pixels { tail += p[i]; i += 1 }
            }
            biasGrad[ch] += acc.sum() + tail
        }
    }
}
