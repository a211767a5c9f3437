import ArgumentParser
import FaceDetection
import FaceEmbedding
import FaceRecognition

extension FaceSelection: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "largest": self = .largest
        case "centre", "center": self = .centre
        case "all": self = .all
        case "reject-multiple", "rejectMultiple": self = .rejectMultiple
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["largest", "centre", "all", "reject-multiple"] }
}

extension LandmarkSource: ExpressibleByArgument {}

/// `--model`, `--select` and `--landmarks`, shared by the commands that read photographs.
struct FaceOptions: ParsableArguments {
    @Option(help: "Embedding model: \(EmbeddingModels.usage); default dlib-resnet, or the gallery's.")
    var model: String?
    @Option(help: "Which faces of an image: largest, centre, all, reject-multiple.")
    var select: FaceSelection = .largest
    @Option(help: "Alignment landmarks: mtcnn (MTCNN's 5 points) or dlib5 (dlib's shape predictor); default: the model's best, or the gallery's.")
    var landmarks: LandmarkSource?


    /// The model to load when no gallery says which.
    var modelName: String { model ?? EmbeddingModels.defaultName }
}

/// `--max-side`: the resolution faces are detected at.
struct DetectionSizeOption: ParsableArguments {
    @Option(name: .customLong("max-side"),
            help: "Detect faces on the photo reduced to this longest side in pixels, 'full', or 'auto' (default: a quarter of the photo's longest side, kept within 1280-1600 px: faces from about 31 px in a 12 MP photo, 40 px at 24 MP).")
    var maxSide: DetectionResolution = .automatic
}

extension DetectionResolution: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}
