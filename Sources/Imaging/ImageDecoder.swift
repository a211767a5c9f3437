import Foundation

/// Decodes JPEG, PNG, PNM, WebP, HEIC, AVIF, GIF, BMP and TIFF files into 8-bit RGB `Image`s,
/// choosing the decoder by the file's leading bytes, never by its name. Grey, palette, CMYK, 16-bit
/// and alpha inputs all become RGB (alpha is dropped, as Pillow's `convert("RGB")` does); animated
/// files give their first frame. Every failure is a thrown `ImagingError` naming the file.
///
/// The `maxSide` variants decode an image reduced so that its longest side is at most `maxSide`:
/// JPEG through libjpeg-turbo's DCT scaling (1/2, 1/4, 1/8) and WebP through libwebp's scaled decoding,
/// so the full-resolution pixels are never held; the other formats are decoded and then reduced.
public enum ImageDecoder {
    /// Reads and decodes the file at `path`.
    public static func decode(contentsOf path: String, options: DecodeOptions = .default) throws -> Image {
        try decode(contentsOf: path, maxSide: nil, options: options).image
    }

    /// Reads the file at `path` and decodes it with its longest side reduced to at most `maxSide`
    /// (nil: full resolution). The result says the full-resolution size and the scale used.
    public static func decode(contentsOf path: String, maxSide: Int?, options: DecodeOptions = .default) throws -> ScaledImage {
        let data = try read(path, options: options)
        return try decode(data: data, name: path, maxSide: maxSide, options: options)
    }

    /// Decodes in-memory file bytes; `name` is used in error messages (normally the path).
    public static func decode(data: Data, name: String, options: DecodeOptions = .default) throws -> Image {
        try decode(data: data, name: name, maxSide: nil, options: options).image
    }

    /// Decodes in-memory file bytes with the longest side reduced to at most `maxSide` (nil: full
    /// resolution); `name` is used in error messages.
    public static func decode(data: Data, name: String, maxSide: Int?, options: DecodeOptions = .default) throws -> ScaledImage {
        try data.withUnsafeBytes { raw in
            try decode(bytes: UnsafeRawBufferPointer(raw), name: name, maxSide: maxSide, options: options)
        }
    }

    /// Decodes in-memory file bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { raw in try decode(bytes: raw, name: name, maxSide: nil, options: options).image }
    }

    /// The whole file, or an `unreadable` error saying why not (missing, a directory, too large).
    static func read(_ path: String, options: DecodeOptions) throws -> Data {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError.unreadable(file: path, reason: "no such file")
        }
        if isDir.boolValue { throw ImagingError.unreadable(file: path, reason: "it is a directory") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           size > options.maxFileBytes {
            throw ImagingError.unreadable(
                file: path, reason: "\(size) bytes, above the limit of \(options.maxFileBytes) bytes (DecodeOptions.maxFileBytes)")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImagingError.unreadable(file: path, reason: error.localizedDescription)
        }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, maxSide: Int?, options: DecodeOptions) throws -> ScaledImage {
        guard bytes.count > 0 else { throw ImagingError.empty(file: name) }
        if let maxSide, maxSide < 1 {
            throw ImagingError.invalidArgument("maxSide must be at least 1, got \(maxSide)")
        }
        guard bytes.count <= options.maxFileBytes else {
            throw ImagingError.unreadable(
                file: name, reason: "\(bytes.count) bytes, above the limit of \(options.maxFileBytes) bytes (DecodeOptions.maxFileBytes)")
        }
        guard let format = ImageFormat.sniff(bytes) else {
            let lead = bytes.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImagingError.unknownFormat(file: name, leadingBytes: lead)
        }
        let decoded: ScaledImage
        switch format {
        case .jpeg: decoded = try JPEGDecoder.decode(bytes: bytes, name: name, options: options, maxSide: maxSide)
        case .png: decoded = ScaledImage(full: try PNGDecoder.decode(bytes: bytes, name: name, options: options))
        case .pnm: decoded = ScaledImage(full: try PNMDecoder.decode(bytes: bytes, name: name, options: options))
        case .webp: decoded = try WebPDecoder.decode(bytes: bytes, name: name, options: options, maxSide: maxSide)
        case .heic, .avif:
            decoded = ScaledImage(full: try HEIFDecoder.decode(bytes: bytes, name: name, format: format, options: options))
        case .gif: decoded = ScaledImage(full: try GIFDecoder.decode(bytes: bytes, name: name, options: options))
        case .bmp: decoded = ScaledImage(full: try BMPDecoder.decode(bytes: bytes, name: name, options: options))
        case .tiff: decoded = ScaledImage(full: try TIFFDecoder.decode(bytes: bytes, name: name, options: options))
        }
        return try decoded.fitted(maxSide: maxSide)
    }
}
