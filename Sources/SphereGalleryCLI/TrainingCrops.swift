import FaceDetection
import FaceRecognition
import Foundation
import Imaging
import NeuralNet

/// `train --align`: turns `DIR/<identity>/*` photographs into SphereFace crops
/// (`CACHE/<identity>/<stem>.png`, 112×96) with MTCNN (the face nearest the centre) and the
/// SphereFace template, one detector per core. Crops already in the cache are kept, so an
/// interrupted run continues where it stopped; images without a face are reported and skipped.
enum TrainingCrops {
    struct Summary { var aligned = 0, cached = 0, failed: [(String, String)] = [] }

    static func align(data: String, cache: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                      report: (String, String) -> Void) throws -> Summary {
        let fm = FileManager.default
        var jobs: [(source: String, target: String)] = []
        for identity in ((try? fm.contentsOfDirectory(atPath: data)) ?? []).filter({ !$0.hasPrefix(".") }).sorted() {
            let sub = (data as NSString).appendingPathComponent(identity)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue else { continue }
            let out = (cache as NSString).appendingPathComponent(identity)
            for file in ((try? fm.contentsOfDirectory(atPath: sub)) ?? []).sorted()
            where ["jpg", "jpeg", "png", "pgm", "ppm", "pnm"].contains((file as NSString).pathExtension.lowercased()) {
                let target = (out as NSString).appendingPathComponent(((file as NSString).deletingPathExtension) + ".png")
                jobs.append(((sub as NSString).appendingPathComponent(file), target))
            }
        }
        var summary = Summary()
        let todo = jobs.filter { !fm.fileExists(atPath: $0.target) }
        summary.cached = jobs.count - todo.count
        guard !todo.isEmpty else { return summary }
        let detectors = try (0..<max(1, workers)).map { _ in try MTCNN.loadDefault() }
        try OrderedPrefetch.run(count: todo.count, workers: detectors.count, window: 32, produce: { item, worker -> String? in
            do {
                let image = try ImageDecoder.decode(contentsOf: todo[item].source)
                let faces = try FaceSelection.centre.select(try detectors[worker].detect(image), imageWidth: image.width, imageHeight: image.height)
                guard let face = faces.first else { return "no face found" }
                let crop = try Imaging.align(image, landmarks: face.landmarks, template: .sphereFace96x112)
                try FileManager.default.createDirectory(atPath: (todo[item].target as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                let tmp = todo[item].target + ".tmp"
                try PNGWriter.write(crop, to: tmp)
                guard rename(tmp, todo[item].target) == 0 else { return "cannot write \(todo[item].target)" }
                return nil
            } catch {
                return "\(error)"
            }
        }, consume: { item, failure in
            if let failure {
                summary.failed.append((todo[item].source, failure))
                report(todo[item].source, failure)
            } else {
                summary.aligned += 1
            }
        })
        return summary
    }
}
