import Imaging

/// Summed-area table of an 8-bit RGB image: one plane of `(height + 1) × (width + 1)` UInt32 per
/// channel, `table[c][y][x]` = sum of channel `c` over rows `0..<y`, columns `0..<x`.
///
/// It makes the 'area' resize (`F.interpolate(mode="area")` = adaptive average pooling) O(1) per output
/// pixel for the whole pyramid and every 24×24 / 48×48 crop. Sums wrap modulo 2³², so the difference of
/// four entries is the exact window sum for any image size (a window sum is below 2³²). Exact integer
/// sums equal PyTorch's Float32 window sums while those stay below 2²⁴ (windows up to 65 793 pixels).
struct IntegralImage {
    let width: Int
    let height: Int
    /// `width + 1`.
    let rowStride: Int
    /// `(height + 1) · (width + 1)`.
    let planeStride: Int
    /// Three planes (R, G, B).
    let table: [UInt32]

    init(_ image: Image) {
        width = image.width
        height = image.height
        let w = image.width, h = image.height, rs = w + 1, ps = (h + 1) * rs
        rowStride = rs
        planeStride = ps
        var t = [UInt32](repeating: 0, count: 3 * ps)
        image.pixels.withUnsafeBufferPointer { src in
            t.withUnsafeMutableBufferPointer { dst in
                let px = src.baseAddress!, tb = dst.baseAddress!
                for c in 0..<3 {
                    let plane = tb + c * ps
                    for y in 0..<h {
                        var run: UInt32 = 0
                        let up = plane + y * rs, row = plane + (y + 1) * rs
                        let s = px + y * w * 3 + c
                        for x in 0..<w {
                            run &+= UInt32(s[3 * x])
                            row[x + 1] = up[x + 1] &+ run
                        }
                    }
                }
            }
        }
        table = t
    }

    /// Resizes the rectangle at column `x`, row `y` of size `w × h` (inside the image) to `ow × oh` with
    /// adaptive average pooling and writes `(mean − 127.5) · 0.0078125` (MTCNN's normalisation) into three
    /// planes `[3, oh, ow]` starting at `dst`. Output row `i` averages input rows
    /// `floor(i·h/oh) ..< ceil((i+1)·h/oh)` (likewise columns); the mean is `sum / kh / kw` in Float32,
    /// PyTorch's arithmetic.
    func resampleNormalized(x: Int, y: Int, width w: Int, height h: Int, outWidth ow: Int, outHeight oh: Int,
                            into dst: UnsafeMutablePointer<Float>) {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height && ow > 0 && oh > 0)
        let rs = rowStride, ps = planeStride
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * ow) { cols in
            let c0 = cols.baseAddress!, c1 = c0 + ow
            for j in 0..<ow {
                c0[j] = x + (j * w) / ow
                c1[j] = x + ((j + 1) * w + ow - 1) / ow
            }
            table.withUnsafeBufferPointer { tb in
                let t = tb.baseAddress!
                for i in 0..<oh {
                    let y0 = y + (i * h) / oh, y1 = y + ((i + 1) * h + oh - 1) / oh
                    let kh = Float(y1 - y0)
                    for c in 0..<3 {
                        let top = t + c * ps + y0 * rs, bottom = t + c * ps + y1 * rs
                        let out = dst + (c * oh + i) * ow
                        for j in 0..<ow {
                            let a = c0[j], b = c1[j]
                            let sum = bottom[b] &- bottom[a] &- top[b] &+ top[a]
                            let mean = Float(sum) / kh / Float(b - a)
                            out[j] = (mean - 127.5) * 0.0078125
                        }
                    }
                }
            }
        }
    }
}
