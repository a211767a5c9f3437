import Foundation

/// An image file's bytes, read once and decodable at any resolution: for example reduced for face
/// detection, then again at a higher resolution to cut small faces' crops. The format is decided by
/// content when it is made, so an unknown or empty file fails here, before any decoding.
public struct EncodedImage: Sendable {
    /// The file's bytes.
    public let data: Data
    /// The name used in error messages (normally the path).
    public let name: String
    /// The format, from the leading bytes.
    public let format: ImageFormat
    /// The options every decode uses.
    public let options: DecodeOptions

    /// Reads the file at `path` (refusing more than `options.maxFileBytes`).
    public init(contentsOf path: String, options: DecodeOptions = .default) throws {
        try self.init(data: ImageDecoder.read(path, options: options), name: path, options: options)
    }

    /// Wraps in-memory file bytes; `name` is used in error messages.
    public init(data: Data, name: String, options: DecodeOptions = .default) throws {
        guard !data.isEmpty else { throw ImagingError.empty(file: name) }
        guard let format = ImageFormat.detect(data: data) else {
            let lead = data.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImagingError.unknownFormat(file: name, leadingBytes: lead)
        }
        self.data = data
        self.name = name
        self.format = format
        self.options = options
    }

    /// Decodes with the longest side at most `maxSide` (nil: full resolution).
    public func decode(maxSide: Int? = nil) throws -> ScaledImage {
        try ImageDecoder.decode(data: data, name: name, maxSide: maxSide, options: options)
    }

    /// Decodes at a scale of at least `scale` of the full resolution `originalWidth`×`originalHeight`
    /// (as a previous `decode(maxSide:)` reported it); full resolution when `scale` ≥ 1.
    public func decode(atLeast scale: Double, originalWidth: Int, originalHeight: Int) throws -> ScaledImage {
        let longest = max(originalWidth, originalHeight)
        guard scale < 1 else { return try decode(maxSide: nil) }
        return try decode(maxSide: min(longest, max(1, Int((Double(longest) * scale).rounded(.up)))))
    }
}
