import FaceDetection
import FaceRecognition
import Foundation
import Gallery
import Imaging

/// Embeds images through the face pipeline once. With a cache folder, the vectors of a set of
/// images are kept there as `NAME.npy` (one float32 row per image with a face) beside
/// `NAME.json` — `{"model", "landmarks", "select", "fallback", "inputs": [[identity, path], …], "rows": [row or -1],
/// "fallbacks": [entry index]}` —
/// and re-used when the same images are asked for with the same model, landmarks and face selection.
struct FeatureCache {
    /// Folder of the cache files; nil embeds every time.
    var folder: String?
    var modelName: String
    /// The alignment (nil: the model's default).
    var landmarks: LandmarkSource?
    var selection: FaceSelection
    /// Where no face is found in an image that decodes, embed the centre-box crop instead
    /// (`FacePipeline.centreBoxCrop`, the LFW protocols' fallback) and list the image in `fallbacks`.
    var centreBoxFallback = false
    /// No progress bar.
    var quiet: Bool

    /// The landmarks the vectors are aligned with, as the manifest records them.
    var resolvedLandmarks: LandmarkSource { landmarks ?? LandmarkSource.default(forModelNamed: modelName) }

    /// The pipeline is loaded only when something has to be embedded.
    final class LazyPipeline {
        private let modelName: String
        private let landmarks: LandmarkSource?
        private var pipeline: FacePipeline?
        init(modelName: String, landmarks: LandmarkSource?) {
            self.modelName = modelName
            self.landmarks = landmarks
        }
        func get() throws -> FacePipeline {
            if let pipeline { return pipeline }
            let p = try FacePipeline(model: modelName, landmarks: landmarks)
            pipeline = p
            return p
        }
    }

    /// The vectors of `entries` (images), from the cache when it holds them.
    /// - Returns: features of the images where a face was found, in `entries` order; the others
    ///   are listed in `failures`.
    func features(name: String, entries: [FeatureInputs.Entry], pipeline: LazyPipeline) throws -> LabelledFeatures {
        let manifest = folder.map { ($0 as NSString).appendingPathComponent(name + ".json") }
        let npy = folder.map { ($0 as NSString).appendingPathComponent(name + ".npy") }
        if let manifest, let npy, let (rows, fallbacks) = try cachedRows(manifest: manifest, entries: entries) {
            let vectors = try FeatureInputs.npy(npy, labels: nil)
            return try assemble(entries: entries, rows: rows, fallbacks: fallbacks,
                                matrix: vectors.matrix.values, dim: vectors.matrix.dim, count: vectors.matrix.rows)
        }
        let p = try pipeline.get()
        var rows = [Int](repeating: -1, count: entries.count)
        var fallbacks: [Int] = []
        var vectors: [[Float]] = []
        var pendingCrops: [Image] = [], pendingItems: [Int] = []
        func flush() throws {
            guard !pendingCrops.isEmpty else { return }
            for (item, v) in zip(pendingItems, try p.embed(pendingCrops)) {
                rows[item] = vectors.count
                vectors.append(v)
            }
            pendingCrops.removeAll(keepingCapacity: true)
            pendingItems.removeAll(keepingCapacity: true)
        }
        let progress = Progress(total: entries.count, label: "\(name) images", quiet: quiet)
        try p.forEachImage(entries.map { .file($0.path) }, selection: selection) { i, prepared in
            if let face = prepared.faces.first {
                pendingCrops.append(face.crop)
                pendingItems.append(i)
            } else if centreBoxFallback, prepared.width > 0 {
                pendingCrops.append(try p.centreBoxCrop(ImageDecoder.decode(contentsOf: entries[i].path)))
                pendingItems.append(i)
                fallbacks.append(i)
            }
            if pendingCrops.count >= 64 { try flush() }
            progress.advance(by: 1)
        }
        try flush()
        progress.finish()
        let dim = p.outputDimension
        if let folder, let manifest, let npy {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try VectorFiles.writeNPY(vectors, dim: dim, to: npy)
                let object: [String: Any] = ["model": modelName, "landmarks": resolvedLandmarks.rawValue, "select": "\(selection)",
                                             "fallback": fallbackName, "inputs": entries.map { [$0.identity, $0.path] },
                                             "rows": rows, "fallbacks": fallbacks]
                try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: manifest))
            } catch {
                throw FeatureInputError.cache(path: folder, reason: "\(error)")
            }
        }
        return try assemble(entries: entries, rows: rows, fallbacks: fallbacks, matrix: vectors.flatMap { $0 }, dim: dim, count: vectors.count)
    }

    private var fallbackName: String { centreBoxFallback ? "centre box" : "none" }

    /// The manifest's rows and fallbacks when it describes exactly these entries with this model; nil otherwise.
    private func cachedRows(manifest: String, entries: [FeatureInputs.Entry]) throws -> (rows: [Int], fallbacks: [Int])? {
        guard let data = FileManager.default.contents(atPath: manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["model"] as? String == modelName, object["select"] as? String == "\(selection)",
              object["landmarks"] as? String == resolvedLandmarks.rawValue,
              (object["fallback"] as? String ?? "none") == fallbackName,
              let inputs = object["inputs"] as? [[String]], let rows = object["rows"] as? [Int],
              inputs.count == entries.count, rows.count == entries.count
        else { return nil }
        for (pair, e) in zip(inputs, entries) where pair != [e.identity, e.path] { return nil }
        return (rows, object["fallbacks"] as? [Int] ?? [])
    }

    private func assemble(entries: [FeatureInputs.Entry], rows: [Int], fallbacks: [Int],
                          matrix: [Float], dim: Int, count: Int) throws -> LabelledFeatures {
        var values: [Float] = [], identities: [String] = [], sources: [String] = [], failures: [String] = []
        for (e, row) in zip(entries, rows) {
            guard row >= 0 else { failures.append(e.path); continue }
            guard row < count else { throw FeatureInputError.cache(path: folder ?? "", reason: "a row index is past the end of the matrix") }
            values += matrix[row * dim..<(row + 1) * dim]
            identities.append(e.identity)
            sources.append(e.path)
        }
        guard !sources.isEmpty else { throw FeatureInputError.unreadable("no face was found in any of the \(entries.count) images") }
        let features = try FeatureInputs.unitMatrix(stride(from: 0, to: values.count, by: dim).map { Array(values[$0..<$0 + dim]) }, sources: sources)
        return LabelledFeatures(matrix: features, identities: identities, sources: sources, failures: failures,
                                fallbacks: fallbacks.filter(entries.indices.contains).map { entries[$0].path }, fromImages: true)
    }
}
