/// Windows bitmap decoding (no Debian library is the natural choice for this simple format):
/// OS/2 core and Windows info headers (v3, v4, v5), bottom-up and top-down rows, 1/4/8-bit palettes,
/// 16- and 32-bit pixels with default or explicit bit fields, and 24-bit BGR. Alpha is dropped.
/// Run-length (RLE4/RLE8) and embedded JPEG/PNG bitmaps are reported as unsupported.
public enum BMPDecoder {
    /// Decodes BMP bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options) }
    }

    static func decode(bytes b: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        func corrupt(_ detail: String) -> ImagingError { .corrupt(file: name, format: "BMP", detail: detail) }
        let n = b.count
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard n >= 26, b[0] == UInt8(ascii: "B"), b[1] == UInt8(ascii: "M") else { throw corrupt("the header is cut short") }
        let dataOffset = u32(10), headerSize = u32(14)
        guard n >= 14 + headerSize else { throw corrupt("the \(headerSize)-byte DIB header is cut short") }

        let width: Int, signedHeight: Int, bitCount: Int, compression: Int, colorsUsed: Int, paletteEntrySize: Int
        if headerSize == 12 {
            width = u16(18); signedHeight = u16(20); bitCount = u16(24); compression = 0; colorsUsed = 0
            paletteEntrySize = 3
        } else {
            guard headerSize >= 40 else { throw corrupt("unknown DIB header size \(headerSize)") }
            width = Int(Int32(bitPattern: UInt32(u32(18)))); signedHeight = Int(Int32(bitPattern: UInt32(u32(22))))
            bitCount = u16(28); compression = u32(30); colorsUsed = u32(46)
            paletteEntrySize = 4
        }
        let height = abs(signedHeight), topDown = signedHeight < 0
        try options.checkSize(width: width, height: height, file: name, format: .bmp)

        var masks: [UInt32] = []
        var paletteStart = 14 + headerSize
        switch compression {
        case 0: break
        case 3, 6:
            guard bitCount == 16 || bitCount == 32 else { throw corrupt("bit fields with \(bitCount) bits a pixel") }
            let count = compression == 6 ? 4 : 3
            if headerSize >= 52 {
                masks = (0..<3).map { UInt32(u32(54 + 4 * $0)) }
            } else {
                guard n >= paletteStart + 4 * count else { throw corrupt("the bit-field masks are cut short") }
                masks = (0..<3).map { UInt32(u32(paletteStart + 4 * $0)) }
                paletteStart += 4 * count
            }
        case 1, 2:
            throw ImagingError.unsupported(file: name, detail: "run-length compressed BMP (RLE\(compression == 1 ? 8 : 4))")
        case 4, 5:
            throw ImagingError.unsupported(file: name, detail: "BMP holding an embedded \(compression == 4 ? "JPEG" : "PNG")")
        default:
            throw corrupt("unknown compression \(compression)")
        }
        if masks.isEmpty, bitCount == 16 { masks = [0x7C00, 0x03E0, 0x001F] }
        if masks.isEmpty, bitCount == 32 { masks = [0xFF_0000, 0x00_FF00, 0x00_00FF] }

        var palette: [(UInt8, UInt8, UInt8)] = []
        if bitCount <= 8 {
            guard [1, 4, 8].contains(bitCount) else { throw corrupt("\(bitCount) bits a pixel") }
            let entries = colorsUsed > 0 ? min(colorsUsed, 1 << bitCount) : 1 << bitCount
            guard n >= paletteStart + entries * paletteEntrySize else { throw corrupt("the palette is cut short") }
            palette = (0..<entries).map { i in
                let o = paletteStart + i * paletteEntrySize
                return (b[o + 2], b[o + 1], b[o])
            }
        } else {
            guard [16, 24, 32].contains(bitCount) else { throw corrupt("\(bitCount) bits a pixel") }
        }

        let rowBytes = (bitCount * width + 31) / 32 * 4
        let (needed, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard dataOffset >= 14, !overflow, dataOffset <= n, n - dataOffset >= needed else {
            throw corrupt("pixel data is truncated (\(max(0, n - dataOffset)) of \(needed) bytes)")
        }
        let channels = masks.map(BitField.init)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        out.withUnsafeMutableBufferPointer { dst in
            for row in 0..<height {
                let y = topDown ? row : height - 1 - row
                let src = dataOffset + row * rowBytes
                for x in 0..<width {
                    let d = (y * width + x) * 3
                    switch bitCount {
                    case 24:
                        let s = src + 3 * x
                        dst[d] = b[s + 2]; dst[d + 1] = b[s + 1]; dst[d + 2] = b[s]
                    case 16, 32:
                        let s = src + x * bitCount / 8
                        let v = bitCount == 16 ? UInt32(u16(s)) : UInt32(u32(s))
                        dst[d] = channels[0].value(v); dst[d + 1] = channels[1].value(v); dst[d + 2] = channels[2].value(v)
                    default:
                        let bit = x * bitCount
                        let index = Int(b[src + bit / 8] >> (8 - bitCount - bit % 8)) & ((1 << bitCount) - 1)
                        let c = index < palette.count ? palette[index] : (0, 0, 0)
                        dst[d] = c.0; dst[d + 1] = c.1; dst[d + 2] = c.2
                    }
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, pixels: out)
    }

    /// One channel's bit mask: its shift and the scale from its width to 8 bits.
    struct BitField {
        let mask: UInt32, shift: UInt32, maximum: UInt32
        init(_ mask: UInt32) {
            self.mask = mask
            shift = mask == 0 ? 0 : UInt32(mask.trailingZeroBitCount)
            maximum = mask == 0 ? 0 : mask >> shift
        }
        @inline(__always) func value(_ v: UInt32) -> UInt8 {
            guard maximum > 0 else { return 0 }
            let c = UInt64((v & mask) >> shift)
            return UInt8((c * 255 + UInt64(maximum) / 2) / UInt64(maximum))
        }
    }
}
