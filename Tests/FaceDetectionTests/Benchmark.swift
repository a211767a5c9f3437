import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceDetection

@Suite("MTCNN speed (SPHERE_BENCH=1)", .serialized)
struct MTCNNBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["SPHERE_BENCH"] == "1"

    @Test("images/s on the 12 LFW test images, with a per-stage breakdown",
          .enabled(if: enabled && TestModels.available, "set SPHERE_BENCH=1 (and provide the test vectors)"))
    func lfwThroughput() throws {
        if let t = ProcessInfo.processInfo.environment["SPHERE_BLAS_THREADS"], let n = Int(t) { Parallel.setBLASThreads(n) }
        let d = TestModels.detector!
        let images = try (0..<12).map { try Shared.image(String(format: "lfw%02d", $0)) }
        for im in images { _ = try d.detect(im) }   // warm-up (Winograd kernels, allocator)
        let rounds = Int(ProcessInfo.processInfo.environment["SPHERE_BENCH_ROUNDS"] ?? "") ?? 10
        var timing = MTCNN.StageTiming()
        let t0 = Date(), c0 = cpuSeconds()
        for _ in 0..<rounds { for im in images { _ = try d.detect(im, timing: &timing) } }
        let seconds = Date().timeIntervalSince(t0), cpu = cpuSeconds() - c0
        let n = Double(rounds * images.count)
        let rate = n / seconds
        print(String(format: "MTCNN: %.1f images/s (%.2f ms/image wall, %.2f ms CPU) on 12 LFW 250×250 images, BLAS threads %d; facenet-pytorch 27.7 images/s → %.2f×; load average %@",
                     rate, 1000 * seconds / n, 1000 * cpu / n, Parallel.blasThreads, rate / 27.7, loadAverage()))
        let parts: [(String, Double)] = [("pyramid+integral", timing.pyramid), ("P-Net", timing.pnet), ("proposals+NMS", timing.proposals),
                                         ("R-Net crops", timing.rnetCrops), ("R-Net", timing.rnet), ("O-Net crops", timing.onetCrops),
                                         ("O-Net", timing.onet), ("NMS/regression/final", timing.final)]
        let total = parts.map(\.1).reduce(0, +)
        for (name, t) in parts { print(String(format: "  %-22@ %6.2f ms/image  %5.1f %%", name, 1000 * t / n, 100 * t / total)) }
        print(String(format: "  candidates per image: R-Net %.1f, O-Net %.1f", Double(timing.rnetCandidates) / n, Double(timing.onetCandidates) / n))
    }
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

extension MTCNNBenchmark {
    @Test("images/s with one detector per core, images split between them (BLAS threads 1)",
          .enabled(if: enabled && TestModels.available, "set SPHERE_BENCH=1 (and provide the test vectors)"))
    func lfwThroughputParallel() async throws {
        Parallel.setBLASThreads(1)
        let images = try (0..<12).map { try Shared.image(String(format: "lfw%02d", $0)) }
        let workers = 2
        let detectors = (0..<workers).map { _ in TestModels.detector! }
        for d in detectors { for im in images { _ = try d.detect(im) } }
        let rounds = Int(ProcessInfo.processInfo.environment["SPHERE_BENCH_ROUNDS"] ?? "") ?? 10
        let t0 = Date(), c0 = cpuSeconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                let d = detectors[w]
                group.addTask {
                    for _ in 0..<rounds { for (i, im) in images.enumerated() where i % workers == w { _ = try d.detect(im) } }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Date().timeIntervalSince(t0), cpu = cpuSeconds() - c0
        let n = Double(rounds * images.count)
        print(String(format: "MTCNN %d detectors in parallel: %.1f images/s (%.2f ms CPU/image); facenet-pytorch 27.7 images/s → %.2f×; load average %@",
                     workers, n / seconds, 1000 * cpu / n, n / seconds / 27.7, loadAverage()))
    }
}
