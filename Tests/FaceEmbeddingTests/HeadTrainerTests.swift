import Foundation
import NeuralNet
import SeededRandom
import Testing
@testable import FaceEmbedding

/// `classes` clusters of `perClass` unit vectors in `dim` dimensions around seeded random centres.
private func clusters(classes: Int, perClass: Int, dim: Int, spread: Float = 0.3, seed: UInt64 = 3) -> (values: [Float], labels: [Int]) {
    var rng = SplitMix64(seed: seed)
    func gaussianish() -> Float { (rng.nextUnit() + rng.nextUnit() + rng.nextUnit() - 1.5) * 2 }
    var values: [Float] = [], labels: [Int] = []
    for c in 0..<classes {
        let centre = (0..<dim).map { _ in gaussianish() }
        for _ in 0..<perClass {
            var v = centre.map { $0 + spread * gaussianish() }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / n }
            values += v
            labels.append(c)
        }
    }
    return (values, labels)
}

private func configuration(_ loss: String, margin: Int = 4, hidden: Int? = nil, epochs: Int = 20) -> HeadConfiguration {
    var c = HeadConfiguration()
    c.loss = loss
    c.margin = margin
    c.hidden = hidden
    c.features = 8
    c.epochs = epochs
    c.batchSize = 16
    c.learningRate = 0.05
    c.seed = 11
    return c
}

@Suite struct HeadTrainerTests {
    /// d(loss)/d(parameter) against central differences, for every head kind, one and two layers.
    @Test(arguments: [("softmax", 1, nil), ("asoftmax", 1, 6), ("asoftmax", 2, nil), ("asoftmax", 4, 6)] as [(String, Int, Int?)])
    func gradientsMatchFiniteDifferences(loss: String, margin: Int, hidden: Int?) throws {
        let data = clusters(classes: 3, perClass: 4, dim: 5)
        let trainer = try HeadTrainer(configuration: configuration(loss, margin: margin, hidden: hidden), values: data.values, dim: 5, labels: data.labels)
        for _ in 0..<3 { _ = try trainer.step(Array(0..<12)) }        // away from the initial point
        let x = try Tensor(shape: [12, 5], data: data.values)
        _ = try trainer.lossAndGradients(x, labels: data.labels)
        let analytic = trainer.namedParameters.map { $0.1.grad.copy() }
        var worst: Float = 0, checked = 0
        for (p, (name, parameter)) in trainer.namedParameters.enumerated() {
            for i in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 7)) {
                let saved = parameter.value.pointer[i]
                let eps: Float = 2e-3
                parameter.value.pointer[i] = saved + eps
                let up = try trainer.lossAndGradients(x, labels: data.labels).loss
                parameter.value.pointer[i] = saved - eps
                let down = try trainer.lossAndGradients(x, labels: data.labels).loss
                parameter.value.pointer[i] = saved
                let numeric = (up - down) / (2 * eps)
                let a = analytic[p].pointer[i]
                let error = abs(numeric - a) / max(0.05, abs(numeric) + abs(a))
                if error > worst { worst = error }
                #expect(error < 0.05, "\(name)[\(i)]: analytic \(a), numeric \(numeric)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    @Test(arguments: ["softmax", "asoftmax"])
    func learnsSeparableClasses(loss: String) throws {
        let data = clusters(classes: 4, perClass: 12, dim: 10)
        let trainer = try HeadTrainer(configuration: configuration(loss, margin: 2, epochs: 30), values: data.values, dim: 10, labels: data.labels)
        var accuracy = 0.0
        try trainer.train { _, _, a in accuracy = a }
        #expect(accuracy > 0.9)
        #expect(trainer.iteration == trainer.totalIterations)
    }

    @Test func resumeIsBitExact() throws {
        let folder = NSTemporaryDirectory() + "sg-head-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoint = folder + "/head.ckpt"
        let data = clusters(classes: 3, perClass: 10, dim: 6)
        let config = configuration("asoftmax", margin: 4, hidden: 5, epochs: 4)
        let straight = try HeadTrainer(configuration: config, values: data.values, dim: 6, labels: data.labels)
        try straight.train()
        let interrupted = try HeadTrainer(configuration: config, values: data.values, dim: 6, labels: data.labels)
        try interrupted.train(checkpointPath: checkpoint, stopAt: 3)
        let resumed = try HeadTrainer(configuration: config, values: data.values, dim: 6, labels: data.labels)
        try resumed.resume(from: checkpoint)
        #expect(resumed.iteration == 3)
        try resumed.train()
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            #expect(a.value.maxAbsDifference(b.value).diff == 0, "\(name) differs after resume")
        }
        // Other training data: refused.
        var other = data.values
        other[0] += 0.5
        let stranger = try HeadTrainer(configuration: config, values: other, dim: 6, labels: data.labels)
        #expect(throws: TrainingError.self) { try stranger.resume(from: checkpoint) }
    }

    @Test func savedHeadEmbedsTheSame() throws {
        let path = NSTemporaryDirectory() + "sg-head-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = clusters(classes: 3, perClass: 5, dim: 6)
        let trainer = try HeadTrainer(configuration: configuration("asoftmax", hidden: 4, epochs: 2), values: data.values, dim: 6, labels: data.labels)
        try trainer.train()
        try trainer.saveHead(to: path)
        let (loaded, config) = try FeatureHead.load(path: path)
        #expect(config == trainer.configuration)
        let a = try trainer.head.embed(data.values, rows: 15), b = try loaded.embed(data.values, rows: 15)
        #expect(a == b)
        #expect(abs(a[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
    }

    @Test func badDataIsRefused() {
        #expect(throws: TrainingError.self) {
            _ = try HeadTrainer(configuration: configuration("softmax"), values: [1, 0, .nan, 1], dim: 2, labels: [0, 1])
        }
        #expect(throws: TrainingError.self) {
            _ = try HeadTrainer(configuration: configuration("softmax"), values: [1, 0, 0, 1], dim: 2, labels: [0, 0])
        }
        #expect(throws: TrainingError.self) {
            _ = try HeadTrainer(configuration: configuration("softmax"), values: [1, 0, 0], dim: 2, labels: [0, 1])
        }
    }
}
