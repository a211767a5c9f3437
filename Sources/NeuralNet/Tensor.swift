#if canImport(Glibc)
import Glibc
import SeededRandom
#endif

/// Reference-counted, 64-byte aligned Float32 buffer backing one or more `Tensor` views.
public final class TensorStorage {
    /// First element of the buffer.
    public let base: UnsafeMutablePointer<Float>
    /// Number of Float32 elements in the buffer.
    public let capacity: Int

    /// Allocates `capacity` zeroed floats.
    public init(capacity: Int) {
        self.capacity = capacity
        let bytes = StoragePool.rounded(max(64, capacity * MemoryLayout<Float>.stride))
        let raw = StoragePool.shared.take(bytes)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        base = raw.bindMemory(to: Float.self, capacity: max(16, capacity))
    }

    /// Allocates without zeroing (every element must be written before it is read).
    init(uninitializedCapacity capacity: Int) {
        self.capacity = capacity
        let raw = StoragePool.shared.take(StoragePool.rounded(max(64, capacity * MemoryLayout<Float>.stride)))
        base = raw.bindMemory(to: Float.self, capacity: max(16, capacity))
    }

    deinit {
        StoragePool.shared.give(UnsafeMutableRawPointer(base), StoragePool.rounded(max(64, capacity * MemoryLayout<Float>.stride)))
    }

    /// Most bytes of freed buffers (128 KiB and larger) kept for reuse by later tensors of the same
    /// size, process-wide (default 768 MiB; 0 returns every buffer to the system at once).
    public static var poolCapacityBytes: Int {
        get { StoragePool.shared.capacityBytes }
        set { StoragePool.shared.capacityBytes = newValue }
    }
}

/// A dense, contiguous, row-major Float32 tensor. Image tensors use NCHW layout
/// (`[batch, channels, height, width]`), fully connected activations `[batch, features]`.
///
/// `Tensor` is a *view*: a shape and an offset into a shared `TensorStorage`. Copying a `Tensor`
/// value, `reshaped(_:)` and `batch(_:)` are O(1) and share data; writes through one view are
/// visible through all others. Use `copy()` for an independent tensor. Element access for hot loops
/// goes through `pointer` (no per-element allocation, no bounds checks).
public struct Tensor {
    /// The extents, outermost first.
    public let shape: [Int]
    /// Number of elements (product of `shape`).
    public let count: Int
    /// The shared buffer.
    public let storage: TensorStorage
    /// Element offset of this view inside `storage`.
    public let offset: Int

    /// A zero-filled tensor of the given shape. Extents must be non-negative.
    public init(zeros shape: [Int]) {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.count = n
        self.storage = TensorStorage(capacity: n)
        self.offset = 0
    }

    /// A tensor whose contents are unspecified until written (for outputs that are fully overwritten).
    public init(uninitialized shape: [Int]) {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.count = n
        self.storage = TensorStorage(uninitializedCapacity: n)
        self.offset = 0
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        pointer.update(repeating: value, count: count)
    }

    /// A tensor holding `data` (row-major) with the given shape.
    /// - Throws: `NeuralNetError.invalidShape` when `data.count` is not the product of `shape`.
    public init(shape: [Int], data: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw NeuralNetError.invalidShape("negative extent in \(shape)") }
        let n = shape.reduce(1, *)
        guard n == data.count else {
            throw NeuralNetError.invalidShape("shape \(shape) holds \(n) elements but \(data.count) values were given")
        }
        self.init(uninitialized: shape)
        data.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// A view sharing `storage` (internal building block).
    init(storage: TensorStorage, offset: Int, shape: [Int]) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.count = shape.reduce(1, *)
    }

    @inline(__always)
    static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for s in shape { n *= max(0, s) }
        return n
    }

    /// Pointer to the first element of this view. Valid while the tensor (or its storage) is alive.
    @inline(__always)
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The contents as a Swift array (copies).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// A new tensor with its own storage and the same contents.
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// The same data with another shape (O(1) view).
    /// - Throws: `NeuralNetError.invalidShape` when the element counts differ.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.allSatisfy({ $0 >= 0 }), newShape.reduce(1, *) == count else {
            throw NeuralNetError.invalidShape("cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        return Tensor(storage: storage, offset: offset, shape: newShape)
    }

    /// The items `range` along dimension 0 (O(1) view).
    /// - Throws: `NeuralNetError.invalidShape` for an out-of-bounds range or a scalar tensor.
    public func batch(_ range: Range<Int>) throws -> Tensor {
        guard let n = shape.first, range.lowerBound >= 0, range.upperBound <= n else {
            throw NeuralNetError.invalidShape("batch range \(range) out of bounds for shape \(shape)")
        }
        let inner = n == 0 ? 0 : count / n
        var s = shape
        s[0] = range.count
        return Tensor(storage: storage, offset: offset + range.lowerBound * inner, shape: s)
    }

    /// Element at a full multi-index (bounds-checked; for tests and debugging, not for hot loops).
    public subscript(_ index: Int...) -> Float {
        get { pointer[linearIndex(index)] }
        nonmutating set { pointer[linearIndex(index)] = newValue }
    }

    private func linearIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) != tensor rank \(shape.count)")
        var lin = 0
        for (i, s) in zip(index, shape) {
            precondition(i >= 0 && i < s, "index \(index) out of bounds for \(shape)")
            lin = lin * s + i
        }
        return lin
    }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies the contents of `other` (same element count) into this view.
    public func assign(_ other: Tensor) throws {
        guard other.count == count else { throw NeuralNetError.shapeMismatch(operation: "assign", expected: "\(shape)", got: other.shape) }
        pointer.update(from: other.pointer, count: count)
    }

    /// Throws `shapeMismatch` unless this tensor's shape equals `expected`.
    public func expectShape(_ expected: [Int], _ operation: String) throws {
        if shape != expected { throw NeuralNetError.shapeMismatch(operation: operation, expected: "\(expected)", got: shape) }
    }

    /// Deterministic pseudo-random tensor: uniform in `[-bound, bound)` from a SplitMix64 stream seeded by `seed`.
    public static func uniform(_ shape: [Int], bound: Float, seed: UInt64) -> Tensor {
        let t = Tensor(uninitialized: shape)
        var rng = SplitMix64(seed: seed)
        let p = t.pointer
        for i in 0..<t.count { p[i] = (rng.nextUnit() * 2 - 1) * bound }
        return t
    }

    /// Largest absolute element-wise difference to `other` (same element count), and the largest |other|.
    public func maxAbsDifference(_ other: Tensor) -> (diff: Float, refMax: Float) {
        var d: Float = 0, m: Float = 0
        let a = pointer, b = other.pointer
        for i in 0..<min(count, other.count) {
            d = max(d, abs(a[i] - b[i]))
            m = max(m, abs(b[i]))
        }
        return (d, m)
    }
}

