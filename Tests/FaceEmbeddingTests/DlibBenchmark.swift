import Foundation
import Testing
import NeuralNet
@testable import FaceEmbedding

/// dlib-resnet inference throughput with the real weights. Skipped unless `SPHERE_BENCH=1` (and the
/// model is in the cache). Env: `SPHERE_BENCH_BATCHES` (default `1,16`), `SPHERE_BENCH_BLAS_THREADS`.
/// Prints descriptors/s per batch size, the CPU-time bound, and the time per layer at the largest batch.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SPHERE_BENCH"] == "1" && DlibTestData.modelPath != nil,
                "benchmark: run with SPHERE_BENCH=1 (needs `make models`)"))
struct DlibBenchmark {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    static func cpuTime() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    @Test func dlibResNetThroughput() throws {
        let env = ProcessInfo.processInfo.environment
        if let t = env["SPHERE_BENCH_BLAS_THREADS"], let n = Int(t) { Parallel.setBLASThreads(n) }
        let net = try DlibResNet.fromCache()
        if env["SPHERE_BENCH_NO_WINOGRAD"] == "1" {
            for b in net.blocks { b.conv1.useWinograd = false; b.conv2.useWinograd = false }
        }
        let batches = (env["SPHERE_BENCH_BATCHES"] ?? "1,16").split(separator: ",").compactMap { Int($0) }
        let seconds = Double(env["SPHERE_BENCH_SECONDS"] ?? "") ?? 2
        var lines: [String] = []
        for b in batches {
            let x = Tensor.uniform([b, 3, 150, 150], bound: 0.5, seed: 1)
            _ = try net.descriptors(x)  // warm-up: Winograd kernels, page faults
            var best = Double.infinity, bestCPU = Double.infinity
            // 3 rounds of about `seconds / 3` each; report the best round
            let once = { () throws -> Double in let t0 = Self.now(); _ = try net.descriptors(x); return Self.now() - t0 }
            let iters = max(1, Int(seconds / 3 / max(1e-4, try once())))
            for _ in 0..<3 {
                let t0 = Self.now(), c0 = Self.cpuTime()
                for _ in 0..<iters { _ = try net.descriptors(x) }
                best = min(best, (Self.now() - t0) / Double(iters))
                bestCPU = min(bestCPU, (Self.cpuTime() - c0) / Double(iters))
            }
            lines.append(String(format: "batch %3d: %7.1f descriptors/s  (%.2f ms/batch; CPU %.2f ms/descriptor → %.1f/s if %d cores were free)",
                                b, Double(b) / best, best * 1000, bestCPU * 1000 / Double(b),
                                Double(Parallel.workerCount * b) / bestCPU, Parallel.workerCount))
        }
        print("dlib-resnet inference (BLAS threads \(Parallel.blasThreads), workers \(Parallel.workerCount)); dlib: 13/s per core:\n  "
              + lines.joined(separator: "\n  "))

        // Per-layer breakdown at the largest batch (sum of 3 passes, after the warm-up above).
        let b = batches.max() ?? 16
        let x = Tensor.uniform([b, 3, 150, 150], bound: 0.5, seed: 2)
        // wall and CPU time (all threads; robust on a busy machine) per layer
        var perLayer: [(String, Double, Double)] = []
        var index: [String: Int] = [:]
        for _ in 0..<3 {
            var c0 = Self.cpuTime()
            _ = try net.descriptors(x) { label, t in
                let c = Self.cpuTime(), dc = c - c0
                c0 = c
                if let i = index[label] { perLayer[i].1 += t; perLayer[i].2 += dc } else {
                    index[label] = perLayer.count; perLayer.append((label, t, dc))
                }
            }
        }
        let total = perLayer.reduce(0) { $0 + $1.1 }, totalCPU = perLayer.reduce(0) { $0 + $1.2 }
        var groups: [String: (Double, Double)] = [:]
        for (label, t, ct) in perLayer {
            let key: String
            if label.contains("conv1 3×3/2") { key = "conv 3×3/2 (im2col)" }
            else if label.contains("conv") && label.contains("3×3/1") { key = "conv 3×3/1 (Winograd)" }
            else if label.hasPrefix("stem conv") { key = "stem conv 7×7/2 (im2col)" }
            else if label.contains("max pool") { key = "stem max pool + relu" }
            else if label.contains("merge") { key = "residual merge + relu" }
            else if label.contains("relu") { key = "relu" }
            else { key = label }
            groups[key, default: (0, 0)].0 += t
            groups[key, default: (0, 0)].1 += ct
        }
        let fmt = { (l: String, t: Double, ct: Double) in
            String(format: "%-40@ wall %7.2f ms/batch %5.1f%%   CPU %7.2f ms/batch %5.1f%%",
                   l, t * 1000 / 3, 100 * t / total, ct * 1000 / 3, 100 * ct / totalCPU)
        }
        print("per-layer time at batch \(b) (wall \(String(format: "%.1f", total * 1000 / 3)) ms/batch, CPU \(String(format: "%.1f", totalCPU * 1000 / 3)) ms/batch):\n  "
              + perLayer.map(fmt).joined(separator: "\n  ")
              + "\nby kind:\n  " + groups.sorted { $0.value.1 > $1.value.1 }.map { fmt($0.key, $0.value.0, $0.value.1) }.joined(separator: "\n  "))
    }
}
