import Dispatch
import Synchronization

/// Runs blocking work (the networks, a search, an SQLite write) on a Dispatch thread, never
/// on Swift's cooperative pool, and waits for it until a deadline: past it the caller gets
/// `Problem.unavailable` while the work still runs to its end (a write still commits).
enum Blocking {
    static func run<T: Sendable>(deadline: ContinuousClock.Instant?, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            DispatchQueue.global(qos: .userInitiated).async {
                once.resume(with: Result { try work() })
            }
            once.expire(at: deadline)
        }
    }
}

/// A continuation resumed exactly once: by the work's result or by its deadline.
final class Once<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }

    /// Resumes with a 503 problem at `deadline` unless resumed before.
    func expire(at deadline: ContinuousClock.Instant?) {
        guard let deadline else { return }
        let remaining = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = remaining.components
        let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
            self.resume(with: .failure(Problem.unavailable(
                "the request took longer than the server's time limit; try again, or send less at once.")))
        }
    }
}
