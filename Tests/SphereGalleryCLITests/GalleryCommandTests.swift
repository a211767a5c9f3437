import Foundation
import Gallery
import Testing

@Suite struct GalleryCommandTests {
    @Test func importIdentifyAndTheJSONShapes() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        let gallery = dir.path("g.jsonl"), probes = dir.path("p.jsonl")
        try CLI.run(["synth", "--identities", "50", "--templates", "2", "--mated", "20", "--nonmated", "20",
                     "--dim", "64", "--noise", "0.6", "--gallery", gallery, "--probes", probes])
        #expect(try CLI.run(["init", "--db", db, "--model", "synthetic", "--dim", "64", "--threshold", "0.45"]).status == 0)
        let imported = try CLI.run(["import", "--db", db, gallery, "--json"])
        #expect(imported.json.first?["added"] as? Int == 100)
        #expect(try CLI.run(["import", "--db", db, gallery, "--json"]).json.first?["already_present"] as? Int == 100)

        let stats = try CLI.run(["stats", "--db", db, "--json"]).json
        #expect(stats.count == 1)
        #expect(stats.first?["model"] as? String == "synthetic")
        #expect(stats.first?["dim"] as? Int == 64)
        #expect(stats.first?["identities"] as? Int == 50)
        #expect(stats.first?["templates"] as? Int == 100)

        let results = try CLI.run(["identify", "--db", db, "--vectors", probes, "--top-k", "3", "--json"]).json
        #expect(results.count == 40)
        let truths = try String(contentsOfFile: probes, encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["identity"] as! String
        }
        var correct = 0, rejected = 0
        for (i, result) in results.enumerated() {
            #expect(result["query"] as? Int == i)
            let candidates = result["candidates"] as? [[String: Any]] ?? []
            #expect(candidates.count == 3)
            #expect(candidates.allSatisfy { $0["identity"] is String && $0["cosine"] is Double && $0["angle"] is Double })
            let decision = result["decision"] as? String
            if truths[i].hasPrefix("person") { correct += decision == truths[i] ? 1 : 0 } else { rejected += decision == "unknown" ? 1 : 0 }
        }
        #expect(correct >= 19)
        #expect(rejected >= 19)

        #expect(try CLI.run(["remove", "--db", db, "person_00003"]).status == 0)
        #expect(try CLI.run(["stats", "--db", db, "--json"]).json.first?["identities"] as? Int == 49)
        let exported = try CLI.run(["export", "--db", db]).json
        #expect(exported.count == 98)
        #expect(exported.allSatisfy { ($0["vector"] as? [Double])?.count == 64 })
        // Each row names its template and content hash: unique, and a hash is 64 hex digits.
        #expect(Set(exported.compactMap { $0["template"] as? Int }).count == 98)
        #expect(exported.allSatisfy { ($0["content_sha256"] as? String)?.count == 64 })
        #expect(try CLI.run(["show", "--db", db, "person_00003"]).status != 0)
    }

    @Test func badInputsGiveClearErrors() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "3"])
        let bad = dir.path("bad.jsonl")
        try "{\"identity\": \"a\", \"vector\": [1, 0, 0]}\n{\"identity\": \"b\", \"vector\": [1, 0]}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let wrong = try CLI.run(["import", "--db", db, bad])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("bad.jsonl:2: the vector has 2 values"))
        #expect(try CLI.run(["stats", "--db", db, "--json"]).json.first?["templates"] as? Int == 0)

        try "{\"identity\": \"a\", \"vector\": [1, true, 0]}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", "--db", db, bad]).stderr.contains("non-number"))
        try "not json\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", "--db", db, bad]).stderr.contains("bad.jsonl:1"))

        let notDB = dir.path("notes.txt")
        try "hello".write(toFile: notDB, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["stats", "--db", notDB])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not a SphereGallery database"))
        #expect(try String(contentsOfFile: notDB, encoding: .utf8) == "hello")
    }

    /// A `kill -9` in the middle of an import leaves a sound file holding whole batches
    /// only, and importing again completes it without duplicates.
    @Test func killedImportLeavesWholeBatchesAndResumes() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        let dim = 256, rows = 40_000, batch = 4000
        var random = SyntheticVectors(dim: dim, seed: 42)
        var values = [Float](repeating: 0, count: rows * dim)
        values.withUnsafeMutableBufferPointer { random.fillUnitRows($0.baseAddress!, count: rows) }
        try writeNPY(values, rows: rows, dim: dim, to: dir.path("x.npy"))
        try (0..<rows).map { "person_\($0 / 4)\n" }.joined().write(toFile: dir.path("labels.txt"), atomically: true, encoding: .utf8)
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", String(dim)])

        let arguments = ["import", "--db", db, "--npy", dir.path("x.npy"), "--labels", dir.path("labels.txt"),
                         "--batch", String(batch)]
        let process = try CLI.start(arguments)
        // Wait for the first batch to land, then kill somewhere inside a later one.
        let deadline = Date().addingTimeInterval(60)
        var seen = 0
        while seen == 0, Date() < deadline, process.isRunning {
            usleep(20_000)
            seen = (try? Gallery.open(at: db, readOnly: true))?.templateCount ?? 0
        }
        usleep(useconds_t(Int.random(in: 5_000...60_000)))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let after = try Gallery.open(at: db)
        #expect(try after.integrityCheck() == "ok")
        let kept = after.templateCount
        #expect(kept % batch == 0, "a batch is wholly in or out (found \(kept))")
        #expect(kept < rows, "the import was interrupted")
        try after.close()

        #expect(try CLI.run(arguments).status == 0)
        let done = try Gallery.open(at: db, readOnly: true)
        #expect(done.templateCount == rows)
        #expect(try done.stats().templates == rows)
        #expect(try done.integrityCheck() == "ok")
    }
}
