import Foundation
import Testing

@Suite(.enabled(if: PipelineFixtures.available, "needs ../shared and the models (make models)"))
struct DetectCommandTests {
    /// `detect --json`: one line per image, faces with box/score/5 landmarks; an unreadable
    /// file is an "error" line and a non-zero exit after the others are done; crops are written.
    @Test func jsonLinesCropsAndErrors() throws {
        let dir = TemporaryDirectory()
        let images = PipelineFixtures.shared.appendingPathComponent("testvectors/mtcnn/images")
        let bogus = dir.path("bogus.jpg")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: bogus))
        let run = try CLI.run(["detect", "--json", "--crops", dir.path("crops"),
                               images.appendingPathComponent("lfw00.png").path, bogus,
                               images.appendingPathComponent("grey.png").path])
        #expect(run.status != 0, "an unreadable image makes the exit status non-zero")
        let lines = run.json
        #expect(lines.count == 3)
        let first = lines.first ?? [:]
        #expect(first["width"] as? Int == 250 && first["height"] as? Int == 250)
        let faces = first["faces"] as? [[String: Any]] ?? []
        #expect(!faces.isEmpty)
        for face in faces {
            #expect((face["box"] as? [Double])?.count == 4)
            #expect((face["landmarks"] as? [[Double]])?.count == 5)
            #expect((face["score"] as? Double ?? 0) > 0.7)
        }
        #expect(lines[1]["error"] is String)
        #expect((lines[2]["faces"] as? [Any])?.isEmpty == true, "a grey image has no face")
        let crops = try FileManager.default.contentsOfDirectory(atPath: dir.path("crops"))
        #expect(crops.count == faces.count)
    }
}
