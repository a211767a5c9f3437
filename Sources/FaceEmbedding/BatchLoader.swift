import Foundation
import Imaging
import NeuralNet

/// One decoded training batch.
public struct TrainingBatch: @unchecked Sendable {
    /// `[n, 3, H, W]`, normalised as the model expects (n ≤ the batch size: unusable images are left out).
    public let input: Tensor?
    /// `n` class indices.
    public let labels: [Int]
    /// Images that could not be used, with the reason (reported, not fatal).
    public let skipped: [(path: String, reason: String)]
}

/// Decodes batches on a background thread while the caller computes on the previous one:
/// at most `prefetch` batches wait decoded, in order. Each batch is the samples `batches[b]`
/// (indices into `samples`), flipped horizontally where `flips[b][i]` is true, normalised with
/// the model's `makeInput` (channel order, mean, scale). An image that does not decode or is not
/// `inputWidth × inputHeight` is skipped and reported in `TrainingBatch.skipped`.
public final class BatchLoader: @unchecked Sendable {
    /// Reads one image; the default decodes the file (`ImageDecoder`).
    public typealias Decode = @Sendable (String) throws -> Image

    private let condition = NSCondition()
    private var ready: [Int: TrainingBatch] = [:]
    private var nextToTake = 0
    private var cancelled = false
    private let count: Int

    /// Starts the background thread.
    public init(samples: [TrainingSample], batches: [[Int]], flips: [[Bool]], model: any EmbeddingModel,
                prefetch: Int = 2, decode: @escaping Decode = { try ImageDecoder.decode(contentsOf: $0) }) {
        count = batches.count
        let box = UncheckedBox(model)
        let depth = max(1, prefetch)
        let thread = Thread { [self] in
            for b in 0..<batches.count {
                condition.lock()
                while !cancelled && b - nextToTake >= depth { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let batch = Self.load(samples: samples, indices: batches[b], flips: flips[b], model: box.value, decode: decode)
                condition.lock()
                ready[b] = batch
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { cancel() }

    /// The next batch in order (waits for it), or nil after the last.
    public func next() -> TrainingBatch? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToTake < count else { return nil }
        while ready[nextToTake] == nil { condition.wait() }
        let batch = ready.removeValue(forKey: nextToTake)
        nextToTake += 1
        condition.broadcast()
        return batch
    }

    /// Stops the background thread after the batch it is decoding.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Decodes, checks, normalises and flips one batch (also usable without the thread).
    public static func load(samples: [TrainingSample], indices: [Int], flips: [Bool], model: any EmbeddingModel,
                            decode: Decode) -> TrainingBatch {
        var crops: [[UInt8]] = [], labels: [Int] = [], flipped: [Bool] = []
        var skipped: [(path: String, reason: String)] = []
        for (i, idx) in indices.enumerated() {
            let s = samples[idx]
            do {
                let image = try decode(s.path)
                guard image.width == model.inputWidth, image.height == model.inputHeight else {
                    skipped.append((s.path, "\(image.width)×\(image.height) pixels, the net needs aligned \(model.inputWidth)×\(model.inputHeight) crops"))
                    continue
                }
                crops.append(image.pixels)
                labels.append(s.label)
                flipped.append(flips[i])
            } catch {
                skipped.append((s.path, "\(error)"))
            }
        }
        guard !crops.isEmpty, let input = try? model.makeInput(rgbCrops: crops) else {
            return TrainingBatch(input: nil, labels: [], skipped: skipped)
        }
        let h = model.inputHeight, w = model.inputWidth
        for (i, f) in flipped.enumerated() where f {
            flipHorizontally(input.pointer + i * 3 * h * w, channels: 3, height: h, width: w)
        }
        return TrainingBatch(input: input, labels: labels, skipped: skipped)
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
