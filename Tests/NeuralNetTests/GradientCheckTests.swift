import CSIMD
import Testing
@testable import NeuralNet

/// Every layer's backward pass against central finite differences.
@Suite struct GradientCheckTests {
    static let tolerance: Float = 2e-3

    @Test func conv2dStride1Padding() throws {
        let conv = try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, seed: 3)
        conv.useWinograd = false
        let e = try gradientCheck(conv, input: randomTensor([2, 3, 7, 6], seed: 1))
        #expect(e < Self.tolerance, "Conv2d worst relative error \(e)")
    }

    @Test func conv2dWinogradForwardStillDifferentiable() throws {
        let conv = try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, seed: 4)
        let e = try gradientCheck(conv, input: randomTensor([2, 3, 5, 7], seed: 2))
        #expect(e < Self.tolerance, "Conv2d (Winograd forward) worst relative error \(e)")
    }

    @Test func conv2dStride2NoBiasRectangular() throws {
        let conv = try Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: (3, 2), stride: (2, 1), padding: (1, 0), bias: false, seed: 5)
        let e = try gradientCheck(conv, input: randomTensor([2, 2, 9, 6], seed: 3))
        #expect(e < Self.tolerance, "Conv2d stride 2 worst relative error \(e)")
    }

    @Test func prelu() throws {
        let l = try PReLU(numParameters: 3, initialValue: 0.3)
        let e = try gradientCheck(l, input: awayFromZero([2, 3, 4, 5], seed: 4))
        #expect(e < Self.tolerance, "PReLU worst relative error \(e)")
    }

    @Test func relu() throws {
        let e = try gradientCheck(ReLU(), input: awayFromZero([2, 3, 4, 5], seed: 5))
        #expect(e < Self.tolerance, "ReLU worst relative error \(e)")
    }

    @Test func linear() throws {
        let l = try Linear(inputFeatures: 12, outputFeatures: 5, seed: 6)
        let e = try gradientCheck(l, input: randomTensor([3, 3, 2, 2], seed: 6))
        #expect(e < Self.tolerance, "Linear worst relative error \(e)")
    }

    @Test func maxPoolCeilMode() throws {
        let l = try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
        let e = try gradientCheck(l, input: randomTensor([2, 2, 7, 6], seed: 7), eps: 1e-3)
        #expect(e < Self.tolerance, "MaxPool2d worst relative error \(e)")
    }

    @Test func avgPoolPaddingCeilMode() throws {
        let l = try AvgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true)
        let e = try gradientCheck(l, input: randomTensor([2, 2, 6, 7], seed: 8))
        #expect(e < Self.tolerance, "AvgPool2d worst relative error \(e)")
        let l2 = try AvgPool2d(kernelSize: 2, stride: 2, padding: 1, ceilMode: false, countIncludePad: false)
        let e2 = try gradientCheck(l2, input: randomTensor([1, 2, 5, 5], seed: 9))
        #expect(e2 < Self.tolerance, "AvgPool2d (count_include_pad=false) worst relative error \(e2)")
    }

    @Test func globalAvgPool() throws {
        let e = try gradientCheck(GlobalAvgPool2d(), input: randomTensor([2, 3, 4, 5], seed: 10))
        #expect(e < Self.tolerance, "GlobalAvgPool2d worst relative error \(e)")
    }

    @Test func batchNorm() throws {
        let l = try BatchNorm(numFeatures: 3)
        l.weight.value.pointer[1] = 1.5
        l.bias.value.pointer[2] = -0.3
        l.runningMean.value.pointer[0] = 0.2
        l.runningVar.value.pointer[1] = 2
        let e = try gradientCheck(l, input: randomTensor([2, 3, 4, 4], seed: 11), parameters: l.trainableParameters())
        #expect(e < Self.tolerance, "BatchNorm worst relative error \(e)")
    }

    @Test func residualSequentialFlatten() throws {
        let body = Sequential([
            ("conv", try Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1, seed: 12)),
            ("relu", try PReLU(numParameters: 2, initialValue: 1)),  // slope 1: smooth, no kink for finite differences
        ])
        let net = Sequential([
            ("res", Residual(body)),
            ("flat", Flatten()),
            ("fc", try Linear(inputFeatures: 2 * 5 * 4, outputFeatures: 3, seed: 13)),
        ])
        let e = try gradientCheck(net, input: randomTensor([2, 2, 5, 4], seed: 12))
        #expect(e < Self.tolerance, "Residual/Flatten/Sequential worst relative error \(e)")
        #expect(net.namedParameters().map { $0.0 } == ["res.conv.weight", "res.conv.bias", "res.relu.weight", "fc.weight", "fc.bias"])
    }

    @Test func softmaxCrossEntropyGradient() throws {
        let logits = randomTensor([3, 5], seed: 14, bound: 2)
        let labels = [4, 0, 2]
        let (_, g) = try softmaxCrossEntropy(logits: logits, labels: labels)
        let eps: Float = 1e-2
        var worst: Float = 0
        for i in 0..<logits.count {
            let o = logits.pointer[i]
            logits.pointer[i] = o + eps
            let lp = try softmaxCrossEntropy(logits: logits, labels: labels).loss
            logits.pointer[i] = o - eps
            let lm = try softmaxCrossEntropy(logits: logits, labels: labels).loss
            logits.pointer[i] = o
            worst = max(worst, abs((lp - lm) / (2 * eps) - g.pointer[i]))
        }
        #expect(worst < 1e-3, "softmax cross-entropy gradient error \(worst)")
    }
}

@Suite struct WinogradTests {
    /// Winograd F(2×2,3×3) must agree with im2col + GEMM for odd/even sizes, padding 0/1, several groups.
    @Test(arguments: [(1, 3, 8, 7, 5, 1), (2, 16, 16, 12, 11, 1), (3, 8, 4, 9, 9, 0), (5, 32, 64, 7, 6, 1), (2, 8, 12, 37, 70, 1), (1, 4, 4, 10, 35, 0)])
    func matchesIm2col(_ c: (Int, Int, Int, Int, Int, Int)) throws {
        let (n, cin, cout, h, w, pad) = c
        let conv = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: 3, stride: 1, padding: pad, seed: UInt64(cin))
        let x = randomTensor([n, cin, h, w], seed: UInt64(h * w))
        let a = try conv(x)
        let b = try conv.forwardIm2col(x)
        #expect(a.shape == b.shape)
        let e = relativeMaxError(a, b)
        #expect(e < 1e-5, "Winograd vs im2col relative error \(e)")
    }

    /// `forward(_:prelu:residual:)` equals conv → PReLU → add, on the Winograd and im2col paths.
    @Test(arguments: [(1, 1, 13, 10), (2, 1, 13, 10), (1, 0, 13, 10), (1, 1, 30, 75), (1, 1, 5, 7)])
    func fusedEpilogue(_ c: (Int, Int, Int, Int)) throws {
        let (stride, winograd, h, w) = c
        let conv = try Conv2d(inputChannels: 5, outputChannels: 6, kernelSize: 3, stride: stride, padding: 1, seed: 9)
        conv.useWinograd = winograd == 1
        let prelu = try PReLU(numParameters: 6, initialValue: 0.2)
        let x = randomTensor([3, 5, h, w], seed: 4)
        let plain = try prelu(conv(x))
        let res = randomTensor(plain.shape, seed: 5)
        let fused = try conv.forward(x, prelu: prelu, residual: res)
        let expected = add(plain, res, into: Tensor(zeros: plain.shape))
        #expect(relativeMaxError(fused, expected) < 1e-6)
        #expect(relativeMaxError(try conv.forward(x, prelu: prelu), plain) < 1e-6)
        #expect(throws: NeuralNetError.self) { try conv.forward(x, prelu: try PReLU(numParameters: 5)) }
    }

    @Test func invalidatesTransformedKernelWhenWeightsChange() throws {
        let conv = try Conv2d(inputChannels: 4, outputChannels: 4, kernelSize: 3, padding: 1, seed: 1)
        let x = randomTensor([1, 4, 6, 6], seed: 2)
        _ = try conv(x)
        let opt = SGD(parameters: conv.parameters(), learningRate: 0.5)
        conv.weight.grad.pointer.update(repeating: 1, count: conv.weight.grad.count)
        opt.step()
        #expect(relativeMaxError(try conv(x), try conv.forwardIm2col(x)) < 1e-5)
    }
}

/// The Winograd backward pass (weight gradient F(2×2)/F(4×4) and input gradient) against im2col + GEMM.
@Suite struct WinogradGradientTests {
    /// Conv2d.backward through Winograd equals the im2col path: weight, bias and input gradients.
    @Test(arguments: [(Conv2d.WinogradTile.f2x2, 2, 3, 5, 7, 6), (.f4x4, 2, 3, 5, 7, 6), (.f2x2, 3, 8, 16, 13, 10),
                      (.f4x4, 3, 8, 16, 13, 10), (.f4x4, 1, 16, 8, 28, 24), (.automatic, 2, 12, 10, 9, 37)])
    func backwardMatchesIm2col(_ c: (Conv2d.WinogradTile, Int, Int, Int, Int, Int)) throws {
        let (tile, n, cin, cout, h, w) = c
        let fast = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: 3, padding: 1, seed: 11)
        let plain = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: 3, padding: 1, seed: 11)
        fast.winogradTile = tile
        plain.useWinograd = false
        fast.training = true
        plain.training = true
        let x = randomTensor([n, cin, h, w], seed: 21)
        _ = try fast(x)
        _ = try plain(x)
        let gy = randomTensor([n, cout, h, w], seed: 22)
        let dxFast = try fast.backward(gy), dxPlain = try plain.backward(gy)
        #expect(relativeMaxError(fast.weight.grad, plain.weight.grad) < 1e-5, "weight gradient")
        #expect(relativeMaxError(fast.bias!.grad, plain.bias!.grad) < 1e-5, "bias gradient")
        #expect(relativeMaxError(dxFast, dxPlain) < 1e-5, "input gradient")
    }

    /// The weight gradient alone, for padding 0 and 1, with tiles split over several GEMM groups
    /// (group segments that end inside a tile row) and accumulated onto an existing gradient.
    @Test(arguments: [(2, 0, 11, 9), (2, 1, 11, 9), (4, 0, 14, 19), (4, 1, 14, 19), (4, 1, 5, 6), (2, 1, 3, 3)])
    func weightGradientInGroups(_ c: (Int, Int, Int, Int)) throws {
        let (tile, pad, h, w) = c
        let (n, cin, cout) = (3, 5, 7)
        let conv = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: 3, padding: pad, bias: false, seed: 3)
        conv.useWinograd = false
        conv.training = true
        let x = randomTensor([n, cin, h, w], seed: 31)
        let y = try conv(x)
        let gy = randomTensor(y.shape, seed: 32)
        conv.weight.grad.pointer.update(repeating: 0.5, count: conv.weight.grad.count)
        _ = try conv.backward(gy)
        let expected = conv.weight.grad
        let got = Tensor(shape: expected.shape, repeating: 0.5)
        let xiCount = (tile + 2) * (tile + 2)
        WinogradWeightGradient.accumulate(tile: tile, input: x, gradOutput: gy, padding: (pad, pad), into: got.pointer,
                                          groupBudget: xiCount * (cin + cout) * 5)
        #expect(relativeMaxError(got, expected) < 1e-5, "Winograd F(\(tile)) weight gradient vs im2col")
    }

    /// Every gradient of the Winograd backward pass against central finite differences.
    @Test(arguments: [Conv2d.WinogradTile.f2x2, .f4x4])
    func finiteDifferences(_ tile: Conv2d.WinogradTile) throws {
        let conv = try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, seed: 6)
        conv.winogradTile = tile
        let e = try gradientCheck(conv, input: randomTensor([2, 3, 9, 10], seed: 8))
        #expect(e < GradientCheckTests.tolerance, "Conv2d Winograd backward worst relative error \(e)")
    }
}

/// The Winograd forward and backward passes on the portable build of the C transforms (what CPUs
/// without AVX2/FMA and arm64 run). The switch is process-wide: convolutions of other suites
/// running meanwhile take the portable kernels too, which give the same results.
@Suite(.serialized) struct PortableWinogradTests {
    @Test func backwardMatchesIm2colOnPortableKernels() throws {
        csimd_force_portable(1)
        defer { csimd_force_portable(0) }
        #expect(csimd_accelerated() == 0)
        for tile in [Conv2d.WinogradTile.f2x2, .f4x4] {
            try WinogradGradientTests().backwardMatchesIm2col((tile, 2, 6, 5, 13, 10))
        }
    }
}
