import Foundation
import GRDB
import Gallery
import Testing

/// Hostile and careless inputs to the vector commands: each ends in a clear message and the
/// documented exit status (0 done, 1 failed, 2 finished with some inputs failed), never a crash.
@Suite struct HardeningCommandTests {
    func jsonLine(_ identity: String, _ vector: [Float]) -> String {
        "{\"identity\": \"\(identity)\", \"vector\": [\(vector.map { String($0) }.joined(separator: ", "))]}\n"
    }

    func templates(_ db: String) throws -> Int? {
        try CLI.run(["stats", "--db", db, "--json"]).json.first?["templates"] as? Int
    }

    @Test func aBadLineLateInAnImportStoresNothingAndNamesEveryBadLine() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), input = dir.path("v.jsonl")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "3"])
        let lines = [jsonLine("a", [1, 0, 0]), jsonLine("b", [0, 1, 0]), jsonLine("c", [0, 0, 1]),
                     jsonLine("d", [1, 1]), jsonLine("e\\u0000f", [1, 0, 1]), jsonLine("g", [0, 0, 0])]
        try lines.joined().write(toFile: input, atomically: true, encoding: .utf8)
        let run = try CLI.run(["import", "--db", db, "--batch", "1", input])
        #expect(run.status == 1)
        #expect(run.stderr.contains("v.jsonl:4: the vector has 2 values"))
        #expect(run.stderr.contains("v.jsonl:5: the name contains a NUL character"))
        #expect(run.stderr.contains("v.jsonl:6: the vector is all zeros"))
        #expect(run.stderr.contains("nothing was stored"))
        #expect(try templates(db) == 0)
    }

    @Test func malformedNPYAndLabelFilesAreRefusedWithoutACrash() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), npy = dir.path("x.npy"), labels = dir.path("l.txt")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        try "a\nb\n".write(toFile: labels, atomically: true, encoding: .utf8)
        for shape in ["-1, 128", "1099511627776, 1099511627776"] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
            data.append(contentsOf: Array(header.utf8))
            data.append(Data(count: 16))
            try data.write(to: URL(fileURLWithPath: npy))
            let run = try CLI.run(["import", "--db", db, "--npy", npy, "--labels", labels])
            #expect(run.status == 1, "shape (\(shape))")
            #expect(run.stderr.contains("not a float .npy matrix"))
        }
        try writeNPY([1, 0, 0, 1], rows: 2, dim: 2, to: npy)
        try "ada\r\nbob\r\n".write(toFile: labels, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", "--db", db, "--npy", npy, "--labels", labels]).status == 0)
        #expect(try CLI.run(["list", "--db", db, "--json"]).json.compactMap { $0["identity"] as? String } == ["ada", "bob"])
        try (Data("ada\n".utf8) + Data([0x4A, 0x6F, 0x73, 0xE9, 0x0A])).write(to: URL(fileURLWithPath: labels))
        let latin1 = try CLI.run(["import", "--db", db, "--npy", npy, "--labels", labels])
        #expect(latin1.status == 1)
        #expect(latin1.stderr.contains("l.txt:2: not UTF-8 text"))
    }

    @Test func checkExportAndRemoveOnADamagedGallery() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), input = dir.path("v.jsonl")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        try (jsonLine("a", [1, 0]) + jsonLine("b", [0, 1]) + jsonLine("c", [1, 1])).write(toFile: input, atomically: true, encoding: .utf8)
        try CLI.run(["import", "--db", db, input])
        #expect(try CLI.run(["check", "--db", db]).status == 0)
        let queue = try DatabaseQueue(path: db)
        try queue.write { db in try db.execute(sql: "UPDATE template SET vector = x'0000' WHERE id = 2") }
        try queue.close()

        let check = try CLI.run(["check", "--db", db])
        #expect(check.status == 2)
        #expect(check.stdout.contains("template 2 (identity id 2): its vector has 2 bytes, expected 8"))
        let stats = try CLI.run(["stats", "--db", db])
        #expect(stats.status == 0)
        #expect(stats.stderr.contains("1 stored template(s)"))
        let export = try CLI.run(["export", "--db", db])
        #expect(export.status == 2)
        #expect(export.json.compactMap { $0["identity"] as? String } == ["a", "c"])
        #expect(export.stderr.contains("skipped template 2"))
        let removed = try CLI.run(["remove", "--db", db, "b", "nobody"])
        #expect(removed.status == 2, "one of the two was not there")
        #expect(removed.stdout.contains("removed b (1 templates)"))
        #expect(removed.stderr.contains("no identity 'nobody'"))
        #expect(try CLI.run(["check", "--db", db]).status == 0)
    }

    @Test func tablesShowControlAndBidiCharactersEscaped() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), input = dir.path("v.jsonl")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        try jsonLine("plain", [1, 0]).write(toFile: input, atomically: true, encoding: .utf8)
        try CLI.run(["import", "--db", db, input])
        // A name stored before such names were refused.
        let queue = try DatabaseQueue(path: db)
        try queue.write { db in try db.execute(sql: "UPDATE identity SET display_name = 'evil\u{202E}gpj.exe\u{1B}[2J'") }
        try queue.close()
        let list = try CLI.run(["list", "--db", db])
        #expect(!list.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B })
        #expect(list.stdout.contains("evil\\u{202E}gpj.exe\\u{1B}[2J"))
        let check = try CLI.run(["check", "--db", db])
        #expect(check.status == 2)
        #expect(check.stdout.contains("bidirectional control U+202E"))
    }

    @Test func thresholdsThatAreNotCosinesAreRefusedBeforeAnythingIsWritten() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        let initRun = try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2", "--threshold", "nan"])
        #expect(initRun.status == 64)
        #expect(!FileManager.default.fileExists(atPath: db))
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        #expect(try CLI.run(["threshold", "--db", db, "--set", "nan"]).status == 64)
        let probes = dir.path("p.jsonl")
        try jsonLine("q", [1, 0]).write(toFile: probes, atomically: true, encoding: .utf8)
        let identify = try CLI.run(["identify", "--db", db, "--vectors", probes, "--threshold", "nan"])
        #expect(identify.status == 1 || identify.status == 64)
        #expect(identify.stderr.contains("within -1…1"))
    }

    @Test func exportNeverReplacesALinkOrADevice() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), input = dir.path("v.jsonl"), target = dir.path("t.jsonl"), link = dir.path("l.jsonl")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        try jsonLine("a", [1, 0]).write(toFile: input, atomically: true, encoding: .utf8)
        try CLI.run(["import", "--db", db, input])
        try "old".write(toFile: target, atomically: true, encoding: .utf8)
        #expect(symlink(target, link) == 0)
        #expect(try CLI.run(["export", "--db", db, "--out", link]).status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("\"identity\":\"a\""))
        #expect(try CLI.run(["export", "--db", db, "--npy", "/dev/null", "--labels", "/dev/null"]).status == 0)
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }

    @Test func misleadingPathMessagesAreSpecific() throws {
        let dir = TemporaryDirectory()
        #expect(try CLI.run(["stats", "--db", dir.url.path]).stderr.contains("is a directory, not a gallery file"))
        #expect(try CLI.run(["init", "--db", dir.url.path, "--model", "m", "--dim", "2"]).stderr
            .contains("is a directory, not a gallery file"))
        #expect(try CLI.run(["stats", "--db", dir.path("no/g.sqlite")]).stderr.contains("does not exist; create it first"))
        #expect(mkfifo(dir.path("fifo"), 0o600) == 0)
        #expect(try CLI.run(["list", "--db", dir.path("fifo")]).stderr.contains("a named pipe (FIFO)"))
    }

    /// Runs as an unprivileged user (root reads and writes everything regardless of modes).
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func readCommandsWorkInAReadOnlyDirectoryAndUnreadableFilesSaySo() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite"), input = dir.path("v.jsonl")
        try CLI.run(["init", "--db", db, "--model", "m", "--dim", "2"])
        try jsonLine("a", [1, 0]).write(toFile: input, atomically: true, encoding: .utf8)
        try CLI.run(["import", "--db", db, input])
        #expect(chmod(dir.url.path, 0o755) == 0 && chmod(db, 0o644) == 0)
        func asNobody(_ arguments: [String]) throws -> CLI.Output {
            try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLI.executable.path] + arguments,
                        executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
        }
        let stats = try asNobody(["stats", "--db", db, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.json.first?["templates"] as? Int == 1)
        #expect(try asNobody(["export", "--db", db]).json.count == 1)
        #expect(try asNobody(["list", "--db", db]).status == 0)
        let write = try asNobody(["import", "--db", db, input])
        #expect(write.status == 1 && write.stderr.contains("read-only"))
        #expect(chmod(db, 0o000) == 0)
        let unreadable = try asNobody(["stats", "--db", db])
        #expect(unreadable.stderr.contains("cannot read \(db): permission denied"))
        #expect(!unreadable.stderr.contains("create one"))
    }

    /// An empty folder, or a folder named like an image, is an error for every photo command,
    /// never an empty success.
    @Test func foldersWithoutImagesAreReported() throws {
        let dir = TemporaryDirectory()
        let empty = dir.path("empty"), lookalike = dir.path("face.jpg"), db = dir.path("g.sqlite")
        for folder in [empty, lookalike] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try CLI.run(["init", "--db", db, "--model", "dlib-resnet", "--dim", "128"])
        for folder in [empty, lookalike] {
            for command in [["detect"], ["enrol", "--db", db, "--identity", "x"], ["identify", "--db", db]] {
                let run = try CLI.run(command + [folder])
                #expect(run.status == 1, "\(command[0]) \(folder) exited \(run.status)")
                #expect(run.stderr.contains("no images found in \(folder)"), "\(command[0]): \(run.stderr)")
            }
        }
    }
}
