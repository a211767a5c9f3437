import NeuralNet

/// Mirrors each row of the planes of one NCHW item in place (horizontal flip augmentation).
/// - Parameters:
///   - planes: first element of `channels` planes of `height × width` floats
public func flipHorizontally(_ planes: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int) {
    for r in 0..<(channels * height) {
        let row = planes + r * width
        var a = 0, b = width - 1
        while a < b {
            let t = row[a]; row[a] = row[b]; row[b] = t
            a += 1; b -= 1
        }
    }
}
