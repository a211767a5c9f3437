import ArgumentParser
import FaceDetection
import FaceEmbedding
import Foundation
import Imaging
import NeuralNet

/// SphereFace network inference on random input, the work of `torch_sphere.py --mode infer`.
struct SphereBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sphere", abstract: "sphere20a/36a/64a inference images/s on random 112×96 input (random weights).")

    @Option var net = "sphere20a"
    @Option(help: "Comma-separated batch sizes.") var batch = "1,16,64"
    @Option var runs = 7
    @Option var warmup = 2

    func run() throws {
        Parallel.setBLASThreads(1)
        guard let depth = SphereNet.Depth(rawValue: net) else { throw ValidationError("unknown net \(net)") }
        let model = try SphereNet(depth: depth)
        for b in batch.split(separator: ",").compactMap({ Int($0) }) {
            let input = Tensor.uniform([b, 3, 112, 96], bound: 1, seed: 1)
            for _ in 0..<warmup { _ = try model.embed(input) }
            var times: [Double] = []
            for _ in 0..<runs { times.append(try measure { _ = try model.embed(input) }) }
            printJSONLine(["tool": "sphere-gallery", "net": net, "mode": "infer", "batch": b,
                           "images_per_s": Double(b) / median(times), "median_s": median(times), "runs_s": times])
        }
    }
}

/// dlib ResNet descriptors of 150×150 chips, the work of `dlib_peer.py --mode descriptor`.
struct DlibBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlib", abstract: "dlib-resnet descriptors/s on 150×150 chips.")

    @Option(help: "Folder of 150×150 chip images.") var chips: String
    @Option(help: "Comma-separated batch sizes.") var batch = "1,16"
    @Option(help: "Passes over the chips.") var repeatCount = 5
    @Option var warmup = 1

    func run() throws {
        Parallel.setBLASThreads(1)
        let model = try DlibResNet.fromCache()
        let files = try FileManager.default.contentsOfDirectory(atPath: chips).filter { $0.hasSuffix(".png") }.sorted()
        let images = try files.map { try ImageDecoder.decode(contentsOf: (chips as NSString).appendingPathComponent($0)) }
        for b in batch.split(separator: ",").compactMap({ Int($0) }) {
            let batches = stride(from: 0, to: images.count, by: b).map { Array(images[$0..<min(images.count, $0 + b)]) }
            for _ in 0..<warmup { _ = try model.embed(images: batches[0]) }
            var passes: [Double] = []
            for _ in 0..<repeatCount {
                passes.append(try measure { for chunk in batches { _ = try model.embed(images: chunk) } })
            }
            printJSONLine(["tool": "sphere-gallery", "mode": "descriptor", "batch": b, "images": images.count,
                           "images_per_s": Double(images.count) / median(passes), "runs_s": passes])
        }
    }
}

/// MTCNN detection images/s on a list of files, the work of `torch_mtcnn.py`.
struct DetectBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "MTCNN images/s: one stream, and one detector per core.")

    @Option(help: "A file listing the image paths, one a line (torch_mtcnn.py --list).") var list: String
    @Option(help: "Paste each image centred on a grey (127) canvas WxH first (shrunk to fit), as the peer's --size.") var size: String?
    @Option var runs = 3
    @Flag(help: "Also print where one stream's time goes, stage by stage of the cascade.") var stages = false

    func run() throws {
        Parallel.setBLASThreads(1)
        let paths = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        var images = try paths.map { try ImageDecoder.decode(contentsOf: $0) }
        if let size {
            let parts = size.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--size WxH") }
            images = try images.map { try canvas($0, width: parts[0], height: parts[1]) }
        }
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let detectors = try (0..<workers).map { _ in try MTCNN.loadDefault() }
        var found = 0
        for image in images.prefix(3) { _ = try detectors[0].detect(image) }
        var single: [Double] = [], parallel: [Double] = []
        for _ in 0..<runs {
            single.append(try measure { found = 0; for image in images { found += try detectors[0].detect(image).isEmpty ? 0 : 1 } })
            let shared = Box(images)
            parallel.append(measure {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var i = w
                    while i < shared.value.count { _ = try? detectors[w].detect(shared.value[i]); i += workers }
                }
            })
        }
        printJSONLine(["tool": "sphere-gallery", "images": images.count, "size": size ?? "original",
                       "images_with_face": found,
                       "images_per_s": Double(images.count) / median(single), "runs_s": single,
                       "images_per_s_per_core_detectors": Double(images.count) / median(parallel), "workers": workers])
        if stages { try printStages(images, detector: detectors[0]) }
    }

    /// One pass over the images through `detect(_:timing:)`: milliseconds per image in each stage.
    private func printStages(_ images: [Image], detector: MTCNN) throws {
        var timing = MTCNN.StageTiming()
        for image in images { _ = try detector.detect(image, timing: &timing) }
        let n = Double(max(1, images.count))
        let parts: [(String, Double)] = [("pyramid", timing.pyramid), ("pnet", timing.pnet), ("proposals", timing.proposals),
                                         ("rnet_crops", timing.rnetCrops), ("rnet", timing.rnet), ("onet_crops", timing.onetCrops),
                                         ("onet", timing.onet), ("final", timing.final)]
        var line: [String: Any] = ["tool": "sphere-gallery", "mode": "detect-stages", "images": images.count,
                                   "rnet_candidates_per_image": Double(timing.rnetCandidates) / n,
                                   "onet_candidates_per_image": Double(timing.onetCandidates) / n]
        for (name, seconds) in parts { line["\(name)_ms_per_image"] = 1000 * seconds / n }
        printJSONLine(line)
    }

    private func canvas(_ image: Image, width: Int, height: Int) throws -> Image {
        var source = image
        if image.width > width || image.height > height {
            let scale = min(Double(width) / Double(image.width), Double(height) / Double(image.height))
            source = try image.resized(width: max(1, Int(Double(image.width) * scale)), height: max(1, Int(Double(image.height) * scale)), method: .bilinear)
        }
        var pixels = [UInt8](repeating: 127, count: width * height * 3)
        let x0 = (width - source.width) / 2, y0 = (height - source.height) / 2
        for y in 0..<source.height {
            for x in 0..<source.width {
                for c in 0..<3 { pixels[((y + y0) * width + x + x0) * 3 + c] = source.pixels[(y * source.width + x) * 3 + c] }
            }
        }
        return try Image(width: width, height: height, pixels: pixels)
    }
}

final class Box<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
