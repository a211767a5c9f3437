import Testing
@testable import Gallery

/// The search tests again on the portable build of the C kernels, which CPUs without
/// AVX2/FMA/F16C (and arm64) run. The switch is process-wide: searches of other suites running
/// meanwhile take the portable kernels too, which give the same results.
@Suite(.serialized) struct PortableKernelTests {
    private func portable(_ body: () -> Void) {
        SIMDKernels.forcePortable(true)
        defer { SIMDKernels.forcePortable(false) }
        #expect(!SIMDKernels.accelerated)
        body()
    }

    @Test func searchEqualsBruteForce() {
        let search = SearchTests()
        portable {
            for queryCount in [1, 3, 4, 16, 70] {
                for k in [1, 10] { search.kernelEqualsBruteForce(queryCount: queryCount, k: k) }
            }
            for workers in [1, 3] { search.panelSplitsEqualBruteForce(workers: workers) }
            for storage in [VectorStorage.float32, .float16] {
                search.singleQueryOverManyTilesEqualsBruteForce(storage: storage, workers: 2)
                for dim in [3, 13, 66, 67] { search.oddShapesEqualBruteForce(dim: dim, storage: storage) }
            }
        }
    }

    @Test func float16StorageKeepsRecall() {
        let search = SearchTests()
        portable {
            for queryCount in [1, 2, 32] { search.float16StorageKeepsRecall(queryCount: queryCount) }
        }
    }

    /// Every float16 bit pattern (zeros, subnormals, normals, infinities, NaNs) widens to the
    /// float32 Swift's own conversion gives.
    @Test func widensEveryFloat16() {
        let halves = (0...UInt16.max).map { Float16(bitPattern: $0) }
        var widened = [Float](repeating: 0, count: halves.count)
        portable {
            halves.withUnsafeBufferPointer { source in
                widened.withUnsafeMutableBufferPointer {
                    _ = Float16Widening.widen(source.baseAddress!, into: $0.baseAddress!, count: halves.count)
                }
            }
        }
        let wrong = zip(halves, widened).filter { half, float in
            half.isNaN ? !float.isNaN : Float(half).bitPattern != float.bitPattern
        }
        #expect(wrong.isEmpty, "first: \(wrong.first.map { "\($0.0.bitPattern) → \($0.1)" } ?? "")")
    }
}
