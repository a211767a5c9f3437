import Foundation
import Testing
@testable import Imaging

/// The committed fixtures of `Tools/make_image_fixtures.py`: one LFW face in every format and variant.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }
    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// name → (allowed mean absolute difference, reference file).
    static let manifest: [String: (tolerance: Double, reference: String)] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path("manifest.json"))),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [:] }
        return json.compactMapValues { entry in
            guard let t = entry["meanAbsDiff"] as? Double ?? (entry["meanAbsDiff"] as? Int).map(Double.init),
                  let r = entry["reference"] as? String else { return nil }
            return (t, r)
        }
    }()

    static var names: [String] { manifest.keys.sorted() }

    /// The format each fixture is, by content (one WebP is named `.jpg`).
    static func expectedFormat(_ name: String) -> ImageFormat? {
        if name == "photo-named.jpg" { return .webp }
        switch (name as NSString).pathExtension {
        case "jpg": return .jpeg
        case "png": return .png
        case "webp": return .webp
        case "heic": return .heic
        case "avif": return .avif
        case "gif": return .gif
        case "bmp": return .bmp
        case "tiff": return .tiff
        default: return nil
        }
    }
}

@Suite("Every format and variant decodes to the reference picture")
struct FormatFixtureTests {
    @Test("the manifest lists every fixture format")
    func manifestComplete() {
        let formats = Set(Fixtures.names.compactMap(Fixtures.expectedFormat))
        #expect(formats == [.jpeg, .png, .webp, .heic, .avif, .gif, .bmp, .tiff], "\(formats)")
    }

    @Test("decoded by content within the stated tolerance of the reference", arguments: Fixtures.names)
    func decodesToReference(name: String) throws {
        guard let entry = Fixtures.manifest[name] else { Issue.record("\(name) not in the manifest"); return }
        let bytes = try Fixtures.bytes(name)
        #expect(ImageFormat.sniff(bytes) == Fixtures.expectedFormat(name))
        #expect(ImageFormat.detect(contentsOf: Fixtures.path(name)) == Fixtures.expectedFormat(name))
        let image = try ImageDecoder.decode(contentsOf: Fixtures.path(name))
        let reference = try ImageDecoder.decode(contentsOf: Fixtures.path(entry.reference))
        #expect(image.width == reference.width && image.height == reference.height)
        guard image.width == reference.width, image.height == reference.height else { return }
        let diff = imageDiff(image, reference)
        #expect(diff.mean <= entry.tolerance, "\(name): mean |Δ| \(diff.mean) > \(entry.tolerance) (max \(diff.max))")
    }

    @Test("orientation fixtures are stored turned: without applying it they differ from the reference",
          arguments: ["orientation6.webp", "orientation6.png", "orientation3.tiff", "orientation8.jpg"])
    func orientationMatters(name: String) throws {
        let raw = try ImageDecoder.decode(contentsOf: Fixtures.path(name), options: DecodeOptions(applyEXIFOrientation: false))
        let reference = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"))
        #expect(imageDiff(raw, reference).mean > 20)
    }

    @Test("HEIF transforms are part of the image: the irot fixture is upright either way")
    func heifTransforms() throws {
        let reference = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"))
        for apply in [true, false] {
            let image = try ImageDecoder.decode(contentsOf: Fixtures.path("orientation6.heic"),
                                                options: DecodeOptions(applyEXIFOrientation: apply))
            #expect(imageDiff(image, reference).mean <= 5)
        }
    }

    @Test("animated files give their first frame, not the second (its negative)")
    func firstFrame() throws {
        let reference = try ImageDecoder.decode(contentsOf: Fixtures.path("reference.png"))
        for name in ["animated.webp", "animated.gif"] {
            let image = try ImageDecoder.decode(contentsOf: Fixtures.path(name))
            #expect(imageDiff(image, reference).mean <= 6, "\(name)")
        }
    }

    @Test("decoded grey formats are R = G = B", arguments: ["grey16.tiff", "grey-alpha.tiff", "grey-alpha.png"])
    func greyIsGrey(name: String) throws {
        let image = try ImageDecoder.decode(contentsOf: Fixtures.path(name))
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            guard image.pixels[i] == image.pixels[i + 1], image.pixels[i] == image.pixels[i + 2] else {
                Issue.record("\(name): pixel \(i / 3) is not grey"); return
            }
        }
    }
}

@Suite("Folder walks take image files by extension or by content")
struct ImageFileTests {
    @Test("known extensions, extensionless and misnamed images are taken; other files and hidden names are not")
    func candidates() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let webp = try Fixtures.bytes("lossy.webp")
        let cases: [(String, [UInt8], Bool)] = [
            ("IMG_0001.HEIC", Array("not decoded here".utf8), true),   // by extension, even when damaged
            ("photo", webp, true), ("photo.dat", webp, true), ("scan.tif", [0x49], true),
            ("notes.txt", Array("hello".utf8), false), ("noext", Array("hello".utf8), false),
            (".DS_Store", webp, false), ("._IMG_0001.jpg", webp, false),
        ]
        for (name, bytes, expected) in cases {
            let path = try dir.write(bytes, name)
            #expect(ImageFormat.isImageFile(path) == expected, "\(name)")
        }
    }
}
