/// An 8-bit RGB image: `height` rows of `width` pixels, row-major, channels interleaved R, G, B.
///
/// `pixels.count == width * height * 3`; the pixel at column `x`, row `y` starts at
/// `(y * width + x) * 3`. Origin is the top-left corner. This is the layout every decoder returns
/// and every resize/warp consumes, and the same byte layout as `numpy.asarray(PIL.Image.convert("RGB"))`.
public struct Image: Sendable, Equatable, Hashable {
    /// Number of interleaved channels (always 3: R, G, B).
    public static let channels = 3
    /// Width in pixels (> 0).
    public let width: Int
    /// Height in pixels (> 0).
    public let height: Int
    /// Interleaved RGB bytes, `width * height * 3` of them.
    public var pixels: [UInt8]

    /// Wraps existing interleaved RGB bytes. Throws `invalidArgument` when the sizes do not agree.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).overflow == false,
              pixels.count == width * height * 3
        else {
            throw ImagingError.invalidArgument(
                "Image(width: \(width), height: \(height)) needs \(max(0, width) * max(0, height) * 3) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A `width`×`height` image filled with one colour (black by default). Sizes must be positive.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) throws {
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height * 3).overflow == false else {
            throw ImagingError.invalidArgument("Image size \(width)×\(height) must be positive")
        }
        var px = [UInt8](repeating: 0, count: width * height * 3)
        if fill != (0, 0, 0) {
            px.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count { p[i] = fill.0; p[i + 1] = fill.1; p[i + 2] = fill.2; i += 3 }
            }
        }
        self.width = width
        self.height = height
        self.pixels = px
    }

    /// Internal unchecked initialiser (sizes already validated by the caller).
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The (R, G, B) value at column `x`, row `y` (0-based; must be inside the image).
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The sub-rectangle with top-left `(x, y)` and size `width`×`height`, which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws -> Image {
        guard w > 0, h > 0, x >= 0, y >= 0, x + w <= width, y + h <= height else {
            throw ImagingError.invalidArgument(
                "crop (\(x), \(y), \(w)×\(h)) does not lie inside the \(width)×\(height) image")
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let s = ((y + row) * width + x) * 3
                    let d = row * w * 3
                    for i in 0..<(w * 3) { dst[d + i] = src[s + i] }
                }
            }
        }
        return Image(uncheckedWidth: w, height: h, pixels: out)
    }

    /// The same image with every pixel's channels reversed (RGB ↔ BGR), for code that needs BGR bytes.
    public func swappingRedBlue() -> Image {
        var out = pixels
        out.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count { let t = p[i]; p[i] = p[i + 2]; p[i + 2] = t; i += 3 }
        }
        return Image(uncheckedWidth: width, height: height, pixels: out)
    }
}

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
