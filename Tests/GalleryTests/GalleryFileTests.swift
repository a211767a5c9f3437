import Foundation
import GRDB
import Testing
@testable import Gallery

/// Paths that are not a gallery, and files of other programs: each gets its own message,
/// and nothing is written to them.
@Suite struct GalleryFileTests {
    let model = EmbeddingModelInfo(name: "toy", dim: 4)

    @Test func eachWrongPathSaysWhatIsWrong() throws {
        let dir = TemporaryDirectory()
        let missingDirectory = dir.path("nowhere/g.sqlite")
        #expect(throws: GalleryError.noDirectory(path: missingDirectory, directory: dir.path("nowhere"))) {
            try Gallery.open(at: missingDirectory)
        }
        #expect(throws: GalleryError.noDirectory(path: missingDirectory, directory: dir.path("nowhere"))) {
            try Gallery.create(at: missingDirectory, model: model)
        }
        #expect(throws: GalleryError.notAFile(path: dir.url.path, kind: "a directory")) { try Gallery.open(at: dir.url.path) }
        #expect(throws: GalleryError.notAFile(path: dir.url.path, kind: "a directory")) {
            try Gallery.create(at: dir.url.path, model: model)
        }
        let fifo = dir.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: GalleryError.notAFile(path: fifo, kind: "a named pipe (FIFO)")) { try Gallery.open(at: fifo, readOnly: true) }
        #expect(throws: GalleryError.notAFile(path: fifo, kind: "a named pipe (FIFO)")) { try Gallery.create(at: fifo, model: model) }
        let loop = dir.path("loop")
        #expect(symlink(loop, loop) == 0)
        #expect(throws: GalleryError.unreadable(path: loop, reason: "its symbolic links form a loop")) { try Gallery.open(at: loop) }
        #expect(throws: GalleryError.missing(path: dir.path("absent.sqlite"))) { try Gallery.open(at: dir.path("absent.sqlite")) }
    }

    @Test func anotherProgramsWALDatabaseIsRefusedUntouched() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x')")
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let walBefore = FileManager.default.fileExists(atPath: path + "-wal")
        for readOnly in [false, true] {
            #expect(throws: GalleryError.foreignDatabase(path: path)) { try Gallery.open(at: path, readOnly: readOnly) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(FileManager.default.fileExists(atPath: path + "-wal") == walBefore)
    }

    @Test func aWriterThatWaitedOutTheBusyTimeoutSaysSo() {
        let error = DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
        #expect(GalleryStore.translate(error, path: "g.sqlite") == .busy(path: "g.sqlite"))
        #expect(GalleryError.busy(path: "g.sqlite").description.contains("nothing was written"))
    }

    @Test func removalWaitsForAReaderAndFinishesWhenItGoes() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        var random = SyntheticVectors(dim: 64, seed: 5)
        let secret = random.unitVector()
        do {
            let gallery = try Gallery.create(at: path, model: EmbeddingModelInfo(name: "toy", dim: 64))
            try gallery.add([NewTemplate(identity: "secret", vector: secret, source: "secret-source-path.jpg")]
                            + (0..<20).map { NewTemplate(identity: "other\($0)", vector: random.unitVector()) })
            try gallery.close()
        }
        let needle = secret.withUnsafeBytes { Array($0[64..<128]) }
        func leftIn(_ file: String) -> Bool {
            let bytes = fileBytes(file)
            return bytes.contains(subsequence: needle) || bytes.contains(subsequence: Array("secret-source-path".utf8))
        }
        let reader = try readOnlyReader(path)
        let gallery = try Gallery.open(at: path)
        let removal: Removal = try reader.read { db in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM template")   // holds a snapshot
            return try gallery.remove(identity: "secret")
        }
        #expect(removal.erasurePending)
        #expect(leftIn(path), "the reader's snapshot keeps the old pages in the main file")
        #expect(try gallery.finishErasure())
        try reader.close()
        try gallery.close()
        #expect(!leftIn(path) && !leftIn(path + "-wal"))
    }

    @Test func aPendingErasureIsFinishedOnTheNextOpen() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        do {
            let gallery = try Gallery.create(at: path, model: model)
            try gallery.add([NewTemplate(identity: "secret", vector: [1, 2, 3, 4], source: "secret-source-path.jpg")])
            try gallery.close()
        }
        let reader = try readOnlyReader(path)
        var gallery: Gallery? = try Gallery.open(at: path)
        try reader.read { db in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM template")
            #expect(try gallery!.remove(identity: "secret").erasurePending)
            gallery = nil   // gone without a close, as a killed process would be
        }
        try reader.close()
        #expect(fileBytes(path).contains(subsequence: Array("secret-source-path".utf8)))
        let reopened = try Gallery.open(at: path)
        #expect(!fileBytes(path).contains(subsequence: Array("secret-source-path".utf8)))
        try reopened.close()
    }

    /// Another program's connection that only reads (so closing it checkpoints nothing).
    func readOnlyReader(_ path: String) throws -> DatabasePool {
        var config = Configuration()
        config.readonly = true
        return try DatabasePool(path: path, configuration: config)
    }
}
