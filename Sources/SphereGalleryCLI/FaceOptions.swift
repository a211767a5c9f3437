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
            help: "Detect faces on the photo reduced to this longest side in pixels, or 'full' (default 1280: faces from about 31 px in a 12 MP photo, 47 px at 24 MP).")
    var maxSide: MaxSide = MaxSide(pixels: FacePipeline.defaultMaxSide)

    struct MaxSide: ExpressibleByArgument {
        var pixels: Int?
        init(pixels: Int?) { self.pixels = pixels }
        init?(argument: String) {
            if argument == "full" { pixels = nil; return }
            guard let n = Int(argument), n >= 64 else { return nil }
            pixels = n
        }
        var defaultValueDescription: String { pixels.map(String.init) ?? "full" }
    }
}
