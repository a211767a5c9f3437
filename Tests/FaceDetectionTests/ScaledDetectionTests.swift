import Foundation
import Testing
import Imaging
@testable import FaceDetection

/// The Imaging fixtures: one LFW face in every format (Tests/ImagingTests/Fixtures).
private let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ImagingTests/Fixtures").path
private let colourFixtures = ["lossy.webp", "lossless.webp", "alpha.webp", "orientation6.webp", "animated.webp",
                              "photo-named.jpg", "photo.heic", "photo.avif", "orientation6.heic", "still.gif",
                              "transparent.gif", "rgb24.bmp", "palette8.bmp", "rgb.tiff", "cmyk.tiff",
                              "orientation3.tiff", "orientation6.png", "cmyk.jpg", "orientation8.jpg"]

@Suite("Faces of every format and of reduced decodes")
struct ScaledDetectionTests {
    @Test("every format's fixture gives the reference's face box (within 3 px) and landmarks (within 3 px)",
          .enabled(if: TestModels.available, TestModels.skipMessage), arguments: colourFixtures)
    func sameFaceEveryFormat(name: String) throws {
        let detector = try #require(TestModels.detector)
        let reference = try #require(try detector.detect(ImageDecoder.decode(contentsOf: fixtureDirectory + "/reference.png")).first)
        let found = try detector.detect(ImageDecoder.decode(contentsOf: fixtureDirectory + "/" + name))
        #expect(found.count == 1, "\(name): \(found.count) faces")
        guard let face = found.first else { return }
        let d = zip(face.box.array, reference.box.array).map { abs($0 - $1) }.max() ?? .infinity
        #expect(d <= 3, "\(name): box \(face.box.array) vs \(reference.box.array)")
        let l = zip(face.landmarks, reference.landmarks).map { ($0 - $1).x.magnitude + ($0 - $1).y.magnitude }.max() ?? .infinity
        #expect(l <= 3, "\(name): landmarks differ by \(l) px")
    }

    @Test("scaling a face keeps pixel centres aligned and round-trips")
    func faceScaling() {
        let face = DetectedFace(box: BoundingBox(x1: 10, y1: 20, x2: 30, y2: 50), probability: 0.9,
                                landmarks: [Point2D(15, 25), Point2D(25, 25), Point2D(20, 35), Point2D(16, 42), Point2D(24, 42)])
        let half = face.scaled(x: 0.5, y: 0.5)
        #expect(half.box.x1 == 4.75 && half.box.y2 == 24.75)      // (10 + ½)·½ − ½, (50 + ½)·½ − ½
        let back = half.scaled(x: 2, y: 2)
        #expect(back.box == face.box && back.landmarks == face.landmarks && back.probability == 0.9)
    }

    @Test("a face found on a reduced decode is where the full-resolution detector finds it",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func reducedDetection() throws {
        let detector = try #require(TestModels.detector)
        // The reference face enlarged 4× in a 400×400 JPEG, detected with the longest side at 200.
        let reference = try ImageDecoder.decode(contentsOf: fixtureDirectory + "/reference.png")
        let big = try reference.resized(width: 400, height: 400, method: .bilinear)
        let encoded = try EncodedImage(data: Data(try JPEGEncoder.encode(big, quality: 95)), name: "big.jpg")
        let full = try #require(try detector.detect(encoded, maxSide: nil).faces.first)
        let reduced = try detector.detect(encoded, maxSide: 200)
        #expect(reduced.detectionImage.image.width == 200 && reduced.originalWidth == 400)
        let face = try #require(reduced.faces.first)
        let d = zip(face.box.array, full.box.array).map { abs($0 - $1) }.max() ?? .infinity
        #expect(d <= 8, "reduced \(face.box.array) vs full \(full.box.array)")

        // Crops: a 60-px minimum fits the 200-px decode (the face is ~100 px there); 300 px needs a re-decode.
        let small = try reduced.cropSource(for: [face], minimumFaceSide: 60)
        #expect(small.image.width == 200 && abs(small.faces[0].box.width - face.box.width / 2) < 0.01)
        let large = try reduced.cropSource(for: [face], minimumFaceSide: 300)
        #expect(large.image.width == 400 && large.faces[0].box == face.box)
    }
}

@Suite struct DetectionResolutionTests {
    /// `automatic`: a quarter of the longest side, within 1280…1600.
    @Test func automaticFollowsThePhotoSize() {
        let auto = DetectionResolution.automatic
        #expect(auto.maxSide(width: 250, height: 250) == 1280)      // small: nothing to reduce
        #expect(auto.maxSide(width: 4000, height: 3000) == 1280)    // 12 MP
        #expect(auto.maxSide(width: 6000, height: 4000) == 1500)    // 24 MP: 40 px faces are 10 px here
        #expect(auto.maxSide(width: 4000, height: 6000) == 1500)
        #expect(auto.maxSide(width: 12000, height: 9000) == 1600)   // 108 MP: bounded
        #expect(DetectionResolution.full.maxSide(width: 6000, height: 4000) == nil)
        #expect(DetectionResolution.maxSide(900).maxSide(width: 6000, height: 4000) == 900)
    }

    @Test func parsesItsArgument() {
        #expect(DetectionResolution("auto") == .automatic)
        #expect(DetectionResolution("full") == .full)
        #expect(DetectionResolution("1600") == .maxSide(1600))
        #expect(DetectionResolution("12") == nil && DetectionResolution("big") == nil)
        #expect(DetectionResolution.automatic.description == "auto")
    }
}
