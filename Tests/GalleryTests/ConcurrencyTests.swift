import Foundation
import Testing
@testable import Gallery

@Suite struct ConcurrencyTests {
    @Test func readersSearchWhileAWriterAdds() async throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "toy", dim: 32))
        var random = SyntheticVectors(dim: 32, seed: 1)
        let anchor = random.unitVector()
        try gallery.add([NewTemplate(identity: "anchor", vector: anchor)])
        let batches = (0..<20).map { b in (0..<200).map { i in NewTemplate(identity: "p\(b)_\(i)", vector: random.unitVector()) } }
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for batch in batches { try gallery.add(batch) }
                return 0
            }
            for _ in 0..<4 {
                group.addTask {
                    var searches = 0
                    while gallery.templateCount < 4001 || searches < 10 {
                        let result = try gallery.search([anchor], k: 3)[0]
                        #expect(result.candidates.first?.identity == "anchor")
                        #expect(abs((result.candidates.first?.cosine ?? 0) - 1) < 1e-5)
                        searches += 1
                    }
                    return searches
                }
            }
            for try await _ in group {}
        }
        #expect(gallery.templateCount == 4001)
    }

    @Test func searchSeesWritesOfAnotherConnection() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("g.sqlite")
        let reader = try Gallery.create(at: path, model: .init(name: "toy", dim: 4))
        let writer = try Gallery.open(at: path)
        try writer.add([NewTemplate(identity: "late", vector: [0, 0, 1, 0])])
        #expect(try reader.search([[0, 0, 1, 0]], k: 1)[0].candidates.first?.identity == "late")
        try writer.remove(identity: "late")
        #expect(try reader.search([[0, 0, 1, 0]], k: 1)[0].candidates.isEmpty)
        #expect(reader.templateCount == 0)
    }
}
