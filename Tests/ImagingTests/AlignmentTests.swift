import Foundation
import Testing
@testable import Imaging

func points(_ any: Any?) -> [Point2D] {
    (any as? [[Double]] ?? []).map { Point2D($0[0], $0[1]) }
}

@Suite("Alignment against the reference test vectors")
struct AlignmentTests {
    @Test("SphereFace 112×96: matrices and crops match testvectors/alignment (12 LFW images)",
          .enabled(if: Shared.available, Shared.skipMessage))
    func sphereFaceCrops() throws {
        let json = try Shared.json("testvectors/alignment/alignment.json")
        // The reference casts the template to float32 before fitting; so does ours.
        #expect(points(json["template_96x112_xy"]).map { Point2D(Double(Float($0.x)), Double(Float($0.y))) }
                == AlignmentTemplate.sphereFace96x112.points)
        let images = json["images"] as? [String: [String: Any]] ?? [:]
        #expect(images.count == 12)
        var worstMatrix = 0.0, worstInverse = 0.0, worstPixel = 0, worstMean = 0.0, differing = 0, total = 0
        var fixedWorst = 0, fixedDiffering = 0
        for (id, entry) in images.sorted(by: { $0.key < $1.key }) {
            let source = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/mtcnn/images/\(id).png"))
            let landmarks = points(entry["landmarks"])
            let cropToSource = try Alignment.cropToSource(landmarks: landmarks, template: .sphereFace96x112)
            let refInverse = try AffineTransform(matrix: entry["M_inverse_2x3_crop_to_src"] as? [[Double]] ?? [])
            let refM = try AffineTransform(matrix: entry["M_2x3_src_to_crop"] as? [[Double]] ?? [])
            let m = try cropToSource.inverted()
            for (x, y) in zip(cropToSource.matrix.joined(), refInverse.matrix.joined()) { worstInverse = max(worstInverse, abs(x - y)) }
            for (x, y) in zip(m.matrix.joined(), refM.matrix.joined()) { worstMatrix = max(worstMatrix, abs(x - y)) }

            let crop = try source.warpedAffine(outputToSource: cropToSource, width: 96, height: 112)
            let reference = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/alignment/crops/\(id).png"))
            #expect(crop.width == 96 && crop.height == 112)
            let d = imageDiff(crop, reference)
            worstPixel = max(worstPixel, d.max); worstMean = max(worstMean, d.mean)
            differing += d.differing; total += crop.pixels.count
            #expect(d.max <= 1, "\(id): crop max abs diff \(d.max)")
            let fixed = try align(source, landmarks: landmarks, template: .sphereFace96x112)
            #expect(fixed == (try source.warpedAffineOpenCV(outputToSource: cropToSource, width: 96, height: 112)))
            let df = imageDiff(fixed, reference)
            #expect(df.max == 0, "\(id): align() crop differs from OpenCV's in \(df.differing) bytes (max \(df.max))")
            fixedWorst = max(fixedWorst, df.max); fixedDiffering += df.differing
        }
        print("[ImagingTests] SphereFace alignment (double-precision warp): matrix M max abs diff \(worstMatrix), crop->src max abs diff \(worstInverse), crop max abs diff \(worstPixel), worst mean \(worstMean), differing bytes \(differing)/\(total)")
        print("[ImagingTests] SphereFace alignment, align() with OpenCV-5 Float32 warp: crop max abs diff \(fixedWorst), differing bytes \(fixedDiffering)")
        #expect(worstMatrix < 1e-9 && worstInverse < 1e-9)
        #expect(Double(differing) / Double(total) <= 1e-4)
    }

    @Test("dlib 150×150 chips (padding 0.25) from source + landmarks match testvectors/dlib exactly",
          .enabled(if: Shared.available, Shared.skipMessage))
    func dlibChips() throws {
        let index = try Shared.json("testvectors/dlib/index.json")
        let entries = index["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 24)
        #expect(try AlignmentTemplate.dlibChip(size: 150, padding: 0.25) == .dlibChip150)
        var worst = 0, worstMean = 0.0
        for e in entries {
            let files = e["files"] as? [String: String] ?? [:]
            let source = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/dlib/" + (files["source"] ?? "")))
            let chip = try align(source, landmarks: points(e["landmarks5"]), template: .dlibChip150)
            let reference = try ImageDecoder.decode(contentsOf: Shared.path("testvectors/dlib/" + (files["chip"] ?? "")))
            let d = imageDiff(chip, reference)
            worst = max(worst, d.max); worstMean = max(worstMean, d.mean)
            #expect(d.max == 0, "\(e["image"] ?? "?"): chip max abs diff \(d.max), \(d.differing) bytes differ")
        }
        print("[ImagingTests] dlib chips: max abs diff \(worst), worst mean \(worstMean) over 24 chips")
    }

    @Test("the derived MTCNN-order dlib template is consistent with dlib's own chip (lfw00 = Abel_Pacheco_0001)",
          .enabled(if: Shared.available, Shared.skipMessage))
    func dlibMTCNNTemplateConsistency() throws {
        let index = try Shared.json("testvectors/dlib/index.json")
        let entry = (index["entries"] as? [[String: Any]] ?? []).first { ($0["person"] as? String) == "Abel_Pacheco" }
        let align = try Shared.json("testvectors/alignment/alignment.json")
        let mtcnn = points(((align["images"] as? [String: [String: Any]])?["lfw00"])?["landmarks"])
        guard let entry else { Issue.record("Abel_Pacheco missing"); return }
        // Where the MTCNN landmarks fall inside dlib's own chip of the same image.
        let toChip = try Alignment.cropToSource(landmarks: points(entry["landmarks5"]), template: .dlibChip150).inverted()
        let template = AlignmentTemplate.dlibChip150MTCNN.points
        var worst = 0.0
        for (p, t) in zip(mtcnn.map(toChip.apply), template) {
            let d = ((p - t) * (p - t)).sum().squareRoot()
            worst = max(worst, d)
        }
        print("[ImagingTests] MTCNN landmarks of lfw00 inside dlib's chip vs derived template: max distance \(worst) px")
        // Loose: a single turned face (its SphereFace fit residual is 6.5 px) and different landmark models.
        #expect(worst < 15)
        // Eye centres of the derived template agree with dlib's 5-point eye-corner midpoints.
        let d5 = AlignmentTemplate.dlibChip150.points
        let eyeSmallX = (d5[2] + d5[3]) / 2, eyeLargeX = (d5[0] + d5[1]) / 2
        #expect(((template[0] - eyeSmallX) * (template[0] - eyeSmallX)).sum().squareRoot() < 1)
        #expect(((template[1] - eyeLargeX) * (template[1] - eyeLargeX)).sum().squareRoot() < 1)
    }
}

@Suite("Similarity transform")
struct SimilarityTransformTests {
    @Test("an exact similarity is recovered from 5 points; the fit direction matters when it is not exact")
    func exactRecovery() throws {
        let truth = SimilarityTransform(sc: 1.7 * cos(0.3), ss: 1.7 * sin(0.3), tx: 12.5, ty: -4.25)
        let src = AlignmentTemplate.sphereFace96x112.points
        let dst = src.map(truth.apply)
        let fit = try SimilarityTransform.fit(from: src, to: dst)
        #expect(abs(fit.sc - truth.sc) < 1e-12 && abs(fit.ss - truth.ss) < 1e-12)
        #expect(abs(fit.tx - truth.tx) < 1e-9 && abs(fit.ty - truth.ty) < 1e-9)
        #expect(abs(fit.scale - 1.7) < 1e-12 && abs(fit.rotation + 0.3) < 1e-12)
        // Noisy points: fitting image→template and inverting gives a different scale.
        var noisy = dst
        noisy[2] += Point2D(6, -3)
        let forward = try SimilarityTransform.fit(from: src, to: noisy)
        let backward = try SimilarityTransform.fit(from: noisy, to: src)
        #expect(abs(forward.scale * backward.scale - 1) > 1e-4)
    }

    @Test("degenerate input is an error, not a crash")
    func degenerate() {
        let p = [Point2D(1, 1), Point2D(1, 1), Point2D(1, 1)]
        #expect(throws: ImagingError.self) { try SimilarityTransform.fit(from: p, to: p) }
        #expect(throws: ImagingError.self) { try SimilarityTransform.fit(from: [Point2D(0, 0)], to: [Point2D(0, 0)]) }
        #expect(throws: ImagingError.self) {
            try SimilarityTransform.fit(from: [Point2D(0, 0), Point2D(1, 0)], to: [Point2D(.nan, 0), Point2D(1, 0)])
        }
        let img = testPattern(width: 20, height: 20)
        let same = [Point2D](repeating: Point2D(5, 5), count: 5)
        #expect(throws: ImagingError.self) { try align(img, landmarks: same, template: .sphereFace96x112) }
        #expect(throws: ImagingError.self) { try align(img, landmarks: Array(same.prefix(3)), template: .dlibChip150) }
    }
}
