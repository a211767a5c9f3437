import Foundation
import Testing
@testable import Imaging

@Suite("Reduced decoding: the longest side at most maxSide, the full size and scale reported")
struct ScaledDecodeTests {
    @Test("JPEG DCT scaling picks the largest of 1/2, 1/4, 1/8 that stays at or above maxSide")
    func dctDenominator() {
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: nil) == 1)
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: 1600) == 2)
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: 1000) == 4)
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: 501) == 4)
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: 500) == 8)
        #expect(JPEGDecoder.scaleDenominator(width: 4000, height: 3000, maxSide: 100) == 8)
        #expect(JPEGDecoder.scaleDenominator(width: 300, height: 6000, maxSide: 4000) == 1)
        #expect(JPEGDecoder.scaleDenominator(width: 100, height: 100, maxSide: 200) == 1)
    }

    @Test("fitted sizes keep the aspect ratio and never exceed maxSide")
    func fittedSize() {
        #expect(ScaledImage.fittedSize(width: 4000, height: 3000, maxSide: 1600) == (1600, 1200))
        #expect(ScaledImage.fittedSize(width: 3000, height: 4000, maxSide: 1600) == (1200, 1600))
        #expect(ScaledImage.fittedSize(width: 5000, height: 1, maxSide: 100) == (100, 1))
        #expect(ScaledImage.fittedSize(width: 640, height: 480, maxSide: 640) == (640, 480))
    }

    @Test("a reduced JPEG is close to the full decode reduced afterwards")
    func jpegReduced() throws {
        let jpeg = try JPEGEncoder.encode(testPattern(width: 640, height: 480), quality: 95)
        let full = try ImageDecoder.decode(bytes: jpeg, name: "p.jpg")
        let reduced = try ImageDecoder.decode(data: Data(jpeg), name: "p.jpg", maxSide: 200)
        #expect(reduced.image.width == 200 && reduced.image.height == 150)
        #expect(reduced.originalWidth == 640 && reduced.originalHeight == 480)
        #expect(abs(reduced.scale - 200.0 / 640.0) < 1e-9 && reduced.isReduced)
        let expected = try full.resized(width: 200, height: 150, method: .area)
        // DCT-domain reduction and pixel averaging differ most at the pattern's hard 4-pixel edges.
        let diff = imageDiff(reduced.image, expected)
        #expect(diff.mean < 4, "mean |Δ| \(diff.mean)")
    }

    @Test("EXIF orientation is applied to the reduced JPEG and the full size is the upright one")
    func jpegReducedOriented() throws {
        let jpeg = try JPEGEncoder.encode(quadrants(width: 64, height: 32), quality: 95)
        let tagged = splicingAfterSOI(jpeg, exifSegment(orientation: 6, bigEndian: true))
        let reduced = try ImageDecoder.decode(data: Data(tagged), name: "o.jpg", maxSide: 16)
        #expect(reduced.image.width == 8 && reduced.image.height == 16)
        #expect(reduced.originalWidth == 32 && reduced.originalHeight == 64)
        let upright = try ImageDecoder.decode(bytes: tagged, name: "o.jpg")
        let expected = try upright.resized(width: 8, height: 16, method: .area)
        #expect(imageDiff(reduced.image, expected).mean < 12)
    }

    @Test("WebP is scaled by libwebp while decoding; other formats are reduced after decoding",
          arguments: ["lossless.webp", "lossy.webp", "orientation6.webp", "photo.heic", "photo.avif",
                      "still.gif", "rgb24.bmp", "rgb.tiff", "orientation6.png"])
    func otherFormatsReduced(name: String) throws {
        let reference = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"))
        let reduced = try ImageDecoder.decode(contentsOf: Fixtures.path(name), maxSide: 50)
        #expect(reduced.image.width == 50 && reduced.image.height == 50)
        #expect(reduced.originalWidth == 100 && reduced.originalHeight == 100 && reduced.scale == 0.5)
        let expected = try reference.resized(width: 50, height: 50, method: .area)
        let diff = imageDiff(reduced.image, expected)
        #expect(diff.mean < 6, "\(name): mean |Δ| \(diff.mean)")
    }

    @Test("maxSide at or above the image size leaves it whole; maxSide 0 is an argument error")
    func noReduction() throws {
        let whole = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"), maxSide: 100)
        #expect(whole.image.width == 100 && whole.scale == 1 && !whole.isReduced)
        #expect(throws: ImagingError.self) {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"), maxSide: 0)
        }
    }
}

@Suite("EncodedImage: read once, decode at any resolution")
struct EncodedImageTests {
    @Test("format by content; decodes reduced and at a requested minimum scale")
    func decodes() throws {
        let encoded = try EncodedImage(contentsOf: Fixtures.path("photo-named.jpg"))
        #expect(encoded.format == .webp)
        #expect(try encoded.decode(maxSide: 25).image.width == 25)
        #expect(try encoded.decode(atLeast: 0.6, originalWidth: 100, originalHeight: 100).image.width == 60)
        #expect(try encoded.decode(atLeast: 3, originalWidth: 100, originalHeight: 100).image.width == 100)
    }

    @Test("unknown, empty and oversized inputs fail when made, naming the file")
    func refuses() throws {
        #expect(throws: ImagingError.unknownFormat(file: "a.txt", leadingBytes: "68 69")) {
            _ = try EncodedImage(data: Data("hi".utf8), name: "a.txt")
        }
        #expect(throws: ImagingError.empty(file: "e.jpg")) { _ = try EncodedImage(data: Data(), name: "e.jpg") }
        let e = #expect(throws: ImagingError.self) {
            _ = try EncodedImage(contentsOf: Fixtures.path("rgb24.bmp"), options: DecodeOptions(maxFileBytes: 1000))
        }
        guard case .unreadable(let file, _)? = e else { Issue.record("\(String(describing: e))"); return }
        #expect(file.hasSuffix("rgb24.bmp"))
    }
}
