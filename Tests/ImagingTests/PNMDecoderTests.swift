import Foundation
import Testing
@testable import Imaging

@Suite("PGM/PPM/PBM decoding")
struct PNMDecoderTests {
    @Test("binary PPM (P6) 8-bit decodes byte for byte; comments in the header are skipped")
    func p6() throws {
        let image = testPattern(width: 5, height: 3)
        let bytes = Array("P6\n# a comment\n5 3 # trailing\n255\n".utf8) + image.pixels
        #expect(try ImageDecoder.decode(bytes: bytes, name: "a.ppm") == image)
    }

    @Test("binary PGM (P5) 8-bit and 16-bit big-endian, scaled to 0…255")
    func p5() throws {
        let g8 = try ImageDecoder.decode(bytes: Array("P5 3 1 255\n".utf8) + [0, 128, 255], name: "g.pgm")
        #expect(g8.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        let g16 = try ImageDecoder.decode(bytes: Array("P5 3 1 65535\n".utf8) + [0, 0, 0x80, 0x00, 0xFF, 0xFF], name: "g16.pgm")
        #expect(g16.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        let g4 = try ImageDecoder.decode(bytes: Array("P5 2 1 4\n".utf8) + [2, 4], name: "g4.pgm")
        #expect(g4.pixels == [128, 128, 128, 255, 255, 255])   // (2·255 + 2) / 4 = 128
    }

    @Test("ASCII P2/P3 and bitmaps P1/P4")
    func ascii() throws {
        let p3 = try ImageDecoder.decode(bytes: Array("P3\n2 1\n15\n15 0 0  0 15 15\n".utf8), name: "c.ppm")
        #expect(p3.pixels == [255, 0, 0, 0, 255, 255])
        let p2 = try ImageDecoder.decode(bytes: Array("P2 2 2 255 1 2\n3 4".utf8), name: "c.pgm")
        #expect(p2.pixels == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        let p1 = try ImageDecoder.decode(bytes: Array("P1 3 1\n101".utf8), name: "b.pbm")
        #expect(p1.pixels == [0, 0, 0, 255, 255, 255, 0, 0, 0])
        let p4 = try ImageDecoder.decode(bytes: Array("P4 10 1\n".utf8) + [0b1010_0000, 0b0100_0000], name: "b4.pbm")
        #expect(p4.width == 10 && p4.pixel(x: 0, y: 0)?.r == 0 && p4.pixel(x: 1, y: 0)?.r == 255 && p4.pixel(x: 9, y: 0)?.r == 0 && p4.pixel(x: 10, y: 0) == nil)
    }
}
