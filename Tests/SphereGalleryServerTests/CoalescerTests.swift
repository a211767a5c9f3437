import Foundation
import Synchronization
import Testing
@testable import SphereGalleryServer

@Suite struct CoalescerTests {
    /// Records the size of every batch it processes; each item's output is item × 10.
    final class Recorder: Sendable {
        let batches = Mutex<[Int]>([])
        func process(_ items: [Int]) -> [Result<Int, any Error>] {
            batches.withLock { $0.append(items.count) }
            Thread.sleep(forTimeInterval: 0.005)
            return items.map { .success($0 * 10) }
        }
    }

    @Test func concurrentRequestsShareBatchesAndGetTheirOwnAnswers() async throws {
        let recorder = Recorder()
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(window: .milliseconds(20), maxBatch: 64)) {
            recorder.process($0)
        }
        defer { coalescer.stop() }
        let outputs = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<32 { group.addTask { (i, try await coalescer.submit(i, cost: 1, deadline: nil)) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outputs.count == 32)
        #expect(outputs.allSatisfy { $0.value == $0.key * 10 })
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.reduce(0, +) == 32)
        #expect(batches.count < 8, "32 concurrent requests ran as \(batches.count) batches")
    }

    @Test func batchesNeverExceedTheirCap() async throws {
        let recorder = Recorder()
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(window: .milliseconds(20), maxBatch: 5)) {
            recorder.process($0)
        }
        defer { coalescer.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 { group.addTask { try await coalescer.submit(i, cost: 1, deadline: nil) } }
            for try await _ in group {}
        }
        #expect(recorder.batches.withLock { $0 }.allSatisfy { $0 <= 5 })
    }

    @Test func aLoneRequestWaitsNoLongerThanTheWindow() async throws {
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(window: .milliseconds(5))) { items in
            items.map { .success($0) }
        }
        defer { coalescer.stop() }
        let start = ContinuousClock.now
        #expect(try await coalescer.submit(7, cost: 1, deadline: nil) == 7)
        #expect(ContinuousClock.now - start < .milliseconds(500))
    }

    @Test func aFullQueueIsRefusedWith503() async throws {
        let gate = DispatchSemaphore(value: 0)
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(window: .zero, maxBatch: 1, queueLimit: 2)) { items in
            gate.wait()
            return items.map { .success($0) }
        }
        defer { coalescer.stop() }
        async let first = coalescer.submit(1, cost: 1, deadline: nil)
        async let second = coalescer.submit(2, cost: 1, deadline: nil)
        while coalescer.load < 2 { try await Task.sleep(for: .milliseconds(1)) }
        await #expect(throws: Problem.self) { try await coalescer.submit(3, cost: 1, deadline: nil) }
        do {
            _ = try await coalescer.submit(3, cost: 1, deadline: nil)
        } catch let problem as Problem {
            #expect(problem.status == .serviceUnavailable)
            #expect(problem.headers[.retryAfter] == "1")
        }
        gate.signal(); gate.signal()
        #expect(try await first == 1)
        #expect(try await second == 2)
        #expect(coalescer.load == 0)
    }

    @Test func aRequestPastItsDeadlineIsAnswered503WhileTheWorkFinishes() async throws {
        let finished = Mutex(false)
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(window: .zero)) { items in
            Thread.sleep(forTimeInterval: 0.3)
            finished.withLock { $0 = true }
            return items.map { .success($0) }
        }
        defer { coalescer.stop() }
        let start = ContinuousClock.now
        await #expect(throws: Problem.self) { try await coalescer.submit(1, cost: 1, deadline: .now + .milliseconds(50)) }
        #expect(ContinuousClock.now - start < .milliseconds(250))
        while !finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func withCoalescingOffEachRequestRunsAlone() async throws {
        let recorder = Recorder()
        let coalescer = BatchCoalescer<Int, Int>(name: "test", settings: .init(enabled: false)) { recorder.process($0) }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 { group.addTask { try await coalescer.submit(i, cost: 1, deadline: nil) } }
            for try await _ in group {}
        }
        #expect(recorder.batches.withLock { $0 } == Array(repeating: 1, count: 8))
        #expect(coalescer.load == 0)
    }
}
