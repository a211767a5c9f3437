import Foundation
import Testing
@testable import Gallery
import SeededRandom

@Suite struct SearchTests {
    /// A gallery of `identities` random identities with 1–4 templates each.
    func randomGallery(dim: Int, identities: Int, seed: UInt64) -> (rows: [[Float]], ids: [Int64]) {
        var random = SyntheticVectors(dim: dim, seed: seed)
        var rows: [[Float]] = [], ids: [Int64] = []
        for identity in 0..<identities {
            let centre = random.unitVector()
            for _ in 0..<(1 + Int(random.nextUInt64() % 4)) {
                rows.append(random.sample(around: centre, noise: 1.5))
                ids.append(Int64(identity + 1))
            }
        }
        return (rows, ids)
    }

    @Test(arguments: [1, 3, 4, 16, 70], [1, 5, 10])
    func kernelEqualsBruteForce(queryCount: Int, k: Int) {
        for path in SearchPath.allCases {
            checkAgainstBruteForce(dim: 64, identities: 3000, queryCount: queryCount, k: k, path: path)
        }
    }

    /// The panel kernel with the work split by rows (each core merges its heaps with the
    /// others') and by queries (each core scans every row for its own panels), with a
    /// partial last panel.
    @Test(arguments: [1, 2, 3, 5])
    func panelSplitsEqualBruteForce(workers: Int) {
        for path in [SearchPath.panel, .quantized] {
            for queryCount in [17, 130] {
                checkAgainstBruteForce(dim: 64, identities: 3000, queryCount: queryCount, k: 10, path: path,
                                       workers: workers)
            }
        }
    }

    /// The integer pass only chooses which scores to compute; where thousands of scores lie
    /// closer together than its bound (rows that are tiny perturbations of a few directions),
    /// the kept identities and scores must still be exactly brute force's.
    @Test(arguments: [2, 128, 512])
    func quantizedBoundKeepsNearTies(dim: Int) {
        var random = SyntheticVectors(dim: dim, seed: UInt64(dim))
        let centres = (0..<4).map { _ in random.unitVector() }
        var rows: [[Float]] = [], ids: [Int64] = []
        for i in 0..<3000 {
            rows.append(random.sample(around: centres[i % 4], noise: 1e-3))
            ids.append(Int64(i / 2 + 1))
        }
        let matrix = EmbeddingMatrix(dim: dim, storage: .float32)
        for (i, row) in rows.enumerated() { matrix.append(row, templateID: Int64(i + 1), identityID: ids[i]) }
        let queries = (0..<40).map { q in random.sample(around: centres[q % 4], noise: 0.3) }
        let heaps = queries.flatMap { $0 }.withUnsafeBufferPointer {
            SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: queries.count, k: 10, path: .quantized)
        }
        for (q, query) in queries.enumerated() {
            let expected = bruteForceTopK(rows: rows, identities: ids, query: query, k: 10)
            let got = heaps[q].ranked()
            #expect(got.count == 10)
            for (g, e) in zip(got, expected) { #expect(abs(g.score - e.1) < 3e-6, "dim \(dim) query \(q)") }
        }
    }

    /// Rows built so that every element's rounding errs the same way, as far as it can: row A's
    /// integer score overstates its true score by nearly the whole bound, row B's understates it,
    /// and B's true score is a hair above A's. A heap of lower bounds that allowed for the error
    /// only once would put its floor above B's upper bound and lose B.
    @Test func quantizedLowerBoundAllowsForWorstCaseRounding() {
        let dim = 64, levels = QuantizedPanelScan.levels(dim: dim), largest: Float = 0.3
        let step = largest / levels
        let rowA = [largest] + Array(repeating: step * 1000.501, count: dim - 1)
        let rowB = [largest, step * 1001.499] + Array(repeating: step * 1000.499, count: dim - 2)
        let query = [Float](repeating: 1 / Float(dim).squareRoot(), count: dim)
        let dot = { (row: [Float]) in zip(row, query).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        #expect(dot(rowB) > dot(rowA))
        let matrix = EmbeddingMatrix(dim: dim, storage: .float32)
        matrix.append(rowA, templateID: 1, identityID: 1)
        matrix.append(rowB, templateID: 2, identityID: 2)
        let heaps = query.withUnsafeBufferPointer {
            SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: 1, k: 1, path: .quantized)
        }
        #expect(heaps[0].ranked().map(\.identity) == [2])
    }

    /// Each row is quantized at its own scale, so a row far outside the unit ball (the matrix's
    /// contract is unit rows; this guards the bound) is still found with its exact score; a row
    /// with an infinite element gets an infinite bound and is scored exactly, as the float32
    /// kernels score it.
    @Test func quantizedPassScoresRowsOfAnyNormExactly() {
        let dim = 16
        let query = normalised([1] + Array(repeating: 0.1, count: dim - 1))
        var random = SyntheticVectors(dim: dim, seed: 3)
        let matrix = EmbeddingMatrix(dim: dim, storage: .float32)
        for i in 0..<200 {
            matrix.append(random.sample(around: query, noise: 0.01), templateID: Int64(i + 1), identityID: Int64(i + 1))
        }
        matrix.append([5] + Array(repeating: 0, count: dim - 1), templateID: 201, identityID: 201)
        matrix.append([Float.infinity] + Array(repeating: 0, count: dim - 1), templateID: 202, identityID: 202)
        let queries = Array(repeating: query, count: 32).flatMap { $0 }
        let heaps = queries.withUnsafeBufferPointer {
            SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: 32, k: 3, path: .quantized)
        }
        let reference = queries.withUnsafeBufferPointer {
            SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: 32, k: 3, path: .panel)
        }
        for (heap, expected) in zip(heaps, reference) {
            #expect(heap.ranked().map(\.identity) == [202, 201, expected.ranked()[2].identity])
            #expect(heap.ranked().first?.score == .infinity)
            #expect(abs(heap.ranked()[1].score - 5 * query[0]) < 1e-5)
        }
    }

    /// The integer pass keeps a quantized copy of the rows between searches; removing rows
    /// (the last row moves into each hole), appending rows and emptying the matrix must each
    /// leave it matching the rows, or a search would bound a row by another row's copy.
    @Test func quantizedCopyFollowsTheMatrix() {
        let dim = 32
        var random = SyntheticVectors(dim: dim, seed: 11)
        let matrix = EmbeddingMatrix(dim: dim, storage: .float32)
        var rows: [[Float]] = [], ids: [Int64] = []
        func add(_ count: Int) {
            for _ in 0..<count {
                let row = random.unitVector()
                ids.append(Int64(rows.count + 1))
                rows.append(row)
                matrix.append(row, templateID: ids.last!, identityID: ids.last!)
            }
        }
        func check(_ stage: String) {
            // Queries near the last rows, which removal moves into the holes.
            let queries = (0..<40).map { q in random.sample(around: rows[rows.count - 1 - q % 8], noise: 0.05) }
            let heaps = queries.flatMap { $0 }.withUnsafeBufferPointer {
                SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: queries.count, k: 5, path: .quantized)
            }
            for (q, query) in queries.enumerated() {
                let expected = bruteForceTopK(rows: rows, identities: ids, query: query, k: 5)
                #expect(heaps[q].ranked().map(\.identity) == expected.map(\.0), "\(stage), query \(q)")
            }
        }
        add(2000)
        check("tile by tile")
        check("built")
        #if arch(x86_64)
        #expect(matrix.quantizedRows.validCount == 2000)
        #endif
        let removed = Set((0..<2000).filter { $0 % 7 == 3 }.map { Int64($0 + 1) })
        matrix.removeRows(identities: removed)
        for (i, id) in ids.enumerated().reversed() where removed.contains(id) {
            rows.remove(at: i)
            ids.remove(at: i)
        }
        check("after removal")
        add(500)
        check("after appending")
        matrix.removeAll()
        rows = []
        ids = []
        add(300)
        check("after emptying")
    }

    @Test func automaticPathByBatchSize() {
        func path(_ queries: Int, _ dim: Int, quantized: Bool = true) -> SearchPath {
            SearchKernel.automaticPath(queryCount: queries, dim: dim, rowsQuantized: quantized)
        }
        #expect(path(1, 128) == .direct)
        #expect(path(7, 512) == .direct)
        #expect(path(256, 67) == .panel, "odd dimensions have no integer pass")
        #expect(path(16, 128, quantized: false) == .panel)
        #expect(path(31, 512, quantized: false) == .panel)
        #if arch(x86_64)
        #expect(path(8, 512) == .quantized)
        #expect(path(256, 128) == .quantized)
        #expect(path(32, 512, quantized: false) == .quantized)
        #else
        #expect(path(8, 512) == .direct)
        #expect(path(16, 512) == .panel)
        #endif
    }

    /// A float32 matrix gets its quantized copy from the second batch search on (the first,
    /// as in a one-shot run, quantizes tile by tile), and keeps it.
    @Test func quantizedCopyFromTheSecondBatch() {
        var random = SyntheticVectors(dim: 64, seed: 5)
        let matrix = EmbeddingMatrix(dim: 64, storage: .float32)
        for i in 0..<500 { matrix.append(random.unitVector(), templateID: Int64(i + 1), identityID: Int64(i + 1)) }
        let queries = (0..<16).flatMap { _ in random.unitVector() }
        let single = Array(queries.prefix(64))
        func search(_ q: [Float]) {
            _ = q.withUnsafeBufferPointer { SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: q.count / 64, k: 5) }
        }
        search(single)
        #expect(matrix.quantizedRows.validCount == 0, "one query never asks for it")
        search(queries)
        #expect(matrix.quantizedRows.validCount == 0, "the first batch scans tile by tile")
        search(queries)
        #if arch(x86_64)
        #expect(matrix.quantizedRows.validCount == 500)
        #endif
    }

    /// `prepareBatchSearch` (what a server calls at start) makes the copy before any search, the
    /// first batch then uses it, and rows added later are quantized by the next batch, which
    /// still ranks as the float32 scores do.
    @Test func preparedCopyServesTheFirstBatch() {
        var random = SyntheticVectors(dim: 64, seed: 6)
        let matrix = EmbeddingMatrix(dim: 64, storage: .float32)
        for i in 0..<500 { matrix.append(random.unitVector(), templateID: Int64(i + 1), identityID: Int64(i + 1)) }
        matrix.prepareBatchSearch()
        #if arch(x86_64)
        #expect(matrix.quantizedRows.validCount == 500)
        #endif
        for i in 500..<700 { matrix.append(random.unitVector(), templateID: Int64(i + 1), identityID: Int64(i + 1)) }
        let queries = (0..<16).flatMap { _ in random.unitVector() }
        let found = queries.withUnsafeBufferPointer { matrix.search($0.baseAddress!, count: 16, k: 5) }
        #if arch(x86_64)
        #expect(matrix.quantizedRows.validCount == 700)
        #endif
        for q in 0..<16 {
            let query = Array(queries[q * 64..<(q + 1) * 64])
            let best = (0..<700).map { row in (row, (0..<64).reduce(Float(0)) { $0 + query[$1] * matrix.float32Row(row)[$1] }) }
                .max { $0.1 < $1.1 }!
            #expect(found[q].first?.templateID == Int64(best.0 + 1))
        }
        let empty = EmbeddingMatrix(dim: 64, storage: .float32)
        empty.prepareBatchSearch()
        #expect(empty.quantizedRows.validCount == 0)
    }

    /// One query over a gallery of many 1 MiB tiles split between cores: each tile's rows are
    /// read as four streams, whose scores must land on their own rows.
    @Test(arguments: [VectorStorage.float32, .float16], [1, 2, 3])
    func singleQueryOverManyTilesEqualsBruteForce(storage: VectorStorage, workers: Int) {
        checkAgainstBruteForce(dim: 64, identities: 30_000, queryCount: 1, k: 10, path: .direct, workers: workers,
                               storage: storage)
    }

    /// Dimensions that are not a multiple of 8 (the SIMD tail), row counts that are not a
    /// multiple of the kernels' 4-, 6- and 8-row blocks, and partial panels.
    @Test(arguments: [2, 3, 13, 66, 67, 128], [VectorStorage.float32, .float16])
    func oddShapesEqualBruteForce(dim: Int, storage: VectorStorage) {
        for path in [SearchPath.direct, .blas, .panel, .quantized] {
            for queryCount in [1, 2, 3, 5, 17] {
                // Galleries shorter and longer than one six-row step (and than the single-query
                // kernel's eight rows from four streams).
                checkAgainstBruteForce(dim: dim, identities: 2, queryCount: queryCount, k: 5, path: path, storage: storage)
                checkAgainstBruteForce(dim: dim, identities: 37, queryCount: queryCount, k: 5, path: path, storage: storage)
            }
        }
    }

    /// - Parameter storage: float16 rounds the rows first, so that the brute force scores
    ///   what the gallery holds.
    func checkAgainstBruteForce(dim: Int, identities: Int, queryCount: Int, k: Int, path: SearchPath,
                                workers: Int = ProcessInfo.activeCores, storage: VectorStorage = .float32) {
        var (rows, ids) = randomGallery(dim: dim, identities: identities, seed: UInt64(queryCount * 100 + k + dim))
        if storage == .float16 { rows = rows.map { $0.map { Float(Float16($0)) } } }
        let matrix = EmbeddingMatrix(dim: dim, storage: storage)
        for (i, row) in rows.enumerated() { matrix.append(row, templateID: Int64(i + 1), identityID: ids[i]) }
        var random = SyntheticVectors(dim: dim, seed: 99)
        let queries = (0..<queryCount).map { q in
            q % 2 == 0 ? random.sample(around: rows[(q * 7) % rows.count], noise: 0.5) : random.unitVector()
        }
        let flat = queries.flatMap { $0 }
        // The integer pass twice: tile by tile, then with the matrix's quantized copy.
        for _ in 0..<(path == .quantized ? 2 : 1) {
            let heaps = flat.withUnsafeBufferPointer {
                SearchKernel.search(matrix, queries: $0.baseAddress!, queryCount: queryCount, k: k, workers: workers,
                                    path: path)
            }
            expectBruteForce(heaps, rows: rows, ids: ids, queries: queries, k: k, path: path, dim: dim)
        }
    }

    private func expectBruteForce(_ heaps: [TopKIdentities], rows: [[Float]], ids: [Int64], queries: [[Float]], k: Int,
                       path: SearchPath, dim: Int) {
        let queryCount = queries.count
        #expect(heaps.count == queryCount)
        for q in 0..<queryCount {
            let expected = bruteForceTopK(rows: rows, identities: ids, query: queries[q], k: k)
            let got = heaps[q].ranked()
            #expect(got.count == expected.count, "\(path)")
            #expect(Set(got.map(\.identity)).count == got.count, "an identity appears once")
            for (g, e) in zip(got, expected) {
                #expect(abs(g.score - e.1) < 1e-5, "scores agree with brute force (\(path), dim \(dim))")
            }
            // Identities equal except where scores tie within float rounding.
            let gotIDs = got.map(\.identity), expectedIDs = expected.map(\.0)
            if gotIDs != expectedIDs {
                for (g, e) in zip(got, expected) where g.identity != e.0 { #expect(abs(g.score - e.1) < 1e-5) }
            }
            // The best template reported is one of that identity's and scores as reported.
            for hit in got {
                let row = Int(hit.template) - 1
                #expect(ids[row] == hit.identity)
                let score = zip(rows[row], queries[q]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(abs(score - hit.score) < 1e-5)
            }
        }
    }

    /// The block-skipping scan keeps what offering every score one by one keeps: runs that
    /// end inside a block of 64, identities repeated within and across runs, rising scores
    /// (every block passes the floor) and falling ones (most blocks are skipped).
    @Test(arguments: [0, 1, 63, 64, 65, 129, 1000])
    func runScanEqualsScoreByScore(count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        for order in ["random", "rising", "falling"] {
            var scores = (0..<count).map { _ in Float(random.next() % 20_001) / 10_000 - 1 }
            if order == "rising" { scores.sort() } else if order == "falling" { scores.sort(by: >) }
            let identities = (0..<count).map { _ in Int64(random.next() % 50) }
            let templates = (0..<count).map { Int64($0) }
            var run = TopKIdentities(k: 7), single = TopKIdentities(k: 7)
            for half in [0..<count / 2, count / 2..<count] {
                scores.withUnsafeBufferPointer { s in
                    identities.withUnsafeBufferPointer { i in
                        templates.withUnsafeBufferPointer { t in
                            run.offer(scores: s.baseAddress! + half.lowerBound, count: half.count,
                                      identities: i.baseAddress! + half.lowerBound, templates: t.baseAddress! + half.lowerBound)
                        }
                    }
                }
                for j in half { single.offer(identity: identities[j], score: scores[j], template: templates[j]) }
            }
            #expect(run.ranked().map(\.identity) == single.ranked().map(\.identity), "\(order)")
            #expect(run.ranked().map(\.score) == single.ranked().map(\.score), "\(order)")
        }
    }

    @Test(arguments: [1, 2, 32])
    func float16StorageKeepsRecall(queryCount: Int) {
        let dim = 128
        let (rows, ids) = randomGallery(dim: dim, identities: 4000, seed: 7)
        let exact = EmbeddingMatrix(dim: dim, storage: .float32)
        let half = EmbeddingMatrix(dim: dim, storage: .float16)
        for (i, row) in rows.enumerated() {
            exact.append(row, templateID: Int64(i + 1), identityID: ids[i])
            half.append(row, templateID: Int64(i + 1), identityID: ids[i])
        }
        var random = SyntheticVectors(dim: dim, seed: 5)
        let queries = (0..<queryCount).flatMap { _ in random.unitVector() }
        for path in [SearchPath.direct, .blas, .panel, .quantized] {
            let (a, b) = queries.withUnsafeBufferPointer {
                (SearchKernel.search(exact, queries: $0.baseAddress!, queryCount: queryCount, k: 10, path: path),
                 SearchKernel.search(half, queries: $0.baseAddress!, queryCount: queryCount, k: 10, path: path))
            }
            var overlap = 0
            for q in 0..<queryCount {
                let exactTop = a[q].ranked(), halfTop = b[q].ranked()
                overlap += Set(exactTop.map(\.identity)).intersection(halfTop.map(\.identity)).count
                for (x, y) in zip(exactTop, halfTop) { #expect(abs(x.score - y.score) < 2e-3) }
            }
            #expect(Double(overlap) / Double(10 * queryCount) >= 0.97, "\(path)")
        }
    }

    @Test func identityAggregationUsesBestTemplate() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "toy", dim: 3))
        try gallery.add([
            NewTemplate(identity: "ann", vector: [1, 0, 0]),
            NewTemplate(identity: "ann", vector: [0.6, 0.8, 0]),
            NewTemplate(identity: "ann", vector: [0, 1, 0]),
            NewTemplate(identity: "bob", vector: [0.8, 0.6, 0]),
        ])
        let result = try gallery.search([[0, 1, 0]], k: 5)[0]
        #expect(result.candidates.map(\.identity) == ["ann", "bob"])
        #expect(abs(result.candidates[0].cosine - 1) < 1e-6)
        #expect(abs(result.candidates[1].cosine - 0.6) < 1e-6)
        #expect(abs(result.candidates[1].angle - 53.130) < 1e-2)
    }

    @Test func openSetRejectsBelowThreshold() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "toy", dim: 2))
        try gallery.add([NewTemplate(identity: "ann", vector: [1, 0]), NewTemplate(identity: "bob", vector: [0, 1])])
        let near = try gallery.search([[0.95, 0.05]], k: 2, threshold: 0.9)[0]
        #expect(near.identified == "ann")
        let far = try gallery.search([[1, 1]], k: 2, threshold: 0.9)[0]
        #expect(far.identified == nil)
        #expect(far.decision == "unknown")
        #expect(far.candidates.count == 2, "candidates are listed even when unknown")
        try gallery.setThreshold(0.5)
        #expect(try gallery.search([[1, 1]], k: 1)[0].identified != nil)
        #expect(try gallery.threshold() == 0.5)
    }

    @Test func badQueriesNameTheRow() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "toy", dim: 2))
        try gallery.add([NewTemplate(identity: "ann", vector: [1, 0])])
        #expect(throws: GalleryError.wrongDimension(row: 1, expected: 2, got: 3)) {
            try gallery.search([[1, 0], [1, 0, 0]], k: 1)
        }
        #expect(throws: GalleryError.nonFinite(row: 0)) { try gallery.search([[.nan, 0]], k: 1) }
        #expect(throws: GalleryError.nonFinite(row: 2)) { try gallery.search([[1, 0], [0, 1], [.infinity, 0]], k: 1) }
        #expect(throws: GalleryError.zeroVector(row: 0)) { try gallery.search([[0, 0]], k: 1) }
        #expect(throws: GalleryError.self) { try gallery.search([[1, 0]], k: 0) }
        #expect(throws: GalleryError.zeroVector(row: 1)) {
            try gallery.add([NewTemplate(identity: "x", vector: [1, 1]), NewTemplate(identity: "y", vector: [0, 0])])
        }
        #expect(throws: GalleryError.emptyIdentity(row: 0)) { try gallery.add([NewTemplate(identity: "", vector: [1, 1])]) }
        #expect(gallery.templateCount == 1, "a failed batch adds nothing")
        #expect(try gallery.identities().map(\.key) == ["ann"])
    }

    @Test func emptyGalleryAnswersUnknown() throws {
        let dir = TemporaryDirectory()
        let gallery = try Gallery.create(at: dir.path("g.sqlite"), model: .init(name: "toy", dim: 4))
        let result = try gallery.search([[1, 2, 3, 4]], k: 3)[0]
        #expect(result.candidates.isEmpty)
        #expect(result.decision == "unknown")
    }
}
