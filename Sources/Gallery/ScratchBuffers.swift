import Foundation

/// Reusable float buffers for the search kernels: a search borrows one per core and gives it
/// back, so repeated searches neither allocate nor fault in fresh pages (a 1 MB score tile
/// from `malloc` is a new `mmap` every time).
final class ScratchBuffers: @unchecked Sendable {
    static let shared = ScratchBuffers()

    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    /// Idle buffers kept at most (one or two per core is what searches use).
    private let keep = 8

    /// A buffer of at least `count` floats; hand it back with `release`.
    func borrow(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.lock()
        if let i = free.firstIndex(where: { $0.capacity >= count }) {
            let buffer = free.remove(at: i)
            lock.unlock()
            return buffer
        }
        lock.unlock()
        return (UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1)), max(count, 1))
    }

    func release(_ buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)) {
        lock.lock()
        if free.count < keep {
            free.append(buffer)
            lock.unlock()
        } else {
            lock.unlock()
            buffer.pointer.deallocate()
        }
    }
}
