import Dispatch
import Foundation

/// Rows quantized for the integer bound pass (`QuantizedPanelScan.quantizeRows`): `dim` Int16
/// per row, row-major, and per row its scale and error term.
struct QuantizedRows: @unchecked Sendable {
    let values: UnsafeMutablePointer<Int16>
    let scales: UnsafeMutablePointer<Float>
    let errors: UnsafeMutablePointer<Float>

    /// Room for `count` rows of `dim` values, uninitialised.
    static func allocate(count: Int, dim: Int) -> QuantizedRows {
        let values = UnsafeMutableRawPointer.allocate(byteCount: max(1, count * dim) * 2, alignment: 64)
        return QuantizedRows(values: values.bindMemory(to: Int16.self, capacity: max(1, count * dim)),
                             scales: .allocate(capacity: max(1, count)), errors: .allocate(capacity: max(1, count)))
    }

    func deallocate() {
        values.deallocate()
        scales.deallocate()
        errors.deallocate()
    }

    /// The same rows from row `row` on.
    func dropping(_ row: Int, dim: Int) -> QuantizedRows {
        QuantizedRows(values: values + row * dim, scales: scales + row, errors: errors + row)
    }

    /// Quantizes `count × dim` float32 rows into these.
    func fill(from rows: UnsafePointer<Float>, count: Int, dim: Int) {
        QuantizedPanelScan.quantizeRows(rows, rowCount: count, dim: dim, into: UnsafeMutableRawPointer(values),
                                        scales: scales, errors: errors)
    }
}

/// The integer bound pass's copy of a float32 matrix's rows, made by the second batch search
/// that asks for it and extended by later ones, so repeated batches do not quantize every row again.
///
/// Half the bytes of the float32 rows it copies, plus 8 bytes a row. The first search that asks
/// gets nothing and quantizes tile by tile as it scans: a one-shot run (one `identify` batch)
/// then neither holds the copy nor pays for its fresh memory, which costs more than the
/// quantizing (docs/benchmarks.md#the-integer-bound-pass).
///
/// Rows `0 ..< validCount` are current; the owning matrix lowers `validCount` when it moves or
/// removes a row below it, and rows at or past it are quantized again on the next request. Requests
/// are serialised by a lock, so concurrent searches (which hold the gallery's read lock, so the
/// matrix does not change under them) can all make them.
final class QuantizedRowCache: @unchecked Sendable {
    private let lock = NSLock()
    private var capacity = 0
    private var storage = QuantizedRows.allocate(count: 0, dim: 0)
    /// Rows whose quantized copy is current.
    private(set) var validCount = 0
    /// Whether a search has asked for the copy (the next request makes it).
    private var requested = false

    /// Rows quantized per task when a large gap is filled on several cores.
    static let rowsPerTask = 4096

    deinit { storage.deallocate() }

    /// Marks rows from `row` on as stale (they were moved or removed).
    func invalidate(from row: Int) {
        lock.lock()
        validCount = min(validCount, max(0, row))
        lock.unlock()
    }

    /// The quantized copy of the first `count` rows of `source` (`count × dim` float32), valid
    /// until the matrix next changes; nil for the first request ever unless `prepare` ran (see above).
    func rows(upTo count: Int, from source: UnsafePointer<Float>, dim: Int) -> QuantizedRows? {
        lock.lock()
        defer { lock.unlock() }
        guard requested else {
            requested = true
            return nil
        }
        return current(upTo: count, from: source, dim: dim)
    }

    /// Makes the copy of the first `count` rows now, for a process that will run many batch
    /// searches (a server): its first batches then do not pay for it.
    func prepare(upTo count: Int, from source: UnsafePointer<Float>, dim: Int) {
        lock.lock()
        defer { lock.unlock() }
        requested = true
        _ = current(upTo: count, from: source, dim: dim)
    }

    /// Quantizes the rows not yet current, on all cores when there are many. Caller holds `lock`.
    private func current(upTo count: Int, from source: UnsafePointer<Float>, dim: Int) -> QuantizedRows {
        if count > capacity { grow(to: count, dim: dim) }
        if validCount < count {
            let first = validCount, gap = count - first
            let tasks = min(ProcessInfo.activeCores, (gap + Self.rowsPerTask - 1) / Self.rowsPerTask)
            let target = storage, rows = Shared(UnsafeMutablePointer(mutating: source))
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let a = first + gap * task / tasks, b = first + gap * (task + 1) / tasks
                target.dropping(a, dim: dim).fill(from: rows.pointer + a * dim, count: b - a, dim: dim)
            }
            validCount = count
        }
        return storage
    }

    /// Reallocates for at least `count` rows, keeping the current ones.
    private func grow(to count: Int, dim: Int) {
        let newCapacity = max(count, capacity + capacity / 2)
        let new = QuantizedRows.allocate(count: newCapacity, dim: dim)
        new.values.update(from: storage.values, count: validCount * dim)
        new.scales.update(from: storage.scales, count: validCount)
        new.errors.update(from: storage.errors, count: validCount)
        storage.deallocate()
        storage = new
        capacity = newCapacity
    }
}
