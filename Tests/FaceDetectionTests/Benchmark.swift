import Foundation
import Testing
import Imaging
@testable import FaceDetection

@Suite("MTCNN speed (SPHERE_BENCH=1)")
struct MTCNNBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["SPHERE_BENCH"] == "1"

    @Test("images/s on the 12 LFW test images, with a per-stage breakdown",
          .enabled(if: enabled && TestModels.available, "set SPHERE_BENCH=1 (and provide the test vectors)"))
    func lfwThroughput() throws {
        let d = TestModels.detector!
        let images = try (0..<12).map { try Shared.image(String(format: "lfw%02d", $0)) }
        for im in images { _ = try d.detect(im) }   // warm-up (Winograd kernels, allocator)
        let rounds = Int(ProcessInfo.processInfo.environment["SPHERE_BENCH_ROUNDS"] ?? "") ?? 10
        var timing = MTCNN.StageTiming()
        let t0 = Date()
        for _ in 0..<rounds { for im in images { _ = try d.detect(im, timing: &timing) } }
        let seconds = Date().timeIntervalSince(t0)
        let n = Double(rounds * images.count)
        let rate = n / seconds
        print(String(format: "MTCNN: %.1f images/s (%.2f ms/image) on 12 LFW 250×250 images; facenet-pytorch 27.7 images/s → %.2f×",
                     rate, 1000 * seconds / n, rate / 27.7))
        let parts: [(String, Double)] = [("pyramid+integral", timing.pyramid), ("P-Net", timing.pnet), ("proposals+NMS", timing.proposals),
                                         ("R-Net crops", timing.rnetCrops), ("R-Net", timing.rnet), ("O-Net crops", timing.onetCrops),
                                         ("O-Net", timing.onet), ("NMS/regression/final", timing.final)]
        let total = parts.map(\.1).reduce(0, +)
        for (name, t) in parts { print(String(format: "  %-22@ %6.2f ms/image  %5.1f %%", name, 1000 * t / n, 100 * t / total)) }
        print(String(format: "  candidates per image: R-Net %.1f, O-Net %.1f", Double(timing.rnetCandidates) / n, Double(timing.onetCandidates) / n))
    }
}
