import Foundation
import Testing
import NeuralNet
@testable import FaceEmbedding

enum Shared {
    static let directory: String? = {
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], !env.isEmpty { return env }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    static var sphere20a: String? {
        guard let d = directory else { return nil }
        let p = d + "/testvectors/sphere20a"
        return FileManager.default.fileExists(atPath: p + "/weights.safetensors") ? p : nil
    }

    static let skipMessage = "../shared/testvectors/sphere20a not found: set SPHERE_GALLERY_SHARED to the shared folder to run the reference tests"
}

func relativeMaxError(_ a: Tensor, _ b: Tensor) -> Float {
    let (d, m) = a.maxAbsDifference(b)
    return m > 0 ? d / m : d
}

/// The README's tolerance: per tensor, max|port − ref| ≤ 1e-4 · max|ref|.
let referenceTolerance: Float = 1e-4

@Suite(.enabled(if: Shared.sphere20a != nil, Comment(rawValue: Shared.skipMessage)))
struct SphereNetReferenceTests {
    let dir = Shared.sphere20a ?? ""

    @Test func forwardMatchesPyTorch() throws {
        let weights = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        let net = try SphereNet(depth: .sphere20a, weights: weights)
        #expect(net.widths == [8, 16, 32, 64])
        #expect(net.outputDimension == 128)
        let input = try io.tensor("input", shape: [4, 3, 112, 96])
        var acts: [String: Tensor] = [:]
        let trunk = try net.trunk(input) { acts[$0] = $1.copy() }
        let emb = try net.fc5(trunk)
        var report: [String] = []
        for key in ["act_conv1_1_out", "act_relu1_1_out", "act_stage1_out", "act_stage2_out", "act_stage3_out", "act_stage4_out"] {
            let ref = try io.tensor(key)
            let got = try #require(acts[key])
            #expect(got.shape == ref.shape)
            let e = relativeMaxError(got, ref)
            report.append("\(key) \(e)")
            #expect(e <= referenceTolerance, "\(key): relative max error \(e)")
        }
        let e = relativeMaxError(emb, try io.tensor("fc5_embedding", shape: [4, 128]))
        report.append("fc5_embedding \(e)")
        #expect(e <= referenceTolerance, "fc5_embedding: relative max error \(e)")
        // the inference path (Winograd, PReLU and residual fused into the convolutions)
        let fused = try net(input)
        let eFused = relativeMaxError(fused, try io.tensor("fc5_embedding"))
        #expect(eFused <= referenceTolerance, "fc5_embedding (fused inference path): relative max error \(eFused)")
        report.append("fc5_embedding(fused) \(eFused)")
        // embed() returns unit vectors in the direction of fc5
        let unit = try net.embed(input)
        #expect(unit.count == 4 && unit[0].count == 128)
        for v in unit { #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5) }
        print("sphere20a forward errors (max|Δ|/max|ref|): " + report.joined(separator: ", "))
    }

    /// Every convolution algorithm reproduces the reference embedding.
    @Test(arguments: ["im2col", "F2x2", "F4x4"])
    func everyConvolutionPathMatches(_ mode: String) throws {
        let net = try SphereNet(depth: .sphere20a, weightsPath: dir + "/weights.safetensors")
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        for st in net.stages {
            for (a, b) in st.residual {
                for conv in [a.conv, b.conv] {
                    conv.useWinograd = mode != "im2col"
                    conv.winogradTile = mode == "F4x4" ? .f4x4 : .f2x2
                }
            }
        }
        let emb = try net(io.tensor("input"))
        let e = relativeMaxError(emb, try io.tensor("fc5_embedding"))
        #expect(e <= referenceTolerance, "fc5_embedding (\(mode) path): relative max error \(e)")
        print("sphere20a fc5_embedding via \(mode): \(e)")
    }

    @Test func trunkGradientsMatchPyTorch() throws {
        let net = try SphereNet(depth: .sphere20a, weightsPath: dir + "/weights.safetensors")
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        let grads = try SafeTensorsFile(contentsOf: dir + "/grads.safetensors")
        net.training = true
        net.zeroGrad()
        _ = try net(io.tensor("input"))
        var recorded: [String: Tensor] = [:]
        _ = try net.backward(io.tensor("grad_wrt_fc5_out", shape: [4, 128])) { recorded[$0] = $1 }
        let gc = try #require(recorded["grad_wrt_conv1_1_out"])
        let eConv = relativeMaxError(gc, try io.tensor("grad_wrt_conv1_1_out"))
        #expect(eConv <= referenceTolerance, "grad_wrt_conv1_1_out: relative max error \(eConv)")
        var worst: (String, Float) = ("", 0)
        var checked = 0
        for (name, p) in net.namedParameters() {
            let ref = try grads.tensor(name, shape: p.value.shape)
            let e = relativeMaxError(p.grad, ref)
            if e > worst.1 { worst = (name, e) }
            #expect(e <= referenceTolerance, "\(name).grad: relative max error \(e)")
            checked += 1
        }
        #expect(checked == 62)
        print("sphere20a trunk gradients: grad_wrt_conv1_1_out \(eConv); worst parameter \(worst.0) \(worst.1) over \(checked) tensors")
    }

    @Test func missingOrMisShapedWeightsAreErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fe-\(getpid())-bad.safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        var items: [(String, Tensor)] = []
        for name in w.names where name != "relu2_3.weight" { items.append((name, try w.tensor(name))) }
        try SafeTensors.write(items, to: path)
        #expect(throws: NeuralNetError.missingTensor(name: "relu2_3.weight", file: path)) {
            try SphereNet(depth: .sphere20a, weightsPath: path)
        }
        items = try w.names.map { ($0, $0 == "conv3_4.bias" ? Tensor(zeros: [31]) : try w.tensor($0)) }
        try SafeTensors.write(items, to: path)
        #expect(throws: NeuralNetError.tensorShapeMismatch(name: "conv3_4.bias", expected: [32], got: [31], file: path)) {
            try SphereNet(depth: .sphere20a, weightsPath: path)
        }
        // the file's own depth wins: a sphere20a file named as sphere36a is built as sphere20a
        #expect(try SphereNet(depth: .sphere36a, weightsPath: dir + "/weights.safetensors").name == "sphere20a")
    }

    /// `makeInput` reproduces the reference input from the 8-bit crops (recovered exactly from it).
    @Test func preprocessingMatchesReference() throws {
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        let ref = try io.tensor("input")
        let net = try SphereNet(depth: .sphere20a, widths: [8, 16, 32, 64], embeddingDimension: 128)
        let hw = 112 * 96
        var crops: [[UInt8]] = []
        for i in 0..<4 {
            var rgb = [UInt8](repeating: 0, count: hw * 3)
            for p in 0..<hw {
                for plane in 0..<3 {  // reference planes are B, G, R
                    let v = ref.pointer[(i * 3 + plane) * hw + p] * 128 + 127.5
                    rgb[p * 3 + (2 - plane)] = UInt8(v.rounded())
                }
            }
            crops.append(rgb)
        }
        let x = try net.makeInput(rgbCrops: crops)
        #expect(x.scalars == ref.scalars)
        #expect(throws: FaceEmbeddingError.self) { try net.makeInput(rgbCrops: [[1, 2, 3]]) }
    }
}

@Suite struct SphereNetArchitectureTests {
    @Test(arguments: SphereNet.Depth.allCases)
    func layerNamesAndShapes(_ depth: SphereNet.Depth) throws {
        let net = try SphereNet(depth: depth, widths: [4, 8, 8, 8], embeddingDimension: 16)
        let names = net.namedParameters().map { $0.0 }
        let convs = names.filter { $0.hasPrefix("conv") && $0.hasSuffix(".weight") }.count
        // the depth in the name counts the convolutions (20 = 3 + 5 + 9 + 3; sphere4: 4)
        #expect((depth == .sphere4 ? "sphere\(convs)" : "sphere\(convs)a") == depth.rawValue)
        #expect(names.contains("conv4_\(2 * depth.units[3] + 1).weight"))
        #expect(names.last == "fc5.bias")
        let y = try net(Tensor(zeros: [2, 3, 112, 96]))
        #expect(y.shape == [2, 16])
    }

    @Test func template() throws {
        let net = try SphereNet(depth: .sphere20a, widths: [4, 4, 4, 4], embeddingDimension: 8)
        #expect(net.alignmentTemplate.count == 5)
        #expect(net.channelOrder == .bgr)
        #expect(net.inputWidth == 96 && net.inputHeight == 112)
    }
}
