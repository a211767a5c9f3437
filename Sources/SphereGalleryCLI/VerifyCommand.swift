import ArgumentParser
import FaceRecognition
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Are two photographs the same person? The cosine of their largest faces against a threshold.",
        discussion: """
            The threshold is --threshold, else the gallery's model's 1:1 verification threshold (--db),
            else the model's default for 1:1 verification (its best-accuracy threshold on LFW View 1).
            A gallery's 1:N identification threshold is stricter and is not used here.
            --json: {"same", "cosine", "angle", "threshold", "threshold_source", "model"}.
            """)

    @Argument(help: "The first photograph.") var first: String
    @Argument(help: "The second photograph.") var second: String
    @Option(help: "Embedding model: dlib-resnet or sphere20a:WEIGHTS (with --db: the gallery's weights again).") var model: String?
    @Option(help: "Alignment landmarks: mtcnn or dlib5 (default: the model's best).") var landmarks: LandmarkSource?
    @Option(help: "A gallery whose model and verification threshold to use.") var db: String?
    @Option(help: "Cosine threshold.") var threshold: Float?
    @OptionGroup var size: DetectionSizeOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let threshold, !(threshold >= -1 && threshold <= 1) { throw ValidationError("--threshold must be a cosine within -1…1.") }
    }

    func run() throws {
        let verification: Verification
        if let db {
            let recognizer = try FaceRecognizer.open(gallery: db, readOnly: true, model: model, landmarks: landmarks,
                                                    detection: size.maxSide, workers: 2)
            defer { try? recognizer.close() }
            verification = try recognizer.verify(.file(first), .file(second), threshold: threshold)
        } else {
            let pipeline = try FacePipeline(model: model ?? "dlib-resnet", landmarks: landmarks, workers: 2, detection: size.maxSide)
            verification = try pipeline.verify(.file(first), .file(second), threshold: threshold)
        }
        if output.json { return printLine(verification) }
        let verdict = verification.same.map { $0 ? "same person" : "different people" } ?? "no threshold known (give --threshold)"
        print(String(format: "%@  (cosine %.4f, angle %.1f°, threshold %@)", verdict, verification.cosine, verification.angle,
                     verification.threshold.map { String(format: "%.3f", $0) } ?? "none"))
    }
}
