import CSIMD

/// The panel kernel in two passes for batches: a bound pass in 16-bit integers over every
/// (query, row) pair, then exact float32 scores for the few pairs that could be in the top k.
///
/// Queries and rows are rounded to 16-bit integers, each vector with its own scale
/// (`v ≈ s·v̂`, `s = max|vᵢ| / L`). `vpmaddwd` multiplies 16 such pairs per instruction where an
/// FMA does 8, so the pass runs at about twice the multiply-adds per cycle of `PanelScan`
/// (docs/benchmarks.md#the-integer-bound-pass). From the rounding error,
/// `|q·x − s_q s_x q̂·x̂| ≤ s_q s_x (‖q̂‖₁ + ‖x̂‖₁ + d/2) / 2` (each element is off by at most half a
/// step), so `s_q s_x q̂·x̂` plus or minus that bound brackets the true score.
///
/// During the pass each query's heap holds lower bounds, so its floor never exceeds the true
/// k-th best identity score; a pair whose upper bound does not beat that floor cannot be in the
/// top k, and every other pair is kept as a candidate (about 35–40 per query on 10k–100k random
/// rows). After the pass, the candidates whose upper bound still reaches the final floor (about
/// 12 per query there) are scored exactly in float32, in row order, into a fresh heap. The
/// results are those of the float32 kernels: the integer pass only decides which scores are
/// worth computing. For random unit vectors the bound is 0.7·10⁻³ (d = 128) to 1.7·10⁻³
/// (d = 512) of a cosine.
enum QuantizedPanelScan {
    static let width = PanelScan.width
    /// Rows per kernel step.
    static let rowStep = 6
    /// Added to every upper bound: covers the float32 rounding of the scales, of the bound itself
    /// and of the exact scores it is compared with (each well under 10⁻⁵ for unit vectors).
    static let slack: Float = 1e-4

    /// Whether this build and dimension can use the integer pass: x86-64 (`vpmaddwd` where the CPU
    /// has AVX2, the portable kernels' equivalent elsewhere), and an even dimension (elements are
    /// multiplied in pairs).
    static func supports(dim: Int) -> Bool {
        #if arch(x86_64)
        return dim % 2 == 0
        #else
        return false
        #endif
    }

    /// The largest quantized magnitude `L` for `dim` elements: `L²·dim < 2³¹`, so no integer dot
    /// product of two quantized vectors can overflow its 32-bit accumulator.
    static func levels(dim: Int) -> Float {
        Float(min(32767, Int((Double(Int32.max) / Double(dim)).squareRoot())))
    }

    /// 4-byte words the quantized panels of `queryCount` queries take (two Int16 per word).
    static func packedWords(queryCount: Int, dim: Int) -> Int { PanelScan.paddedCount(queryCount) * dim / 2 }

    /// Quantizes `queryCount × dim` row-major queries into panels of 16: panel p holds
    /// queries `16p ..< 16p + 16` as `dim/2` pairs of elements, each pair as 16 queries × 2 Int16
    /// (the Int16 at index `((p·dim/2 + t)·16 + i)·2 + h` is element `2t + h` of query `16p + i`),
    /// zero past the last query.
    /// - Parameters:
    ///   - scales: per packed query (a multiple of 16), `s_q`; zero for the padding.
    ///   - errors: per packed query, `s_q (‖q̂‖₁ + dim/2) / 2`, the query's part of the bound; zero for the padding.
    static func pack(_ queries: UnsafePointer<Float>, queryCount: Int, dim: Int, into packed: UnsafeMutableRawPointer,
                     scales: UnsafeMutablePointer<Float>, errors: UnsafeMutablePointer<Float>) {
        let padded = PanelScan.paddedCount(queryCount)
        let levels = levels(dim: dim)
        for q in 0..<padded {
            let panel = packed + (q / width) * dim * width * 2
            let lane = q % width
            guard q < queryCount else {
                for e in 0..<dim { panel.storeBytes(of: 0, toByteOffset: slot(e, lane), as: Int16.self) }
                scales[q] = 0
                errors[q] = 0
                continue
            }
            let query = queries + q * dim
            var largest: Float = 0
            for e in 0..<dim { largest = max(largest, abs(query[e])) }
            let scale = largest / levels, inverse = largest > 0 ? levels / largest : 0
            var l1: Float = 0
            for e in 0..<dim {
                let value = min(levels, max(-levels, (query[e] * inverse).rounded()))
                panel.storeBytes(of: Int16(value), toByteOffset: slot(e, lane), as: Int16.self)
                l1 += abs(value)
            }
            scales[q] = scale
            errors[q] = scale * (l1 + Float(dim) / 2) / 2
        }
    }

    /// Byte offset of element `e` of lane `lane` within a packed panel.
    @inline(__always)
    private static func slot(_ e: Int, _ lane: Int) -> Int { (((e / 2) * width + lane) * 2 + e % 2) * 2 }

    /// Quantizes `rowCount × dim` row-major rows into `quantized` (`rowCount × dim` Int16,
    /// row-major), each row with its own scale `scales[j]` = `max|xⱼ| / levels` (so its largest
    /// element maps to ±levels), and `errors[j]` = `scales[j] ‖x̂ⱼ‖₁ / 2`, the row's part of the
    /// bound; for a row with a NaN or infinite element, scale 0 and error +∞, so that every query
    /// scores it exactly.
    static func quantizeRows(_ rows: UnsafePointer<Float>, rowCount: Int, dim: Int, into quantized: UnsafeMutableRawPointer,
                             scales: UnsafeMutablePointer<Float>, errors: UnsafeMutablePointer<Float>) {
        csimd_quantize_rows(rows, rowCount, dim, levels(dim: dim), quantized.assumingMemoryBound(to: Int16.self),
                            scales, errors)
    }

    /// A (query, row) pair the bound pass could not rule out: its row and the upper bound of its score.
    struct Candidate {
        var row: Int
        var bound: Float
    }

    /// The bound pass over rows `0 ..< rowCount` of a tile: for each query, every row whose upper
    /// bound beats the query's floor becomes a candidate, and its lower bound is offered to the
    /// query's heap, so the floor it raises never exceeds the true k-th best identity score.
    /// `rescore` then scores the candidates that can still beat the final floor.
    /// - Parameters:
    ///   - panels, queryScales, queryErrors: the queries of this call, quantized by `pack`.
    ///   - quantizedRows, rowScales, rowErrors: the tile's rows from `quantizeRows`; `firstRow`: the index
    ///     (in the whole matrix) of its row 0, recorded in the candidates.
    ///   - heaps, floors: per query, the heap of lower bounds and its floor (as in `PanelScan.scan`).
    ///   - candidates: per query, the candidates so far; appended to.
    ///   - identities, templates: the ids of the tile's rows.
    static func scan(
        panels: UnsafeRawPointer, queryScales: UnsafePointer<Float>, queryErrors: UnsafePointer<Float>, queryCount: Int,
        quantizedRows: UnsafeRawPointer, rowScales: UnsafePointer<Float>, rowErrors: UnsafePointer<Float>,
        rowCount: Int, firstRow: Int, dim: Int,
        heaps: UnsafeMutablePointer<TopKIdentities>, floors: UnsafeMutablePointer<Float>,
        candidates: UnsafeMutablePointer<[Candidate]>,
        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>
    ) {
        #if arch(x86_64)
        let panelCount = PanelScan.panelCount(queryCount)
        let pairs = dim / 2
        let rowValues = quantizedRows.assumingMemoryBound(to: Int16.self)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rowStep * width) { spill in
            let spill = spill.baseAddress!, spilled = UnsafeRawPointer(spill)
            for p in 0..<panelCount {
                let first = p * width
                let panel = (panels + first * dim * 2).assumingMemoryBound(to: Int16.self)
                @inline(__always)
                func collectSpilled(rows: Int, from j: Int) {
                    collect(spilled, rowCount: rows, tileRow: j, firstRow: firstRow, firstQuery: first,
                            queryScales: queryScales, queryErrors: queryErrors, rowScales: rowScales, rowErrors: rowErrors,
                            heaps: heaps, floors: floors, candidates: candidates, identities: identities, templates: templates)
                }
                // The C kernel runs until a step's upper bounds beat a floor, then returns them here.
                var j = 0
                while true {
                    j = csimd_quantized_scan(panel, rowValues, j, rowCount, pairs, queryScales + first, queryErrors + first,
                                             rowScales, rowErrors, slack, floors + first, spill)
                    guard j + rowStep <= rowCount else { break }
                    collectSpilled(rows: rowStep, from: j)
                    j += rowStep
                }
                while j < rowCount {
                    csimd_quantized_one_row(panel, rowValues, j, pairs, queryScales + first, queryErrors + first,
                                            rowScales, rowErrors, slack, spill)
                    collectSpilled(rows: 1, from: j)
                    j += 1
                }
            }
        }
        #else
        preconditionFailure("the integer pass needs x86-64 (see supports(dim:))")
        #endif
    }

    /// For `rowCount` rows of spilled upper bounds (`bounds[r·16 + i]`: tile row `tileRow + r`,
    /// query `firstQuery + i`), records each pair whose bound beats the query's current floor as
    /// a candidate and offers its lower bound (the upper bound less twice the error bound).
    @inline(never)
    private static func collect(
        _ bounds: UnsafeRawPointer, rowCount: Int, tileRow: Int, firstRow: Int, firstQuery: Int,
        queryScales: UnsafePointer<Float>, queryErrors: UnsafePointer<Float>,
        rowScales: UnsafePointer<Float>, rowErrors: UnsafePointer<Float>,
        heaps: UnsafeMutablePointer<TopKIdentities>, floors: UnsafeMutablePointer<Float>,
        candidates: UnsafeMutablePointer<[Candidate]>, identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>
    ) {
        let floorsRaw = UnsafeRawPointer(floors + firstQuery)
        for r in 0..<rowCount {
            let row = tileRow + r
            var lanes = PanelScan.lanesAbove(bounds, row: r, floors: floorsRaw)
            while lanes != 0 {
                let i = lanes.trailingZeroBitCount, q = firstQuery + i
                lanes &= lanes - 1
                let upper = bounds.load(fromByteOffset: (r * width + i) * 4, as: Float.self)
                let error = queryScales[q] * rowErrors[row] + queryErrors[q] * rowScales[row] + slack
                heaps[q].offer(identity: identities[row], score: upper - 2 * error, template: templates[row])
                floors[q] = heaps[q].floor
                append(Candidate(row: firstRow + row, bound: upper), to: &candidates[q], floor: floors[q])
            }
        }
    }

    /// Appends `candidate`; when the list is full, first drops the candidates whose bound no
    /// longer beats `floor` (and doubles the room if that freed less than half of it).
    @inline(__always)
    private static func append(_ candidate: Candidate, to list: inout [Candidate], floor: Float) {
        if list.count == list.capacity, list.count >= 64 {
            list.removeAll { $0.bound < floor }
            if list.count > list.capacity / 2 { list.reserveCapacity(2 * list.capacity) }
        }
        list.append(candidate)
    }

    /// The exact top-k identities of one query from its candidates: each candidate whose bound
    /// is at least `floor` (the final floor of the query's lower-bound heap, at most the true
    /// k-th best identity score) is scored in float32 and offered, in row order.
    /// - Parameters:
    ///   - query: `dim` float32 values; `rows`: the whole matrix (`count × dim`), float32 or float16.
    ///   - identities, templates: the ids of all the matrix's rows.
    static func rescore<Row: GalleryScalar>(
        _ candidates: [Candidate], floor: Float, k: Int, query: UnsafePointer<Float>, rows: UnsafePointer<Row>, dim: Int,
        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>
    ) -> TopKIdentities {
        var heap = TopKIdentities(k: k)
        for candidate in candidates where candidate.bound >= floor {
            let row = candidate.row
            heap.offer(identity: identities[row], score: ScoreTile.dot(query, rows + row * dim, dim: dim),
                       template: templates[row])
        }
        return heap
    }
}
