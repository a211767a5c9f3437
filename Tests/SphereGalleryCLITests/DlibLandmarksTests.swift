import Foundation
import Testing

@Suite(.enabled(if: PipelineFixtures.available, "needs ../shared and the models (make models)"))
struct DlibLandmarksTests {
    /// MTCNN box → `DlibBoxMapping` → shape predictor, end to end through `detect --template dlib`:
    /// on the 24 images of `testvectors/dlib` the points land where dlib's own pipeline (HOG box +
    /// the same predictor) puts them, up to the box difference.
    @Test func detectDlib5MatchesDlibsPipeline() throws {
        let dir = PipelineFixtures.shared.appendingPathComponent("testvectors/dlib")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("source").path)
            .filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(names.count == 24)
        let run = try CLI.run(["detect", "--json", "--select", "centre", "--template", "dlib"]
                              + names.map { dir.appendingPathComponent("source/\($0)").path })
        #expect(run.status == 0)
        var errors: [Double] = []
        for (name, line) in zip(names, run.json) {
            let stem = String(name.dropLast(4))
            let reference = try JSONSerialization.jsonObject(
                with: Data(contentsOf: dir.appendingPathComponent("landmarks/\(stem).json"))) as? [String: Any]
            let expected = try #require(reference?["points"] as? [[Double]])
            let face = try #require((line["faces"] as? [[String: Any]])?.first, "\(name): no face")
            let got = try #require(face["dlib5"] as? [[Double]], "\(name): no dlib5 points")
            #expect((face["dlib_box"] as? [Double])?.count == 4)
            for (g, e) in zip(got, expected) {
                errors.append(((g[0] - e[0]) * (g[0] - e[0]) + (g[1] - e[1]) * (g[1] - e[1])).squareRoot())
            }
        }
        let mean = errors.reduce(0, +) / Double(max(1, errors.count))
        print("detect dlib5 vs dlib's pipeline: mean \(mean) px, max \(errors.max() ?? 0) px over \(errors.count) points")
        #expect(errors.count == 24 * 5)
        #expect(mean < 0.8)
        #expect((errors.max() ?? .infinity) < 3)
    }

    /// `--landmarks dlib5` belongs to dlib's chip; with the SphereFace template it is refused.
    @Test func dlib5WithSphereFaceTemplateIsRefused() throws {
        let image = PipelineFixtures.shared.appendingPathComponent("testvectors/mtcnn/images/lfw00.png").path
        let run = try CLI.run(["detect", "--landmarks", "dlib5", "--template", "sphereface", image])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--template dlib"))
    }
}
