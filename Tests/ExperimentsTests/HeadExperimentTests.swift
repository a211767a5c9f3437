import Evaluation
import Foundation
import SeededRandom
import Testing
@testable import Experiments

/// A small LFW look-alike: 40 people in ten sets of four, each person a cluster of 16-D unit
/// vectors; three people have 12 images (the MegaFace-style probes), the others 3.
private struct SyntheticLFW {
    var data: LFWFeatureSet
    var files: LFWProtocolFiles

    init() throws {
        var rng = SplitMix64(seed: 5)
        func noise() -> Float { rng.nextUnit() - 0.5 }
        let people = (0..<40).map { String(format: "P%02d", $0) }
        func images(_ i: Int) -> Int { i < 3 ? 12 : 3 }
        var vectors: [[Float]] = [], lfwImages: [LFWImage] = []
        for (i, name) in people.enumerated() {
            let centre = (0..<16).map { _ in noise() }
            for n in 1...images(i) {
                var v = centre.map { $0 + 0.35 * noise() }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v.map { $0 / norm }
                vectors.append(v)
                lfwImages.append(LFWImage(name: name, number: n))
            }
        }
        data = try LFWFeatureSet(features: try FeatureMatrix(vectors: vectors), images: lfwImages)
        // View 2: set k = people 4k..<4k+4; fold k: 2 matched and 2 mismatched pairs among them.
        var peopleText = "10\n", pairsText = "10 2\n"
        for k in 0..<10 {
            let set = Array(people[(4 * k)..<(4 * k + 4)])
            peopleText += "4\n" + set.map { "\($0) \(images(people.firstIndex(of: $0)!))\n" }.joined()
            pairsText += "\(set[0]) 1 2\n\(set[1]) 2 3\n\(set[0]) 1 \(set[1]) 1\n\(set[2]) 1 \(set[3]) 2\n"
        }
        // View 1: train on sets 0-5, test pairs among sets 6-9.
        let devTrain = "24\n" + people[0..<24].enumerated().map { "\($1) \(images($0))\n" }.joined()
        let test = Array(people[24...])
        var devTest = "4\n"
        for i in 0..<4 { devTest += "\(test[i]) 1 2\n" }
        for i in 0..<4 { devTest += "\(test[i]) 1 \(test[i + 8]) 3\n" }
        files = LFWProtocolFiles(people: try LFWPeople.parse(peopleText), pairs: try LFWPairs.parse(pairsText),
                                 devTrain: try LFWPeople.parse(devTrain), devTestPairs: try LFWPairs.parse(devTest, view1Folds: 2))
    }
}

@Suite struct HeadExperimentTests {
    @Test func runsEveryProtocolForRawAndEachHead() throws {
        let lfw = try SyntheticLFW()
        var settings = HeadExperimentSettings()
        settings.heads = ["softmax", "m2"]
        settings.featureChoices = [4, 8]
        settings.epochChoices = [3]
        settings.learningRateChoices = [0.1]
        settings.batchSize = 16
        let experiment = HeadExperiment(data: lfw.data, files: lfw.files, settings: settings, model: "synthetic")
        var phases: [String] = []
        experiment.progress = { phases.append($0) }
        let report = try experiment.run()
        #expect(report.heads.map(\.head) == ["raw", "softmax", "m2"])
        #expect(report.view1Trials.count == 4)
        #expect(report.identityDisjoint)
        for head in report.heads {
            #expect(head.view1 != nil && head.view2 != nil && head.megaface != nil)
            #expect(head.view2?.folds.count == 10)
            #expect(head.megaface?.probeImages == 36)
            #expect((head.view2Angles?.identities ?? 0) > 0 && (head.megafaceAngles?.identities ?? 0) == 3)
        }
        // The chosen setting is the best View 1 trial of its head.
        for head in report.heads.dropFirst() {
            let best = report.view1Trials.filter { $0.head == head.head }.max { $0.accuracy < $1.accuracy }!
            #expect(head.features == best.features && head.epochs == best.epochs && head.learningRate == best.learningRate)
        }
        #expect(phases.contains("m2: View 2 fold 10"))
        #expect(experiment.view2ROC.keys.sorted() == ["m2", "raw", "softmax"])
        let tables = Array(HeadExperimentTables(report))
        #expect(tables.map(\.name) == ["heads.csv", "view1_trials.csv", "angles.csv"])
        #expect(tables[0].csv.rows.count == 3)
        _ = try ReportFormat.jsonEncoder().encode(report)
    }

    @Test func quickRunsTwoFoldsAndCanSkipProtocols() throws {
        let lfw = try SyntheticLFW()
        var settings = HeadExperimentSettings.quick
        settings.heads = ["m1"]
        settings.batchSize = 16
        settings.runMegaFace = false
        let report = try HeadExperiment(data: lfw.data, files: lfw.files, settings: settings, model: "synthetic").run()
        #expect(report.heads.count == 2)
        #expect(report.heads[1].view2?.folds.count == 2)
        #expect(report.heads[1].megaface == nil)
    }

    @Test func anUnknownHeadIsRefused() {
        var settings = HeadExperimentSettings()
        settings.heads = ["m7"]
        #expect(throws: (any Error).self) { _ = try settings.configuration(head: "m7", features: 8, epochs: 1, learningRate: 0.1) }
    }
}
