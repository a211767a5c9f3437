import Foundation
import Testing
import Imaging
@testable import FaceDetection

@Suite("dlib shape predictor speed (SPHERE_BENCH=1)", .serialized)
struct ShapePredictorBenchmark {
    @Test("ms per face on the 24 testvectors/dlib images with dlib's boxes (one thread)",
          .enabled(if: MTCNNBenchmark.enabled && PredictorModel.available, "set SPHERE_BENCH=1 (and run `make models`)"))
    func perFace() throws {
        let predictor = try #require(PredictorModel.predictor)
        let refs = try ShapePredictorTests.references()
        for r in refs { _ = predictor.predict(r.image, box: r.box) }   // warm-up
        let rounds = Int(ProcessInfo.processInfo.environment["SPHERE_BENCH_ROUNDS"] ?? "") ?? 200
        var sink = 0.0
        let t0 = Date(), c0 = cpuSeconds()
        for _ in 0..<rounds { for r in refs { sink += predictor.predict(r.image, box: r.box)[0].x } }
        let seconds = Date().timeIntervalSince(t0), cpu = cpuSeconds() - c0
        let n = Double(rounds * refs.count)
        print(String(format: "shape predictor: %.3f ms/face wall, %.3f ms CPU (%d faces; 15 cascades × 500 trees); load average %@ [%.0f]",
                     1000 * seconds / n, 1000 * cpu / n, rounds * refs.count, loadAverage(), sink.truncatingRemainder(dividingBy: 1)))
    }
}
