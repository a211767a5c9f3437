import Foundation
import NeuralNet

/// Errors of `EmbeddingModels.load(name:)`; the messages list what is accepted.
public enum EmbeddingModelsError: Error, CustomStringConvertible, Equatable {
    /// The name is not one of the registered models.
    case unknownModel(String)
    /// A model that has no cached pretrained weights was named without a weight file.
    case weightsPathRequired(model: String)

    public var description: String {
        switch self {
        case let .unknownModel(name):
            return "unknown model '\(name)': use one of \(EmbeddingModels.usage)"
        case let .weightsPathRequired(model):
            return "model '\(model)' needs a weight file: write it as \(model):PATH.safetensors (a PyTorch state dict converted with Tools/convert_torch_checkpoint.py)"
        }
    }
}

/// The registry of embedding networks, addressed by name:
///
/// | name | model |
/// |---|---|
/// | `dlib-resnet` | `DlibResNet` from the model cache (`make models`) — the default |
/// | `dlib-resnet:PATH` | `DlibResNet` from a converted file |
/// | `sphere20a:PATH`, `sphere36a:PATH`, `sphere64a:PATH` | `SphereNet` of that depth, widths and embedding size read from the weights |
///
/// Each model carries its crop recipe (`EmbeddingModel.cropTemplate`, input size, normalisation),
/// so callers align faces with whatever model they loaded.
public enum EmbeddingModels {
    /// The model enrol and identify use when none is named.
    public static let defaultName = DlibResNet.modelName

    /// The accepted name forms, for help texts.
    public static let usage = "dlib-resnet, dlib-resnet:PATH, sphere20a:PATH, sphere36a:PATH, sphere64a:PATH, sphere4:PATH"

    /// Loads the model `name` (see the table above).
    /// - Throws: `EmbeddingModelsError` for an unknown name or a missing `:PATH`; `ModelCacheError.missingFile`
    ///   when the cache lacks the dlib model (run `make models`); the loaders' errors for bad weight files.
    public static func load(name: String) throws -> any EmbeddingModel {
        let (base, path) = split(name)
        if base == DlibResNet.modelName {
            if let path { return try DlibResNet(weightsPath: path) }
            return try DlibResNet.fromCache()
        }
        if let depth = SphereNet.Depth(rawValue: base) {
            guard let path else { throw EmbeddingModelsError.weightsPathRequired(model: base) }
            return try SphereNet(depth: depth, weightsPath: path)
        }
        throw EmbeddingModelsError.unknownModel(name)
    }

    /// The base name and weights file of `name`: the explicit `:PATH`, or the model cache's file.
    /// - Throws: as `load(name:)`, without reading the weights.
    public static func weightsFile(name: String) throws -> (base: String, path: String) {
        let (base, path) = split(name)
        if let path { return (base, path) }
        if base == DlibResNet.modelName { return (base, try ModelCache.require(DlibResNet.cacheFileName, model: base)) }
        if SphereNet.Depth(rawValue: base) != nil { throw EmbeddingModelsError.weightsPathRequired(model: base) }
        throw EmbeddingModelsError.unknownModel(name)
    }

    /// `"base:path"` → (`base`, `path`); no colon or an empty path → (`name`, nil).
    public static func split(_ name: String) -> (String, String?) {
        guard let colon = name.firstIndex(of: ":") else { return (name, nil) }
        let path = String(name[name.index(after: colon)...])
        return (String(name[..<colon]), path.isEmpty ? nil : path)
    }
}
