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

    /// The (R, G, B) value at column `x`, row `y` (0-based), or nil outside the image.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8)? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
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
