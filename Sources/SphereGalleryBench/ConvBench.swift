import ArgumentParser
import Foundation
import NeuralNet

/// 3×3 stride-1 convolutions at the sphere20a shapes, each way the engine can compute them:
/// im2col + GEMM, Winograd F(2×2, 3×3) and F(4×4, 3×3). CPU time, so a busy machine still
/// gives a fair comparison. `--backward` times the backward pass (weight, bias and input
/// gradients) instead.
struct ConvBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv", abstract: "3×3 stride-1 convolutions: im2col vs Winograd F2x2 / F4x4, ms CPU per image.")

    @Option var batch = 16
    @Option var runs = 3
    @Flag(help: "Time the backward pass (after a training-mode forward) instead of the forward pass.") var backward = false

    func run() throws {
        Parallel.setBLASThreads(1)
        let variants: [(String, Bool, Conv2d.WinogradTile)] = [("im2col", false, .automatic), ("F2x2", true, .f2x2), ("F4x4", true, .f4x4)]
        for (channels, height, width) in [(64, 56, 48), (128, 28, 24), (256, 14, 12), (512, 7, 6)] {
            let conv = try Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1)
            conv.training = backward
            let x = Tensor.uniform([batch, channels, height, width], bound: 1, seed: 1)
            let gradient = Tensor.uniform([batch, channels, height, width], bound: 1, seed: 2)
            var best: [String: Double] = [:]
            for _ in 0..<max(1, runs) {
                for (name, winograd, tile) in variants {
                    conv.useWinograd = winograd
                    conv.winogradTile = tile
                    _ = try conv(x)
                    if backward { _ = try conv.backward(gradient) }
                    let start = cpuSeconds()
                    if backward { _ = try conv.backward(gradient) } else { _ = try conv(x) }
                    best[name] = min(best[name] ?? .infinity, cpuSeconds() - start)
                }
            }
            var line: [String: Any] = ["tool": "sphere-gallery", "mode": "conv", "channels": channels,
                                       "height": height, "width": width, "batch": batch,
                                       "pass": backward ? "backward" : "forward"]
            for (name, seconds) in best { line["\(name)_ms_cpu_per_image"] = 1000 * seconds / Double(batch) }
            printJSONLine(line)
        }
    }
}
