import Foundation
import Imaging
import NeuralNet

/// The result of one SGD step.
public struct StepResult: Sendable {
    public let loss: Float
    /// Correct predictions in the batch.
    public let correct: Int
    public let count: Int
    public let lambda: Double?
    public let learningRate: Float
}

/// A snapshot for the progress line.
public struct TrainingProgress: Sendable {
    /// 1-based epoch.
    public let epoch: Int
    public let epochs: Int
    /// Completed iterations (SGD steps) in total.
    public let iteration: Int
    public let totalIterations: Int
    /// Training images per second since this process started training.
    public let imagesPerSecond: Double
    /// Mean loss and accuracy over the steps of this epoch so far (of this process).
    public let loss: Double
    public let accuracy: Double
    public let lambda: Double?
    public let learningRate: Float
    /// Estimated seconds to the end.
    public let etaSeconds: Double
    /// True for the report after the last step of an epoch.
    public let endOfEpoch: Bool
}

/// SphereFace training: a `SphereNet` trunk + fc5, a classifier head (A-Softmax or the plain
/// softmax), SGD with momentum and weight decay, the step learning rate, seeded shuffling and
/// flips, batches decoded in the background, atomic checkpoints and bit-exact resume.
///
/// Iterations are numbered from 0; epoch `e` is iterations `e·P ..< (e+1)·P` with
/// `P = ⌈train images / batch⌉`, its order and flips drawn from `(seed, e)` (`SeededShuffle`).
public final class Trainer {
    public let configuration: TrainingConfiguration
    /// Identity names; index = label.
    public let classes: [String]
    /// The training images.
    public let samples: [TrainingSample]
    public let net: SphereNet
    public let head: any ClassifierHead
    public let optimizer: SGD
    /// Completed SGD steps.
    public private(set) var iteration = 0
    /// Named parameters: the net's, then `fc6.*`.
    public let namedParameters: [(String, Parameter)]

    /// Builds a freshly initialised net and head (seeded by `configuration.seed`).
    /// - Throws: `TrainingError.invalidOption` for a bad configuration, `.noImages` / `.oneClass` for too little data.
    public init(configuration: TrainingConfiguration, classes: [String], samples: [TrainingSample]) throws {
        try configuration.validate()
        guard !samples.isEmpty else { throw TrainingError.noImages("the training split") }
        guard classes.count >= 2 else { throw TrainingError.oneClass("the training set") }
        self.configuration = configuration
        self.classes = classes
        self.samples = samples
        net = try SphereNet(depth: SphereNet.Depth(rawValue: configuration.net)!, widths: configuration.widths,
                            embeddingDimension: configuration.features, seed: configuration.seed)
        if configuration.head == "softmax" {
            head = try SoftmaxHead(features: configuration.features, classes: classes.count, seed: configuration.seed &+ 7919)
        } else {
            head = try AngleSoftmaxHead(features: configuration.features, classes: classes.count, margin: configuration.margin,
                                        lambdaBase: configuration.lambdaBase, lambdaGamma: configuration.lambdaGamma,
                                        lambdaPower: configuration.lambdaPower, lambdaMin: configuration.lambdaMin,
                                        seed: configuration.seed &+ 7919)
        }
        namedParameters = net.namedParameters() + head.namedParameters()
        optimizer = SGD(parameters: namedParameters.map(\.1), learningRate: configuration.learningRate,
                        momentum: configuration.momentum, weightDecay: configuration.weightDecay)
    }

    /// Iterations per epoch.
    public var iterationsPerEpoch: Int { (samples.count + configuration.batchSize - 1) / configuration.batchSize }
    public var totalIterations: Int { iterationsPerEpoch * configuration.epochs }

    /// The step learning-rate schedule in iterations.
    public var schedule: StepLR {
        StepLR(base: configuration.learningRate, milestones: configuration.lrStepEpochs.map { $0 * iterationsPerEpoch },
               gamma: configuration.lrGamma)
    }

    /// One SGD step on a normalised batch `[n, 3, H, W]`.
    public func step(_ input: Tensor, labels: [Int]) throws -> StepResult {
        net.training = true
        let lr = schedule.learningRate(at: iteration)
        optimizer.learningRate = lr
        optimizer.zeroGrad()
        let embedding = try net(input)
        let r = try head.lossAndGradient(embedding, labels: labels, iteration: iteration)
        guard r.loss.isFinite else { throw TrainingError.diverged(iteration: iteration) }
        _ = try net.backward(r.gradient)
        optimizer.step()
        iteration += 1
        let correct = zip(r.predictions, labels).filter { $0 == $1 }.count
        return StepResult(loss: r.loss, correct: correct, count: labels.count, lambda: r.lambda, learningRate: lr)
    }

    /// The sample indices and flips of every batch of `epoch`.
    public func epochPlan(_ epoch: Int) -> (batches: [[Int]], flips: [[Bool]]) {
        let order = SeededShuffle.epochOrder(count: samples.count, seed: configuration.seed, epoch: epoch)
        let flips = configuration.flip ? SeededShuffle.epochFlips(count: samples.count, seed: configuration.seed, epoch: epoch)
                                       : [Bool](repeating: false, count: samples.count)
        var b: [[Int]] = [], f: [[Bool]] = []
        var i = 0
        while i < order.count {
            let j = min(order.count, i + configuration.batchSize)
            b.append(Array(order[i..<j]))
            f.append(Array(flips[i..<j]))
            i = j
        }
        return (b, f)
    }

    /// Trains from `iteration` to the end (or `stopAt` iterations), checkpointing every
    /// `checkpointEvery` iterations and at the end when `checkpointPath` is set.
    /// - Parameters:
    ///   - decode: reads an image (default: decode the file)
    ///   - progress: called after every step
    ///   - skipped: called once per unusable image
    /// - Throws: `TrainingError.noUsableImages` when an epoch yields no image; I/O errors of checkpoints.
    public func train(checkpointPath: String? = nil, checkpointEvery: Int = 0, stopAt: Int? = nil,
                      decode: BatchLoader.Decode? = nil,
                      progress: (TrainingProgress) -> Void = { _ in },
                      skipped: (String, String) -> Void = { _, _ in }) throws {
        let end = min(stopAt ?? totalIterations, totalIterations)
        let start = Date(), startIteration = iteration
        var images = 0
        var reported = Set<String>()
        while iteration < end {
            let epoch = iteration / iterationsPerEpoch
            let first = iteration % iterationsPerEpoch
            let plan = epochPlan(epoch)
            let count = min(plan.batches.count, first + (end - iteration)) - first
            let loader = decode.map {
                BatchLoader(samples: samples, batches: Array(plan.batches[first..<(first + count)]),
                            flips: Array(plan.flips[first..<(first + count)]), model: net, decode: $0)
            } ?? BatchLoader(samples: samples, batches: Array(plan.batches[first..<(first + count)]),
                             flips: Array(plan.flips[first..<(first + count)]), model: net)
            defer { loader.cancel() }
            var lossSum = 0.0, correct = 0, seen = 0, steps = 0
            while let batch = loader.next() {
                for s in batch.skipped where reported.insert(s.path).inserted { skipped(s.path, s.reason) }
                let result: StepResult
                if let input = batch.input {
                    result = try step(input, labels: batch.labels)
                } else {
                    iteration += 1      // nothing usable in this batch: the step is empty, the schedule moves on
                    result = StepResult(loss: .nan, correct: 0, count: 0, lambda: nil, learningRate: schedule.learningRate(at: iteration - 1))
                }
                if result.count > 0 { lossSum += Double(result.loss); steps += 1 }
                correct += result.correct; seen += result.count; images += result.count
                if let path = checkpointPath, checkpointEvery > 0, iteration % checkpointEvery == 0 {
                    try saveCheckpoint(to: path)
                }
                let elapsed = max(Date().timeIntervalSince(start), 1e-9)
                let rate = Double(iteration - startIteration) / elapsed
                progress(TrainingProgress(epoch: epoch + 1, epochs: configuration.epochs, iteration: iteration,
                                          totalIterations: totalIterations, imagesPerSecond: Double(images) / elapsed,
                                          loss: steps > 0 ? lossSum / Double(steps) : .nan,
                                          accuracy: seen > 0 ? Double(correct) / Double(seen) : 0,
                                          lambda: result.lambda, learningRate: result.learningRate,
                                          etaSeconds: rate > 0 ? Double(end - iteration) / rate : 0,
                                          endOfEpoch: iteration % iterationsPerEpoch == 0 || iteration == end))
            }
            if first == 0 && count == plan.batches.count && seen == 0 {
                throw TrainingError.noUsableImages("epoch \(epoch + 1) had none of its \(samples.count) images usable")
            }
        }
        if let path = checkpointPath { try saveCheckpoint(to: path) }
    }

    // MARK: - Files

    static let checkpointFormat = "sphere-gallery-checkpoint-1"

    /// A stable fingerprint of the training samples (FNV-1a of paths and labels), so a resume
    /// refuses a different data set.
    public var samplesFingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in samples {
            for b in s.path.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ UInt64(truncatingIfNeeded: s.label &+ 0x10000)) &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }

    private func metadata(format: String) throws -> [String: String] {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return [
            "format": format,
            "architecture": net.name,
            "configuration": String(decoding: try enc.encode(configuration), as: UTF8.self),
            "classes": String(decoding: try enc.encode(classes), as: UTF8.self),
            "iteration": String(iteration),
            "rng": "SeededShuffle seed=\(configuration.seed); state = (seed, iteration)",
            "samples": samplesFingerprint,
        ]
    }

    /// Writes parameters, momentum buffers, iteration and configuration to `path` atomically.
    public func saveCheckpoint(to path: String, beforeRename: (() throws -> Void)? = nil) throws {
        var tensors = namedParameters.map { ($0.0, $0.1.value) }
        for ((name, _), buf) in zip(namedParameters, optimizer.momentumBuffers) {
            if let buf { tensors.append(("momentum." + name, buf)) }
        }
        try AtomicFile.writeSafeTensors(tensors, metadata: try metadata(format: Self.checkpointFormat), to: path, beforeRename: beforeRename)
    }

    /// Restores a checkpoint written by `saveCheckpoint` for the same configuration (the number of
    /// epochs may differ) and the same training samples.
    /// - Throws: `TrainingError.checkpoint` naming what differs or what is unreadable.
    public func resume(from path: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: path) } catch {
            throw TrainingError.checkpoint("cannot read \(path) (\(error)); delete it to start over")
        }
        guard file.metadata["format"] == Self.checkpointFormat,
              let cfgText = file.metadata["configuration"], let itText = file.metadata["iteration"], let it = Int(itText),
              var saved = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(cfgText.utf8)) else {
            throw TrainingError.checkpoint("\(path) is not a sphere-gallery training checkpoint")
        }
        saved.epochs = configuration.epochs
        guard saved == configuration else {
            throw TrainingError.checkpoint("\(path) was written with other options (\(cfgText)); resume with the same options or choose another --checkpoint")
        }
        guard file.metadata["samples"] == samplesFingerprint,
              file.metadata["classes"] == (try metadata(format: "")["classes"]) else {
            throw TrainingError.checkpoint("\(path) was written for other training images; resume on the same --data or choose another --checkpoint")
        }
        for (name, p) in namedParameters {
            try p.load(try file.tensor(name, shape: p.value.shape), name: name)
        }
        var buffers: [Tensor?] = []
        for (name, p) in namedParameters {
            buffers.append(file.entries["momentum." + name] == nil ? nil : try file.tensor("momentum." + name, shape: p.value.shape))
        }
        try optimizer.restoreMomentumBuffers(buffers)
        iteration = it
    }

    /// Writes the trained model: the net's parameters (loadable with `EmbeddingModels.load`
    /// as `sphere20a:PATH`) and the `fc6.*` class weights (ignored at inference).
    public func saveModel(to path: String) throws {
        var meta = try metadata(format: "sphere-gallery-model-1")
        meta["samples"] = nil
        try AtomicFile.writeSafeTensors(namedParameters.map { ($0.0, $0.1.value) }, metadata: meta, to: path)
    }

    /// Unit embeddings `[n][features]` and class scores of `samples` (no flip), in batches.
    /// Unusable images are left out (their index is absent from the result).
    public func embed(_ items: [TrainingSample], batchSize: Int = 64,
                      decode: BatchLoader.Decode? = nil) throws -> [(index: Int, vector: [Float], predicted: Int)] {
        var out: [(Int, [Float], Int)] = []
        var i = 0
        let wasTraining = net.training
        net.training = false
        defer { net.training = wasTraining }
        while i < items.count {
            let j = min(items.count, i + batchSize)
            var kept: [Int] = []
            var inputs: [Tensor] = []
            for k in i..<j {
                let b = BatchLoader.load(samples: items, indices: [k], flips: [false], model: net,
                                         decode: decode ?? { try Imaging.ImageDecoder.decode(contentsOf: $0) })
                if let t = b.input { kept.append(k); inputs.append(t) }
            }
            if !inputs.isEmpty {
                let hw = 3 * net.inputHeight * net.inputWidth
                let x = Tensor(uninitialized: [inputs.count, 3, net.inputHeight, net.inputWidth])
                for (n, t) in inputs.enumerated() { (x.pointer + n * hw).update(from: t.pointer, count: hw) }
                let e = try net(x)
                let pred = argmaxRows(try head.scores(e))
                for (n, v) in l2NormalizedRows(e).enumerated() { out.append((kept[n], v, pred[n])) }
            }
            i = j
        }
        return out
    }
}
