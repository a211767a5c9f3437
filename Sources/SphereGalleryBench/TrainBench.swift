import ArgumentParser
import FaceEmbedding
import Foundation
import NeuralNet

/// One full A-Softmax SGD step on random input, the work of `torch_sphere.py --mode train`:
/// zero_grad, forward through fc5 and AngleLinear (m = 4), AngleLoss, backward,
/// SGD(momentum 0.9, weight decay 5e-4).step(). The learning rate is 1e-3 rather than the
/// peer's 0.1: the same random batch again and again at 0.1 drives the loss to infinity
/// within a few steps at 10,572 classes (our trainer stops there; PyTorch carries NaNs on),
/// and the rate changes no work.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "sphere20a/36a/64a training images/s (forward + A-Softmax loss + backward + SGD step).")

    @Option var net = "sphere20a"
    @Option var batch = 32
    @Option(help: "Comma-separated class counts of the A-Softmax head.") var classes = "1000,10572"
    @Option var runs = 5
    @Option var warmup = 2
    @Flag(help: "Also print where a step's time goes (forward, head, backward, SGD step).") var profile = false

    func run() throws {
        Parallel.setBLASThreads(1)
        guard SphereNet.Depth(rawValue: net) != nil else { throw ValidationError("unknown net \(net)") }
        for c in classes.split(separator: ",").compactMap({ Int($0) }) {
            var cfg = TrainingConfiguration()
            cfg.net = net
            cfg.batchSize = batch
            cfg.learningRate = 0.001
            let labels = (0..<batch).map { ($0 * 7919) % c }
            let trainer = try Trainer(configuration: cfg, classes: (0..<c).map { "c\($0)" },
                                      samples: labels.map { TrainingSample(path: "-", label: $0) })
            let input = Tensor.uniform([batch, 3, 112, 96], bound: 1, seed: 1)
            for _ in 0..<warmup { _ = try trainer.step(input, labels: labels) }
            var times: [Double] = []
            for _ in 0..<runs { times.append(try measure { _ = try trainer.step(input, labels: labels) }) }
            var row: [String: Any] = ["tool": "sphere-gallery", "net": net, "mode": "train", "batch": batch, "classes": c,
                                      "images_per_s": Double(batch) / median(times), "median_s": median(times), "runs_s": times]
            if profile { row["profile_s"] = try phases(trainer, input, labels) }
            printJSONLine(row)
        }
    }

    /// Median seconds of each phase of a step over `runs` steps.
    private func phases(_ t: Trainer, _ x: Tensor, _ labels: [Int]) throws -> [String: Double] {
        var f: [Double] = [], h: [Double] = [], b: [Double] = [], s: [Double] = []
        t.net.training = true
        for _ in 0..<runs {
            t.optimizer.zeroGrad()
            var e = x, r: HeadResult?
            f.append(try measure { e = try t.net(x) })
            h.append(try measure { r = try t.head.lossAndGradient(e, labels: labels, iteration: 100) })
            b.append(try measure { _ = try t.net.backward(r!.gradient) })
            s.append(measure { t.optimizer.step() })
        }
        return ["forward": median(f), "head": median(h), "backward": median(b), "sgd_step": median(s)]
    }
}
