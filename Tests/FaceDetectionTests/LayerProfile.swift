import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceDetection
#if canImport(Glibc)
import Glibc
#endif

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@Suite("MTCNN per-layer profile (SPHERE_BENCH=1)")
struct LayerProfile {
    @Test("wall and CPU time per layer", .enabled(if: MTCNNBenchmark.enabled && TestModels.available, "set SPHERE_BENCH=1"))
    func layers() throws {
        if let t = ProcessInfo.processInfo.environment["SPHERE_BLAS_THREADS"], let n = Int(t) { Parallel.setBLASThreads(n) }
        print("BLAS threads \(Parallel.blasThreads), workers \(Parallel.workerCount)")
        let d = TestModels.detector!
        func profile(_ name: String, _ layers: [(String, any Module)], _ input: Tensor, reps: Int) throws {
            var x = input
            var wall = [Double](repeating: 0, count: layers.count), cpu = wall
            for r in 0..<(reps + 1) {
                x = input
                for (i, l) in layers.enumerated() {
                    let w0 = Date(), c0 = cpuSeconds()
                    x = try l.1(x)
                    if r > 0 { wall[i] += Date().timeIntervalSince(w0); cpu[i] += cpuSeconds() - c0 }
                }
            }
            print("\(name) input \(input.shape):")
            for (i, l) in layers.enumerated() {
                print(String(format: "  %-8@ wall %7.3f ms  cpu %7.3f ms", l.0, 1000 * wall[i] / Double(reps), 1000 * cpu[i] / Double(reps)))
            }
        }
        func whole(_ name: String, reps: Int, _ body: () throws -> Void) rethrows {
            try body()
            let w0 = Date(), c0 = cpuSeconds()
            for _ in 0..<reps { try body() }
            print(String(format: "%@ fused: wall %.3f ms  cpu %.3f ms", name, 1000 * Date().timeIntervalSince(w0) / Double(reps),
                         1000 * (cpuSeconds() - c0) / Double(reps)))
        }
        let xp = Tensor.uniform([1, 3, 151, 151], bound: 1, seed: 1), xr = Tensor.uniform([46, 3, 24, 24], bound: 1, seed: 1)
        let xo = Tensor.uniform([8, 3, 48, 48], bound: 1, seed: 1)
        try whole("P-Net 151x151", reps: 20) { _ = try d.pnet.logitsAndRegression(xp) }
        try whole("R-Net 46", reps: 20) { _ = try d.rnet(xr) }
        try whole("O-Net 8", reps: 20) { _ = try d.onet(xo) }
        func fusedProfile(_ name: String, _ seq: Sequential, _ input: Tensor, reps: Int) {
            var ops: [(String, (Tensor) -> Tensor)] = []
            var i = 0
            let ls = seq.layers
            while i < ls.count {
                if let c = ls[i].module as? Conv2d {
                    let f = ConvPReLU(c, ls[i + 1].module as? PReLU)
                    ops.append((ls[i].name, { f($0) })); i += 2
                } else if let p = ls[i].module as? MaxPool2d {
                    let k = p.geometry.kernelSize.0, s = p.geometry.stride.0
                    ops.append((ls[i].name, { maxPoolCeil($0, kernel: k, stride: s) })); i += 1
                } else { break }
            }
            var wall = [Double](repeating: 0, count: ops.count), cpu = wall
            for r in 0...reps {
                var x = input
                for (j, op) in ops.enumerated() {
                    let w0 = Date(), c0 = cpuSeconds()
                    x = op.1(x)
                    if r > 0 { wall[j] += Date().timeIntervalSince(w0); cpu[j] += cpuSeconds() - c0 }
                }
            }
            print("\(name) fused layers, input \(input.shape):")
            for (j, op) in ops.enumerated() {
                print(String(format: "  %-8@ wall %7.3f ms  cpu %7.3f ms", op.0, 1000 * wall[j] / Double(reps), 1000 * cpu[j] / Double(reps)))
            }
        }
        for (name, seq, x) in [("P-Net", Sequential([("c", d.pnet.conv1), ("p", d.pnet.prelu1)]), xp),
                               ("R-Net", d.rnet.body, xr), ("O-Net", d.onet.body, xo)] {
            let conv = seq.layers[0].module as! Conv2d, prelu = seq.layers[1].module as! PReLU
            let gemm = ConvPReLU(conv, prelu), direct = DirectConvPReLU(conv, prelu)
            _ = gemm(x); _ = direct(x)
            let c0 = cpuSeconds()
            for _ in 0..<20 { _ = gemm(x) }
            let c1 = cpuSeconds()
            for _ in 0..<20 { _ = direct(x) }
            let c2 = cpuSeconds()
            print(String(format: "%@ conv1: im2col+GEMM %.3f ms CPU, direct SIMD %.3f ms CPU", name, (c1 - c0) * 50, (c2 - c1) * 50))
        }
        fusedProfile("R-Net", d.rnet.body, xr, reps: 20)
        fusedProfile("O-Net", d.onet.body, xo, reps: 20)
        let pseq = Sequential([("conv1", d.pnet.conv1), ("prelu1", d.pnet.prelu1), ("pool1", d.pnet.pool1), ("conv2", d.pnet.conv2),
                               ("prelu2", d.pnet.prelu2), ("conv3", d.pnet.conv3), ("prelu3", d.pnet.prelu3)])
        fusedProfile("P-Net", pseq, xp, reps: 20)
        if ProcessInfo.processInfo.environment["SPHERE_BENCH_LAYERS"] != "1" { return }
        let p = d.pnet
        try profile("P-Net", [("conv1", p.conv1), ("prelu1", p.prelu1), ("pool1", p.pool1), ("conv2", p.conv2), ("prelu2", p.prelu2),
                              ("conv3", p.conv3), ("prelu3", p.prelu3), ("head", p.head)],
                    Tensor.uniform([1, 3, 151, 151], bound: 1, seed: 1), reps: 20)
        try profile("R-Net", d.rnet.body.layers.map { ($0.name, $0.module) } + [("head", d.rnet.head)],
                    Tensor.uniform([46, 3, 24, 24], bound: 1, seed: 1), reps: 20)
        try profile("O-Net", d.onet.body.layers.map { ($0.name, $0.module) } + [("head", d.onet.head)],
                    Tensor.uniform([8, 3, 48, 48], bound: 1, seed: 1), reps: 20)
    }
}
