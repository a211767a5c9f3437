/// Netpbm decoding: PBM (`P1` ASCII, `P4` binary), PGM (`P2`, `P5`) and PPM (`P3`, `P6`), any maxval
/// 1...65535 (16-bit binary samples big-endian). Samples are scaled to 0...255 with rounding
/// (`(v·255 + maxval/2) / maxval`); grey and bitmap images become R = G = B (PBM 1 = black).
/// Only the first image of a multi-image file is read.
public enum PNMDecoder {
    /// Decodes PNM bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options) }
    }

    static func decode(bytes b: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        func corrupt(_ detail: String) -> ImagingError { .corrupt(file: name, format: "PNM", detail: detail) }
        let n = b.count
        guard n >= 2, b[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(b[1]) else {
            throw corrupt("missing P1…P6 magic")
        }
        let kind = Int(b[1] - UInt8(ascii: "0"))
        var pos = 2

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }
        func skipSpaceAndComments() {
            while pos < n {
                if isSpace(b[pos]) { pos += 1 }
                else if b[pos] == UInt8(ascii: "#") { while pos < n, b[pos] != 0x0A, b[pos] != 0x0D { pos += 1 } }
                else { break }
            }
        }
        func readNumber(_ what: String) throws -> Int {
            skipSpaceAndComments()
            guard pos < n, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[pos]) else {
                throw corrupt(pos >= n ? "file ends before the \(what)" : "expected a number for the \(what)")
            }
            var v = 0
            while pos < n, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[pos]) {
                v = v * 10 + Int(b[pos] - UInt8(ascii: "0"))
                if v > 1 << 40 { throw corrupt("\(what) is absurdly large") }
                pos += 1
            }
            return v
        }

        let width = try readNumber("width")
        let height = try readNumber("height")
        try options.checkSize(width: width, height: height, file: name, format: .pnm)
        let isBitmap = kind == 1 || kind == 4
        let maxval = isBitmap ? 1 : try readNumber("maxval")
        guard (1...65535).contains(maxval) else { throw corrupt("maxval \(maxval) is outside 1…65535") }
        let samplesPerPixel = (kind == 3 || kind == 6) ? 3 : 1
        let count = width * height
        var out = [UInt8](repeating: 0, count: count * 3)

        // Lookup table from sample value to 8 bits (maxval + 1 entries; at most 65536).
        var table = [UInt8](repeating: 0, count: maxval + 1)
        for v in 0...maxval { table[v] = isBitmap ? (v == 1 ? 0 : 255) : UInt8((v * 255 + maxval / 2) / maxval) }

        try out.withUnsafeMutableBufferPointer { dst in
            try table.withUnsafeBufferPointer { lut in
                @inline(__always) func store(_ i: Int, _ sample: Int) {
                    if samplesPerPixel == 3 { dst[i] = lut[sample] }
                    else { let v = lut[sample]; dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v }
                }
                let samples = count * samplesPerPixel
                switch kind {
                case 4:
                    guard pos < n, isSpace(b[pos]) else { throw corrupt("no whitespace after the header") }
                    pos += 1
                    let rowBytes = (width + 7) / 8
                    guard n - pos >= rowBytes * height else {
                        throw corrupt("pixel data is truncated (\(n - pos) of \(rowBytes * height) bytes)")
                    }
                    for y in 0..<height {
                        for x in 0..<width {
                            let bit = (b[pos + y * rowBytes + x / 8] >> (7 - UInt8(x % 8))) & 1
                            store(y * width + x, Int(bit))
                        }
                    }
                case 5, 6:
                    guard pos < n, isSpace(b[pos]) else { throw corrupt("no whitespace after the header") }
                    pos += 1
                    let bytesPerSample = maxval < 256 ? 1 : 2
                    guard n - pos >= samples * bytesPerSample else {
                        throw corrupt("pixel data is truncated (\(n - pos) of \(samples * bytesPerSample) bytes)")
                    }
                    for i in 0..<samples {
                        let v = bytesPerSample == 1 ? Int(b[pos + i]) : Int(b[pos + 2 * i]) << 8 | Int(b[pos + 2 * i + 1])
                        guard v <= maxval else { throw corrupt("sample \(v) exceeds maxval \(maxval)") }
                        store(i, v)
                    }
                case 1:
                    for i in 0..<samples {
                        skipSpaceAndComments()
                        guard pos < n, b[pos] == UInt8(ascii: "0") || b[pos] == UInt8(ascii: "1") else {
                            throw corrupt(pos >= n ? "pixel data is truncated" : "bitmap sample is not 0 or 1")
                        }
                        store(i, Int(b[pos] - UInt8(ascii: "0")))
                        pos += 1
                    }
                default: // 2, 3
                    for i in 0..<samples {
                        let v = try readNumber("sample")
                        guard v <= maxval else { throw corrupt("sample \(v) exceeds maxval \(maxval)") }
                        store(i, v)
                    }
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, pixels: out)
    }
}
