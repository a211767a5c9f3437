import Foundation
import Testing
@testable import Evaluation

@Suite struct LFWPeopleTests {
    @Test func readsView2Sets() throws {
        let people = try LFWPeople.parse("2\n2\nAnn 1\nBob\t3\n1\nCid 2\n")
        #expect(people.sets == [["Ann", "Bob"], ["Cid"]])
        #expect(people.imageCounts == ["Ann": 1, "Bob": 3, "Cid": 2])
    }

    @Test func readsView1AsOneSet() throws {
        let people = try LFWPeople.parse("3\nAnn 1\nBob 3\nCid 2\n")
        #expect(people.sets == [["Ann", "Bob", "Cid"]])
    }

    @Test func refusesShortDuplicatedOrLongFiles() {
        #expect(message { _ = try LFWPeople.parse("") }?.contains("empty") == true)
        #expect(message { _ = try LFWPeople.parse("3\nAnn 1\nBob 3\n") }?.contains("ends before") == true)
        #expect(message { _ = try LFWPeople.parse("2\nAnn 1\nAnn 3\n") }?.contains("listed twice") == true)
        #expect(message { _ = try LFWPeople.parse("1\nAnn 1\nBob 2\n") }?.contains("more lines") == true)
        #expect(message { _ = try LFWPeople.parse("1\nAnn x\n") }?.contains("'name images'") == true)
    }
}

@Suite struct IdentityDisjointProtocolTests {
    /// Three sets of people and three folds of pairs, fold k drawn from set k.
    static let people = try! LFWPeople.parse("3\n2\nA 2\nB 1\n2\nC 2\nD 1\n2\nE 2\nF 1\n")
    static let pairs = try! LFWPairs.parse("3 1\nA 1 2\nA 1 B 1\nC 1 2\nC 1 D 1\nE 1 2\nE 1 F 1\n")

    @Test func view2FoldsTrainOnTheOtherSetsOnly() throws {
        let folds = try IdentityDisjointProtocols.view2(people: Self.people, pairs: Self.pairs)
        #expect(folds.count == 3)
        #expect(folds[0].trainPeople == ["C", "D", "E", "F"])
        #expect(folds[0].testPairIndices == [0, 1])
        #expect(folds[0].testPeople == ["A", "B"])
        for fold in folds { #expect(Set(fold.trainPeople).isDisjoint(with: fold.testPeople)) }
    }

    @Test func aTestPersonInTrainingIsRefused() {
        // Fold 1's mismatched pair names C, who is in set 2 (trained on in fold 1).
        let leaky = try! LFWPairs.parse("3 1\nA 1 2\nA 1 C 1\nC 1 2\nC 1 D 1\nE 1 2\nE 1 F 1\n")
        let text = message { _ = try IdentityDisjointProtocols.view2(people: Self.people, pairs: leaky) }
        #expect(text?.contains("View 2 fold 1") == true)
        #expect(text?.contains("disjoint") == true)
    }

    @Test func setAndFoldCountsMustAgree() {
        let two = try! LFWPairs.parse("2 1\nA 1 2\nA 1 B 1\nC 1 2\nC 1 D 1\n")
        #expect(message { _ = try IdentityDisjointProtocols.view2(people: Self.people, pairs: two) }?.contains("3 sets") == true)
    }

    /// On LFW's own files: every one of the ten folds is identity-disjoint, and View 1 too.
    @Test(.enabled(if: SharedData.lfw("people.txt") != nil, "LFW's protocol files (../shared/data/lfw) are absent"))
    func lfwProtocolsAreIdentityDisjoint() throws {
        let folds = try IdentityDisjointProtocols.view2(people: try LFWPeople.load(path: SharedData.lfw("people.txt")!),
                                                        pairs: try LFWPairs.load(path: SharedData.lfw("pairs.txt")!))
        #expect(folds.count == 10)
        for fold in folds {
            #expect(fold.testPairIndices.count == 600)
            #expect(Set(fold.trainPeople).isDisjoint(with: fold.testPeople))
        }
        let view1 = try IdentityDisjointProtocols.view1(train: try LFWPeople.load(path: SharedData.lfw("peopleDevTrain.txt")!),
                                                        testPairs: try LFWPairs.load(path: SharedData.lfw("pairsDevTest.txt")!))
        #expect(view1.trainPeople.count == 4038)
        #expect(Set(view1.trainPeople).isDisjoint(with: view1.testPeople))
    }

    @Test func megaFaceHalvesAreDisjointSeededAndComplete() throws {
        var counts: [String: Int] = [:]
        for i in 0..<40 { counts["p\(i)"] = i < 3 ? 12 : 1 + i % 4 }
        let halves = try MegaFaceHalves(imageCounts: counts, minProbeImages: 10, seed: 7)
        #expect(halves.probePeople == ["p0", "p1", "p2"])
        #expect(halves.trainPeople.count == 18 && halves.distractorPeople.count == 19)
        #expect(Set(halves.trainPeople).isDisjoint(with: halves.distractorPeople))
        #expect(Set(halves.trainPeople + halves.distractorPeople + halves.probePeople) == Set(counts.keys))
        #expect(try MegaFaceHalves(imageCounts: counts, minProbeImages: 10, seed: 7) == halves)
        #expect(try MegaFaceHalves(imageCounts: counts, minProbeImages: 10, seed: 8).trainPeople != halves.trainPeople)
    }
}

@Suite struct AngleStatisticsTests {
    /// Two identities on the unit circle: A at 0° ± 10°, B at 90° ± 20°.
    @Test func measuresIntraAndInterClassAngles() throws {
        func at(_ degrees: Double) -> [Float] { [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180))] }
        let features = try FeatureMatrix(vectors: [at(-10), at(10), at(70), at(110), at(200)])
        let stats = try AngleStatistics(features: features, identities: ["A", "A", "B", "B", "C"])
        #expect(stats.identities == 2 && stats.images == 4)       // C has one image: left out
        #expect(abs(stats.maxIntraClassAngle - 40) < 1e-3)       // B's two images
        #expect(abs(stats.meanIntraClassAngle - 15) < 1e-3)
        #expect(abs(stats.minInterClassAngle - 90) < 1e-3)
        #expect(abs(stats.ratio - 40.0 / 90) < 1e-5)
        let mean = AngleStatistics.mean([stats, stats])
        #expect(mean?.identities == 4 && abs((mean?.ratio ?? 0) - stats.ratio) < 1e-12)
    }

    @Test func needsTwoIdentitiesWithTwoImages() {
        let features = try! FeatureMatrix(vectors: [[1, 0], [0, 1], [1, 1]])
        #expect(message { _ = try AngleStatistics(features: features, identities: ["A", "A", "B"]) } != nil)
    }
}
