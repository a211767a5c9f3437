import SeededRandom

/// Seeded random unit vectors for demos, tests and benchmarks: identities are random
/// centres on the sphere, and each sample of one is its centre plus Gaussian noise,
/// normalised (noise σ gives samples about atan(σ) from their centre).
public struct SyntheticVectors: Sendable {
    public let dim: Int
    private var generator: SplitMix64

    public init(dim: Int, seed: UInt64) {
        self.dim = dim
        self.generator = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    public mutating func nextUInt64() -> UInt64 { generator.next() }

    /// Uniform in (0, 1).
    public mutating func nextUniform() -> Double {
        (Double(nextUInt64() >> 11) + 0.5) / Double(1 << 53)
    }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u = nextUniform(), v = nextUniform()
        return Float((-2 * _log(u)).squareRoot() * _cos(2 * .pi * v))
    }

    /// A uniformly random unit vector.
    public mutating func unitVector() -> [Float] {
        normalised((0..<dim).map { _ in nextGaussian() })
    }

    /// A sample around `centre`: centre + σ·n with n ~ N(0, I/dim), normalised.
    public mutating func sample(around centre: [Float], noise sigma: Float) -> [Float] {
        let scale = sigma / Float(dim).squareRoot()
        return normalised(centre.map { $0 + scale * nextGaussian() })
    }

    /// Fills `count × dim` row-major float32 with random unit rows (fast path for benchmarks).
    public mutating func fillUnitRows(_ out: UnsafeMutablePointer<Float>, count: Int) {
        for r in 0..<count {
            let row = out + r * dim
            var sum: Float = 0
            for j in 0..<dim {
                let g = nextGaussian()
                row[j] = g
                sum += g * g
            }
            let inv = 1 / sum.squareRoot()
            for j in 0..<dim { row[j] *= inv }
        }
    }

    private func normalised(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }
}

#if canImport(Glibc)
import Glibc
private func _log(_ x: Double) -> Double { Glibc.log(x) }
private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
private func _log(_ x: Double) -> Double { Darwin.log(x) }
private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
