import CHeif

/// HEIC (HEVC) and AVIF (AV1) decoding with libheif: the file's primary image with its HEIF
/// transforms (`irot` rotation, `imir` mirroring, `clap` crop) applied, which is how phones record
/// orientation; an EXIF Orientation inside the file is not applied again. Grid images (how phones
/// store large photos) are assembled by libheif; 10/12-bit images are reduced to 8 bits; alpha is
/// dropped. libheif's own area limit is set from `DecodeOptions.maxPixels` as a second guard.
public enum HEIFDecoder {
    /// Decodes HEIC or AVIF bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { raw in
            try decode(bytes: raw, name: name, format: ImageFormat.sniff(raw) ?? .heic, options: options)
        }
    }

    /// libheif's plugin registry, set up once per process.
    static let initialised: Bool = heif_init(nil).code == heif_error_Ok

    static func decode(bytes: UnsafeRawBufferPointer, name: String, format: ImageFormat, options: DecodeOptions) throws -> Image {
        let label = format.rawValue
        func failure(_ error: heif_error, _ what: String) -> ImagingError {
            let message = error.message.map { String(cString: $0) } ?? "libheif error \(error.code.rawValue)"
            switch error.code {
            case heif_error_Unsupported_feature, heif_error_Unsupported_filetype:
                return .unsupported(file: name, detail: "\(label): \(what): \(message)")
            default:
                return .corrupt(file: name, format: label, detail: "\(what): \(message)")
            }
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw ImagingError.empty(file: name) }
        guard initialised, let context = heif_context_alloc() else {
            throw ImagingError.unsupported(file: name, detail: "\(label): libheif could not be initialised")
        }
        defer { heif_context_free(context) }
        let side = Int(Double(options.maxPixels).squareRoot().rounded(.up))
        heif_context_set_maximum_image_size_limit(context, Int32(clamping: side))

        var error = heif_context_read_from_memory_without_copy(context, base, bytes.count, nil)
        guard error.code == heif_error_Ok else { throw failure(error, "reading the container") }
        var handle: OpaquePointer?
        error = heif_context_get_primary_image_handle(context, &handle)
        guard error.code == heif_error_Ok, let handle else { throw failure(error, "finding the primary image") }
        defer { heif_image_handle_release(handle) }
        let width = Int(heif_image_handle_get_width(handle)), height = Int(heif_image_handle_get_height(handle))
        try options.checkSize(width: width, height: height, file: name, format: format)

        guard let decoding = heif_decoding_options_alloc() else {
            throw ImagingError.corrupt(file: name, format: label, detail: "libheif could not allocate decoding options")
        }
        defer { heif_decoding_options_free(decoding) }
        decoding.pointee.ignore_transformations = 0
        if decoding.pointee.version >= 2 { decoding.pointee.convert_hdr_to_8bit = 1 }
        var decoded: OpaquePointer?
        error = heif_decode_image(handle, &decoded, heif_colorspace_RGB, heif_chroma_interleaved_RGB, decoding)
        guard error.code == heif_error_Ok, let decoded else { throw failure(error, "decoding the image") }
        defer { heif_image_release(decoded) }

        let ow = Int(heif_image_get_width(decoded, heif_channel_interleaved))
        let oh = Int(heif_image_get_height(decoded, heif_channel_interleaved))
        var stride: Int32 = 0
        guard ow > 0, oh > 0, ow * oh <= options.maxPixels,
              heif_image_get_bits_per_pixel_range(decoded, heif_channel_interleaved) == 8,
              let plane = heif_image_get_plane_readonly(decoded, heif_channel_interleaved, &stride),
              Int(stride) >= ow * 3
        else {
            throw ImagingError.corrupt(file: name, format: label, detail: "libheif returned no 8-bit RGB plane")
        }
        var pixels = [UInt8](repeating: 0, count: ow * oh * 3)
        pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<oh {
                (dst.baseAddress! + y * ow * 3).update(from: plane + y * Int(stride), count: ow * 3)
            }
        }
        return Image(uncheckedWidth: ow, height: oh, pixels: pixels)
    }
}
