import Foundation
import GRDB
import GRDBSQLite

/// The SQLite side of a gallery: one file in WAL mode (`Schema/` migrations), with foreign
/// keys, a busy timeout and `secure_delete` on. Knows rows and bytes, not search.
final class GalleryStore: Sendable {
    let path: String
    let readOnly: Bool
    private let writer: any DatabaseWriter

    private init(path: String, readOnly: Bool, writer: any DatabaseWriter) {
        self.path = path
        self.readOnly = readOnly
        self.writer = writer
    }

    /// How long a write waits for another process's write to finish.
    static let busyTimeoutMilliseconds = 10_000

    private static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(Double(busyTimeoutMilliseconds) / 1000)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA mmap_size = 0")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        return config
    }

    /// Creates a new gallery file for `model`. Fails if a non-empty file is already there.
    static func create(at path: String, model: EmbeddingModelInfo) throws -> GalleryStore {
        guard model.dim >= 1, model.dim <= 65536 else {
            throw GalleryError.invalidArgument("the embedding dimension must be 1…65536, not \(model.dim).")
        }
        guard !model.name.isEmpty else { throw GalleryError.invalidArgument("the model name is empty.") }
        if case .file(let size) = try GalleryPath.inspect(path), size > 0 { throw GalleryError.alreadyExists(path: path) }
        do {
            // Page size and application id must be set before the first table is written
            // and before the switch to WAL, which fixes the page size for good.
            let queue = try DatabaseQueue(path: path, configuration: configuration(readOnly: false))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = \(Migration.pageSize)")
                try db.execute(sql: "PRAGMA application_id = \(Migration.applicationID)")
                try db.execute(sql: "VACUUM")
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                try Migration.migrate(db)
                try db.execute(
                    sql: "INSERT INTO embedding_model (name, dim, weights_sha256, metadata) VALUES (?, ?, ?, ?)",
                    arguments: [model.name, model.dim, model.weightsSHA256, model.metadataJSON])
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            try queue.close()
        } catch let error as DatabaseError {
            throw translate(error, path: path)
        }
        return try open(at: path, readOnly: false)
    }

    /// Opens an existing gallery, applying any migrations it lacks (unless read-only).
    /// A file that is not a gallery, or whose schema is newer than this build knows, is
    /// refused before anything is written to it.
    static func open(at path: String, readOnly: Bool) throws -> GalleryStore {
        guard case .file(let size) = try GalleryPath.inspect(path), size > 0 else { throw GalleryError.missing(path: path) }
        try preflight(path)
        if !readOnly, !FileManager.default.isWritableFile(atPath: path) {
            throw GalleryError.readOnly(path: path)
        }
        do {
            let writer: any DatabaseWriter
            if readOnly, !GalleryPath.directoryIsWritable(path), fileSize(path + "-wal") == nil {
                // SQLite cannot create the -shm a WAL reader needs in a directory it may not
                // write. With no -wal there, no writer is active and the file is whole: read
                // it as immutable (no locks, no shared memory).
                writer = try DatabaseQueue(path: "file:\(Self.uriEscaped(path))?immutable=1",
                                           configuration: configuration(readOnly: true))
            } else {
                writer = try DatabasePool(path: path, configuration: configuration(readOnly: readOnly))
            }
            let store = GalleryStore(path: path, readOnly: readOnly, writer: writer)
            let (applicationID, version) = try writer.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                 try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
            }
            guard applicationID == Migration.applicationID else { throw GalleryError.foreignDatabase(path: path) }
            guard version <= Migration.latestVersion else {
                throw GalleryError.newerSchema(path: path, fileVersion: version, knownVersion: Migration.latestVersion)
            }
            if version < Migration.latestVersion {
                guard !readOnly else { throw GalleryError.readOnly(path: path) }
                try writer.writeWithoutTransaction { db in
                    try Migration.migrate(db)
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
            }
            // An erasure a reader held up last time (see `removeIdentity`) is finished now.
            if !readOnly, let walBytes = fileSize(path + "-wal"), walBytes > 0 { _ = try store.checkpoint() }
            return store
        } catch let error as DatabaseError {
            throw translate(error, path: path)
        }
    }

    /// Reads the 100-byte header directly: refuses non-SQLite files and other programs'
    /// databases, and newer schemas, without opening them for writing.
    private static func preflight(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw GalleryError.missing(path: path) }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw GalleryError.notADatabase(path: path)
        }
        func bigEndian32(_ offset: Int) -> UInt32 {
            header[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let applicationID = Int32(bitPattern: bigEndian32(68))
        let userVersion = Int(Int32(bitPattern: bigEndian32(60)))
        // Every gallery carries our application id from its creation; any other file, WAL mode
        // or not, belongs to another program and is refused before SQLite opens it.
        if applicationID != Migration.applicationID { throw GalleryError.foreignDatabase(path: path) }
        if userVersion > Migration.latestVersion {
            throw GalleryError.newerSchema(path: path, fileVersion: userVersion, knownVersion: Migration.latestVersion)
        }
    }

    static func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }

    /// `path` for an SQLite URI filename (`%`, `?` and `#` escaped).
    static func uriEscaped(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
            .replacingOccurrences(of: "#", with: "%23")
    }

    static func translate(_ error: DatabaseError, path: String) -> GalleryError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .notADatabase(path: path)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: return .readOnly(path: path)
        default: return .database("\(path): \(error.message ?? error.description)")
        }
    }

    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError { throw GalleryStore.translate(error, path: path) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        guard !readOnly else { throw GalleryError.readOnly(path: path) }
        return try guarded { try writer.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded { try writer.read(body) }
    }

    /// Runs one bulk read with the file memory-mapped: SQLite then hands out pointers into the
    /// mapped pages instead of first copying each page into its own cache
    /// (docs/benchmarks.md#cold-open-and-file-size). Only for
    /// the load, outside a transaction (`body` runs one statement, its own snapshot), and the
    /// mapping is dropped again before the connection goes back to the pool, so searches and
    /// writes never touch a mapping (where an I/O error would be a signal, not an error code).
    private func readMapped<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded {
            try writer.unsafeRead { db in
                try db.execute(sql: "PRAGMA mmap_size = \(Self.loadMapLimit)")
                defer { try? db.execute(sql: "PRAGMA mmap_size = 0") }
                return try body(db)
            }
        }
    }

    /// Bytes of the file a bulk load maps at most (SQLite caps it at its build's limit, 2 GiB
    /// in Debian's; the rest is read as usual).
    private static let loadMapLimit: Int64 = 1 << 40

    /// Checkpoints the WAL into the main file (so nothing lingers beside it) and closes.
    func close() throws {
        _ = try checkpoint()
        try guarded { try writer.close() }
    }

    // MARK: Model and settings

    func model() throws -> EmbeddingModelInfo {
        try read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT name, dim, weights_sha256, metadata FROM embedding_model ORDER BY id LIMIT 1")
            else { throw GalleryError.noModel }
            return EmbeddingModelInfo(name: row[0], dim: row[1], weightsSHA256: row[2], metadataJSON: row[3])
        }
    }

    func modelID() throws -> Int64 {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM embedding_model ORDER BY id LIMIT 1")
            else { throw GalleryError.noModel }
            return id
        }
    }

    func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    func setSetting(_ key: String, _ value: String?) throws {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }

    /// Changes whenever another connection commits (SQLite's `PRAGMA data_version`, read
    /// on the one connection that this store writes with).
    func dataVersion() throws -> Int {
        try guarded {
            try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        }
    }

    // MARK: Templates

    /// Appends the templates with id > `afterID` to `matrix` and returns the largest id
    /// read (or `afterID`). The id range is cut into one slice per core; each slice is read
    /// by its own connection with one sequential scan that copies every BLOB straight into
    /// its place in the matrix (no per-row allocation). Should another process change the
    /// rows between the slices' reads, the load is redone by one connection.
    /// A row that fails `StoredRowCheck` is not kept: it is returned in `damaged` instead.
    func loadTemplates(into matrix: EmbeddingMatrix, afterID: Int64 = 0) throws -> (lastID: Int64, damaged: [DamagedTemplate]) {
        guard let (bounds, counts) = try loadSlices(afterID: afterID) else { return (afterID, []) }
        let slices = counts.count
        let start = matrix.count
        matrix.reserve(start + counts.reduce(0, +))
        var offsets = [start]
        for c in counts { offsets.append(offsets.last! + c) }
        let outcomes = Shared(UnsafeMutablePointer<Result<(Int, [DamagedTemplate]), GalleryError>>.allocate(capacity: slices))
        outcomes.pointer.initialize(repeating: .success((0, [])), count: slices)
        defer { outcomes.pointer.deinitialize(count: slices); outcomes.pointer.deallocate() }
        let lastID = bounds.last!
        let sliceBounds = bounds, sliceOffsets = offsets
        DispatchQueue.concurrentPerform(iterations: slices) { i in
            outcomes.pointer[i] = Result {
                try self.readSlice(into: matrix, after: sliceBounds[i], upTo: sliceBounds[i + 1],
                                   firstRow: sliceOffsets[i], limit: counts[i])
            }.mapError { ($0 as? GalleryError) ?? .database("\($0)") }
        }
        var consistent = true
        var damaged: [DamagedTemplate] = []
        for i in 0..<slices {
            let (n, bad) = try outcomes.pointer[i].get()
            if n != counts[i] { consistent = false }
            damaged += bad
        }
        guard consistent else {
            matrix.setCount(start)
            return try loadSerially(into: matrix, afterID: afterID)
        }
        matrix.setCount(offsets.last!)
        if !damaged.isEmpty { matrix.removeRows(templates: Set(damaged.map(\.templateID))) }
        return (lastID, damaged)
    }

    /// How a load of the templates with id > `afterID` is cut: `bounds[i] < id <= bounds[i + 1]`
    /// is slice i (`bounds[0] = afterID`), holding `counts[i]` rows, one slice per core above
    /// 50,000 ids. Nil when there is nothing to load.
    func loadSlices(afterID: Int64) throws -> (bounds: [Int64], counts: [Int])? {
        try read { db in
            // Each bound is its own subquery: together in one `min(id), max(id)`, SQLite would
            // visit every row (0.31 s for 1M×512) instead of both ends of the rowid tree.
            let ends = try Row.fetchOne(db, sql: """
                SELECT (SELECT min(id) FROM template WHERE id > ?1), (SELECT max(id) FROM template WHERE id > ?1)
                """, arguments: [afterID])
            let minID: Int64 = ends?[0] ?? 0, maxID: Int64 = ends?[1] ?? 0
            guard maxID > afterID else { return nil }
            let slices = maxID - minID > 50_000 ? ProcessInfo.activeCores : 1
            var bounds = (0...slices).map { minID - 1 + (maxID - minID + 1) * Int64($0) / Int64(slices) }
            bounds[0] = afterID
            // The whole table's count only adds up each index page's cell count (with a lower
            // bound on the id it would be a scan). When no id is missing
            // (nothing was removed), each slice holds its whole id range.
            if afterID == 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM template") == Int(maxID - minID + 1) {
                return (bounds, (0..<slices).map { Int(bounds[$0 + 1] - max(bounds[$0], minID - 1)) })
            }
            // Otherwise the rows up to each upper bound, counted in one pass over the small
            // identity index rather than the 2 KiB-row table (0.18 s for 1M rows).
            let sums = (1...slices).map { "sum(id <= ?\($0 + 1))" }.joined(separator: ", ")
            let row = try Row.fetchOne(
                db, sql: "SELECT \(sums) FROM template INDEXED BY template_identity WHERE id > ?1",
                arguments: StatementArguments(bounds.map { $0 as any DatabaseValueConvertible }))
            let upTo = (0..<slices).map { (row?[$0] as Int?) ?? 0 }
            return (bounds, zip(upTo, [0] + upTo.dropLast()).map { $0 - $1 })
        }
    }

    /// Reads the rows with `after < id <= upTo` into rows `firstRow...` (at most `limit`).
    /// A damaged row is written as zeros (and listed) so the slice keeps its place; the
    /// caller removes it.
    /// - Returns: how many rows the range held (more than `limit` means the file changed).
    private func readSlice(into matrix: EmbeddingMatrix, after: Int64, upTo: Int64, firstRow: Int, limit: Int) throws
        -> (Int, [DamagedTemplate]) {
        try readMapped { db in
            let statement = try db.makeStatement(sql: "SELECT id, identity_id, vector FROM template WHERE id > ? AND id <= ? ORDER BY id")
            let raw = statement.sqliteStatement
            sqlite3_bind_int64(raw, 1, after)
            sqlite3_bind_int64(raw, 2, upTo)
            defer { sqlite3_reset(raw) }
            var damaged: [DamagedTemplate] = []
            var n = 0
            while true {
                let rc = sqlite3_step(raw)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else {
                    throw GalleryError.database(String(cString: sqlite3_errmsg(sqlite3_db_handle(raw))))
                }
                guard n < limit else { return (n + 1, damaged) }
                let id = sqlite3_column_int64(raw, 0), identityID = sqlite3_column_int64(raw, 1)
                let blob = sqlite3_column_blob(raw, 2)
                if let reason = StoredRowCheck.problem(blob, byteCount: Int(sqlite3_column_bytes(raw, 2)), dim: matrix.dim) {
                    damaged.append(DamagedTemplate(templateID: id, identityID: identityID, reason: reason))
                    let zeros = [Float](repeating: 0, count: matrix.dim)
                    zeros.withUnsafeBytes { matrix.writeRow(firstRow + n, float32Bytes: $0.baseAddress!, templateID: id, identityID: identityID) }
                } else {
                    matrix.writeRow(firstRow + n, float32Bytes: blob!, templateID: id, identityID: identityID)
                }
                n += 1
            }
            return (n, damaged)
        }
    }

    /// The same load in one read transaction (a consistent snapshot).
    private func loadSerially(into matrix: EmbeddingMatrix, afterID: Int64) throws -> (lastID: Int64, damaged: [DamagedTemplate]) {
        try read { db in
            let statement = try db.makeStatement(sql: "SELECT id, identity_id, vector FROM template WHERE id > ? ORDER BY id")
            let raw = statement.sqliteStatement
            sqlite3_bind_int64(raw, 1, afterID)
            defer { sqlite3_reset(raw) }
            var maxID = afterID
            var damaged: [DamagedTemplate] = []
            while true {
                let rc = sqlite3_step(raw)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else {
                    throw GalleryError.database(String(cString: sqlite3_errmsg(sqlite3_db_handle(raw))))
                }
                let id = sqlite3_column_int64(raw, 0), identityID = sqlite3_column_int64(raw, 1)
                maxID = max(maxID, id)
                let blob = sqlite3_column_blob(raw, 2)
                if let reason = StoredRowCheck.problem(blob, byteCount: Int(sqlite3_column_bytes(raw, 2)), dim: matrix.dim) {
                    damaged.append(DamagedTemplate(templateID: id, identityID: identityID, reason: reason))
                } else {
                    matrix.appendRaw(blob!, templateID: id, identityID: identityID)
                }
            }
            return (maxID, damaged)
        }
    }

    /// Stores a batch in one transaction: all of it, or (on any error) none of it.
    /// Vectors must already be unit length and validated.
    func insert(_ batch: [NewTemplate], modelID: Int64) throws -> [(outcome: AddOutcome, identityID: Int64)] {
        try write { db in
            let upsertIdentity = try db.cachedStatement(
                sql: "INSERT INTO identity (key, display_name) VALUES (?, ?) ON CONFLICT(key) DO NOTHING")
            let findIdentity = try db.cachedStatement(sql: "SELECT id FROM identity WHERE key = ?")
            let insertTemplate = try db.cachedStatement(sql: """
                INSERT INTO template (identity_id, model_id, vector, source, content_sha256, detector_score)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(model_id, content_sha256) DO NOTHING
                """)
            let findTemplate = try db.cachedStatement(
                sql: "SELECT id, identity_id FROM template WHERE model_id = ? AND content_sha256 = ?")
            var identityIDs: [String: Int64] = [:]
            var results: [(outcome: AddOutcome, identityID: Int64)] = []
            results.reserveCapacity(batch.count)
            for template in batch {
                let identityID: Int64
                if let known = identityIDs[template.identity] {
                    identityID = known
                } else {
                    try upsertIdentity.execute(arguments: [template.identity, template.displayName ?? template.identity])
                    guard let id = try Int64.fetchOne(findIdentity, arguments: [template.identity]) else {
                        throw GalleryError.database("identity \(template.identity) vanished during insert")
                    }
                    identityIDs[template.identity] = id
                    identityID = id
                }
                let blob = template.vector.withUnsafeBytes { Data($0) }
                let hash = Data(template.contentSHA256 ?? SHA256.hash(blob))
                try insertTemplate.execute(arguments: [
                    identityID, modelID, blob, template.source, hash, template.detectorScore.map { Double($0) },
                ])
                if db.changesCount == 1 {
                    results.append((.added(templateID: db.lastInsertedRowID), identityID))
                } else {
                    guard let row = try Row.fetchOne(findTemplate, arguments: [modelID, hash]) else {
                        throw GalleryError.database("template conflict without a row")
                    }
                    results.append((.alreadyPresent(templateID: row[0]), row[1]))
                }
            }
            return results
        }
    }

    /// Which of these content hashes are already stored for this gallery's model.
    func presentContent(_ hashes: [[UInt8]], modelID: Int64) throws -> Set<[UInt8]> {
        try read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT 1 FROM template WHERE model_id = ? AND content_sha256 = ?")
            var present = Set<[UInt8]>()
            for hash in hashes where try Int.fetchOne(statement, arguments: [modelID, Data(hash)]) != nil {
                present.insert(hash)
            }
            return present
        }
    }

    /// Deletes an identity and (by cascade) its templates. `secure_delete` overwrites the
    /// freed bytes, and a checkpoint moves that into the main file. While another connection
    /// holds a read transaction the checkpoint cannot finish (the old pages stay in the main
    /// file); it is retried for `patience` seconds, then left to `close` or the next open.
    /// - Returns: the identity's row id, its templates removed, and whether the erasure is pending.
    func removeIdentity(_ key: String, patience: Double = 2) throws -> (id: Int64, templates: Int, erasurePending: Bool) {
        let (id, templates): (Int64, Int) = try write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM identity WHERE key = ?", arguments: [key]) else {
                throw GalleryError.unknownIdentity(key)
            }
            let templates = try Int.fetchOne(db, sql: "SELECT count(*) FROM template WHERE identity_id = ?", arguments: [id]) ?? 0
            try db.execute(sql: "DELETE FROM identity WHERE id = ?", arguments: [id])
            return (id, templates)
        }
        let deadline = Date().addingTimeInterval(patience)
        var complete = try checkpoint()
        while !complete, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            complete = try checkpoint()
        }
        return (id, templates, !complete)
    }

    /// Copies the WAL into the main file and truncates it, so deleted bytes leave the WAL too.
    /// - Returns: whether it completed (false while another connection reads an older snapshot).
    /// It waits at most `waitMilliseconds` for readers, not the 10 s a write waits.
    @discardableResult
    func checkpoint(waitMilliseconds: Int = 100) throws -> Bool {
        guard !readOnly else { return true }
        return try guarded {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(waitMilliseconds)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
                let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                let busy: Int = row?[0] ?? 1, log: Int = row?[1] ?? 0, done: Int = row?[2] ?? 0
                return busy == 0 && done == log
            }
        }
    }

    /// Keys and display names of the given identity ids.
    func identityNames(_ ids: [Int64]) throws -> [Int64: (key: String, displayName: String)] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let list = ids.map(String.init).joined(separator: ",")
            var names: [Int64: (key: String, displayName: String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, key, display_name FROM identity WHERE id IN (\(list))") {
                names[row[0]] = (row[1], row[2])
            }
            return names
        }
    }

    func existingKeys(_ keys: Set<String>) throws -> Set<String> {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM identity WHERE key = ?")
            return Set(try keys.filter { try Int.fetchOne(statement, arguments: [$0]) != nil })
        }
    }

    func listIdentities() throws -> [IdentitySummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, i.key, i.display_name, i.metadata, i.created,
                       (SELECT count(*) FROM template t WHERE t.identity_id = i.id)
                FROM identity i ORDER BY i.key
                """).map {
                IdentitySummary(id: $0[0], key: $0[1], displayName: $0[2], templates: $0[5],
                                metadataJSON: $0[3], created: $0[4])
            }
        }
    }

    func identity(_ key: String) throws -> (IdentitySummary, [TemplateSummary]) {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT i.id, i.key, i.display_name, i.metadata, i.created,
                       (SELECT count(*) FROM template t WHERE t.identity_id = i.id)
                FROM identity i WHERE i.key = ?
                """, arguments: [key]) else { throw GalleryError.unknownIdentity(key) }
            let summary = IdentitySummary(id: row[0], key: row[1], displayName: row[2], templates: row[5],
                                          metadataJSON: row[3], created: row[4])
            let templates = try Row.fetchAll(db, sql: """
                SELECT id, source, content_sha256, detector_score, created FROM template
                WHERE identity_id = ? ORDER BY id
                """, arguments: [summary.id]).map { t -> TemplateSummary in
                let hash: Data? = t[2]
                let score: Double? = t[3]
                return TemplateSummary(id: t[0], source: t[1], contentSHA256: hash.map { Array($0).hexString },
                                       detectorScore: score.map(Float.init), created: t[4])
            }
            return (summary, templates)
        }
    }

    func counts() throws -> (identities: Int, templates: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM identity") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM template") ?? 0)
        }
    }

    /// Calls `body` with every sound template, in template-id order, and returns the templates
    /// that failed `StoredRowCheck` (not passed to `body`).
    func forEachTemplate(dim: Int, _ body: (StoredTemplate) throws -> Void) throws -> [DamagedTemplate] {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT i.key, t.source, t.vector, t.id, t.identity_id, t.content_sha256 FROM template t
                JOIN identity i ON i.id = t.identity_id ORDER BY t.id
                """)
            var damaged: [DamagedTemplate] = []
            while let row = try rows.next() {
                let blob: Data = (row[2] as Data?) ?? Data()
                let problem = blob.withUnsafeBytes { StoredRowCheck.problem($0.baseAddress, byteCount: $0.count, dim: dim) }
                if let problem {
                    damaged.append(DamagedTemplate(templateID: row[3], identityID: row[4], reason: problem))
                    continue
                }
                let vector = blob.withUnsafeBytes { raw in
                    (0..<dim).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
                }
                let hash: Data? = row[5]
                try body(StoredTemplate(templateID: row[3], identity: row[0], source: row[1],
                                        contentSHA256: hash.map { [UInt8]($0).hexString }, vector: vector))
            }
            return damaged
        }
    }

    /// The messages of SQLite's integrity and foreign-key checks (empty when the file is sound).
    func structuralProblems() throws -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0], rowid: Int64? = row[1], parent: String = row[2]
                problems.append("row \(rowid.map(String.init) ?? "?") of table \(table) refers to a missing \(parent)")
            }
            return problems
        }
    }

    /// Identity keys and display names that `IdentityName` would refuse today.
    func badIdentityNames() throws -> [(key: String, problem: IdentityNameProblem)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT key, display_name FROM identity ORDER BY id").compactMap { row in
                let key: String = row[0], name: String = row[1]
                for text in [key, name] {
                    if case .failure(let problem) = IdentityName.normalised(text) { return (key, problem) }
                }
                return nil
            }
        }
    }

    func integrityCheck() throws -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}
