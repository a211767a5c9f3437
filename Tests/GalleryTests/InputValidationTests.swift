import Foundation
import Testing
@testable import Gallery

@Suite struct InputValidationTests {
    @Test func subnormalVectorsAreNormalisedToFiniteUnitVectors() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "toy", dim: 128))
        // Subnormal floats: the smallest one (1e-45) and 1e-40.
        let tiny = [Float.leastNonzeroMagnitude] + [Float](repeating: 0, count: 127)
        let small = [Float](repeating: Float(Double(1e-40)), count: 128)
        try gallery.add([NewTemplate(identity: "tiny", vector: tiny), NewTemplate(identity: "small", vector: small)])
        var rows: [[Float]] = []
        let damaged = try gallery.forEachTemplate { _, _, v in rows.append(v) }
        #expect(damaged.isEmpty)
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.allSatisfy { $0.isFinite })
            #expect(abs(row.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        #expect(rows[0][0] == 1)
        let hit = try gallery.search([small], k: 1)[0]
        #expect(hit.identified == "small" && abs(hit.candidates[0].cosine - 1) < 1e-5)
    }

    @Test func namesWithNULControlOrBidiCharactersAreRefused() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "toy", dim: 2))
        let cases: [(String, IdentityNameProblem)] = [
            ("ada\u{0}bob", .nul), ("ada\u{1B}[2J", .control(0x1B)), ("ada\nbob", .control(0x0A)),
            ("ada\u{85}", .control(0x85)), ("evil\u{202E}gpj.exe", .bidiControl(0x202E)), ("x\u{2066}y", .bidiControl(0x2066)),
        ]
        for (name, problem) in cases {
            #expect(throws: GalleryError.badIdentityName(row: 0, problem: problem)) {
                try gallery.add([NewTemplate(identity: name, vector: [1, 0])])
            }
            #expect(throws: GalleryError.badIdentityName(row: 0, problem: problem)) {
                try gallery.add([NewTemplate(identity: "fine", displayName: name, vector: [1, 0])])
            }
        }
        #expect(try gallery.identities().isEmpty)
        #expect(gallery.templateCount == 0)
    }

    @Test func composedAndDecomposedSpellingsAreOneIdentityStoredInNFC() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        let gallery = try Gallery.create(at: path, model: EmbeddingModelInfo(name: "toy", dim: 2))
        let nfc = "Jos\u{E9}", nfd = "Jose\u{301}"
        try gallery.add([NewTemplate(identity: nfd, vector: [1, 0])])
        try gallery.add([NewTemplate(identity: nfc, vector: [0, 1])])
        let listed = try gallery.identities()
        #expect(listed.count == 1)
        #expect(listed.first.map { Array($0.key.utf8) } == Array(nfc.utf8))
        #expect(listed.first?.templates == 2)
        #expect(try gallery.identity(nfd).0.templates == 2)
        #expect(try gallery.remove(identity: nfd).templates == 2)
        #expect(try gallery.identities().isEmpty)
    }

    @Test func thresholdsMustBeCosines() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "toy", dim: 2))
        try gallery.add([NewTemplate(identity: "a", vector: [1, 0])])
        for bad in [Float.nan, .infinity, -.infinity, 1.5, -2] {
            #expect(throws: GalleryError.self) { try gallery.search([[1, 0]], k: 1, threshold: bad) }
            #expect(throws: GalleryError.self) { try gallery.setThreshold(bad) }
        }
        #expect(try gallery.search([[1, 0]], k: 1, threshold: 1)[0].identified == "a")
    }

    @Test func validateReportsEveryBadTemplateWithoutWriting() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: EmbeddingModelInfo(name: "toy", dim: 2))
        let batch = [
            NewTemplate(identity: "a", vector: [1, 0]), NewTemplate(identity: "b", vector: [1, 0, 0]),
            NewTemplate(identity: "c", vector: [.nan, 0]), NewTemplate(identity: "", vector: [1, 0]),
            NewTemplate(identity: "d", vector: [0, 0]),
        ]
        #expect(gallery.validate(batch) == [
            .wrongDimension(row: 1, expected: 2, got: 3), .nonFinite(row: 2), .emptyIdentity(row: 3), .zeroVector(row: 4),
        ])
        #expect(gallery.validate(batch).map(\.row) == [1, 2, 3, 4])
        #expect(gallery.templateCount == 0)
        // Messages count rows from 1, as the files' line numbers do.
        #expect(GalleryError.nonFinite(row: 2).description.hasPrefix("vector 3 "))
    }
}
