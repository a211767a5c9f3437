/// Errors raised by the NeuralNet module. Every message says what went wrong and what to do.
public enum NeuralNetError: Error, CustomStringConvertible, Equatable {
    /// A tensor had the wrong shape for an operation.
    case shapeMismatch(operation: String, expected: String, got: [Int])
    /// A shape was invalid (negative or zero extent, or an element count that does not match).
    case invalidShape(String)
    /// A layer was configured with impossible hyper-parameters.
    case invalidArgument(String)
    /// `backward` was called before a training-mode forward pass cached what it needs.
    case noForwardCache(layer: String)
    /// A safetensors file could not be read or written.
    case safeTensors(String)
    /// A tensor expected in a weight file is absent.
    case missingTensor(name: String, file: String)
    /// A tensor in a weight file has a shape other than the one the model needs.
    case tensorShapeMismatch(name: String, expected: [Int], got: [Int], file: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, expected, got):
            return "\(op): expected a tensor of shape \(expected), got \(got). Check the layer's configuration against its input."
        case let .invalidShape(msg):
            return "invalid shape: \(msg)"
        case let .invalidArgument(msg):
            return "invalid argument: \(msg)"
        case let .noForwardCache(layer):
            return "\(layer).backward called without a cached forward pass: set `training = true` and run forward first."
        case let .safeTensors(msg):
            return "safetensors: \(msg)"
        case let .missingTensor(name, file):
            return "tensor '\(name)' is missing from \(file): the weight file does not belong to this architecture (or uses other key names); re-export the state dict with PyTorch names."
        case let .tensorShapeMismatch(name, expected, got, file):
            return "tensor '\(name)' in \(file) has shape \(got) but the model needs \(expected): the weights are for a different architecture or width."
        }
    }
}
