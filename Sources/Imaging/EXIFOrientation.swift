/// The EXIF Orientation tag (0x0112): how the stored pixels must be transformed for display.
public enum EXIFOrientation: Int, Sendable {
    /// 1: as stored.
    case up = 1
    /// 2: mirrored left–right.
    case upMirrored = 2
    /// 3: rotated 180°.
    case down = 3
    /// 4: mirrored top–bottom.
    case downMirrored = 4
    /// 5: transposed (mirror about the main diagonal).
    case leftMirrored = 5
    /// 6: needs a 90° clockwise rotation for display.
    case right = 6
    /// 7: transverse (mirror about the anti-diagonal).
    case rightMirrored = 7
    /// 8: needs a 90° counter-clockwise rotation for display.
    case left = 8

    /// The orientation stored in a JPEG's APP1 Exif segment, or nil when there is none or it is malformed.
    /// Never reads outside `bytes`.
    public static func read(fromJPEG bytes: UnsafeRawBufferPointer) -> EXIFOrientation? {
        let n = bytes.count
        guard n >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var pos = 2
        while pos + 4 <= n {
            guard bytes[pos] == 0xFF else { return nil }
            let marker = bytes[pos + 1]
            if marker == 0xFF { pos += 1; continue }                    // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { pos += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }          // start of scan / end: no EXIF before
            let length = Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            guard length >= 2, pos + 2 + length <= n else { return nil }
            let segment = pos + 4
            let segmentEnd = pos + 2 + length
            if marker == 0xE1, segmentEnd - segment >= 14,
               bytes[segment] == 0x45, bytes[segment + 1] == 0x78, bytes[segment + 2] == 0x69,
               bytes[segment + 3] == 0x66, bytes[segment + 4] == 0, bytes[segment + 5] == 0 {
                return parseTIFF(bytes, start: segment + 6, end: segmentEnd)
            }
            pos = segmentEnd
        }
        return nil
    }

    /// The orientation in an EXIF payload as WebP's `EXIF` chunk and PNG's `eXIf` chunk hold it: a TIFF
    /// structure, possibly preceded by the `Exif\0\0` header that JPEG uses. Nil when absent or malformed.
    public static func read(fromEXIF bytes: UnsafeRawBufferPointer) -> EXIFOrientation? {
        let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]
        let start = bytes.count >= 6 && Array(bytes.prefix(6)) == exifHeader ? 6 : 0
        return parseTIFF(bytes, start: start, end: bytes.count)
    }

    /// The orientation in a PNG's `eXIf` chunk, or nil. Walks the chunk list without checking CRCs and
    /// never reads outside `bytes`.
    public static func read(fromPNG bytes: UnsafeRawBufferPointer) -> EXIFOrientation? {
        var pos = 8
        while pos + 8 <= bytes.count {
            let length = Int(bytes[pos]) << 24 | Int(bytes[pos + 1]) << 16 | Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            let type = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            let data = pos + 8
            guard length >= 0, length <= bytes.count - data else { return nil }
            if type == "eXIf" {
                return read(fromEXIF: UnsafeRawBufferPointer(rebasing: bytes[data..<(data + length)]))
            }
            if type == "IEND" { return nil }
            pos = data + length + 4
        }
        return nil
    }

    /// Whether the transform exchanges width and height (orientations 5–8).
    public var swapsSides: Bool { rawValue >= 5 }

    /// Reads tag 0x0112 from IFD0 of the TIFF structure in `bytes[start..<end]`.
    static func parseTIFF(_ b: UnsafeRawBufferPointer, start: Int, end: Int) -> EXIFOrientation? {
        guard end - start >= 8 else { return nil }
        let little: Bool
        if b[start] == 0x49, b[start + 1] == 0x49 { little = true }
        else if b[start] == 0x4D, b[start + 1] == 0x4D { little = false }
        else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, start + o + 2 <= end else { return nil }
            let a = Int(b[start + o]), c = Int(b[start + o + 1])
            return little ? a | c << 8 : a << 8 | c
        }
        func u32(_ o: Int) -> Int? {
            guard let lo = u16(little ? o : o + 2), let hi = u16(little ? o + 2 : o) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<min(count, 1000) {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(entry + 2), type == 3, let value = u16(entry + 8) else { return nil }
                return EXIFOrientation(rawValue: value)
            }
        }
        return nil
    }

    /// Returns `image` transformed so that it displays upright. Orientations 5–8 swap width and height.
    public func apply(to image: Image) -> Image {
        if self == .up { return image }
        let w = image.width, h = image.height
        let swaps = rawValue >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        // Source pixel (sx, sy) shown at output (x, y).
                        let sx: Int, sy: Int
                        switch self {
                        case .up: sx = x; sy = y
                        case .upMirrored: sx = w - 1 - x; sy = y
                        case .down: sx = w - 1 - x; sy = h - 1 - y
                        case .downMirrored: sx = x; sy = h - 1 - y
                        case .leftMirrored: sx = y; sy = x
                        case .right: sx = y; sy = h - 1 - x
                        case .rightMirrored: sx = w - 1 - y; sy = h - 1 - x
                        case .left: sx = w - 1 - y; sy = x
                        }
                        let s = (sy * w + sx) * 3, d = (y * ow + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return Image(uncheckedWidth: ow, height: oh, pixels: out)
    }
}
