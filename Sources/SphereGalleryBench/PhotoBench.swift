import ArgumentParser
import FaceDetection
import FaceEmbedding
import FaceRecognition
import Foundation
import Imaging
import NeuralNet

/// Phone-sized photos: detect + embed time and peak memory of 12 and 24 MP JPEGs at full resolution
/// (the pipeline without reduced decoding) and at several `maxSide` settings, each in its own process so
/// that its peak RSS is its own, and the smallest face found at each setting. The photos are LFW
/// faces pasted at known sizes (24 to 640 px wide) onto a textured canvas, written as JPEG.
struct PhotoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "photo", abstract: "12/24 MP JPEG detect + embed: time, peak RSS, smallest face found, per max-side.")

    @Option(help: "LFW images folder (people/<name>/<name>_0001.jpg).") var lfw = "../shared/data/lfw/images"
    @Option(help: "Canvas sizes, WxH, comma-separated.") var sizes = "4000x3000,6000x4000"
    @Option(help: "Settings: 'full', 'auto' and/or longest sides for detection, comma-separated.") var maxSides = "full,auto,2400,2000,1600,1280"
    @Option(help: "Timed runs per setting (after one warm-up).") var runs = 3
    @Option(help: "Where the generated JPEGs are written.") var work = NSTemporaryDirectory() + "sphere-gallery-photo-bench"
    @Option(help: "Internal: run one setting on one file and print its JSON line.") var single: String?
    @Option(help: "Internal: the setting of --single.") var maxSide: String = "full"

    func run() throws {
        if let single {
            guard let resolution = DetectionResolution(maxSide) else { throw ValidationError("--max-side: full, auto or a side ≥ 64") }
            try PhotoRun(path: single, resolution: resolution, runs: runs).run()
            return
        }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let detector = try MTCNN.loadDefault()
        for size in sizes.split(separator: ",") {
            let wh = size.split(separator: "x").compactMap { Int($0) }
            guard wh.count == 2 else { throw ValidationError("--sizes takes WxH items, got \(size)") }
            let scene = try PhotoScene.make(width: wh[0], height: wh[1], lfw: lfw, detector: detector)
            let path = "\(work)/scene-\(wh[0])x\(wh[1]).jpg"
            try Data(try JPEGEncoder.encode(scene.image, quality: 90)).write(to: URL(fileURLWithPath: path))
            for setting in maxSides.split(separator: ",").map(String.init) {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                child.arguments = ["photo", "--single", path, "--max-side", setting, "--runs", "\(runs)"]
                let pipe = Pipe()
                child.standardOutput = pipe
                try child.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                child.waitUntilExit()
                guard child.terminationStatus == 0,
                      var result = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
                    throw ValidationError("the run of \(setting) on \(path) failed (exit \(child.terminationStatus))")
                }
                let boxes = (result["boxes"] as? [[Double]]) ?? []
                let found = scene.faces.filter { face in boxes.contains { PhotoScene.matches($0, face.box) } }
                result["megapixels"] = Double(wh[0] * wh[1]) / 1e6
                result["size"] = String(size)
                result["faces_pasted_px"] = scene.faces.map { Int($0.box[2] - $0.box[0]) }
                result["faces_found_px"] = found.map { Int($0.box[2] - $0.box[0]) }
                result["smallest_found_px"] = found.map { Int($0.box[2] - $0.box[0]) }.min() ?? 0
                result.removeValue(forKey: "boxes")
                printJSONLine(result)
            }
        }
    }
}

/// A canvas with LFW faces pasted at known sizes, and where each face's box is.
struct PhotoScene {
    var image: Image
    /// Each pasted face: its expected box `[x1, y1, x2, y2]` (MTCNN's box in the LFW photo, carried over).
    var faces: [(person: String, box: [Double])]

    /// Face widths pasted, pixels.
    static let faceWidths: [Double] = [24, 32, 40, 48, 64, 96, 160, 320, 640]

    static func make(width: Int, height: Int, lfw: String, detector: MTCNN) throws -> PhotoScene {
        var canvas = texture(width: width, height: height)
        let people = try FileManager.default.contentsOfDirectory(atPath: lfw).sorted()
        var faces: [(String, [Double])] = []
        var x = 20, person = 0
        for target in faceWidths {
            // The next LFW person whose first photo has exactly one face.
            var photo: Image?, face: DetectedFace?, name = ""
            while photo == nil, person < people.count {
                name = people[person]
                person += 1
                let path = "\(lfw)/\(name)/\(name)_0001.jpg"
                guard let image = try? ImageDecoder.decode(contentsOf: path) else { continue }
                let found = try detector.detect(image)
                if found.count == 1 { photo = image; face = found[0] }
            }
            guard let photo, let face else { throw ValidationError("not enough LFW photos with one face in \(lfw)") }
            let f = target / Double(face.box.width)
            let pw = max(1, Int((Double(photo.width) * f).rounded())), ph = max(1, Int((Double(photo.height) * f).rounded()))
            guard x + pw + 20 <= width, ph + 40 <= height else { break }
            let pasted = try photo.resized(width: pw, height: ph, method: f < 1 ? .area : .bilinear)
            let y = (height - ph) / 2
            paste(pasted, into: &canvas, width: width, x: x, y: y)
            let s = face.scaled(x: Double(pw) / Double(photo.width), y: Double(ph) / Double(photo.height))
            faces.append((name, [Double(s.box.x1) + Double(x), Double(s.box.y1) + Double(y),
                                 Double(s.box.x2) + Double(x), Double(s.box.y2) + Double(y)]))
            x += pw + 20
        }
        return PhotoScene(image: try Image(width: width, height: height, pixels: canvas), faces: faces)
    }

    /// A deterministic textured background (smooth colour waves plus fine noise), so the JPEG has the
    /// size and decode cost of a photograph rather than of a flat colour.
    static func texture(width: Int, height: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        pixels.withUnsafeMutableBufferPointer { p in
            for y in 0..<height {
                let fy = Double(y) / Double(height)
                for x in 0..<width {
                    let fx = Double(x) / Double(width)
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Double(Int(state >> 59)) - 16
                    let i = (y * width + x) * 3
                    p[i] = UInt8(clamping: Int(128 + 60 * sin(6 * fx + 2 * fy) + noise))
                    p[i + 1] = UInt8(clamping: Int(120 + 50 * sin(5 * fy - 3 * fx) + noise))
                    p[i + 2] = UInt8(clamping: Int(110 + 40 * cos(4 * fx * fy * 9) + noise))
                }
            }
        }
        return pixels
    }

    static func paste(_ image: Image, into canvas: inout [UInt8], width: Int, x: Int, y: Int) {
        image.pixels.withUnsafeBufferPointer { src in
            canvas.withUnsafeMutableBufferPointer { dst in
                for row in 0..<image.height {
                    let s = row * image.width * 3, d = ((y + row) * width + x) * 3
                    for i in 0..<(image.width * 3) { dst[d + i] = src[s + i] }
                }
            }
        }
    }

    /// Whether a found box is the pasted face: intersection over union at least 0.4.
    static func matches(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count == 4, b.count == 4 else { return false }
        let iw = max(0, min(a[2], b[2]) - max(a[0], b[0])), ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
        let inter = iw * ih
        let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return union > 0 && inter / union >= 0.4
    }
}

/// One setting on one file, in its own process: `FacePipeline.prepare` (reduced decode → detect →
/// largest face → crop from the best resolution at hand) then `embed`, timed; prints time, peak RSS
/// and every box found.
struct PhotoRun {
    let path: String
    let resolution: DetectionResolution
    let runs: Int

    func run() throws {
        let pipeline = try FacePipeline(workers: 1, detection: resolution)
        let detector = try MTCNN.loadDefault()
        func once() throws -> PreparedImage {
            let prepared = pipeline.prepare(.file(path), selection: .largest)
            if let failure = prepared.failure { throw ValidationError(failure) }
            _ = try pipeline.embed(prepared.faces.map(\.crop))
            return prepared
        }
        _ = try once()
        // Wall time, and this process's CPU time (all threads): on a machine shared with other work the
        // CPU time is the steadier figure.
        var times: [Double] = [], cpu: [Double] = []
        for _ in 0..<max(1, runs) {
            let before = processCPUSeconds()
            times.append(try measure { _ = try once() })
            cpu.append(processCPUSeconds() - before)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        // After the peak was taken: the decode alone, and every face the detector finds at this setting.
        let encoded = try EncodedImage(contentsOf: path)
        let side = resolution == .automatic ? DetectionResolution.automaticRange.upperBound
            : resolution.maxSide(width: 1, height: 1)
        var decodes: [Double] = []
        for _ in 0..<max(1, runs) {
            decodes.append(try measure { _ = try EncodedImage(contentsOf: path).decode(maxSide: side) })
        }
        let detection = try detector.detect(encoded, resolution: resolution)
        let boxes = detection.faces.map { $0.box.array.map(Double.init) }
        printJSONLine(["setting": resolution.description, "detection_side": max(detection.detectionImage.image.width, detection.detectionImage.image.height), "detect_embed_s": median(times), "runs_s": times,
                       "cpu_s": median(cpu), "decode_s": median(decodes), "peak_rss_mb": Double(usage.ru_maxrss) / 1024,
                       "faces": boxes.count, "boxes": boxes])
    }

    /// User + system CPU seconds of this process so far.
    func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
