import Foundation
import Testing

/// `eval heads` end to end on a small LFW look-alike made of real LFW photographs: seven people
/// of six images each, with people and pairs files in both views' formats.
@Suite(.enabled(if: PipelineFixtures.available, "LFW or the models are absent (../shared/data/lfw, make models)"))
struct EvalHeadsCommandTests {
    @Test func trainsHeadsOnIdentityDisjointSplitsAndCachesTheVectors() throws {
        let dir = TemporaryDirectory()
        let root = dir.path("lfw"), images = dir.path("lfw/images")
        let people = try PipelineFixtures.people(count: 7, minimum: 6)
        for (name, files) in people {
            try FileManager.default.createDirectory(atPath: "\(images)/\(name)", withIntermediateDirectories: true)
            for file in files.prefix(6) {
                try FileManager.default.createSymbolicLink(atPath: "\(images)/\(name)/\(file.lastPathComponent)", withDestinationPath: file.path)
            }
        }
        let n = people.map(\.0)
        func write(_ name: String, _ text: String) throws { try text.write(toFile: "\(root)/\(name)", atomically: true, encoding: .utf8) }
        // View 2: two sets, each fold's pairs drawn from its own set.
        try write("people.txt", "2\n3\n\(n[0]) 6\n\(n[1]) 6\n\(n[2]) 6\n4\n\(n[3]) 6\n\(n[4]) 6\n\(n[5]) 6\n\(n[6]) 6\n")
        try write("pairs.txt", "2 2\n\(n[0]) 1 2\n\(n[1]) 3 4\n\(n[0]) 1 \(n[1]) 2\n\(n[1]) 5 \(n[2]) 6\n"
                  + "\(n[3]) 1 2\n\(n[4]) 3 4\n\(n[5]) 1 \(n[6]) 2\n\(n[3]) 5 \(n[4]) 6\n")
        // View 1: train on the first four, ten matched and ten mismatched pairs of the other three.
        try write("peopleDevTrain.txt", "4\n\(n[0]) 6\n\(n[1]) 6\n\(n[2]) 6\n\(n[3]) 6\n")
        var devTest = "10\n"
        for i in 0..<10 { devTest += "\(n[4 + i % 3]) \(1 + i / 3) \(2 + i / 3)\n" }
        for i in 0..<10 { devTest += "\(n[4 + i % 3]) \(1 + i % 6) \(n[4 + (i + 1) % 3]) \(1 + (i + 2) % 6)\n" }
        try write("pairsDevTest.txt", devTest)

        let out = dir.path("out")
        let arguments = ["eval", "heads", "--lfw", images, "--heads", "softmax,m2", "--features", "8", "--epochs", "2",
                         "--lr", "0.1", "--protocols", "view2", "--out", out, "--json"]
        let run = try CLI.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(run.json.first)
        #expect(report["identity_disjoint"] as? Bool == true)
        #expect(report["images"] as? Int == 42)
        let heads = report["heads"] as? [[String: Any]] ?? []
        #expect(heads.map { $0["head"] as? String } == ["raw", "softmax", "m2"])
        for head in heads {
            #expect((head["view1"] as? [String: Any])?["accuracy"] is Double)
            #expect(((head["view2"] as? [String: Any])?["folds"] as? [Double])?.count == 2)
            #expect(head["megaface"] == nil)
        }
        for file in ["report.json", "heads.csv", "view1_trials.csv", "angles.csv", "view2_roc_m2.csv", "features/lfw.npy"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) is missing")
        }
        // A second run reads the vectors from the cache and gives the same figures.
        let again = try CLI.run(arguments)
        let first = heads.map { ($0["view2"] as? [String: Any])?["accuracy"] as? Double }
        let second = (again.json.first?["heads"] as? [[String: Any]] ?? []).map { ($0["view2"] as? [String: Any])?["accuracy"] as? Double }
        #expect(first == second)

        // A pairs file naming a training person on the test side is refused.
        try write("pairs.txt", "2 2\n\(n[0]) 1 2\n\(n[3]) 3 4\n\(n[0]) 1 \(n[1]) 2\n\(n[1]) 5 \(n[2]) 6\n"
                  + "\(n[3]) 1 2\n\(n[4]) 3 4\n\(n[5]) 1 \(n[6]) 2\n\(n[3]) 5 \(n[4]) 6\n")
        let leaky = try CLI.run(arguments)
        #expect(leaky.status == 1 && leaky.stderr.contains("disjoint"), "\(leaky.stderr)")
    }
}
