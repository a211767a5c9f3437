import NeuralNet

/// Errors of the FaceDetection module. Every message says what went wrong and what to do.
public enum DetectionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A weight file of the detector is absent (the models have not been fetched yet).
    case modelsMissing(directory: String, missing: [String])
    /// A weight file exists but could not be read or does not match the network.
    case badWeights(file: String, reason: String)
    /// The detector was configured with impossible parameters.
    case invalidConfiguration(String)
    /// The face-selection policy `.rejectMultiple` met an image with more than one face.
    case multipleFaces(count: Int)

    public var description: String {
        switch self {
        case let .modelsMissing(directory, missing):
            return "MTCNN weights missing in \(directory): \(missing.joined(separator: ", ")). "
                + "Run `make models` (or Tools/fetch_models.sh) to download and convert them, "
                + "set SPHERE_GALLERY_CACHE to the folder that holds them, or pass the folder explicitly."
        case let .badWeights(file, reason):
            return "cannot use MTCNN weights \(file): \(reason). Re-create them with `Tools/fetch_models.sh --force`."
        case let .invalidConfiguration(msg):
            return "invalid MTCNN configuration: \(msg)"
        case let .multipleFaces(count):
            return "the image shows \(count) faces but the selection policy rejects images with more than one; "
                + "crop the image to one person or choose another policy (largest, centre, all)"
        }
    }
}
