import CGIF

/// GIF decoding with giflib: the first frame on the logical screen, palette indices expanded to
/// their colours. A transparent index keeps its palette colour (alpha dropped, as for PNG palettes);
/// screen pixels the first frame does not cover take the background colour of the global palette
/// (black without one). Interlaced frames are de-interlaced. Later frames are never read.
public enum GIFDecoder {
    /// Decodes GIF bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options) }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw ImagingError.empty(file: name)
        }
        func corrupt(_ detail: String) -> ImagingError { .corrupt(file: name, format: "GIF", detail: detail) }
        func message(_ code: Int32) -> String {
            GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
        }
        var memory = cgif_memory(data: base, size: bytes.count, position: 0)
        return try withUnsafeMutablePointer(to: &memory) { memoryPointer in
            var openError: Int32 = 0
            guard let gif = cgif_open_memory(memoryPointer, &openError) else { throw corrupt(message(openError)) }
            defer { var closeError: Int32 = 0; DGifCloseFile(gif, &closeError) }
            let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
            try options.checkSize(width: width, height: height, file: name, format: .gif)

            while true {
                var record = UNDEFINED_RECORD_TYPE
                guard DGifGetRecordType(gif, &record) == GIF_OK else { throw corrupt(message(gif.pointee.Error)) }
                switch record {
                case IMAGE_DESC_RECORD_TYPE:
                    guard DGifGetImageDesc(gif) == GIF_OK else { throw corrupt(message(gif.pointee.Error)) }
                    return try firstFrame(gif, width: width, height: height, corrupt: corrupt, message: message)
                case EXTENSION_RECORD_TYPE:
                    var code: Int32 = 0
                    var block: UnsafeMutablePointer<GifByteType>?
                    guard DGifGetExtension(gif, &code, &block) == GIF_OK else { throw corrupt(message(gif.pointee.Error)) }
                    while block != nil {
                        guard DGifGetExtensionNext(gif, &block) == GIF_OK else { throw corrupt(message(gif.pointee.Error)) }
                    }
                case TERMINATE_RECORD_TYPE:
                    throw corrupt("the file ends before its first image")
                default:
                    throw corrupt("unexpected record before the first image")
                }
            }
        }
    }

    /// Reads the current frame's rows onto a `width`×`height` canvas.
    static func firstFrame(_ gif: UnsafeMutablePointer<GifFileType>, width: Int, height: Int,
                           corrupt: (String) -> ImagingError, message: (Int32) -> String) throws -> Image {
        let desc = gif.pointee.Image
        let fx = Int(desc.Left), fy = Int(desc.Top), fw = Int(desc.Width), fh = Int(desc.Height)
        guard fw > 0, fh > 0, fx >= 0, fy >= 0, fw <= 65535, fh <= 65535 else {
            throw corrupt("first frame has size \(fw)×\(fh) at (\(fx), \(fy))")
        }
        guard let map = desc.ColorMap ?? gif.pointee.SColorMap, let colours = map.pointee.Colors else {
            throw corrupt("no colour table for the first frame")
        }
        let colourCount = Int(map.pointee.ColorCount)
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        for i in 0..<min(256, colourCount) {
            palette[3 * i] = colours[i].Red; palette[3 * i + 1] = colours[i].Green; palette[3 * i + 2] = colours[i].Blue
        }
        var canvas = [UInt8](repeating: 0, count: width * height * 3)
        if let global = gif.pointee.SColorMap, let globalColours = global.pointee.Colors {
            let b = Int(gif.pointee.SBackGroundColor)
            if b >= 0, b < Int(global.pointee.ColorCount) {
                let c = globalColours[b]
                if (c.Red, c.Green, c.Blue) != (0, 0, 0) {
                    for i in 0..<(width * height) {
                        canvas[3 * i] = c.Red; canvas[3 * i + 1] = c.Green; canvas[3 * i + 2] = c.Blue
                    }
                }
            }
        }
        // Rows in file order: straight, or the four interlace passes.
        var rows: [Int] = []
        rows.reserveCapacity(fh)
        if desc.Interlace {
            for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] { rows += Array(stride(from: start, to: fh, by: step)) }
        } else {
            rows = Array(0..<fh)
        }
        var line = [GifPixelType](repeating: 0, count: fw)
        for row in rows {
            let ok = line.withUnsafeMutableBufferPointer { DGifGetLine(gif, $0.baseAddress, Int32(fw)) }
            guard ok == GIF_OK else { throw corrupt(message(gif.pointee.Error)) }
            let y = fy + row
            guard y < height else { continue }
            for x in 0..<min(fw, max(0, width - fx)) {
                let p = Int(line[x]), d = (y * width + fx + x) * 3
                canvas[d] = palette[3 * p]; canvas[d + 1] = palette[3 * p + 1]; canvas[d + 2] = palette[3 * p + 2]
            }
        }
        return Image(uncheckedWidth: width, height: height, pixels: canvas)
    }
}
