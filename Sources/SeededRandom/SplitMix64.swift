/// SplitMix64, the package's one seeded generator: small, fast, and whose output is fixed by this code (not by
/// the standard library's version), so seeded subsets are the same on every machine and release.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in `0..<bound` (`bound ≥ 1`), unbiased (multiply-shift with rejection).
    public mutating func next(below bound: UInt64) -> UInt64 {
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let floor = (0 &- bound) % bound
            while m.low < floor { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates, unbiased).
    public mutating func permutation(count: Int) -> [Int] {
        var order = Array(0..<max(0, count))
        var i = order.count - 1
        while i > 0 {
            order.swapAt(i, Int(next(below: UInt64(i + 1))))
            i -= 1
        }
        return order
    }
}
