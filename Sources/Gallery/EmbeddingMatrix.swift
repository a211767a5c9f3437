import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the in-memory copy of the templates is held. The file always stores float32.
public enum VectorStorage: String, Sendable, CaseIterable {
    /// 4 bytes a value: exact scores.
    case float32 = "f32"
    /// 2 bytes a value: half the memory and bandwidth; scores differ from float32 by ~1e-3.
    case float16 = "f16"

    /// Bytes of one value.
    public var bytesPerValue: Int { self == .float32 ? 4 : 2 }
}

/// The templates of a gallery as one contiguous row-major `count × dim` matrix (float32 or
/// float16 rows of unit norm), with the template id and identity id of each row in
/// parallel arrays. Rows are unordered: removal moves the last row into the hole.
///
/// The in-memory index a `Gallery` searches (like a FAISS flat index): rows can be
/// added, removed by identity or template, and searched with `search(_:count:k:)`.
/// Not thread-safe by itself: `Gallery` guards it with a reader–writer lock.
public final class EmbeddingMatrix: @unchecked Sendable {
    /// Values per row.
    public let dim: Int
    /// How rows are held.
    public let storage: VectorStorage
    /// Rows held.
    public private(set) var count = 0
    private var capacity = 0
    private(set) var base: UnsafeMutableRawPointer
    /// Template id of each row (`count` valid).
    private(set) var templateIDPointer: UnsafeMutablePointer<Int64>
    /// Identity id of each row (`count` valid).
    private(set) var identityIDPointer: UnsafeMutablePointer<Int64>

    /// The integer bound pass's Int16 copy of the rows (float32 storage only; built by the first
    /// batch search that takes that pass). Rows at or past `count` are never current in it.
    let quantizedRows = QuantizedRowCache()

    var templateIDs: UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: templateIDPointer, count: count) }
    var identityIDs: UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: identityIDPointer, count: count) }

    /// An empty matrix of `dim`-value rows.
    public init(dim: Int, storage: VectorStorage) {
        self.dim = dim
        self.storage = storage
        self.base = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        self.templateIDPointer = .allocate(capacity: 1)
        self.identityIDPointer = .allocate(capacity: 1)
    }

    deinit {
        base.deallocate()
        templateIDPointer.deallocate()
        identityIDPointer.deallocate()
    }

    /// Bytes of one row.
    var rowBytes: Int { dim * storage.bytesPerValue }

    /// Row `i` as float32 (valid for `.float32` storage only).
    @inline(__always) func float32Row(_ i: Int) -> UnsafePointer<Float> {
        UnsafePointer(base.assumingMemoryBound(to: Float.self) + i * dim)
    }

    /// Row `i` as float16 (valid for `.float16` storage only).
    @inline(__always) func float16Row(_ i: Int) -> UnsafePointer<Float16> {
        UnsafePointer(base.assumingMemoryBound(to: Float16.self) + i * dim)
    }

    /// Makes room for `total` rows without further reallocation.
    public func reserve(_ total: Int) {
        guard total > capacity else { return }
        let newBase = EmbeddingMatrix.allocateRows(byteCount: max(total * rowBytes, 64))
        if count > 0 { newBase.copyMemory(from: base, byteCount: count * rowBytes) }
        base.deallocate()
        base = newBase
        let newTemplates = UnsafeMutablePointer<Int64>.allocate(capacity: total)
        let newIdentities = UnsafeMutablePointer<Int64>.allocate(capacity: total)
        newTemplates.update(from: templateIDPointer, count: count)
        newIdentities.update(from: identityIDPointer, count: count)
        templateIDPointer.deallocate()
        identityIDPointer.deallocate()
        templateIDPointer = newTemplates
        identityIDPointer = newIdentities
        capacity = total
    }

    /// Row storage, 64-byte aligned, in ordinary pages: the first touch of transparent huge
    /// pages stalls on memory compaction when the page cache is full, and the search runs at
    /// the same speed either way (docs/benchmarks.md#cold-open-and-file-size).
    private static func allocateRows(byteCount: Int) -> UnsafeMutableRawPointer {
        .allocate(byteCount: byteCount, alignment: 64)
    }

    /// Writes row `index` (≥ `count`, < capacity) from `dim` float32 values at any alignment, with
    /// its ids. Rows past `count` become visible with `setCount`. Safe to call concurrently for distinct rows.
    func writeRow(_ index: Int, float32Bytes: UnsafeRawPointer, templateID: Int64, identityID: Int64) {
        let destination = base + index * rowBytes
        switch storage {
        case .float32:
            destination.copyMemory(from: float32Bytes, byteCount: rowBytes)
        case .float16:
            let out = destination.assumingMemoryBound(to: Float16.self)
            var j = 0
            while j + 8 <= dim {
                let v = float32Bytes.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + j).storeBytes(of: SIMD8<Float16>(v), as: SIMD8<Float16>.self)
                j += 8
            }
            while j < dim {
                out[j] = Float16(float32Bytes.loadUnaligned(fromByteOffset: j * 4, as: Float.self))
                j += 1
            }
        }
        templateIDPointer[index] = templateID
        identityIDPointer[index] = identityID
    }

    /// Makes the first `newCount` rows (≤ capacity) the matrix's rows.
    func setCount(_ newCount: Int) {
        assert(newCount <= capacity)
        count = newCount
        quantizedRows.invalidate(from: newCount)
    }

    /// Appends one row given as `dim` float32 values (already of unit norm).
    public func append(_ vector: UnsafePointer<Float>, templateID: Int64, identityID: Int64) {
        appendRaw(UnsafeRawPointer(vector), templateID: templateID, identityID: identityID)
    }

    /// Appends one row from `dim` float32 values at any alignment (an SQLite BLOB, say).
    func appendRaw(_ float32Bytes: UnsafeRawPointer, templateID: Int64, identityID: Int64) {
        if count == capacity { reserve(max(1024, capacity * 2)) }
        writeRow(count, float32Bytes: float32Bytes, templateID: templateID, identityID: identityID)
        count += 1
    }

    /// Removes every row whose identity id is in `identities`; returns how many went.
    @discardableResult
    public func removeRows(identities: Set<Int64>) -> Int {
        removeRows { _, identity in identities.contains(identity) }
    }

    /// Removes every row whose template id is in `templates`; returns how many went.
    @discardableResult
    public func removeRows(templates: Set<Int64>) -> Int {
        removeRows { template, _ in templates.contains(template) }
    }

    /// Removes all rows.
    public func removeAll() {
        count = 0
        quantizedRows.invalidate(from: 0)
    }

    private func removeRows(where shouldRemove: (Int64, Int64) -> Bool) -> Int {
        var removed = 0
        var i = 0
        while i < count {
            if shouldRemove(templateIDPointer[i], identityIDPointer[i]) {
                if removed == 0 { quantizedRows.invalidate(from: i) }
                let last = count - 1
                if i != last {
                    (base + i * rowBytes).copyMemory(from: base + last * rowBytes, byteCount: rowBytes)
                    templateIDPointer[i] = templateIDPointer[last]
                    identityIDPointer[i] = identityIDPointer[last]
                }
                count -= 1
                removed += 1
            } else {
                i += 1
            }
        }
        return removed
    }

    /// The row of a template id, if present (a linear scan).
    func row(ofTemplate id: Int64) -> Int? { templateIDs.firstIndex(of: id) }

    /// Bytes held by the rows.
    public var bytes: Int { count * rowBytes }

    /// Builds what batch searches reuse (the integer pass's copy of float32 rows) now rather
    /// than in the first batches; a no-op where batches do not use it.
    public func prepareBatchSearch() {
        guard count > 0, storage == .float32, QuantizedPanelScan.supports(dim: dim) else { return }
        quantizedRows.prepare(upTo: count, from: float32Row(0), dim: dim)
    }

    /// The `k` best identities of each query (each scored by its best template), best first.
    /// - Parameters:
    ///   - queries: `queryCount × dim` row-major float32, each of unit norm.
    public func search(_ queries: UnsafePointer<Float>, count queryCount: Int, k: Int,
                       path: SearchPath = .automatic) -> [[IndexHit]] {
        SearchKernel.search(self, queries: queries, queryCount: queryCount, k: k, path: path).map { heap in
            heap.ranked().map { IndexHit(identityID: $0.identity, cosine: $0.score, templateID: $0.template) }
        }
    }
}

/// One identity found by `EmbeddingMatrix.search`.
public struct IndexHit: Sendable, Equatable {
    public var identityID: Int64
    /// Cosine of the query with the identity's best template.
    public var cosine: Float
    /// That template.
    public var templateID: Int64
}
