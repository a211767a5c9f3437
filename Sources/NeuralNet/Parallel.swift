import CBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Multi-core helpers: OpenBLAS thread control and a chunked parallel loop for element-wise work.
public enum Parallel {
    /// Number of worker threads used by `forEachChunk` (defaults to the active core count).
    public static var workerCount: Int { _workers }
    private static let _workers = max(1, System.activeProcessorCount)

    /// Sets the number of OpenBLAS threads used by GEMM (process-wide). Call it once before running
    /// models, never while any GEMM may be running on another thread.
    public static func setBLASThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// The current number of OpenBLAS threads.
    ///
    /// Threading policy: with more than one OpenBLAS thread (the library default), every GEMM is
    /// one multi-threaded OpenBLAS call. After `setBLASThreads(1)`, NeuralNet spreads GEMMs over its
    /// own workers instead (column blocks of one GEMM, or independent GEMMs such as Winograd's 16
    /// side by side), which avoids OpenBLAS's spinning threads on a busy machine.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Row-major single-precision GEMM, `C = alpha · op(A) · op(B) + beta · C` with `op(A)` `[m × k]`,
    /// `op(B)` `[k × n]`, `C` `[m × n]`. Follows the threading policy of `blasThreads`: with one
    /// OpenBLAS thread, large products are split into column blocks computed on the workers.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let split = workerCount > 1 && n >= 64 * workerCount && m * n * k >= 1 << 21 && blasThreads == 1
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc, splitColumns: split)
    }

    /// `sgemm` with the column split decided by the caller (tests exercise both paths without
    /// changing the process-wide OpenBLAS thread count).
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, splitColumns: Bool) {
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let workers = max(2, workerCount)
        if splitColumns {
            let block = ((n + workers - 1) / workers + 15) & ~15
            forEach((n + block - 1) / block) { w in
                let j0 = w * block, nb = min(block, n - j0)
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(nb), Int32(k), alpha, a, Int32(lda),
                            transB ? b + j0 * ldb : b + j0, Int32(ldb), beta, c + j0, Int32(ldc))
            }
        } else {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Splits `0..<count` into at most `workerCount` contiguous ranges and runs `body` on them in parallel.
    /// Runs inline when `count` is below `minimumPerThread * 2` so small tensors avoid dispatch overhead.
    @inline(__always)
    public static func forEachChunk(_ count: Int, minimumPerThread: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, max(1, count / max(1, minimumPerThread)))
        if workers <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let chunk = (count + workers - 1) / workers
        // `concurrentPerform` is synchronous, so the non-escaping body outlives every call; callers
        // guarantee that different ranges touch disjoint memory.
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * chunk
                let hi = min(count, lo + chunk)
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the workers; use when each item is substantial.
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forEachChunk(count, minimumPerThread: 1) { r in for i in r { body(i) } }
    }
}

enum System {
    static var activeProcessorCount: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}
