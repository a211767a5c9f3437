import CTIFF

/// TIFF decoding with libtiff's RGBA interface: the first image (directory) of the file, in any
/// photometric interpretation libtiff converts (RGB, grey, palette, CMYK, YCbCr, 1–16 bits per
/// sample, strips or tiles, any common compression). The Orientation tag is applied. Alpha is
/// dropped; libtiff multiplies colour by an *unassociated* alpha first, so such pixels come out
/// darkened where they are transparent (associated alpha and grey + alpha keep their colour).
public enum TIFFDecoder {
    /// Decodes TIFF bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options) }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw ImagingError.empty(file: name)
        }
        var memory = ctiff_memory()
        memory.data = base
        memory.size = UInt64(bytes.count)
        return try withUnsafeMutablePointer(to: &memory) { m in
            func corrupt(_ fallback: String) -> ImagingError {
                let text = withUnsafeBytes(of: m.pointee.error) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                return .corrupt(file: name, format: "TIFF", detail: text.isEmpty ? fallback : text)
            }
            // A single allocation above the pixel budget (4 bytes a pixel) is refused by libtiff itself.
            let maxAlloc = options.maxPixels.multipliedReportingOverflow(by: 4)
            guard let tif = ctiff_open_memory(m, name, Int64(maxAlloc.overflow ? Int.max : maxAlloc.partialValue)) else {
                throw corrupt("not a readable TIFF header")
            }
            defer { TIFFClose(tif) }
            var w: UInt32 = 0, h: UInt32 = 0
            ctiff_size_of(tif, &w, &h)
            let width = Int(w), height = Int(h)
            try options.checkSize(width: width, height: height, file: name, format: .tiff)

            var why = [CChar](repeating: 0, count: 1024)
            var rgba = TIFFRGBAImage()
            guard TIFFRGBAImageBegin(&rgba, tif, 1, &why) != 0 else {
                let reason = String(decoding: why.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw ImagingError.unsupported(file: name, detail: "TIFF: \(reason.isEmpty ? "a layout libtiff cannot convert to RGB" : reason)")
            }
            defer { TIFFRGBAImageEnd(&rgba) }
            // Rows as stored (the requested orientation equal to the file's means no flips); the
            // Orientation tag is applied below, including the transposing values 5–8.
            let orientation = EXIFOrientation(rawValue: Int(ctiff_orientation(tif))) ?? .up
            rgba.req_orientation = UInt16(orientation.rawValue)

            var pixels = [UInt8](repeating: 0, count: width * height * 4)
            let ok = pixels.withUnsafeMutableBytes { raw in
                TIFFRGBAImageGet(&rgba, raw.baseAddress!.assumingMemoryBound(to: UInt32.self), w, h)
            }
            guard ok != 0 else { throw corrupt("the image data is damaged or truncated") }
            // R, G, B, A bytes (libtiff packs R in the low byte) to R, G, B, in place.
            pixels.withUnsafeMutableBufferPointer { p in
                for i in 0..<(width * height) {
                    p[3 * i] = p[4 * i]; p[3 * i + 1] = p[4 * i + 1]; p[3 * i + 2] = p[4 * i + 2]
                }
            }
            pixels.removeLast(width * height)
            let image = Image(uncheckedWidth: width, height: height, pixels: pixels)
            return options.applyEXIFOrientation ? orientation.apply(to: image) : image
        }
    }
}
