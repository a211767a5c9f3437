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

    public var description: String {
        switch self {
        case let .badCrop(i, e, g):
            return "crop \(i) has \(g) bytes, the model needs \(e) (interleaved 8-bit RGB of the model's input size); align and crop faces to the model's input size first"
        case let .incompatibleWeights(msg):
            return "incompatible weights: \(msg)"
        case let .invalidInput(msg):
            return "invalid input: \(msg)"
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
    /// Subtracted from each 8-bit value.
    var pixelMean: Float { get }
    /// Multiplies the centred value.
    var pixelScale: Float { get }
    /// Length of each embedding.
    var outputDimension: Int { get }
    /// Embeds a normalised batch `[N, 3, inputHeight, inputWidth]`; returns `N` unit vectors of `outputDimension`.
    func embed(_ batch: Tensor) throws -> [[Float]]
}

extension EmbeddingModel {
    /// Builds the normalised `[N, 3, H, W]` input from interleaved 8-bit RGB crops (row-major `H × W × 3`).
    /// - Throws: `FaceEmbeddingError.badCrop` for a crop of the wrong size, `invalidInput` for an empty batch.
    public func makeInput(rgbCrops crops: [[UInt8]]) throws -> Tensor {
        guard !crops.isEmpty else { throw FaceEmbeddingError.invalidInput("empty batch: pass at least one crop") }
        let h = inputHeight, w = inputWidth, hw = h * w
        for (i, c) in crops.enumerated() where c.count != hw * 3 {
            throw FaceEmbeddingError.badCrop(index: i, expectedBytes: hw * 3, gotBytes: c.count)
        }
        let t = Tensor(uninitialized: [crops.count, 3, h, w])
        let mean = pixelMean, scale = pixelScale
        let order: [Int] = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        for (i, c) in crops.enumerated() {
            c.withUnsafeBufferPointer { src in
                for plane in 0..<3 {
                    let dst = t.pointer + (i * 3 + plane) * hw
                    let ch = order[plane]
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
