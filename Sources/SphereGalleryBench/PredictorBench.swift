import ArgumentParser
import FaceDetection
import Foundation
import Imaging
import NeuralNet

/// dlib's 5-point shape predictor per face, in the boxes the pipeline gives it (MTCNN's
/// detection mapped by `DlibBoxMapping`), on one core.
struct PredictorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor", abstract: "dlib 5-point shape predictor: ms per face (one thread).")

    @Option(help: "A file listing the image paths, one a line.") var list: String
    @Option(help: "Passes over the faces.") var rounds = 50

    func run() throws {
        Parallel.setBLASThreads(1)
        let paths = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let detector = try MTCNN.loadDefault()
        let predictor = try ShapePredictor.loadDefault()
        var faces: [(Image, ShapePredictor.Box)] = []
        for path in paths {
            let image = try ImageDecoder.decode(contentsOf: path)
            faces += try detector.detect(image).map { (image, DlibBoxMapping.box(for: $0)) }
        }
        guard !faces.isEmpty else { throw ValidationError("no face found in the listed images") }
        for (image, box) in faces { _ = predictor.predict(image, box: box) }   // warm-up
        var times: [Double] = []
        for _ in 0..<max(1, rounds) {
            times.append(measure { for (image, box) in faces { _ = predictor.predict(image, box: box) } })
        }
        printJSONLine(["tool": "sphere-gallery", "mode": "predictor", "faces": faces.count,
                       "ms_per_face": 1000 * median(times) / Double(faces.count), "runs_s": times])
    }
}
