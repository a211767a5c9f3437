import NeuralNet
import Synchronization

/// How many MTCNN cascades run in this process right now. A convolution spreads over the cores
/// only while fewer cascades than cores run: with every core already detecting, splitting a
/// product only makes the threads contend (one detector per core measured slower with it).
enum DetectionLoad {
    private static let running = Atomic<Int>(0)

    /// Runs `body` counted as one running cascade.
    static func counted<T>(_ body: () throws -> T) rethrows -> T {
        running.add(1, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// Whether some core has no cascade of its own to run.
    static var leavesCoresFree: Bool { running.load(ordering: .relaxed) < Parallel.workerCount }
}
