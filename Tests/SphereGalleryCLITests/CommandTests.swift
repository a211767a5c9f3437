import Foundation
import Testing

/// The photo subcommands end to end: verify, detect → train → embed, eval lfw, a sphere20a
/// gallery searched with photographs, eval megaface --landmarks, --version.
@Suite(.enabled(if: PipelineFixtures.available, "needs LFW in ../shared/data/lfw and the models (make models)"))
struct CommandTests {
    @Test func versionNamesTheReleaseAndCommit() throws {
        let run = try CLI.run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.range(of: #"^\d+\.\d+\.\d+ \(commit [0-9a-f]{12}\)"#, options: .regularExpression) != nil, "\(run.stdout)")
    }

    /// The same person is accepted and two people are not, at the 1:1 threshold, also with --db
    /// (whose 1:N threshold, set to 0.99 here, must not be used).
    @Test func verifyUsesTheVerificationThreshold() throws {
        let people = try PipelineFixtures.people(count: 2, minimum: 2)
        let a0 = people[0].1[0].path, a1 = people[0].1[1].path, b0 = people[1].1[0].path
        let same = try CLI.run(["verify", a0, a1, "--json"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.json.first?["same"] as? Bool == true && same.json.first?["threshold"] as? Double == 0.908)
        #expect(try CLI.run(["verify", a0, b0, "--json"]).json.first?["same"] as? Bool == false)

        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        #expect(try CLI.run(["enrol", "--db", db, "--identity", "a", a0]).status == 0)
        #expect(try CLI.run(["threshold", "--db", db, "--set", "0.99"]).status == 0)
        let withDB = try CLI.run(["verify", a0, a1, "--db", db, "--json"])
        #expect(withDB.status == 0, "\(withDB.stderr)")
        #expect(withDB.json.first?["threshold"] as? Double == 0.908 && withDB.json.first?["same"] as? Bool == true)
        #expect(try CLI.run(["verify", a0, dir.path("missing.jpg")]).status == 1)
    }

    /// Crops from `detect`, a tiny net from `train`, vectors from `embed` with that net.
    @Test func detectTrainAndEmbed() throws {
        let dir = TemporaryDirectory()
        let people = try PipelineFixtures.people(count: 2, minimum: 4)
        for (name, files) in people {
            let out = dir.path("crops/\(name)")
            let run = try CLI.run(["detect", "--crops", out, "--select", "centre", "--template", "sphereface"] + files.prefix(4).map(\.path))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let model = dir.path("m.safetensors")
        // --features-out through a symbolic link: the link stays, its target gets the vectors.
        let target = dir.path("features-target.jsonl"), link = dir.path("features.jsonl")
        FileManager.default.createFile(atPath: target, contents: nil)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let train = try CLI.run(["train", "--data", dir.path("crops"), "--net", "sphere4", "--widths", "4,4,8,8", "--features", "3",
                                 "--epochs", "2", "--batch", "4", "--out", model, "--json", "--checkpoint-every", "0",
                                 "--features-out", link])
        #expect(train.status == 0, "\(train.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect((try String(contentsOfFile: target, encoding: .utf8)).split(separator: "\n").count >= 4)
        #expect(train.json.last?["iterations"] != nil || train.json.count >= 2, "\(train.stdout)")
        #expect(FileManager.default.fileExists(atPath: model))

        let crop = try FileManager.default.contentsOfDirectory(atPath: dir.path("crops/\(people[0].0)")).sorted()[0]
        let embed = try CLI.run(["embed", "--model", "sphere20a:" + model, dir.path("crops/\(people[0].0)/\(crop)"), "--json"])
        #expect(embed.status == 0, "\(embed.stderr)")
        let vector = embed.json.first?["vector"] as? [Double] ?? []
        #expect(vector.count == 3 && abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        // A photograph is not an aligned crop: refused with the size it needs.
        let wrong = try CLI.run(["embed", people[0].1[0].path])
        #expect(wrong.status != 0 && wrong.stderr.contains("150×150"), "\(wrong.stderr)")
    }

    /// A small View 1 style file with unbalanced counts and one pair whose image is missing.
    @Test func evalLFWSkipsPairsWithMissingImages() throws {
        let dir = TemporaryDirectory()
        let people = try PipelineFixtures.people(count: 12, minimum: 2)
        var text = "10\n"
        for (name, _) in people.prefix(11) { text += "\(name) 1 2\n" }
        for i in 0..<10 { text += "\(people[i].0) 1 \(people[i + 1].0) 1\n" }
        text += "\(people[0].0) 1 No_Such_Person 1\n"
        try text.write(toFile: dir.path("pairs.txt"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["eval", "lfw", "--lfw", PipelineFixtures.lfw.path, "--pairs", dir.path("pairs.txt"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = run.json.first ?? [:]
        #expect(report["pairs_skipped_missing_image"] as? Int == 1, "\(report)")
        #expect(report["pairs"] as? Int == 21)
        let accuracy = (report["accuracy"] as? [String: Any])?["mean"] as? Double ?? 0
        #expect(accuracy >= 0.9, "\(report)")
    }

    /// Enrolled with sphere20a weights from a file, the gallery is searched with photographs
    /// without naming them again; other weights are refused.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: PipelineFixtures.shared.appendingPathComponent("testvectors/sphere20a/weights.safetensors").path)))
    func sphere20aGalleryIsSearchedWithPhotographs() throws {
        let dir = TemporaryDirectory()
        let weights = PipelineFixtures.shared.appendingPathComponent("testvectors/sphere20a/weights.safetensors").path
        let other = dir.path("other.safetensors")
        var changed = try Data(contentsOf: URL(fileURLWithPath: weights))
        changed[changed.count - 1] ^= 1
        try changed.write(to: URL(fileURLWithPath: other))
        let person = try PipelineFixtures.people(count: 1, minimum: 3)[0]
        let db = dir.path("g.sqlite")
        let enrol = try CLI.run(["enrol", "--db", db, "--model", "sphere20a:" + weights, "--identity", person.0, person.1[0].path])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let identify = try CLI.run(["identify", "--db", db, person.1[1].path, "--json"])
        #expect(identify.status == 0, "\(identify.stderr)")
        let faces = identify.json.first?["faces"] as? [[String: Any]] ?? []
        let best = (faces.first?["candidates"] as? [[String: Any]])?.first?["identity"] as? String
        #expect(best == person.0)
        let refused = try CLI.run(["enrol", "--db", db, "--model", "sphere20a:" + other, "--identity", person.0, person.1[2].path])
        #expect(refused.status == 1 && refused.stderr.contains("SHA-256"), "\(refused.stderr)")
        let calibrate = try CLI.run(["calibrate", "--db", db, "--fpir", "0.1", "--nonmated", person.1[2].path, "--dry-run", "--json"])
        #expect(calibrate.status == 0, "\(calibrate.stderr)")
    }

    /// --landmarks is used and is part of the feature cache's key.
    @Test func megafaceLandmarksAreUsedAndKeyTheCache() throws {
        let dir = TemporaryDirectory()
        let people = try PipelineFixtures.people(count: 3, minimum: 3)
        try PipelineFixtures.folder(dir.path("probes"), people.map { ($0.0, Array($0.1.prefix(3))) })
        let distractors = try PipelineFixtures.people(count: 4, minimum: 1, skip: 30).map { ($0.0, [$0.1[0]]) }
        try PipelineFixtures.folder(dir.path("distractors"), distractors)
        func run(_ extra: [String]) throws -> [String: Any] {
            let r = try CLI.run(["eval", "megaface", "--probes", dir.path("probes"), "--distractors", dir.path("distractors"),
                                 "--cache", dir.path("cache"), "--json"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return r.json.first ?? [:]
        }
        #expect(try run([])["landmarks"] as? String == "dlib5")
        #expect(try run(["--landmarks", "mtcnn"])["landmarks"] as? String == "mtcnn")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("cache/probes.json")))) as? [String: Any]
        #expect(manifest?["landmarks"] as? String == "mtcnn")
    }
}
