import Foundation
import Testing
@testable import Imaging

@Suite("Resize and affine warp")
struct ResizeWarpTests {
    @Test("'area' resize is bit-identical to facenet-pytorch's pyramid level (lfw00, 250→76)",
          .enabled(if: Shared.available, Shared.skipMessage))
    func areaMatchesTorch() throws {
        let tensors = try readSafetensors(Shared.path("testvectors/mtcnn/pnet_lfw00_scale2.safetensors"))
        guard let ref = tensors["input"] else { Issue.record("no 'input' tensor"); return }
        #expect(ref.shape == [1, 3, 76, 76])
        let image = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/mtcnn/images/lfw00.png"))
        let level = try PlanarImage(image).resized(width: 76, height: 76, method: .area)
        let normalised = level.data.map { ($0 - 127.5) * 0.0078125 }
        var worst: Float = 0, differing = 0
        for (a, b) in zip(normalised, ref.values) { worst = max(worst, abs(a - b)); if a != b { differing += 1 } }
        print("[ImagingTests] area resize vs torch: max abs diff \(worst), differing \(differing)/\(ref.values.count)")
        #expect(differing == 0)
    }

    @Test("'area' windows: downsampling averages integer blocks, upsampling repeats/averages neighbours")
    func areaWindows() throws {
        let p = try PlanarImage(channels: 1, width: 4, height: 1, data: [0, 2, 4, 10])
        #expect(try p.resized(width: 2, height: 1, method: .area).data == [1, 7])
        #expect(try p.resized(width: 3, height: 1, method: .area).data == [1, 3, 7])      // windows [0,2) [1,3) [2,4)
        let q = try PlanarImage(channels: 1, width: 2, height: 1, data: [0, 9])
        #expect(try q.resized(width: 3, height: 1, method: .area).data == [0, 4.5, 9])  // [0,1) [0,2) [1,2)
        // UInt8 version rounds the same means: 4×2 → 2×1.
        var px = [UInt8]()
        for v in [0, 2, 4, 10, 1, 3, 5, 11] as [UInt8] { px += [v, v, v] }
        let img = try Image(width: 4, height: 2, pixels: px).resized(width: 2, height: 1, method: .area)
        #expect(img.pixels == [2, 2, 2, 8, 8, 8])                                   // 6/4 = 1.5 → 2, 30/4 = 7.5 → 8
    }

    @Test("bilinear uses half-pixel centres and clamps at the edges")
    func bilinear() throws {
        let p = try PlanarImage(channels: 1, width: 2, height: 1, data: [0, 100])
        #expect(try p.resized(width: 4, height: 1, method: .bilinear).data == [0, 25, 75, 100])
        var px = [UInt8]()
        for v in [0, 100] as [UInt8] { px += [v, v, v] }
        let img = try Image(width: 2, height: 1, pixels: px).resized(width: 4, height: 1, method: .bilinear)
        #expect(img.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 25, 75, 100])
        let big = testPattern(width: 40, height: 30)
        #expect(try big.resized(width: 40, height: 30, method: .bilinear) == big)
        #expect(throws: ImagingError.self) { try big.resized(width: 0, height: 3, method: .area) }
    }

    @Test("affine warp: identity, half-pixel shift, border policies, rounding")
    func warp() throws {
        let img = testPattern(width: 16, height: 12)
        #expect(try img.warpedAffine(outputToSource: .identity, width: 16, height: 12) == img)
        var row = [UInt8]()
        for v in [10, 20, 31] as [UInt8] { row += [v, v, v] }
        let line = try Image(width: 3, height: 1, pixels: row)
        let shift = AffineTransform(a: 1, b: 0, tx: 0.5, c: 0, d: 1, ty: 0)
        // Output x samples source x + 0.5; the last pixel's right neighbour is outside.
        let c0 = try line.warpedAffine(outputToSource: shift, width: 3, height: 1, border: .constant(0))
        #expect(c0.pixels[0] == 15 && c0.pixels[3] == 26 && c0.pixels[6] == 16)       // (31 + 0)/2 = 15.5 → 16
        let rep = try line.warpedAffine(outputToSource: shift, width: 3, height: 1, border: .replicate)
        #expect(rep.pixels[6] == 31)
        let dlib = try line.warpedAffine(outputToSource: shift, width: 3, height: 1, border: .zeroUnlessInside, rounding: .truncate)
        #expect(dlib.pixels[0] == 0)                                                    // 1-row image: no 2×2 neighbourhood inside
        let constant = try line.warpedAffine(outputToSource: AffineTransform(a: 1, b: 0, tx: 100, c: 0, d: 1, ty: 0),
                                             width: 3, height: 1, border: .constant(7))
        #expect(constant.pixels.allSatisfy { $0 == 7 })
        let two = try Image(width: 3, height: 2, pixels: row + row)
        let trunc = try two.warpedAffine(outputToSource: shift, width: 3, height: 2, border: .zeroUnlessInside, rounding: .truncate)
        #expect(trunc.pixels[0] == 15 && trunc.pixels[3] == 25 && trunc.pixels[6] == 0)
        // Huge or non-finite matrices never crash.
        let far = AffineTransform(a: 1e300, b: 0, tx: 0, c: 0, d: 1, ty: 0)
        _ = try img.warpedAffine(outputToSource: far, width: 4, height: 4)
        #expect(throws: ImagingError.self) {
            try img.warpedAffine(outputToSource: AffineTransform(a: .nan, b: 0, tx: 0, c: 0, d: 1, ty: 0), width: 4, height: 4)
        }
        #expect(throws: ImagingError.self) { try AffineTransform(a: 1, b: 2, tx: 0, c: 2, d: 4, ty: 0).inverted() }
        // OpenCV-arithmetic variant: identity, half-pixel shift with a constant border, far away, NaN.
        #expect(try img.warpedAffineOpenCV(outputToSource: .identity, width: 16, height: 12) == img)
        let cv = try line.warpedAffineOpenCV(outputToSource: shift, width: 3, height: 1, borderValue: 0)
        #expect(cv.pixels[0] == 15 && cv.pixels[3] == 26 && cv.pixels[6] == 16)           // 15.5 → 16 (half to even)
        #expect(try img.warpedAffineOpenCV(outputToSource: far, width: 4, height: 4, borderValue: 9).pixels.allSatisfy { $0 == 9 })
        #expect(throws: ImagingError.self) {
            try img.warpedAffineOpenCV(outputToSource: AffineTransform(a: 1, b: 0, tx: .infinity, c: 0, d: 1, ty: 0), width: 4, height: 4)
        }
    }

    @Test("planar conversion, normalisation and crops")
    func planar() throws {
        let img = try Image(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(PlanarImage(img).data == [1, 4, 2, 5, 3, 6])
        #expect(PlanarImage(img, order: .bgr).data == [3, 6, 2, 5, 1, 4])
        let n = try PlanarImage(img).normalized(mean: [127.5], divisor: 128)
        #expect(n.data[0] == (1 - 127.5) / 128)
        #expect(try PlanarImage(img).cropped(x: 1, y: 0, width: 1, height: 1).data == [4, 5, 6])
        #expect(try img.cropped(x: 1, y: 0, width: 1, height: 1).pixels == [4, 5, 6])
        #expect(img.swappingRedBlue().pixels == [3, 2, 1, 6, 5, 4])
        #expect(throws: ImagingError.self) { try img.cropped(x: 1, y: 0, width: 2, height: 1) }
    }
}
