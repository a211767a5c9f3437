import ArgumentParser
import Evaluation
import Experiments
import FaceRecognition
import Foundation
import Gallery

struct EvalHeadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heads",
        abstract: "SphereFace's open-set question on a frozen network: softmax and A-Softmax (m = 1…4) heads on its LFW vectors, identity-disjoint.",
        discussion: """
            Embeds every LFW image once (the face nearest the centre; a centre box where none is
            found; cached in --cache), then for each head: View 1 (train on peopleDevTrain.txt, test
            pairsDevTest.txt; the head's d and epochs are chosen here), View 2 (fold k trained on the
            people of the other nine sets of people.txt, tested on fold k of pairs.txt), and the
            MegaFace-style run with the non-probe people halved by a seeded draw (one half trains
            the head, the other gives the distractors). `raw` is the network's own vectors on the
            same protocols. Also the angle statistics of the test people (largest intra-class angle
            to the identity's centre, smallest angle between centres, their ratio).
            --out DIR: report.json, heads.csv, view1_trials.csv, angles.csv, view2_roc_<head>.csv.
            --quick: d = 128, 5 epochs, lr 0.1, View 2 folds 1-2 only (a few minutes).
            """)

    @Option(help: "LFW image folder (NAME/NAME_XXXX.jpg); the protocol files are read beside it.") var lfw: String
    @OptionGroup var faces: FaceOptions
    @Option(help: "Report folder.") var out: String?
    @Option(help: "Feature cache folder (default: OUT/features).") var cache: String?
    @Flag(help: "The same protocols on less: d 128, 5 epochs, lr 0.1, two View 2 folds.") var quick = false
    @Option(help: "Heads to train, comma-separated: softmax, m1, m2, m3, m4 (empty: only the raw vectors).") var heads: String?
    @Option(help: "View 1 choices of the output size d, comma-separated.") var features: String?
    @Option(help: "View 1 choices of the number of epochs, comma-separated.") var epochs: String?
    @Option(name: .customLong("lr"), help: "View 1 choices of the learning rate, comma-separated.") var learningRates: String?
    @Option(help: "Hidden width: two-layer heads (Linear, PReLU, Linear).") var hidden: Int?
    @Option(help: "Protocols after View 1, comma-separated: view2, megaface (empty: View 1 only).") var protocols = "view2,megaface"
    @Option(help: "Seed of the heads' initialisation and shuffling, and of the MegaFace halves.") var seed: UInt64 = 0
    @OptionGroup var output: OutputOptions

    func run() throws {
        var settings = quick ? HeadExperimentSettings.quick : HeadExperimentSettings()
        if let heads { settings.heads = heads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let features { settings.featureChoices = try integers(features, option: "--features") }
        if let epochs { settings.epochChoices = try integers(epochs, option: "--epochs") }
        if let learningRates {
            let values = learningRates.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw ValidationError("--lr: positive numbers, comma-separated") }
            settings.learningRateChoices = values.map { $0! }
        }
        settings.hidden = hidden
        settings.seed = seed
        let chosen = Set(protocols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard chosen.isSubset(of: ["view2", "megaface", ""]) else { throw ValidationError("--protocols: use view2, megaface or both") }
        settings.runView2 = chosen.contains("view2")
        settings.runMegaFace = chosen.contains("megaface")
        for h in settings.heads { _ = try settings.configuration(head: h, features: 8, epochs: 1, learningRate: 0.1) }

        let folder = (lfw as NSString).deletingLastPathComponent
        let files = try LFWProtocolFiles.load(folder: folder)
        // With no head to train and only View 1 to run, only its test people need vectors.
        let onlyView1 = settings.heads.isEmpty && !settings.runView2 && !settings.runMegaFace
        let data = try embedLFW(people: onlyView1 ? Set(files.devTestPairs.images.map(\.name)) : nil)
        let experiment = HeadExperiment(data: data, files: files, settings: settings, model: faces.modelName)
        if !output.json && isatty(STDERR_FILENO) == 1 {
            experiment.progress = { FileHandle.standardError.write(Data(("\r\u{1B}[K" + $0).utf8)) }
        }
        var report = try experiment.run()
        report.quick = quick
        if !output.json && isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let out { try write(report, rocs: experiment.view2ROC, to: out) }
        if output.json {
            let encoder = ReportFormat.jsonEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]      // one line
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        } else {
            printSummary(report)
        }
    }

    private func integers(_ text: String, option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw ValidationError("\(option): positive integers, comma-separated") }
        return values.map { $0! }
    }

    /// Every image of the LFW folder (of `people` only, when given), embedded or read from the cache.
    private func embedLFW(people only: Set<String>?) throws -> LFWFeatureSet {
        var entries: [FeatureInputs.Entry] = [], images: [LFWImage] = []
        let people = (try? FileManager.default.contentsOfDirectory(atPath: lfw)) ?? []
        for person in people.sorted() where !person.hasPrefix(".") && only.map({ $0.contains(person) }) ?? true {
            let dir = (lfw as NSString).appendingPathComponent(person)
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
                // LFW's names: NAME_NNNN.jpg
                let stem = (file as NSString).deletingPathExtension
                guard stem.hasPrefix(person + "_"), let number = Int(stem.dropFirst(person.count + 1)) else { continue }
                entries.append(.init(identity: person, path: (dir as NSString).appendingPathComponent(file)))
                images.append(LFWImage(name: person, number: number))
            }
        }
        guard !entries.isEmpty else {
            throw CLIError.failed("\(lfw) holds no NAME/NAME_NNNN.jpg images; give --lfw LFW's images folder")
        }
        let cacheFolder = cache ?? out.map { ($0 as NSString).appendingPathComponent("features") }
        var featureCache = FeatureCache(folder: cacheFolder, modelName: faces.modelName, landmarks: faces.landmarks,
                                        selection: .centre, quiet: output.json)
        featureCache.centreBoxFallback = true
        let features = try featureCache.features(name: only == nil ? "lfw" : "lfw-view1-test", entries: entries,
                                                 pipeline: .init(modelName: faces.modelName, landmarks: faces.landmarks))
        let kept = Set(features.sources)
        return try LFWFeatureSet(features: features.matrix, images: zip(entries, images).filter { kept.contains($0.0.path) }.map(\.1))
    }

    private func write(_ report: HeadExperimentReport, rocs: [String: ROC], to folder: String) throws {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try OutputFile.write(try ReportFormat.jsonEncoder().encode(report), to: path("report.json"))
        } catch {
            throw EvaluationError.unwritableFile(path: folder, reason: "\(error)")
        }
        for table in HeadExperimentTables(report) { try table.csv.write(path: path(table.name)) }
        for (head, roc) in rocs { try CSVTable.roc(roc.sampled()).write(path: path("view2_roc_\(head).csv")) }
    }

    private func printSummary(_ report: HeadExperimentReport) {
        print("heads on \(report.model) vectors of \(report.images) LFW images (d = \(report.dimension)), identity-disjoint\(report.quick ? ", quick" : "")")
        let table = HeadExperimentTables.summary(report)
        printTable(table.header, table.rows)
        if let out { print("report: \(out)/report.json and CSVs") }
    }
}
