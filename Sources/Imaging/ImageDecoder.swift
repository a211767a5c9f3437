import Foundation

/// Image container formats recognised by their leading bytes.
public enum ImageFormat: String, Sendable {
    /// JPEG/JFIF/EXIF: starts with `FF D8 FF`.
    case jpeg = "JPEG"
    /// PNG: starts with `89 50 4E 47 0D 0A 1A 0A`.
    case png = "PNG"
    /// Netpbm PBM/PGM/PPM: starts with `P1`…`P6`.
    case pnm = "PNM"

    /// Detects the format from the first bytes of a file; nil when none matches. The file extension is
    /// never consulted.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head.count >= 8, head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(head[1]),
           [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "#")].contains(head[2]) {
            return .pnm
        }
        return nil
    }
}

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
    /// Rotate/flip JPEGs according to their EXIF Orientation tag (default true). Pillow's `Image.open`
    /// does not do this; `ImageOps.exif_transpose` does. Images without the tag are unaffected.
    public var applyEXIFOrientation: Bool
    /// How JPEG decoder warnings are treated (default `.failOnTruncation`).
    public var jpegWarnings: JPEGWarningPolicy

    public init(maxPixels: Int = 100_000_000, applyEXIFOrientation: Bool = true,
                jpegWarnings: JPEGWarningPolicy = .failOnTruncation) {
        self.maxPixels = maxPixels
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

/// Decodes JPEG, PNG and PGM/PPM files into 8-bit RGB `Image`s, choosing the decoder by the file's
/// leading bytes. Grey, palette, CMYK, 16-bit and alpha inputs all become RGB (alpha is dropped, as
/// Pillow's `convert("RGB")` does). Every failure is a thrown `ImagingError` naming the file.
public enum ImageDecoder {
    /// Reads and decodes the file at `path`.
    public static func decode(contentsOf path: String, options: DecodeOptions = .default) throws -> Image {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError.unreadable(file: path, reason: "no such file")
        }
        if isDir.boolValue { throw ImagingError.unreadable(file: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImagingError.unreadable(file: path, reason: error.localizedDescription)
        }
        return try decode(data: data, name: path, options: options)
    }

    /// Decodes in-memory file bytes; `name` is used in error messages (normally the path).
    public static func decode(data: Data, name: String, options: DecodeOptions = .default) throws -> Image {
        try data.withUnsafeBytes { raw in
            try decode(bytes: UnsafeRawBufferPointer(raw), name: name, options: options)
        }
    }

    /// Decodes in-memory file bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { raw in try decode(bytes: raw, name: name, options: options) }
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions) throws -> Image {
        guard bytes.count > 0 else { throw ImagingError.empty(file: name) }
        guard let format = ImageFormat.sniff(bytes) else {
            let lead = bytes.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImagingError.unknownFormat(file: name, leadingBytes: lead)
        }
        switch format {
        case .jpeg: return try JPEGDecoder.decode(bytes: bytes, name: name, options: options)
        case .png: return try PNGDecoder.decode(bytes: bytes, name: name, options: options)
        case .pnm: return try PNMDecoder.decode(bytes: bytes, name: name, options: options)
        }
    }
}
