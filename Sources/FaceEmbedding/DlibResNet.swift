import Dispatch
import Foundation
import Imaging
import NeuralNet

/// dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1`, the network of
/// `dnn_face_recognition_ex.cpp`): 29 convolutions, 128-d descriptors, ported for inference.
///
/// ```
/// input [N, 3, 150, 150], planes R, G, B, x = (pixel − mean[c]) / 256
/// stem:  conv 7×7/2 (pad 0) 3→32, affine, relu       150 → 72
///        max pool 3×3/2                              72 → 35
/// block  channels  down   spatial (main | shortcut)
///  0–2      32      –     35
///  3        64      ✓     17 | 17
///  4–6      64      –     17
///  7       128      ✓      8 | 8
///  8–9     128      –      8
/// 10       256      ✓      3 | 4  → 4   (main zero-padded at bottom/right)
/// 11–12    256      –      4
/// 13       256      ✓      1 | 2  → 2
///   main     = affine2(conv2 3×3/1 pad 1(relu(affine1(conv1(x)))))
///              conv1: 3×3/1 pad 1, or 3×3/2 pad 0 in a down-sampling block
///   shortcut = x, or avg pool 2×2/2 of x in a down-sampling block
///   out      = relu(main ⊕ shortcut)     ⊕ = add, each operand zero-padded to the larger
///                                            shape (extra channels, bottom rows, right columns)
/// global average pool → [N, 256];  fc (no bias) 256 → 128 = the descriptor
/// ```
///
/// Each `affine` (y = γ·x + β, dlib's batch norm frozen for inference) is folded into the
/// preceding convolution at load time: `W′ = γ·W`, `b′ = γ·b + β`. The 3×3 stride-1
/// convolutions run through NeuralNet's Winograd path, the others through im2col + GEMM,
/// with all images of a batch in one GEMM.
///
/// Weights: the safetensors file of `Tools/convert_dlib_model.py` (`dlib_resnet_v1.safetensors`
/// in the model cache, written by `make models`); tensor names `stem.conv.weight`,
/// `blocks.{i}.conv1.weight`, `blocks.{i}.affine1.gamma`, …, `fc.weight`, `input.mean`.
///
/// One instance runs one forward pass at a time (the convolutions cache their Winograd kernels
/// lazily); give each thread its own instance. Throughput is best with `Parallel.setBLASThreads(1)`,
/// where NeuralNet splits the GEMMs over its own workers.
///
/// `descriptors(_:)` gives dlib's raw descriptors (compared by Euclidean distance, same person
/// below 0.6); `embed(_:)` gives them scaled to unit length (cosine = 1 − d²/2 for the
/// unit vectors).
public final class DlibResNet: EmbeddingModel {
    /// One residual block's shape: output channels and whether it down-samples.
    public struct BlockSpec: Sendable, Equatable {
        public let channels: Int
        public let downsample: Bool
    }

    /// One residual block with its affine layers folded into the convolutions.
    public struct Block {
        /// `blocks.{i}`
        public let name: String
        public let spec: BlockSpec
        /// 3×3, stride 2 pad 0 when down-sampling, else stride 1 pad 1; affine1 folded in.
        public let conv1: Conv2d
        /// 3×3, stride 1, pad 1; affine2 folded in.
        public let conv2: Conv2d
    }

    /// The 14 residual blocks of dlib's model, input side first.
    public static let blockLayout: [BlockSpec] =
        [32, 32, 32].map { BlockSpec(channels: $0, downsample: false) }
        + [BlockSpec(channels: 64, downsample: true)]
        + [64, 64, 64].map { BlockSpec(channels: $0, downsample: false) }
        + [BlockSpec(channels: 128, downsample: true)]
        + [128, 128].map { BlockSpec(channels: $0, downsample: false) }
        + [BlockSpec(channels: 256, downsample: true)]
        + [256, 256].map { BlockSpec(channels: $0, downsample: false) }
        + [BlockSpec(channels: 256, downsample: true)]

    /// File name of the converted model inside the model cache.
    public static let cacheFileName = "dlib_resnet_v1.safetensors"
    /// The `__metadata__["format"]` value written by the converter.
    public static let formatTag = "sphere-gallery.dlib-resnet.v1"
    /// The registry name (`EmbeddingModels.load(name:)`).
    public static let modelName = "dlib-resnet"

    /// dlib's own chip for landmarks of its 5-point shape predictor (`get_face_chip`, 150×150,
    /// padding 0.25). Use this instead of `cropTemplate` when the landmarks come from dlib.
    public static let dlibLandmarksTemplate = AlignmentTemplate.dlibChip150

    /// `stem.conv` with `stem.affine` folded in: `[32, 3, 7, 7]`, stride 2, pad 0.
    public let stem: Conv2d
    public let blocks: [Block]
    /// `[128, 256]`, no bias.
    public let fc: Linear

    /// Images per forward chunk: larger batches are split so activations stay bounded
    /// (about 3 MB per image at the widest layer).
    public var maxBatchSize = 32

    // MARK: EmbeddingModel

    public var name: String { Self.modelName }
    public let inputHeight = 150
    public let inputWidth = 150
    /// dlib's chip for MTCNN-order landmarks (`AlignmentTemplate.dlibChip150MTCNN`); for landmarks of
    /// dlib's 5-point predictor use `DlibResNet.dlibLandmarksTemplate`.
    public var cropTemplate: AlignmentTemplate { .dlibChip150MTCNN }
    public var alignmentTemplate: [SIMD2<Float>] { cropTemplate.points.map { SIMD2(Float($0.x), Float($0.y)) } }
    public let channelOrder = ChannelOrder.rgb
    /// R, G, B means from the file (`input.mean`; dlib's 122.782, 117.001, 104.298).
    public let pixelMeans: [Float]
    /// The average of `pixelMeans` (the protocol's single-mean view; normalisation uses `pixelMeans`).
    public var pixelMean: Float { pixelMeans.reduce(0, +) / Float(pixelMeans.count) }
    /// 1/256, as dlib's `input_rgb_image_sized`.
    public let pixelScale: Float = 1.0 / 256.0
    public var outputDimension: Int { fc.outputFeatures }

    // MARK: Loading

    /// Builds the network from a converted model file.
    /// - Throws: `FaceEmbeddingError.incompatibleWeights` when the file is not a converted dlib face
    ///   ResNet (format tag or layer sequence differ); `NeuralNetError.missingTensor` /
    ///   `tensorShapeMismatch` naming the offending tensor.
    public init(weights file: SafeTensorsFile) throws {
        try Self.checkMetadata(file)
        let mean = try file.tensor("input.mean", shape: [3])
        pixelMeans = mean.scalars

        stem = try Self.foldedConv(file, conv: "stem.conv", affine: "stem.affine", inputChannels: 3, outputChannels: 32,
                                   kernel: 7, stride: 2, padding: 0)
        var blocks: [Block] = []
        var cin = 32
        for (i, spec) in Self.blockLayout.enumerated() {
            let p = "blocks.\(i)"
            let c1 = try Self.foldedConv(file, conv: p + ".conv1", affine: p + ".affine1", inputChannels: cin,
                                         outputChannels: spec.channels, kernel: 3,
                                         stride: spec.downsample ? 2 : 1, padding: spec.downsample ? 0 : 1)
            let c2 = try Self.foldedConv(file, conv: p + ".conv2", affine: p + ".affine2", inputChannels: spec.channels,
                                         outputChannels: spec.channels, kernel: 3, stride: 1, padding: 1)
            blocks.append(Block(name: p, spec: spec, conv1: c1, conv2: c2))
            cin = spec.channels
        }
        self.blocks = blocks
        let fcWeight = try file.tensor("fc.weight")
        guard fcWeight.rank == 2, fcWeight.shape[1] == cin, fcWeight.shape[0] > 0 else {
            throw NeuralNetError.tensorShapeMismatch(name: "fc.weight", expected: [128, cin], got: fcWeight.shape, file: file.path)
        }
        fc = try Linear(inputFeatures: cin, outputFeatures: fcWeight.shape[0], bias: false)
        try fc.weight.load(fcWeight, name: "fc.weight")
    }

    /// Opens `path` (a converted `dlib_resnet_v1.safetensors`) and calls `init(weights:)`.
    public convenience init(weightsPath path: String) throws {
        try self.init(weights: SafeTensorsFile(contentsOf: path))
    }

    /// Loads `dlib_resnet_v1.safetensors` from the model cache (`ModelCache.directory`).
    /// - Throws: `ModelCacheError.missingFile` (which says to run `make models`) when it is absent.
    public static func fromCache() throws -> DlibResNet {
        try DlibResNet(weightsPath: ModelCache.require(cacheFileName, model: modelName))
    }

    /// Checks the converter's format tag and that `network.layers` lists exactly `blockLayout`.
    private static func checkMetadata(_ file: SafeTensorsFile) throws {
        let hint = "expected a dlib face ResNet converted by Tools/convert_dlib_model.py (run `make models`)"
        guard file.metadata["format"] == formatTag else {
            throw FaceEmbeddingError.incompatibleWeights(
                "\(file.path) has format '\(file.metadata["format"] ?? "none")', not '\(formatTag)': \(hint)")
        }
        guard let json = file.metadata["network"],
              let net = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let layers = net["layers"] as? [[String: Any]] else {
            throw FaceEmbeddingError.incompatibleWeights("\(file.path) has no readable 'network' metadata: \(hint)")
        }
        let residuals = layers.filter { $0["op"] as? String == "residual" }
        let found = residuals.map { BlockSpec(channels: $0["out_channels"] as? Int ?? -1, downsample: $0["downsample"] as? Bool ?? false) }
        let ops = layers.compactMap { $0["op"] as? String }.filter { $0 != "residual" }
        guard found == blockLayout, ops == ["conv", "affine", "relu", "max_pool", "global_avg_pool", "linear"],
              residuals.allSatisfy({ $0["merge"] as? String == "add_zero_pad" }) else {
            throw FaceEmbeddingError.incompatibleWeights(
                "\(file.path) describes another layer sequence (\(found.count) residual blocks, ops \(ops)): \(hint)")
        }
    }

    /// A convolution whose weights are `conv.weight`, `conv.bias` with the following affine
    /// (`gamma`, `beta`) folded in.
    private static func foldedConv(_ file: SafeTensorsFile, conv: String, affine: String, inputChannels: Int,
                                   outputChannels: Int, kernel: Int, stride: Int, padding: Int) throws -> Conv2d {
        let w = try file.tensor(conv + ".weight", shape: [outputChannels, inputChannels, kernel, kernel])
        let b = try file.tensor(conv + ".bias", shape: [outputChannels])
        let g = try file.tensor(affine + ".gamma", shape: [outputChannels])
        let beta = try file.tensor(affine + ".beta", shape: [outputChannels])
        let layer = try Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernel,
                               stride: stride, padding: padding, bias: true)
        let per = inputChannels * kernel * kernel
        let wp = w.pointer, bp = b.pointer, gp = g.pointer, betap = beta.pointer
        for o in 0..<outputChannels {
            let s = gp[o]
            for i in 0..<per { wp[o * per + i] *= s }
            bp[o] = bp[o] * s + betap[o]
        }
        try layer.weight.load(w, name: conv + ".weight")
        try layer.bias!.load(b, name: conv + ".bias")
        return layer
    }

    // MARK: Inference

    /// Raw descriptors (dlib's output, not normalised) of a normalised batch `[N, 3, 150, 150]` → `[N, 128]`.
    /// - Throws: `NeuralNetError.shapeMismatch` for another input shape.
    public func descriptors(_ batch: Tensor) throws -> Tensor {
        try descriptors(batch, timing: nil)
    }

    /// `descriptors(_:)`, reporting the wall time of every layer to `timing` (label, seconds).
    func descriptors(_ batch: Tensor, timing: ((String, Double) -> Void)?) throws -> Tensor {
        let n = batch.shape.first ?? 0
        try batch.expectShape([n, 3, inputHeight, inputWidth], "\(name) input")
        guard n > 0 else { throw FaceEmbeddingError.invalidInput("empty batch: pass at least one crop") }
        let chunk = max(1, maxBatchSize)
        if n <= chunk { return try forward(batch, timing: timing) }
        let out = Tensor(uninitialized: [n, outputDimension])
        var i = 0
        while i < n {
            let m = min(chunk, n - i)
            let d = try forward(batch.batch(i..<(i + m)), timing: timing)
            (out.pointer + i * outputDimension).update(from: d.pointer, count: d.count)
            i += m
        }
        return out
    }

    private func forward(_ x: Tensor, timing: ((String, Double) -> Void)?) throws -> Tensor {
        var clock = timing == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        @inline(__always) func lap(_ label: @autoclosure () -> String) {
            guard let timing else { return }
            let t = DispatchTime.now().uptimeNanoseconds
            timing(label(), Double(t - clock) / 1e9)
            clock = t
        }
        var y = try stem(x)
        lap("stem conv 7×7/2 3→32")
        y = DlibResNetKernels.maxPool3x3s2ReLU(y)  // = max pool of relu(y)
        lap("stem max pool 3×3/2 + relu")
        for b in blocks {
            let s = b.spec.downsample ? 2 : 1
            let h = try b.conv1(y)
            lap("\(b.name).conv1 3×3/\(s) \(b.conv1.inputChannels)→\(b.conv1.outputChannels) @\(y.shape[2])")
            DlibResNetKernels.reluInPlace(h)
            lap("\(b.name).relu1")
            let m = try b.conv2(h)
            lap("\(b.name).conv2 3×3/1 \(b.conv2.inputChannels)→\(b.conv2.outputChannels) @\(h.shape[2])")
            y = b.spec.downsample ? DlibResNetKernels.downsampleMerge(main: m, input: y) : DlibResNetKernels.addReLUInPlace(m, y)
            lap("\(b.name).merge+relu")
        }
        let pooled = DlibResNetKernels.globalAveragePool(y)
        let out = try fc(pooled)
        lap("global avg pool + fc")
        return out
    }

    /// Embeds a normalised batch `[N, 3, 150, 150]` into unit vectors (the raw descriptors scaled to length 1).
    public func embed(_ batch: Tensor) throws -> [[Float]] {
        l2NormalizedRows(try descriptors(batch))
    }

    /// Raw descriptors of interleaved 8-bit RGB 150×150 chips (as `dlib.compute_face_descriptor(chip)`).
    public func rawDescriptors(rgbCrops crops: [[UInt8]]) throws -> [[Float]] {
        rows(try descriptors(makeInput(rgbCrops: crops)))
    }

    /// Raw descriptors of aligned 150×150 chips.
    public func rawDescriptors(images: [Image]) throws -> [[Float]] {
        rows(try descriptors(makeInput(images: images)))
    }

    private func rows(_ t: Tensor) -> [[Float]] {
        let d = t.shape[1]
        return (0..<t.shape[0]).map { Array(UnsafeBufferPointer(start: t.pointer + $0 * d, count: d)) }
    }
}
