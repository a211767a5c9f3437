import CPNG

/// PNG decoding with libpng 1.6's simplified API (whose C-side error handling means a damaged file is
/// reported, never a crash or `longjmp` through Swift frames).
///
/// All PNG variants become 8-bit RGB: grey is replicated into R = G = B; palette entries are expanded;
/// alpha (an alpha channel or palette/grey `tRNS` transparency) is dropped, as Pillow's
/// `convert("RGB")` does; 16-bit samples are scaled to 8 bits with rounding (`v·255/65535`), treating
/// them as sRGB-encoded unless the file's `gAMA`/`sRGB`/`cHRM` chunks say otherwise (libpng then converts
/// to sRGB, so a linear-light 16-bit file comes out sRGB-encoded). Ordinary 8-bit RGB PNGs decode
/// byte-for-byte. An `eXIf` chunk's Orientation is applied (see `DecodeOptions.applyEXIFOrientation`).
public enum PNGDecoder {
    /// Decodes PNG bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options) }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw ImagingError.empty(file: name) }
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&img) }
        if png_image_begin_read_from_memory(&img, base, bytes.count) == 0 {
            throw ImagingError.corrupt(file: name, format: "PNG", detail: message(&img))
        }
        let width = Int(img.width), height = Int(img.height)
        try options.checkSize(width: width, height: height, file: name, format: .png)

        let hasAlpha = (img.format & UInt32(PNG_FORMAT_FLAG_ALPHA)) != 0
        let channels = hasAlpha ? 4 : 3
        img.format = hasAlpha ? UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA) : UInt32(PNG_FORMAT_FLAG_COLOR)
        img.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var buffer = [UInt8](repeating: 0, count: width * height * channels)
        let ok = buffer.withUnsafeMutableBytes { dst in
            png_image_finish_read(&img, nil, dst.baseAddress, Int32(width * channels), nil)
        }
        if ok == 0 {
            throw ImagingError.corrupt(file: name, format: "PNG", detail: message(&img))
        }
        if !hasAlpha { return oriented(Image(uncheckedWidth: width, height: height, pixels: buffer), bytes, options) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        buffer.withUnsafeBufferPointer { s in
            rgb.withUnsafeMutableBufferPointer { d in
                for i in 0..<(width * height) {
                    d[3 * i] = s[4 * i]; d[3 * i + 1] = s[4 * i + 1]; d[3 * i + 2] = s[4 * i + 2]
                }
            }
        }
        return oriented(Image(uncheckedWidth: width, height: height, pixels: rgb), bytes, options)
    }

    /// `image` turned upright by the file's `eXIf` Orientation, when the options ask for it.
    static func oriented(_ image: Image, _ bytes: UnsafeRawBufferPointer, _ options: DecodeOptions) -> Image {
        guard options.applyEXIFOrientation, let orientation = EXIFOrientation.read(fromPNG: bytes) else { return image }
        return orientation.apply(to: image)
    }

    static func message(_ img: inout png_image) -> String {
        let text = withUnsafeBytes(of: &img.message) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an error" : text
    }
}
