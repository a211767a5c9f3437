import CBLAS
import Dispatch
import Foundation

/// Exact nearest-angle search of unit queries against an `EmbeddingMatrix`, keeping the
/// top-k identities per query (each identity scored by its best template).
///
/// The work is split across the cores, each with its own heaps, merged at the end: by rows
/// (each core scans its own slice of the gallery), or, for large batches, by queries (each core
/// scans every row for its own share of the panels). Four kernels score the tiles:
/// - `QuantizedPanelScan` for batches from `quantizedThreshold` queries (x86-64, even `dim`):
///   `PanelScan`'s blocking in 16-bit integers as a bound pass, exact float32 scores only for
///   the pairs it cannot rule out;
/// - `PanelScan` for batches from `panelThreshold` queries: a register-blocked product fused
///   with the heap test, so no score matrix is written (faster than `cblas_sgemm` followed by a
///   scan at every measured gallery and batch size; docs/benchmarks.md#kernel-notes);
/// - `ScoreTile` for fewer queries, where reading each row once for the batch is what counts;
/// - `cblas_sgemm` into a bounded score tile, then the scan (`SearchPath.blas`). With OpenBLAS
///   running its own threads (a library user's default) it lets them multiply and scans on all cores.
enum SearchKernel {
    /// Batches from this many queries take the panel kernel where the integer pass does not:
    /// below it half a panel is padding and `ScoreTile` is faster
    /// (docs/benchmarks.md#search-policy-thresholds, as for every threshold here).
    static let panelThreshold = 12
    /// Batches from this many queries take the integer bound pass where it is supported and the
    /// matrix's rows are quantized already (`QuantizedRowCache`: float32 storage, from the second
    /// batch search on): it reads half the bytes of the float32 rows; below it the direct kernel
    /// wins on galleries that fit in cache.
    static let quantizedThreshold = 8
    /// The same where the pass must quantize each tile of rows as it scans it (float16 storage,
    /// whose memory a quantized copy would take back, and the first batch search of a float32
    /// matrix): from 32 queries, where the pass gains more than the conversion costs.
    static let quantizedPerTileThreshold = 32
    /// Queries are split between the cores (rather than rows) when every core gets at least
    /// this many panels: each query's heap then warms up once instead of once per core, and the
    /// cores' shares differ by at most a quarter.
    static let panelsPerCore = 4
    /// Bound on the scores buffer of the BLAS path: `Q × tile ≤ scoreBudget` floats.
    static let scoreBudget = 1 << 18
    /// Rows per BLAS tile at most.
    static let maxTileRows = 4096
    /// Multiply-adds below which a direct or panel search stays on one core: waking a second
    /// core costs more than it saves.
    static let directWorkPerSlice = 1 << 21
    /// Bytes of rows per direct or panel tile: they stay in the core's L2 while every query passes over them.
    static let directTileBytes = 64 << 10
    /// Bytes of rows per tile for one query, which reads each row once: large enough that
    /// each of `ScoreTile`'s four streams runs on for 256 KiB.
    static let singleQueryTileBytes = 1 << 20

    /// - Parameters:
    ///   - queries: `queryCount × matrix.dim` row-major float32, each of unit norm.
    ///   - path: which kernel scores the tiles; `.automatic` picks by batch size.
    /// - Returns: one `TopKIdentities` per query.
    static func search(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int,
        workers: Int = ProcessInfo.activeCores, path: SearchPath = .automatic
    ) -> [TopKIdentities] {
        guard matrix.count > 0, queryCount > 0 else {
            return Array(repeating: TopKIdentities(k: k), count: queryCount)
        }
        // The integer pass's copy of the rows, where it could be used (see `QuantizedRowCache`).
        let quantizedRows = (path == .quantized || path == .automatic && queryCount >= quantizedThreshold)
            && matrix.storage == .float32 && QuantizedPanelScan.supports(dim: matrix.dim)
            ? matrix.quantizedRows.rows(upTo: matrix.count, from: matrix.float32Row(0), dim: matrix.dim) : nil
        let kernel = path == .automatic
            ? automaticPath(queryCount: queryCount, dim: matrix.dim, rowsQuantized: quantizedRows != nil) : path
        if kernel == .blas, workers > 1, openblas_get_num_threads() > 1 {
            return gemmSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers)
        }
        return slicedSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers, kernel: kernel,
                            quantizedRows: quantizedRows)
    }

    /// The kernel `.automatic` picks for a batch of `queryCount` queries of `dim` elements;
    /// `rowsQuantized`: whether the matrix's rows are quantized already.
    static func automaticPath(queryCount: Int, dim: Int, rowsQuantized: Bool) -> SearchPath {
        let quantizedFrom = rowsQuantized ? quantizedThreshold : quantizedPerTileThreshold
        if queryCount >= quantizedFrom, QuantizedPanelScan.supports(dim: dim) { return .quantized }
        return queryCount >= panelThreshold ? .panel : .direct
    }

    /// Each core takes its own share of the work (rows, or the panel kernel's queries) and
    /// scores and scans it tile by tile, so no BLAS thread spins while another core scans; the
    /// per-core heaps are merged at the end.
    private static func slicedSearch(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int, workers: Int,
        kernel: SearchPath, quantizedRows cached: QuantizedRows?
    ) -> [TopKIdentities] {
        let n = matrix.count, dim = matrix.dim
        let quantized = kernel == .quantized && QuantizedPanelScan.supports(dim: dim)
        let blas = kernel == .blas, panel = kernel == .panel || kernel == .quantized
        let slices = max(1, min(workers, blas ? n / 1024 : n * dim * queryCount / directWorkPerSlice))
        let panelCount = PanelScan.panelCount(queryCount)
        let querySlices = panel && panelCount >= panelsPerCore * slices ? slices : 1
        let rowSlices = slices / querySlices
        let directTile = max(8, (queryCount == 1 ? singleQueryTileBytes : directTileBytes)
                             / (dim * matrix.storage.bytesPerValue)) & ~7
        let tile = blas ? blasTileRows(rows: n, queryCount: queryCount)
            : panel ? max(1, directTileBytes / (dim * 4) / PanelScan.rowStep) * PanelScan.rowStep : directTile
        // The panel kernel reads the queries packed, once for all cores.
        let floatPanels = panel && !quantized
        let packedBuffer = ScratchBuffers.shared.borrow(floatPanels ? PanelScan.packedCount(queryCount: queryCount, dim: dim) : 1)
        defer { ScratchBuffers.shared.release(packedBuffer) }
        if floatPanels { PanelScan.pack(queries, queryCount: queryCount, dim: dim, into: packedBuffer.pointer) }
        let packed = Shared(packedBuffer.pointer)
        // The integer pass's queries: panels, then the scales and error terms per packed query.
        let paddedQueries = PanelScan.paddedCount(queryCount)
        let quantizedWords = QuantizedPanelScan.packedWords(queryCount: queryCount, dim: dim)
        let quantizedBuffer = ScratchBuffers.shared.borrow(quantized ? quantizedWords + 2 * paddedQueries : 1)
        defer { ScratchBuffers.shared.release(quantizedBuffer) }
        let quantizedQueries = Shared(quantizedBuffer.pointer)
        if quantized {
            let scales = quantizedBuffer.pointer + quantizedWords
            QuantizedPanelScan.pack(queries, queryCount: queryCount, dim: dim, into: UnsafeMutableRawPointer(quantizedBuffer.pointer),
                                    scales: scales, errors: scales + paddedQueries)
        }
        let partial = Shared(UnsafeMutablePointer<[TopKIdentities]>.allocate(capacity: slices))
        partial.pointer.initialize(repeating: [], count: slices)
        defer { partial.pointer.deinitialize(count: slices); partial.pointer.deallocate() }
        let query = Shared(UnsafeMutablePointer(mutating: queries))
        let templates = Shared(matrix.templateIDPointer), identities = Shared(matrix.identityIDPointer)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let rowSlice = slice % rowSlices, querySlice = slice / rowSlices
            let start = n * rowSlice / rowSlices, end = n * (rowSlice + 1) / rowSlices
            let firstQuery = panelCount * querySlice / querySlices * PanelScan.width
            let count = querySlices == 1
                ? queryCount : min(queryCount, panelCount * (querySlice + 1) / querySlices * PanelScan.width) - firstQuery
            var heaps = (0..<count).map { _ in TopKIdentities(k: k) }
            // Scores of a tile (BLAS and direct), or the heaps' floors (panel).
            let scoreBuffer = ScratchBuffers.shared.borrow(panel ? PanelScan.paddedCount(count) : count * tile)
            defer { ScratchBuffers.shared.release(scoreBuffer) }
            let scores = scoreBuffer.pointer
            if panel { PanelScan.initializeFloors(scores, queryCount: count) }
            // Float16 tiles are widened to float32 once for all queries, except for a single
            // query, which widens as it reads (inside the two-query kernel the widening is
            // compiled as a call that spills the accumulators; docs/benchmarks.md#kernel-notes).
            let widen = matrix.storage == .float16 && (kernel != .direct || count > 1)
            let widenBuffer = ScratchBuffers.shared.borrow(widen ? tile * dim : 1)
            defer { ScratchBuffers.shared.release(widenBuffer) }
            let widened = widenBuffer.pointer
            // The integer pass's rows of a tile, where the matrix has no quantized copy.
            let tileRows = quantized && cached == nil ? QuantizedRows.allocate(count: tile, dim: dim) : nil
            defer { tileRows?.deallocate() }
            // The integer pass's candidates per query (see `QuantizedPanelScan.scan`).
            var candidates = [[QuantizedPanelScan.Candidate]](repeating: [], count: quantized ? count : 0)
            heaps.withUnsafeMutableBufferPointer { heaps in
                var t0 = start
                while t0 < end {
                    let rows = min(tile, end - t0)
                    let rowPointer = widen
                        ? UnsafePointer(Float16Widening.widen(matrix.float16Row(t0), into: widened, count: rows * dim))
                        : matrix.storage == .float32 ? matrix.float32Row(t0) : nil
                    if let rowPointer, quantized {
                        let quantizedRows: QuantizedRows
                        if let cached {
                            quantizedRows = cached.dropping(t0, dim: dim)
                        } else {
                            quantizedRows = tileRows!
                            quantizedRows.fill(from: rowPointer, count: rows, dim: dim)
                        }
                        let scales = quantizedQueries.pointer + quantizedWords
                        candidates.withUnsafeMutableBufferPointer { candidates in
                            QuantizedPanelScan.scan(
                                panels: UnsafeRawPointer(quantizedQueries.pointer) + firstQuery * dim * 2,
                                queryScales: scales + firstQuery, queryErrors: scales + paddedQueries + firstQuery,
                                queryCount: count, quantizedRows: UnsafeRawPointer(quantizedRows.values),
                                rowScales: quantizedRows.scales, rowErrors: quantizedRows.errors,
                                rowCount: rows, firstRow: t0, dim: dim, heaps: heaps.baseAddress!, floors: scores,
                                candidates: candidates.baseAddress!,
                                identities: identities.pointer + t0, templates: templates.pointer + t0)
                        }
                    } else if let rowPointer, panel {
                        PanelScan.scan(panels: packed.pointer + firstQuery * dim, queryCount: count, rows: rowPointer,
                                       rowCount: rows, dim: dim, heaps: heaps.baseAddress!, floors: scores,
                                       identities: identities.pointer + t0, templates: templates.pointer + t0)
                    } else {
                        if let rowPointer, blas {
                            blasScores(query.pointer, queryCount: count, rows: rowPointer, rowCount: rows, dim: dim,
                                       into: scores)
                        } else if let rowPointer {
                            ScoreTile.compute(queries: query.pointer, queryCount: count, rows: rowPointer,
                                              rowCount: rows, dim: dim, scores: scores, scoreStride: rows)
                        } else {
                            ScoreTile.compute(queries: query.pointer, queryCount: count, rows: matrix.float16Row(t0),
                                              rowCount: rows, dim: dim, scores: scores, scoreStride: rows)
                        }
                        for q in 0..<count {
                            heaps[q].offer(scores: scores + q * rows, count: rows,
                                           identities: identities.pointer + t0, templates: templates.pointer + t0)
                        }
                    }
                    t0 += rows
                }
            }
            if quantized {
                // The heaps held lower bounds; the exact scores of the candidates replace them.
                func rescore<Row: GalleryScalar>(from rows: UnsafePointer<Row>) {
                    for q in 0..<count {
                        heaps[q] = QuantizedPanelScan.rescore(
                            candidates[q], floor: heaps[q].floor, k: k, query: query.pointer + (firstQuery + q) * dim,
                            rows: rows, dim: dim, identities: identities.pointer, templates: templates.pointer)
                    }
                }
                if matrix.storage == .float32 { rescore(from: matrix.float32Row(0)) } else { rescore(from: matrix.float16Row(0)) }
            }
            partial.pointer[slice] = heaps
        }
        // Row slices of the same queries merge; query slices follow one another.
        var result: [TopKIdentities] = []
        result.reserveCapacity(queryCount)
        for querySlice in 0..<querySlices {
            var merged = partial.pointer[querySlice * rowSlices]
            for rowSlice in 1..<rowSlices {
                for q in merged.indices { merged[q].merge(partial.pointer[querySlice * rowSlices + rowSlice][q]) }
            }
            result += merged
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
    /// By batch size: the integer bound pass from 8 queries where the rows are quantized already
    /// and from 32 where not (where supported), the panel kernel from 12, the direct kernel below.
    case automatic
    /// `cblas_sgemm` (float16 rows widened first).
    case blas
    /// The register-blocked SIMD kernel for a few queries (`ScoreTile`).
    case direct
    /// Queries packed in panels of 16, scored and offered to the heaps in one pass (`PanelScan`).
    case panel
    /// The panel kernel with a 16-bit integer bound pass, exact float32 scores only where a
    /// score could enter the top k (`QuantizedPanelScan`; `.panel` where unsupported).
    case quantized
}

/// A pointer handed to worker threads that each touch their own part of the memory.
struct Shared<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

extension ProcessInfo {
    /// Cores available to this process, read once: Foundation reads the cgroup files on every
    /// `activeProcessorCount`, which costs more than a small search (docs/benchmarks.md#search-policy-thresholds).
    static let activeCores = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
