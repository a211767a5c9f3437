import FaceDetection
import Foundation
import Imaging
import Testing
@testable import FaceRecognition

/// The Imaging fixtures: one LFW face in every format (Tests/ImagingTests/Fixtures).
private let imagingFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ImagingTests/Fixtures").path

@Suite(.enabled(if: Fixtures.available, "needs LFW in ../shared/data/lfw and the models (make models)"))
struct PhotoFormatTests {
    @Test func aFolderOfEveryFormatEnrolsEveryFaceAndReportsTheBadFile() throws {
        let dir = TemporaryDirectory()
        let person = dir.path("people/abel")
        try FileManager.default.createDirectory(atPath: person, withIntermediateDirectories: true)
        let photos = ["reference.png", "photo-named.jpg", "alpha.webp", "photo.heic", "photo.avif", "orientation6.heic",
                      "still.gif", "rgb24.bmp", "rgb.tiff", "orientation8.jpg"]
        for name in photos {
            try FileManager.default.copyItem(atPath: imagingFixtures + "/" + name, toPath: person + "/" + name)
        }
        // An extensionless photo is taken by content; a text file is not an image; a cut HEIC is reported.
        try FileManager.default.copyItem(atPath: imagingFixtures + "/lossless.webp", toPath: person + "/IMG_0042")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: person + "/notes.txt"))
        let heic = try Data(contentsOf: URL(fileURLWithPath: imagingFixtures + "/photo.heic"))
        try heic.prefix(heic.count / 2).write(to: URL(fileURLWithPath: person + "/cut.heic"))

        let found = try ImageInputs.people(in: [dir.path("people")])
        let names = Set(found.map { ($0.file as NSString).lastPathComponent })
        #expect(names == Set(photos + ["IMG_0042", "cut.heic"]))

        let recognizer = try FaceRecognizer.create(gallery: dir.path("g.sqlite"))
        defer { try? recognizer.close() }
        let reports = try recognizer.enrol(found.map { EnrolmentItem(identity: $0.identity, input: .file($0.file)) })
        for report in reports {
            let expected: EnrolmentOutcome = report.file.hasSuffix("cut.heic") ? .unreadable : .enrolled
            #expect(report.outcome == expected, "\(report.file): \(report.outcome) \(report.detail ?? "")")
        }
        #expect(reports.first { $0.file.hasSuffix("cut.heic") }?.detail?.contains("cut.heic") == true)
    }

    @Test func aLargePhotoDetectedReducedGivesTheFullResolutionFaceAndVector() throws {
        // The reference face enlarged 6× on a 2400 × 1800 grey canvas: the face is about 300 px wide.
        let face = try ImageDecoder.decode(contentsOf: imagingFixtures + "/reference.png")
            .resized(width: 600, height: 600, method: .bilinear)
        var canvas = try Image(width: 2400, height: 1800, fill: (120, 120, 120))
        for y in 0..<600 {
            for x in 0..<600 {
                let s = (y * 600 + x) * 3, d = ((y + 900) * 2400 + x + 1500) * 3
                canvas.pixels[d] = face.pixels[s]; canvas.pixels[d + 1] = face.pixels[s + 1]; canvas.pixels[d + 2] = face.pixels[s + 2]
            }
        }
        let input = ImageInput.data(Data(try JPEGEncoder.encode(canvas, quality: 92)), name: "large.jpg")
        let full = try FacePipeline(workers: 1, detection: .full).prepare(input, selection: .largest)
        let reducedPipeline = try FacePipeline(workers: 1, detection: .maxSide(600))
        let reduced = reducedPipeline.prepare(input, selection: .largest)
        #expect(reduced.width == 2400 && reduced.height == 1800 && reduced.failure == nil)
        let a = try #require(full.faces.first), b = try #require(reduced.faces.first)
        let width = a.face.box.width
        let offset = zip(a.face.box.array, b.face.box.array).map { abs($0 - $1) }.max() ?? .infinity
        #expect(offset < 0.06 * width, "full \(a.face.box.array) vs reduced \(b.face.box.array)")
        let vectors = try reducedPipeline.embed([a.crop, b.crop])
        let cosine = zip(vectors[0], vectors[1]).map(*).reduce(0, +)
        #expect(cosine > 0.97, "cosine \(cosine)")
    }
}
