import NeuralNet

/// MTCNN stage 1, the fully convolutional proposal network (facenet-pytorch `PNet`).
///
/// ```
/// conv1 3→10 3×3 | PReLU | maxpool 2×2 s2 ceil | conv2 10→16 3×3 | PReLU | conv3 16→32 3×3 | PReLU
///   | conv4_1 32→2 1×1 → softmax over channels (face probability)   | conv4_2 32→4 1×1 (box regression)
/// ```
/// Input `[N, 3, H, W]` (R, G, B planes, `(v − 127.5) · 0.0078125`), H, W ≥ 12; outputs on a grid of
/// `Ho = (ceil((H − 2) / 2) − 4)` × `Wo` cells, each cell a 12×12 window at stride 2. The two 1×1 heads
/// run as one 32→6 convolution.
public final class PNet {
    let conv1: Conv2d, prelu1: PReLU, pool1: MaxPool2d
    let conv2: Conv2d, prelu2: PReLU
    let conv3: Conv2d, prelu3: PReLU
    /// conv4_1 (2 channels) and conv4_2 (4 channels) stacked: `[6, 32, 1, 1]`.
    let head: Conv2d
    private let fused1: DirectConvPReLU, fused2: DirectConvPReLU, fused3: DirectConvPReLU, fusedHead: ConvPReLU

    /// Loads facenet-pytorch's P-Net state dict (`conv1.weight`, `prelu1.weight`, …, `conv4_2.bias`).
    /// - Throws: `DetectionError.badWeights` for a missing, unreadable or mismatched file.
    public init(weights path: String) throws {
        conv1 = try Conv2d(inputChannels: 3, outputChannels: 10, kernelSize: 3)
        prelu1 = try PReLU(numParameters: 10)
        pool1 = try MaxPool2d(kernelSize: 2, stride: 2, ceilMode: true)
        conv2 = try Conv2d(inputChannels: 10, outputChannels: 16, kernelSize: 3)
        prelu2 = try PReLU(numParameters: 16)
        conv3 = try Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 3)
        prelu3 = try PReLU(numParameters: 32)
        head = try Conv2d(inputChannels: 32, outputChannels: 6, kernelSize: 1)
        let f = try WeightFile(path: path)
        try f.load(conv1, "conv1"); try f.load(prelu1, "prelu1")
        try f.load(conv2, "conv2"); try f.load(prelu2, "prelu2")
        try f.load(conv3, "conv3"); try f.load(prelu3, "prelu3")
        try f.loadStacked(head, [("conv4_1", 2), ("conv4_2", 4)])
        fused1 = DirectConvPReLU(conv1, prelu1); fused2 = DirectConvPReLU(conv2, prelu2); fused3 = DirectConvPReLU(conv3, prelu3)
        fusedHead = ConvPReLU(head, nil)
    }

    /// Raw head output `[N, 6, Ho, Wo]` through NeuralNet's layers one by one (the reference path, for tests).
    func referenceForward(_ x: Tensor) throws -> Tensor {
        try head(prelu3(conv3(prelu2(conv2(pool1(prelu1(conv1(x))))))))
    }

    /// Raw head output `[N, 6, Ho, Wo]`: channels 0–1 the face/non-face logits, 2–5 the box regression
    /// (dx1, dy1, dx2, dy2, in units of the 12-pixel cell). Fused inference kernels.
    func logitsAndRegression(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == 3, x.shape[2] >= 12, x.shape[3] >= 12 else {
            throw NeuralNetError.shapeMismatch(operation: "PNet", expected: "[N, 3, ≥12, ≥12]", got: x.shape)
        }
        return fusedHead(fused3(fused2(maxPoolCeil(fused1(x), kernel: 2, stride: 2))))
    }

    /// Runs the network.
    /// - Parameter x: `[N, 3, H, W]` normalised input.
    /// - Returns: `probability` `[N, 2, Ho, Wo]` (softmax over the channel axis; channel 1 = face) and
    ///   `regression` `[N, 4, Ho, Wo]` (dx1, dy1, dx2, dy2).
    public func callAsFunction(_ x: Tensor) throws -> (probability: Tensor, regression: Tensor) {
        let raw = try logitsAndRegression(x)
        let n = raw.shape[0], ho = raw.shape[2], wo = raw.shape[3], plane = ho * wo
        let prob = Tensor(uninitialized: [n, 2, ho, wo]), reg = Tensor(uninitialized: [n, 4, ho, wo])
        for i in 0..<n {
            let r = raw.pointer + i * 6 * plane, p = prob.pointer + i * 2 * plane
            for k in 0..<plane {
                let (p0, p1) = faceProbability(r[k], r[plane + k])
                p[k] = p0; p[plane + k] = p1
            }
            (reg.pointer + i * 4 * plane).update(from: r + 2 * plane, count: 4 * plane)
        }
        return (prob, reg)
    }
}
