import CSIMD
/// 2-D convolution (cross-correlation, as `torch.nn.Conv2d`) over NCHW input.
///
/// - `weight`: `[outputChannels, inputChannels, kernelSize.0, kernelSize.1]` (OIHW)
/// - `bias`: `[outputChannels]` (optional)
/// - input `[N, inputChannels, H, W]` → output `[N, outputChannels, Ho, Wo]` with
///   `Ho = (H + 2·padding.0 − kernel.0) / stride.0 + 1` (likewise `Wo`).
///
/// The forward pass lowers groups of images with im2col into one large `cblas_sgemm`
/// (columns = images × output pixels), or, for 3×3 stride-1 kernels, uses Winograd F(2×2, 3×3)
/// (`useWinograd`), which needs 2.25× fewer multiplications. For a 3×3 stride-1 pad-1 kernel the
/// backward pass runs through Winograd too: the input gradient is itself a 3×3 convolution of
/// d(output) (the kernel flipped, its channels swapped), and the weight gradient is
/// `WinogradWeightGradient`. Other kernels use im2col + one GEMM per image group for the weight
/// gradient and a second GEMM + col2im for the input gradient.
public final class Conv2d: Module {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    /// `[outputChannels, inputChannels, kh, kw]`
    public let weight: Parameter
    /// `[outputChannels]`, or nil when created with `bias: false`.
    public let bias: Parameter?
    public var training = false
    /// Use Winograd for the forward pass when the kernel is 3×3 with stride 1 (default true).
    public var useWinograd = true
    /// Output tile of the Winograd forward pass.
    public enum WinogradTile: Sendable {
        /// F(4×4,3×3) for outputs of at least 8×8 when the batch has at least 192 such tiles,
        /// F(2×2,3×3) otherwise (less tile padding waste on tiny maps such as 7×6, and wider
        /// GEMMs over fewer transformed kernels for small batches).
        case automatic
        /// Always F(2×2,3×3): 4 multiplications per output and channel pair, the most accurate.
        case f2x2
        /// Always F(4×4,3×3): 2.25 multiplications per output and channel pair.
        case f4x4
    }
    /// Which Winograd variant to use (default `.automatic`).
    public var winogradTile = WinogradTile.automatic

    private var cachedInput: Tensor?
    private var winograd: WinogradKernel?
    private var winograd4: Winograd4Kernel?
    /// Winograd kernels of the flipped, channel-swapped weight (backward data pass), and the weight version they hold.
    private var backwardWinograd: WinogradKernel?
    private var backwardWinograd4: Winograd4Kernel?
    private var backwardVersion = -1

    /// Creates a convolution with PyTorch's default initialisation (uniform ±1/√fanIn), seeded deterministically.
    /// - Throws: `invalidArgument` for non-positive sizes or negative padding.
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, seed: UInt64 = 0) throws {
        try self.init(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: (kernelSize, kernelSize),
                      stride: (stride, stride), padding: (padding, padding), bias: bias, seed: seed)
    }

    /// Creates a convolution with separate height/width kernel, stride and padding.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                bias: Bool = true, seed: UInt64 = 0) throws {
        guard inputChannels > 0, outputChannels > 0, kernelSize.0 > 0, kernelSize.1 > 0, stride.0 > 0, stride.1 > 0,
              padding.0 >= 0, padding.1 >= 0 else {
            throw NeuralNetError.invalidArgument("Conv2d needs positive channels/kernel/stride and non-negative padding")
        }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inputChannels * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(Tensor.uniform([outputChannels, inputChannels, kernelSize.0, kernelSize.1], bound: bound, seed: seed))
        self.bias = bias ? Parameter(Tensor.uniform([outputChannels], bound: bound, seed: seed &+ 1)) : nil
    }

    public func namedParameters() -> [(String, Parameter)] {
        var r: [(String, Parameter)] = [("weight", weight)]
        if let b = bias { r.append(("bias", b)) }
        return r
    }

    /// Output spatial size for an input of `h × w`.
    public func outputSize(height h: Int, width w: Int) -> (Int, Int) {
        ((h + 2 * padding.0 - kernelSize.0) / stride.0 + 1, (w + 2 * padding.1 - kernelSize.1) / stride.1 + 1)
    }

    private func checkInput(_ x: Tensor) throws -> (n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        guard x.rank == 4, x.shape[1] == inputChannels else {
            throw NeuralNetError.shapeMismatch(operation: "Conv2d", expected: "[N, \(inputChannels), H, W]", got: x.shape)
        }
        let (ho, wo) = outputSize(height: x.shape[2], width: x.shape[3])
        guard ho > 0, wo > 0 else {
            throw NeuralNetError.shapeMismatch(operation: "Conv2d (input smaller than kernel)", expected: "[N, \(inputChannels), ≥\(kernelSize.0), ≥\(kernelSize.1)]", got: x.shape)
        }
        return (x.shape[0], x.shape[2], x.shape[3], ho, wo)
    }

    /// Images per im2col group so the column buffer stays near 4 M floats.
    private func groupSize(n: Int, pixels: Int) -> Int {
        let k = inputChannels * kernelSize.0 * kernelSize.1
        return max(1, min(n, (4 << 20) / max(1, k * pixels)))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let d = try checkInput(x)
        if training { cachedInput = x }
        return forward(x, d, ConvEpilogue())
    }

    /// Inference forward with the following PReLU and an optional residual fused into the output
    /// pass: `prelu(conv(x)) + residual`. Caches nothing (use the separate layers for training).
    /// - Parameters:
    ///   - prelu: a PReLU with `outputChannels` slopes (or one shared slope)
    ///   - residual: a tensor of the output's shape, or nil
    /// - Throws: `shapeMismatch` when the PReLU or the residual do not fit the output.
    public func forward(_ x: Tensor, prelu: PReLU, residual: Tensor? = nil) throws -> Tensor {
        let d = try checkInput(x)
        let np = prelu.weight.value.count
        guard np == outputChannels || np == 1 else {
            throw NeuralNetError.shapeMismatch(operation: "Conv2d+PReLU", expected: "PReLU(\(outputChannels))", got: prelu.weight.value.shape)
        }
        if let r = residual { try r.expectShape([d.n, outputChannels, d.ho, d.wo], "Conv2d residual") }
        let slopes = np == outputChannels ? prelu.weight.value : Tensor(shape: [outputChannels], repeating: prelu.weight.value.pointer[0])
        let y = forward(x, d, ConvEpilogue(slopes: UnsafePointer(slopes.pointer), residual: residual.map { UnsafePointer($0.pointer) }))
        withExtendedLifetime((slopes, residual)) {}
        return y
    }

    /// Whether Winograd runs with F(4×4,3×3) tiles for `batch` outputs of `height × width` (else F(2×2,3×3)).
    private func usesLargeTiles(batch: Int, height: Int, width: Int) -> Bool {
        switch winogradTile {
        case .f4x4: return true
        case .f2x2: return false
        case .automatic:
            return height >= 8 && width >= 8 && batch * ((height + 3) / 4) * ((width + 3) / 4) >= Self.largeTileMinimum
        }
    }

    /// F(4×4) tiles in a batch from which `.automatic` chooses them: with fewer, the GEMMs are too
    /// narrow to pay for F(4×4)'s 36 transformed kernels against F(2×2)'s 16 (sphere20a at batch 1).
    static let largeTileMinimum = 192

    private func forward(_ x: Tensor, _ d: (n: Int, h: Int, w: Int, ho: Int, wo: Int), _ epilogue: ConvEpilogue) -> Tensor {
        let big = usesLargeTiles(batch: d.n, height: d.ho, width: d.wo)
        if useWinograd, kernelSize == (3, 3), stride == (1, 1), big {
            if winograd4 == nil || winograd4!.version != weight.version { winograd4 = Winograd4Kernel(weight: weight) }
            return winograd4!.forward(x, bias: bias?.value, padding: padding, outputHeight: d.ho, outputWidth: d.wo, epilogue: epilogue)
        }
        if useWinograd, kernelSize == (3, 3), stride == (1, 1) {
            if winograd == nil || winograd!.version != weight.version { winograd = WinogradKernel(weight: weight) }
            return winograd!.forward(x, bias: bias?.value, padding: padding, outputHeight: d.ho, outputWidth: d.wo, epilogue: epilogue)
        }
        return forwardIm2col(x, d, epilogue)
    }

    /// The forward pass through im2col + GEMM regardless of `useWinograd` (the reference path).
    public func forwardIm2col(_ x: Tensor) throws -> Tensor { try forwardIm2col(x, checkInput(x), ConvEpilogue()) }

    private func forwardIm2col(_ x: Tensor, _ d: (n: Int, h: Int, w: Int, ho: Int, wo: Int), _ epilogue: ConvEpilogue) -> Tensor {
        let out = Tensor(uninitialized: [d.n, outputChannels, d.ho, d.wo])
        let pixels = d.ho * d.wo
        let k = inputChannels * kernelSize.0 * kernelSize.1
        let g = groupSize(n: d.n, pixels: pixels)
        let col = TensorStorage(uninitializedCapacity: k * g * pixels)
        let tmp = g > 1 ? TensorStorage(uninitializedCapacity: outputChannels * g * pixels) : nil
        var i0 = 0
        while i0 < d.n {
            let nb = min(g, d.n - i0)
            let cols = nb * pixels
            im2col(x.pointer + i0 * inputChannels * d.h * d.w, images: nb, h: d.h, w: d.w, ho: d.ho, wo: d.wo, col: col.base)
            let dst = nb == 1 ? out.pointer + i0 * outputChannels * pixels : tmp!.base
            Parallel.sgemm(transA: false, transB: false, m: outputChannels, n: cols, k: k, alpha: 1,
                           a: weight.value.pointer, lda: k, b: col.base, ldb: cols, beta: 0, c: dst, ldc: cols)
            let biasP = bias?.value.pointer
            let outBase = out.pointer + i0 * outputChannels * pixels
            let oc = outputChannels
            let src = nb == 1 ? outBase : tmp!.base
            let slopes = epilogue.slopes, res = epilogue.residual
            Parallel.forEachChunk(oc * nb, minimumPerThread: max(1, 16_384 / pixels)) { r in
                for job in r {
                    let co = job / nb, img = job % nb
                    let off = (img * oc + co) * pixels
                    epilogueRow(src + co * cols + img * pixels, outBase + off, pixels, bias: biasP?[co] ?? 0,
                                slope: slopes?[co], residual: res.map { $0 + i0 * oc * pixels + off })
                }
            }
            i0 += nb
        }
        return out
    }

    /// d(loss)/d(input) of a 3×3, stride-1, padding-1 convolution: the convolution of `gradOutput`
    /// with `w'[ci][co][i][j] = w[co][ci][2−i][2−j]`, padding 1, through Winograd.
    private func winogradInputGradient(_ gradOutput: Tensor, height h: Int, width w: Int) -> Tensor {
        let big = usesLargeTiles(batch: gradOutput.shape[0], height: h, width: w)
        if backwardVersion != weight.version || (big ? backwardWinograd4 == nil : backwardWinograd == nil) {
            if backwardVersion != weight.version { backwardWinograd = nil; backwardWinograd4 = nil }
            let flipped = Tensor(uninitialized: [inputChannels, outputChannels, 3, 3])
            let src = weight.value.pointer, dst = flipped.pointer
            for co in 0..<outputChannels {
                for ci in 0..<inputChannels {
                    let a = src + (co * inputChannels + ci) * 9, b = dst + (ci * outputChannels + co) * 9
                    for k in 0..<9 { b[8 - k] = a[k] }
                }
            }
            let p = Parameter(flipped, requiresGrad: false)
            if big { backwardWinograd4 = Winograd4Kernel(weight: p) } else { backwardWinograd = WinogradKernel(weight: p) }
            backwardVersion = weight.version
        }
        if big { return backwardWinograd4!.forward(gradOutput, bias: nil, padding: (1, 1), outputHeight: h, outputWidth: w) }
        return backwardWinograd!.forward(gradOutput, bias: nil, padding: (1, 1), outputHeight: h, outputWidth: w)
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let x = cachedInput else { throw NeuralNetError.noForwardCache(layer: "Conv2d") }
        let d = try checkInput(x)
        try gradOutput.expectShape([d.n, outputChannels, d.ho, d.wo], "Conv2d.backward")
        if let b = bias { accumulateBiasGradient(gradOutput, into: b.grad.pointer) }
        if useWinograd && kernelSize == (3, 3) && stride == (1, 1) && padding == (1, 1) {
            let dx = winogradInputGradient(gradOutput, height: d.h, width: d.w)
            let tile = usesLargeTiles(batch: d.n, height: d.ho, width: d.wo) ? 4 : 2
            WinogradWeightGradient.accumulate(tile: tile, input: x, gradOutput: gradOutput, padding: padding,
                                              into: weight.grad.pointer)
            return dx
        }
        let dx = Tensor(zeros: x.shape)
        let pixels = d.ho * d.wo
        let k = inputChannels * kernelSize.0 * kernelSize.1
        let g = groupSize(n: d.n, pixels: pixels)
        let col = TensorStorage(uninitializedCapacity: k * g * pixels)
        let dcol = TensorStorage(uninitializedCapacity: k * g * pixels)
        let gy = g > 1 ? TensorStorage(uninitializedCapacity: outputChannels * g * pixels) : nil
        let oc = outputChannels
        var i0 = 0
        while i0 < d.n {
            let nb = min(g, d.n - i0)
            let cols = nb * pixels
            im2col(x.pointer + i0 * inputChannels * d.h * d.w, images: nb, h: d.h, w: d.w, ho: d.ho, wo: d.wo, col: col.base)
            let gsrc = gradOutput.pointer + i0 * oc * pixels
            let gm: UnsafeMutablePointer<Float>
            if nb == 1 { gm = gsrc } else {
                gm = gy!.base
                Parallel.forEachChunk(oc * nb, minimumPerThread: max(1, 16_384 / pixels)) { r in
                    for job in r {
                        let co = job / nb, img = job % nb
                        (gm + co * cols + img * pixels).update(from: gsrc + (img * oc + co) * pixels, count: pixels)
                    }
                }
            }
            // dW += dY · colᵀ
            Parallel.sgemm(transA: false, transB: true, m: oc, n: k, k: cols, alpha: 1,
                           a: gm, lda: cols, b: col.base, ldb: cols, beta: 1, c: weight.grad.pointer, ldc: k)
            // dcol = Wᵀ · dY, then scatter-add into dx
            Parallel.sgemm(transA: true, transB: false, m: k, n: cols, k: oc, alpha: 1,
                           a: weight.value.pointer, lda: k, b: gm, ldb: cols, beta: 0, c: dcol.base, ldc: cols)
            col2im(dcol.base, images: nb, h: d.h, w: d.w, ho: d.ho, wo: d.wo, dx: dx.pointer + i0 * inputChannels * d.h * d.w)
            i0 += nb
        }
        return dx
    }

    /// Lowers `images` NCHW images into `col[(c·kh + i)·kw + j][img·Ho·Wo + oh·Wo + ow]`, zero outside the image.
    func im2col(_ src: UnsafeMutablePointer<Float>, images: Int, h: Int, w: Int, ho: Int, wo: Int, col: UnsafeMutablePointer<Float>) {
        let (kh, kw) = kernelSize, (sh, sw) = stride, (ph, pw) = padding
        let cin = inputChannels
        let pixels = ho * wo, cols = images * pixels
        Parallel.forEachChunk(cin * kh, minimumPerThread: 1) { r in
            for job in r {
                let c = job / kh, ki = job % kh
                for kj in 0..<kw {
                    let row = col + ((c * kh + ki) * kw + kj) * cols
                    // valid ow range: 0 <= ow*sw - pw + kj < w
                    let owLo = max(0, (pw - kj + sw - 1) / sw)
                    let owHi = min(wo, floorDiv(w - 1 + pw - kj, sw) + 1)
                    for img in 0..<images {
                        let plane = src + (img * cin + c) * h * w
                        let dstImg = row + img * pixels
                        for oh in 0..<ho {
                            let dst = dstImg + oh * wo
                            let ih = oh * sh - ph + ki
                            if ih < 0 || ih >= h || owLo >= owHi {
                                dst.update(repeating: 0, count: wo)
                                continue
                            }
                            let srow = plane + ih * w
                            if owLo > 0 { dst.update(repeating: 0, count: owLo) }
                            if sw == 1 {
                                (dst + owLo).update(from: srow + (owLo - pw + kj), count: owHi - owLo)
                            } else {
                                csimd_gather_strided(srow + (owLo * sw - pw + kj), sw, dst + owLo, owHi - owLo)
                            }
                            if owHi < wo { (dst + owHi).update(repeating: 0, count: wo - owHi) }
                        }
                    }
                }
            }
        }
    }

    /// Adjoint of `im2col`: accumulates `col` back into `dx` (parallel over input channels, race-free).
    func col2im(_ col: UnsafeMutablePointer<Float>, images: Int, h: Int, w: Int, ho: Int, wo: Int, dx: UnsafeMutablePointer<Float>) {
        let (kh, kw) = kernelSize, (sh, sw) = stride, (ph, pw) = padding
        let cin = inputChannels
        let pixels = ho * wo, cols = images * pixels
        Parallel.forEachChunk(cin, minimumPerThread: 1) { r in
            for c in r {
                for ki in 0..<kh {
                    for kj in 0..<kw {
                        let row = col + ((c * kh + ki) * kw + kj) * cols
                        let owLo = max(0, (pw - kj + sw - 1) / sw)
                        let owHi = min(wo, floorDiv(w - 1 + pw - kj, sw) + 1)
                        if owLo >= owHi { continue }
                        for img in 0..<images {
                            let plane = dx + (img * cin + c) * h * w
                            let srcImg = row + img * pixels
                            for oh in 0..<ho {
                                let ih = oh * sh - ph + ki
                                if ih < 0 || ih >= h { continue }
                                let s = srcImg + oh * wo
                                let drow = plane + ih * w
                                for ow in owLo..<owHi { drow[ow * sw - pw + kj] += s[ow] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Integer division rounding toward −∞ (for positive `b`).
@inline(__always)
func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// `d[i] = prelu(s[i] + bias) + residual[i]` (each part optional; `s` may equal `d`).
@inline(__always)
func epilogueRow(_ s: UnsafeMutablePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, bias: Float,
                 slope: Float?, residual: UnsafePointer<Float>?) {
    switch (slope, residual) {
    case (nil, nil):
        for i in 0..<n { d[i] = s[i] + bias }
    case let (a?, nil):
        for i in 0..<n { let v = s[i] + bias; d[i] = v < 0 ? v * a : v }
    case let (nil, r?):
        for i in 0..<n { d[i] = s[i] + bias + r[i] }
    case let (a?, r?):
        for i in 0..<n { let v = s[i] + bias; d[i] = (v < 0 ? v * a : v) + r[i] }
    }
}
