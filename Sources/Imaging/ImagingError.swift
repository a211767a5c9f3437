import Foundation

/// Every failure the Imaging module reports. Errors caused by a file name the file, say what is wrong
/// and what to do; none of them is a crash. Conforms to `LocalizedError` and `CustomStringConvertible`.
public enum ImagingError: Error, Sendable, Equatable, LocalizedError, CustomStringConvertible {
    /// The file could not be read at all (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The file has zero bytes.
    case empty(file: String)
    /// The leading bytes are not those of any format decoded here (`ImageFormat`).
    case unknownFormat(file: String, leadingBytes: String)
    /// The file looks like `format` but its data is damaged or cut short.
    case corrupt(file: String, format: String, detail: String)
    /// The image declares more pixels than the configured limit (decompression-bomb guard).
    case tooManyPixels(file: String, width: Int, height: Int, limit: Int)
    /// A valid image that uses a feature this module does not decode.
    case unsupported(file: String, detail: String)
    /// Writing an image failed.
    case writeFailed(file: String, detail: String)
    /// An argument of a call is out of range (for example a zero output size).
    case invalidArgument(String)
    /// Landmarks or a template from which no similarity transform can be fitted.
    case degenerateLandmarks(String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file (\(reason)). Check that the path exists and is a readable regular file."
        case let .empty(file):
            return "\(file): the file is empty (0 bytes). Re-copy or re-download it, or remove it from the input set."
        case let .unknownFormat(file, lead):
            return "\(file): not an image in a format read here (\(ImageFormat.names); leading bytes \(lead)); the type is decided by content, not by extension. Convert it to JPEG or PNG, or remove it from the input set."
        case let .corrupt(file, format, detail):
            return "\(file): corrupt or truncated \(format) data (\(detail)). Re-copy or re-encode the file, or remove it from the input set."
        case let .tooManyPixels(file, w, h, limit):
            // The product is spelled out only when it fits: a forged header may declare any size.
            let (count, overflow) = w.multipliedReportingOverflow(by: h)
            let pixels = overflow ? "more than \(Int.max)" : "\(count)"
            return "\(file): image is \(w)×\(h) = \(pixels) pixels, above the limit of \(limit) pixels (decompression-bomb guard). Downscale the image, or raise the limit (DecodeOptions.maxPixels) if you trust the file."
        case let .unsupported(file, detail):
            return "\(file): unsupported image variant (\(detail)). Convert it to an 8-bit RGB JPEG or PNG."
        case let .writeFailed(file, detail):
            return "\(file): could not write the image (\(detail)). Check that the directory exists and is writable and that there is free space."
        case let .invalidArgument(detail):
            return "invalid argument: \(detail)"
        case let .degenerateLandmarks(detail):
            return "cannot fit a similarity transform: \(detail). Check that the landmarks are finite, distinct points from the detector."
        }
    }

    public var errorDescription: String? { description }
}
