/// Resampling filters for `Image.resized` and `PlanarImage.resized`.
public enum ResizeMethod: Sendable {
    /// Adaptive average pooling — PyTorch `F.interpolate(mode="area")` = `adaptive_avg_pool2d`, as
    /// facenet-pytorch's MTCNN uses it for its pyramid and its 24×24/48×48 crops. Output row `i` is the
    /// unweighted mean of input rows `floor(i·H/h) ..< ceil((i+1)·H/h)` (likewise columns); this also
    /// upsamples (each output pixel then averages 1–2 input pixels per axis). Equals OpenCV `INTER_AREA`
    /// when the input size is an integer multiple of the output size; for other ratios OpenCV weights
    /// partial pixels and this does not.
    case area
    /// Bilinear with half-pixel centres (`align_corners=False`): source coordinate
    /// `(i + 0.5)·in/out − 0.5`, clamped to the image; no antialiasing. Same geometry as OpenCV
    /// `INTER_LINEAR` and PyTorch `mode="bilinear"`.
    case bilinear
}

/// Start/end of the adaptive-average window of output index `i` (torch's integer formulas).
@inline(__always) func areaWindow(_ i: Int, input: Int, output: Int) -> (Int, Int) {
    let start = (i * input) / output
    let end = ((i + 1) * input + output - 1) / output
    return (start, end)
}

/// Bilinear taps of each output index: lower index, upper index, weight of the upper one.
func bilinearTaps(input: Int, output: Int) -> [(Int, Int, Float)] {
    let scale = Double(input) / Double(output)
    var taps = [(Int, Int, Float)]()
    taps.reserveCapacity(output)
    for i in 0..<output {
        var s = (Double(i) + 0.5) * scale - 0.5
        if s < 0 { s = 0 }
        var i0 = Int(s)
        if i0 > input - 1 { i0 = input - 1 }
        let i1 = min(i0 + 1, input - 1)
        var f = Float(s - Double(i0))
        if i1 == i0 { f = 0 }
        taps.append((i0, i1, f))
    }
    return taps
}

extension Image {
    /// A `width`×`height` resampled copy (RGB, rounded to the nearest integer). See `ResizeMethod`.
    public func resized(width ow: Int, height oh: Int, method: ResizeMethod) throws -> Image {
        guard ow > 0, oh > 0, ow.multipliedReportingOverflow(by: oh * 3).overflow == false else {
            throw ImagingError.invalidArgument("resize target \(ow)×\(oh) must be positive")
        }
        if ow == width && oh == height { return self }
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        let w = width, h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                switch method {
                case .area:
                    let cols = (0..<ow).map { areaWindow($0, input: w, output: ow) }
                    for i in 0..<oh {
                        let (y0, y1) = areaWindow(i, input: h, output: oh)
                        for j in 0..<ow {
                            let (x0, x1) = cols[j]
                            var r = 0, g = 0, b = 0
                            for y in y0..<y1 {
                                var p = (y * w + x0) * 3
                                for _ in x0..<x1 {
                                    r += Int(src[p]); g += Int(src[p + 1]); b += Int(src[p + 2]); p += 3
                                }
                            }
                            let n = (y1 - y0) * (x1 - x0), half = n / 2
                            let d = (i * ow + j) * 3
                            dst[d] = UInt8((r + half) / n); dst[d + 1] = UInt8((g + half) / n); dst[d + 2] = UInt8((b + half) / n)
                        }
                    }
                case .bilinear:
                    let xs = bilinearTaps(input: w, output: ow), ys = bilinearTaps(input: h, output: oh)
                    for i in 0..<oh {
                        let (y0, y1, fy) = ys[i]
                        for j in 0..<ow {
                            let (x0, x1, fx) = xs[j]
                            let a = (y0 * w + x0) * 3, b = (y0 * w + x1) * 3, c = (y1 * w + x0) * 3, e = (y1 * w + x1) * 3
                            let d = (i * ow + j) * 3
                            for k in 0..<3 {
                                let top = Float(src[a + k]) + fx * (Float(src[b + k]) - Float(src[a + k]))
                                let bot = Float(src[c + k]) + fx * (Float(src[e + k]) - Float(src[c + k]))
                                let v = top + fy * (bot - top)
                                dst[d + k] = UInt8(min(255, max(0, v + 0.5)))
                            }
                        }
                    }
                }
            }
        }
        return Image(uncheckedWidth: ow, height: oh, pixels: out)
    }
}

extension PlanarImage {
    /// A `width`×`height` resampled copy of every plane, in Float32 without rounding. For `.area` the
    /// arithmetic is PyTorch's CPU kernel exactly: a Float32 sum over the window in row-major order, then
    /// `sum / kh / kw` (two Float32 divisions) — bit-identical to facenet-pytorch's pyramid input
    /// (checked against `testvectors/mtcnn/pnet_lfw00_scale2.safetensors`).
    public func resized(width ow: Int, height oh: Int, method: ResizeMethod) throws -> PlanarImage {
        guard ow > 0, oh > 0, ow.multipliedReportingOverflow(by: oh * channels).overflow == false else {
            throw ImagingError.invalidArgument("resize target \(ow)×\(oh) must be positive")
        }
        var out = [Float](repeating: 0, count: channels * ow * oh)
        let w = width, h = height, nc = channels
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                switch method {
                case .area:
                    let cols = (0..<ow).map { areaWindow($0, input: w, output: ow) }
                    for c in 0..<nc {
                        let plane = c * w * h
                        for i in 0..<oh {
                            let (y0, y1) = areaWindow(i, input: h, output: oh)
                            let kh = Float(y1 - y0)
                            for j in 0..<ow {
                                let (x0, x1) = cols[j]
                                var sum: Float = 0
                                for y in y0..<y1 {
                                    let row = plane + y * w
                                    for x in x0..<x1 { sum += src[row + x] }
                                }
                                dst[(c * oh + i) * ow + j] = sum / kh / Float(x1 - x0)
                            }
                        }
                    }
                case .bilinear:
                    let xs = bilinearTaps(input: w, output: ow), ys = bilinearTaps(input: h, output: oh)
                    for c in 0..<nc {
                        let plane = c * w * h
                        for i in 0..<oh {
                            let (y0, y1, fy) = ys[i]
                            for j in 0..<ow {
                                let (x0, x1, fx) = xs[j]
                                let a = src[plane + y0 * w + x0], b = src[plane + y0 * w + x1]
                                let cc = src[plane + y1 * w + x0], e = src[plane + y1 * w + x1]
                                let top = (1 - fx) * a + fx * b, bot = (1 - fx) * cc + fx * e
                                dst[(c * oh + i) * ow + j] = (1 - fy) * top + fy * bot
                            }
                        }
                    }
                }
            }
        }
        return PlanarImage(uncheckedChannels: nc, width: ow, height: oh, data: out)
    }
}
