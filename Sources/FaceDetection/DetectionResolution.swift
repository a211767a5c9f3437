import Imaging

/// How large an image is when faces are looked for in it. Detection finds faces down to about
/// 10 pixels of the image it runs on, so a face of `10 × longest side / detection side` pixels
/// is the smallest found; memory grows with the detection image's pixels.
public enum DetectionResolution: Sendable, Equatable, CustomStringConvertible {
    /// Every pixel of the photo.
    case full
    /// The longest side reduced to at most this many pixels.
    case maxSide(Int)
    /// The default: the longest side reduced to a quarter of the photo's own, kept between
    /// 1,280 and 1,600 pixels — faces of 40 px and more are found in photos up to 24 MP, and the
    /// detection image never exceeds 1,600 pixels whatever the photo's size.
    case automatic

    /// The range of `automatic`'s detection side.
    public static let automaticRange = 1280...1600

    /// The longest side to detect on for a photo of `width`×`height` (nil: full resolution).
    public func maxSide(width: Int, height: Int) -> Int? {
        switch self {
        case .full: return nil
        case .maxSide(let side): return side
        case .automatic:
            let quarter = (max(width, height) + 3) / 4
            return min(Self.automaticRange.upperBound, max(Self.automaticRange.lowerBound, quarter))
        }
    }

    public var description: String {
        switch self {
        case .full: return "full"
        case .maxSide(let side): return String(side)
        case .automatic: return "auto"
        }
    }

    /// `full`, `auto` or a side of at least 64 pixels.
    public init?(_ text: String) {
        switch text {
        case "full": self = .full
        case "auto": self = .automatic
        default:
            guard let side = Int(text), side >= 64 else { return nil }
            self = .maxSide(side)
        }
    }
}

extension MTCNN {
    /// Detects faces on `encoded` at `resolution` and returns them in full-resolution coordinates.
    /// `automatic` decodes once at its upper bound (libjpeg-turbo and libwebp decode reduced), then
    /// reduces to the side the photo's size calls for.
    public func detect(_ encoded: EncodedImage, resolution: DetectionResolution) throws -> ScaledDetection {
        switch resolution {
        case .full: return try detect(encoded, maxSide: nil)
        case .maxSide(let side): return try detect(encoded, maxSide: side)
        case .automatic:
            let first = try encoded.decode(maxSide: DetectionResolution.automaticRange.upperBound)
            let side = resolution.maxSide(width: first.originalWidth, height: first.originalHeight)
            return try detect(encoded, decoded: try first.fitted(maxSide: side))
        }
    }
}
