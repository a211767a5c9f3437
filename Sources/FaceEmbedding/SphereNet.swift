import Imaging
import NeuralNet

/// The SphereFace residual CNNs of Liu et al. (CVPR 2017), Table 2, laid out as the public
/// `sphereface_pytorch` `net_sphere.py` (`sphere20a`), with 36- and 64-layer variants.
///
/// ```
/// input [N, 3, 112, 96], (x − 127.5)/128, channels B, G, R
/// stage s = 1...4 (widths C_s, default 64/128/256/512; units U_s):
///   x = relu{s}_1(conv{s}_1(x))                 3×3, stride 2, pad 1 → H/2 × W/2
///   U_s times, j = 2, 4, ...:
///     x = x + relu{s}_{j+1}(conv{s}_{j+1}(relu{s}_{j}(conv{s}_{j}(x))))   3×3, stride 1, pad 1
/// 112×96 → 56×48 → 28×24 → 14×12 → 7×6
/// fc5: Linear(C_4·7·6 → embedding)   (flatten in NCHW order, as x.view(N, −1))
/// ```
/// Units per stage: sphere20a 1/2/4/1, sphere36a 2/4/8/2, sphere64a 3/8/16/3, and `sphere4`
/// 0/0/0/0 (four stride-2 convolutions only: a small net for quick experiments). Every `relu` is a
/// per-channel PReLU. Parameter names are the PyTorch state-dict names (`conv2_3.weight`,
/// `relu2_3.weight`, `fc5.bias`, ...). The A-Softmax head (`fc6`) is not part of this module.
public final class SphereNet: Module, EmbeddingModel {
    /// The three depths of the paper.
    public enum Depth: String, CaseIterable, Sendable {
        case sphere20a, sphere36a, sphere64a
        /// No residual units: 4 convolutions + fc5 (not in the paper; for toy experiments and tests).
        case sphere4

        /// Residual units per stage.
        public var units: [Int] {
            switch self {
            case .sphere20a: return [1, 2, 4, 1]
            case .sphere36a: return [2, 4, 8, 2]
            case .sphere64a: return [3, 8, 16, 3]
            case .sphere4: return [0, 0, 0, 0]
            }
        }

        /// The depth with these residual units per stage, if any.
        public init?(units: [Int]) {
            guard let d = Depth.allCases.first(where: { $0.units == units }) else { return nil }
            self = d
        }
    }

    /// One named convolution + PReLU pair (`conv{s}_{j}`, `relu{s}_{j}`).
    public struct ConvUnit {
        public let name: String
        public let conv: Conv2d
        public let relu: PReLU
    }

    /// One stage: the stride-2 opening unit and the residual units (pairs of stride-1 units).
    public struct Stage {
        public let opening: ConvUnit
        public let residual: [(ConvUnit, ConvUnit)]
    }

    public let depth: Depth
    /// Residual units per stage (`depth.units`).
    public var units: [Int] { depth.units }
    /// Channel widths of the four stages.
    public let widths: [Int]
    public let stages: [Stage]
    /// `[embedding, C_4·7·6]`
    public let fc5: Linear

    public var name: String { depth.rawValue }
    public let inputHeight = 112
    public let inputWidth = 96
    /// The SphereFace 5-point template for 96×112 crops (left eye, right eye, nose, mouth corners).
    public let alignmentTemplate: [SIMD2<Float>] = [
        SIMD2(30.2946, 51.6963), SIMD2(65.5318, 51.5014), SIMD2(48.0252, 71.7366),
        SIMD2(33.5493, 92.3655), SIMD2(62.7299, 92.2041),
    ]
    /// `AlignmentTemplate.sphereFace96x112`: the same points, sampled as OpenCV's `warpAffine`.
    public var cropTemplate: AlignmentTemplate { .sphereFace96x112 }
    public let channelOrder = ChannelOrder.bgr
    public let pixelMean: Float = 127.5
    public let pixelScale: Float = 1.0 / 128.0
    public var outputDimension: Int { fc5.outputFeatures }

    private var _training = false
    public var training: Bool {
        get { _training }
        set {
            _training = newValue
            forEachUnit { $0.conv.training = newValue; $0.relu.training = newValue }
            fc5.training = newValue
        }
    }

    /// A randomly initialised network (PyTorch default init for convs and fc5, PReLU slopes 0.25).
    /// - Parameters:
    ///   - widths: four stage widths (default 64, 128, 256, 512)
    ///   - embeddingDimension: fc5 output size (default 512)
    /// - Throws: `FaceEmbeddingError.incompatibleWeights` for a widths array that is not 4 positive values.
    public init(depth: Depth = .sphere20a, widths: [Int] = [64, 128, 256, 512], embeddingDimension: Int = 512, seed: UInt64 = 0) throws {
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }), embeddingDimension > 0 else {
            throw FaceEmbeddingError.incompatibleWeights("SphereNet needs 4 positive stage widths and a positive embedding size, got \(widths) / \(embeddingDimension)")
        }
        self.depth = depth
        self.widths = widths
        var stages: [Stage] = []
        var cin = 3
        var seed = seed
        func unit(_ s: Int, _ j: Int, _ ci: Int, _ co: Int, stride: Int) throws -> ConvUnit {
            seed &+= 2
            return ConvUnit(name: "\(s)_\(j)",
                            conv: try Conv2d(inputChannels: ci, outputChannels: co, kernelSize: 3, stride: stride, padding: 1, seed: seed),
                            relu: try PReLU(numParameters: co))
        }
        for s in 0..<4 {
            let c = widths[s]
            let opening = try unit(s + 1, 1, cin, c, stride: 2)
            var res: [(ConvUnit, ConvUnit)] = []
            for u in 0..<depth.units[s] {
                let j = 2 + 2 * u
                res.append((try unit(s + 1, j, c, c, stride: 1), try unit(s + 1, j + 1, c, c, stride: 1)))
            }
            stages.append(Stage(opening: opening, residual: res))
            cin = c
        }
        self.stages = stages
        fc5 = try Linear(inputFeatures: widths[3] * 7 * 6, outputFeatures: embeddingDimension, seed: seed &+ 1)
    }

    /// Builds the network with widths and embedding size read from `file`'s shapes and loads all
    /// parameters by their PyTorch names (extra tensors such as `fc6.weight` are ignored).
    /// - Throws: `NeuralNetError.missingTensor` / `tensorShapeMismatch` naming the offending key.
    public convenience init(depth: Depth, weights file: SafeTensorsFile) throws {
        var widths: [Int] = []
        for s in 1...4 {
            let key = "conv\(s)_1.weight"
            guard let e = file.entries[key] else { throw NeuralNetError.missingTensor(name: key, file: file.path) }
            guard e.shape.count == 4, e.shape[0] > 0 else {
                throw NeuralNetError.tensorShapeMismatch(name: key, expected: [-1, widths.last ?? 3, 3, 3], got: e.shape, file: file.path)
            }
            widths.append(e.shape[0])
        }
        guard let fc = file.entries["fc5.weight"] else { throw NeuralNetError.missingTensor(name: "fc5.weight", file: file.path) }
        // Units per stage: the pairs conv{s}_{2u+2}, conv{s}_{2u+3} present in the file. A file
        // of another depth (e.g. a trained sphere4 named as sphere20a:FILE) is built as it is.
        let units = (1...4).map { s in
            var u = 0
            while file.entries["conv\(s)_\(2 * u + 2).weight"] != nil { u += 1 }
            return u
        }
        let depth = units == depth.units ? depth : (Depth(units: units) ?? depth)
        guard depth.units == units else {
            throw FaceEmbeddingError.incompatibleWeights("\(file.path) has \(units) residual units per stage; known SphereFace nets: \(Depth.allCases.map { "\($0.rawValue) \($0.units)" }.joined(separator: ", "))")
        }
        guard fc.shape.count == 2 else {
            throw NeuralNetError.tensorShapeMismatch(name: "fc5.weight", expected: [-1, widths[3] * 42], got: fc.shape, file: file.path)
        }
        try self.init(depth: depth, widths: widths, embeddingDimension: fc.shape[0])
        var tensors: [String: Tensor] = [:]
        for (name, p) in namedParameters() { tensors[name] = try file.tensor(name, shape: p.value.shape) }
        try load(from: tensors, file: file.path)
    }

    /// Convenience: opens `path` and calls `init(depth:weights:)`.
    public convenience init(depth: Depth, weightsPath path: String) throws {
        try self.init(depth: depth, weights: SafeTensorsFile(contentsOf: path))
    }

    private func forEachUnit(_ body: (ConvUnit) -> Void) {
        for st in stages {
            body(st.opening)
            for (a, b) in st.residual { body(a); body(b) }
        }
    }

    public func namedParameters() -> [(String, Parameter)] {
        var r: [(String, Parameter)] = []
        forEachUnit { u in
            r.append(("conv\(u.name).weight", u.conv.weight))
            if let b = u.conv.bias { r.append(("conv\(u.name).bias", b)) }
            r.append(("relu\(u.name).weight", u.relu.weight))
        }
        r.append(("fc5.weight", fc5.weight))
        if let b = fc5.bias { r.append(("fc5.bias", b)) }
        return r
    }

    /// Forward pass to the trunk output `[N, C_4, 7, 6]`; `record` sees intermediate activations
    /// named as in the reference test vectors (`act_conv1_1_out`, `act_relu1_1_out`, `act_stage{s}_out`).
    public func trunk(_ x: Tensor, record: ((String, Tensor) -> Void)? = nil) throws -> Tensor {
        try x.expectShape([x.shape.first ?? 0, 3, inputHeight, inputWidth], "\(name) input")
        var y = x
        if !training && record == nil {
            // inference: PReLU and the residual add fused into each convolution's output pass
            for st in stages {
                y = try st.opening.conv.forward(y, prelu: st.opening.relu)
                for (a, b) in st.residual {
                    y = try b.conv.forward(a.conv.forward(y, prelu: a.relu), prelu: b.relu, residual: y)
                }
            }
            return y
        }
        for (s, st) in stages.enumerated() {
            let c = try st.opening.conv(y)
            if s == 0 { record?("act_conv1_1_out", c) }
            y = try st.opening.relu(c)
            if s == 0 { record?("act_relu1_1_out", y) }
            for (a, b) in st.residual {
                let r = try b.relu(b.conv(a.relu(a.conv(y))))
                add(r, y, into: r)
                y = r
            }
            record?("act_stage\(s + 1)_out", y)
        }
        return y
    }

    /// Forward pass: `[N, 3, 112, 96]` → embeddings `[N, embedding]` (not normalised).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try fc5(trunk(x))
    }

    /// Backward pass from d(loss)/d(embedding) `[N, embedding]`; accumulates every parameter
    /// gradient and returns d(loss)/d(input).
    public func backward(_ gradOutput: Tensor) throws -> Tensor { try backward(gradOutput, record: nil) }

    /// Backward pass that also reports `grad_wrt_conv1_1_out` (d(loss)/d(conv1_1 output)) to `record`.
    public func backward(_ gradOutput: Tensor, record: ((String, Tensor) -> Void)?) throws -> Tensor {
        var g = try fc5.backward(gradOutput)
        for st in stages.reversed() {
            for (a, b) in st.residual.reversed() {
                let gb = try a.conv.backward(a.relu.backward(b.conv.backward(b.relu.backward(g))))
                add(gb, g, into: gb)
                g = gb
            }
            let gc = try st.opening.relu.backward(g)
            if st.opening.name == "1_1" { record?("grad_wrt_conv1_1_out", gc) }
            g = try st.opening.conv.backward(gc)
        }
        return g
    }

    /// Embeds a normalised batch `[N, 3, 112, 96]` into unit vectors (inference mode).
    public func embed(_ batch: Tensor) throws -> [[Float]] {
        let wasTraining = training
        if wasTraining { training = false }
        defer { if wasTraining { training = true } }
        return l2NormalizedRows(try self(batch))
    }
}
