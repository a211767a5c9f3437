import Foundation
import Testing
@testable import Gallery

@Suite struct KeyTests {
    func gallery(_ dir: TemporaryDirectory) throws -> Gallery {
        try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "test", dim: 4))
    }

    @Test func aCreatedKeyAuthenticatesWithItsScopeAndIsStoredOnlyHashed() throws {
        let dir = TemporaryDirectory()
        let g = try gallery(dir)
        let key = try g.createKey(name: "app", scope: .enrol)
        #expect(try g.authenticate(key) == AuthenticatedKey(name: "app", scope: .enrol))
        try g.close()
        let bytes = fileBytes(dir.path("g.sqlite")) + fileBytes(dir.path("g.sqlite-wal"))
        let secret = String(key.split(separator: "_")[2])
        #expect(!bytes.contains(subsequence: Array(secret.utf8)))
        #expect(!bytes.contains(subsequence: Array(key.utf8)))
    }

    @Test func wrongMalformedAndRevokedKeysAreRefused() throws {
        let dir = TemporaryDirectory()
        let g = try gallery(dir)
        let key = try g.createKey(name: "app", scope: .identify)
        var altered = Array(key)
        altered[altered.count - 1] = altered.last == "0" ? "1" : "0"
        #expect(try g.authenticate(String(altered)) == nil)
        #expect(try g.authenticate("") == nil)
        #expect(try g.authenticate("sg_zz") == nil)
        #expect(try g.authenticate(key + "0") == nil)
        try g.revokeKey(name: "app")
        #expect(try g.authenticate(key) == nil)
        #expect(throws: GalleryError.self) { try g.revokeKey(name: "app") }
        #expect(try g.keys().map(\.name) == ["app"])
        #expect(try g.keys()[0].revoked != nil)
    }

    @Test func keyNamesAreUniqueAndScopesNest() throws {
        let dir = TemporaryDirectory()
        let g = try gallery(dir)
        _ = try g.createKey(name: "a", scope: .admin)
        #expect(throws: GalleryError.self) { _ = try g.createKey(name: "a", scope: .identify) }
        #expect(throws: GalleryError.self) { _ = try g.createKey(name: "  ", scope: .identify) }
        #expect(KeyScope.admin.allows(.enrol) && KeyScope.enrol.allows(.identify))
        #expect(!KeyScope.identify.allows(.enrol) && !KeyScope.enrol.allows(.admin))
    }

    @Test func constantTimeComparisonComparesEveryByte() {
        #expect(KeyFormat.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!KeyFormat.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!KeyFormat.constantTimeEqual([9, 2, 3], [1, 2, 3]))
        #expect(!KeyFormat.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func keyChangesAndWritesAreAudited() throws {
        let dir = TemporaryDirectory()
        let g = try gallery(dir)
        _ = try g.createKey(name: "app", scope: .enrol)
        try g.recordAudit(keyName: "app", action: "enrol", identity: "ada", detail: "1 enrolled")
        try g.revokeKey(name: "app", actor: "ops")
        let log = try g.auditEntries()
        #expect(log.map(\.action) == ["key-create", "enrol", "key-revoke"])
        #expect(log.map(\.keyName) == ["cli", "app", "ops"])
        #expect(log[1].identity == "ada")
        #expect(try g.auditEntries(limit: 1).map(\.action) == ["key-revoke"])
    }

    @Test func identityPagesFollowKeysAndFilter() throws {
        let dir = TemporaryDirectory()
        let g = try gallery(dir)
        let names = ["ada", "alan", "grace", "linus", "100%_sure"]
        try g.add(names.enumerated().map { NewTemplate(identity: $1, vector: [1, Float($0), 0, 0]) })
        let first = try g.identities(after: nil, limit: 2)
        #expect(first.map(\.key) == ["100%_sure", "ada"])
        let second = try g.identities(after: first.last?.key, limit: 2)
        #expect(second.map(\.key) == ["alan", "grace"])
        #expect(try g.identities(after: "grace", limit: 2).map(\.key) == ["linus"])
        #expect(try g.identities(after: nil, limit: 10, containing: "A").map(\.key) == ["ada", "alan", "grace"])
        #expect(try g.identities(after: nil, limit: 10, containing: "%_").map(\.key) == ["100%_sure"])
        #expect(throws: GalleryError.self) { _ = try g.identities(after: nil, limit: 0) }
    }
}
