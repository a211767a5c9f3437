import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceDetection

/// One face of `detections.json`.
struct ReferenceFace {
    let box: [Float]
    let probability: Float
    let landmarks: [Point2D]
}

func referenceFaces(_ entry: [String: Any]) -> [ReferenceFace] {
    let boxes = entry["boxes"] as? [[Double]] ?? []
    let probs = entry["probs"] as? [Double] ?? []
    let marks = entry["landmarks"] as? [[[Double]]] ?? []
    return boxes.indices.map { i in
        ReferenceFace(box: boxes[i].map(Float.init), probability: Float(probs[i]),
                      landmarks: marks[i].map { Point2D($0[0], $0[1]) })
    }
}

/// Largest coordinate difference of box and of landmarks, and the probability difference.
func faceError(_ f: DetectedFace, _ r: ReferenceFace) -> (box: Double, landmarks: Double, prob: Double) {
    let box = zip(f.box.array, r.box).map { Double(abs($0 - $1)) }.max() ?? .infinity
    var lm = 0.0
    for (a, b) in zip(f.landmarks, r.landmarks) { lm = max(lm, abs(a.x - b.x), abs(a.y - b.y)) }
    return (box, lm, Double(abs(f.probability - r.probability)))
}

@Suite("MTCNN detections against facenet-pytorch 2.6.0 (16 images)")
struct DetectionTests {
    /// Tolerance from the test vectors' precision study (README "Tolerances"): a port that implements
    /// 'area' exactly matches boxes and landmarks to ~1e-3 px on most faces, but float rounding
    /// differences can flip discrete steps (thresholds, `trunc` in `pad`, NMS ties), which moved ~2 % of
    /// faces by up to 5.5 px between float32 and float64 runs of the reference itself.
    static let typicalPx = 1e-3
    static let jumpPx = 6.0
    static let maxJumps = 1
    static let probTolerance = 1e-3

    @Test("Boxes, probabilities and landmarks of every image within the README's tolerance",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func allImages() throws {
        let d = TestModels.detector!
        let json = try Shared.json("testvectors/mtcnn/detections.json")
        let images = json["images"] as? [String: [String: Any]] ?? [:]
        #expect(images.count == 16)
        var errors: [(String, Double, Double, Double)] = []
        for (id, entry) in images.sorted(by: { $0.key < $1.key }) {
            let image = try Shared.image(id)
            let faces = try d.detect(image)
            let ref = referenceFaces(entry)
            #expect(faces.count == (entry["num_faces"] as? Int ?? -1), "\(id): \(faces.count) faces, reference \(ref.count)")
            // Both lists are ordered by box area; match each reference face to the closest detection.
            var used = Set<Int>()
            for (k, r) in ref.enumerated() {
                let best = faces.indices.filter { !used.contains($0) }.min { faceError(faces[$0], r).box < faceError(faces[$1], r).box }
                guard let b = best else { Issue.record("\(id): reference face \(k) not found"); continue }
                used.insert(b)
                let e = faceError(faces[b], r)
                errors.append(("\(id)#\(k)", e.box, e.landmarks, e.prob))
                if b != k { print("\(id): reference face \(k) matched detection \(b) (order differs)") }
            }
            if let sel = entry["selected"] as? Int, !faces.isEmpty, sel < ref.count {
                let chosen = try FaceSelection.largest.select(faces, imageWidth: image.width, imageHeight: image.height)
                #expect(faceError(chosen[0], ref[sel]).box < Self.jumpPx, "\(id): selected face differs")
            }
        }
        let sortedBox = errors.map(\.1).sorted(), sortedLm = errors.map(\.2).sorted()
        func median(_ a: [Double]) -> Double { a.isEmpty ? 0 : a[a.count / 2] }
        print(String(format: "MTCNN vs reference: %d faces; box max-abs error median %.2e max %.2e px; landmarks median %.2e max %.2e px; prob max %.2e",
                     errors.count, median(sortedBox), sortedBox.last ?? 0, median(sortedLm), sortedLm.last ?? 0,
                     errors.map(\.3).max() ?? 0))
        for e in errors { print(String(format: "  %@ box %.3e  landmarks %.3e  prob %.3e", e.0, e.1, e.2, e.3)) }
        let jumps = errors.filter { max($0.1, $0.2) > Self.typicalPx }
        #expect(jumps.count <= Self.maxJumps, "faces beyond \(Self.typicalPx) px: \(jumps.map(\.0))")
        for e in errors {
            #expect(max(e.1, e.2) <= Self.jumpPx, "\(e.0): error \(max(e.1, e.2)) px")
            #expect(e.3 <= Self.probTolerance, "\(e.0): probability error \(e.3)")
        }
    }

    @Test("Selection policies on a real multi-face image (composite1: 6 faces)",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func selectionOnComposite() throws {
        let d = TestModels.detector!
        let image = try Shared.image("composite1")
        let all = try d.detect(image, selection: .all)
        #expect(all.count == 6)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.box.area >= $1.box.area })
        #expect(try d.detect(image, selection: .largest) == [all[0]])
        #expect(try d.detect(image, selection: .centre).count == 1)
        #expect(throws: DetectionError.multipleFaces(count: 6)) { try d.detect(image, selection: .rejectMultiple) }
        #expect(try d.detect(try Shared.image("lfw00"), selection: .rejectMultiple).count == 1)
    }

    @Test("Grey and noise images give no face", .enabled(if: TestModels.available, TestModels.skipMessage))
    func noFace() throws {
        let d = TestModels.detector!
        for id in ["grey", "noise"] { #expect(try d.detect(try Shared.image(id)).isEmpty, "\(id)") }
        // A tiny image below one P-Net window.
        #expect(try d.detect(try Image(width: 8, height: 8, fill: (90, 90, 90))).isEmpty)
    }
}

@Suite("Face selection policy")
struct FaceSelectionTests {
    func face(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) -> DetectedFace {
        DetectedFace(box: BoundingBox(x1: x1, y1: y1, x2: x2, y2: y2), probability: 0.99, landmarks: [])
    }

    @Test func policies() throws {
        let small = face(90, 90, 110, 110), big = face(0, 0, 60, 60)
        let faces = [small, big]
        #expect(try FaceSelection.largest.select(faces, imageWidth: 200, imageHeight: 200) == [big])
        #expect(try FaceSelection.default.select(faces, imageWidth: 200, imageHeight: 200) == [big])
        #expect(try FaceSelection.centre.select(faces, imageWidth: 200, imageHeight: 200) == [small])
        #expect(try FaceSelection.all.select(faces, imageWidth: 200, imageHeight: 200) == [big, small])
        #expect(try FaceSelection.rejectMultiple.select([small], imageWidth: 200, imageHeight: 200) == [small])
        #expect(throws: DetectionError.multipleFaces(count: 2)) {
            try FaceSelection.rejectMultiple.select(faces, imageWidth: 200, imageHeight: 200)
        }
        for p in FaceSelection.allCases { #expect(try p.select([], imageWidth: 10, imageHeight: 10).isEmpty) }
    }

    @Test func boxGeometry() {
        let b = BoundingBox(x1: 10, y1: 20, x2: 30, y2: 60)
        let s = b.squared()
        #expect(s == BoundingBox(x1: 0, y1: 20, x2: 40, y2: 60))
        #expect(b.cropRectangle(imageWidth: 100, imageHeight: 100)! == (9, 19, 21, 41))
        let out = BoundingBox(x1: -5.7, y1: -3, x2: 250.2, y2: 10)
        #expect(out.cropRectangle(imageWidth: 250, imageHeight: 250)! == (0, 0, 250, 10))
        #expect(BoundingBox(x1: 300, y1: 0, x2: 320, y2: 10).cropRectangle(imageWidth: 250, imageHeight: 250) == nil)
    }

    @Test func nms() {
        let boxes = [BoundingBox(x1: 0, y1: 0, x2: 10, y2: 10), BoundingBox(x1: 1, y1: 1, x2: 11, y2: 11),
                     BoundingBox(x1: 20, y1: 20, x2: 30, y2: 30), BoundingBox(x1: 2, y1: 2, x2: 8, y2: 8)]
        let scores: [Float] = [0.8, 0.9, 0.7, 0.95]
        // IoU(0,1) = 81/119 = 0.68; box 3 lies inside 0 and 1 (IoU 0.36 / 0.36).
        #expect(NonMaximumSuppression.select(boxes, scores: scores, threshold: 0.5, overlap: .union) == [3, 1, 2])
        #expect(NonMaximumSuppression.select(boxes, scores: scores, threshold: 0.7, overlap: .union) == [3, 1, 0, 2])
        // Min overlap: box 3 is inside the others → they are suppressed.
        #expect(NonMaximumSuppression.select(boxes, scores: scores, threshold: 0.7, overlap: .minimum) == [3, 2])
    }
}
