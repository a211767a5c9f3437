import Evaluation
import FaceEmbedding
import Foundation

/// The LFW protocol files the experiment reads.
public struct LFWProtocolFiles: Sendable {
    /// `people.txt`: View 2's ten sets of people.
    public var people: LFWPeople
    /// `pairs.txt`: View 2's ten folds of pairs.
    public var pairs: LFWPairs
    /// `peopleDevTrain.txt` and `pairsDevTest.txt`: View 1.
    public var devTrain: LFWPeople
    public var devTestPairs: LFWPairs

    public init(people: LFWPeople, pairs: LFWPairs, devTrain: LFWPeople, devTestPairs: LFWPairs) {
        self.people = people
        self.pairs = pairs
        self.devTrain = devTrain
        self.devTestPairs = devTestPairs
    }

    /// Reads the four files from LFW's folder (the one holding `images/`).
    public static func load(folder: String) throws -> LFWProtocolFiles {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        return LFWProtocolFiles(people: try LFWPeople.load(path: path("people.txt")), pairs: try LFWPairs.load(path: path("pairs.txt")),
                                devTrain: try LFWPeople.load(path: path("peopleDevTrain.txt")),
                                devTestPairs: try LFWPairs.load(path: path("pairsDevTest.txt")))
    }
}

/// SphereFace's question on a frozen network: do heads trained with A-Softmax (m = 1…4) on top
/// of its vectors separate people never seen in training better than a softmax head, and than
/// the vectors themselves? Every protocol trains on people disjoint from those it tests:
/// View 1 (choose d and epochs per head), View 2 (ten folds, each trained on the other nine
/// sets of people), and the MegaFace-style run with the non-probe people halved into training
/// people and distractors.
public final class HeadExperiment {
    public let data: LFWFeatureSet
    public let files: LFWProtocolFiles
    public let settings: HeadExperimentSettings
    public let model: String
    /// Phase messages, for a progress line.
    public var progress: (String) -> Void = { _ in }

    /// Pooled View 2 ROC per head, filled by `run`.
    public private(set) var view2ROC: [String: ROC] = [:]

    public init(data: LFWFeatureSet, files: LFWProtocolFiles, settings: HeadExperimentSettings, model: String) {
        self.data = data
        self.files = files
        self.settings = settings
        self.model = model
    }

    /// An image → vector map: the frozen network's own, or through a trained head.
    typealias Embedder = ([Int]) throws -> FeatureMatrix

    /// Runs every protocol for `raw` and every head.
    /// - Throws: `EvaluationError` for protocol files that do not fit the data or overlap,
    ///   `TrainingError` for a head that cannot train.
    public func run() throws -> HeadExperimentReport {
        let start = Date()
        let view1 = try IdentityDisjointProtocols.view1(train: files.devTrain, testPairs: files.devTestPairs)
        let folds = try IdentityDisjointProtocols.view2(people: files.people, pairs: files.pairs)
        let halves = settings.runMegaFace
            ? try MegaFaceHalves(imageCounts: data.imageCounts, minProbeImages: settings.minProbeImages, seed: settings.seed) : nil
        var trials: [HeadExperimentReport.Trial] = []
        var heads: [HeadExperimentReport.Head] = []

        var raw = HeadExperimentReport.Head(head: "raw")
        try evaluate(&raw, embed: rawVectors, view1: view1, folds: folds, halves: halves) { _ in self.rawVectors }
        heads.append(raw)

        for name in settings.heads {
            var best: (configuration: HeadConfiguration, accuracy: Double, head: FeatureHead)?
            for d in settings.featureChoices {
                for epochs in settings.epochChoices {
                    for lr in settings.learningRateChoices {
                        progress("\(name): View 1, d = \(d), \(epochs) epochs, lr \(lr)")
                        let configuration = try settings.configuration(head: name, features: d, epochs: epochs, learningRate: lr)
                        let head = try train(configuration, people: view1.trainPeople)
                        let accuracy = try verificationWithROC(files.devTestPairs, view1.testPairIndices, embed: embedder(head)).0.accuracy
                        trials.append(.init(head: name, features: d, epochs: epochs, learningRate: lr, accuracy: accuracy))
                        if best == nil || accuracy > best!.accuracy { best = (configuration, accuracy, head) }
                    }
                }
            }
            guard let best else { throw TrainingError.invalidOption("the View 1 grid is empty: give at least one d, epoch count and learning rate") }
            var report = HeadExperimentReport.Head(head: name, features: best.configuration.features, epochs: best.configuration.epochs,
                                                   learningRate: best.configuration.learningRate)
            try evaluate(&report, embed: embedder(best.head), view1: view1, folds: folds, halves: halves) { people in
                self.embedder(try self.train(best.configuration, people: people))
            }
            heads.append(report)
        }
        return HeadExperimentReport(model: model, images: data.images.count, dimension: data.features.dim, quick: false,
                                    seed: settings.seed, settings: settings, view1Trials: trials, heads: heads,
                                    seconds: Date().timeIntervalSince(start))
    }

    /// View 1 with `embed`, then View 2 and the halved MegaFace-style run with an embedder made
    /// for each set of training people.
    private func evaluate(_ report: inout HeadExperimentReport.Head, embed: Embedder, view1: IdentityDisjointFold,
                          folds: [IdentityDisjointFold], halves: MegaFaceHalves?,
                          trainedOn: ([String]) throws -> Embedder) throws {
        progress("\(report.head): View 1")
        let (v1, _) = try verificationWithROC(files.devTestPairs, view1.testPairIndices, embed: embed)
        report.view1 = v1
        report.view1Angles = try angles(of: view1.testPeople, embed: embed)
        if settings.runView2 {
            // Fold k: head k scores every pair; its threshold is the best on the other folds' pairs
            // (people it trained on), applied to fold k's (people it never saw).
            let chosen = (settings.view2Folds ?? Array(folds.indices)).filter(folds.indices.contains)
            let allPairs = Array(files.pairs.pairs.indices)
            var accuracies: [Double] = [], genuine: [Float] = [], impostor: [Float] = []
            var foldAngles: [AngleStatistics] = []
            for k in chosen {
                progress("\(report.head): View 2 fold \(k + 1)")
                let e = try trainedOn(folds[k].trainPeople)
                let scores = try pairScores(files.pairs, allPairs, embed: e)
                let others = allPairs.filter { files.pairs.pairs[$0].fold != k }
                let (threshold, _) = try CrossValidation.bestThreshold(scores: others.map { scores[$0] },
                                                                       labels: others.map { files.pairs.pairs[$0].isMatched })
                var correct = 0
                for i in folds[k].testPairIndices {
                    let matched = files.pairs.pairs[i].isMatched
                    if (scores[i] >= threshold) == matched { correct += 1 }
                    if matched { genuine.append(scores[i]) } else { impostor.append(scores[i]) }
                }
                accuracies.append(Double(correct) / Double(max(1, folds[k].testPairIndices.count)))
                foldAngles.append(try angles(of: folds[k].testPeople, embed: e))
            }
            let roc = try ROC(genuine: genuine, impostor: impostor)
            report.view2 = HeadExperimentReport.Verification(foldAccuracies: accuracies, roc: roc)
            report.view2Angles = AngleStatistics.mean(foldAngles)
            view2ROC[report.head] = roc
        }
        if let halves {
            progress("\(report.head): MegaFace-style, halved")
            let e = try trainedOn(halves.trainPeople)
            let (openSet, probeAngles) = try megaface(halves, embed: e)
            report.megaface = openSet
            report.megafaceAngles = probeAngles
        }
    }

    // MARK: - Pieces

    private func rawVectors(_ rows: [Int]) throws -> FeatureMatrix {
        try FeatureMatrix(rows: rows.count, dim: data.features.dim, values: data.values(rows))
    }

    private func embedder(_ head: FeatureHead) -> Embedder {
        { rows in try FeatureMatrix(vectors: try head.embed(self.data.values(rows), rows: rows.count), dim: head.outputFeatures) }
    }

    /// A head trained on every image of `people`, labelled by person.
    private func train(_ configuration: HeadConfiguration, people: [String]) throws -> FeatureHead {
        let rows = data.rows(of: Set(people))
        var label: [String: Int] = [:]
        for r in rows where label[data.images[r].name] == nil { label[data.images[r].name] = label.count }
        let trainer = try HeadTrainer(configuration: configuration,
                                      values: data.values(rows), dim: data.features.dim,
                                      labels: rows.map { label[data.images[$0].name]! })
        try trainer.train()
        return trainer.head
    }

    /// Cosine of each pair `indices` of `pairs`.
    private func pairScores(_ pairs: LFWPairs, _ indices: [Int], embed: Embedder) throws -> [Float] {
        var rows: [Int] = []
        var position: [Int: Int] = [:]
        for i in indices {
            for image in [pairs.pairs[i].first, pairs.pairs[i].second] {
                guard let r = data.row(of: image) else { throw EvaluationError.missingEmbedding(image.relativePath) }
                if position[r] == nil { position[r] = rows.count; rows.append(r) }
            }
        }
        let m = try embed(rows)
        return indices.map { i in
            let a = m.row(position[data.row(of: pairs.pairs[i].first)!]!), b = m.row(position[data.row(of: pairs.pairs[i].second)!]!)
            return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    private func verificationWithROC(_ pairs: LFWPairs, _ indices: [Int], embed: Embedder) throws -> (HeadExperimentReport.Verification, ROC) {
        let subset = LFWPairs(pairs: indices.map { pairs.pairs[$0] }, format: pairs.format, foldCount: pairs.foldCount)
        let v = try LFWVerification(pairs: subset, scores: try pairScores(pairs, indices, embed: embed))
        return (HeadExperimentReport.Verification(v.report, roc: v.roc), v.roc)
    }

    private func angles(of people: [String], embed: Embedder) throws -> AngleStatistics {
        let rows = data.rows(of: Set(people))
        return try AngleStatistics(features: try embed(rows), identities: rows.map { data.images[$0].name })
    }

    /// The halved MegaFace-style run: probes = people with many images; distractors = the first
    /// image of each person of the distractor half.
    private func megaface(_ halves: MegaFaceHalves, embed: Embedder) throws -> (HeadExperimentReport.OpenSet, AngleStatistics) {
        let probeRows = data.rows(of: Set(halves.probePeople))
        var identity: [String: Int] = [:]
        let ids = probeRows.map { r in
            let name = data.images[r].name
            if let i = identity[name] { return i }
            identity[name] = identity.count
            return identity.count - 1
        }
        let distractorPeople = Set(halves.distractorPeople)
        var firstImage: [String: Int] = [:]
        for (r, image) in data.images.enumerated() where distractorPeople.contains(image.name) {
            if let seen = firstImage[image.name], data.images[seen].number <= image.number { continue }
            firstImage[image.name] = r
        }
        let probes = try embed(probeRows)
        let distractors = try embed(firstImage.values.sorted())
        let result = try MegaFaceProtocol.evaluate(
            probes: try MegaFaceProbeSet(features: probes, identities: ids), distractors: distractors,
            configuration: MegaFaceConfiguration(sizes: [distractors.rows], seed: settings.seed))
        guard let openSet = result.openSet.last, let identification = result.identification.last else {
            throw EvaluationError.empty(what: "MegaFace-style result")
        }
        var fnir: [String: Double] = [:]
        for target in [0.1, 0.01] { fnir[ReportFormat.key(target)] = try openSet.operatingPoint(fpir: target).fnir }
        let report = HeadExperimentReport.OpenSet(distractors: distractors.rows, probeImages: probeRows.count,
                                                  rank1: identification.cmc.rank1, fnirAtFPIR: fnir)
        return (report, try AngleStatistics(features: probes, identities: probeRows.map { data.images[$0].name }))
    }
}
