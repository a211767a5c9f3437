import ArgumentParser
import Evaluation
import FaceDetection
import FaceRecognition
import Foundation
import Imaging

struct EvalLFWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lfw",
        abstract: "LFW verification: 10-fold accuracy, TAR at FAR, EER, ROC (cosine of unit vectors).",
        discussion: """
            --lfw DIR holds NAME/NAME_XXXX.jpg. --pairs is View 2's pairs.txt (10 folds of 300 + 300),
            or a View 1 file (a count, then matched and mismatched pairs), split into 10 folds; files
            whose counts differ from their header are read too. A pair whose image is missing is left
            out and counted ("pairs_skipped_missing_image"). Each
            fold's threshold is chosen on the other nine. LFW images are cropped around their subject,
            so the face nearest the image centre is taken; where no face is found, the face is cut
            from a box at the image centre (the usual fallback), and such images are counted.
            --json: {"accuracy": {"mean", "std", …}, "tar_at_far": {…}, "eer", "failures_to_detect", "best_threshold",
            "landmarks"}; with --flip also "without_flip": the same figures for the un-mirrored vectors.
            --landmarks: mtcnn (MTCNN's points, the model's template) or dlib5 (dlib's shape predictor in
            a box derived from MTCNN's, dlib's chip); default dlib5 for dlib-resnet.
            """)

    @Option(help: "LFW image folder (NAME/NAME_XXXX.jpg).") var lfw: String
    @Option(help: "Pairs file (default: pairs.txt beside the image folder).") var pairs: String?
    @Option(help: "Embedding model: dlib-resnet or sphere20a:WEIGHTS.") var model = "dlib-resnet"
    @Flag(help: "Test-time augmentation: embed each face and its mirror image, sum, normalise.") var flip = false
    @Option(help: "Alignment landmarks: mtcnn or dlib5 (dlib's shape predictor; default for dlib-resnet).") var landmarks: LandmarkSource?
    @Option(help: "Write the ROC here as CSV (far,tar,threshold).") var roc: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pairsPath = pairs ?? ((lfw as NSString).deletingLastPathComponent as NSString).appendingPathComponent("pairs.txt")
        let allPairs = try LFWPairs.load(path: pairsPath)
        // A pair whose image is missing from --lfw is left out and counted.
        let present = Set(allPairs.images.filter {
            FileManager.default.fileExists(atPath: (lfw as NSString).appendingPathComponent($0.relativePath))
        })
        let protocolPairs = allPairs.keeping { present.contains($0.first) && present.contains($0.second) }
        let skippedPairs = allPairs.pairs.count - protocolPairs.pairs.count
        guard !protocolPairs.pairs.isEmpty else {
            throw CLIError.failed("none of the images of \(pairsPath) is under \(lfw); give --lfw the folder that holds NAME/NAME_XXXX.jpg.")
        }
        let images = protocolPairs.images
        let pipeline = try FacePipeline(model: model, landmarks: landmarks)
        var crops: [Image] = [], fallbacks: [String] = []
        let progress = Progress(total: images.count, label: "images", quiet: output.json)
        let paths = images.map { (lfw as NSString).appendingPathComponent($0.relativePath) }
        try pipeline.forEachImage(paths.map { .file($0) }, selection: .centre) { i, prepared in
            if let face = prepared.faces.first {
                crops.append(face.crop)
            } else {
                if let failure = prepared.failure, prepared.width == 0 { throw CLIError.failed("\(paths[i]): \(failure)") }
                fallbacks.append(paths[i])
                crops.append(try pipeline.centreBoxCrop(ImageDecoder.decode(contentsOf: paths[i])))
            }
            progress.advance(by: 1)
        }
        progress.finish()
        var vectors = try pipeline.embed(crops)
        var index: [LFWImage: Int] = [:]
        for (i, image) in images.enumerated() { index[image] = i }
        // With --flip the un-flipped vectors are at hand too: their scores are reported beside.
        var withoutFlip: (verification: LFWVerification, best: (threshold: Float, accuracy: Double))?
        if flip {
            let plain = vectors
            let plainScores = try protocolPairs.scores { index[$0].map { plain[$0] } }
            withoutFlip = (try LFWVerification(pairs: protocolPairs, scores: plainScores),
                           try CrossValidation.bestThreshold(scores: plainScores, labels: protocolPairs.labels))
            let mirrored = try pipeline.embed(crops.map(mirror))
            vectors = zip(vectors, mirrored).map { a, b in
                let sum = zip(a, b).map { $0 + $1 }
                let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return sum.map { $0 / norm }
            }
        }
        let scores = try protocolPairs.scores { index[$0].map { vectors[$0] } }
        let verification = try LFWVerification(pairs: protocolPairs, scores: scores)
        let best = try CrossValidation.bestThreshold(scores: scores, labels: protocolPairs.labels)
        if let roc { try CSVTable.roc(verification.roc.sampled()).write(path: roc) }
        let report = verification.report
        if output.json {
            var object = try JSONSerialization.jsonObject(with: ReportFormat.jsonEncoder().encode(report)) as? [String: Any] ?? [:]
            object["failures_to_detect"] = fallbacks.count
            object["pairs_skipped_missing_image"] = skippedPairs
            object["fallback"] = "centre box"
            object["best_threshold"] = ["cosine": rounded(best.threshold), "accuracy": best.accuracy]
            object["model"] = pipeline.modelName
            object["flip"] = flip
            object["landmarks"] = pipeline.landmarks.rawValue
            if let withoutFlip {
                var plain = try JSONSerialization.jsonObject(
                    with: ReportFormat.jsonEncoder().encode(withoutFlip.verification.report)) as? [String: Any] ?? [:]
                plain["best_threshold"] = ["cosine": rounded(withoutFlip.best.threshold), "accuracy": withoutFlip.best.accuracy]
                object["without_flip"] = plain
            }
            printJSON(object)
        } else {
            print("LFW \(pairsPath): \(report.pairs) pairs, model \(pipeline.modelName), landmarks \(pipeline.landmarks.rawValue)\(flip ? " + flip" : "")")
            print(String(format: "accuracy %.2f%% ± %.2f (10 folds)", 100 * report.accuracy.mean, 100 * report.accuracy.std))
            for (far, tar) in report.tarAtFAR.sorted(by: { Double($0.key)! > Double($1.key)! }) {
                print("TAR at FAR \(far): " + (tar.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a (too few impostor pairs)"))
            }
            print(String(format: "EER %.2f%%", 100 * report.eer))
            print(String(format: "best single threshold (all pairs): cosine %.4f, accuracy %.2f%%", best.threshold, 100 * best.accuracy))
            if skippedPairs > 0 { print("pairs left out (image missing under \(lfw)): \(skippedPairs)") }
            print("failures to detect: \(fallbacks.count) (centre-box fallback)\(fallbacks.isEmpty ? "" : ": " + fallbacks.prefix(5).joined(separator: ", "))")
        }
    }

    private func mirror(_ image: Image) -> Image {
        var pixels = image.pixels
        let w = image.width
        for y in 0..<image.height {
            for x in 0..<w {
                for c in 0..<3 { pixels[(y * w + x) * 3 + c] = image.pixels[(y * w + (w - 1 - x)) * 3 + c] }
            }
        }
        return (try? Image(width: w, height: image.height, pixels: pixels)) ?? image
    }
}
