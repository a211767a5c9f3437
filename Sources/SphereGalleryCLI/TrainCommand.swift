import ArgumentParser
import FaceEmbedding
import Gallery
import Foundation
import NeuralNet

/// `sphere-gallery train`: SphereFace training with A-Softmax (or the plain softmax baseline).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a SphereFace net with A-Softmax on DIR/<identity>/* face crops.",
        discussion: """
            DIR/<identity>/* are aligned 112×96 crops (sphere-gallery detect --crops DIR --template sphereface),
            or photographs with --align (MTCNN, the face nearest the centre, the SphereFace template; the
            crops are kept in --aligned-cache). SGD momentum 0.9, weight decay 5e-4, the learning rate ×0.1
            at --lr-steps (epochs; default 50%, 75%, 90% of --epochs), random horizontal flips, λ annealed
            as max(λmin, base·(1 + γ·it)^(−power)). A checkpoint is written atomically every
            --checkpoint-every iterations and at the end; --resume continues it exactly. The output loads
            with embed/enrol --model sphere20a:OUT (fc6 is kept in the file and ignored there).
            A progress line goes to a terminal's stderr; --json prints one JSON object per epoch and a summary.
            """)

    @Option(help: "Folder of identity sub-folders.") var data: String
    @Option(help: "sphere20a, sphere36a, sphere64a or sphere4 (no residual units).") var net = "sphere20a"
    @Option(help: "Four stage widths, e.g. 16,32,64,128.") var widths = "64,128,256,512"
    @Option(help: "Embedding size (fc5 outputs).") var features = 512
    @Option(name: .customLong("m"), help: "A-Softmax margin m: 1 (modified softmax), 2, 3 or 4.") var margin = 4
    @Option(help: "asoftmax, or softmax (the original softmax baseline: bias, unnormalised weights).") var head = "asoftmax"
    @Option(help: "Images per SGD step.") var batch = 32
    @Option(help: "Base learning rate.") var lr: Float = 0.1
    @Option(name: .customLong("lr-steps"), help: "Epochs at which the learning rate is multiplied by 0.1 (comma-separated).") var lrSteps: String?
    @Option var epochs = 20
    @Option(help: "Output model (safetensors).") var out: String
    @Option(help: "Checkpoint file (default OUT.checkpoint).") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every"), help: "Iterations between checkpoints (0: only at the end).") var checkpointEvery = 1000
    @Flag(help: "Continue from the checkpoint.") var resume = false
    @Option var seed: UInt64 = 0
    @Option(name: .customLong("lambda-base")) var lambdaBase = 1500.0
    @Option(name: .customLong("lambda-gamma")) var lambdaGamma = 0.1
    @Option(name: .customLong("lambda-power")) var lambdaPower = 1.0
    @Option(name: .customLong("lambda-min")) var lambdaMin = 5.0
    @Flag(name: .customLong("no-flip"), help: "No horizontal flip augmentation.") var noFlip = false
    @Flag(help: "DIR holds photographs: detect and align them first.") var align = false
    @Option(name: .customLong("aligned-cache"), help: "Where --align keeps its crops (default OUT.aligned).") var alignedCache: String?
    @Option(name: .customLong("holdout"), help: "Fraction of each identity's images held out for testing (seeded).") var holdout = 0.0
    @Option(name: .customLong("features-out"), help: "After training, write every image's unit embedding as JSON Lines.") var featuresOut: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (0..<1).contains(holdout) else { throw ValidationError("--holdout must be in [0, 1).") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be ≥ 0.") }
    }

    func makeConfiguration() throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.net = net
        let w = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard w.allSatisfy({ $0 != nil }) else { throw ValidationError("--widths: four integers, e.g. 16,32,64,128.") }
        c.widths = w.map { $0! }
        c.features = features
        c.head = head
        c.margin = margin
        c.batchSize = batch
        c.learningRate = lr
        if let lrSteps {
            let s = lrSteps.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard s.allSatisfy({ $0 != nil }) else { throw ValidationError("--lr-steps: epochs, e.g. 10,15,18.") }
            c.lrSteps = s.map { $0! }
        }
        c.epochs = epochs
        c.seed = seed
        c.lambdaBase = lambdaBase; c.lambdaGamma = lambdaGamma; c.lambdaPower = lambdaPower; c.lambdaMin = lambdaMin
        c.flip = !noFlip
        try c.validate()
        return c
    }

    func run() throws {
        do { try train() } catch let e as TrainingError {
            throw CLIError.failed("\(e)")
        }
    }

    private func train() throws {
        let config = try makeConfiguration()
        var dataDir = data
        if align {
            let cache = alignedCache ?? out + ".aligned"
            let s = try TrainingCrops.align(data: data, cache: cache) { path, why in printError("skipped \(path): \(why)") }
            if !output.json { printError("aligned \(s.aligned) images (\(s.cached) already in \(cache), \(s.failed.count) without a face)") }
            dataDir = cache
        }
        let dataset = try TrainingDataset.scan(directory: dataDir)
        let (trainSet, heldOut) = dataset.split(heldOutFraction: holdout, seed: config.seed)
        let trainer = try Trainer(configuration: config, classes: dataset.classes, samples: trainSet)
        let checkpointPath = checkpoint ?? out + ".checkpoint"
        if resume {
            guard FileManager.default.fileExists(atPath: checkpointPath) else {
                throw CLIError.failed("--resume: no checkpoint at \(checkpointPath); run without --resume to start")
            }
            try trainer.resume(from: checkpointPath)
        }
        let bar = TrainingProgressLine(quiet: output.json)
        var skippedCount = 0
        let started = Date(), startIteration = trainer.iteration
        try trainer.train(checkpointPath: checkpointPath, checkpointEvery: checkpointEvery, progress: { p in
            bar.draw(p)
            if p.endOfEpoch {
                bar.clear()
                let fields: [String: Any] = ["epoch": p.epoch, "iteration": p.iteration, "loss": p.loss.isFinite ? rounded(Float(p.loss)) : NSNull(),
                                             "accuracy": rounded(Float(p.accuracy)), "lambda": p.lambda.map { rounded(Float($0), 4) } ?? NSNull(),
                                             "lr": Double(p.learningRate), "images_per_s": rounded(Float(p.imagesPerSecond), 1)]
                if output.json { printJSON(fields) } else {
                    print(String(format: "epoch %d/%d  it %d  loss %.4f  acc %.2f%%  λ %@  lr %g  %.1f img/s", p.epoch, p.epochs, p.iteration,
                                 p.loss, 100 * p.accuracy, p.lambda.map { String(format: "%.2f", $0) } ?? "-", Double(p.learningRate), p.imagesPerSecond))
                }
            }
        }, skipped: { path, why in
            skippedCount += 1
            bar.clear()
            printError("skipped \(path): \(why)")
        })
        bar.clear()
        try trainer.saveModel(to: out)
        let seconds = Date().timeIntervalSince(started)
        var summary: [String: Any] = [
            "model": out, "checkpoint": checkpointPath, "net": trainer.net.name, "classes": dataset.classes.count,
            "train_images": trainSet.count, "held_out_images": heldOut.count, "iterations": trainer.iteration,
            "seconds": rounded(Float(seconds), 2), "skipped_images": skippedCount,
            "images_per_s": rounded(Float(Double((trainer.iteration - startIteration) * config.batchSize) / max(seconds, 1e-9)), 1),
        ]
        if !heldOut.isEmpty || featuresOut != nil {
            let all = trainSet.map { ($0, "train") } + heldOut.map { ($0, "held_out") }
            let vectors = try trainer.embed(all.map(\.0))
            var correct = 0, total = 0
            for v in vectors where all[v.index].1 == "held_out" {
                total += 1
                if v.predicted == all[v.index].0.label { correct += 1 }
            }
            if total > 0 { summary["held_out_accuracy"] = rounded(Float(correct) / Float(total)) }
            if let featuresOut {
                var text = ""
                for v in vectors {
                    let s = all[v.index]
                    let line: [String: Any] = ["path": s.0.path, "identity": dataset.classes[s.0.label], "label": s.0.label,
                                               "split": s.1, "predicted": v.predicted, "vector": v.vector.map { Double($0) }]
                    let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
                    text += String(decoding: d, as: UTF8.self) + "\n"
                }
                try OutputFile.write(Data(text.utf8), to: featuresOut)
                summary["features"] = featuresOut
            }
        }
        if output.json { printJSON(summary) } else {
            print("wrote \(out): \(trainer.net.name), \(dataset.classes.count) classes, \(trainer.iteration) iterations in \(String(format: "%.1f", seconds)) s"
                  + ((summary["held_out_accuracy"] as? Double).map { String(format: "; held-out accuracy %.2f%% of %d", 100 * $0, heldOut.count) } ?? ""))
        }
    }
}

/// The training progress line on a terminal's standard error (epoch, iteration, images/s, loss,
/// accuracy, λ, ETA), redrawn at most ten times a second.
final class TrainingProgressLine {
    private let enabled: Bool
    private var last = Date.distantPast
    private var shown = false

    init(quiet: Bool) { enabled = !quiet && isatty(STDERR_FILENO) == 1 }

    func draw(_ p: TrainingProgress) {
        guard enabled, Date().timeIntervalSince(last) >= 0.1 else { return }
        last = Date()
        let line = String(format: "\repoch %d/%d  it %d/%d  %.1f img/s  loss %.4f  acc %.1f%%  λ %@  ETA %@   ",
                          p.epoch, p.epochs, p.iteration, p.totalIterations, p.imagesPerSecond, p.loss, 100 * p.accuracy,
                          p.lambda.map { String(format: "%.1f", $0) } ?? "-", formatDuration(p.etaSeconds))
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
