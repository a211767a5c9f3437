import NeuralNet

/// MTCNN stage 3, the output network (facenet-pytorch `ONet`), run on one batch of 48×48 crops.
///
/// ```
/// conv1 3→32 3×3 | PReLU | maxpool 3 s2 ceil | conv2 32→64 3×3 | PReLU | maxpool 3 s2 ceil
///   | conv3 64→64 3×3 | PReLU | maxpool 2 s2 ceil | conv4 64→128 2×2 | PReLU | flatten (1152)
///   | dense5 →256 | PReLU | dense6_1 →2 softmax | dense6_2 →4 | dense6_3 →10
/// ```
/// dense5's columns are reordered at load time for the NCHW flattening (see `RNet`); the three heads run
/// as one 256→16 layer.
public final class ONet {
    let body: Sequential
    /// dense6_1 (2), dense6_2 (4) and dense6_3 (10) stacked: `[16, 256]`.
    let head: Linear
    private let fused1: DirectConvPReLU, fused2: DirectConvPReLU, fused3: DirectConvPReLU, fused4: ConvPReLU
    private let dense5: Linear, prelu5: PReLU

    /// Loads facenet-pytorch's O-Net state dict.
    /// - Throws: `DetectionError.badWeights` for a missing, unreadable or mismatched file.
    public init(weights path: String) throws {
        let conv1 = try Conv2d(inputChannels: 3, outputChannels: 32, kernelSize: 3), prelu1 = try PReLU(numParameters: 32)
        let conv2 = try Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3), prelu2 = try PReLU(numParameters: 64)
        let conv3 = try Conv2d(inputChannels: 64, outputChannels: 64, kernelSize: 3), prelu3 = try PReLU(numParameters: 64)
        let conv4 = try Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 2), prelu4 = try PReLU(numParameters: 128)
        let dense5 = try Linear(inputFeatures: 1152, outputFeatures: 256), prelu5 = try PReLU(numParameters: 256)
        head = try Linear(inputFeatures: 256, outputFeatures: 16)
        let f = try WeightFile(path: path)
        try f.load(conv1, "conv1"); try f.load(prelu1, "prelu1")
        try f.load(conv2, "conv2"); try f.load(prelu2, "prelu2")
        try f.load(conv3, "conv3"); try f.load(prelu3, "prelu3")
        try f.load(conv4, "conv4"); try f.load(prelu4, "prelu4")
        try f.loadPermuted(dense5, "dense5", channels: 128, height: 3, width: 3); try f.load(prelu5, "prelu5")
        try f.loadStacked(head, [("dense6_1", 2), ("dense6_2", 4), ("dense6_3", 10)])
        fused1 = DirectConvPReLU(conv1, prelu1); fused2 = DirectConvPReLU(conv2, prelu2)
        fused3 = DirectConvPReLU(conv3, prelu3); fused4 = ConvPReLU(conv4, prelu4)
        self.dense5 = dense5; self.prelu5 = prelu5
        body = Sequential([
            ("conv1", conv1), ("prelu1", prelu1), ("pool1", try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)),
            ("conv2", conv2), ("prelu2", prelu2), ("pool2", try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)),
            ("conv3", conv3), ("prelu3", prelu3), ("pool3", try MaxPool2d(kernelSize: 2, stride: 2, ceilMode: true)),
            ("conv4", conv4), ("prelu4", prelu4), ("flatten", Flatten()), ("dense5", dense5), ("prelu5", prelu5),
        ])
    }

    /// Raw `[N, 16]` output through NeuralNet's layers one by one (the reference path, for tests).
    func referenceForward(_ x: Tensor) throws -> Tensor { try head(body(x)) }

    /// Runs the network on a batch (fused inference kernels).
    /// - Parameter x: `[N, 3, 48, 48]` normalised crops.
    /// - Returns: `probability` `[N, 2]` (softmax; column 1 = face), `regression` `[N, 4]` (dx1, dy1, dx2,
    ///   dy2 in units of the box size) and `landmarks` `[N, 10]` (x1…x5 then y1…y5, fractions of the box).
    public func callAsFunction(_ x: Tensor) throws -> (probability: Tensor, regression: Tensor, landmarks: Tensor) {
        try x.expectShape([x.shape.first ?? 0, 3, 48, 48], "ONet")
        if x.shape[0] == 0 { return (Tensor(zeros: [0, 2]), Tensor(zeros: [0, 4]), Tensor(zeros: [0, 10])) }
        var f = maxPoolCeil(fused1(x), kernel: 3, stride: 2)
        f = maxPoolCeil(fused2(f), kernel: 3, stride: 2)
        f = fused4(maxPoolCeil(fused3(f), kernel: 2, stride: 2))
        let raw = try head(prelu5(dense5(f)))
        let n = raw.shape[0]
        let prob = Tensor(uninitialized: [n, 2]), reg = Tensor(uninitialized: [n, 4]), marks = Tensor(uninitialized: [n, 10])
        for i in 0..<n {
            let r = raw.pointer + i * 16
            let (p0, p1) = faceProbability(r[0], r[1])
            prob.pointer[2 * i] = p0; prob.pointer[2 * i + 1] = p1
            (reg.pointer + 4 * i).update(from: r + 2, count: 4)
            (marks.pointer + 10 * i).update(from: r + 6, count: 10)
        }
        return (prob, reg, marks)
    }
}
