import Imaging
import NeuralNet

/// Order of the colour planes a network expects in its `[N, 3, H, W]` input.
public enum ChannelOrder: String, Sendable {
    /// Red, green, blue.
    case rgb
    /// Blue, green, red (OpenCV order; the official SphereFace models were trained on it).
    case bgr
}

/// Errors of the FaceEmbedding module; messages say what to do.
public enum FaceEmbeddingError: Error, CustomStringConvertible, Equatable {
    /// A crop had the wrong byte count for the model's input size.
    case badCrop(index: Int, expectedBytes: Int, gotBytes: Int)
    /// A weight file does not describe the requested architecture.
    case incompatibleWeights(String)
    /// A batch was empty or otherwise unusable.
    case invalidInput(String)
    /// A crop image had a size other than the model's input size.
    case wrongCropSize(index: Int, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)

    public var description: String {
        switch self {
        case let .badCrop(i, e, g):
            return "crop \(i) has \(g) bytes, the model needs \(e) (interleaved 8-bit RGB of the model's input size); align and crop faces to the model's input size first"
        case let .incompatibleWeights(msg):
            return "incompatible weights: \(msg)"
        case let .invalidInput(msg):
            return "invalid input: \(msg)"
        case let .wrongCropSize(i, w, h, ew, eh):
            return "crop \(i) is \(w)×\(h) pixels, the model needs \(ew)×\(eh): align and crop faces with the model's template (EmbeddingModel.cropTemplate) first"
        }
    }
}

/// A network that maps aligned face crops to unit-length embedding vectors.
///
/// Contract: crops are aligned with a similarity transform that maps the five detected landmarks
/// (left eye, right eye, nose tip, left and right mouth corner, in the subject's image order) onto
/// `alignmentTemplate` in an `inputWidth × inputHeight` crop. Pixels are normalised as
/// `(value − pixelMean) · pixelScale` with channels in `channelOrder`, giving an NCHW Float32 batch
/// `[N, 3, inputHeight, inputWidth]`.
public protocol EmbeddingModel: AnyObject {
    /// A stable identifier recorded next to the vectors (e.g. `sphere20a`).
    var name: String { get }
    /// Crop height in pixels.
    var inputHeight: Int { get }
    /// Crop width in pixels.
    var inputWidth: Int { get }
    /// The five landmark positions (x, y) in crop pixels the crops are aligned to.
    var alignmentTemplate: [SIMD2<Float>] { get }
    /// Channel order of the network input.
    var channelOrder: ChannelOrder { get }
    /// Subtracted from each 8-bit value (for models with one mean for all channels; see `pixelMeans`).
    var pixelMean: Float { get }
    /// Per-plane means in network plane order (`channelOrder`), subtracted from each 8-bit value.
    /// Default: `pixelMean` for all three planes.
    var pixelMeans: [Float] { get }
    /// The complete crop recipe for `Imaging.align`: crop size, the five target points (same as
    /// `alignmentTemplate`) and the sampling convention of the reference implementation.
    /// Default: `alignmentTemplate` in the OpenCV convention at `inputWidth × inputHeight`.
    var cropTemplate: AlignmentTemplate { get }
    /// Multiplies the centred value.
    var pixelScale: Float { get }
    /// Length of each embedding.
    var outputDimension: Int { get }
    /// Embeds a normalised batch `[N, 3, inputHeight, inputWidth]`; returns `N` unit vectors of `outputDimension`.
    func embed(_ batch: Tensor) throws -> [[Float]]
}

extension EmbeddingModel {
    public var pixelMeans: [Float] { [pixelMean, pixelMean, pixelMean] }

    public var cropTemplate: AlignmentTemplate {
        // The points are finite and the size positive for every model, so this cannot fail.
        try! AlignmentTemplate(name: "\(name)-\(inputWidth)x\(inputHeight)", width: inputWidth, height: inputHeight,
                               points: alignmentTemplate.map { Point2D(Double($0.x), Double($0.y)) }, convention: .opencv)
    }

    /// Builds the normalised `[N, 3, H, W]` input from interleaved 8-bit RGB crops (row-major `H × W × 3`).
    /// - Throws: `FaceEmbeddingError.badCrop` for a crop of the wrong size, `invalidInput` for an empty batch.
    public func makeInput(rgbCrops crops: [[UInt8]]) throws -> Tensor {
        guard !crops.isEmpty else { throw FaceEmbeddingError.invalidInput("empty batch: pass at least one crop") }
        let h = inputHeight, w = inputWidth, hw = h * w
        for (i, c) in crops.enumerated() where c.count != hw * 3 {
            throw FaceEmbeddingError.badCrop(index: i, expectedBytes: hw * 3, gotBytes: c.count)
        }
        let t = Tensor(uninitialized: [crops.count, 3, h, w])
        let means = pixelMeans, scale = pixelScale
        guard means.count == 3 else { throw FaceEmbeddingError.invalidInput("\(name): pixelMeans must have 3 values, has \(means.count)") }
        let order: [Int] = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        for (i, c) in crops.enumerated() {
            c.withUnsafeBufferPointer { src in
                for plane in 0..<3 {
                    let dst = t.pointer + (i * 3 + plane) * hw
                    let ch = order[plane], mean = means[plane]
                    for p in 0..<hw { dst[p] = (Float(src[p * 3 + ch]) - mean) * scale }
                }
            }
        }
        return t
    }

    /// Embeds interleaved 8-bit RGB crops of the model's input size; returns unit vectors.
    public func embed(rgbCrops crops: [[UInt8]]) throws -> [[Float]] {
        try embed(makeInput(rgbCrops: crops))
    }

    /// Builds the normalised `[N, 3, H, W]` input from aligned crops (`Imaging.Image`, 8-bit RGB).
    /// - Throws: `FaceEmbeddingError.wrongCropSize` for a crop that is not `inputWidth × inputHeight`.
    public func makeInput(images: [Image]) throws -> Tensor {
        for (i, im) in images.enumerated() where im.width != inputWidth || im.height != inputHeight {
            throw FaceEmbeddingError.wrongCropSize(index: i, width: im.width, height: im.height,
                                                   expectedWidth: inputWidth, expectedHeight: inputHeight)
        }
        return try makeInput(rgbCrops: images.map(\.pixels))
    }

    /// Embeds aligned crops of the model's input size; returns unit vectors.
    public func embed(images: [Image]) throws -> [[Float]] {
        try embed(makeInput(images: images))
    }
}

/// Scales each row of `[N, D]` to unit Euclidean length (rows of zeros stay zero).
public func l2NormalizedRows(_ t: Tensor) -> [[Float]] {
    let n = t.shape[0], d = t.count / max(1, n)
    var out: [[Float]] = []
    out.reserveCapacity(n)
    for i in 0..<n {
        let row = UnsafeBufferPointer(start: t.pointer + i * d, count: d)
        var s: Float = 0
        for v in row { s += v * v }
        let inv: Float = s > 0 ? 1 / s.squareRoot() : 0
        out.append(row.map { $0 * inv })
    }
    return out
}
