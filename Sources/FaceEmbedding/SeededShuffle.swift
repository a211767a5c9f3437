import NeuralNet
import SeededRandom

/// Seeded, reproducible randomness for training: each epoch's order and flips are a pure
/// function of `(seed, epoch)`, so the trainer's whole random state is the seed and the
/// iteration — a resumed run draws exactly what an uninterrupted one would.
public enum SeededShuffle {
    /// A generator for stream `stream` of `seed` (streams are decorrelated by a SplitMix64 step).
    public static func generator(seed: UInt64, stream: UInt64) -> SplitMix64 {
        var mix = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        return SplitMix64(seed: mix.next())
    }

    /// A permutation of `0..<count` (Fisher–Yates).
    public static func permutation(count: Int, seed: UInt64, stream: UInt64) -> [Int] {
        var rng = generator(seed: seed, stream: stream)
        var p = Array(0..<count)
        if count < 2 { return p }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }

    /// The sample order of `epoch` (stream `2·epoch + 1`).
    public static func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        permutation(count: count, seed: seed, stream: 2 * UInt64(epoch) + 1)
    }

    /// Whether each position of `epoch`'s order is flipped horizontally (stream `2·epoch + 2`, p = ½).
    public static func epochFlips(count: Int, seed: UInt64, epoch: Int) -> [Bool] {
        var rng = generator(seed: seed, stream: 2 * UInt64(epoch) + 2)
        return (0..<count).map { _ in rng.next() >> 63 == 1 }
    }
}
