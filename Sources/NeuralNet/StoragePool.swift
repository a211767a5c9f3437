import Foundation

/// Keeps freed tensor buffers of 128 KiB and more and hands them out again for the same size, so
/// the passes of a network do not map, fault in and have the kernel zero fresh pages for every
/// activation and scratch buffer (about a tenth of a training step without it). Holds at most
/// `TensorStorage.poolCapacityBytes` of free buffers; the oldest sizes go first beyond that, and
/// whenever a size has no free buffer.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()
    /// Smaller buffers go straight to and from `malloc`, which recycles them well.
    static let minimumBytes = 1 << 17

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var sizes: [Int] = []          // sizes in `free`, least recently given first
    private var held = 0
    private var capacity = 768 << 20

    var capacityBytes: Int {
        get { lock.lock(); defer { lock.unlock() }; return capacity }
        set { lock.lock(); capacity = max(0, newValue); let evicted = trim(); lock.unlock(); release(evicted) }
    }

    /// The byte count actually allocated for a request of `bytes`.
    static func rounded(_ bytes: Int) -> Int {
        // Pooled sizes are rounded up (4 KiB below 1 MiB, 64 KiB above) so near sizes share buffers.
        let granule = bytes < 1 << 20 ? 1 << 12 : 1 << 16
        return bytes < minimumBytes ? bytes : (bytes + granule - 1) / granule * granule
    }

    /// A 64-byte aligned buffer of `bytes` (already `rounded`), recycled when one is free.
    func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= Self.minimumBytes {
            lock.lock()
            if let p = free[bytes]?.popLast() {
                held -= bytes
                if free[bytes]!.isEmpty { free[bytes] = nil; sizes.removeAll { $0 == bytes } }
                lock.unlock()
                return p
            }
            // A miss gives back as many held bytes (least recently given sizes first), so the
            // live tensors and the held buffers together never exceed the live tensors' own peak.
            let evicted = trim(releasing: bytes)
            lock.unlock()
            release(evicted)
        }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    /// Returns a buffer from `take` of the same `bytes`.
    func give(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        guard bytes >= Self.minimumBytes else { p.deallocate(); return }
        lock.lock()
        guard bytes <= capacity else { lock.unlock(); p.deallocate(); return }
        free[bytes, default: []].append(p)
        held += bytes
        sizes.removeAll { $0 == bytes }
        sizes.append(bytes)
        let evicted = trim()
        lock.unlock()
        release(evicted)
    }

    /// Drops buffers of the least recently given sizes until at most `capacity` bytes are held,
    /// and at least `releasing` bytes are dropped (lock held).
    private func trim(releasing: Int = 0) -> [UnsafeMutableRawPointer] {
        var out: [UnsafeMutableRawPointer] = []
        var dropped = 0
        while held > capacity || dropped < releasing, let size = sizes.first {
            if let p = free[size]?.popLast() { out.append(p); held -= size; dropped += size }
            if free[size]?.isEmpty ?? true { free[size] = nil; sizes.removeFirst() }
        }
        return out
    }

    private func release(_ buffers: [UnsafeMutableRawPointer]) { for p in buffers { p.deallocate() } }
}
