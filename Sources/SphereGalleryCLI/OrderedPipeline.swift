import Foundation

/// Runs `produce` for items `0..<count` on `workers` background threads and hands the
/// results to `consume` on the calling thread **in item order**, so that producing (decoding,
/// detecting) overlaps consuming (embedding, storing). At most `window` items are produced
/// ahead of the consumer, which bounds memory.
enum OrderedPipeline {
    static func run<Output: Sendable>(
        count: Int, workers: Int, window: Int,
        produce: @escaping @Sendable (_ item: Int, _ worker: Int) -> Output,
        consume: (_ item: Int, Output) throws -> Void
    ) throws {
        guard count > 0 else { return }
        let state = State<Output>(count: count, window: max(window, workers))
        for worker in 0..<max(1, workers) {
            let thread = Thread {
                while let item = state.nextItem() {
                    state.deliver(item, produce(item, worker))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer { state.cancel() }
        for item in 0..<count {
            try consume(item, state.take(item))
        }
    }

    private final class State<Output>: @unchecked Sendable {
        private let condition = NSCondition()
        private var slots: [Output?]
        private var next = 0, consumed = 0, cancelled = false
        private let count: Int, window: Int

        init(count: Int, window: Int) {
            self.count = count
            self.window = window
            slots = Array(repeating: nil, count: count)
        }

        /// The next item to produce, waiting while the consumer is `window` behind; nil at the end.
        func nextItem() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while !cancelled, next < count, next >= consumed + window { condition.wait() }
            guard !cancelled, next < count else { return nil }
            next += 1
            return next - 1
        }

        func deliver(_ item: Int, _ output: Output) {
            condition.lock()
            slots[item] = output
            condition.broadcast()
            condition.unlock()
        }

        func take(_ item: Int) -> Output {
            condition.lock()
            defer { condition.unlock() }
            while slots[item] == nil { condition.wait() }
            let output = slots[item]!
            slots[item] = nil
            consumed = item + 1
            condition.broadcast()
            return output
        }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }
    }
}
