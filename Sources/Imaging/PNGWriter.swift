import CPNG
import Foundation

/// Writes 8-bit RGB PNG files with libpng (lossless: decoding the result gives the same `Image`).
public enum PNGWriter {
    /// The PNG file bytes for `image` (8-bit RGB, non-interlaced).
    public static func encode(_ image: Image) throws -> [UInt8] {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        img.format = UInt32(PNG_FORMAT_FLAG_COLOR)
        defer { png_image_free(&img) }
        return try image.pixels.withUnsafeBytes { src -> [UInt8] in
            var size: Int = 0
            guard png_image_write_to_memory(&img, nil, &size, 0, src.baseAddress, 0, nil) != 0, size > 0 else {
                throw ImagingError.writeFailed(file: "<memory>", detail: PNGDecoder.message(&img))
            }
            var out = [UInt8](repeating: 0, count: size)
            let ok = out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&img, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
            }
            guard ok != 0 else {
                throw ImagingError.writeFailed(file: "<memory>", detail: PNGDecoder.message(&img))
            }
            return Array(out.prefix(size))
        }
    }

    /// Writes `image` as a PNG file at `path` (atomically: a partial file is never left behind).
    public static func write(_ image: Image, to path: String) throws {
        let bytes: [UInt8]
        do { bytes = try encode(image) } catch let ImagingError.writeFailed(_, detail) {
            throw ImagingError.writeFailed(file: path, detail: detail)
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImagingError.writeFailed(file: path, detail: error.localizedDescription)
        }
    }
}
