/// An image decoded at a reduced size for work that does not need every pixel (face detection on a
/// phone photo), with the upright size the image has at full resolution.
public struct ScaledImage: Sendable {
    /// The decoded pixels, upright; the longest side is at most the `maxSide` asked for.
    public var image: Image
    /// Width of the full-resolution image, upright (after EXIF orientation / HEIF transforms).
    public let originalWidth: Int
    /// Height of the full-resolution image, upright.
    public let originalHeight: Int

    public init(image: Image, originalWidth: Int, originalHeight: Int) {
        self.image = image
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
    }

    /// An image decoded at full resolution.
    init(full image: Image) {
        self.init(image: image, originalWidth: image.width, originalHeight: image.height)
    }

    /// Decoded width over full-resolution width (1 when not reduced, else below 1). A point `p` of the
    /// decoded image is at `p / scale` in the full-resolution image.
    public var scale: Double { Double(image.width) / Double(originalWidth) }

    /// Whether the pixels are fewer than the full-resolution image's.
    public var isReduced: Bool { image.width < originalWidth || image.height < originalHeight }

    /// The size whose longest side is `maxSide` with the aspect ratio of `width`×`height` (each side at
    /// least 1), or the size itself when it already fits.
    public static func fittedSize(width: Int, height: Int, maxSide: Int) -> (width: Int, height: Int) {
        let longest = max(width, height)
        guard longest > maxSide else { return (width, height) }
        let s = Double(maxSide) / Double(longest)
        let w = width >= height ? maxSide : max(1, Int((Double(width) * s).rounded()))
        let h = height >= width ? maxSide : max(1, Int((Double(height) * s).rounded()))
        return (min(w, maxSide), min(h, maxSide))
    }

    /// This image reduced (area average) so that its longest side is at most `maxSide`.
    public func fitted(maxSide: Int?) throws -> ScaledImage {
        guard let maxSide, max(image.width, image.height) > maxSide else { return self }
        let size = Self.fittedSize(width: image.width, height: image.height, maxSide: maxSide)
        return ScaledImage(image: try image.resized(width: size.width, height: size.height, method: .area),
                           originalWidth: originalWidth, originalHeight: originalHeight)
    }
}
