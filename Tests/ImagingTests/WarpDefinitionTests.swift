import Foundation
import SeededRandom
import Testing
@testable import Imaging

/// `warpedAffine` runs a C kernel; this is its definition, written out per output pixel.
private func definitionWarp(_ image: Image, _ m: Imaging.AffineTransform, width ow: Int, height oh: Int,
                            border: BorderPolicy, rounding: SampleRounding) -> [UInt8] {
    let w = image.width, h = image.height, src = image.pixels
    var out = [UInt8](repeating: 0, count: ow * oh * 3)
    func sample(_ px: Int, _ py: Int, _ k: Int) -> Double {
        if px >= 0 && py >= 0 && px < w && py < h { return Double(src[(py * w + px) * 3 + k]) }
        switch border {
        case .constant(let v): return Double(v)
        case .replicate: return Double(src[(min(max(py, 0), h - 1) * w + min(max(px, 0), w - 1)) * 3 + k])
        case .zeroUnlessInside: return 0
        }
    }
    for y in 0..<oh {
        for x in 0..<ow {
            let fx = Double(x), fy = Double(y)
            let u: Double = m.a * fx + m.b * fy + m.tx, v: Double = m.c * fx + m.d * fy + m.ty
            let x0 = Int(u.rounded(.down)), y0 = Int(v.rounded(.down))
            let ax = u - u.rounded(.down), ay = v - v.rounded(.down)
            if border == .zeroUnlessInside && !(x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) { continue }
            for k in 0..<3 {
                let p00 = sample(x0, y0, k), p10 = sample(x0 + 1, y0, k)
                let p01 = sample(x0, y0 + 1, k), p11 = sample(x0 + 1, y0 + 1, k)
                let top: Double = (1 - ax) * p00 + ax * p10, bottom: Double = (1 - ax) * p01 + ax * p11
                let value: Double = (1 - ay) * top + ay * bottom
                let r: Double = rounding == .truncate ? value : (value + 0.5).rounded(.down)
                out[(y * ow + x) * 3 + k] = r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
            }
        }
    }
    return out
}

@Suite("Affine warp against its definition")
struct WarpDefinitionTests {
    @Test("random rotations, scales and shifts, partly outside the image: every border policy and rounding, byte for byte")
    func randomTransforms() throws {
        var rng = SplitMix64(seed: 7)
        var px = [UInt8](repeating: 0, count: 37 * 29 * 3)
        for i in px.indices { px[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let image = try Image(width: 37, height: 29, pixels: px)
        let policies: [BorderPolicy] = [.constant(0), .constant(200), .replicate, .zeroUnlessInside]
        for _ in 0..<40 {
            let angle = Double(rng.nextUnit()) * 6.3, scale = 0.3 + 2 * Double(rng.nextUnit())
            let m = Imaging.AffineTransform(a: scale * cos(angle), b: -scale * sin(angle), tx: Double(rng.nextUnit()) * 60 - 15,
                                    c: scale * sin(angle), d: scale * cos(angle), ty: Double(rng.nextUnit()) * 50 - 12)
            for border in policies {
                for rounding in [SampleRounding.nearest, .truncate] {
                    let warped = try image.warpedAffine(outputToSource: m, width: 23, height: 19, border: border, rounding: rounding)
                    #expect(warped.pixels == definitionWarp(image, m, width: 23, height: 19, border: border, rounding: rounding),
                            "\(m.matrix) \(border) \(rounding)")
                }
            }
        }
    }
}
