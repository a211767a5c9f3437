import Foundation
import Testing
@testable import NeuralNet

@Suite struct SafeTensorsTests {
    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nn-\(getpid())-\(name)").path
    }

    @Test func roundTrip() throws {
        let a = randomTensor([2, 3, 4], seed: 1)
        let b = try Tensor(shape: [5], data: [1, 2, 3, 4, 5])
        let path = tempPath("rt.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write([("layer.weight", a), ("layer.bias", b)], metadata: ["format": "pt"], to: path)
        let f = try SafeTensorsFile(contentsOf: path)
        #expect(f.names == ["layer.bias", "layer.weight"])
        #expect(f.metadata["format"] == "pt")
        #expect(try f.tensor("layer.weight").scalars == a.scalars)
        #expect(try f.tensor("layer.bias", shape: [5]).scalars == b.scalars)
        // data section is 8-byte aligned
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect((8 + Int(n)) % 8 == 0)
    }

    @Test func clearErrors() throws {
        let path = tempPath("err.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write([("w", Tensor(zeros: [2, 2]))], to: path)
        let f = try SafeTensorsFile(contentsOf: path)
        #expect(throws: NeuralNetError.missingTensor(name: "v", file: path)) { try f.tensor("v") }
        #expect(throws: NeuralNetError.tensorShapeMismatch(name: "w", expected: [4], got: [2, 2], file: path)) {
            try f.tensor("w", shape: [4])
        }
        // truncated / corrupt files
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: NeuralNetError.self) { try SafeTensorsFile(contentsOf: path) }
        var bad = Data()
        withUnsafeBytes(of: UInt64(10).littleEndian) { bad.append(contentsOf: $0) }
        bad.append(contentsOf: Array("{\"x\":[1,2]".utf8))
        try bad.write(to: URL(fileURLWithPath: path))
        #expect(throws: NeuralNetError.self) { try SafeTensorsFile(contentsOf: path) }
        #expect(throws: NeuralNetError.self) { try SafeTensorsFile(contentsOf: path + ".absent") }
        // a module reports missing and mis-shaped parameters by key
        let lin = try Linear(inputFeatures: 3, outputFeatures: 2)
        #expect(throws: NeuralNetError.missingTensor(name: "fc.bias", file: "x")) {
            try lin.load(from: ["fc.weight": Tensor(zeros: [2, 3])], prefix: "fc.", file: "x")
        }
        #expect(throws: NeuralNetError.tensorShapeMismatch(name: "fc.weight", expected: [2, 3], got: [3, 2], file: "x")) {
            try lin.load(from: ["fc.weight": Tensor(zeros: [3, 2]), "fc.bias": Tensor(zeros: [2])], prefix: "fc.", file: "x")
        }
    }

    @Test(.enabled(if: Shared.sphere20a != nil, Comment(rawValue: Shared.skipMessage)))
    func readsReferenceFiles() throws {
        let dir = Shared.sphere20a!
        let w = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        #expect(w.entries.count == 63)
        #expect(try w.tensor("conv1_1.weight").shape == [8, 3, 3, 3])
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        #expect(try io.integers("labels") == [3, 3, 11, 11])
        // input.f32 is the same data as io:input
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/input.f32"))
        let input = try io.tensor("input", shape: [4, 3, 112, 96])
        let same = raw.withUnsafeBytes { memcmp($0.baseAddress!, input.pointer, raw.count) == 0 }
        #expect(raw.count == input.count * 4 && same)
        let unit = try SafeTensorsFile(contentsOf: dir + "/angle_unit.safetensors")
        #expect(try unit.doubles("loss_f64").count == 1)
    }

    /// One SGD step (lr 0.1, momentum 0.9, weight decay 5e-4) on the reference weights and gradients.
    @Test(.enabled(if: Shared.sphere20a != nil, Comment(rawValue: Shared.skipMessage)))
    func sgdStepMatchesPyTorch() throws {
        let dir = Shared.sphere20a!
        let w = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        let g = try SafeTensorsFile(contentsOf: dir + "/grads.safetensors")
        let after = try SafeTensorsFile(contentsOf: dir + "/after_sgd_step.safetensors")
        for name in ["conv1_1.weight", "conv1_1.bias", "relu1_1.weight", "fc5.bias", "fc6.weight"] {
            let p = Parameter(try w.tensor(name))
            try p.grad.assign(g.tensor(name))
            let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
            opt.step()
            let e = relativeMaxError(p.value, try after.tensor(name))
            #expect(e < 1e-6, "\(name) after one SGD step: relative error \(e)")
        }
    }
}
