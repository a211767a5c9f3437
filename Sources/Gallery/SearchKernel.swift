import CBLAS
import Dispatch
import Foundation

/// Exact nearest-angle search of unit queries against an `EmbeddingMatrix`, keeping the
/// top-k identities per query (each identity scored by its best template).
///
/// Two paths, as in FAISS: a batch of at least `gemmThreshold` queries is scored tile by
/// tile with `cblas_sgemm` (OpenBLAS threads) into a bounded `Q × tile` buffer, whose rows
/// are then scanned by the cores in parallel (one query's heap per core at a time); fewer
/// queries take a direct SIMD pass that reads every row once for all of them, the rows
/// split across the cores, and the per-core partial results merged.
enum SearchKernel {
    /// Below this many queries the direct pass is faster than GEMM (measured; see README).
    static let gemmThreshold = 4
    /// Bound on the scores buffer of the GEMM path: `Q × tile ≤ scoreBudget` floats.
    static let scoreBudget = 1 << 18
    /// Rows per GEMM tile at most.
    static let maxTileRows = 4096

    /// - Parameters:
    ///   - queries: `queryCount × matrix.dim` row-major float32, each of unit norm.
    /// - Returns: one `TopKIdentities` per query.
    static func search(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int,
        workers: Int = ProcessInfo.activeCores
    ) -> [TopKIdentities] {
        guard matrix.count > 0, queryCount > 0 else {
            return Array(repeating: TopKIdentities(k: k), count: queryCount)
        }
        if queryCount >= gemmThreshold {
            if workers > 1, openblas_get_num_threads() == 1 {
                return gemmSearchPerWorker(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers)
            }
            return gemmSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers)
        }
        return directSearch(matrix, queries: queries, queryCount: queryCount, k: k, workers: workers)
    }

    private static func directSearch(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int, workers: Int
    ) -> [TopKIdentities] {
        let n = matrix.count, dim = matrix.dim
        let slices = max(1, min(workers, n / 4096))
        let partial = Shared(UnsafeMutablePointer<[TopKIdentities]>.allocate(capacity: slices))
        partial.pointer.initialize(repeating: [], count: slices)
        defer { partial.pointer.deinitialize(count: slices); partial.pointer.deallocate() }
        let query = Shared(UnsafeMutablePointer(mutating: queries))
        let templates = Shared(matrix.templateIDPointer), identities = Shared(matrix.identityIDPointer)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let start = n * slice / slices, end = n * (slice + 1) / slices
            var heaps = (0..<queryCount).map { _ in TopKIdentities(k: k) }
            var floors = [Float](repeating: -.infinity, count: queryCount)
            for row in start..<end {
                for q in 0..<queryCount {
                    let score = matrix.storage == .float32
                        ? DotProduct.float32(query.pointer + q * dim, matrix.float32Row(row), dim: dim)
                        : DotProduct.float16(query.pointer + q * dim, matrix.float16Row(row), dim: dim)
                    if score > floors[q] {
                        heaps[q].offer(identity: identities.pointer[row], score: score, template: templates.pointer[row])
                        floors[q] = heaps[q].floor
                    }
                }
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
        // Tiles of at most 4,096 rows keep the Q × tile scores (and, for float16, the
        // widened rows) in cache while the heaps scan them.
        let tile = max(256, min(n, maxTileRows, scoreBudget / queryCount))
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
                    DotProduct.widen(matrix.float16Row(first + a), into: widened.pointer + a * dim, count: (b - a) * dim)
                }
                rowPointer = UnsafePointer(widened.pointer)
            } else {
                rowPointer = matrix.float32Row(first)
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(queryCount), Int32(rows), Int32(dim),
                        1, queries, Int32(dim), rowPointer, Int32(dim),
                        0, scores.pointer, Int32(rows))
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var q = lane
                while q < queryCount {
                    let row = scores.pointer + q * rows
                    var floor = heaps.pointer[q].floor
                    for j in 0..<rows where row[j] > floor {
                        heaps.pointer[q].offer(identity: identities.pointer[first + j], score: row[j],
                                               template: templates.pointer[first + j])
                        floor = heaps.pointer[q].floor
                    }
                    q += lanes
                }
            }
            t0 += rows
        }
        return Array(UnsafeBufferPointer(start: heaps.pointer, count: queryCount))
    }
}

extension SearchKernel {
    /// The GEMM path when OpenBLAS runs single-threaded (the process policy of the CLI): each
    /// core takes its own slice of the rows and runs its own GEMMs and heaps on them, so the
    /// scan of one tile overlaps the multiplication of another and no BLAS thread spins;
    /// the per-core heaps are merged at the end.
    static func gemmSearchPerWorker(
        _ matrix: EmbeddingMatrix, queries: UnsafePointer<Float>, queryCount: Int, k: Int, workers: Int
    ) -> [TopKIdentities] {
        let n = matrix.count, dim = matrix.dim
        let slices = max(1, min(workers, n / 1024))
        let tile = max(256, min(n, maxTileRows, scoreBudget / queryCount))
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
            let widenBuffer = ScratchBuffers.shared.borrow(matrix.storage == .float16 ? tile * dim : 1)
            defer { ScratchBuffers.shared.release(widenBuffer) }
            let scores = scoreBuffer.pointer, widened = widenBuffer.pointer
            var t0 = start
            while t0 < end {
                let rows = min(tile, end - t0)
                let rowPointer: UnsafePointer<Float>
                if matrix.storage == .float16 {
                    DotProduct.widen(matrix.float16Row(t0), into: widened, count: rows * dim)
                    rowPointer = UnsafePointer(widened)
                } else {
                    rowPointer = matrix.float32Row(t0)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(queryCount), Int32(rows), Int32(dim),
                            1, query.pointer, Int32(dim), rowPointer, Int32(dim),
                            0, scores, Int32(rows))
                for q in 0..<queryCount {
                    let row = scores + q * rows
                    var floor = heaps[q].floor
                    for j in 0..<rows where row[j] > floor {
                        heaps[q].offer(identity: identities.pointer[t0 + j], score: row[j],
                                       template: templates.pointer[t0 + j])
                        floor = heaps[q].floor
                    }
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
}

/// A pointer handed to worker threads that each touch their own part of the memory.
struct Shared<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

extension ProcessInfo {
    /// Cores available to this process.
    static var activeCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
