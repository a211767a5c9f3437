import Foundation
import Testing
import NeuralNet
@testable import FaceEmbedding

/// sphere20a inference throughput (full width 64/128/256/512, random weights).
/// Skipped unless `SPHERE_BENCH=1`; prints images/s per batch size and where the time goes.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SPHERE_BENCH"] == "1",
                "benchmark: run with SPHERE_BENCH=1"))
struct SphereBenchmark {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    /// Process CPU time (user + system), seconds: on a shared machine `cores / cpuPerImage` bounds the
    /// throughput an idle machine would give.
    static func cpuTime() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    @Test func sphere20aThroughput() throws {
        let net = try SphereNet(depth: .sphere20a)
        let env = ProcessInfo.processInfo.environment
        if let t = env["SPHERE_BENCH_BLAS_THREADS"], let n = Int(t) { Parallel.setBLASThreads(n) }
        let batches = (env["SPHERE_BENCH_BATCHES"] ?? "1,16,64").split(separator: ",").compactMap { Int($0) }
        var lines: [String] = []
        for b in batches {
            let x = Tensor.uniform([b, 3, 112, 96], bound: 1, seed: 1)
            _ = try net(x)  // warm-up (Winograd kernels, page faults)
            let iters = max(1, 32 / b)
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<2 {
                let t0 = Self.now(), c0 = Self.cpuTime()
                for _ in 0..<iters { _ = try net(x) }
                best = min(best, (Self.now() - t0) / Double(iters))
                bestCPU = min(bestCPU, (Self.cpuTime() - c0) / Double(iters))
            }
            lines.append(String(format: "batch %3d: %7.1f img/s  (%.1f ms/batch; CPU %.1f ms/img → %.1f img/s if %d cores were free)",
                                b, Double(b) / best, best * 1000, bestCPU * 1000 / Double(b),
                                Double(Parallel.workerCount * b) / bestCPU, Parallel.workerCount))
        }
        print("sphere20a inference (BLAS threads \(Parallel.blasThreads), workers \(Parallel.workerCount)):\n  " + lines.joined(separator: "\n  "))
        // Per-layer breakdown at the largest batch.
        let b = batches.max() ?? 16
        let x = Tensor.uniform([b, 3, 112, 96], bound: 1, seed: 2)
        var times: [String: Double] = [:]
        func timed<T>(_ key: String, _ f: () throws -> T) rethrows -> T {
            let t0 = Self.now(); let r = try f(); times[key, default: 0] += Self.now() - t0; return r
        }
        var y = x
        for (s, st) in net.stages.enumerated() {
            y = try timed("stage\(s + 1) conv s2 (+prelu)") { try st.opening.conv.forward(y, prelu: st.opening.relu) }
            for (a, bb) in st.residual {
                let r1 = try timed("stage\(s + 1) conv s1 (+prelu)") { try a.conv.forward(y, prelu: a.relu) }
                y = try timed("stage\(s + 1) conv s1 (+prelu+add)") { try bb.conv.forward(r1, prelu: bb.relu, residual: y) }
            }
        }
        let e = try timed("fc5") { try net.fc5(y) }
        #expect(e.shape == [b, 512])
        let total = times.values.reduce(0, +)
        let rows = times.sorted { $0.value > $1.value }.map { String(format: "%-18@ %7.1f ms  %5.1f%%", $0.key, $0.value * 1000, 100 * $0.value / total) }
        print("per-layer time at batch \(b) (one pass, \(String(format: "%.1f", total * 1000)) ms):\n  " + rows.joined(separator: "\n  "))
    }
}
