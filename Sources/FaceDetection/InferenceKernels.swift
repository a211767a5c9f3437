import CSIMD
import NeuralNet

/// Inference-only kernels for MTCNN's small layers, used instead of running NeuralNet's `Conv2d`,
/// `PReLU` and `MaxPool2d` modules one by one (those are general training layers: for MTCNN's shapes the
/// pooling and the 3-input-channel Winograd path dominated the run time). The weights stay in the
/// NeuralNet layers; the reference path through those layers is kept for the tests (`referenceForward`).

/// A stride-1, unpadded convolution with bias, fused with a per-channel PReLU:
/// `[N, Cin, H, W]` → `[N, Cout, H − k + 1, W − k + 1]`.
///
/// Groups of images are lowered with im2col into one `[Cin·k·k, images·Ho·Wo]` matrix and multiplied by
/// the `[Cout, Cin·k·k]` weight in one SGEMM (`Parallel.sgemm`); bias and PReLU are applied while the
/// product is scattered back to NCHW. Scratch buffers are reused across calls.
final class ConvPReLU {
    let conv: Conv2d
    let prelu: PReLU?
    let k: Int
    private var col: TensorStorage?
    private var product: TensorStorage?

    init(_ conv: Conv2d, _ prelu: PReLU?) {
        precondition(conv.kernelSize.0 == conv.kernelSize.1 && conv.stride == (1, 1) && conv.padding == (0, 0))
        self.conv = conv
        self.prelu = prelu
        self.k = conv.kernelSize.0
    }

    /// About 2 M floats (8 MB) of im2col buffer per group.
    private static let columnBudget = 2 << 20

    func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.shape[0], cin = x.shape[1], h = x.shape[2], w = x.shape[3]
        let ho = h - k + 1, wo = w - k + 1, pixels = ho * wo
        let cout = conv.outputChannels, kk = cin * k * k
        let out = Tensor(uninitialized: [n, cout, ho, wo])
        let group = max(1, min(n, ConvPReLU.columnBudget / max(1, kk * pixels)))
        let colCount = kk * group * pixels, prodCount = cout * group * pixels
        if (col?.capacity ?? 0) < colCount { col = TensorStorage(capacity: colCount) }
        if (product?.capacity ?? 0) < prodCount { product = TensorStorage(capacity: prodCount) }
        let colP = col!.base, prodP = product!.base
        let wP = conv.weight.value.pointer, bP = conv.bias!.value.pointer
        let slope: UnsafeMutablePointer<Float>? = prelu?.weight.value.pointer
        let k = self.k
        var i0 = 0
        while i0 < n {
            let nb = min(group, n - i0), cols = nb * pixels
            let b: UnsafePointer<Float>
            if k == 1 && nb == 1 {
                b = UnsafePointer(x.pointer + i0 * cin * pixels)      // a 1×1 kernel needs no lowering
            } else {
                // im2col: row (c, ki, kj), column (image, oh, ow).
                for img in 0..<nb {
                    csimd_im2col(x.pointer + (i0 + img) * cin * h * w, cin, h, w, k, colP + img * pixels, cols, ho, wo)
                }
                b = UnsafePointer(colP)
            }
            // With one image the product is already NCHW: compute it in place.
            let target = nb == 1 ? out.pointer + i0 * cout * pixels : prodP
            Parallel.sgemm(transA: false, transB: false, m: cout, n: cols, k: kk, alpha: 1,
                           a: wP, lda: kk, b: b, ldb: cols, beta: 0, c: target, ldc: cols)
            for co in 0..<cout {
                let bias = bP[co], a = slope?[co] ?? 1
                for img in 0..<nb {
                    csimd_bias_prelu(target + co * cols + img * pixels, out.pointer + ((i0 + img) * cout + co) * pixels,
                                     pixels, bias, a)
                }
            }
            i0 += nb
        }
        return out
    }
}

/// Max pooling with PyTorch's `ceil_mode=True` geometry (no padding): `[N, C, H, W]` →
/// `[N, C, Ho, Wo]`, `Ho = ceil((H − k) / s) + 1` (minus one when the last window would start outside),
/// windows clipped at the right and bottom edges.
func maxPoolCeil(_ x: Tensor, kernel k: Int, stride s: Int) -> Tensor {
    let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
    func outSize(_ i: Int) -> Int {
        var o = (i - k + s - 1) / s + 1
        if (o - 1) * s >= i { o -= 1 }
        return o
    }
    let ho = outSize(h), wo = outSize(w)
    let y = Tensor(uninitialized: [n, c, ho, wo])
    withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { rowMax in
        csimd_max_pool(x.pointer, n * c, h, w, k, s, y.pointer, ho, wo, rowMax.baseAddress!)
    }
    return y
}

/// Direct convolution, stride 1, no padding, fused with bias and PReLU: `[N, Cin, H, W]` →
/// `[N, Cout, H − k + 1, W − k + 1]`. MTCNN's 3×3 layers on maps at least eight columns wide use it.
///
/// Two output rows × eight columns × four channels per step stay in SIMD registers over all `Cin·k·k`
/// taps, so no im2col matrix is written or packed, and bias and PReLU are applied as the sums leave
/// the registers (for MTCNN's shapes, less work than im2col + packing + SGEMM).
/// Rows narrower than eight columns fall back to `ConvPReLU`.
final class DirectConvPReLU {
    let cin: Int, cout: Int, k: Int
    /// `[ceil(cout / 4)][Cin·k·k][4]`: four channels' weights side by side, zero-padded.
    private let packed: [Float]
    /// Bias and PReLU slope per channel, padded (0 and 1) to whole groups of four.
    private let groupBias: [Float], groupSlope: [Float]
    private let fallback: ConvPReLU

    init(_ conv: Conv2d, _ prelu: PReLU) {
        cin = conv.inputChannels; cout = conv.outputChannels; k = conv.kernelSize.0
        let taps = cin * k * k, groups = (cout + 3) / 4
        var p = [Float](repeating: 0, count: groups * taps * 4)
        let w = conv.weight.value.pointer
        for co in 0..<cout { for t in 0..<taps { p[((co / 4) * taps + t) * 4 + co % 4] = w[co * taps + t] } }
        packed = p
        var b = [Float](repeating: 0, count: groups * 4), a = [Float](repeating: 1, count: groups * 4)
        for co in 0..<cout { b[co] = conv.bias!.value.pointer[co]; a[co] = prelu.weight.value.pointer[co] }
        groupBias = b; groupSlope = a
        fallback = ConvPReLU(conv, prelu)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let ho = h - k + 1, wo = w - k + 1
        if wo < 8 { return fallback(x) }
        let out = Tensor(uninitialized: [n, cout, ho, wo])
        let taps = cin * k * k, k = self.k, cin = self.cin, cout = self.cout, plane = ho * wo
        let groups = (cout + 3) / 4, workers = Parallel.workerCount
        // Work items are (image, channel group, band of rows). Large products use the cores that
        // no other detection keeps busy: a batch of crops is spread by image and group, a lone
        // pyramid level is cut into bands of rows, so that one request alone gets both cores.
        let parallel = workers > 1 && n * cout * plane * taps >= 1 << 21 && DetectionLoad.leavesCoresFree
        let bands = parallel && n * groups < 4 * workers ? min(workers, ho) : 1
        packed.withUnsafeBufferPointer { pw in
            groupBias.withUnsafeBufferPointer { pb in
                groupSlope.withUnsafeBufferPointer { ps in
                    let run = { (item: Int) in
                        let band = item % bands, g = (item / bands) % groups, img = item / (bands * groups)
                        let r0 = ho * band / bands, r1 = ho * (band + 1) / bands
                        csimd_direct_conv4(x.pointer + img * cin * h * w, cin, h, w, k, pw.baseAddress! + g * taps * 4,
                                           min(4, cout - 4 * g), pb.baseAddress! + 4 * g, ps.baseAddress! + 4 * g,
                                           out.pointer + (img * cout + 4 * g) * plane, ho, wo, r0, r1 - r0)
                    }
                    let items = n * groups * bands
                    if parallel { Parallel.forEach(items, run) } else { for item in 0..<items { run(item) } }
                }
            }
        }
        return out
    }
}
