import NeuralNet

/// MTCNN stage 2, the refinement network (facenet-pytorch `RNet`), run on one batch of 24×24 crops.
///
/// ```
/// conv1 3→28 3×3 | PReLU | maxpool 3 s2 ceil | conv2 28→48 3×3 | PReLU | maxpool 3 s2 ceil
///   | conv3 48→64 2×2 | PReLU | flatten (576) | dense4 576→128 | PReLU | dense5_1 →2 softmax | dense5_2 →4
/// ```
/// The reference flattens after `permute(0, 3, 2, 1)`; dense4's columns are reordered at load time so
/// the plain NCHW flattening gives identical results. dense5_1 and dense5_2 run as one 128→6 layer.
public final class RNet {
    let body: Sequential
    /// dense5_1 (2) and dense5_2 (4) stacked: `[6, 128]`.
    let head: Linear
    private let fused1: DirectConvPReLU, fused2: DirectConvPReLU, fused3: ConvPReLU
    private let dense4: Linear, prelu4: PReLU

    /// Loads facenet-pytorch's R-Net state dict.
    /// - Throws: `DetectionError.badWeights` for a missing, unreadable or mismatched file.
    public init(weights path: String) throws {
        let conv1 = try Conv2d(inputChannels: 3, outputChannels: 28, kernelSize: 3), prelu1 = try PReLU(numParameters: 28)
        let conv2 = try Conv2d(inputChannels: 28, outputChannels: 48, kernelSize: 3), prelu2 = try PReLU(numParameters: 48)
        let conv3 = try Conv2d(inputChannels: 48, outputChannels: 64, kernelSize: 2), prelu3 = try PReLU(numParameters: 64)
        let dense4 = try Linear(inputFeatures: 576, outputFeatures: 128), prelu4 = try PReLU(numParameters: 128)
        head = try Linear(inputFeatures: 128, outputFeatures: 6)
        let f = try WeightFile(path: path)
        try f.load(conv1, "conv1"); try f.load(prelu1, "prelu1")
        try f.load(conv2, "conv2"); try f.load(prelu2, "prelu2")
        try f.load(conv3, "conv3"); try f.load(prelu3, "prelu3")
        try f.loadPermuted(dense4, "dense4", channels: 64, height: 3, width: 3); try f.load(prelu4, "prelu4")
        try f.loadStacked(head, [("dense5_1", 2), ("dense5_2", 4)])
        fused1 = DirectConvPReLU(conv1, prelu1); fused2 = DirectConvPReLU(conv2, prelu2); fused3 = ConvPReLU(conv3, prelu3)
        self.dense4 = dense4; self.prelu4 = prelu4
        body = Sequential([
            ("conv1", conv1), ("prelu1", prelu1), ("pool1", try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)),
            ("conv2", conv2), ("prelu2", prelu2), ("pool2", try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)),
            ("conv3", conv3), ("prelu3", prelu3), ("flatten", Flatten()), ("dense4", dense4), ("prelu4", prelu4),
        ])
    }

    /// Raw `[N, 6]` output through NeuralNet's layers one by one (the reference path, for tests).
    func referenceForward(_ x: Tensor) throws -> Tensor { try head(body(x)) }

    /// Runs the network on a batch (fused inference kernels).
    /// - Parameter x: `[N, 3, 24, 24]` normalised crops.
    /// - Returns: `probability` `[N, 2]` (softmax; column 1 = face) and `regression` `[N, 4]`
    ///   (dx1, dy1, dx2, dy2 in units of the box size).
    public func callAsFunction(_ x: Tensor) throws -> (probability: Tensor, regression: Tensor) {
        try x.expectShape([x.shape.first ?? 0, 3, 24, 24], "RNet")
        if x.shape[0] == 0 { return (Tensor(zeros: [0, 2]), Tensor(zeros: [0, 4])) }
        let features = fused3(maxPoolCeil(fused2(maxPoolCeil(fused1(x), kernel: 3, stride: 2)), kernel: 3, stride: 2))
        let raw = try head(prelu4(dense4(features)))
        let n = raw.shape[0]
        let prob = Tensor(uninitialized: [n, 2]), reg = Tensor(uninitialized: [n, 4])
        for i in 0..<n {
            let r = raw.pointer + i * 6
            let (p0, p1) = faceProbability(r[0], r[1])
            prob.pointer[2 * i] = p0; prob.pointer[2 * i + 1] = p1
            (reg.pointer + 4 * i).update(from: r + 2, count: 4)
        }
        return (prob, reg)
    }
}
