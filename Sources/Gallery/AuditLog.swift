import GRDB

/// One recorded write: who (an API key's name, or `cli`), what, on which identity, when.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var id: Int64
    /// UTC, ISO 8601 with milliseconds.
    public var time: String
    public var keyName: String
    /// `enrol`, `remove`, `threshold`, `key-create`, `key-revoke`.
    public var action: String
    public var identity: String?
    public var detail: String?
}

/// The `audit` table: appended to by every write made through the service or the key commands.
enum AuditLog {
    static func append(_ db: Database, keyName: String, action: String, identity: String?, detail: String?) throws {
        try db.execute(sql: "INSERT INTO audit (key_name, action, identity, detail) VALUES (?, ?, ?, ?)",
                       arguments: [keyName, action, identity, detail])
    }
}

extension Gallery {
    /// Records a write made by `keyName`.
    public func recordAudit(keyName: String, action: String, identity: String? = nil, detail: String? = nil) throws {
        try store.write { db in try AuditLog.append(db, keyName: keyName, action: action, identity: identity, detail: detail) }
    }

    /// The newest `limit` audit rows, oldest first (all of them when `limit` is nil).
    public func auditEntries(limit: Int? = nil) throws -> [AuditEntry] {
        try store.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, time, key_name, action, identity, detail FROM audit ORDER BY id DESC LIMIT ?",
                arguments: [limit ?? -1])
            return rows.reversed().map {
                AuditEntry(id: $0[0], time: $0[1], keyName: $0[2], action: $0[3], identity: $0[4], detail: $0[5])
            }
        }
    }
}
