import Foundation
import Testing
import NeuralNet
@testable import FaceEmbedding

@Suite(.enabled(if: Shared.sphere20a != nil, Comment(rawValue: Shared.skipMessage)))
struct AngleSoftmaxReferenceTests {
    let dir = Shared.sphere20a ?? ""

    /// k may differ only within 1e-4 (in units of 4θ/3.14159265) of a boundary.
    func checkK(_ got: [Int], _ ref: Tensor, cos: Tensor, xnorm: [Float], margin: Int = 4) {
        let c = ref.shape[1]
        for (idx, k) in got.enumerated() where Float(k) != ref.pointer[idx] {
            let cc = Double(cos.pointer[idx]) / Double(xnorm[idx / c])
            let u = Double(margin) * acos(min(1, max(-1, cc))) / 3.14159265
            #expect(abs(u - u.rounded()) < 1e-4, "k mismatch away from a boundary at \(idx): \(k) vs \(ref.pointer[idx])")
        }
    }

    @Test func unitCase() throws {
        let f = try SafeTensorsFile(contentsOf: dir + "/angle_unit.safetensors")
        let layer = try AngleLinear(inputFeatures: 4, outputFeatures: 6)
        try layer.weight.load(f.tensor("weight", shape: [4, 6]))
        layer.training = true
        let x = try f.tensor("x", shape: [8, 4])
        let out = try layer(x)
        let labels = try f.integers("labels")
        let loss = AngleLoss(iteration: 2999)
        let (l, lam, gc, gp) = try loss(out, labels: labels)
        #expect(abs(lam - 5) < 1e-12)
        let dx = try layer.backward(gradCos: gc, gradPhi: gp)
        let eCos = relativeMaxError(out.cosThetaXNorm, try f.tensor("cos_theta_x_norm"))
        let ePhi = relativeMaxError(out.phiThetaXNorm, try f.tensor("phi_theta_x_norm"))
        let eX = relativeMaxError(dx, try f.tensor("grad_x"))
        let eW = relativeMaxError(layer.weight.grad, try f.tensor("grad_weight"))
        let eX64 = relativeMaxError(dx, try f.tensor("grad_x_f64"))
        let eW64 = relativeMaxError(layer.weight.grad, try f.tensor("grad_weight_f64"))
        #expect(out.k.map(Float.init) == (try f.tensor("k")).scalars)
        #expect(abs(Double(l) - (try f.doubles("loss_f64"))[0]) <= 1e-5)
        for (name, e) in [("cos", eCos), ("phi", ePhi), ("grad_x", eX), ("grad_weight", eW), ("grad_x_f64", eX64), ("grad_weight_f64", eW64)] {
            #expect(e <= referenceTolerance, "angle_unit \(name): relative max error \(e)")
        }
        print("angle_unit: loss \(l) (ref \(try f.tensor("loss").scalars[0])), cos \(eCos), phi \(ePhi), grad_x \(eX), grad_weight \(eW)")
    }

    @Test func sphere20aHead() throws {
        let w = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        let grads = try SafeTensorsFile(contentsOf: dir + "/grads.safetensors")
        let gradsIt1 = try SafeTensorsFile(contentsOf: dir + "/grads_it1.safetensors")
        let labels = try io.integers("labels")
        let emb = try io.tensor("fc5_embedding", shape: [4, 128])
        let xnorm = (0..<4).map { i in (0..<128).reduce(Float(0)) { $0 + emb[i, $1] * emb[i, $1] }.squareRoot() }
        for (start, lossKey, gradFile) in [(2999, "loss", grads), (0, "loss_it1", gradsIt1)] {
            let fc6 = try AngleLinear(inputFeatures: 128, outputFeatures: 16)
            try fc6.weight.load(w.tensor("fc6.weight", shape: [128, 16]))
            fc6.training = true
            let out = try fc6(emb)
            let (l, _, gc, gp) = try AngleLoss(iteration: start)(out, labels: labels)
            let dx = try fc6.backward(gradCos: gc, gradPhi: gp)
            let refLoss = try io.tensor(lossKey).scalars[0]
            #expect(abs(l - refLoss) <= 1e-5, "\(lossKey): \(l) vs \(refLoss)")
            let eW = relativeMaxError(fc6.weight.grad, try gradFile.tensor("fc6.weight"))
            #expect(eW <= referenceTolerance, "fc6.weight grad (\(lossKey)): \(eW)")
            if start == 2999 {
                let eCos = relativeMaxError(out.cosThetaXNorm, try io.tensor("cos_theta_x_norm"))
                let ePhi = relativeMaxError(out.phiThetaXNorm, try io.tensor("phi_theta_x_norm"))
                let eX = relativeMaxError(dx, try io.tensor("grad_wrt_fc5_out"))
                #expect(eCos <= referenceTolerance && ePhi <= referenceTolerance && eX <= referenceTolerance,
                        "cos \(eCos) phi \(ePhi) grad_wrt_fc5_out \(eX)")
                checkK(out.k, try io.tensor("k"), cos: out.cosThetaXNorm, xnorm: xnorm)
                print("sphere20a head: loss \(l) (ref \(refLoss)), cos \(eCos), phi \(ePhi), grad_wrt_fc5_out \(eX), fc6.weight grad \(eW)")
            } else {
                print("sphere20a head it=1: loss \(l) (ref \(refLoss)), fc6.weight grad \(eW)")
            }
        }
    }

    /// Full training step: forward, A-Softmax loss, backward through fc6 and the trunk, one SGD step,
    /// then the loss of the updated network.
    @Test func endToEndSGDStep() throws {
        let wf = try SafeTensorsFile(contentsOf: dir + "/weights.safetensors")
        let io = try SafeTensorsFile(contentsOf: dir + "/io.safetensors")
        let grads = try SafeTensorsFile(contentsOf: dir + "/grads.safetensors")
        let after = try SafeTensorsFile(contentsOf: dir + "/after_sgd_step.safetensors")
        let net = try SphereNet(depth: .sphere20a, weights: wf)
        let fc6 = try AngleLinear(inputFeatures: 128, outputFeatures: 16)
        try fc6.weight.load(wf.tensor("fc6.weight"))
        let labels = try io.integers("labels")
        let input = try io.tensor("input")
        net.training = true; fc6.training = true
        let params = net.parameters() + [fc6.weight]
        let opt = SGD(parameters: params, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        opt.zeroGrad()
        let (loss, _, gc, gp) = try AngleLoss(iteration: 2999)(fc6(net(input)), labels: labels)
        _ = try net.backward(fc6.backward(gradCos: gc, gradPhi: gp))
        #expect(abs(loss - (try io.tensor("loss").scalars[0])) <= 1e-5)
        var worst: Float = 0
        for (name, p) in net.namedParameters() + [("fc6.weight", fc6.weight)] {
            worst = max(worst, relativeMaxError(p.grad, try grads.tensor(name)))
        }
        #expect(worst <= referenceTolerance, "worst full-chain parameter gradient error \(worst)")
        opt.step()
        for (name, p) in net.namedParameters() + [("fc6.weight", fc6.weight)] where after.entries[name] != nil {
            let e = relativeMaxError(p.value, try after.tensor(name))
            #expect(e <= referenceTolerance, "\(name) after the SGD step: \(e)")
        }
        let (loss2, _, _, _) = try AngleLoss(iteration: 3000)(fc6(net(input)), labels: labels)
        let ref2 = try after.tensor("loss_after_step").scalars[0]
        #expect(abs(loss2 - ref2) <= 1e-5, "loss after step \(loss2) vs \(ref2)")
        print("end-to-end: loss \(loss), worst parameter gradient \(worst), loss after SGD step \(loss2) (ref \(ref2))")
    }
}

@Suite struct AngleLinearGradientTests {
    /// Finite differences in Float64 terms through the renorm, norms and Chebyshev polynomial, m = 1...4.
    @Test(arguments: [1, 2, 3, 4])
    func finiteDifferences(_ m: Int) throws {
        let layer = try AngleLinear(inputFeatures: 5, outputFeatures: 4, margin: m, seed: UInt64(m))
        // non-unit columns exercise the renorm
        for i in 0..<5 { layer.weight.value[i, 1] *= 3 }
        layer.training = true
        let x = Tensor.uniform([3, 5], bound: 2, seed: 11)
        let rc = Tensor.uniform([3, 4], bound: 1, seed: 12), rp = Tensor.uniform([3, 4], bound: 1, seed: 13)
        let out = try layer(x)
        let dx = try layer.backward(gradCos: rc, gradPhi: rp)
        func loss() throws -> Double {
            let o = try layer(x)
            var s = 0.0
            for i in 0..<12 { s += Double(o.cosThetaXNorm.pointer[i] * rc.pointer[i] + o.phiThetaXNorm.pointer[i] * rp.pointer[i]) }
            return s
        }
        _ = out
        let eps: Float = 1e-3
        var worst = 0.0
        for (t, g) in [(x, dx), (layer.weight.value, layer.weight.grad)] {
            for i in 0..<t.count {
                let o = t.pointer[i]
                t.pointer[i] = o + eps; let lp = try loss()
                t.pointer[i] = o - eps; let lm = try loss()
                t.pointer[i] = o
                worst = max(worst, abs((lp - lm) / Double(2 * eps) - Double(g.pointer[i])))
            }
        }
        #expect(worst < 2e-2, "m = \(m): worst gradient error \(worst)")
    }
}
