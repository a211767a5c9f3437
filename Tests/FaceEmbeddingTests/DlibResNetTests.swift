import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceEmbedding

/// The README's tolerance for a float32 port: max |port − dlib| per descriptor component.
let dlibDescriptorTolerance: Float = 1e-4

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func l2Distance(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}

/// dlib's face ResNet against dlib's own descriptors of `testvectors/dlib`.
@Suite(.enabled(if: DlibTestData.skipReason == nil, Comment(rawValue: DlibTestData.skipReason ?? "")))
struct DlibResNetReferenceTests {
    /// Chip PNG → raw descriptor, all 24 chips in one batch, within 1e-4 of dlib per component.
    @Test func chipDescriptorsMatchDlib() throws {
        let net = try DlibTestData.model()
        let entries = try DlibTestData.entries()
        #expect(entries.count == 24)
        let chips = try entries.map { try ImageDecoder.decode(contentsOf: $0.chip) }
        let got = try net.rawDescriptors(images: chips)
        var worst: Float = 0
        var lines: [String] = []
        for (e, d) in zip(entries, got) {
            #expect(d.count == 128 && e.descriptor.count == 128)
            let err = maxAbsDifference(d, e.descriptor)
            worst = max(worst, err)
            lines.append(String(format: "%@ %.2e", e.name, err))
            #expect(err <= dlibDescriptorTolerance, "\(e.name): max abs error \(err)")
        }
        print("dlib-resnet vs dlib (chip PNG, batch 24), max abs error per descriptor:\n  "
              + lines.joined(separator: "\n  ") + String(format: "\n  overall max abs error %.3e", worst))
    }

    /// Batch size must not change the result: one at a time and in odd-sized chunks equals the full batch.
    @Test func batchingDoesNotChangeDescriptors() throws {
        let net = try DlibTestData.model()
        let entries = Array(try DlibTestData.entries().prefix(5))
        let chips = try entries.map { try ImageDecoder.decode(contentsOf: $0.chip) }
        let all = try net.rawDescriptors(images: chips)
        net.maxBatchSize = 2  // forces chunks 2 + 2 + 1
        let chunked = try net.rawDescriptors(images: chips)
        for (i, c) in chips.enumerated() {
            let single = try net.rawDescriptors(images: [c])[0]
            #expect(maxAbsDifference(single, all[i]) <= 1e-5)
            #expect(maxAbsDifference(single, entries[i].descriptor) <= dlibDescriptorTolerance)
            #expect(maxAbsDifference(chunked[i], all[i]) <= 1e-5)
        }
    }

    /// Source JPEG + dlib's 5 landmarks → chip with Imaging's dlib template → descriptor.
    @Test func alignedSourceMatchesDlib() throws {
        let net = try DlibTestData.model()
        let entries = try DlibTestData.entries()
        var chips: [Image] = []
        var differingPixels = 0
        for e in entries {
            let src = try ImageDecoder.decode(contentsOf: e.source)
            let chip = try align(src, landmarks: e.landmarks, template: DlibResNet.dlibLandmarksTemplate)
            let ref = try ImageDecoder.decode(contentsOf: e.chip)
            differingPixels += zip(chip.pixels, ref.pixels).filter { $0 != $1 }.count
            chips.append(chip)
        }
        let raw = try net.rawDescriptors(images: chips)
        let unit = try net.embed(images: chips)
        var worstAbs: Float = 0, worstL2: Float = 0
        for (i, e) in entries.enumerated() {
            let l2 = l2Distance(raw[i], e.descriptor)
            worstAbs = max(worstAbs, maxAbsDifference(raw[i], e.descriptor))
            worstL2 = max(worstL2, l2)
            #expect(l2 < 0.02, "\(e.name): L2 distance to dlib's descriptor \(l2)")
            // the unit vector points along dlib's descriptor
            let norm = e.descriptor.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(maxAbsDifference(unit[i], e.descriptor.map { $0 / norm }) <= 1e-3)
        }
        print(String(format: "dlib-resnet from source + landmarks5: %d differing chip bytes; max abs %.3e, max L2 %.3e vs dlib",
                     differingPixels, worstAbs, worstL2))
    }

    /// `embed` returns unit vectors; different people stay apart, as in dlib.
    @Test func embedReturnsUnitVectors() throws {
        let net = try DlibTestData.model()
        let entries = Array(try DlibTestData.entries().prefix(4))
        let chips = try entries.map { try ImageDecoder.decode(contentsOf: $0.chip) }
        let v = try net.embed(images: chips)
        #expect(v.count == 4)
        for x in v {
            #expect(x.count == 128)
            #expect(abs(x.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        #expect(net.outputDimension == 128 && net.inputWidth == 150 && net.inputHeight == 150)
        #expect(net.pixelMeans.count == 3 && abs(net.pixelMeans[0] - 122.782) < 1e-3)
        #expect(net.cropTemplate == .dlibChip150MTCNN)
    }

    @Test func wrongCropSizeIsAClearError() throws {
        let net = try DlibTestData.model()
        let small = try Image(width: 96, height: 112)
        #expect(throws: FaceEmbeddingError.wrongCropSize(index: 0, width: 96, height: 112, expectedWidth: 150, expectedHeight: 150)) {
            try net.embed(images: [small])
        }
        #expect(throws: NeuralNetError.self) { try net.descriptors(Tensor(zeros: [1, 3, 112, 96])) }
    }

    @Test func registryLoadsDlibByName() throws {
        let m = try EmbeddingModels.load(name: "dlib-resnet")
        #expect(m.name == "dlib-resnet" && m.outputDimension == 128)
        #expect(EmbeddingModels.defaultName == "dlib-resnet")
        let explicit = try EmbeddingModels.load(name: "dlib-resnet:" + DlibTestData.modelPath!)
        #expect(explicit is DlibResNet)
    }
}

/// Registry and cache behaviour that needs no model files.
struct EmbeddingModelsTests {
    @Test func unknownNamesAndMissingPathsAreClearErrors() {
        #expect(throws: EmbeddingModelsError.unknownModel("facenet")) { try EmbeddingModels.load(name: "facenet") }
        #expect(throws: EmbeddingModelsError.weightsPathRequired(model: "sphere20a")) { try EmbeddingModels.load(name: "sphere20a") }
        #expect(EmbeddingModelsError.unknownModel("x").description.contains("dlib-resnet"))
    }

    @Test func missingCacheFileSaysMakeModels() {
        do {
            _ = try ModelCache.require("no-such-model.safetensors", model: "dlib-resnet")
            Issue.record("expected an error")
        } catch let e as ModelCacheError {
            #expect(e.description.contains("make models"))
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func dlibRejectsOtherFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-dlib-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write([("x", Tensor(zeros: [2]))], metadata: ["format": "something-else"], to: path)
        #expect(throws: FaceEmbeddingError.self) { try EmbeddingModels.load(name: "dlib-resnet:" + path) }
    }

    @Test func sphereNetLoadsByName() throws {
        guard let shared = DlibTestData.sharedDirectory else { return }
        let weights = shared + "/testvectors/sphere20a/weights.safetensors"
        guard FileManager.default.fileExists(atPath: weights) else { return }
        let m = try EmbeddingModels.load(name: "sphere20a:" + weights)
        #expect(m is SphereNet && m.name == "sphere20a")
        #expect(m.cropTemplate == .sphereFace96x112)
        #expect(m.pixelMeans == [127.5, 127.5, 127.5])
    }
}
