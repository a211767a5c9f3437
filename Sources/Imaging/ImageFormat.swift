import Foundation

/// Image container formats recognised by their leading bytes. The decoder is always chosen by
/// content; file extensions only help a folder walk find candidates (`fileExtensions`).
public enum ImageFormat: String, Sendable, CaseIterable {
    /// JPEG/JFIF/EXIF: starts with `FF D8 FF`.
    case jpeg = "JPEG"
    /// PNG: starts with `89 50 4E 47 0D 0A 1A 0A`.
    case png = "PNG"
    /// Netpbm PBM/PGM/PPM: starts with `P1`…`P6` and a separator.
    case pnm = "PNM"
    /// WebP (lossy, lossless, animated): `RIFF` size `WEBP`.
    case webp = "WebP"
    /// HEIF with HEVC images (iPhone HEIC): an ISO-BMFF `ftyp` box with a HEIF brand.
    case heic = "HEIC"
    /// HEIF with AV1 images: an `ftyp` box with the `avif`/`avis` brand.
    case avif = "AVIF"
    /// GIF87a/GIF89a.
    case gif = "GIF"
    /// Windows bitmap: `BM` followed by a known DIB header size.
    case bmp = "BMP"
    /// TIFF: `II*\0` (little-endian) or `MM\0*` (big-endian).
    case tiff = "TIFF"

    /// How many leading bytes `sniff` looks at.
    public static let sniffLength = 64

    /// Lower-case file extensions of the formats decoded here, for folder walks. A file with another
    /// extension (or none) may still be an image: `detect(contentsOf:)` decides by content.
    public static let fileExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "pgm", "ppm", "pnm", "pbm", "webp",
        "heic", "heif", "hif", "avif", "gif", "bmp", "dib", "tif", "tiff",
    ]

    /// Detects the format from the first bytes of a file; nil when none matches. The file extension is
    /// never consulted.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let h = Array(bytes.prefix(sniffLength))
        func ascii(_ s: String, at offset: Int) -> Bool {
            let a = Array(s.utf8)
            return h.count >= offset + a.count && Array(h[offset..<(offset + a.count)]) == a
        }
        if h.count >= 3, h[0] == 0xFF, h[1] == 0xD8, h[2] == 0xFF { return .jpeg }
        if h.count >= 8, Array(h[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if h.count >= 3, h[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(h[1]),
           [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "#")].contains(h[2]) {
            return .pnm
        }
        if ascii("RIFF", at: 0), ascii("WEBP", at: 8) { return .webp }
        if ascii("GIF87a", at: 0) || ascii("GIF89a", at: 0) { return .gif }
        if h.count >= 4, (h[0...3] == [0x49, 0x49, 0x2A, 0x00] || h[0...3] == [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if ascii("BM", at: 0), h.count >= 18 {
            let dibSize = Int(h[14]) | Int(h[15]) << 8 | Int(h[16]) << 16 | Int(h[17]) << 24
            if [12, 40, 52, 56, 64, 108, 124].contains(dibSize) { return .bmp }
        }
        if ascii("ftyp", at: 4) { return heifFormat(h) }
        return nil
    }

    /// The HEIF flavour of an ISO-BMFF file from its `ftyp` box (major and compatible brands); nil when
    /// no brand is a HEIF image brand.
    static func heifFormat(_ h: [UInt8]) -> ImageFormat? {
        guard h.count >= 16 else { return nil }
        let boxSize = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
        var brands: [String] = []
        var offset = 8
        let end = min(h.count, max(16, boxSize))
        while offset + 4 <= end {
            if offset != 12 { brands.append(String(decoding: h[offset..<(offset + 4)], as: UTF8.self)) }
            offset += 4
        }
        if brands.contains(where: { $0 == "avif" || $0 == "avis" }) { return .avif }
        let heic: Set<String> = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"]
        if brands.contains(where: { heic.contains($0) }) { return .heic }
        return nil
    }

    /// Detects the format of in-memory file bytes; nil when they are not an image decoded here.
    public static func detect(data: Data) -> ImageFormat? { sniff(data.prefix(sniffLength)) }

    /// Detects the format of the file at `path` from its first bytes; nil when it cannot be read or is
    /// not an image decoded here. Reads at most `sniffLength` bytes.
    public static func detect(contentsOf path: String) -> ImageFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: sniffLength) else { return nil }
        return sniff(head)
    }

    /// Whether a folder walk should take the file at `path`: a name with one of `fileExtensions`, or any
    /// other name (none, `.dat`, …) whose leading bytes are an image, so an extensionless or misnamed
    /// photo is not skipped silently. Hidden names (`.DS_Store`, macOS `._` companions) are never taken.
    /// A known extension is taken without reading the file: a damaged one is then reported by the decoder.
    public static func isImageFile(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        guard !name.hasPrefix(".") else { return false }
        if fileExtensions.contains((name as NSString).pathExtension.lowercased()) { return true }
        return detect(contentsOf: path) != nil
    }

    /// Every format's name, for messages: "JPEG, PNG, …".
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
