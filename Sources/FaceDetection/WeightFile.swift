import NeuralNet

/// One MTCNN weight file (safetensors with the PyTorch state-dict names of facenet-pytorch), with
/// errors mapped to `DetectionError.badWeights`.
struct WeightFile {
    let file: SafeTensorsFile

    init(path: String) throws {
        do { file = try SafeTensorsFile(contentsOf: path) } catch {
            throw DetectionError.badWeights(file: path, reason: "\(error)")
        }
    }

    /// The tensor `name`, required to have `shape`.
    func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
        do { return try file.tensor(name, shape: shape) } catch {
            throw DetectionError.badWeights(file: file.path, reason: "\(error)")
        }
    }

    /// Loads `conv.weight` / `conv.bias` into a convolution.
    func load(_ conv: Conv2d, _ name: String) throws {
        try conv.weight.load(tensor(name + ".weight", conv.weight.value.shape))
        try conv.bias!.load(tensor(name + ".bias", [conv.outputChannels]))
    }

    /// Loads the per-channel slopes of a PReLU.
    func load(_ prelu: PReLU, _ name: String) throws {
        try prelu.weight.load(tensor(name + ".weight", prelu.weight.value.shape))
    }

    /// Loads a dense layer that follows a feature map `[channels, height, width]` which the reference
    /// flattens after `permute(0, 3, 2, 1)` (input index `(w·H + h)·C + c`). The weight columns are
    /// reordered once here so the layer takes the plain NCHW flattening (`(c·H + h)·W + w`) and the
    /// network needs no transpose at run time.
    func loadPermuted(_ linear: Linear, _ name: String, channels c: Int, height h: Int, width w: Int) throws {
        let out = linear.outputFeatures, inF = c * h * w
        let src = try tensor(name + ".weight", [out, inF])
        let dst = Tensor(uninitialized: [out, inF])
        let s = src.pointer, d = dst.pointer
        for o in 0..<out {
            for ci in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        d[o * inF + (ci * h + y) * w + x] = s[o * inF + (x * h + y) * c + ci]
                    }
                }
            }
        }
        try linear.weight.load(dst)
        try linear.bias!.load(tensor(name + ".bias", [out]))
    }

    /// Loads several dense heads (same input) stacked into one layer, in the given order.
    func loadStacked(_ linear: Linear, _ names: [(String, Int)]) throws {
        let inF = linear.inputFeatures
        let w = Tensor(uninitialized: [linear.outputFeatures, inF]), b = Tensor(uninitialized: [linear.outputFeatures])
        var row = 0
        for (name, n) in names {
            let wt = try tensor(name + ".weight", [n, inF]), bt = try tensor(name + ".bias", [n])
            (w.pointer + row * inF).update(from: wt.pointer, count: n * inF)
            (b.pointer + row).update(from: bt.pointer, count: n)
            row += n
        }
        try linear.weight.load(w)
        try linear.bias!.load(b)
    }

    /// Loads several 1×1 convolution heads (same input) stacked into one convolution, in the given order.
    func loadStacked(_ conv: Conv2d, _ names: [(String, Int)]) throws {
        let inC = conv.inputChannels
        let w = Tensor(uninitialized: [conv.outputChannels, inC, 1, 1]), b = Tensor(uninitialized: [conv.outputChannels])
        var row = 0
        for (name, n) in names {
            let wt = try tensor(name + ".weight", [n, inC, 1, 1]), bt = try tensor(name + ".bias", [n])
            (w.pointer + row * inC).update(from: wt.pointer, count: n * inC)
            (b.pointer + row).update(from: bt.pointer, count: n)
            row += n
        }
        try conv.weight.load(w)
        try conv.bias!.load(b)
    }
}

/// Two-class softmax of logits `(a0, a1)`: the probability of class 1 (face), computed as PyTorch does
/// (`exp(x − max) / Σ exp(x − max)`, Float32).
@inline(__always)
func faceProbability(_ a0: Float, _ a1: Float) -> (Float, Float) {
    let m = max(a0, a1)
    let e0 = expf(a0 - m), e1 = expf(a1 - m)
    let s = e0 + e1
    return (e0 / s, e1 / s)
}

#if canImport(Glibc)
import Glibc
#endif
