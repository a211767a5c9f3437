import ArgumentParser
import FaceEmbedding
import Foundation
import Imaging
import NeuralNet

/// Failures of `embed` after argument parsing; the messages say what to do.
enum EmbedError: Error, CustomStringConvertible {
    case model(String)
    case unreadable(path: String, reason: String)
    case wrongSize(path: String, width: Int, height: Int, model: String, expectedWidth: Int, expectedHeight: Int, template: String)

    var description: String {
        switch self {
        case let .model(msg): return msg
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .wrongSize(path, w, h, model, ew, eh, template):
            return "\(path) is \(w)×\(h) pixels but \(model) needs aligned \(ew)×\(eh) crops; align faces first (template \(template))."
        }
    }
}

/// `sphere-gallery embed`: unit vectors of already-aligned face crops.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed already-aligned face crops into unit vectors.",
        discussion: """
            Each crop must already be aligned and exactly the model's input size (dlib-resnet: 150×150,
            sphere20a: 96×112 W×H); detection and alignment are not done here.
            Models: \(EmbeddingModels.usage) (dlib-resnet reads the model cache; run `make models` first).
            --json prints one line per crop: {"image": PATH, "vector": [...]} (unit length).
            """)

    @Option(help: "Embedding model: dlib-resnet or sphere20a:WEIGHTS.safetensors.")
    var model: String = EmbeddingModels.defaultName
    @Option(name: .customLong("batch-size"), help: "Crops per forward pass.")
    var batchSize = 16
    @Argument(help: "Aligned crop images (PNG, JPEG, PNM).")
    var crops: [String]
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !crops.isEmpty else { throw ValidationError("give at least one crop image.") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
    }

    func run() throws {
        // One OpenBLAS thread: GEMMs are then split over NeuralNet's own workers, which costs less CPU
        // than OpenBLAS's spinning threads (dlib-resnet at batch 1: 18 instead of 43 ms CPU per crop).
        Parallel.setBLASThreads(1)
        let net: any EmbeddingModel
        do { net = try EmbeddingModels.load(name: model) } catch { throw EmbedError.model("\(error)") }
        var start = 0
        while start < crops.count {
            let paths = Array(crops[start..<min(crops.count, start + batchSize)])
            var images: [Image] = []
            for path in paths {
                let image: Image
                do { image = try ImageDecoder.decode(contentsOf: path) } catch {
                    throw EmbedError.unreadable(path: path, reason: "\(error)")
                }
                guard image.width == net.inputWidth, image.height == net.inputHeight else {
                    throw EmbedError.wrongSize(path: path, width: image.width, height: image.height, model: net.name,
                                               expectedWidth: net.inputWidth, expectedHeight: net.inputHeight,
                                               template: net.cropTemplate.name)
                }
                images.append(image)
            }
            let vectors = try net.embed(images: images)
            for (path, v) in zip(paths, vectors) {
                if output.json {
                    printJSON(["image": path, "vector": v.map { Double($0) }])
                } else {
                    let head = v.prefix(4).map { String(format: "%+.4f", $0) }.joined(separator: " ")
                    print("\(path)  \(net.name) \(v.count)-d  [\(head) …]")
                }
            }
            start += paths.count
        }
    }
}
