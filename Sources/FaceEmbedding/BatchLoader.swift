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
public final class BatchLoader: Sendable {
    /// Reads one image; the default decodes the file (`ImageDecoder`).
    public typealias Decode = @Sendable (String) throws -> Image

    private let prefetch: OrderedPrefetch<TrainingBatch>

    /// Starts the background thread.
    public init(samples: [TrainingSample], batches: [[Int]], flips: [[Bool]], model: any EmbeddingModel,
                prefetch: Int = 2, decode: @escaping Decode = { try ImageDecoder.decode(contentsOf: $0) }) {
        // The model is only read (its input recipe) on the loader thread while the caller trains it.
        let model = UncheckedSendable(model)
        self.prefetch = OrderedPrefetch(count: batches.count, workers: 1, window: max(1, prefetch)) { b, _ in
            Self.load(samples: samples, indices: batches[b], flips: flips[b], model: model.value, decode: decode)
        }
    }

    deinit { cancel() }

    /// The next batch in order (waits for it), or nil after the last.
    public func next() -> TrainingBatch? { prefetch.nextOutput() }

    /// Stops the background thread after the batch it is decoding.
    public func cancel() { prefetch.cancel() }

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
