import CSIMD

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
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rowStep * width) { spill in
            let spill = spill.baseAddress!, spilled = UnsafeRawPointer(spill)
            for p in 0..<panelCount {
                let first = p * width
                let panel = panels + first * dim
                // The C kernel runs until a step's scores beat a floor, then returns them here.
                var j = 0
                while true {
                    j = csimd_panel_scan(panel, rows, j, rowCount, dim, floors + first, spill)
                    guard j + rowStep <= rowCount else { break }
                    offer(spilled, rowCount: rowStep, firstRow: j, firstQuery: first,
                          heaps: heaps, floors: floors, identities: identities, templates: templates)
                    j += rowStep
                }
                while j < rowCount {
                    csimd_panel_one_row(panel, rows + j * dim, dim, spill)
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
}
