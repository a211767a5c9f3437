import Foundation
import NeuralNet

/// A small network trained on top of frozen embeddings: `[N, inputFeatures]` →
/// `[N, outputFeatures]`, one linear map (initialised as the identity), or two with a PReLU
/// between (`hidden`, PyTorch's random initialisation). Its output,
/// normalised, is the new embedding; cosines compare it.
public final class FeatureHead {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let hidden: Int?
    public let network: Sequential

    /// - Throws: `NeuralNetError.invalidArgument` for non-positive sizes.
    public init(inputFeatures: Int, outputFeatures: Int, hidden: Int?, seed: UInt64) throws {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.hidden = hidden
        if let hidden {
            network = Sequential([
                ("fc1", try Linear(inputFeatures: inputFeatures, outputFeatures: hidden, seed: seed)),
                ("relu1", try PReLU(numParameters: hidden)),
                ("fc2", try Linear(inputFeatures: hidden, outputFeatures: outputFeatures, seed: seed &+ 1)),
            ])
        } else {
            // One linear map starts as the identity (zero-padded or truncated; zero bias): training
            // begins from the frozen network's own vectors.
            let linear = try Linear(inputFeatures: inputFeatures, outputFeatures: outputFeatures, seed: seed)
            linear.weight.value.zero()
            for i in 0..<min(inputFeatures, outputFeatures) { linear.weight.value.pointer[i * inputFeatures + i] = 1 }
            linear.bias?.value.zero()
            linear.weight.markModified()
            network = Sequential([("fc1", linear)])
        }
    }

    public func namedParameters() -> [(String, Parameter)] { network.namedParameters() }

    /// The unit embeddings of `rows` vectors `[rows × inputFeatures]`, in batches.
    /// - Throws: `NeuralNetError.shapeMismatch` when `values` is not `rows × inputFeatures`.
    public func embed(_ values: [Float], rows: Int, batchSize: Int = 1024) throws -> [[Float]] {
        guard values.count == rows * inputFeatures else {
            throw NeuralNetError.shapeMismatch(operation: "FeatureHead.embed", expected: "[\(rows), \(inputFeatures)]", got: [values.count])
        }
        let wasTraining = network.training
        network.training = false
        defer { network.training = wasTraining }
        var out: [[Float]] = []
        out.reserveCapacity(rows)
        var start = 0
        while start < rows {
            let n = min(batchSize, rows - start)
            let x = try Tensor(shape: [n, inputFeatures], data: Array(values[start * inputFeatures..<(start + n) * inputFeatures]))
            out += l2NormalizedRows(try network(x))
            start += n
        }
        return out
    }

    /// Loads a head written by `HeadTrainer.saveHead`.
    /// - Throws: `TrainingError.checkpoint` when the file is not a head or its tensors do not fit.
    public static func load(path: String) throws -> (head: FeatureHead, configuration: HeadConfiguration) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: path) } catch {
            throw TrainingError.checkpoint("cannot read \(path) (\(error))")
        }
        guard file.metadata["format"] == HeadTrainer.headFormat, let text = file.metadata["configuration"],
              let configuration = try? JSONDecoder().decode(HeadConfiguration.self, from: Data(text.utf8)),
              let input = file.metadata["input_features"].flatMap(Int.init), input > 0 else {
            throw TrainingError.checkpoint("\(path) is not a sphere-gallery embedding head")
        }
        let head = try FeatureHead(inputFeatures: input, outputFeatures: configuration.features, hidden: configuration.hidden, seed: 0)
        try head.network.load(from: try file.allTensors(), file: path)
        return (head, configuration)
    }
}
