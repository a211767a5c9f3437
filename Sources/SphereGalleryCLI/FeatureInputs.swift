import Evaluation
import FaceRecognition
import Foundation
import Gallery

/// Failures reading the inputs of an experiment; each message says what to do.
enum FeatureInputError: Error, CustomStringConvertible {
    case missing(option: String, path: String)
    case noFiles(option: String, path: String, layout: String)
    case labelsRequired(option: String, npy: String)
    case labelCount(labels: String, lines: Int, rows: Int)
    case nonFinite(source: String)
    case zeroVector(source: String)
    case dimension(source: String, expected: Int, actual: Int)
    case unreadable(String)
    case cache(path: String, reason: String)

    var description: String {
        switch self {
        case let .missing(option, path):
            return "\(option) \(path): no such folder or file. Check the path."
        case let .noFiles(option, path, layout):
            return "\(option) \(path) holds no usable files; expected \(layout), each file an image (jpg, png, pgm, ppm) or a MegaFace devkit feature file (*.bin)."
        case let .labelsRequired(option, npy):
            return "\(option) \(npy) is a .npy matrix: also give \(option)-labels FILE (one identity a line, one line per row)."
        case let .labelCount(labels, lines, rows):
            return "\(labels) has \(lines) labels but the matrix has \(rows) rows; give one identity per row."
        case let .nonFinite(source):
            return "\(source) holds NaN or infinity; re-export the features."
        case let .zeroVector(source):
            return "\(source) is all zeros and has no direction; re-export the features (or drop that file)."
        case let .dimension(source, expected, actual):
            return "\(source) has dimension \(actual), expected \(expected) (the first feature's); use features of one model throughout."
        case let .unreadable(message):
            return message
        case let .cache(path, reason):
            return "cannot use the feature cache \(path): \(reason). Delete it or pass another --cache folder."
        }
    }
}

/// Embeddings read or computed for an experiment: unit rows, each with its source and (for
/// probes) its identity.
struct LabelledFeatures {
    var matrix: FeatureMatrix
    var identities: [String]
    var sources: [String]
    /// Image inputs where no face was found (left out of `matrix`).
    var failures: [String] = []
    /// Image inputs with no face found whose centre-box crop was embedded instead (in `matrix`).
    var fallbacks: [String] = []
    /// Whether the vectors were embedded from images (here or in an earlier run).
    var fromImages = false
}

/// Where an experiment's vectors come from: folders of images or devkit `.bin` files, or a
/// `.npy` matrix with labels; images are embedded once and the vectors cached.
enum FeatureInputs {
    /// One input file of a folder, with its identity (probes) or "" (distractors).
    struct Entry: Equatable {
        var identity: String
        var path: String
    }

    /// Regular files under `folder` (recursively), sorted.
    static func files(under folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = (folder as NSString).appendingPathComponent(relative)
            if !ImageInputs.isDirectory(full), !(relative as NSString).lastPathComponent.hasPrefix(".") { found.append(full) }
        }
        return found.sorted()
    }

    /// Keeps the devkit `.bin` files when there is any, else the images.
    static func usable(_ files: [String]) -> [String] {
        let bins = files.filter { $0.hasSuffix(".bin") }
        return bins.isEmpty ? files.filter(ImageInputs.isImage) : bins
    }

    /// `DIR/<identity>/<file>` for probes (`byIdentity`), `DIR/<file>` (any depth) for distractors.
    static func entries(option: String, folder: String, byIdentity: Bool) throws -> [Entry] {
        guard ImageInputs.isDirectory(folder) else { throw FeatureInputError.missing(option: option, path: folder) }
        var out: [Entry] = []
        if byIdentity {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            var all: [Entry] = []
            for name in names.sorted() where !name.hasPrefix(".") {
                let sub = (folder as NSString).appendingPathComponent(name)
                guard ImageInputs.isDirectory(sub) else { continue }
                all += files(under: sub).map { Entry(identity: name, path: $0) }
            }
            let keep = Set(usable(all.map(\.path)))
            out = all.filter { keep.contains($0.path) }
        } else {
            out = usable(files(under: folder)).map { Entry(identity: "", path: $0) }
        }
        guard !out.isEmpty else {
            throw FeatureInputError.noFiles(option: option, path: folder, layout: byIdentity ? "DIR/<identity>/<file>" : "DIR/<file>")
        }
        return out
    }

    /// Checks every row (finite, not zero, one dimension) and scales it to unit length.
    static func unitMatrix(_ rows: [[Float]], sources: [String]) throws -> FeatureMatrix {
        guard let dim = rows.first?.count, dim > 0 else { throw FeatureInputError.unreadable("no feature vectors were read") }
        var values: [Float] = []
        values.reserveCapacity(rows.count * dim)
        for (i, row) in rows.enumerated() {
            guard row.count == dim else { throw FeatureInputError.dimension(source: sources[i], expected: dim, actual: row.count) }
            guard row.allSatisfy(\.isFinite) else { throw FeatureInputError.nonFinite(source: sources[i]) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { throw FeatureInputError.zeroVector(source: sources[i]) }
            values += row.map { $0 / norm }
        }
        return try FeatureMatrix(rows: rows.count, dim: dim, values: values)
    }

    /// Reads a `.npy` matrix with, when `labels` is given, one identity a line.
    static func npy(_ path: String, labels: String?) throws -> LabelledFeatures {
        guard FileManager.default.fileExists(atPath: path) else { throw FeatureInputError.missing(option: "npy", path: path) }
        let rows: [[Float]]
        do { rows = try VectorFiles.readNPY(path) } catch { throw FeatureInputError.unreadable("\(error)") }
        let sources = rows.indices.map { "\(path) row \($0)" }
        var names = [String](repeating: "", count: rows.count)
        if let labels {
            guard let lines = VectorFiles.readLabels(labels) else {
                throw FeatureInputError.missing(option: "labels", path: labels)
            }
            guard lines.count == rows.count else { throw FeatureInputError.labelCount(labels: labels, lines: lines.count, rows: rows.count) }
            names = lines
        }
        return LabelledFeatures(matrix: try unitMatrix(rows, sources: sources), identities: names, sources: sources)
    }

    /// Reads devkit `.bin` files (one vector each).
    static func devkit(_ entries: [Entry]) throws -> LabelledFeatures {
        var rows: [[Float]] = []
        rows.reserveCapacity(entries.count)
        for e in entries { rows.append(try DevkitFeatureFile.read(path: e.path).vector) }
        return LabelledFeatures(matrix: try unitMatrix(rows, sources: entries.map(\.path)),
                                identities: entries.map(\.identity), sources: entries.map(\.path))
    }
}
