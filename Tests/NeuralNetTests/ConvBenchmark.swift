import Foundation
import Testing
@testable import NeuralNet

/// Per-layer convolution timings for the sphere20a shapes (skipped unless `SPHERE_BENCH=1`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SPHERE_BENCH"] == "1", "benchmark: run with SPHERE_BENCH=1"))
struct ConvBenchmark {
    static func cpuTime() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    @Test func stride1Convolutions() throws {
        let env = ProcessInfo.processInfo.environment
        let batch = Int(env["SPHERE_BENCH_CONV_BATCH"] ?? "") ?? 16
        if let t = env["SPHERE_BENCH_BLAS_THREADS"], let n = Int(t) { Parallel.setBLASThreads(n) }
        if let b = env["SPHERE_BENCH_GROUP_BUDGET"], let n = Int(b) { winogradGroupBudget = n }
        var lines: [String] = []
        for (c, h, w) in [(64, 56, 48), (128, 28, 24), (256, 14, 12), (512, 7, 6)] {
            let conv = try Conv2d(inputChannels: c, outputChannels: c, kernelSize: 3, padding: 1)
            let x = Tensor.uniform([batch, c, h, w], bound: 1, seed: 1)
            var best: [String: Double] = [:]
            let variants: [(String, Bool, Conv2d.WinogradTile)] = [("im2col", false, .automatic), ("F2x2", true, .f2x2), ("F4x4", true, .f4x4)]
            for _ in 0..<3 {
                for (name, wino, tile) in variants {
                    conv.useWinograd = wino
                    conv.winogradTile = tile
                    _ = try conv(x)
                    let c0 = Self.cpuTime()
                    _ = try conv(x)
                    best[name] = min(best[name] ?? .infinity, Self.cpuTime() - c0)
                }
            }
            lines.append(String(format: "%3d ch %2dx%2d: im2col %6.1f  F2x2 %6.1f  F4x4 %6.1f  ms CPU/img", c, h, w,
                                best["im2col"]! * 1000 / Double(batch), best["F2x2"]! * 1000 / Double(batch), best["F4x4"]! * 1000 / Double(batch)))
        }
        print("3x3 stride-1 conv, batch \(batch), BLAS threads \(Parallel.blasThreads):\n  " + lines.joined(separator: "\n  "))
    }
}
