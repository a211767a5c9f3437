/// Channel order of a planar tensor built from an RGB `Image`.
public enum ChannelOrder: Sendable {
    /// Plane 0 = red, 1 = green, 2 = blue (dlib, facenet-pytorch MTCNN).
    case rgb
    /// Plane 0 = blue, 1 = green, 2 = red (Caffe/OpenCV models such as the released SphereFace).
    case bgr
}

/// A planar Float32 image, `channels × height × width` (CHW, row-major within each plane): the layout of
/// one sample of an NCHW network input. Values are in whatever units the producer chose (raw 0...255 from
/// `init(_:order:)`, or normalised with `normalized(mean:divisor:)`).
public struct PlanarImage: Sendable, Equatable {
    /// Number of planes.
    public let channels: Int
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `channels * height * width` values; element `(c, y, x)` is at `(c * height + y) * width + x`.
    public var data: [Float]

    /// Wraps planar data. Throws `invalidArgument` when the sizes do not agree.
    public init(channels: Int, width: Int, height: Int, data: [Float]) throws {
        guard channels > 0, width > 0, height > 0, data.count == channels * width * height else {
            throw ImagingError.invalidArgument(
                "PlanarImage \(channels)×\(height)×\(width) needs \(max(0, channels * width * height)) values, got \(data.count)")
        }
        self.channels = channels
        self.width = width
        self.height = height
        self.data = data
    }

    init(uncheckedChannels channels: Int, width: Int, height: Int, data: [Float]) {
        self.channels = channels
        self.width = width
        self.height = height
        self.data = data
    }

    /// Converts an RGB image to 3 planes of raw values 0...255 (as Float), in the given channel order.
    public init(_ image: Image, order: ChannelOrder = .rgb) {
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: plane * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (p0, p2) = order == .rgb ? (0, 2) : (2, 0)
                for i in 0..<plane {
                    dst[p0 * plane + i] = Float(src[3 * i])
                    dst[plane + i] = Float(src[3 * i + 1])
                    dst[p2 * plane + i] = Float(src[3 * i + 2])
                }
            }
        }
        self.init(uncheckedChannels: 3, width: image.width, height: image.height, data: out)
    }

    /// `(value − mean[c]) / divisor` per plane (float32 arithmetic). `mean` has one entry per plane, or one
    /// entry used for all planes. Examples: SphereFace `mean: [127.5], divisor: 128`; dlib
    /// `mean: [122.782, 117.001, 104.298], divisor: 256`.
    public func normalized(mean: [Float], divisor: Float) throws -> PlanarImage {
        guard mean.count == 1 || mean.count == channels, divisor != 0, divisor.isFinite else {
            throw ImagingError.invalidArgument(
                "normalized(mean:divisor:) needs 1 or \(channels) means and a finite non-zero divisor")
        }
        var out = data
        let plane = width * height
        out.withUnsafeMutableBufferPointer { p in
            for c in 0..<channels {
                let m = mean.count == 1 ? mean[0] : mean[c]
                for i in (c * plane)..<((c + 1) * plane) { p[i] = (p[i] - m) / divisor }
            }
        }
        return PlanarImage(uncheckedChannels: channels, width: width, height: height, data: out)
    }

    /// The sub-rectangle with top-left `(x, y)` and size `width`×`height` of every plane; must lie inside.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws -> PlanarImage {
        guard w > 0, h > 0, x >= 0, y >= 0, x + w <= width, y + h <= height else {
            throw ImagingError.invalidArgument(
                "crop (\(x), \(y), \(w)×\(h)) does not lie inside the \(width)×\(height) planar image")
        }
        var out = [Float](repeating: 0, count: channels * w * h)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for row in 0..<h {
                        let s = (c * height + y + row) * width + x
                        let d = (c * h + row) * w
                        for i in 0..<w { dst[d + i] = src[s + i] }
                    }
                }
            }
        }
        return PlanarImage(uncheckedChannels: channels, width: w, height: h, data: out)
    }
}
