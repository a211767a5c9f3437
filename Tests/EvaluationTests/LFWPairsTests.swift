import Foundation
import Testing
@testable import Evaluation

@Suite struct LFWPairsTests {
    @Test(.enabled(if: SharedData.lfw("pairs.txt") != nil, "../shared/data/lfw/pairs.txt not found (set SPHERE_GALLERY_SHARED)"))
    func officialView2() throws {
        let path = SharedData.lfw("pairs.txt")!
        let p = try LFWPairs.load(path: path)
        #expect(p.format == .view2(folds: 10, perFold: 300))
        #expect(p.pairs.count == 6000 && p.foldCount == 10)
        #expect(p.labels.filter { $0 }.count == 3000)
        for (k, fold) in p.foldIndices.enumerated() {
            #expect(fold.count == 600)
            // Each fold: 300 matched lines, then 300 mismatched, contiguous in the file.
            #expect(fold == Array(k * 600..<(k + 1) * 600))
            #expect(fold.prefix(300).allSatisfy { p.pairs[$0].isMatched })
            #expect(fold.suffix(300).allSatisfy { !p.pairs[$0].isMatched })
        }
        // First lines of the file: "Abel_Pacheco 1 4", then (line 302) "Abdel_Madi_Shabneh 1 Dean_Barker 1".
        #expect(p.pairs[0].first.relativePath == "Abel_Pacheco/Abel_Pacheco_0001.jpg")
        #expect(p.pairs[0].second.relativePath == "Abel_Pacheco/Abel_Pacheco_0004.jpg")
        #expect(p.pairs[300] == LFWPair(first: LFWImage(name: "Abdel_Madi_Shabneh", number: 1),
                                        second: LFWImage(name: "Dean_Barker", number: 1), isMatched: false, fold: 0))
        // Every image named exists in the image folder.
        let images = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("images").path
        if FileManager.default.fileExists(atPath: images) {
            let missing = p.images.filter { !FileManager.default.fileExists(atPath: images + "/" + $0.relativePath) }
            #expect(missing.isEmpty, "missing: \(missing.prefix(3))")
        }
    }

    @Test(.enabled(if: SharedData.lfw("pairsDevTest.txt") != nil, "../shared/data/lfw/pairsDevTest.txt not found (set SPHERE_GALLERY_SHARED)"))
    func officialView1() throws {
        let p = try LFWPairs.load(path: SharedData.lfw("pairsDevTest.txt")!)
        #expect(p.format == .view1(count: 500))
        #expect(p.pairs.count == 1000 && p.foldCount == 10)
        #expect(p.pairs.prefix(500).allSatisfy(\.isMatched) && p.pairs.suffix(500).allSatisfy { !$0.isMatched })
        for fold in p.foldIndices {
            #expect(fold.count == 100)
            #expect(fold.filter { p.pairs[$0].isMatched }.count == 50)
        }
        // Matched pair i is in fold i·10/500 = i/50.
        #expect(p.pairs[49].fold == 0 && p.pairs[50].fold == 1 && p.pairs[500].fold == 0 && p.pairs[999].fold == 9)
    }

    @Test(.enabled(if: SharedData.lfw("pairsDevTrain.txt") != nil, "../shared/data/lfw/pairsDevTrain.txt not found"))
    func officialView1Train() throws {
        let p = try LFWPairs.load(path: SharedData.lfw("pairsDevTrain.txt")!)
        #expect(p.format == .view1(count: 1100) && p.pairs.count == 2200)
        #expect(p.foldIndices.allSatisfy { $0.count == 220 })
    }

    @Test func parsesCRLFAndBlankLinesAndPadsNumbers() throws {
        let text = "2 1\r\nA 1 2\r\nB 3 C 12\r\n\r\nD 1 2\nE 4 F 123\n\n"
        let p = try LFWPairs.parse(text)
        #expect(p.pairs.count == 4 && p.folds == [0, 0, 1, 1] && p.labels == [true, false, true, false])
        #expect(p.pairs[1].second.relativePath == "C/C_0012.jpg")
        #expect(p.pairs[3].second.relativePath == "F/F_0123.jpg")
        #expect(LFWImage(name: "G", number: 12345).relativePath == "G/G_12345.jpg")
    }

    @Test func errorsNameTheLine() {
        #expect(message { _ = try LFWPairs.parse("") }!.contains("empty"))
        #expect(message { _ = try LFWPairs.parse("ten 300\n") }!.contains(":1:"))
        // A line that is no pair names its line.
        let wrong = message { _ = try LFWPairs.parse("1 2\nA 1 2\nB 1 C 2 3\nD 1 E 2\nF 1 G 2\n", source: "x.txt") }!
        #expect(wrong.contains("x.txt:3:") && wrong.contains("got 5 fields"))
        #expect(message { _ = try LFWPairs.parse("1 1\n") }!.contains("no pairs"))
        // Image number 0 / non-numeric.
        #expect(message { _ = try LFWPairs.parse("1 1\nA 0 2\nB 1 C 2\n") }!.contains("not an image number"))
        // View 1 with fewer pairs than folds.
        #expect(message { _ = try LFWPairs.parse("3\nA 1 2\nA 1 3\nA 2 3\nA 1 B 1\nA 1 C 1\nA 1 D 1\n") } != nil)
        #expect(message { _ = try LFWPairs.load(path: "/nonexistent/pairs.txt") }!.contains("cannot read"))
    }

    /// Counts that do not follow the header are read: each line's kind from its fields, folds by position.
    @Test func readsUnbalancedFiles() throws {
        let view2 = try LFWPairs.parse("2 2\nA 1 2\nB 1 C 1\nD 1 2\nE 1 F 1\nG 1 H 1\n")
        #expect(view2.pairs.count == 5 && view2.labels == [true, false, true, false, false])
        #expect(view2.folds == [0, 0, 0, 1, 1])
        var text = "3\n"
        for i in 1...12 { text += "A \(i) \(i + 1)\n" }
        for i in 1...10 { text += "A \(i) B \(i)\n" }
        let view1 = try LFWPairs.parse(text)
        #expect(view1.labels.filter { $0 }.count == 12 && view1.labels.filter { !$0 }.count == 10)
        #expect(Set(view1.folds) == Set(0..<10))
        let kept = view1.keeping { $0.first.number != 1 }
        #expect(kept.pairs.count == 20 && kept.foldCount == 10)
    }

    @Test func scoresUseCosineAndReportMissingImages() throws {
        let p = try LFWPairs.parse("1 1\nA 1 2\nA 1 B 1\n", view1Folds: 2)
        let e: [String: [Float]] = ["A/A_0001.jpg": [1, 0], "A/A_0002.jpg": [3, 4], "B/B_0001.jpg": [0, -2]]
        let s = try p.scores { e[$0.relativePath] }
        #expect(abs(s[0] - 0.6) < 1e-6 && abs(s[1] - 0) < 1e-6)
        #expect(throws: EvaluationError.missingEmbedding("B/B_0001.jpg")) {
            _ = try p.scores { $0.name == "B" ? nil : [1, 0] }
        }
    }

    @Test func verificationReportOnASyntheticView2File() throws {
        // 10 folds of one matched + one mismatched pair; genuine 0.9, impostor 0.1.
        var text = "10 1\n"
        for k in 1...10 { text += "P\(k) 1 2\nP\(k) 1 Q\(k) 1\n" }
        let pairs = try LFWPairs.parse(text)
        let scores = pairs.labels.map { $0 ? Float(0.9) : 0.1 }
        let v = try LFWVerification(pairs: pairs, scores: scores, farTargets: [0.1, 0.01])
        let r = v.report
        #expect(r.accuracy.mean == 1 && r.accuracy.std == 0 && r.accuracy.folds.count == 10)
        #expect(r.eer == 0)
        #expect(r.tarAtFAR["0.1"] == .some(1.0))       // 10 impostors: FAR 0.1 is measurable
        #expect(r.tarAtFAR["0.01"] == .some(nil))      // … FAR 0.01 is not
        #expect(r.pairs == 20 && r.genuinePairs == 10 && r.impostorPairs == 10)
    }
}
