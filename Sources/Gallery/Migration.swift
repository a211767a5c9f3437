import GRDB

/// One schema migration: `Schema/NNN_name.sql`, embedded in the binary at build time
/// (see `Generated/EmbeddedSchema.swift`).
struct Migration: Sendable {
    /// 1, 2, 3, … — applied in this order, each exactly once.
    let version: Int
    let name: String
    let fileName: String
    let sql: String

    /// The newest schema version this build knows.
    static var latestVersion: Int { embedded.last?.version ?? 0 }

    /// SQLite `application_id` of a SphereGallery file ("SPHG").
    static let applicationID: Int32 = 0x5350_4847

    /// Bytes per page of a new gallery file. 64 KiB holds ~28 rows of a 512-d float32
    /// template instead of one per default 4 KiB page, so the file is ~1.05× its vectors.
    static let pageSize = 65536

    /// Applies every migration newer than the file's `user_version`, each in its own
    /// transaction, and records it in `schema_migration`.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS schema_migration (
                version INTEGER PRIMARY KEY,
                name    TEXT NOT NULL,
                applied TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
            """)
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        for migration in embedded where migration.version > current {
            try db.inTransaction {
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migration (version, name) VALUES (?, ?)",
                    arguments: [migration.version, migration.name])
                try db.execute(sql: "PRAGMA user_version = \(migration.version)")
                return .commit
            }
        }
    }
}
