/// Output extent of a pooling window along one axis, following PyTorch (including `ceil_mode`,
/// where the last window must start inside the input or the left padding).
func poolOutputSize(_ input: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> Int {
    let span = input + 2 * padding - kernel
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    if ceilMode, (out - 1) * stride >= input + padding { out -= 1 }
    return out
}

/// Shared geometry of the 2-D pooling layers.
public struct PoolGeometry: Sendable {
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool

    init(_ k: (Int, Int), _ s: (Int, Int), _ p: (Int, Int), _ ceil: Bool, _ name: String) throws {
        guard k.0 > 0, k.1 > 0, s.0 > 0, s.1 > 0, p.0 >= 0, p.1 >= 0, p.0 * 2 <= k.0, p.1 * 2 <= k.1 else {
            throw NeuralNetError.invalidArgument("\(name): kernel and stride must be positive and padding at most half the kernel")
        }
        kernelSize = k; stride = s; padding = p; ceilMode = ceil
    }

    func output(_ x: Tensor, _ name: String) throws -> (n: Int, c: Int, h: Int, w: Int, ho: Int, wo: Int) {
        guard x.rank == 4 else { throw NeuralNetError.shapeMismatch(operation: name, expected: "[N, C, H, W]", got: x.shape) }
        let ho = poolOutputSize(x.shape[2], kernel: kernelSize.0, stride: stride.0, padding: padding.0, ceilMode: ceilMode)
        let wo = poolOutputSize(x.shape[3], kernel: kernelSize.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)
        guard ho > 0, wo > 0 else {
            throw NeuralNetError.shapeMismatch(operation: "\(name) (input smaller than the window)", expected: "[N, C, ≥\(kernelSize.0), ≥\(kernelSize.1)]", got: x.shape)
        }
        return (x.shape[0], x.shape[1], x.shape[2], x.shape[3], ho, wo)
    }
}

/// Max pooling over NCHW input (`torch.nn.MaxPool2d`), padding counts as −∞; `ceilMode` as in
/// PyTorch (MTCNN's P/R/O-Nets use `ceil_mode=True`). Output `[N, C, Ho, Wo]`.
public final class MaxPool2d: Module {
    public let geometry: PoolGeometry
    public var training = false
    private var cachedArgmax: [Int32] = []
    private var cachedInputShape: [Int]?

    /// `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) throws {
        let s = stride ?? kernelSize
        geometry = try PoolGeometry((kernelSize, kernelSize), (s, s), (padding, padding), ceilMode, "MaxPool2d")
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let d = try geometry.output(x, "MaxPool2d")
        let y = Tensor(uninitialized: [d.n, d.c, d.ho, d.wo])
        let (kh, kw) = geometry.kernelSize, (sh, sw) = geometry.stride, (ph, pw) = geometry.padding
        let keep = training
        if keep { cachedArgmax = [Int32](repeating: 0, count: y.count); cachedInputShape = x.shape }
        let src = x.pointer, dst = y.pointer
        cachedArgmax.withUnsafeMutableBufferPointer { am in
            let amp = am.baseAddress
            Parallel.forEachChunk(d.n * d.c, minimumPerThread: max(1, 4096 / (d.ho * d.wo))) { r in
                for plane in r {
                    let ps = src + plane * d.h * d.w
                    let pd = dst + plane * d.ho * d.wo
                    for oh in 0..<d.ho {
                        let h0 = max(0, oh * sh - ph), h1 = min(d.h, oh * sh - ph + kh)
                        for ow in 0..<d.wo {
                            let w0 = max(0, ow * sw - pw), w1 = min(d.w, ow * sw - pw + kw)
                            var best = -Float.infinity, arg = h0 * d.w + w0
                            for ih in h0..<h1 {
                                for iw in w0..<w1 {
                                    let v = ps[ih * d.w + iw]
                                    if v > best || v.isNaN { best = v; arg = ih * d.w + iw }
                                }
                            }
                            pd[oh * d.wo + ow] = best
                            if keep { amp![plane * d.ho * d.wo + oh * d.wo + ow] = Int32(arg) }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let s = cachedInputShape else { throw NeuralNetError.noForwardCache(layer: "MaxPool2d") }
        let x = Tensor(zeros: s)
        let d = try geometry.output(x, "MaxPool2d")
        try gradOutput.expectShape([d.n, d.c, d.ho, d.wo], "MaxPool2d.backward")
        let g = gradOutput.pointer, dx = x.pointer
        let plane = d.ho * d.wo
        cachedArgmax.withUnsafeBufferPointer { am in
            Parallel.forEachChunk(d.n * d.c, minimumPerThread: 1) { r in
                for p in r {
                    let base = dx + p * d.h * d.w
                    for i in 0..<plane { base[Int(am[p * plane + i])] += g[p * plane + i] }
                }
            }
        }
        return x
    }
}

/// Average pooling over NCHW input (`torch.nn.AvgPool2d`, including `ceil_mode` and
/// `count_include_pad` with PyTorch's divisor rules). Output `[N, C, Ho, Wo]`.
public final class AvgPool2d: Module {
    public let geometry: PoolGeometry
    public let countIncludePad: Bool
    public var training = false
    private var cachedInputShape: [Int]?

    /// `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) throws {
        let s = stride ?? kernelSize
        geometry = try PoolGeometry((kernelSize, kernelSize), (s, s), (padding, padding), ceilMode, "AvgPool2d")
        self.countIncludePad = countIncludePad
    }

    /// Visits each output cell with its clipped window and divisor.
    private func forEachWindow(_ d: (n: Int, c: Int, h: Int, w: Int, ho: Int, wo: Int),
                               _ body: (_ oh: Int, _ ow: Int, _ h0: Int, _ h1: Int, _ w0: Int, _ w1: Int, _ inv: Float) -> Void) {
        let (kh, kw) = geometry.kernelSize, (sh, sw) = geometry.stride, (ph, pw) = geometry.padding
        for oh in 0..<d.ho {
            var h0 = oh * sh - ph, h1 = min(h0 + kh, d.h + ph)
            let poolH = h1 - h0
            h0 = max(h0, 0); h1 = min(h1, d.h)
            for ow in 0..<d.wo {
                var w0 = ow * sw - pw, w1 = min(w0 + kw, d.w + pw)
                let poolW = w1 - w0
                w0 = max(w0, 0); w1 = min(w1, d.w)
                let div = countIncludePad ? poolH * poolW : (h1 - h0) * (w1 - w0)
                body(oh, ow, h0, h1, w0, w1, div > 0 ? 1 / Float(div) : 0)
            }
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let d = try geometry.output(x, "AvgPool2d")
        if training { cachedInputShape = x.shape }
        let y = Tensor(uninitialized: [d.n, d.c, d.ho, d.wo])
        let src = x.pointer, dst = y.pointer
        Parallel.forEachChunk(d.n * d.c, minimumPerThread: max(1, 4096 / (d.ho * d.wo))) { r in
            for plane in r {
                let ps = src + plane * d.h * d.w, pd = dst + plane * d.ho * d.wo
                forEachWindow(d) { oh, ow, h0, h1, w0, w1, inv in
                    var s: Float = 0
                    for ih in h0..<h1 { for iw in w0..<w1 { s += ps[ih * d.w + iw] } }
                    pd[oh * d.wo + ow] = s * inv
                }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let s = cachedInputShape else { throw NeuralNetError.noForwardCache(layer: "AvgPool2d") }
        let dx = Tensor(zeros: s)
        let d = try geometry.output(dx, "AvgPool2d")
        try gradOutput.expectShape([d.n, d.c, d.ho, d.wo], "AvgPool2d.backward")
        let g = gradOutput.pointer, px = dx.pointer
        Parallel.forEachChunk(d.n * d.c, minimumPerThread: 1) { r in
            for plane in r {
                let pd = px + plane * d.h * d.w, pg = g + plane * d.ho * d.wo
                forEachWindow(d) { oh, ow, h0, h1, w0, w1, inv in
                    let v = pg[oh * d.wo + ow] * inv
                    for ih in h0..<h1 { for iw in w0..<w1 { pd[ih * d.w + iw] += v } }
                }
            }
        }
        return dx
    }
}

/// Global average pooling: `[N, C, H, W]` → `[N, C]` (mean over each channel plane).
public final class GlobalAvgPool2d: Module {
    public var training = false
    private var cachedInputShape: [Int]?
    public init() {}

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[2] * x.shape[3] > 0 else {
            throw NeuralNetError.shapeMismatch(operation: "GlobalAvgPool2d", expected: "[N, C, H>0, W>0]", got: x.shape)
        }
        if training { cachedInputShape = x.shape }
        let planes = x.shape[0] * x.shape[1], hw = x.shape[2] * x.shape[3]
        let y = Tensor(uninitialized: [x.shape[0], x.shape[1]])
        let s = x.pointer, d = y.pointer, inv = 1 / Float(hw)
        Parallel.forEachChunk(planes, minimumPerThread: max(1, 16_384 / hw)) { r in
            for p in r {
                var acc: Float = 0
                let ps = s + p * hw
                for i in 0..<hw { acc += ps[i] }
                d[p] = acc * inv
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let s = cachedInputShape else { throw NeuralNetError.noForwardCache(layer: "GlobalAvgPool2d") }
        try gradOutput.expectShape([s[0], s[1]], "GlobalAvgPool2d.backward")
        let hw = s[2] * s[3]
        let dx = Tensor(uninitialized: s)
        let g = gradOutput.pointer, d = dx.pointer, inv = 1 / Float(hw)
        Parallel.forEachChunk(s[0] * s[1], minimumPerThread: max(1, 16_384 / hw)) { r in
            for p in r { (d + p * hw).update(repeating: g[p] * inv, count: hw) }
        }
        return dx
    }
}
