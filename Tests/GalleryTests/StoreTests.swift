import Foundation
import GRDB
import Testing
@testable import Gallery

@Suite struct StoreTests {
    let model = EmbeddingModelInfo(name: "toy", dim: 8)

    func vector(_ seed: UInt64) -> [Float] {
        var random = SyntheticVectors(dim: 8, seed: seed)
        return random.unitVector()
    }

    @Test func persistsAcrossReopen() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        do {
            let gallery = try Gallery.create(at: path, model: model)
            try gallery.add((0..<50).map { NewTemplate(identity: "p\($0 % 10)", vector: vector(UInt64($0)), source: "img\($0).jpg") })
            try gallery.setThreshold(0.42)
            try gallery.close()
        }
        let reopened = try Gallery.open(at: path)
        #expect(reopened.model == model)
        #expect(reopened.templateCount == 50)
        #expect(try reopened.identities().count == 10)
        #expect(try reopened.threshold() == 0.42)
        let hit = try reopened.search([vector(7)], k: 1)[0]
        #expect(hit.candidates[0].identity == "p7")
        #expect(abs(hit.candidates[0].cosine - 1) < 1e-5)
        let (_, templates) = try reopened.identity("p7")
        #expect(templates.map(\.source) == ["img7.jpg", "img17.jpg", "img27.jpg", "img37.jpg", "img47.jpg"])
    }

    @Test func reAddingTheSameContentIsANoOp() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: model)
        let batch = (0..<5).map { NewTemplate(identity: "p", vector: vector(UInt64($0))) }
        let first = try gallery.add(batch)
        let second = try gallery.add(batch)
        #expect(first.allSatisfy { if case .added = $0 { true } else { false } })
        #expect(zip(first, second).allSatisfy { a, b in
            if case .added(let x) = a, case .alreadyPresent(let y) = b { x == y } else { false }
        })
        #expect(gallery.templateCount == 5)
        // An explicit content hash (an image file's) decides identity of content.
        let hash = SHA256.hash(Array("image bytes".utf8))
        try gallery.add([NewTemplate(identity: "q", vector: vector(100), contentSHA256: hash)])
        let again = try gallery.add([NewTemplate(identity: "q", vector: vector(101), contentSHA256: hash)])
        #expect(again.count == 1)
        if case .alreadyPresent = again[0] {} else { Issue.record("same hash must be a no-op") }
        #expect(gallery.templateCount == 6)
    }

    @Test func removeMakesIdentityUnfindableAndErasesItsBytes() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        let gallery = try Gallery.create(at: path, model: EmbeddingModelInfo(name: "toy", dim: 64))
        var random = SyntheticVectors(dim: 64, seed: 3)
        let secret = random.unitVector()
        try gallery.add([NewTemplate(identity: "secret", vector: secret, source: "secret-source-path.jpg")]
                        + (0..<20).map { NewTemplate(identity: "other\($0)", vector: random.unitVector()) })
        try gallery.close()
        let needle = secret.withUnsafeBytes { Array($0[64..<128]) }
        #expect(fileBytes(path).contains(subsequence: needle) || fileBytes(path + "-wal").contains(subsequence: needle))

        let reopened = try Gallery.open(at: path)
        try reopened.remove(identity: "secret")
        #expect(try reopened.search([secret], k: 25)[0].candidates.allSatisfy { $0.identity != "secret" })
        #expect(throws: GalleryError.unknownIdentity("secret")) { try reopened.identity("secret") }
        #expect(throws: GalleryError.unknownIdentity("secret")) { try reopened.remove(identity: "secret") }
        #expect(reopened.templateCount == 20)
        try reopened.close()
        for file in [path, path + "-wal"] {
            let bytes = fileBytes(file)
            #expect(!bytes.contains(subsequence: needle), "vector bytes left in \(file)")
            #expect(!bytes.contains(subsequence: Array("secret-source-path".utf8)), "source left in \(file)")
        }
    }

    @Test func migrationsAreRecordedAndSchemaIsEmbeddedVerbatim() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        try Gallery.create(at: path, model: model).close()
        let queue = try DatabaseQueue(path: path)
        let (version, recorded, pageSize, journal) = try queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM schema_migration"),
             try Int.fetchOne(db, sql: "PRAGMA page_size"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(version == Migration.latestVersion)
        #expect(recorded == Migration.embedded.count)
        #expect(pageSize == Migration.pageSize)
        #expect(journal == "wal")
        let schemaDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: schemaDir.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.embedded.map(\.fileName), "run `make schema` after editing Schema/")
        for migration in Migration.embedded {
            let text = try String(contentsOf: schemaDir.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(text == migration.sql, "\(migration.fileName) differs from the embedded copy: run `make schema`")
        }
    }

    @Test func newerSchemaIsRefusedWithoutWriting() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        try Gallery.create(at: path, model: model).close()
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA user_version = \(Migration.latestVersion + 1)")
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
        let before = fileBytes(path)
        #expect(throws: GalleryError.newerSchema(path: path, fileVersion: Migration.latestVersion + 1,
                                                 knownVersion: Migration.latestVersion)) {
            try Gallery.open(at: path)
        }
        #expect(throws: GalleryError.self) { try Gallery.open(at: path, readOnly: true) }
        #expect(fileBytes(path) == before)
    }

    @Test func notADatabaseIsRefusedWithoutWriting() throws {
        let dir = TemporaryDirectory()
        for (name, contents) in [("text.sqlite", Array("hello, this is not a database at all".utf8)),
                                 ("random.sqlite", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }),
                                 ("truncated.sqlite", Array("SQLite format 3\0".utf8) + [0, 1])] {
            let path = dir.path(name)
            _ = FileManager.default.createFile(atPath: path, contents: Data(contents))
            #expect(throws: GalleryError.notADatabase(path: path)) { try Gallery.open(at: path) }
            #expect(fileBytes(path) == contents)
            #expect(throws: GalleryError.alreadyExists(path: path)) { try Gallery.create(at: path, model: model) }
        }
        #expect(throws: GalleryError.missing(path: dir.path("none.sqlite"))) { try Gallery.open(at: dir.path("none.sqlite")) }
    }

    @Test func foreignDatabaseIsRefusedWithoutWriting() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            try db.execute(sql: "INSERT INTO notes (text) VALUES ('keep me')")
        }
        try queue.close()
        let before = fileBytes(path)
        #expect(throws: GalleryError.foreignDatabase(path: path)) { try Gallery.open(at: path) }
        #expect(throws: GalleryError.foreignDatabase(path: path)) { try Gallery.open(at: path, readOnly: true) }
        #expect(fileBytes(path) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func readOnlyFileCanBeSearchedButNotWritten() throws {
        guard getuid() != 0 else {
            // root ignores file permissions; the read-only *mode* is still checked below.
            let dir = TemporaryDirectory()
            let path = dir.path("g.sqlite")
            try Gallery.create(at: path, model: model).add([NewTemplate(identity: "a", vector: vector(1))])
            let gallery = try Gallery.open(at: path, readOnly: true)
            #expect(try gallery.search([vector(1)], k: 1)[0].identified == "a")
            #expect(throws: GalleryError.readOnly(path: path)) { try gallery.add([NewTemplate(identity: "b", vector: vector(2))]) }
            #expect(throws: GalleryError.readOnly(path: path)) { try gallery.remove(identity: "a") }
            return
        }
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        try Gallery.create(at: path, model: model).add([NewTemplate(identity: "a", vector: vector(1))])
        chmod(path, 0o444)
        #expect(throws: GalleryError.readOnly(path: path)) { try Gallery.open(at: path) }
        let gallery = try Gallery.open(at: path, readOnly: true)
        #expect(try gallery.search([vector(1)], k: 1)[0].identified == "a")
    }

    @Test func createRejectsBadModels() throws {
        let dir = TemporaryDirectory()
        #expect(throws: GalleryError.self) { try Gallery.create(at: dir.path("a"), model: .init(name: "m", dim: 0)) }
        #expect(throws: GalleryError.self) { try Gallery.create(at: dir.path("b"), model: .init(name: "", dim: 4)) }
    }

    @Test func fileStaysCloseToItsVectors() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        let dim = 512, count = 6000
        let gallery = try Gallery.create(at: path, model: .init(name: "big", dim: dim))
        var random = SyntheticVectors(dim: dim, seed: 11)
        for start in stride(from: 0, to: count, by: 1000) {
            try gallery.add((start..<start + 1000).map {
                NewTemplate(identity: "p\($0 / 3)", vector: random.unitVector(), source: "people/p\($0 / 3)/\($0).jpg")
            })
        }
        try gallery.close()
        let ratio = Double(GalleryStore.fileSize(path)! + (GalleryStore.fileSize(path + "-wal") ?? 0)) / Double(count * dim * 4)
        #expect(ratio < 1.2, "file is \(ratio)× its vectors")
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hash([UInt8]()).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexString
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for chunk in stride(from: 0, to: million.count, by: 777) { h.update(Array(million[chunk..<min(chunk + 777, million.count)])) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct LoadTests {
    /// Galleries above 50,000 ids are loaded by one connection per core over id slices. With
    /// no id missing between the first and the last, each slice's rows are its id range (the
    /// first identity's removal leaves the ids from 11 on); after removals they are counted.
    @Test(arguments: [[], [0], Array(stride(from: 0, to: 12_000, by: 97))])
    func parallelLoadReadsEveryRowOnce(removedIdentities: [Int]) throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        let dim = 16, count = 120_000
        var random = SyntheticVectors(dim: dim, seed: 8)
        var vectors: [[Float]] = []
        let removedIdentities = Set(removedIdentities)
        do {
            let gallery = try Gallery.create(at: path, model: .init(name: "toy", dim: dim))
            for start in stride(from: 0, to: count, by: 20_000) {
                let batch = (start..<start + 20_000).map { i -> NewTemplate in
                    let v = random.unitVector()
                    vectors.append(v)
                    return NewTemplate(identity: "p\(i / 10)", vector: v)
                }
                try gallery.add(batch)
            }
            for i in removedIdentities { try gallery.remove(identity: "p\(i)") }
            try gallery.close()
        }
        // Template i (0-based) has id i + 1; the slices must count exactly the ids left.
        let remaining = (1...Int64(count)).filter { !removedIdentities.contains(Int($0 - 1) / 10) }
        for afterID: Int64 in [0, 1_000] {
            let store = try GalleryStore.open(at: path, readOnly: true)
            let (bounds, counts) = try #require(try store.loadSlices(afterID: afterID))
            #expect(bounds.first == afterID && bounds.last == Int64(count))
            #expect(counts.count == bounds.count - 1 && counts.count == ProcessInfo.activeCores)
            for i in counts.indices {
                #expect(counts[i] == remaining.filter { $0 > bounds[i] && $0 <= bounds[i + 1] }.count, "slice \(i)")
            }
            try store.close()
        }
        for storage in VectorStorage.allCases {
            let gallery = try Gallery.open(at: path, readOnly: true, storage: storage)
            #expect(gallery.templateCount == remaining.count)
            var seen = Set<Int64>()
            try gallery.forEachTemplate { _, _, _ in }
            for i in stride(from: 1, to: count, by: 997) where !removedIdentities.contains(i / 10) {
                let hit = try gallery.search([vectors[i]], k: 1)[0].candidates[0]
                #expect(hit.identity == "p\(i / 10)")
                #expect(hit.templateID == Int64(i + 1))
                #expect(hit.cosine > (storage == .float32 ? 0.99999 : 0.999))
                seen.insert(hit.templateID)
            }
            #expect(!seen.isEmpty)
        }
    }
}
