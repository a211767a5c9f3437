import Testing
@testable import NeuralNet

/// The recycling of large tensor buffers.
@Suite struct StoragePoolTests {
    /// A freed buffer comes back for the next tensor of its size, and `Tensor(zeros:)` still starts at zero.
    @Test func recyclesBuffersAndZeroesThem() throws {
        let count = 3_000_017   // a size no other test allocates
        var address: UnsafeMutablePointer<Float>?
        do {
            let dirty = Tensor(shape: [count], repeating: 7)
            address = dirty.pointer
        }
        let fresh = Tensor(zeros: [count])
        #expect(fresh.pointer == address)
        #expect(fresh.scalars.allSatisfy { $0 == 0 })
    }

    /// Sizes are shared within their granule and small buffers are not pooled.
    @Test func rounding() {
        #expect(StoragePool.rounded(1000) == 1000)
        #expect(StoragePool.rounded((1 << 17) + 1) == (1 << 17) + 4096)
        #expect(StoragePool.rounded((1 << 20) + 1) == (1 << 20) + (1 << 16))
    }
}
