import CTurboJPEG
import Foundation
import Testing
@testable import Imaging

/// An APP1 Exif segment holding only IFD0 with the Orientation tag.
func exifSegment(orientation: Int, bigEndian: Bool) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 255)] : [UInt8(v & 255), UInt8(v >> 8)] }
    func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
    var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
    tiff += u16(42) + u32(8)
    tiff += u16(1)                                         // one IFD entry
    tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
    tiff += u32(0)                                         // no next IFD
    let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 255)] + payload
}

/// Splices a segment right after SOI.
func splicingAfterSOI(_ jpeg: [UInt8], _ segment: [UInt8]) -> [UInt8] {
    Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
}

/// Four flat quadrants: TL red, TR green, BL blue, BR white.
func quadrants(width: Int, height: Int) -> Image {
    var img = try! Image(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let c: [UInt8] = y < height / 2 ? (x < width / 2 ? [255, 0, 0] : [0, 255, 0])
                                            : (x < width / 2 ? [0, 0, 255] : [255, 255, 255])
            let i = (y * width + x) * 3
            img.pixels[i] = c[0]; img.pixels[i + 1] = c[1]; img.pixels[i + 2] = c[2]
        }
    }
    return img
}

/// The colour name of a pixel of a (lossy) quadrant image.
func colourName(_ img: Image, _ x: Int, _ y: Int) -> String {
    guard let p = img.pixel(x: x, y: y) else { return "outside" }
    switch (p.r > 128, p.g > 128, p.b > 128) {
    case (true, false, false): return "red"
    case (false, true, false): return "green"
    case (false, false, true): return "blue"
    case (true, true, true): return "white"
    default: return "other(\(p))"
    }
}

@Suite("JPEG decoding")
struct JPEGDecoderTests {
    @Test("decoded pixels equal Pillow's: SHA-256 of all 24 testvectors/dlib sources", .enabled(if: Shared.available, Shared.skipMessage))
    func pillowDigests() throws {
        let index = try Shared.json("testvectors/dlib/index.json")
        let entries = index["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 24)
        for e in entries {
            let files = e["files"] as? [String: String] ?? [:]
            let image = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/dlib/" + (files["source"] ?? "")))
            let size = e["source_size"] as? [Int] ?? []
            #expect([image.width, image.height] == size)
            #expect(sha256Hex(image.pixels) == e["decoded_rgb_sha256"] as? String, "\(e["image"] ?? "?")")
        }
    }

    @Test("SHA-256 helper matches a known digest")
    func sha256KnownAnswer() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("JPEG encode/decode round trip stays close")
    func roundTrip() throws {
        let image = testPattern(width: 48, height: 40)
        let jpeg = try JPEGEncoder.encode(image, quality: 98)
        #expect(ImageFormat.sniff(jpeg) == .jpeg)
        let back = try ImageDecoder.decode(bytes: jpeg, name: "rt.jpg")
        #expect(back.width == 48 && back.height == 40)
        #expect(imageDiff(back, image).mean < 3)
    }

    @Test("grey JPEG becomes R = G = B")
    func greyJPEG() throws {
        guard let h = tjInitCompress() else { Issue.record("tjInitCompress failed"); return }
        defer { tjDestroy(h) }
        let w = 24, hh = 16
        let grey = (0..<(w * hh)).map { UInt8(($0 % w) * 10) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let rc = grey.withUnsafeBufferPointer {
            tjCompress2(h, $0.baseAddress, Int32(w), 0, Int32(hh), Int32(TJPF_GRAY.rawValue), &out, &size,
                        Int32(TJSAMP_GRAY.rawValue), 95, 0)
        }
        #expect(rc == 0)
        let jpeg = Array(UnsafeBufferPointer(start: out, count: Int(size)))
        tjFree(out)
        let image = try ImageDecoder.decode(bytes: jpeg, name: "grey.jpg")
        for i in 0..<(w * hh) {
            #expect(image.pixels[3 * i] == image.pixels[3 * i + 1] && image.pixels[3 * i] == image.pixels[3 * i + 2])
            #expect(abs(Int(image.pixels[3 * i]) - Int(grey[i])) <= 4)
        }
    }

    @Test("CMYK (YCCK, Adobe) JPEG becomes RGB with R = C·K/255")
    func cmykJPEG() throws {
        guard let h = tjInitCompress() else { Issue.record("tjInitCompress failed"); return }
        defer { tjDestroy(h) }
        let w = 32, hh = 16
        // Left half one ink mix, right half another (libjpeg-turbo's inverted CMYK convention).
        let inks: [[Int]] = [[200, 100, 50, 220], [30, 240, 128, 255]]
        var cmyk = [UInt8]()
        for _ in 0..<hh { for x in 0..<w { cmyk += inks[x < w / 2 ? 0 : 1].map { UInt8($0) } } }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let rc = cmyk.withUnsafeBufferPointer {
            tjCompress2(h, $0.baseAddress, Int32(w), 0, Int32(hh), Int32(TJPF_CMYK.rawValue), &out, &size,
                        Int32(TJSAMP_444.rawValue), 100, 0)
        }
        #expect(rc == 0)
        let jpeg = Array(UnsafeBufferPointer(start: out, count: Int(size)))
        tjFree(out)
        let image = try ImageDecoder.decode(bytes: jpeg, name: "cmyk.jpg")
        #expect(image.width == w && image.height == hh)
        for (x, ink) in [(4, inks[0]), (w - 5, inks[1])] {
            let p = image.pixel(x: x, y: hh / 2)!
            let expected = (0..<3).map { Double(ink[$0] * ink[3]) / 255 }
            #expect(abs(Double(p.r) - expected[0]) <= 3 && abs(Double(p.g) - expected[1]) <= 3 && abs(Double(p.b) - expected[2]) <= 3,
                    "pixel \(p) expected ≈ \(expected)")
        }
    }

    @Test("EXIF orientation is applied (big- and little-endian TIFF headers)", arguments: [
        // orientation, big-endian, expected colours at TL, TR, BL, BR of the upright output
        (1, true, ["red", "green", "blue", "white"]),
        (2, false, ["green", "red", "white", "blue"]),
        (3, true, ["white", "blue", "green", "red"]),
        (4, false, ["blue", "white", "red", "green"]),
        (5, true, ["red", "blue", "green", "white"]),
        (6, true, ["blue", "red", "white", "green"]),
        (7, false, ["white", "green", "blue", "red"]),
        (8, false, ["green", "white", "red", "blue"]),
    ])
    func exifOrientation(orientation: Int, bigEndian: Bool, corners: [String]) throws {
        let w = 32, h = 16
        let jpeg = try JPEGEncoder.encode(quadrants(width: w, height: h), quality: 95)
        let tagged = splicingAfterSOI(jpeg, exifSegment(orientation: orientation, bigEndian: bigEndian))
        let image = try ImageDecoder.decode(bytes: tagged, name: "exif\(orientation).jpg")
        let swapped = orientation >= 5
        #expect(image.width == (swapped ? h : w) && image.height == (swapped ? w : h))
        let ow = image.width, oh = image.height
        let got = [colourName(image, 2, 2), colourName(image, ow - 3, 2), colourName(image, 2, oh - 3), colourName(image, ow - 3, oh - 3)]
        #expect(got == corners)
        // Opting out leaves the stored orientation.
        let raw = try ImageDecoder.decode(bytes: tagged, name: "exif.jpg", options: DecodeOptions(applyEXIFOrientation: false))
        #expect(raw.width == w && raw.height == h)
    }
}
