import Foundation

/// Produces items `0..<count` on `workers` background threads and hands them out **in item
/// order**, at most `window` items ahead of the consumer (which bounds memory): decoding and
/// detecting overlap embedding and storing, or the next training batch decodes while this
/// one trains. The one ordered, bounded-prefetch worker of the package.
public final class OrderedPrefetch<Output: Sendable>: @unchecked Sendable {
    // Audited: every mutable field is read and written only under `condition`.
    private let condition = NSCondition()
    private var slots: [Output?]
    private var next = 0, consumed = 0, cancelled = false
    private let count: Int, window: Int

    /// Starts the worker threads.
    /// - Parameter produce: `(item, worker)` → output; called once per item, on worker `worker`.
    public init(count: Int, workers: Int, window: Int, produce: @escaping @Sendable (_ item: Int, _ worker: Int) -> Output) {
        self.count = count
        self.window = max(1, window, workers)
        slots = Array(repeating: nil, count: count)
        guard count > 0 else { return }
        for worker in 0..<max(1, workers) {
            let thread = Thread { [self] in
                while let item = claim() { deliver(item, produce(item, worker)) }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit { cancel() }

    /// The next output in item order (waits for it), or nil after the last or once cancelled.
    public func nextOutput() -> Output? {
        condition.lock()
        defer { condition.unlock() }
        guard consumed < count, !cancelled else { return nil }
        while slots[consumed] == nil { condition.wait() }
        let output = slots[consumed]
        slots[consumed] = nil
        consumed += 1
        condition.broadcast()
        return output
    }

    /// Stops the workers after the items they are producing.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `produce` on the workers and `consume` on the calling thread, in item order; stops
    /// the workers when `consume` throws.
    public static func run(count: Int, workers: Int, window: Int,
                           produce: @escaping @Sendable (_ item: Int, _ worker: Int) -> Output,
                           consume: (_ item: Int, Output) throws -> Void) throws {
        let prefetch = OrderedPrefetch(count: count, workers: workers, window: window, produce: produce)
        defer { prefetch.cancel() }
        for item in 0..<count {
            guard let output = prefetch.nextOutput() else { return }
            try consume(item, output)
        }
    }

    private func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, next < count, next >= consumed + window { condition.wait() }
        guard !cancelled, next < count else { return nil }
        next += 1
        return next - 1
    }

    private func deliver(_ item: Int, _ output: Output) {
        condition.lock()
        slots[item] = output
        condition.broadcast()
        condition.unlock()
    }
}

/// Carries a value into a `@Sendable` closure whose concurrent use the caller has made
/// race-free (each use site says why). The package's one unchecked-Sendable wrapper for values.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
