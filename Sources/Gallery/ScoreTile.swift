#if arch(x86_64)
import CSIMD
#endif

/// Inner products of a block of queries with a run of consecutive gallery rows, without
/// BLAS: the kernel for a few queries, and for galleries too small for `sgemm`'s packing to
/// pay off. Register-blocked: four queries against two rows or two against four (eight SIMD8
/// accumulators, every loaded row chunk used four or two times), or one query against four
/// rows from four streams, read side by side; the eight partial sums are reduced together by a
/// transpose-add tree, one shuffle level per halving.
enum ScoreTile {
    /// `scores[q * scoreStride + j] = ⟨query q, row j⟩` for `q < queryCount`, `j < rowCount`.
    /// - Parameters:
    ///   - queries: `queryCount × dim` row-major float32.
    ///   - rows: `rowCount × dim` row-major values of `Row` (float32 or float16).
    ///   - scores: at least `(queryCount − 1) × scoreStride + rowCount` floats.
    /// Float16 rows suit one query; for more, widen the tile first (`SearchKernel` does).
    @inline(__always)
    static func compute<Row: GalleryScalar>(
        queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Row>, rowCount: Int, dim: Int,
        scores: UnsafeMutablePointer<Float>, scoreStride: Int
    ) {
        var q = 0
        while q + 4 <= queryCount {
            fourQueries(queries + q * dim, rows: rows, rowCount: rowCount, dim: dim, scores: scores + q * scoreStride,
                        scoreStride: scoreStride)
            q += 4
        }
        if q + 2 <= queryCount {
            twoQueries(queries + q * dim, rows: rows, rowCount: rowCount, dim: dim, scores: scores + q * scoreStride,
                       scoreStride: scoreStride)
            q += 2
        }
        if q < queryCount {
            oneQuery(queries + q * dim, rows: rows, rowCount: rowCount, dim: dim, scores: scores + q * scoreStride)
        }
    }

    /// Four queries (`query + i·dim`, i < 4) against every row, two rows at a time: each
    /// loaded row chunk is used four times, so a batch reads half the row bytes per
    /// multiply-add that `twoQueries` does. Scores of query i start at `scores + i·scoreStride`.
    @inline(__always)
    private static func fourQueries<Row: GalleryScalar>(
        _ query: UnsafePointer<Float>, rows: UnsafePointer<Row>, rowCount: Int, dim: Int,
        scores: UnsafeMutablePointer<Float>, scoreStride: Int
    ) {
        let vectorDim = dim & ~7
        let q0 = UnsafeRawPointer(query), q1 = UnsafeRawPointer(query + dim)
        let q2 = UnsafeRawPointer(query + 2 * dim), q3 = UnsafeRawPointer(query + 3 * dim)
        var j = 0
        while j + 2 <= rowCount {
            let r0 = rows + j * dim, r1 = r0 + dim
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var e = 0
            while e < vectorDim {
                let v0 = Row.load8(r0 + e), v1 = Row.load8(r1 + e)
                let x0 = q0.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                a0.addProduct(x0, v0); b0.addProduct(x0, v1)
                let x1 = q1.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                a1.addProduct(x1, v0); b1.addProduct(x1, v1)
                let x2 = q2.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                a2.addProduct(x2, v0); b2.addProduct(x2, v1)
                let x3 = q3.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                a3.addProduct(x3, v0); b3.addProduct(x3, v1)
                e &+= 8
            }
            // [q0·r0, q0·r1, q1·r0, q1·r1, q2·r0, q2·r1, q3·r0, q3·r1]
            var sums = reduce(a0, b0, a1, b1, a2, b2, a3, b3)
            if vectorDim < dim {
                for t in vectorDim..<dim {
                    let v = SIMD2<Float>(r0[t].float, r1[t].float)
                    sums += SIMD8(lowHalf: SIMD4(lowHalf: query[t] * v, highHalf: query[dim + t] * v),
                                  highHalf: SIMD4(lowHalf: query[2 * dim + t] * v, highHalf: query[3 * dim + t] * v))
                }
            }
            for i in 0..<4 {
                UnsafeMutableRawPointer(scores + i * scoreStride + j)
                    .storeBytes(of: SIMD2(sums[2 * i], sums[2 * i + 1]), as: SIMD2<Float>.self)
            }
            j += 2
        }
        if j < rowCount {
            for i in 0..<4 { scores[i * scoreStride + j] = dot(query + i * dim, rows + j * dim, dim: dim) }
        }
    }

    /// Two queries (`query`, `query + dim`) against every row; scores of the second start at
    /// `scores + scoreStride`.
    @inline(__always)
    private static func twoQueries<Row: GalleryScalar>(
        _ query: UnsafePointer<Float>, rows: UnsafePointer<Row>, rowCount: Int, dim: Int,
        scores: UnsafeMutablePointer<Float>, scoreStride: Int
    ) {
        let vectorDim = dim & ~7
        let qa = UnsafeRawPointer(query), qb = UnsafeRawPointer(query + dim)
        var j = 0
        while j + 4 <= rowCount {
            let r0 = rows + j * dim, r1 = r0 + dim, r2 = r1 + dim, r3 = r2 + dim
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var e = 0
            while e < vectorDim {
                let x = qa.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                let y = qb.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
                let v0 = Row.load8(r0 + e), v1 = Row.load8(r1 + e), v2 = Row.load8(r2 + e), v3 = Row.load8(r3 + e)
                a0.addProduct(x, v0); a1.addProduct(x, v1); a2.addProduct(x, v2); a3.addProduct(x, v3)
                b0.addProduct(y, v0); b1.addProduct(y, v1); b2.addProduct(y, v2); b3.addProduct(y, v3)
                e &+= 8
            }
            var sums = reduce(a0, a1, a2, a3, b0, b1, b2, b3)
            if vectorDim < dim {
                for t in vectorDim..<dim {
                    let x = query[t], y = query[dim + t]
                    let v = SIMD4<Float>(r0[t].float, r1[t].float, r2[t].float, r3[t].float)
                    sums.lowHalf += x * v
                    sums.highHalf += y * v
                }
            }
            UnsafeMutableRawPointer(scores + j).storeBytes(of: sums.lowHalf, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(scores + scoreStride + j).storeBytes(of: sums.highHalf, as: SIMD4<Float>.self)
            j += 4
        }
        while j < rowCount {
            scores[j] = dot(query, rows + j * dim, dim: dim)
            scores[scoreStride + j] = dot(query + dim, rows + j * dim, dim: dim)
            j += 1
        }
    }

    /// One query against every row. The rows are read as four streams, a quarter of them
    /// each, four rows at a time (one from each stream) side by side: one query is
    /// memory-bound, and a core keeps more reads in flight across four sequential streams
    /// than along one (docs/benchmarks.md#one-query-four-streams-per-core-scoretile). Two rows
    /// of each stream are reduced together.
    @inline(__always)
    private static func oneQuery<Row: GalleryScalar>(
        _ query: UnsafePointer<Float>, rows: UnsafePointer<Row>, rowCount: Int, dim: Int, scores: UnsafeMutablePointer<Float>
    ) {
        let vectorDim = dim & ~7
        let qa = UnsafeRawPointer(query)
        // Rows per stream, even; the last `rowCount − 4·streamRows` (< 8) rows follow alone.
        let streamRows = rowCount / 8 * 2, streamStep = streamRows * dim
        // The partial sums go to memory before the eight are reduced: held in registers they
        // crowd out the accumulators, which the compiler then spills inside the inner loop.
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { partials in
            let partials = partials.baseAddress!
            var i = 0
            while i < streamRows {
                // Partial 2s + u is row i + u of stream s.
                for u in 0..<2 {
                    let r0 = rows + (i + u) * dim
                    fourRows(qa, r0, r0 + streamStep, r0 + 2 * streamStep, r0 + 3 * streamStep, vectorDim,
                             into: partials + u)
                }
                var sums = reduce(partials[0], partials[1], partials[2], partials[3],
                                  partials[4], partials[5], partials[6], partials[7])
                if vectorDim < dim {
                    for t in vectorDim..<dim {
                        var v = SIMD8<Float>()
                        for p in 0..<8 { v[p] = rows[(p >> 1) * streamStep + (i + (p & 1)) * dim + t].float }
                        sums += query[t] * v
                    }
                }
                for s in 0..<4 {
                    UnsafeMutableRawPointer(scores + s * streamRows + i)
                        .storeBytes(of: SIMD2(sums[2 * s], sums[2 * s + 1]), as: SIMD2<Float>.self)
                }
                i += 2
            }
            for j in 4 * streamRows..<rowCount { scores[j] = dot(query, rows + j * dim, dim: dim) }
        }
    }

    /// The first `vectorDim` (a multiple of 8) products of a query with each of four rows,
    /// summed into eight lanes per row, written to `partials[0]`, `[2]`, `[4]`, `[6]`. The four
    /// rows are read side by side, 32 bytes of each in turn.
    @inline(__always)
    private static func fourRows<Row: GalleryScalar>(
        _ query: UnsafeRawPointer, _ r0: UnsafePointer<Row>, _ r1: UnsafePointer<Row>, _ r2: UnsafePointer<Row>,
        _ r3: UnsafePointer<Row>, _ vectorDim: Int, into partials: UnsafeMutablePointer<SIMD8<Float>>
    ) {
        // Two accumulators per row hide the multiply-add latency.
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
        var e = 0
        while e &+ 16 <= vectorDim {
            let x = query.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
            let y = query.loadUnaligned(fromByteOffset: e &* 4 &+ 32, as: SIMD8<Float>.self)
            a0.addProduct(x, Row.load8(r0 + e)); b0.addProduct(y, Row.load8(r0 + e + 8))
            a1.addProduct(x, Row.load8(r1 + e)); b1.addProduct(y, Row.load8(r1 + e + 8))
            a2.addProduct(x, Row.load8(r2 + e)); b2.addProduct(y, Row.load8(r2 + e + 8))
            a3.addProduct(x, Row.load8(r3 + e)); b3.addProduct(y, Row.load8(r3 + e + 8))
            e &+= 16
        }
        if e < vectorDim {
            let x = query.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self)
            a0.addProduct(x, Row.load8(r0 + e)); a1.addProduct(x, Row.load8(r1 + e))
            a2.addProduct(x, Row.load8(r2 + e)); a3.addProduct(x, Row.load8(r3 + e))
        }
        partials[0] = a0 + b0; partials[2] = a1 + b1; partials[4] = a2 + b2; partials[6] = a3 + b3
    }

    /// The first `vectorDim` (a multiple of 8) products of a query and a row, summed into
    /// eight lanes (four accumulators, so the FMA latency is hidden within the row).
    @inline(__always)
    private static func partialDot<Row: GalleryScalar>(
        _ query: UnsafeRawPointer, _ row: UnsafePointer<Row>, _ vectorDim: Int
    ) -> SIMD8<Float> {
        var a = SIMD8<Float>(), b = SIMD8<Float>(), c = SIMD8<Float>(), d = SIMD8<Float>()
        // Wrapping arithmetic: `e` stays below `vectorDim`, and checked offsets cost a third of
        // the loop's instructions.
        var e = 0
        while e &+ 32 <= vectorDim {
            a.addProduct(query.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self), Row.load8(row + e))
            b.addProduct(query.loadUnaligned(fromByteOffset: e &* 4 &+ 32, as: SIMD8<Float>.self), Row.load8(row + e + 8))
            c.addProduct(query.loadUnaligned(fromByteOffset: e &* 4 &+ 64, as: SIMD8<Float>.self), Row.load8(row + e + 16))
            d.addProduct(query.loadUnaligned(fromByteOffset: e &* 4 &+ 96, as: SIMD8<Float>.self), Row.load8(row + e + 24))
            e &+= 32
        }
        while e < vectorDim {
            a.addProduct(query.loadUnaligned(fromByteOffset: e &* 4, as: SIMD8<Float>.self), Row.load8(row + e))
            e &+= 8
        }
        return (a + b) + (c + d)
    }

    /// `[a0.sum(), a1.sum(), …, a7.sum()]` in 7 shuffle-adds instead of 8 separate reductions.
    @inline(__always)
    static func reduce(
        _ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>,
        _ a4: SIMD8<Float>, _ a5: SIMD8<Float>, _ a6: SIMD8<Float>, _ a7: SIMD8<Float>
    ) -> SIMD8<Float> {
        #if arch(x86_64)
        // The generic folds below compile to about 80 lane inserts and shuffles here.
        return csimd_sums8(a0, a1, a2, a3, a4, a5, a6, a7)
        #else
        // Fold each accumulator's halves: four partial sums of two accumulators per vector.
        let c0 = foldHalves(a0, a1), c1 = foldHalves(a2, a3), c2 = foldHalves(a4, a5), c3 = foldHalves(a6, a7)
        // Fold neighbours twice: two partial sums per accumulator, then one.
        return foldPairs(foldPairs(c0, c1), foldPairs(c2, c3))
        #endif
    }

    @inline(__always)
    private static func foldHalves(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: a.lowHalf + a.highHalf, highHalf: b.lowHalf + b.highHalf)
    }

    @inline(__always)
    private static func foldPairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: a.evenHalf + a.oddHalf, highHalf: b.evenHalf + b.oddHalf)
    }

    /// One query with one row (the rows left over after the blocks).
    @inline(__always)
    static func dot<Row: GalleryScalar>(_ query: UnsafePointer<Float>, _ row: UnsafePointer<Row>, dim: Int) -> Float {
        let vectorDim = dim & ~7
        var sum = partialDot(UnsafeRawPointer(query), row, vectorDim).sum()
        for e in vectorDim..<dim { sum += query[e] * row[e].float }
        return sum
    }
}

/// A value type gallery rows are held in: float32, or float16 widened on load (F16C).
protocol GalleryScalar {
    /// Eight consecutive values from `pointer` as float32.
    static func load8(_ pointer: UnsafePointer<Self>) -> SIMD8<Float>
    var float: Float { get }
}

extension Float: GalleryScalar {
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) var float: Float { self }
}

extension Float16: GalleryScalar {
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        #if arch(x86_64)
        csimd_widen8(pointer)
        #else
        SIMD8<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float16>.self))
        #endif
    }
    @inline(__always) var float: Float { Float(self) }
}
