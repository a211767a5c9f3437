import Foundation
import Testing
@testable import Imaging
import SeededRandom

/// Decodes `bytes` written to a temporary file and returns the thrown ImagingError (nil if it decoded).
func decodeError(_ bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> ImagingError? {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let path = try dir.write(bytes, name)
    do {
        _ = try ImageDecoder.decode(contentsOf: path, options: options)
        return nil
    } catch let e as ImagingError {
        #expect(e.description.contains(path), "error must name the file: \(e)")
        #expect(e.localizedDescription == e.description)
        return e
    }
}

@Suite("Bad input is an error naming the file, never a crash")
struct BadInputTests {
    static let jpeg: [UInt8] = try! JPEGEncoder.encode(testPattern(width: 64, height: 48), quality: 90)
    static let png: [UInt8] = try! PNGWriter.encode(testPattern(width: 64, height: 48))

    @Test("empty file")
    func empty() throws {
        let e = try decodeError([], name: "empty.jpg")
        guard case .empty = e else { Issue.record("expected .empty, got \(String(describing: e))"); return }
    }

    @Test("non-image files (text, PDF header, a JPEG name on a text file)")
    func nonImage() throws {
        for (bytes, name) in [(Array("hello, world\n".utf8), "notes.txt"), (Array("%PDF-1.7\n".utf8), "face.jpg"),
                              ([0x00], "one-byte.png"), (Array("P7\n".utf8), "pam.pnm")] {
            let e = try decodeError(bytes, name: name)
            guard case .unknownFormat = e else { Issue.record("\(name): expected .unknownFormat, got \(String(describing: e))"); continue }
        }
    }

    @Test("missing file and directory")
    func unreadable() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        for path in [dir.file("does-not-exist.jpg"), dir.path] {
            #expect {
                _ = try ImageDecoder.decode(contentsOf: path)
            } throws: { e in
                guard let e = e as? ImagingError, case .unreadable(let f, _) = e else { return false }
                return f == path
            }
        }
    }

    @Test("truncated JPEG, PNG and PNM", arguments: [0.5, 0.9, 0.05])
    func truncated(fraction: Double) throws {
        let ppm: [UInt8] = Array("P6\n4 4\n255\n".utf8) + [UInt8](repeating: 9, count: 48)
        for (whole, name) in [(Self.jpeg, "cut.jpg"), (Self.png, "cut.png"), (ppm, "cut.ppm")] {
            let cut = Array(whole.prefix(max(4, Int(Double(whole.count) * fraction))))
            let e = try decodeError(cut, name: name)
            guard case .corrupt = e else { Issue.record("\(name) at \(fraction): expected .corrupt, got \(String(describing: e))"); continue }
        }
    }

    @Test("corrupt headers and checksums")
    func corrupt() throws {
        // JPEG: valid SOI, then garbage instead of markers.
        var j = Array(Self.jpeg.prefix(3)) + [UInt8](repeating: 0x37, count: 300)
        var e = try decodeError(j, name: "garbage.jpg")
        guard case .corrupt = e else { Issue.record("garbage.jpg: \(String(describing: e))"); return }
        // JPEG: quantisation table segment overwritten.
        j = Self.jpeg
        if let dqt = (2..<(j.count - 1)).first(where: { j[$0] == 0xFF && j[$0 + 1] == 0xDB }) {
            for i in (dqt + 2)..<(dqt + 8) { j[i] = 0xFF }
            e = try decodeError(j, name: "bad-dqt.jpg")
            guard case .corrupt = e else { Issue.record("bad-dqt.jpg: \(String(describing: e))"); return }
        }
        // PNG: a flipped byte inside IDAT breaks its CRC.
        var p = Self.png
        if let idat = (8..<(p.count - 4)).first(where: { p[$0] == 0x49 && p[$0 + 1] == 0x44 && p[$0 + 2] == 0x41 && p[$0 + 3] == 0x54 }) {
            p[idat + 10] ^= 0x55
            e = try decodeError(p, name: "bad-crc.png")
            guard case .corrupt = e else { Issue.record("bad-crc.png: \(String(describing: e))"); return }
        }
        // PNG signature followed by garbage.
        e = try decodeError(Array(Self.png.prefix(8)) + [UInt8](repeating: 1, count: 50), name: "garbage.png")
        guard case .corrupt = e else { Issue.record("garbage.png: \(String(describing: e))"); return }
        // PNM: sample above maxval, non-numeric header, zero size.
        for (bytes, name) in [(Array("P2 2 1 10 5 11".utf8), "over.pgm"), (Array("P6 x 1 255\n".utf8), "hdr.ppm"),
                              (Array("P5 0 4 255\n".utf8), "zero.pgm"), (Array("P5 2 2 70000\n".utf8), "maxval.pgm")] {
            e = try decodeError(bytes, name: name)
            guard case .corrupt = e else { Issue.record("\(name): \(String(describing: e))"); continue }
        }
    }

    @Test("a JPEG process libjpeg-turbo cannot decode (lossless SOF3) is .unsupported")
    func unsupportedJPEG() throws {
        var j = Self.jpeg
        guard let sof = (2..<(j.count - 1)).first(where: { j[$0] == 0xFF && j[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0 marker"); return
        }
        j[sof + 1] = 0xC3
        let e = try decodeError(j, name: "lossless.jpg")
        guard case .unsupported = e else { Issue.record("lossless.jpg: \(String(describing: e))"); return }
    }

    @Test("images above the pixel limit are refused from the header (decompression bombs)")
    func tooManyPixels() throws {
        // JPEG whose SOF claims 60000×60000 (3.6 GP > the 100 MP default): refused before decoding.
        var j = Self.jpeg
        guard let sof = (2..<(j.count - 9)).first(where: { j[$0] == 0xFF && (j[$0 + 1] == 0xC0 || j[$0 + 1] == 0xC2) }) else {
            Issue.record("no SOF marker"); return
        }
        j[sof + 5] = 0xEA; j[sof + 6] = 0x60; j[sof + 7] = 0xEA; j[sof + 8] = 0x60
        var e = try decodeError(j, name: "bomb.jpg")
        guard case .tooManyPixels(_, 60000, 60000, 100_000_000) = e else { Issue.record("bomb.jpg: \(String(describing: e))"); return }
        // PPM header claiming 20000×20000 with no data.
        e = try decodeError(Array("P6\n20000 20000\n255\n".utf8), name: "bomb.ppm")
        guard case .tooManyPixels = e else { Issue.record("bomb.ppm: \(String(describing: e))"); return }
        // A configurable limit: a 64×48 PNG against a 1000-pixel limit.
        e = try decodeError(Self.png, name: "small.png", options: DecodeOptions(maxPixels: 1000))
        guard case .tooManyPixels(_, 64, 48, 1000) = e else { Issue.record("small.png: \(String(describing: e))"); return }
        // PNG with a forged IHDR (huge size; CRC recomputed) is refused by size, not by allocation.
        var p = Self.png
        p[16] = 0; p[17] = 0x01; p[18] = 0; p[19] = 0      // width 65536
        p[20] = 0; p[21] = 0x01; p[22] = 0; p[23] = 0      // height 65536
        let crc = crc32(Array(p[12..<29]))
        p[29] = UInt8(crc >> 24); p[30] = UInt8((crc >> 16) & 255); p[31] = UInt8((crc >> 8) & 255); p[32] = UInt8(crc & 255)
        e = try decodeError(p, name: "bomb.png")
        guard case .tooManyPixels(_, 65536, 65536, _) = e else { Issue.record("bomb.png: \(String(describing: e))"); return }
    }

    @Test("random byte damage never crashes: every mutant decodes or throws ImagingError")
    func mutations() throws {
        var rng = SplitMix64(seed: 42)
        let ppm = Array("P6\n8 8\n255\n".utf8) + (0..<192).map { UInt8($0 & 255) }
        for (original, name) in [(Self.jpeg, "m.jpg"), (Self.png, "m.png"), (ppm, "m.ppm")] {
            for _ in 0..<60 {
                var b = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b[i] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { b = Array(b.prefix(Int.random(in: 1...b.count, using: &rng))) }
                do { _ = try ImageDecoder.decode(bytes: b, name: name) } catch is ImagingError {} catch {
                    Issue.record("\(name): unexpected error type \(error)")
                }
            }
        }
    }
}

/// CRC-32 as used by PNG chunks.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}
