#if arch(x86_64)
import CSIMD
#endif

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

    /// Whether this build and dimension can use the integer pass: x86-64 (AVX2), and an even
    /// dimension (elements are multiplied in pairs).
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
        let levels = levels(dim: dim)
        let vectorDim = dim & ~7
        for j in 0..<rowCount {
            let row = UnsafeRawPointer(rows + j * dim), out = quantized + j * dim * 2
            var largest = SIMD8<Float>()
            for e in stride(from: 0, to: vectorDim, by: 8) {
                let v = magnitude(row.loadUnaligned(fromByteOffset: e * 4, as: SIMD8<Float>.self))
                largest.replace(with: v, where: v .> largest)
            }
            var largestValue = largest.max()
            for e in vectorDim..<dim { largestValue = max(largestValue, abs(rows[j * dim + e])) }
            // NaN compares false: `.>` skipped it, so check every element's sum instead.
            let inverse = largestValue > 0 ? levels / largestValue : 0
            var l1 = SIMD8<Float>(), checksum = SIMD8<Float>()
            for e in stride(from: 0, to: vectorDim, by: 8) {
                let x = row.loadUnaligned(fromByteOffset: e * 4, as: SIMD8<Float>.self)
                checksum += x
                // |x · inverse| ≤ levels: adding 1.5·2²³ rounds it to an integer (to nearest, ties
                // to even) and leaves that in the low bits of the sum.
                let biased = x * inverse + roundingBias
                l1 += magnitude(biased - roundingBias)
                let integer = unsafeBitCast(biased, to: SIMD8<Int32>.self) &- roundingBiasBits
                out.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: integer), toByteOffset: e * 2, as: SIMD8<Int16>.self)
            }
            var l1Sum = l1.sum(), checksumSum = checksum.sum()
            for e in vectorDim..<dim {
                let x = rows[j * dim + e]
                checksumSum += x
                let q = (x * inverse).rounded()
                out.storeBytes(of: Int16(clamping: Int(exactly: q) ?? 0), toByteOffset: e * 2, as: Int16.self)
                l1Sum += abs(q)
            }
            let finite = checksumSum.isFinite && l1Sum.isFinite, scale = largestValue / levels
            // A row that is not finite gets the bound +∞ whatever the query (a zero scale keeps ∞·0 out).
            scales[j] = finite ? scale : 0
            errors[j] = finite ? scale * l1Sum / 2 : .infinity
        }
    }

    private static let roundingBias = SIMD8<Float>(repeating: 12_582_912)
    private static let roundingBiasBits = SIMD8<Int32>(repeating: 0x4B40_0000)

    /// Lane-wise absolute value (clears the sign bits).
    @inline(__always)
    private static func magnitude(_ v: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
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
        let rowBytes = dim * 2
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 2 * rowStep) { spill in
            let spilled = UnsafeRawPointer(spill.baseAddress!)
            for p in 0..<panelCount {
                let first = p * width
                let panel = panels + first * rowBytes
                // Query scales (multiply a row's scaled integer products into cosines) and the queries'
                // part of the bound.
                let a0 = UnsafeRawPointer(queryScales + first).loadUnaligned(as: SIMD8<Float>.self)
                let a1 = UnsafeRawPointer(queryScales + first + 8).loadUnaligned(as: SIMD8<Float>.self)
                let b0 = UnsafeRawPointer(queryErrors + first).loadUnaligned(as: SIMD8<Float>.self)
                let b1 = UnsafeRawPointer(queryErrors + first + 8).loadUnaligned(as: SIMD8<Float>.self)
                // Upper bounds of the true scores of one row (`j`) from its integer products:
                // `s_q (s_x d + c_x) + b s_x + slack`.
                @inline(__always)
                func bounds(_ d0: SIMD8<Int32>, _ d1: SIMD8<Int32>, row j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                    let sx = rowScales[j], cx = rowErrors[j]
                    return (a0 * (SIMD8<Float>(d0) * sx + cx) + (b0 * sx + slack),
                            a1 * (SIMD8<Float>(d1) * sx + cx) + (b1 * sx + slack))
                }
                @inline(__always)
                func collectSpilled(rows: Int, from j: Int) {
                    collect(spilled, rowCount: rows, tileRow: j, firstRow: firstRow, firstQuery: first,
                            queryScales: queryScales, queryErrors: queryErrors, rowScales: rowScales, rowErrors: rowErrors,
                            heaps: heaps, floors: floors, candidates: candidates, identities: identities, templates: templates)
                }
                var j = 0
                while j + rowStep <= rowCount {
                    let s = sixRows(panel, quantizedRows + j * rowBytes, rowBytes: rowBytes, pairs: dim / 2)
                    let u0 = bounds(s.0, s.1, row: j), u1 = bounds(s.2, s.3, row: j + 1)
                    let u2 = bounds(s.4, s.5, row: j + 2), u3 = bounds(s.6, s.7, row: j + 3)
                    let u4 = bounds(s.8, s.9, row: j + 4), u5 = bounds(s.10, s.11, row: j + 5)
                    let f0 = UnsafeRawPointer(floors + first).loadUnaligned(as: SIMD8<Float>.self)
                    let f1 = UnsafeRawPointer(floors + first + 8).loadUnaligned(as: SIMD8<Float>.self)
                    var hit = (u0.0 .> f0) .| (u0.1 .> f1) .| (u1.0 .> f0) .| (u1.1 .> f1)
                    hit = hit .| (u2.0 .> f0) .| (u2.1 .> f1) .| (u3.0 .> f0) .| (u3.1 .> f1)
                    hit = hit .| (u4.0 .> f0) .| (u4.1 .> f1) .| (u5.0 .> f0) .| (u5.1 .> f1)
                    if any(hit) {
                        spill[0] = u0.0; spill[1] = u0.1; spill[2] = u1.0; spill[3] = u1.1
                        spill[4] = u2.0; spill[5] = u2.1; spill[6] = u3.0; spill[7] = u3.1
                        spill[8] = u4.0; spill[9] = u4.1; spill[10] = u5.0; spill[11] = u5.1
                        collectSpilled(rows: rowStep, from: j)
                    }
                    j += rowStep
                }
                while j < rowCount {
                    let s = oneRow(panel, quantizedRows + j * rowBytes, pairs: dim / 2)
                    let u = bounds(s.0, s.1, row: j)
                    spill[0] = u.0; spill[1] = u.1
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

    #if arch(x86_64)
    /// `vpmaddwd` of two vectors of 16 Int16 lanes: 8 Int32 sums of adjacent products.
    @inline(__always)
    private static func multiplyAddPairs(_ a: SIMD4<Int64>, _ b: SIMD4<Int64>) -> SIMD8<Int32> {
        unsafeBitCast(csimd_madd_epi16(a, b), to: SIMD8<Int32>.self)
    }

    /// Two Int16 elements of a row, repeated in all eight 32-bit lanes.
    @inline(__always)
    private static func broadcastPair(_ row: UnsafeRawPointer, _ t: Int) -> SIMD4<Int64> {
        unsafeBitCast(SIMD8<UInt32>(repeating: row.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)),
                      to: SIMD4<Int64>.self)
    }

    /// The panel's 16 quantized queries against six consecutive quantized rows: for row r,
    /// `.(2r)` holds the integer products with queries 0–7 and `.(2r+1)` with queries 8–15.
    @inline(__always)
    private static func sixRows(_ panel: UnsafeRawPointer, _ rows: UnsafeRawPointer, rowBytes: Int, pairs: Int) -> (
        SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>,
        SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>
    ) {
        let r0 = rows, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes, r4 = r3 + rowBytes, r5 = r4 + rowBytes
        var c00 = SIMD8<Int32>(), c01 = SIMD8<Int32>(), c10 = SIMD8<Int32>(), c11 = SIMD8<Int32>()
        var c20 = SIMD8<Int32>(), c21 = SIMD8<Int32>(), c30 = SIMD8<Int32>(), c31 = SIMD8<Int32>()
        var c40 = SIMD8<Int32>(), c41 = SIMD8<Int32>(), c50 = SIMD8<Int32>(), c51 = SIMD8<Int32>()
        for t in 0..<pairs {
            let a0 = panel.loadUnaligned(fromByteOffset: t * 64, as: SIMD4<Int64>.self)
            let a1 = panel.loadUnaligned(fromByteOffset: t * 64 + 32, as: SIMD4<Int64>.self)
            var b = broadcastPair(r0, t)
            c00 &+= multiplyAddPairs(a0, b); c01 &+= multiplyAddPairs(a1, b)
            b = broadcastPair(r1, t)
            c10 &+= multiplyAddPairs(a0, b); c11 &+= multiplyAddPairs(a1, b)
            b = broadcastPair(r2, t)
            c20 &+= multiplyAddPairs(a0, b); c21 &+= multiplyAddPairs(a1, b)
            b = broadcastPair(r3, t)
            c30 &+= multiplyAddPairs(a0, b); c31 &+= multiplyAddPairs(a1, b)
            b = broadcastPair(r4, t)
            c40 &+= multiplyAddPairs(a0, b); c41 &+= multiplyAddPairs(a1, b)
            b = broadcastPair(r5, t)
            c50 &+= multiplyAddPairs(a0, b); c51 &+= multiplyAddPairs(a1, b)
        }
        return (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    /// The panel's 16 quantized queries against one quantized row.
    @inline(__always)
    private static func oneRow(_ panel: UnsafeRawPointer, _ row: UnsafeRawPointer, pairs: Int) -> (SIMD8<Int32>, SIMD8<Int32>) {
        var c0 = SIMD8<Int32>(), c1 = SIMD8<Int32>()
        for t in 0..<pairs {
            let b = broadcastPair(row, t)
            c0 &+= multiplyAddPairs(panel.loadUnaligned(fromByteOffset: t * 64, as: SIMD4<Int64>.self), b)
            c1 &+= multiplyAddPairs(panel.loadUnaligned(fromByteOffset: t * 64 + 32, as: SIMD4<Int64>.self), b)
        }
        return (c0, c1)
    }
    #endif
}
