import CWebP

/// WebP decoding with libwebp: lossy (VP8), lossless (VP8L), with or without alpha (alpha is
/// dropped, the stored colour kept, as Pillow's `convert("RGB")` does), and animated files, whose
/// first frame is placed on a black canvas of the animation's size. An `EXIF` chunk's Orientation
/// is applied. A reduced decode (`maxSide`) of a still image uses libwebp's scaler while decoding,
/// so the full-resolution pixels are never held.
public enum WebPDecoder {
    /// Decodes WebP bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options, maxSide: nil).image }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions, maxSide: Int?) throws -> ScaledImage {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw ImagingError.empty(file: name)
        }
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(base, bytes.count, &features)
        guard status == VP8_STATUS_OK else { throw error(status, name: name) }
        let width = Int(features.width), height = Int(features.height)
        try options.checkSize(width: width, height: height, file: name, format: .webp)

        var data = WebPData(bytes: base, size: bytes.count)
        guard let demux = WebPDemux(&data) else {
            throw ImagingError.corrupt(file: name, format: "WebP", detail: "the RIFF container is malformed or truncated")
        }
        defer { WebPDemuxDelete(demux) }

        var image: Image
        if features.has_animation != 0 {
            image = try firstFrame(demux, canvasWidth: width, canvasHeight: height, name: name)
        } else {
            let target = maxSide.map { ScaledImage.fittedSize(width: width, height: height, maxSide: $0) }
                ?? (width, height)
            image = try decodeStill(base, count: bytes.count, width: width, height: height,
                                    scaledTo: target, name: name)
        }
        var swapped = false
        if options.applyEXIFOrientation, let orientation = orientation(demux), orientation != .up {
            image = orientation.apply(to: image)
            swapped = orientation.swapsSides
        }
        return ScaledImage(image: image, originalWidth: swapped ? height : width, originalHeight: swapped ? width : height)
    }

    /// Decodes a still WebP bitstream to RGB, scaled by libwebp to `target` when that is smaller.
    static func decodeStill(_ base: UnsafePointer<UInt8>, count: Int, width: Int, height: Int,
                            scaledTo target: (width: Int, height: Int), name: String) throws -> Image {
        var config = WebPDecoderConfig()
        guard WebPInitDecoderConfig(&config) != 0 else {
            throw ImagingError.corrupt(file: name, format: "WebP", detail: "libwebp version mismatch")
        }
        let ow = target.width, oh = target.height
        if ow != width || oh != height {
            config.options.use_scaling = 1
            config.options.scaled_width = Int32(ow)
            config.options.scaled_height = Int32(oh)
        }
        var pixels = [UInt8](repeating: 0, count: ow * oh * 3)
        let status = pixels.withUnsafeMutableBufferPointer { dst -> VP8StatusCode in
            config.output.colorspace = MODE_RGB
            config.output.is_external_memory = 1
            config.output.u.RGBA.rgba = dst.baseAddress
            config.output.u.RGBA.stride = Int32(ow * 3)
            config.output.u.RGBA.size = dst.count
            let status = WebPDecode(base, count, &config)
            WebPFreeDecBuffer(&config.output)
            return status
        }
        guard status == VP8_STATUS_OK else { throw error(status, name: name) }
        return Image(uncheckedWidth: ow, height: oh, pixels: pixels)
    }

    /// The first frame of an animation on a black canvas (frames may cover part of the canvas).
    static func firstFrame(_ demux: OpaquePointer, canvasWidth: Int, canvasHeight: Int, name: String) throws -> Image {
        var iterator = WebPIterator()
        guard WebPDemuxGetFrame(demux, 1, &iterator) != 0 else {
            throw ImagingError.corrupt(file: name, format: "WebP", detail: "the animation has no readable first frame")
        }
        defer { WebPDemuxReleaseIterator(&iterator) }
        guard let fragment = iterator.fragment.bytes else {
            throw ImagingError.corrupt(file: name, format: "WebP", detail: "the first frame is empty")
        }
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(fragment, iterator.fragment.size, &features)
        guard status == VP8_STATUS_OK else { throw error(status, name: name) }
        let fw = Int(features.width), fh = Int(features.height)
        let x0 = Int(iterator.x_offset), y0 = Int(iterator.y_offset)
        guard fw > 0, fh > 0, x0 >= 0, y0 >= 0, x0 + fw <= canvasWidth, y0 + fh <= canvasHeight else {
            throw ImagingError.corrupt(file: name, format: "WebP",
                                       detail: "first frame \(fw)×\(fh) at (\(x0), \(y0)) lies outside the \(canvasWidth)×\(canvasHeight) canvas")
        }
        let frame = try decodeStill(fragment, count: iterator.fragment.size, width: fw, height: fh,
                                    scaledTo: (fw, fh), name: name)
        if fw == canvasWidth && fh == canvasHeight { return frame }
        var canvas = [UInt8](repeating: 0, count: canvasWidth * canvasHeight * 3)
        frame.pixels.withUnsafeBufferPointer { src in
            canvas.withUnsafeMutableBufferPointer { dst in
                for y in 0..<fh {
                    let s = y * fw * 3, d = ((y0 + y) * canvasWidth + x0) * 3
                    for i in 0..<(fw * 3) { dst[d + i] = src[s + i] }
                }
            }
        }
        return Image(uncheckedWidth: canvasWidth, height: canvasHeight, pixels: canvas)
    }

    /// The Orientation of the file's `EXIF` chunk, if any.
    static func orientation(_ demux: OpaquePointer) -> EXIFOrientation? {
        var chunk = WebPChunkIterator()
        guard WebPDemuxGetChunk(demux, "EXIF", 1, &chunk) != 0 else { return nil }
        defer { WebPDemuxReleaseChunkIterator(&chunk) }
        guard let bytes = chunk.chunk.bytes else { return nil }
        return EXIFOrientation.read(fromEXIF: UnsafeRawBufferPointer(start: bytes, count: chunk.chunk.size))
    }

    static func error(_ status: VP8StatusCode, name: String) -> ImagingError {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA:
            return .corrupt(file: name, format: "WebP", detail: "the data ends early (truncated file)")
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            return .unsupported(file: name, detail: "WebP: a bitstream feature libwebp does not decode")
        case VP8_STATUS_OUT_OF_MEMORY:
            return .corrupt(file: name, format: "WebP", detail: "libwebp ran out of memory")
        case VP8_STATUS_INVALID_PARAM:
            return .corrupt(file: name, format: "WebP", detail: "invalid header parameters")
        default:
            return .corrupt(file: name, format: "WebP", detail: "bitstream error (status \(status.rawValue))")
        }
    }
}
