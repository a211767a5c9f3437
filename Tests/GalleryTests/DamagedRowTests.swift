import Foundation
import GRDB
import Testing
@testable import Gallery

/// Stored rows edited behind the gallery's back: each is left out of search and reported,
/// and removal, export and check keep working.
@Suite struct DamagedRowTests {
    let dim = 16

    /// A gallery of 50 identities (one template each), then `edits` applied to template ids by raw SQL.
    func damagedGallery(_ dir: TemporaryDirectory, _ edits: [Int64: Data]) throws -> String {
        let path = dir.path("g.sqlite")
        var random = SyntheticVectors(dim: dim, seed: 11)
        let gallery = try Gallery.create(at: path, model: EmbeddingModelInfo(name: "toy", dim: dim))
        try gallery.add((0..<50).map { NewTemplate(identity: "p\($0)", vector: random.unitVector()) })
        try gallery.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for (id, blob) in edits { try db.execute(sql: "UPDATE template SET vector = ? WHERE id = ?", arguments: [blob, id]) }
        }
        try queue.close()
        return path
    }

    func blob(_ values: [Float]) -> Data { values.withUnsafeBytes { Data($0) } }

    @Test func rowsOfTheWrongNormOrValuesAreLeftOutOfSearch() throws {
        let dir = TemporaryDirectory()
        var big = [Float](repeating: 0, count: dim); big[0] = 1e6
        let huge = [Float](repeating: .greatestFiniteMagnitude, count: dim)
        var nan = [Float](repeating: 0.25, count: dim); nan[3] = .nan
        let path = try damagedGallery(dir, [3: blob(big), 7: blob(huge), 9: blob(nan), 12: Data([1, 2, 3])])
        let gallery = try Gallery.open(at: path)
        #expect(Set(gallery.damagedTemplates.map(\.templateID)) == [3, 7, 9, 12])
        #expect(gallery.damagedTemplates.first { $0.templateID == 12 }?.reason == "its vector has 3 bytes, expected 64")
        #expect(gallery.templateCount == 46)
        var random = SyntheticVectors(dim: dim, seed: 99)
        let queries = (0..<50).map { _ in random.unitVector() }
        for result in try gallery.search(queries, k: 50) {
            #expect(result.candidates.count == 46, "every sound identity is listed")
            #expect(result.candidates.allSatisfy { $0.cosine.isFinite && $0.cosine <= 1.0001 })
            #expect(!result.candidates.contains { ["p2", "p6", "p8", "p11"].contains($0.identity) })
        }
    }

    @Test func removeExportAndCheckWorkOnADamagedGallery() throws {
        let dir = TemporaryDirectory()
        let path = try damagedGallery(dir, [5: Data([0, 0, 0, 0])])
        let gallery = try Gallery.open(at: path)
        var exported: [String] = []
        let skipped = try gallery.forEachTemplate { identity, _, _ in exported.append(identity) }
        #expect(skipped.map(\.templateID) == [5])
        #expect(exported.count == 49 && !exported.contains("p4"))

        let check = try gallery.check()
        #expect(!check.isSound)
        #expect(check.structure.isEmpty)
        #expect(check.damagedTemplates.map(\.templateID) == [5])

        #expect(try gallery.remove(identity: "p4").templates == 1)
        #expect(gallery.damagedTemplates.isEmpty)
        #expect(try gallery.check().isSound)
        // Another identity's removal and a later add keep the load consistent (no reload loop).
        try gallery.remove(identity: "p0")
        try gallery.add([NewTemplate(identity: "new", vector: [1] + [Float](repeating: 0, count: dim - 1))])
        #expect(gallery.templateCount == 49)
        try gallery.close()
    }

    @Test func aRowDamagedByAnotherProcessIsLeftOutOnRefresh() throws {
        let dir = TemporaryDirectory()
        let path = try damagedGallery(dir, [:])
        let gallery = try Gallery.open(at: path)
        let other = try Gallery.open(at: path)
        try other.add([NewTemplate(identity: "late", vector: [1] + [Float](repeating: 0, count: dim - 1))])
        try other.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE template SET vector = zeroblob(64) WHERE id = 51") }
        try queue.close()
        let result = try gallery.search([[1] + [Float](repeating: 0, count: dim - 1)], k: 60)[0]
        #expect(!result.candidates.contains { $0.identity == "late" })
        #expect(gallery.damagedTemplates.map(\.templateID) == [51])
    }
}
