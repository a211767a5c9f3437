import SeededRandom

/// One round of a protocol whose training people never appear on its test side: a head is
/// trained on `trainPeople` and scored on the pairs `testPairIndices` (indices into the pairs
/// file), whose people are `testPeople`.
public struct IdentityDisjointFold: Sendable, Equatable {
    public let trainPeople: [String]
    public let testPairIndices: [Int]
    public let testPeople: [String]

    /// - Throws: `identitiesOverlap` when a person of a test pair is among `trainPeople`.
    public init(trainPeople: [String], testPairIndices: [Int], pairs: LFWPairs, what: String) throws {
        let train = Set(trainPeople)
        var test = Set<String>()
        for i in testPairIndices { test.insert(pairs.pairs[i].first.name); test.insert(pairs.pairs[i].second.name) }
        let shared = test.intersection(train)
        guard shared.isEmpty else { throw EvaluationError.identitiesOverlap(what: what, people: shared.sorted()) }
        self.trainPeople = trainPeople.sorted()
        self.testPairIndices = testPairIndices
        self.testPeople = test.sorted()
    }
}

/// LFW's identity-disjoint protocols for heads trained on top of a frozen network.
public enum IdentityDisjointProtocols {
    /// View 2, unrestricted with labelled outside data: fold k trains on the people of the other
    /// nine sets of `people.txt` and tests fold k of `pairs.txt` (LFW drew fold k's pairs from set k).
    /// - Throws: `invalidArgument` when the set and fold counts differ, `identitiesOverlap`.
    public static func view2(people: LFWPeople, pairs: LFWPairs) throws -> [IdentityDisjointFold] {
        guard people.sets.count == pairs.foldCount, people.sets.count >= 2 else {
            throw EvaluationError.invalidArgument(
                "the people file has \(people.sets.count) sets and the pairs file \(pairs.foldCount) folds; View 2 needs the same number (10)")
        }
        let byFold = pairs.foldIndices
        return try (0..<pairs.foldCount).map { k in
            let train = people.sets.enumerated().filter { $0.offset != k }.flatMap(\.element)
            return try IdentityDisjointFold(trainPeople: train, testPairIndices: byFold[k], pairs: pairs, what: "View 2 fold \(k + 1)")
        }
    }

    /// View 1: train on `peopleDevTrain.txt`, test every pair of `pairsDevTest.txt`.
    /// - Throws: `identitiesOverlap`.
    public static func view1(train: LFWPeople, testPairs: LFWPairs) throws -> IdentityDisjointFold {
        try IdentityDisjointFold(trainPeople: train.everyone, testPairIndices: Array(testPairs.pairs.indices), pairs: testPairs, what: "View 1")
    }
}

/// The MegaFace-style protocol on LFW with a head trained between: the people with at least
/// `minProbeImages` images are the probes; every other person is drawn, by a seeded permutation,
/// into one of two halves — the head trains on all images of the first, the second give one
/// distractor image each.
public struct MegaFaceHalves: Sendable, Equatable {
    public let probePeople: [String]
    public let trainPeople: [String]
    public let distractorPeople: [String]

    /// - Parameters:
    ///   - imageCounts: images per person (every person of the data set).
    ///   - minProbeImages: the probes' minimum (10 in the LFW MegaFace-style run).
    ///   - seed: seed of the draw.
    /// - Throws: `invalidArgument` when there are no probes or fewer than two other people.
    public init(imageCounts: [String: Int], minProbeImages: Int = 10, seed: UInt64) throws {
        let names = imageCounts.keys.sorted()
        let probes = names.filter { imageCounts[$0]! >= minProbeImages }
        let others = names.filter { imageCounts[$0]! < minProbeImages }
        guard !probes.isEmpty, others.count >= 2 else {
            throw EvaluationError.invalidArgument(
                "\(probes.count) people have ≥ \(minProbeImages) images and \(others.count) fewer; the halved protocol needs probes and two halves")
        }
        var rng = SplitMix64(seed: seed)
        let order = rng.permutation(count: others.count)
        let half = others.count / 2
        probePeople = probes
        trainPeople = order[..<half].map { others[$0] }.sorted()
        distractorPeople = order[half...].map { others[$0] }.sorted()
    }
}
