/// Errors of the trainer; every message says what to do.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The data folder is missing or not a folder.
    case notADirectory(String)
    /// The data folder has no `<identity>/<image>` files.
    case noImages(String)
    /// Training needs at least two identities.
    case oneClass(String)
    /// An option value is impossible.
    case invalidOption(String)
    /// A whole epoch gave no usable image (all unreadable or of the wrong size).
    case noUsableImages(String)
    /// A checkpoint cannot be read or does not belong to this run.
    case checkpoint(String)
    /// The loss became NaN or infinite.
    case diverged(iteration: Int)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "\(path) is not a folder: pass --data DIR with one sub-folder of face crops per identity (DIR/<identity>/*.png|jpg)"
        case let .noImages(path):
            return "\(path) holds no images in identity sub-folders: lay it out as DIR/<identity>/*.png|jpg|jpeg|pgm|ppm"
        case let .oneClass(path):
            return "\(path) has images of only one identity: a classifier needs at least two identity folders"
        case let .invalidOption(msg):
            return "invalid option: \(msg)"
        case let .noUsableImages(msg):
            return "no usable training image: \(msg); check the files decode and are aligned crops of the net's input size (112×96 for SphereFace), or use --align for raw photographs"
        case let .checkpoint(msg):
            return "checkpoint: \(msg)"
        case let .diverged(it):
            return "training diverged at iteration \(it) (the loss is not finite): lower --lr, or --resume from an earlier checkpoint with a lower --lr"
        }
    }
}
