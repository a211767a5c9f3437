/// Scores a batch of queries against gallery rows and offers them to the heaps in one pass,
/// without a score matrix: the queries are packed once per search into panels of 16,
/// interleaved by dimension, and a register-blocked kernel multiplies one panel with six rows
/// at a time (twelve SIMD8 accumulators: per dimension two panel loads and six broadcast row
/// values feed twelve multiply-adds, so the FMA units, not the loads, set the pace). The
/// accumulators hold the six rows' scores for all 16 queries; they are compared with the 16
/// heaps' floors in registers, and only a score that beats its query's floor leaves them.
///
/// Against `cblas_sgemm` with a scan of its output this saves packing the rows, zeroing and
/// writing the score matrix, and reading it back (docs/benchmarks.md#the-panel-kernel-panelscan).
enum PanelScan {
    /// Queries per panel (two SIMD8 lanes of queries).
    static let width = 16
    /// Rows per kernel step.
    static let rowStep = 6

    /// Panels that hold `queryCount` queries.
    static func panelCount(_ queryCount: Int) -> Int { (queryCount + width - 1) / width }

    /// `queryCount` rounded up to whole panels.
    static func paddedCount(_ queryCount: Int) -> Int { panelCount(queryCount) * width }

    /// Floats the packed panels of `queryCount` queries take.
    static func packedCount(queryCount: Int, dim: Int) -> Int { paddedCount(queryCount) * dim }

    /// Sets the floors of `queryCount` fresh heaps (−∞) and of the padding up to whole panels (+∞,
    /// so padded lanes never pass).
    static func initializeFloors(_ floors: UnsafeMutablePointer<Float>, queryCount: Int) {
        floors.initialize(repeating: -.infinity, count: queryCount)
        (floors + queryCount).initialize(repeating: .infinity, count: paddedCount(queryCount) - queryCount)
    }

    /// Packs `queryCount × dim` row-major queries into panels: panel p holds queries
    /// `16p ..< 16p + 16` as `dim × 16` floats (`packed[(p·dim + e)·16 + i]` = element e of
    /// query 16p + i), zero past the last query.
    static func pack(_ queries: UnsafePointer<Float>, queryCount: Int, dim: Int, into packed: UnsafeMutablePointer<Float>) {
        for p in 0..<panelCount(queryCount) {
            let panel = packed + p * dim * width
            for i in 0..<width {
                let q = p * width + i
                if q < queryCount {
                    let query = queries + q * dim
                    for e in 0..<dim { panel[e * width + i] = query[e] }
                } else {
                    for e in 0..<dim { panel[e * width + i] = 0 }
                }
            }
        }
    }

    /// Offers the scores of rows `0 ..< rowCount` against every query to `heaps`, row by row
    /// in order for each query (the same order as offering a score run).
    /// - Parameters:
    ///   - panels: the queries packed by `pack`.
    ///   - rows: `rowCount × dim` row-major float32.
    ///   - heaps: one per query.
    ///   - floors: one per packed query (a multiple of 16), kept equal to `heaps[q].floor`
    ///     for real queries and +∞ for the padding; updated here when a heap changes.
    ///   - identities, templates: of each row.
    static func scan(
        panels: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Float>, rowCount: Int, dim: Int,
        heaps: UnsafeMutablePointer<TopKIdentities>, floors: UnsafeMutablePointer<Float>,
        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>
    ) {
        let panelCount = panelCount(queryCount)
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 2 * rowStep) { spill in
            let spilled = UnsafeRawPointer(spill.baseAddress!)
            for p in 0..<panelCount {
                let first = p * width
                let panel = UnsafeRawPointer(panels + first * dim)
                var j = 0
                while j + rowStep <= rowCount {
                    let s = sixRows(panel, rows + j * dim, dim: dim)
                    let f0 = UnsafeRawPointer(floors + first).loadUnaligned(as: SIMD8<Float>.self)
                    let f1 = UnsafeRawPointer(floors + first + 8).loadUnaligned(as: SIMD8<Float>.self)
                    var hit = (s.0 .> f0) .| (s.1 .> f1) .| (s.2 .> f0) .| (s.3 .> f1)
                    hit = hit .| (s.4 .> f0) .| (s.5 .> f1) .| (s.6 .> f0) .| (s.7 .> f1)
                    hit = hit .| (s.8 .> f0) .| (s.9 .> f1) .| (s.10 .> f0) .| (s.11 .> f1)
                    if any(hit) {
                        spill[0] = s.0; spill[1] = s.1; spill[2] = s.2; spill[3] = s.3
                        spill[4] = s.4; spill[5] = s.5; spill[6] = s.6; spill[7] = s.7
                        spill[8] = s.8; spill[9] = s.9; spill[10] = s.10; spill[11] = s.11
                        offer(spilled, rowCount: rowStep, firstRow: j, firstQuery: first,
                              heaps: heaps, floors: floors, identities: identities, templates: templates)
                    }
                    j += rowStep
                }
                while j < rowCount {
                    let s = oneRow(panel, rows + j * dim, dim: dim)
                    spill[0] = s.0; spill[1] = s.1
                    offer(spilled, rowCount: 1, firstRow: j, firstQuery: first,
                          heaps: heaps, floors: floors, identities: identities, templates: templates)
                    j += 1
                }
            }
        }
    }

    /// Offers `rowCount` rows of spilled scores (`scores[r·16 + i]`: row `firstRow + r`,
    /// query `firstQuery + i`) to the heaps of the panel's real queries.
    @inline(never)
    private static func offer(
        _ scores: UnsafeRawPointer, rowCount: Int, firstRow: Int, firstQuery: Int,
        heaps: UnsafeMutablePointer<TopKIdentities>, floors: UnsafeMutablePointer<Float>,
        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>
    ) {
        let floorsRaw = UnsafeRawPointer(floors + firstQuery)
        for r in 0..<rowCount {
            let row = firstRow + r
            var lanes = lanesAbove(scores, row: r, floors: floorsRaw)
            while lanes != 0 {
                let i = lanes.trailingZeroBitCount, q = firstQuery + i
                lanes &= lanes - 1
                let score = scores.loadUnaligned(fromByteOffset: (r * width + i) * 4, as: Float.self)
                heaps[q].offer(identity: identities[row], score: score, template: templates[row])
                floors[q] = heaps[q].floor
            }
        }
    }

    /// The lanes (queries) of spilled row `r` (`values[r·16 + i]`) above their floors
    /// (`floors[i]`, read now, so a floor raised by an earlier row counts), as the low 16 bits.
    @inline(__always)
    static func lanesAbove(_ values: UnsafeRawPointer, row r: Int, floors: UnsafeRawPointer) -> Int {
        let low = values.loadUnaligned(fromByteOffset: r * 64, as: SIMD8<Float>.self)
        let high = values.loadUnaligned(fromByteOffset: r * 64 + 32, as: SIMD8<Float>.self)
        return bits(low .> floors.loadUnaligned(as: SIMD8<Float>.self))
            | bits(high .> floors.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)) << 8
    }

    private static let laneBits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)

    /// The set lanes of `mask` as the low eight bits of an integer.
    @inline(__always)
    private static func bits(_ mask: SIMDMask<SIMD8<Int32>>) -> Int {
        Int(SIMD8<Int32>(repeating: 0).replacing(with: laneBits, where: mask).wrappedSum())
    }

    /// The panel's 16 queries against six consecutive rows: for row r, `.(2r)` holds queries
    /// 0–7 and `.(2r+1)` queries 8–15.
    @inline(__always)
    private static func sixRows(_ panel: UnsafeRawPointer, _ rows: UnsafePointer<Float>, dim: Int) -> (
        SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
        SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>
    ) {
        let r0 = rows, r1 = r0 + dim, r2 = r1 + dim, r3 = r2 + dim, r4 = r3 + dim, r5 = r4 + dim
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        for e in 0..<dim {
            let a0 = panel.loadUnaligned(fromByteOffset: e * 64, as: SIMD8<Float>.self)
            let a1 = panel.loadUnaligned(fromByteOffset: e * 64 + 32, as: SIMD8<Float>.self)
            var b = SIMD8<Float>(repeating: r0[e])
            c00.addProduct(a0, b); c01.addProduct(a1, b)
            b = SIMD8<Float>(repeating: r1[e])
            c10.addProduct(a0, b); c11.addProduct(a1, b)
            b = SIMD8<Float>(repeating: r2[e])
            c20.addProduct(a0, b); c21.addProduct(a1, b)
            b = SIMD8<Float>(repeating: r3[e])
            c30.addProduct(a0, b); c31.addProduct(a1, b)
            b = SIMD8<Float>(repeating: r4[e])
            c40.addProduct(a0, b); c41.addProduct(a1, b)
            b = SIMD8<Float>(repeating: r5[e])
            c50.addProduct(a0, b); c51.addProduct(a1, b)
        }
        return (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    /// The panel's 16 queries against one row (the rows left over after the six-row steps).
    @inline(__always)
    private static func oneRow(_ panel: UnsafeRawPointer, _ row: UnsafePointer<Float>, dim: Int) -> (SIMD8<Float>, SIMD8<Float>) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>()
        for e in 0..<dim {
            let b = SIMD8<Float>(repeating: row[e])
            c0.addProduct(panel.loadUnaligned(fromByteOffset: e * 64, as: SIMD8<Float>.self), b)
            c1.addProduct(panel.loadUnaligned(fromByteOffset: e * 64 + 32, as: SIMD8<Float>.self), b)
        }
        return (c0, c1)
    }
}
