import CSIMD
import NeuralNet

/// Element-wise kernels of `DlibResNet`'s inference pass that NeuralNet has no fused form for:
/// in-place ReLU and the residual merge `relu(add_zero_pad(main, shortcut))`, with the 2×2 average-pool
/// shortcut of the down-sampling blocks computed inside the merge (no intermediate tensor).
/// Inference only (no backward); every loop runs over raw pointers, split across `Parallel` workers.
enum DlibResNetKernels {
    /// `x = max(x, 0)` in place, for a tensor this pass owns.
    static func reluInPlace(_ x: Tensor) {
        let p = x.pointer
        Parallel.forEachChunk(x.count, minimumPerThread: 32_768) { r in
            csimd_relu(p + r.lowerBound, r.count)
        }
    }

    /// Identity shortcut: `main = max(main + x, 0)` in place (same shape); returns `main`.
    static func addReLUInPlace(_ main: Tensor, _ x: Tensor) -> Tensor {
        let m = main.pointer, s = x.pointer
        Parallel.forEachChunk(main.count, minimumPerThread: 32_768) { r in
            csimd_add_relu(m + r.lowerBound, s + r.lowerBound, r.count)
        }
        return main
    }

    /// Down-sampling merge: `relu(add_zero_pad(main, avgpool2x2s2(x)))`.
    ///
    /// - `main`: `[N, Cm, Hm, Wm]`, the block's main branch.
    /// - `x`: `[N, Cx, H, W]`, the block input; its shortcut is the 2×2 stride-2 average pool,
    ///   `[N, Cx, Hs, Ws]` with `Hs = (H − 2)/2 + 1`.
    /// - Returns `[N, max(Cm, Cx), max(Hm, Hs), max(Wm, Ws)]`: both operands aligned at channel 0,
    ///   pixel (0, 0) and zero beyond their own extent (dlib's `add_prev` on tensors of unequal shape).
    static func downsampleMerge(main: Tensor, input x: Tensor) -> Tensor {
        let n = main.shape[0], cm = main.shape[1], hm = main.shape[2], wm = main.shape[3]
        let cx = x.shape[1], h = x.shape[2], w = x.shape[3]
        let hs = (h - 2) / 2 + 1, ws = (w - 2) / 2 + 1
        let co = max(cm, cx), ho = max(hm, hs), wo = max(wm, ws)
        let out = Tensor(uninitialized: [n, co, ho, wo])
        let mp = main.pointer, xp = x.pointer, op = out.pointer
        Parallel.forEachChunk(n * co, minimumPerThread: max(1, 8_192 / (ho * wo))) { r in
            for job in r {
                let img = job / co, c = job % co
                let dst = op + job * ho * wo
                let mPlane: UnsafeMutablePointer<Float>? = c < cm ? mp + (img * cm + c) * hm * wm : nil
                let xPlane: UnsafeMutablePointer<Float>? = c < cx ? xp + (img * cx + c) * h * w : nil
                for y in 0..<ho {
                    let d = dst + y * wo
                    if let mPlane, y < hm {
                        let src = mPlane + y * wm
                        for i in 0..<wm { d[i] = src[i] }
                        for i in wm..<wo { d[i] = 0 }
                    } else {
                        for i in 0..<wo { d[i] = 0 }
                    }
                    if let xPlane, y < hs {
                        let r0 = xPlane + 2 * y * w, r1 = r0 + w
                        for i in 0..<ws {
                            d[i] += (r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1]) * 0.25
                        }
                    }
                    for i in 0..<wo { d[i] = max(d[i], 0) }
                }
            }
        }
        return out
    }

    /// `relu(maxpool 3×3 stride 2, no padding)`: `[N, C, H, W]` → `[N, C, (H − 3)/2 + 1, (W − 3)/2 + 1]`.
    /// Equals max-pooling the ReLU output (max and ReLU commute) at a quarter of the ReLU work.
    /// Per output row: vertical max of the 3 input rows (contiguous, vectorisable), then the
    /// horizontal max over each stride-2 window.
    static func maxPool3x3s2ReLU(_ x: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let ho = (h - 3) / 2 + 1, wo = (w - 3) / 2 + 1
        let out = Tensor(uninitialized: [n, c, ho, wo])
        let sp = x.pointer, dp = out.pointer
        Parallel.forEachChunk(n * c, minimumPerThread: 8) { r in
            let row = UnsafeMutablePointer<Float>.allocate(capacity: w)
            defer { row.deallocate() }
            for plane in r {
                let src = sp + plane * h * w, dst = dp + plane * ho * wo
                for oy in 0..<ho {
                    let r0 = src + 2 * oy * w, r1 = r0 + w, r2 = r1 + w
                    for i in 0..<w { row[i] = max(max(r0[i], r1[i]), r2[i]) }
                    let d = dst + oy * wo
                    for ox in 0..<wo {
                        d[ox] = max(max(max(row[2 * ox], row[2 * ox + 1]), row[2 * ox + 2]), 0)
                    }
                }
            }
        }
        return out
    }

    /// `[N, C, H, W]` → `[N, C]`, the mean of each plane (dlib `avg_pool_everything`).
    static func globalAveragePool(_ x: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3]
        let out = Tensor(uninitialized: [n, c])
        let s = x.pointer, d = out.pointer
        let inv = 1 / Float(hw)
        for p in 0..<(n * c) {
            var acc: Float = 0
            let ps = s + p * hw
            for i in 0..<hw { acc += ps[i] }
            d[p] = acc * inv
        }
        return out
    }
}
