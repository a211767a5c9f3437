import Foundation
import Testing
import Imaging
import NeuralNet
@testable import FaceDetection

@Suite("MTCNN networks against facenet-pytorch raw I/O")
struct NetworkTests {
    @Test("P-Net on lfw00 pyramid level 2: input, every layer, prob and reg",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func pnetLevel2() throws {
        let d = TestModels.detector!
        let ref = try SafeTensorsFile(contentsOf: Shared.mtcnnDir + "/pnet_lfw00_scale2.safetensors")
        let image = try Shared.image("lfw00")
        let scales = d.pyramidScales(width: image.width, height: image.height)
        #expect(scales.count == 8)
        #expect(abs(scales[2] - 0.30160859999999995) < 1e-15)
        let hs = Int(Double(image.height) * scales[2] + 1), ws = Int(Double(image.width) * scales[2] + 1)
        #expect(hs == 76 && ws == 76)
        let input = Tensor(uninitialized: [1, 3, hs, ws])
        IntegralImage(image).resampleNormalized(x: 0, y: 0, width: image.width, height: image.height,
                                                outWidth: ws, outHeight: hs, into: input.pointer)
        let refInput = try ref.tensor("input", shape: [1, 3, 76, 76])
        let inputDiff = maxAbsDiff(input, refInput)
        #expect(inputDiff == 0, "pyramid level must be bit-identical ('area' resize), max diff \(inputDiff)")

        // Layer by layer, fed with the reference input.
        let p = d.pnet
        var x = try p.conv1(refInput)
        var diffs: [(String, Float)] = []
        diffs.append(("conv1", maxAbsDiff(x, try ref.tensor("conv1", shape: [1, 10, 74, 74]))))
        x = try p.prelu1(x); diffs.append(("prelu1", maxAbsDiff(x, try ref.tensor("prelu1"))))
        x = try p.pool1(x); diffs.append(("pool1", maxAbsDiff(x, try ref.tensor("pool1", shape: [1, 10, 37, 37]))))
        x = try p.prelu2(p.conv2(x)); diffs.append(("prelu2", maxAbsDiff(x, try ref.tensor("prelu2", shape: [1, 16, 35, 35]))))
        x = try p.prelu3(p.conv3(x)); diffs.append(("prelu3", maxAbsDiff(x, try ref.tensor("prelu3", shape: [1, 32, 33, 33]))))
        let out = try p(refInput)
        diffs.append(("reg", maxAbsDiff(out.regression, try ref.tensor("reg", shape: [1, 4, 33, 33]))))
        diffs.append(("prob", maxAbsDiff(out.probability, try ref.tensor("prob", shape: [1, 2, 33, 33]))))
        print("P-Net level 2 max abs diff:", diffs.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        for (name, v) in diffs { #expect(v < 1e-4, "\(name) max abs diff \(v)") }
    }

    @Test("R-Net and O-Net on the exact batches detect(lfw00) built",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func rnetOnet() throws {
        let d = TestModels.detector!
        let ref = try SafeTensorsFile(contentsOf: Shared.mtcnnDir + "/rnet_onet_lfw00.safetensors")
        let r = try d.rnet(try ref.tensor("rnet_input", shape: [52, 3, 24, 24]))
        let rReg = maxAbsDiff(r.regression, try ref.tensor("rnet_out0", shape: [52, 4]))
        let rProb = maxAbsDiff(r.probability, try ref.tensor("rnet_out1", shape: [52, 2]))
        let o = try d.onet(try ref.tensor("onet_input", shape: [7, 3, 48, 48]))
        let oReg = maxAbsDiff(o.regression, try ref.tensor("onet_out0", shape: [7, 4]))
        let oMarks = maxAbsDiff(o.landmarks, try ref.tensor("onet_out1", shape: [7, 10]))
        let oProb = maxAbsDiff(o.probability, try ref.tensor("onet_out2", shape: [7, 2]))
        print("R-Net max abs diff: reg \(rReg), prob \(rProb); O-Net: reg \(oReg), landmarks \(oMarks), prob \(oProb)")
        #expect(rReg < 1e-5 && rProb < 1e-5 && oReg < 1e-5 && oMarks < 1e-5 && oProb < 1e-5)
    }

    @Test("Fused inference kernels equal NeuralNet's layers run one by one",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func fusedEqualsReference() throws {
        let d = TestModels.detector!
        for shape in [[1, 3, 151, 151], [2, 3, 12, 12], [1, 3, 13, 27]] {
            let x = Tensor.uniform(shape, bound: 1, seed: 7)
            let diff = maxAbsDiff(try d.pnet.logitsAndRegression(x), try d.pnet.referenceForward(x))
            #expect(diff < 1e-4, "P-Net \(shape): \(diff)")
        }
        for n in [1, 5, 60] {
            let x = Tensor.uniform([n, 3, 24, 24], bound: 1, seed: 8)
            let r = try d.rnet(x), raw = try d.rnet.referenceForward(x)
            let ref = Tensor(uninitialized: [n, 4])
            for i in 0..<n { (ref.pointer + 4 * i).update(from: raw.pointer + 6 * i + 2, count: 4) }
            #expect(maxAbsDiff(r.regression, ref) < 1e-5, "R-Net batch \(n)")
            let y = Tensor.uniform([n, 3, 48, 48], bound: 1, seed: 9)
            let o = try d.onet(y), rawO = try d.onet.referenceForward(y)
            let refO = Tensor(uninitialized: [n, 10])
            for i in 0..<n { (refO.pointer + 10 * i).update(from: rawO.pointer + 16 * i + 6, count: 10) }
            #expect(maxAbsDiff(o.landmarks, refO) < 1e-5, "O-Net batch \(n)")
        }
    }

    @Test("The cascade builds the reference's R-Net and O-Net batches for lfw00 (pad, crop, 'area' resize)",
          .enabled(if: TestModels.available, TestModels.skipMessage))
    func stageBatches() throws {
        let d = TestModels.detector!
        let ref = try SafeTensorsFile(contentsOf: Shared.mtcnnDir + "/rnet_onet_lfw00.safetensors")
        var batches: [Int: Tensor] = [:]
        _ = try d.detect(try Shared.image("lfw00")) { stage, batch in batches[stage] = batch.copy() }
        let rIn = try ref.tensor("rnet_input"), oIn = try ref.tensor("onet_input")
        #expect(batches[2]?.shape == rIn.shape)
        #expect(batches[3]?.shape == oIn.shape)
        if let b = batches[2], b.shape == rIn.shape, let c = batches[3], c.shape == oIn.shape {
            let dr = maxAbsDiff(b, rIn), dO = maxAbsDiff(c, oIn)
            print("stage inputs max abs diff: R-Net \(dr), O-Net \(dO)")
            #expect(dr < 1e-6 && dO < 1e-6)
        }
    }
}

@Suite("MTCNN weights")
struct WeightTests {
    @Test("The converted cache files hold the test-vector weights")
    func cacheEqualsTestVectors() throws {
        let cache = MTCNN.defaultModelDirectory
        let names = zip(MTCNN.cacheFileNames, MTCNN.plainFileNames).map { ($0, $1) }
        let haveCache = names.allSatisfy { FileManager.default.fileExists(atPath: cache + "/" + $0.0) }
        guard haveCache, Shared.available else {
            print("skipping cache check: \(haveCache ? "" : "no cache in \(cache) (run `make models`) ")\(Shared.available ? "" : "no ../shared")")
            return
        }
        for (cacheName, plainName) in names {
            let a = try SafeTensorsFile(contentsOf: cache + "/" + cacheName)
            let b = try SafeTensorsFile(contentsOf: Shared.mtcnnDir + "/" + plainName)
            #expect(a.names == b.names, "\(cacheName): tensor names differ")
            for n in b.names where a.entries[n] != nil {
                let x = try a.tensor(n), y = try b.tensor(n)
                #expect(x.shape == y.shape && x.scalars == y.scalars, "\(cacheName) \(n) differs from the test vectors")
            }
        }
        // And the default loader works on the cache.
        _ = try MTCNN.loadDefault()
    }

    @Test("A missing model directory gives an error that says to run make models")
    func missingModels() throws {
        let dir = NSTemporaryDirectory() + "no-models-" + UUID().uuidString
        do {
            _ = try MTCNN(modelDirectory: dir)
            Issue.record("expected modelsMissing")
        } catch let e as DetectionError {
            guard case .modelsMissing(let d, let missing) = e else { Issue.record("wrong error \(e)"); return }
            #expect(d == dir && missing.count == 3)
            #expect(e.description.contains("make models") && e.description.contains("fetch_models.sh"))
        }
    }

    @Test("A weight file of the wrong network is rejected with badWeights",
          .enabled(if: Shared.available, Shared.skipMessage))
    func wrongWeights() throws {
        #expect(throws: DetectionError.self) { _ = try RNet(weights: Shared.mtcnnDir + "/pnet.safetensors") }
        #expect(throws: DetectionError.self) { _ = try MTCNN(modelDirectory: Shared.mtcnnDir, configuration: .init(thresholds: [0.5])) }
    }
}

@Suite("MTCNN's inference kernels on odd shapes")
struct InferenceKernelShapeTests {
    /// The vector pooling kernel (eight windows at a time, clipped windows at the edges) equals
    /// NeuralNet's `MaxPool2d` with `ceil_mode` at every width around the vector blocks.
    @Test(arguments: [(2, 2), (3, 2), (3, 1), (2, 1)])
    func maxPoolEqualsNeuralNet(kernel: Int, stride: Int) throws {
        let reference = try MaxPool2d(kernelSize: kernel, stride: stride, ceilMode: true)
        for width in kernel...41 {
            for height in [kernel, kernel + 1, 9] {
                let x = Tensor.uniform([2, 3, height, width], bound: 1, seed: UInt64(width * 100 + height))
                let fast = maxPoolCeil(x, kernel: kernel, stride: stride), slow = try reference(x)
                #expect(fast.shape == slow.shape)
                #expect(fast.shape == slow.shape && (0..<fast.count).allSatisfy { fast.pointer[$0] == slow.pointer[$0] },
                        "k \(kernel) s \(stride) on \(height)×\(width)")
            }
        }
    }

    /// The direct convolution (two rows × eight columns × four channels a step, overlapping
    /// blocks at the right edge, one-row blocks at the bottom, channel groups cut short, work
    /// spread over the cores by image, group or band of rows) equals
    /// `Conv2d` + `PReLU` on the shapes MTCNN gives it and on the edges around them.
    @Test(arguments: [(3, 10, 3), (10, 16, 3), (28, 48, 3), (5, 6, 2)])
    func directConvolutionEqualsNeuralNet(cin: Int, cout: Int, kernel: Int) throws {
        let conv = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: kernel, seed: UInt64(cin * cout))
        let prelu = try PReLU(numParameters: cout)
        for c in 0..<cout { prelu.weight.value.pointer[c] = 0.05 * Float(c + 1) }
        let direct = DirectConvPReLU(conv, prelu)
        // Small maps in pairs, and one large map alone (cut into bands of rows across the cores).
        let shapes = [kernel + 7, kernel + 8, kernel + 13, 23].flatMap { w in [kernel, kernel + 1, kernel + 2, 9].map { (2, $0, w) } }
        for (images, height, width) in shapes + [(1, 57, 61)] {
            let x = Tensor.uniform([images, cin, height, width], bound: 1, seed: UInt64(width * 100 + height))
            let fast = direct(x), slow = try prelu(conv(x))
            #expect(fast.shape == slow.shape)
            let worst = (0..<min(fast.count, slow.count)).map { abs(fast.pointer[$0] - slow.pointer[$0]) }.max() ?? 0
            #expect(worst < 1e-6 + 1e-7 * Float(cin * kernel * kernel), "cin \(cin) cout \(cout) k \(kernel) on \(height)×\(width): \(worst)")
        }
    }
}
