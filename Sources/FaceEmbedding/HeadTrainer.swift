import Foundation
import NeuralNet

/// Trains a `FeatureHead` on frozen embeddings with a classifier on top (A-Softmax with margin m,
/// or the plain softmax): SGD with momentum and weight decay, the step learning rate (×0.1 at
/// 50%, 75% and 90% of the iterations), seeded shuffling, atomic checkpoints and bit-exact resume.
/// Iterations are numbered from 0; epoch e's order is drawn from `(seed, e)`.
public final class HeadTrainer {
    public let configuration: HeadConfiguration
    /// Training vectors `[samples, inputFeatures]` and their class labels `0..<classes`.
    public let features: Tensor
    public let labels: [Int]
    public let classes: Int
    public let head: FeatureHead
    public let classifier: any ClassifierHead
    public let optimizer: SGD
    public private(set) var iteration = 0
    /// The head's parameters, then the classifier's `fc6.*`.
    public let namedParameters: [(String, Parameter)]

    static let checkpointFormat = "sphere-gallery-head-checkpoint-1"
    static let headFormat = "sphere-gallery-head-1"

    /// - Parameters:
    ///   - values: `samples × dim` training vectors, row-major.
    ///   - labels: class of each row, in `0..<classes`.
    /// - Throws: `TrainingError.invalidOption` / `.noImages` / `.oneClass` for bad input.
    public init(configuration: HeadConfiguration, values: [Float], dim: Int, labels: [Int]) throws {
        try configuration.validate()
        guard dim > 0, !labels.isEmpty, values.count == labels.count * dim else {
            throw TrainingError.noImages("the head's training vectors (\(labels.count) labels, \(values.count) values of dimension \(dim))")
        }
        guard values.allSatisfy(\.isFinite) else { throw TrainingError.invalidOption("the head's training vectors hold NaN or infinite values") }
        let classes = (labels.max() ?? 0) + 1
        guard labels.allSatisfy({ $0 >= 0 }), Set(labels).count >= 2 else { throw TrainingError.oneClass("the head's training vectors") }
        self.configuration = configuration
        self.features = try Tensor(shape: [labels.count, dim], data: values)
        self.labels = labels
        self.classes = classes
        head = try FeatureHead(inputFeatures: dim, outputFeatures: configuration.features, hidden: configuration.hidden, seed: configuration.seed)
        if configuration.loss == "softmax" {
            classifier = try SoftmaxHead(features: configuration.features, classes: classes, seed: configuration.seed &+ 7919)
        } else {
            classifier = try AngleSoftmaxHead(features: configuration.features, classes: classes, margin: configuration.margin,
                                              lambdaBase: configuration.lambdaBase,
                                              lambdaGamma: Self.lambdaGamma(configuration, samples: labels.count), lambdaPower: 1,
                                              lambdaMin: configuration.lambdaMin, seed: configuration.seed &+ 7919)
        }
        namedParameters = head.namedParameters() + classifier.namedParameters()
        optimizer = SGD(parameters: namedParameters.map(\.1), learningRate: configuration.learningRate,
                        momentum: configuration.momentum, weightDecay: configuration.weightDecay)
    }

    public var iterationsPerEpoch: Int { (labels.count + configuration.batchSize - 1) / configuration.batchSize }
    public var totalIterations: Int { iterationsPerEpoch * configuration.epochs }

    /// γ of the λ annealing: λ = lambdaBase / (1 + γ·it) reaches lambdaMin at `lambdaFloorAt` of the run.
    static func lambdaGamma(_ configuration: HeadConfiguration, samples: Int) -> Double {
        let iterations = (samples + configuration.batchSize - 1) / configuration.batchSize * configuration.epochs
        let floorIteration = max(1, configuration.lambdaFloorAt * Double(iterations))
        return configuration.lambdaMin > 0 ? (configuration.lambdaBase / configuration.lambdaMin - 1) / floorIteration : 0
    }

    public var schedule: StepLR {
        StepLR(base: configuration.learningRate,
               milestones: [0.5, 0.75, 0.9].map { Int(Double(totalIterations) * $0) }.filter { $0 > 0 }, gamma: 0.1)
    }

    /// One SGD step on the rows `batch`.
    /// - Throws: `TrainingError.diverged` when the loss is not finite.
    public func step(_ batch: [Int]) throws -> StepResult {
        let dim = features.shape[1]
        let x = Tensor(uninitialized: [batch.count, dim])
        for (i, row) in batch.enumerated() { (x.pointer + i * dim).update(from: features.pointer + row * dim, count: dim) }
        let y = batch.map { labels[$0] }
        let lr = schedule.learningRate(at: iteration)
        optimizer.learningRate = lr
        let r = try lossAndGradients(x, labels: y)
        guard r.loss.isFinite else { throw TrainingError.diverged(iteration: iteration) }
        optimizer.step()
        iteration += 1
        return StepResult(loss: r.loss, correct: zip(r.predictions, y).filter { $0 == $1 }.count, count: y.count,
                          lambda: r.lambda, learningRate: lr)
    }

    /// The loss of `x` `[n, inputFeatures]` at the current iteration (its λ), with every
    /// parameter's gradient left in `grad`; nothing is updated.
    public func lossAndGradients(_ x: Tensor, labels: [Int]) throws -> HeadResult {
        optimizer.zeroGrad()
        head.network.training = true
        let embedding = try head.network(x)
        let r = try classifier.lossAndGradient(embedding, labels: labels, iteration: iteration)
        _ = try head.network.backward(r.gradient)
        return r
    }

    /// The rows of every batch of `epoch`.
    public func epochBatches(_ epoch: Int) -> [[Int]] {
        let order = SeededShuffle.epochOrder(count: labels.count, seed: configuration.seed, epoch: epoch)
        return stride(from: 0, to: order.count, by: configuration.batchSize).map {
            Array(order[$0..<min(order.count, $0 + configuration.batchSize)])
        }
    }

    /// Trains from `iteration` to the end (or `stopAt`), checkpointing every `checkpointEvery`
    /// iterations and at the end when `checkpointPath` is set.
    /// - Parameter progress: after each epoch: (epoch, mean loss, training accuracy).
    public func train(checkpointPath: String? = nil, checkpointEvery: Int = 0, stopAt: Int? = nil,
                      progress: (Int, Double, Double) -> Void = { _, _, _ in }) throws {
        let end = min(stopAt ?? totalIterations, totalIterations)
        while iteration < end {
            let epoch = iteration / iterationsPerEpoch
            let batches = epochBatches(epoch)
            var lossSum = 0.0, correct = 0, seen = 0
            for batch in batches[(iteration % iterationsPerEpoch)...] where iteration < end {
                let r = try step(batch)
                lossSum += Double(r.loss) * Double(r.count)
                correct += r.correct
                seen += r.count
                if let checkpointPath, checkpointEvery > 0, iteration % checkpointEvery == 0 { try saveCheckpoint(to: checkpointPath) }
            }
            progress(epoch + 1, lossSum / Double(max(1, seen)), Double(correct) / Double(max(1, seen)))
        }
        if let checkpointPath { try saveCheckpoint(to: checkpointPath) }
    }

    // MARK: - Files

    /// FNV-1a of the labels and the vectors' bits, so a resume refuses other training data.
    public var dataFingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for l in labels { h = (h ^ UInt64(truncatingIfNeeded: l &+ 0x10000)) &* 0x100_0000_01b3 }
        for i in 0..<features.count { h = (h ^ UInt64(features.pointer[i].bitPattern)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    private func metadata(format: String) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ["format": format, "configuration": String(decoding: try encoder.encode(configuration), as: UTF8.self),
                "input_features": String(features.shape[1]), "classes": String(classes),
                "iteration": String(iteration), "data": dataFingerprint]
    }

    /// Parameters, momentum buffers and the iteration, written atomically.
    public func saveCheckpoint(to path: String) throws {
        var tensors = namedParameters.map { ($0.0, $0.1.value) }
        for ((name, _), buffer) in zip(namedParameters, optimizer.momentumBuffers) {
            if let buffer { tensors.append(("momentum." + name, buffer)) }
        }
        try AtomicFile.writeSafeTensors(tensors, metadata: try metadata(format: Self.checkpointFormat), to: path)
    }

    /// Restores a checkpoint of the same configuration and training data.
    /// - Throws: `TrainingError.checkpoint` naming what differs.
    public func resume(from path: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: path) } catch {
            throw TrainingError.checkpoint("cannot read \(path) (\(error)); delete it to start over")
        }
        let expected = try metadata(format: Self.checkpointFormat)
        guard file.metadata["format"] == Self.checkpointFormat, let it = file.metadata["iteration"].flatMap(Int.init) else {
            throw TrainingError.checkpoint("\(path) is not a head training checkpoint")
        }
        for key in ["configuration", "input_features", "classes", "data"] where file.metadata[key] != expected[key] {
            throw TrainingError.checkpoint("\(path) was written for another \(key == "data" ? "training set" : key); delete it to start over")
        }
        for (name, p) in namedParameters { try p.load(try file.tensor(name, shape: p.value.shape), name: name) }
        try optimizer.restoreMomentumBuffers(try namedParameters.map { name, p in
            file.entries["momentum." + name] == nil ? nil : try file.tensor("momentum." + name, shape: p.value.shape)
        })
        iteration = it
    }

    /// The trained head alone (no classifier), loadable with `FeatureHead.load`.
    public func saveHead(to path: String, extraMetadata: [String: String] = [:]) throws {
        var meta = try metadata(format: Self.headFormat)
        meta.merge(extraMetadata) { a, _ in a }
        try AtomicFile.writeSafeTensors(head.namedParameters().map { ($0.0, $0.1.value) }, metadata: meta, to: path)
    }
}
