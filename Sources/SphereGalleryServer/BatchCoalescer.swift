import Foundation

/// How concurrent requests are merged into batches.
public struct CoalescingSettings: Sendable {
    /// Off: every request is processed on its own, concurrently with the others.
    public var enabled: Bool
    /// The longest a request waits for others to join its batch (a lone request waits at
    /// most this; under load, batches form while the previous one runs, without waiting).
    public var window: Duration
    /// The most work (vectors, faces) in one batch.
    public var maxBatch: Int
    /// The most work queued or running; beyond it requests are refused with 503.
    public var queueLimit: Int

    public init(enabled: Bool = true, window: Duration = .milliseconds(2), maxBatch: Int = 256, queueLimit: Int = 4096) {
        self.enabled = enabled
        self.window = window
        self.maxBatch = maxBatch
        self.queueLimit = queueLimit
    }
}

/// Collects items submitted by concurrent requests and processes them as batches on one
/// worker thread: one network pass, one search over the gallery for many requests.
/// Each item has a cost (its vectors or faces); the queue limit bounds the total cost
/// waiting or running, and a request beyond it gets 503 with `Retry-After` at once.
final class BatchCoalescer<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    typealias Process = @Sendable ([Item]) -> [Result<Output, any Error>]

    private struct Entry {
        let item: Item
        let cost: Int
        let arrival: Date
        let once: Once<Output>
    }

    let settings: CoalescingSettings
    private let process: Process
    private let name: String
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [Entry] = []
    private var pendingCost = 0
    private var admitted = 0
    private var worker: Thread?
    private var stopped = false

    init(name: String, settings: CoalescingSettings, process: @escaping Process) {
        self.name = name
        self.settings = settings
        self.process = process
    }

    /// The work admitted and not yet finished (queued or running).
    var load: Int {
        condition.lock()
        defer { condition.unlock() }
        return admitted
    }

    /// Processes `item` (alone or in a batch) and returns its output; throws 503 when the
    /// queue is full or the deadline passes first.
    func submit(_ item: Item, cost: Int, deadline: ContinuousClock.Instant?) async throws -> Output {
        let cost = max(1, cost)
        guard admit(cost) else {
            throw Problem.unavailable("the server is busy (\(name) queue full); retry after a second.")
        }
        if !settings.enabled {
            let process = self.process
            return try await Blocking.run(deadline: deadline) { [self] in
                defer { release(cost) }
                return try process([item])[0].get()
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            condition.lock()
            pending.append(Entry(item: item, cost: cost, arrival: Date(), once: once))
            pendingCost += cost
            if worker == nil {
                let thread = Thread { [self] in run() }
                thread.name = "coalescer-\(name)"
                worker = thread
                thread.start()
            }
            condition.signal()
            condition.unlock()
            once.expire(at: deadline)
        }
    }

    /// Lets the worker thread end once the queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func admit(_ cost: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard admitted == 0 || admitted + cost <= settings.queueLimit else { return false }
        admitted += cost
        return true
    }

    private func release(_ cost: Int) {
        condition.lock()
        admitted -= cost
        condition.unlock()
    }

    private func run() {
        let window = Double(settings.window.components.attoseconds) / 1e18 + Double(settings.window.components.seconds)
        while let batch = nextBatch(window: window) {
            let outputs = process(batch.map(\.item))
            for (i, entry) in batch.enumerated() {
                entry.once.resume(with: i < outputs.count ? outputs[i] : .failure(Problem.unavailable("the batch ended early; retry.")))
            }
            release(batch.reduce(0) { $0 + $1.cost })
        }
    }

    /// Waits for work, then for the window to close or the batch to fill; nil when stopped.
    private func nextBatch(window: Double) -> [Entry]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty {
            if stopped { worker = nil; return nil }
            condition.wait()
        }
        let closes = pending[0].arrival.addingTimeInterval(window)
        while pendingCost < settings.maxBatch, Date() < closes, !stopped {
            _ = condition.wait(until: closes)
        }
        var cost = 0, count = 0
        while count < pending.count, count == 0 || cost + pending[count].cost <= settings.maxBatch {
            cost += pending[count].cost
            count += 1
        }
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        pendingCost -= cost
        return batch
    }
}
