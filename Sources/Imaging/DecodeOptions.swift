/// What a JPEG decode does with libjpeg warnings (recoverable damage such as missing data).
public enum JPEGWarningPolicy: Sendable {
    /// Any warning is an error (strictest).
    case fail
    /// Truncation ("Premature end of JPEG file") is an error; other warnings (for example extraneous bytes
    /// before a marker) are ignored and the decoded pixels returned. This is the default and mirrors Pillow.
    case failOnTruncation
    /// Return whatever libjpeg-turbo decoded.
    case ignore
}

/// Options for `ImageDecoder`.
public struct DecodeOptions: Sendable {
    /// Largest accepted `width * height`, checked from the header before any pixel memory is allocated.
    /// Default 100 000 000 (100 MP).
    public var maxPixels: Int
    /// Largest accepted file, in bytes (default 512 MiB): a file is read whole before decoding.
    public var maxFileBytes: Int
    /// Rotate/flip images according to their EXIF Orientation tag (JPEG, PNG `eXIf`, WebP `EXIF`) or
    /// TIFF Orientation tag (default true). Pillow's `Image.open` does not do this;
    /// `ImageOps.exif_transpose` does. HEIC/AVIF always get their `irot`/`imir` transforms, which
    /// the HEIF format makes part of the image. Images without the tag are unaffected.
    public var applyEXIFOrientation: Bool
    /// How JPEG decoder warnings are treated (default `.failOnTruncation`).
    public var jpegWarnings: JPEGWarningPolicy

    public init(maxPixels: Int = 100_000_000, maxFileBytes: Int = 512 << 20, applyEXIFOrientation: Bool = true,
                jpegWarnings: JPEGWarningPolicy = .failOnTruncation) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.applyEXIFOrientation = applyEXIFOrientation
        self.jpegWarnings = jpegWarnings
    }

    /// The defaults.
    public static let `default` = DecodeOptions()

    /// Throws `tooManyPixels` when `width × height` exceeds the limit (or overflows).
    func checkSize(width: Int, height: Int, file: String, format: ImageFormat) throws {
        guard width > 0, height > 0 else {
            throw ImagingError.corrupt(file: file, format: format.rawValue, detail: "header declares size \(width)×\(height)")
        }
        let (n, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || n > maxPixels {
            throw ImagingError.tooManyPixels(file: file, width: width, height: height, limit: maxPixels)
        }
    }
}
