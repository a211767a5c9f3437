import CBLAS
import Dispatch
import Foundation

/// Exact nearest-angle search of unit queries against an `EmbeddingMatrix`, keeping the
/// top-k identities per query (each identity scored by its best template).
///
/// The rows are split across the cores; each core scores its slice tile by tile into a small
/// buffer and scans it with its own heaps, and the per-core heaps are merged at the end. A
/// tile's scores come from `cblas_sgemm` for large batches of queries, and from the
/// register-blocked `ScoreTile` kernel otherwise, where packing the operands for BLAS costs
/// more than it saves. With OpenBLAS running its own threads (a library user's default) the
/// BLAS path lets them multiply and scans on all cores.
enum SearchKernel {
    /// Batches below this many queries take the direct kernel at every gallery size and
    /// storage: each tile of rows is read once for the whole batch, and below ~32 queries that
    /// beats BLAS's packing (measured at Q = 2–64 against 10k–1M rows, d = 128 and 512; see README).
    static let gemmThreshold = 32
    /// Bound on the scores buffer of the BLAS path: `Q × tile ≤ scoreBudget` floats.
    static let scoreBudget = 1 << 18
    /// Rows per BLAS tile at most.
    static let maxTileRows = 4096
    /// Multiply-adds below which a direct search stays on one core: waking a second core costs
    /// more than it saves (measured: 10k×128, one query).
    static let directWorkPerSlice = 1 << 21
    /// Bytes of rows per direct tile: they stay in the core's L2 while every query passes over them.
    static let directTileBytes = 64 << 10

    /// - Parameters:
    ///   - queries: `queryCount × matrix.dim` row-major float32, each of unit norm.
    ///   - path: which kernel scores the tiles; `.automatic` picks by batch and gallery size.
    /// - Returns: one `TopKIdentities` per query.
    static func search(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int,
        workers: Int = ProcessInfo.activeCores, path: SearchPath = .automatic
    ) -> [TopKIdentities] {
        guard matrix.count > 0, queryCount > 0 else {
            return Array(repeating: TopKIdentities(k: k), count: queryCount)
        }
        let blas: Bool
        switch path {
        case .automatic:
            blas = queryCount >= gemmThreshold
        case .blas: blas = true
        case .direct: blas = false
        }
        if blas, workers > 1, openblas_get_num_threads() > 1 {
            return gemmSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers)
        }
        return slicedSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers, blas: blas)
    }

    /// Each core takes its own slice of the rows and scores (BLAS or direct) and scans it tile
    /// by tile, so no BLAS thread spins while another core scans; the per-core heaps are
    /// merged at the end.
    private static func slicedSearch(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int, workers: Int, blas: Bool
    ) -> [TopKIdentities] {
        let n = matrix.count, dim = matrix.dim
        let slices = max(1, min(workers, blas ? n / 1024 : n * dim * queryCount / directWorkPerSlice))
        let tile = blas
            ? blasTileRows(rows: n, queryCount: queryCount)
            : max(8, directTileBytes / (dim * matrix.storage.bytesPerValue)) & ~7
        let partial = Shared(UnsafeMutablePointer<[TopKIdentities]>.allocate(capacity: slices))
        partial.pointer.initialize(repeating: [], count: slices)
        defer { partial.pointer.deinitialize(count: slices); partial.pointer.deallocate() }
        let query = Shared(UnsafeMutablePointer(mutating: queries))
        let templates = Shared(matrix.templateIDPointer), identities = Shared(matrix.identityIDPointer)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let start = n * slice / slices, end = n * (slice + 1) / slices
            var heaps = (0..<queryCount).map { _ in TopKIdentities(k: k) }
            let scoreBuffer = ScratchBuffers.shared.borrow(queryCount * tile)
            defer { ScratchBuffers.shared.release(scoreBuffer) }
            // Float16 tiles are widened to float32 once for all queries, except for a single
            // query, which widens as it reads (inside the two-query kernel the widening is
            // compiled as a call that spills the accumulators: measured 4× slower).
            let widen = matrix.storage == .float16 && (blas || queryCount > 1)
            let widenBuffer = ScratchBuffers.shared.borrow(widen ? tile * dim : 1)
            defer { ScratchBuffers.shared.release(widenBuffer) }
            let scores = scoreBuffer.pointer, widened = widenBuffer.pointer
            var t0 = start
            while t0 < end {
                let rows = min(tile, end - t0)
                if matrix.storage == .float16 && !widen {
                    ScoreTile.compute(queries: query.pointer, queryCount: queryCount, rows: matrix.float16Row(t0),
                                      rowCount: rows, dim: dim, scores: scores, scoreStride: rows)
                } else {
                    let rowPointer: UnsafePointer<Float>
                    if widen {
                        Float16Widening.widen(matrix.float16Row(t0), into: widened, count: rows * dim)
                        rowPointer = UnsafePointer(widened)
                    } else {
                        rowPointer = matrix.float32Row(t0)
                    }
                    if blas {
                        blasScores(query.pointer, queryCount: queryCount, rows: rowPointer, rowCount: rows, dim: dim,
                                   into: scores)
                    } else {
                        ScoreTile.compute(queries: query.pointer, queryCount: queryCount, rows: rowPointer,
                                          rowCount: rows, dim: dim, scores: scores, scoreStride: rows)
                    }
                }
                for q in 0..<queryCount {
                    heaps[q].offer(scores: scores + q * rows, count: rows,
                                   identities: identities.pointer + t0, templates: templates.pointer + t0)
                }
                t0 += rows
            }
            partial.pointer[slice] = heaps
        }
        var result = partial.pointer[0]
        for slice in 1..<slices {
            for q in 0..<queryCount { result[q].merge(partial.pointer[slice][q]) }
        }
        return result
    }

    private static func gemmSearch(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int, workers: Int
    ) -> [TopKIdentities] {
        let n = matrix.count, dim = matrix.dim
        let tile = blasTileRows(rows: n, queryCount: queryCount)
        let heaps = Shared(UnsafeMutablePointer<TopKIdentities>.allocate(capacity: queryCount))
        heaps.pointer.initialize(repeating: TopKIdentities(k: k), count: queryCount)
        defer { heaps.pointer.deinitialize(count: queryCount); heaps.pointer.deallocate() }
        let scores = Shared(UnsafeMutablePointer<Float>.allocate(capacity: queryCount * tile))
        defer { scores.pointer.deallocate() }
        let widened = Shared(UnsafeMutablePointer<Float>.allocate(capacity: matrix.storage == .float16 ? tile * dim : 1))
        defer { widened.pointer.deallocate() }
        let templates = Shared(matrix.templateIDPointer), identities = Shared(matrix.identityIDPointer)
        let lanes = max(1, min(workers, queryCount))

        var t0 = 0
        while t0 < n {
            let first = t0, rows = min(tile, n - t0)
            let rowPointer: UnsafePointer<Float>
            if matrix.storage == .float16 {
                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                    let a = rows * lane / lanes, b = rows * (lane + 1) / lanes
                    Float16Widening.widen(matrix.float16Row(first + a), into: widened.pointer + a * dim, count: (b - a) * dim)
                }
                rowPointer = UnsafePointer(widened.pointer)
            } else {
                rowPointer = matrix.float32Row(first)
            }
            blasScores(queries, queryCount: queryCount, rows: rowPointer, rowCount: rows, dim: dim, into: scores.pointer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var q = lane
                while q < queryCount {
                    heaps.pointer[q].offer(scores: scores.pointer + q * rows, count: rows,
                                           identities: identities.pointer + first, templates: templates.pointer + first)
                    q += lanes
                }
            }
            t0 += rows
        }
        return Array(UnsafeBufferPointer(start: heaps.pointer, count: queryCount))
    }
}

extension SearchKernel {
    /// Rows per BLAS tile: at most 4,096, so the `Q × tile` scores (and, for float16, the
    /// widened rows) stay in cache while the heaps scan them.
    static func blasTileRows(rows n: Int, queryCount: Int) -> Int {
        max(256, min(n, maxTileRows, scoreBudget / queryCount))
    }

    /// `scores[q × rowCount + j] = ⟨query q, row j⟩` by `cblas_sgemm` (queries × rowsᵀ).
    static func blasScores(_ queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Float>, rowCount: Int,
                           dim: Int, into scores: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(queryCount), Int32(rowCount), Int32(dim),
                    1, queries, Int32(dim), rows, Int32(dim),
                    0, scores, Int32(rowCount))
    }
}

/// Which kernel scores a search's tiles (for tuning and benchmarks; `.automatic` otherwise).
public enum SearchPath: String, Sendable, CaseIterable {
    /// By batch size: BLAS for 32 or more queries.
    case automatic
    /// `cblas_sgemm` (float16 rows widened first).
    case blas
    /// The register-blocked SIMD kernel.
    case direct
}

/// A pointer handed to worker threads that each touch their own part of the memory.
struct Shared<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

extension ProcessInfo {
    /// Cores available to this process, read once: Foundation reads the cgroup files on every
    /// `activeProcessorCount` (measured: a search of a 64-row gallery took 22 µs with it, 3.3 µs without).
    static let activeCores = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
