import ArgumentParser
import FaceDetection
import Foundation
import Gallery

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Are two photographs the same person? The cosine of their faces against a threshold.",
        discussion: """
            Each photograph's face is chosen by --select (default: the largest). The threshold is
            --threshold, else the gallery's (--db), else the model's default for
            1:1 verification (its best-accuracy threshold on LFW View 1; a gallery's default is
            stricter, for 1:N search).
            """)

    @Argument(help: "The first photograph.") var first: String
    @Argument(help: "The second photograph.") var second: String
    @OptionGroup var faces: FaceOptions
    @Option(help: "A gallery whose model and threshold to use.") var db: String?
    @Option(help: "Cosine threshold.") var threshold: Float?
    @OptionGroup var output: OutputOptions

    func run() throws {
        var modelName = faces.model
        var galleryThreshold: Float?
        var landmarks = faces.landmarks
        if let db {
            let gallery = try Gallery.open(at: db, readOnly: true)
            modelName = gallery.model.name
            galleryThreshold = try gallery.threshold()
            landmarks = landmarks ?? LandmarkSource.recorded(in: gallery.model.metadataJSON)
            try gallery.close()
        }
        let pipeline = try FacePipeline(modelName: modelName, landmarks: landmarks, workers: 2)
        let selection: FaceSelection = faces.select == .all ? .largest : faces.select
        let prepared = [first, second].enumerated().map { i, path in
            pipeline.prepare(path: path, selection: selection, worker: i)
        }
        for image in prepared {
            if let failure = image.failure { throw CLIError.failed("\(image.path): \(failure)") }
            if image.faces.isEmpty { throw CLIError.failed("\(image.path): no face found") }
        }
        let vectors = try pipeline.embed(prepared.map { $0.faces[0].crop })
        let cosine = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let used = threshold ?? galleryThreshold
            ?? DefaultThresholds.thresholds(for: pipeline.model.name, landmarks: pipeline.landmarks).map { Float($0.verification) }
        let same = used.map { cosine >= $0 }
        if output.json {
            printJSON(["same": same as Any? ?? NSNull(), "cosine": rounded(cosine), "angle": rounded(acosDegrees(cosine), 3),
                       "threshold": used.map { rounded($0) } as Any? ?? NSNull(), "model": pipeline.model.name])
        } else {
            let verdict = same.map { $0 ? "same person" : "different people" } ?? "no threshold known (give --threshold)"
            print(String(format: "%@  (cosine %.4f, angle %.1f°, threshold %@)", verdict, cosine, acosDegrees(cosine),
                         used.map { String(format: "%.3f", $0) } ?? "none"))
        }
    }
}
