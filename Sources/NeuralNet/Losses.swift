#if canImport(Glibc)
import Glibc
#endif

/// Softmax cross-entropy with mean reduction (`torch.nn.functional.cross_entropy`).
///
/// - Parameters:
///   - logits: `[N, C]`
///   - labels: `N` class indices in `0..<C`
/// - Returns: the mean loss and d(loss)/d(logits) `[N, C]` = `(softmax − onehot) / N`.
/// - Throws: `shapeMismatch` for a wrong shape, `invalidArgument` for a label out of range.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) throws -> (loss: Float, gradient: Tensor) {
    guard logits.rank == 2, logits.shape[0] == labels.count, labels.count > 0 else {
        throw NeuralNetError.shapeMismatch(operation: "softmaxCrossEntropy", expected: "[\(labels.count), C]", got: logits.shape)
    }
    let n = logits.shape[0], c = logits.shape[1]
    for (i, y) in labels.enumerated() where y < 0 || y >= c {
        throw NeuralNetError.invalidArgument("label \(y) of item \(i) is outside 0..<\(c)")
    }
    let grad = Tensor(uninitialized: [n, c])
    let x = logits.pointer, g = grad.pointer
    var total: Double = 0
    for i in 0..<n {
        let row = x + i * c, grow = g + i * c
        var m = -Float.infinity
        for j in 0..<c { m = max(m, row[j]) }
        var s: Float = 0
        for j in 0..<c { let e = expf(row[j] - m); grow[j] = e; s += e }
        let logZ = m + logf(s)
        total += Double(logZ - row[labels[i]])
        let inv = 1 / (s * Float(n))
        for j in 0..<c { grow[j] *= inv }
        grow[labels[i]] -= 1 / Float(n)
    }
    return (Float(total / Double(n)), grad)
}

/// Row-wise softmax of `[N, C]` logits.
public func softmax(_ logits: Tensor) throws -> Tensor {
    guard logits.rank == 2 else { throw NeuralNetError.shapeMismatch(operation: "softmax", expected: "[N, C]", got: logits.shape) }
    let n = logits.shape[0], c = logits.shape[1]
    let y = Tensor(uninitialized: logits.shape)
    for i in 0..<n {
        let row = logits.pointer + i * c, out = y.pointer + i * c
        var m = -Float.infinity
        for j in 0..<c { m = max(m, row[j]) }
        var s: Float = 0
        for j in 0..<c { out[j] = expf(row[j] - m); s += out[j] }
        for j in 0..<c { out[j] /= s }
    }
    return y
}
