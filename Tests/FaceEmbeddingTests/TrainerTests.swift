import Foundation
import Imaging
import NeuralNet
import Testing
@testable import FaceEmbedding
import SeededRandom

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "sg-train-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// `classes` identities × `perClass` 112×96 PNG crops: each class a distinct colour layout plus noise
/// (linearly separable), written as DIR/id<c>/<i>.png.
func writeSyntheticCrops(to dir: String, classes: Int, perClass: Int, seed: UInt64 = 1) throws {
    var rng = SplitMix64(seed: seed)
    for c in 0..<classes {
        let folder = (dir as NSString).appendingPathComponent("id\(c)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<perClass {
            var px = [UInt8](repeating: 0, count: 112 * 96 * 3)
            for y in 0..<112 {
                for x in 0..<96 {
                    let band = (c == 0 ? y / 28 : c == 1 ? x / 24 : (x + y) / 52) % 2
                    for ch in 0..<3 {
                        let base = band == 0 ? 40 + 60 * ((c + ch) % 3) : 200 - 50 * ((c * 2 + ch) % 3)
                        px[(y * 96 + x) * 3 + ch] = UInt8(clamping: base + Int(rng.next() % 41) - 20)
                    }
                }
            }
            try PNGWriter.write(try Image(width: 96, height: 112, pixels: px), to: (folder as NSString).appendingPathComponent("\(i).png"))
        }
    }
}

func tinyConfiguration(margin: Int = 4, epochs: Int = 2, batch: Int = 8) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.net = "sphere4"
    c.widths = [4, 4, 8, 8]
    c.features = 3
    c.margin = margin
    c.batchSize = batch
    c.epochs = epochs
    c.learningRate = 0.05
    c.seed = 3
    return c
}

@Suite struct TrainerTests {
    /// d(loss)/d(parameter) of a full training step (sphere4 → fc5 → AngleLinear → AngleLoss)
    /// against central differences of the loss, on the parameters with the largest gradients.
    @Test(arguments: [1, 4]) func stepGradientsMatchFiniteDifferences(_ m: Int) throws {
        var cfg = tinyConfiguration(margin: m)
        cfg.widths = [2, 2, 2, 2]
        let labels = [0, 1, 2, 1]
        let trainer = try Trainer(configuration: cfg, classes: ["a", "b", "c"],
                                  samples: labels.map { TrainingSample(path: "-", label: $0) })
        let x = Tensor.uniform([4, 3, 112, 96], bound: 1, seed: 5)
        func loss() throws -> Double {
            trainer.net.training = true
            return Double(try trainer.head.lossAndGradient(trainer.net(x), labels: labels, iteration: 100).loss)
        }
        trainer.optimizer.zeroGrad()
        trainer.net.training = true
        let r = try trainer.head.lossAndGradient(trainer.net(x), labels: labels, iteration: 100)
        _ = try trainer.net.backward(r.gradient)
        // snapshot: the loss evaluations below run the head's backward again, which accumulates
        let grads = trainer.namedParameters.map { $0.1.grad.scalars }
        var checked = 0, worst = 0.0
        for (k, (name, p)) in trainer.namedParameters.enumerated() {
            // the 3 largest gradient entries of each parameter tensor
            let g = grads[k]
            let top = g.indices.sorted { abs(g[$0]) > abs(g[$1]) }.prefix(3)
            for i in top where abs(g[i]) > 1e-3 {
                let v = p.value.pointer[i]
                let eps: Float = max(1e-3, 1e-2 * abs(v))
                p.value.pointer[i] = v + eps; p.markModified(); let lp = try loss()
                p.value.pointer[i] = v - eps; p.markModified(); let lm = try loss()
                p.value.pointer[i] = v; p.markModified()
                let fd = (lp - lm) / Double(2 * eps)
                let err = abs(fd - Double(g[i])) / max(abs(fd), abs(Double(g[i])))
                worst = max(worst, err)
                #expect(err < 0.05, "m = \(m) \(name)[\(i)]: backward \(g[i]) vs finite difference \(fd)")
                checked += 1
            }
        }
        #expect(checked >= 10)
        print("m = \(m): \(checked) gradient entries, worst relative error vs finite differences \(worst)")
    }

    @Test(arguments: ["asoftmax", "softmax"]) func lossDecreasesOnSeparableData(_ head: String) throws {
        let dir = try TemporaryFolder()
        try writeSyntheticCrops(to: dir.path, classes: 3, perClass: 8)
        let ds = try TrainingDataset.scan(directory: dir.path)
        var cfg = tinyConfiguration(epochs: 8)
        cfg.head = head
        cfg.lrSteps = []
        let trainer = try Trainer(configuration: cfg, classes: ds.classes, samples: ds.samples)
        var epochLoss: [Double] = [], lastAccuracy = 0.0
        try trainer.train(progress: { p in
            if p.endOfEpoch { epochLoss.append(p.loss); lastAccuracy = p.accuracy }
        })
        #expect(epochLoss.count == 8)
        #expect(epochLoss.last! < 0.6 * epochLoss.first!, "\(head) epoch losses \(epochLoss)")
        #expect(lastAccuracy > 0.8, "\(head) last epoch accuracy \(lastAccuracy)")
        print("\(head): epoch losses \(epochLoss.map { String(format: "%.3f", $0) }), last accuracy \(lastAccuracy)")
    }

    /// 3 iterations, checkpoint, a new process-like Trainer resumes: every parameter and momentum
    /// buffer is bit-identical to an uninterrupted run of the same 6 iterations.
    @Test func resumeIsBitIdentical() throws {
        let dir = try TemporaryFolder()
        try writeSyntheticCrops(to: dir.sub("data"), classes: 3, perClass: 7)
        let ds = try TrainingDataset.scan(directory: dir.sub("data"))
        let cfg = tinyConfiguration(epochs: 2)          // 21 images, batch 8: 3 iterations per epoch
        let straight = try Trainer(configuration: cfg, classes: ds.classes, samples: ds.samples)
        try straight.train()
        #expect(straight.iteration == 6)

        let ckpt = dir.sub("run.checkpoint")
        let first = try Trainer(configuration: cfg, classes: ds.classes, samples: ds.samples)
        try first.train(checkpointPath: ckpt, checkpointEvery: 2, stopAt: 4)     // stops mid-epoch 2
        let resumed = try Trainer(configuration: cfg, classes: ds.classes, samples: ds.samples)
        try resumed.resume(from: ckpt)
        #expect(resumed.iteration == 4)
        try resumed.train()
        #expect(resumed.iteration == 6)
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            #expect(a.value.scalars == b.value.scalars, "\(name) differs after resume")
        }
        for (a, b) in zip(straight.optimizer.momentumBuffers, resumed.optimizer.momentumBuffers) {
            #expect(a?.scalars == b?.scalars)
        }
        // a resume with other options is refused
        var other = cfg
        other.margin = 2
        let wrong = try Trainer(configuration: other, classes: ds.classes, samples: ds.samples)
        #expect(throws: TrainingError.self) { try wrong.resume(from: ckpt) }
    }

    /// A write that fails after the temporary file is complete (as a kill before the rename would)
    /// leaves the previous checkpoint byte-identical and loadable, and no temporary file behind.
    @Test func checkpointWritesAreAtomic() throws {
        let dir = try TemporaryFolder()
        try writeSyntheticCrops(to: dir.sub("data"), classes: 2, perClass: 4)
        let ds = try TrainingDataset.scan(directory: dir.sub("data"))
        let trainer = try Trainer(configuration: tinyConfiguration(), classes: ds.classes, samples: ds.samples)
        let ckpt = dir.sub("c.checkpoint")
        try trainer.train(checkpointPath: ckpt, stopAt: 1)
        let before = try Data(contentsOf: URL(fileURLWithPath: ckpt))
        struct Killed: Error {}
        _ = try trainer.step(Tensor.uniform([2, 3, 112, 96], bound: 1, seed: 9), labels: [0, 1])
        #expect(throws: Killed.self) { try trainer.saveCheckpoint(to: ckpt, beforeRename: { throw Killed() }) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ckpt)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }.isEmpty)
        let again = try Trainer(configuration: tinyConfiguration(), classes: ds.classes, samples: ds.samples)
        try again.resume(from: ckpt)
        #expect(again.iteration == 1)
        // a truncated file is reported, not a crash
        try before.prefix(before.count / 2).write(to: URL(fileURLWithPath: dir.sub("broken")))
        #expect(throws: TrainingError.self) { try again.resume(from: dir.sub("broken")) }
    }

    @Test func badDataFolders() throws {
        let dir = try TemporaryFolder()
        #expect(throws: TrainingError.notADirectory(dir.sub("missing"))) { try TrainingDataset.scan(directory: dir.sub("missing")) }
        try FileManager.default.createDirectory(atPath: dir.sub("empty/nobody"), withIntermediateDirectories: true)
        #expect(throws: TrainingError.noImages(dir.sub("empty"))) { try TrainingDataset.scan(directory: dir.sub("empty")) }
        try writeSyntheticCrops(to: dir.sub("one"), classes: 1, perClass: 2)
        #expect(throws: TrainingError.oneClass(dir.sub("one"))) { try TrainingDataset.scan(directory: dir.sub("one")) }
    }

    /// A corrupt image and a crop of the wrong size are reported once each; training goes on.
    @Test func unreadableImagesAreReportedNotFatal() throws {
        let dir = try TemporaryFolder()
        try writeSyntheticCrops(to: dir.path, classes: 2, perClass: 4)
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: dir.sub("id0/broken.png")))
        try PNGWriter.write(try Image(width: 50, height: 50), to: dir.sub("id1/small.png"))
        let ds = try TrainingDataset.scan(directory: dir.path)
        #expect(ds.samples.count == 10)
        let trainer = try Trainer(configuration: tinyConfiguration(epochs: 2), classes: ds.classes, samples: ds.samples)
        var skipped: [String] = []
        try trainer.train(skipped: { path, _ in skipped.append((path as NSString).lastPathComponent) })
        #expect(skipped.sorted() == ["broken.png", "small.png"])
        #expect(trainer.iteration == 4)
    }

    /// The saved model loads as `sphere20a:PATH` (a sphere4 of 3-D features) and embeds as the trainer does.
    @Test func savedModelLoadsForInference() throws {
        let dir = try TemporaryFolder()
        try writeSyntheticCrops(to: dir.sub("data"), classes: 2, perClass: 3)
        let ds = try TrainingDataset.scan(directory: dir.sub("data"))
        let trainer = try Trainer(configuration: tinyConfiguration(epochs: 1), classes: ds.classes, samples: ds.samples)
        try trainer.train()
        try trainer.saveModel(to: dir.sub("m.safetensors"))
        let model = try EmbeddingModels.load(name: "sphere20a:" + dir.sub("m.safetensors"))
        #expect(model.name == "sphere4" && model.outputDimension == 3)
        let image = try ImageDecoder.decode(contentsOf: ds.samples[0].path)
        let v = try model.embed(images: [image])[0]
        let ref = try trainer.embed([ds.samples[0]])[0].vector
        #expect(zip(v, ref).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func heldOutSplitIsPerClassAndSeeded() throws {
        let samples = (0..<10).map { TrainingSample(path: "a\($0)", label: 0) } + (0..<5).map { TrainingSample(path: "b\($0)", label: 1) }
        let ds = TrainingDataset(classes: ["a", "b"], samples: samples)
        let (t1, h1) = ds.split(heldOutFraction: 0.2, seed: 1)
        let (t2, h2) = ds.split(heldOutFraction: 0.2, seed: 1)
        #expect(h1 == h2 && t1 == t2)
        #expect(h1.filter { $0.label == 0 }.count == 2 && h1.filter { $0.label == 1 }.count == 1)
        #expect(Set(t1.map(\.path)).isDisjoint(with: h1.map(\.path)) && t1.count + h1.count == 15)
    }
}
