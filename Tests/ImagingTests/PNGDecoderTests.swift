import CPNG
import Foundation
import Testing
@testable import Imaging

/// Writes a PNG with libpng's simplified API in an arbitrary `format` (grey, RGBA, 16-bit linear,
/// colour-mapped…). `buffer` holds the raw samples as bytes (16-bit samples in native byte order).
func libpngWrite(width: Int, height: Int, format: UInt32, buffer: [UInt8], colormap: [UInt8]? = nil,
                 colormapEntries: Int = 0) throws -> [UInt8] {
    var img = png_image()
    img.version = UInt32(PNG_IMAGE_VERSION)
    img.width = UInt32(width)
    img.height = UInt32(height)
    img.format = format
    img.colormap_entries = UInt32(colormapEntries)
    defer { png_image_free(&img) }
    var size = 0
    let ok1 = buffer.withUnsafeBytes { b in
        (colormap ?? []).withUnsafeBytes { c in
            png_image_write_to_memory(&img, nil, &size, 0, b.baseAddress, 0, colormap == nil ? nil : c.baseAddress)
        }
    }
    guard ok1 != 0 else { throw ImagingError.writeFailed(file: "test", detail: PNGDecoder.message(&img)) }
    var out = [UInt8](repeating: 0, count: size)
    let ok2 = out.withUnsafeMutableBytes { o in
        buffer.withUnsafeBytes { b in
            (colormap ?? []).withUnsafeBytes { c in
                png_image_write_to_memory(&img, o.baseAddress, &size, 0, b.baseAddress, 0,
                                          colormap == nil ? nil : c.baseAddress)
            }
        }
    }
    guard ok2 != 0 else { throw ImagingError.writeFailed(file: "test", detail: PNGDecoder.message(&img)) }
    return Array(out.prefix(size))
}

/// Removes every chunk of the given types from a PNG file.
func removingChunks(_ png: [UInt8], _ types: Set<String>) -> [UInt8] {
    var out = Array(png[0..<8])
    var pos = 8
    while pos + 12 <= png.count {
        let len = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
        let type = String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self)
        let end = pos + 12 + len
        if !types.contains(type) { out += png[pos..<end] }
        pos = end
    }
    return out
}

func chunkTypes(_ png: [UInt8]) -> [String] {
    var types = [String](), pos = 8
    while pos + 12 <= png.count {
        let len = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
        types.append(String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self))
        pos += 12 + len
    }
    return types
}

@Suite("PNG decoding and writing")
struct PNGDecoderTests {
    @Test("RGB PNG written by PNGWriter round-trips exactly, via bytes and via a file")
    func roundTrip() throws {
        let image = testPattern(width: 37, height: 23)
        let bytes = try PNGWriter.encode(image)
        #expect(ImageFormat.sniff(bytes) == .png)
        #expect(try ImageDecoder.decode(bytes: bytes, name: "mem.png") == image)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.file("out.png")
        try PNGWriter.write(image, to: path)
        #expect(try ImageDecoder.decode(contentsOf: path) == image)
    }

    @Test("8-bit grey PNG becomes R = G = B")
    func grey() throws {
        let w = 19, h = 7
        let grey = (0..<(w * h)).map { UInt8(($0 * 7) % 256) }
        let png = try libpngWrite(width: w, height: h, format: 0, buffer: grey)
        let image = try ImageDecoder.decode(bytes: png, name: "grey.png")
        #expect(image.width == w && image.height == h)
        for i in 0..<(w * h) {
            #expect(image.pixels[3 * i] == grey[i] && image.pixels[3 * i + 1] == grey[i] && image.pixels[3 * i + 2] == grey[i])
        }
    }

    @Test("16-bit PNG: sRGB-encoded samples scale to 8 bits with rounding; linear (gAMA 1.0) ones convert to sRGB")
    func sixteenBit() throws {
        let w = 256, h = 2
        var samples = [UInt16]()
        for _ in 0..<h { for x in 0..<w { let v = UInt16(x * 257 + (x % 3) * 40); samples += [v, 65535 - v, v / 2] } }
        let bytes = samples.withUnsafeBytes { Array($0) }
        let linearPNG = try libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_LINEAR), buffer: bytes)
        #expect(linearPNG[24] == 16)                      // IHDR bit depth
        #expect(chunkTypes(linearPNG).contains("gAMA"))

        // Without colour-space chunks the 16-bit samples are taken as sRGB-encoded: round(v·255/65535).
        let plain = removingChunks(linearPNG, ["gAMA", "cHRM", "sRGB", "iCCP"])
        let image = try ImageDecoder.decode(bytes: plain, name: "16bit.png")
        #expect(image.width == w && image.height == h)
        var worst = 0
        for i in samples.indices {
            let expected = Int((Double(samples[i]) * 255 / 65535).rounded())
            worst = max(worst, abs(Int(image.pixels[i]) - expected))
        }
        #expect(worst == 0, "max deviation from round(v*255/65535): \(worst)")

        // With gAMA 1.0 (linear light) libpng gamma-encodes for display; libpng's "sRGB" output gamma is
        // the pure power 1/2.2 (no linear toe), computed through 8-bit tables: within 2 levels of it.
        let lin = try ImageDecoder.decode(bytes: linearPNG, name: "16bit-linear.png")
        var worstLinear = 0.0
        for i in samples.indices {
            let l = Double(samples[i]) / 65535
            worstLinear = max(worstLinear, abs(Double(lin.pixels[i]) - pow(l, 1 / 2.2) * 255))
        }
        #expect(worstLinear <= 2.0, "linear → display gamma max deviation \(worstLinear)")
    }

    @Test("palette PNG (with and without tRNS) expands to the palette colours, alpha dropped")
    func palette() throws {
        let w = 16, h = 4
        let entries = 5
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50]
        let indices = (0..<(w * h)).map { UInt8($0 % entries) }
        let png = try libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP),
                                  buffer: indices, colormap: rgb, colormapEntries: entries)
        #expect(png[25] == 3)                              // IHDR colour type 3 = palette
        let image = try ImageDecoder.decode(bytes: png, name: "palette.png")
        for i in 0..<(w * h) {
            let e = Int(indices[i])
            #expect(Array(image.pixels[(3 * i)..<(3 * i + 3)]) == Array(rgb[(3 * e)..<(3 * e + 3)]))
        }
        // RGBA palette → PLTE + tRNS; opaque and half-transparent entries keep their colour.
        let rgba: [UInt8] = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 200, 200, 100, 50, 255]
        let pngA = try libpngWrite(width: w, height: h,
                                   format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLORMAP),
                                   buffer: indices, colormap: rgba, colormapEntries: entries)
        #expect(chunkTypes(pngA).contains("tRNS"))
        let imageA = try ImageDecoder.decode(bytes: pngA, name: "palette-trns.png")
        for i in 0..<(w * h) {
            let e = Int(indices[i])
            #expect(Array(imageA.pixels[(3 * i)..<(3 * i + 3)]) == Array(rgba[(4 * e)..<(4 * e + 3)]))
        }
    }

    @Test("RGBA PNG: alpha is dropped, colour kept (Pillow convert(\"RGB\") semantics)")
    func alpha() throws {
        let w = 9, h = 5
        var rgba = [UInt8]()
        var expected = [UInt8]()
        for i in 0..<(w * h) {
            let r = UInt8((i * 13) % 256), g = UInt8((i * 29) % 256), b = UInt8((i * 47) % 256)
            let a: UInt8 = [255, 200, 128, 1][i % 4]
            rgba += [r, g, b, a]; expected += [r, g, b]
        }
        let png = try libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), buffer: rgba)
        #expect(png[25] == 6)                              // colour type 6 = RGBA
        let image = try ImageDecoder.decode(bytes: png, name: "alpha.png")
        #expect(image.pixels == expected)
        // grey + alpha
        let ga: [UInt8] = (0..<(w * h)).flatMap { [UInt8($0 * 5), UInt8(255 - $0)] }
        let pngGA = try libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_FLAG_ALPHA), buffer: ga)
        let imageGA = try ImageDecoder.decode(bytes: pngGA, name: "grey-alpha.png")
        for i in 0..<(w * h) { #expect(imageGA.pixels[3 * i] == UInt8(i * 5) && imageGA.pixels[3 * i + 2] == UInt8(i * 5)) }
    }
}
