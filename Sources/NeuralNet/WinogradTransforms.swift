import CSIMD

/// The tile transforms shared by the Winograd forward pass and the Winograd weight gradient,
/// F(m×m, 3×3) with m = 2 or 4, over the tiles `t0 ..< t0 + count` of a batch (numbered
/// image-major, then tile row, tile column; see `forEachTileRow`). Each writes one
/// `(m+2)² × channels × ldv` block, `[ξ][c][t]`, parallel over channels.
enum WinogradTransforms {
    /// `V[ξ][c][t] = (Bᵀ d B)_ξ` of the zero-padded input `[N, channels, h, w]`, tile origin at
    /// `(m·row − padding.0, m·column − padding.1)`.
    static func input(tile m: Int, _ x: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                      padding: (Int, Int), tilesW: Int, tpi: Int, t0: Int, count tc: Int,
                      into v: UnsafeMutablePointer<Float>, ldv: Int) {
        let a = m + 2, (ph, pw) = padding
        let vStride = channels * ldv
        Parallel.forEachChunk(channels, minimumPerThread: 1) { r in
            let rowLen = m * (tilesW + 8) + 16 * m
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * a * rowLen)
            defer { scratch.deallocate() }
            let pr = scratch, br = scratch + a * rowLen
            for c in r {
                forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                    let plane = x + (img * channels + c) * h * w
                    let cnt = twHi - twLo
                    let len = m * ((cnt + 7) & ~7) + 8 * m   // columns x0 ..< x0 + len are read
                    let x0 = m * twLo - pw
                    copyRows(plane, height: h, width: w, firstRow: th * m - ph, rows: a, firstColumn: x0, length: len,
                             into: pr, rowLength: rowLen)
                    if m == 4 {
                        csimd_winograd4_input(pr, br, rowLen, len, cnt, v + c * ldv + tl0, vStride)
                    } else {
                        csimd_winograd2_input(pr, br, rowLen, len, cnt, v + c * ldv + tl0, vStride)
                    }
                }
            }
        }
    }

    /// `D[ξ][c][t] = (A dY Aᵀ)_ξ` of the output gradient `[N, channels, ho, wo]` (the adjoint of
    /// the output transform), zero past the output's edge.
    static func outputGradient(tile m: Int, _ dy: UnsafePointer<Float>, channels: Int, height ho: Int, width wo: Int,
                               tilesW: Int, tpi: Int, t0: Int, count tc: Int,
                               into d: UnsafeMutablePointer<Float>, ldv: Int) {
        let a = m + 2
        let vStride = channels * ldv
        Parallel.forEachChunk(channels, minimumPerThread: 1) { r in
            let rowLen = m * (tilesW + 8)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (m + a) * rowLen)
            defer { scratch.deallocate() }
            let pr = scratch, br = scratch + m * rowLen
            for c in r {
                forEachTileRow(t0: t0, count: tc, tilesW: tilesW, tpi: tpi) { img, th, twLo, twHi, tl0 in
                    let plane = dy + (img * channels + c) * ho * wo
                    let cnt = twHi - twLo
                    let len = m * ((cnt + 7) & ~7)
                    copyRows(plane, height: ho, width: wo, firstRow: th * m, rows: m, firstColumn: m * twLo, length: len,
                             into: pr, rowLength: rowLen)
                    if m == 4 {
                        csimd_winograd4_gradient(pr, br, rowLen, len, cnt, d + c * ldv + tl0, vStride)
                    } else {
                        csimd_winograd2_gradient(pr, br, rowLen, len, cnt, d + c * ldv + tl0, vStride)
                    }
                }
            }
        }
    }

    /// Copies `rows` rows of `length` values from `plane` starting at (`firstRow`, `firstColumn`)
    /// into `destination` (`rowLength` apart), zero outside the plane.
    @inline(__always)
    private static func copyRows(_ plane: UnsafePointer<Float>, height h: Int, width w: Int, firstRow y0: Int, rows: Int,
                                 firstColumn x0: Int, length len: Int, into destination: UnsafeMutablePointer<Float>,
                                 rowLength: Int) {
        let lo = max(0, -x0), hi = max(lo, min(len, w - x0))
        for i in 0..<rows {
            let dst = destination + i * rowLength
            let yy = y0 + i
            if yy < 0 || yy >= h || lo >= hi {
                dst.update(repeating: 0, count: len)
                continue
            }
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            (dst + lo).update(from: plane + yy * w + x0 + lo, count: hi - lo)
            if hi < len { (dst + hi).update(repeating: 0, count: len - hi) }
        }
    }
}
