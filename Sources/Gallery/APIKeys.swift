import Foundation
import GRDB

/// What an API key may do. Each scope includes the ones below it:
/// `identify` (search, read) < `enrol` (add and remove faces) < `admin` (settings).
public enum KeyScope: String, Sendable, Codable, CaseIterable, Comparable {
    case identify, enrol, admin

    private var rank: Int { KeyScope.allCases.firstIndex(of: self)! }
    public static func < (a: KeyScope, b: KeyScope) -> Bool { a.rank < b.rank }

    /// Whether a key of this scope may do what `required` is needed for.
    public func allows(_ required: KeyScope) -> Bool { self >= required }
}

/// An API key as listed (its secret is never stored, so never shown again).
public struct APIKeyInfo: Sendable, Equatable, Codable {
    public var name: String
    public var scope: KeyScope
    /// The public start of the key (`sg_` and 16 hex digits), enough to recognise it.
    public var prefix: String
    public var created: String
    /// When it was revoked; nil while it is valid.
    public var revoked: String?
}

/// The key a request presented, once checked.
public struct AuthenticatedKey: Sendable, Equatable {
    public var name: String
    public var scope: KeyScope
}

/// The form of a key: `sg_<16 hex: prefix id>_<64 hex: secret>`. Only the SHA-256 of the
/// whole string is stored; the prefix finds the row, the hash is compared in constant time.
enum KeyFormat {
    static let tag = "sg_"

    static func generate() -> (key: String, prefix: String) {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let prefix = tag + hex(id)
        return (prefix + "_" + hex(secret), prefix)
    }

    /// The prefix of a well-formed key, or nil.
    static func prefix(of key: String) -> String? {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sg", parts[1].count == 16, parts[2].count == 64,
              (parts[1] + parts[2]).allSatisfy(\.isHexDigit) else { return nil }
        return tag + parts[1]
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

extension Gallery {
    /// Creates a key and returns it: the only time its secret exists outside the caller.
    /// The creation is recorded in the audit table under `actor`.
    public func createKey(name: String, scope: KeyScope, actor: String = "cli") throws -> String {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else {
            throw GalleryError.invalidArgument("a key name must be 1…200 characters.")
        }
        let (key, prefix) = KeyFormat.generate()
        try store.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_key WHERE name = ?", arguments: [name]) == true {
                throw GalleryError.invalidArgument(
                    "a key named '\(name)' exists already (revoked keys keep their names); choose another name.")
            }
            try db.execute(
                sql: "INSERT INTO api_key (name, scope, prefix, secret_hash) VALUES (?, ?, ?, ?)",
                arguments: [name, scope.rawValue, prefix, Data(SHA256.hash(Array(key.utf8)))])
            try AuditLog.append(db, keyName: actor, action: "key-create", identity: nil, detail: "\(name) (\(scope.rawValue))")
        }
        return key
    }

    /// Every key, valid or revoked, by creation.
    public func keys() throws -> [APIKeyInfo] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT name, scope, prefix, created, revoked FROM api_key ORDER BY id").map {
                APIKeyInfo(name: $0[0], scope: KeyScope(rawValue: $0[1]) ?? .identify, prefix: $0[2],
                           created: $0[3], revoked: $0[4])
            }
        }
    }

    /// Revokes the key called `name`: requests with it are refused from now on.
    public func revokeKey(name: String, actor: String = "cli") throws {
        try store.write { db in
            try db.execute(sql: "UPDATE api_key SET revoked = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE name = ? AND revoked IS NULL",
                           arguments: [name])
            guard db.changesCount == 1 else {
                throw GalleryError.invalidArgument("no valid key named '\(name)' (see `sphere-gallery keys list`).")
            }
            try AuditLog.append(db, keyName: actor, action: "key-revoke", identity: nil, detail: name)
        }
    }

    /// The key `presented` stands for, or nil when it is malformed, unknown or revoked.
    public func authenticate(_ presented: String) throws -> AuthenticatedKey? {
        guard let prefix = KeyFormat.prefix(of: presented) else { return nil }
        let row = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT name, scope, secret_hash FROM api_key WHERE prefix = ? AND revoked IS NULL",
                             arguments: [prefix])
        }
        let digest = SHA256.hash(Array(presented.utf8))
        guard let row, let stored: Data = row[2],
              KeyFormat.constantTimeEqual(digest, Array(stored)),
              let scope = KeyScope(rawValue: row[1]) else { return nil }
        return AuthenticatedKey(name: row[0], scope: scope)
    }
}
