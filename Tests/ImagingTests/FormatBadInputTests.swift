import SeededRandom
import Foundation
import Testing
@testable import Imaging
import SeededRandom

/// Fixtures that are not references and hold one frame (an animation cut after its first frame
/// still decodes, rightly).
private let stillFixtures = Fixtures.names.filter { !$0.contains("reference") && !$0.hasPrefix("animated") }

@Suite("Truncated, lying and damaged files of every format are errors naming the file")
struct FormatBadInputTests {
    @Test("a truncated file is .corrupt", arguments: stillFixtures)
    func truncated(name: String) throws {
        let whole = try Fixtures.bytes(name)
        for fraction in [0.05, 0.5, 0.9] {
            let cut = Array(whole.prefix(max(32, Int(Double(whole.count) * fraction))))
            let e = try decodeError(cut, name: "cut-\(name)")
            guard case .corrupt = e else {
                Issue.record("\(name) cut to \(cut.count) of \(whole.count) bytes: expected .corrupt, got \(String(describing: e))")
                continue
            }
        }
    }

    @Test("a 29-byte PGM header declaring 2^32 × 2^32 pixels is refused with a readable message")
    func hugePGMHeader() throws {
        let e = try decodeError(Array("P5 4294967296 4294967296 255".utf8), name: "huge.pgm")
        guard case .tooManyPixels(_, 4_294_967_296, 4_294_967_296, 100_000_000)? = e else {
            Issue.record("expected .tooManyPixels, got \(String(describing: e))"); return
        }
        #expect(e?.description.contains("4294967296×4294967296") == true)
    }

    @Test("headers declaring huge sizes are refused before any pixel memory (WebP, GIF, BMP, TIFF, HEIC)")
    func lyingSizes() throws {
        // WebP lossless (VP8L): 14-bit width−1 and height−1 all ones = 16384 × 16384.
        var webp = try Fixtures.bytes("lossless.webp")
        #expect(String(decoding: webp[12..<16], as: UTF8.self) == "VP8L")
        webp[21] = 0xFF; webp[22] = 0xFF; webp[23] = 0xFF; webp[24] |= 0x0F
        expectTooManyPixels(try decodeError(webp, name: "huge.webp"), 16384, 16384)
        // GIF logical screen 65535 × 65535.
        var gif = try Fixtures.bytes("still.gif")
        gif[6] = 0xFF; gif[7] = 0xFF; gif[8] = 0xFF; gif[9] = 0xFF
        expectTooManyPixels(try decodeError(gif, name: "huge.gif"), 65535, 65535)
        // BMP 100000 × 100000.
        var bmp = try Fixtures.bytes("rgb24.bmp")
        for o in [18, 22] { bmp[o] = 0xA0; bmp[o + 1] = 0x86; bmp[o + 2] = 0x01; bmp[o + 3] = 0 }
        expectTooManyPixels(try decodeError(bmp, name: "huge.bmp"), 100_000, 100_000)
        // TIFF ImageWidth and ImageLength tags 100000.
        var tiff = try Fixtures.bytes("rgb.tiff")
        #expect(patchTIFFTag(&tiff, tag: 256, value: 100_000) && patchTIFFTag(&tiff, tag: 257, value: 100_000))
        expectTooManyPixels(try decodeError(tiff, name: "huge.tiff"), 100_000, 100_000)
        // HEIC whose image spatial extent (ispe) claims 60000 × 60000: refused by libheif's limit or ours.
        var heic = try Fixtures.bytes("photo.heic")
        guard let ispe = (0..<(heic.count - 16)).first(where: { String(decoding: heic[$0..<($0 + 4)], as: UTF8.self) == "ispe" }) else {
            Issue.record("no ispe box"); return
        }
        for o in [ispe + 8, ispe + 12] { heic[o] = 0; heic[o + 1] = 0; heic[o + 2] = 0xEA; heic[o + 3] = 0x60 }
        let e = try decodeError(heic, name: "huge.heic")
        switch e {
        case .tooManyPixels?, .corrupt?: break
        default: Issue.record("huge.heic: expected a size refusal, got \(String(describing: e))")
        }
    }

    @Test("a BMP whose pixel data is shorter than its header says is .corrupt, not a read past the end")
    func lyingBMPOffset() throws {
        var bmp = try Fixtures.bytes("rgb24.bmp")
        bmp[10] = 0xF0; bmp[11] = 0xFF; bmp[12] = 0; bmp[13] = 0       // pixel data offset 65520
        guard case .corrupt? = try decodeError(bmp, name: "offset.bmp") else { Issue.record("offset.bmp"); return }
    }

    @Test("random byte damage never crashes: every mutant decodes or throws ImagingError")
    func mutations() throws {
        var rng = SplitMix64(seed: 7)
        for name in Fixtures.names where !name.contains("reference") {
            let original = try Fixtures.bytes(name)
            for _ in 0..<12 {
                var b = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0..<min(b.count, 512), using: &rng)   // headers are where lies hurt
                    b[i] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { b = Array(b.prefix(Int.random(in: 1...b.count, using: &rng))) }
                do { _ = try ImageDecoder.decode(bytes: b, name: name) } catch is ImagingError {} catch {
                    Issue.record("\(name): unexpected error type \(error)")
                }
            }
        }
    }

    private func expectTooManyPixels(_ e: ImagingError?, _ w: Int, _ h: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .tooManyPixels(_, w, h, _)? = e else {
            Issue.record("expected .tooManyPixels(\(w)×\(h)), got \(String(describing: e))", sourceLocation: sourceLocation)
            return
        }
    }
}

/// Sets a SHORT or LONG tag of a little-endian TIFF's first IFD to `value` (as LONG); false when absent.
func patchTIFFTag(_ t: inout [UInt8], tag: Int, value: UInt32) -> Bool {
    func u16(_ o: Int) -> Int { Int(t[o]) | Int(t[o + 1]) << 8 }
    func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
    guard t[0] == 0x49 else { return false }
    let ifd = u32(4)
    for i in 0..<u16(ifd) {
        let e = ifd + 2 + 12 * i
        guard u16(e) == tag else { continue }
        t[e + 2] = 4; t[e + 3] = 0                                     // type LONG
        t[e + 4] = 1; t[e + 5] = 0; t[e + 6] = 0; t[e + 7] = 0           // count 1
        for k in 0..<4 { t[e + 8 + k] = UInt8((value >> (8 * UInt32(k))) & 0xFF) }
        return true
    }
    return false
}
