import Foundation
import Testing
@testable import NeuralNet

@Suite struct TensorTests {
    @Test func viewsShareStorage() throws {
        let t = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let r = try t.reshaped([3, 2])
        r[2, 1] = 60
        #expect(t[1, 2] == 60)
        let b = try t.batch(1..<2)
        #expect(b.shape == [1, 3])
        #expect(b.scalars == [4, 5, 60])
        let c = t.copy()
        c[0, 0] = -1
        #expect(t[0, 0] == 1)
    }

    @Test func shapeErrors() throws {
        #expect(throws: NeuralNetError.self) { try Tensor(shape: [2, 2], data: [1, 2, 3]) }
        let t = Tensor(zeros: [2, 3])
        #expect(throws: NeuralNetError.self) { try t.reshaped([4, 2]) }
        #expect(throws: NeuralNetError.self) { try t.batch(1..<3) }
        let conv = try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3)
        #expect(throws: NeuralNetError.self) { try conv(Tensor(zeros: [1, 2, 8, 8])) }
        #expect(throws: NeuralNetError.self) { try conv(Tensor(zeros: [1, 3, 2, 8])) }
        let lin = try Linear(inputFeatures: 5, outputFeatures: 2)
        #expect(throws: NeuralNetError.self) { try lin(Tensor(zeros: [3, 4])) }
    }

    @Test func poolingOutputSizesMatchPyTorch() throws {
        // torch.nn.MaxPool2d(3, 2, ceil_mode=True) on 12×12 → 6×6 (floor mode: 5×5)
        #expect(poolOutputSize(12, kernel: 3, stride: 2, padding: 0, ceilMode: true) == 6)
        #expect(poolOutputSize(12, kernel: 3, stride: 2, padding: 0, ceilMode: false) == 5)
        // MTCNN P-Net: MaxPool2d(2, 2, ceil_mode=True) on 11 → 6
        #expect(poolOutputSize(11, kernel: 2, stride: 2, padding: 0, ceilMode: true) == 6)
        // the last window must start inside input + left padding: 5, k=2, s=2, p=1 → 3 (not 4)
        #expect(poolOutputSize(5, kernel: 2, stride: 2, padding: 1, ceilMode: true) == 3)
        let y = try MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)(Tensor(zeros: [1, 2, 23, 11]))
        #expect(y.shape == [1, 2, 11, 5])
    }

    @Test func maxPoolValuesCeilMode() throws {
        let x = try Tensor(shape: [1, 1, 3, 3], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let y = try MaxPool2d(kernelSize: 2, stride: 2, ceilMode: true)(x)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [5, 6, 8, 9])
        let a = try AvgPool2d(kernelSize: 2, stride: 2, ceilMode: true)(x)
        // PyTorch: divisor clipped to the input for windows hanging past the end in ceil mode
        #expect(a.scalars == [3, 4.5, 7.5, 9])
    }

    @Test func softmaxCrossEntropyValue() throws {
        let logits = try Tensor(shape: [2, 3], data: [1, 2, 3, 0, 0, 0])
        let (loss, _) = try softmaxCrossEntropy(logits: logits, labels: [2, 1])
        let l0 = -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)))
        let l1 = log(3.0)
        #expect(abs(Double(loss) - (l0 + l1) / 2) < 1e-6)
        #expect(throws: NeuralNetError.self) { try softmaxCrossEntropy(logits: logits, labels: [3, 0]) }
    }

    @Test func sgdMomentumAndSchedule() throws {
        let p = Parameter(try Tensor(shape: [2], data: [1, -2]))
        let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        p.grad.pointer[0] = 0.5; p.grad.pointer[1] = 1
        opt.step()
        // g = grad + wd·w; buf = g; w -= lr·buf
        #expect(abs(p.value[0] - (1 - 0.1 * (0.5 + 0.01))) < 1e-6)
        let w1 = p.value[0]
        let buf1: Float = 0.5 + 0.01
        opt.step()
        let buf2 = 0.9 * buf1 + (0.5 + 0.01 * w1)
        #expect(abs(p.value[0] - (w1 - 0.1 * buf2)) < 1e-6)
        // buffers (BatchNorm running statistics) are not touched by the optimizer
        let bn = try BatchNorm(numFeatures: 2)
        bn.runningVar.grad.pointer[0] = 1
        let opt2 = SGD(parameters: bn.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
        opt2.step()
        #expect(bn.runningVar.value.scalars == [1, 1])
        let s = StepLR(base: 0.1, milestones: [16_000, 24_000])
        #expect(s.learningRate(at: 0) == 0.1)
        #expect(abs(s.learningRate(at: 16_000) - 0.01) < 1e-9)
        #expect(abs(s.learningRate(at: 30_000) - 0.001) < 1e-9)
    }
}

@Suite struct GEMMTests {
    /// `Parallel.sgemm` on both paths (one call, or column blocks on the workers). The process-wide
    /// OpenBLAS thread count is not touched: tests run concurrently.
    @Test func matchesNaiveProduct() throws {
        for split in [false, true] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let m = 33, n = 1000, k = 70
                let a = randomTensor(ta ? [k, m] : [m, k], seed: 1)
                let b = randomTensor(tb ? [n, k] : [k, n], seed: 2)
                let c = randomTensor([m, n], seed: 3)
                let ref = c.copy()
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Float = 0
                        for l in 0..<k {
                            s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j])
                        }
                        ref[i, j] = 0.5 * s + 2 * ref[i, j]
                    }
                }
                Parallel.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: ta ? m : k,
                               b: b.pointer, ldb: tb ? k : n, beta: 2, c: c.pointer, ldc: n, splitColumns: split)
                #expect(relativeMaxError(c, ref) < 1e-5, "split \(split) transA \(ta) transB \(tb)")
            }
        }
    }
}

/// Strided convolutions through im2col (its rows gathered eight at a time) equal the definition
/// at every output width around the vector blocks, with and without padding.
@Suite struct StridedConvolutionTests {
    @Test(arguments: [0, 1, 3])
    func stridedIm2colEqualsDefinition(padding: Int) throws {
        let conv = try Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: (3, 3), stride: (2, 2),
                              padding: (padding, padding), seed: 9)
        for width in 3...40 {
            let x = Tensor.uniform([2, 2, 7, width], bound: 1, seed: UInt64(width))
            let y = try conv.forwardIm2col(x)
            let (ho, wo) = conv.outputSize(height: 7, width: width)
            var worst: Float = 0
            for n in 0..<2 { for co in 0..<3 { for oh in 0..<ho { for ow in 0..<wo {
                var sum = conv.bias!.value.pointer[co]
                for ci in 0..<2 { for ki in 0..<3 { for kj in 0..<3 {
                    let ih = oh * 2 - padding + ki, iw = ow * 2 - padding + kj
                    guard ih >= 0, ih < 7, iw >= 0, iw < width else { continue }
                    sum += conv.weight.value.pointer[((co * 2 + ci) * 3 + ki) * 3 + kj] * x.pointer[((n * 2 + ci) * 7 + ih) * width + iw]
                } } }
                worst = max(worst, abs(sum - y.pointer[((n * 3 + co) * ho + oh) * wo + ow]))
            } } } }
            #expect(worst < 1e-5, "width \(width), padding \(padding): \(worst)")
        }
    }
}
