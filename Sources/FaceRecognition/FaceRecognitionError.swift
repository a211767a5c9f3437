/// Errors of the face pipeline and recognizer; each message says what to do.
public enum FaceRecognitionError: Error, CustomStringConvertible, Equatable {
    /// The gallery's model record is of a later format than this build reads.
    case newerRecord(version: Int)
    /// The gallery's model record does not decode.
    case badRecord(String)
    /// The gallery was enrolled with weights that are not at hand (or not the ones given).
    case weightsMismatch(model: String, recorded: String, given: String?, hint: String?)
    /// The gallery holds another model's vectors.
    case modelMismatch(gallery: String, requested: String)
    /// An image gave nothing to work with.
    case unusableImage(name: String, reason: String)
    /// Landmarks that the model cannot be aligned with.
    case landmarksUnsupported(model: String)
    /// Landmarks other than the ones the gallery was enrolled with.
    case landmarksDiffer(gallery: LandmarkSource, requested: LandmarkSource)
    /// A weights file that cannot be read.
    case unreadableWeights(path: String)
    /// The work was cancelled; `stored` templates were committed before it stopped.
    case cancelled(stored: Int)

    public var description: String {
        switch self {
        case let .newerRecord(version):
            return "the gallery's model record is version \(version), newer than this SphereGallery reads (\(ModelRecord.currentVersion)); update sphere-gallery."
        case let .badRecord(reason):
            return "the gallery's model record cannot be read (\(reason)); the file was changed by something else — export its vectors with an older build or restore a backup."
        case let .weightsMismatch(model, recorded, given, hint):
            let prefix = String(recorded.prefix(12))
            if let given {
                return "the gallery was enrolled with \(model) weights of SHA-256 \(prefix)…, but \(given) has other weights; give the weights the gallery was enrolled with (--model \(model):PATH)\(hint.map { ", e.g. \($0)" } ?? "")."
            }
            return "the gallery was enrolled with \(model) weights of SHA-256 \(prefix)…\(hint.map { " (from \($0))" } ?? ""), which are not at hand; give them with --model \(model):PATH."
        case let .modelMismatch(gallery, requested):
            return "the gallery holds \(gallery) embeddings, not \(requested); use a gallery of that model or another --db file."
        case let .unusableImage(name, reason):
            return "\(name): \(reason)"
        case let .landmarksUnsupported(model):
            return "--landmarks dlib5 needs a model aligned with dlib's 5-point chip (dlib-resnet); use --landmarks mtcnn with \(model)"
        case let .landmarksDiffer(gallery, requested):
            return "the gallery was enrolled with \(gallery.rawValue) landmarks, not \(requested.rawValue); leave out --landmarks (a gallery keeps one alignment) or use another gallery."
        case let .unreadableWeights(path):
            return "cannot read the weights file \(path); check the path and its permissions (or run `make models`)."
        case let .cancelled(stored):
            return "cancelled; \(stored) templates were stored before it stopped, and a re-run enrols only what is missing."
        }
    }
}
