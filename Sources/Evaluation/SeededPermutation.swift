import Gallery
import SeededRandom

/// Nested, seeded distractor subsets for MegaFace-style experiments.
///
/// One seeded Fisher–Yates permutation of the distractor indices `0..<distractorCount`; the
/// subset of size S is the first S entries of it. Hence subsets are nested
/// (size 10 ⊂ 100 ⊂ 1000 ⊂ …), the same seed always gives the same subsets, and a different seed
/// different ones.
public struct DistractorSubsets: Sendable, Equatable {
    /// A permutation of `0..<distractorCount`.
    public let permutation: [Int]
    /// Subset sizes, strictly increasing, each in `1...distractorCount`.
    public let sizes: [Int]
    public let seed: UInt64

    /// - Parameters:
    ///   - distractorCount: number of distractors available (≥ 1).
    ///   - sizes: subset sizes (any order, duplicates removed); nil for `defaultSizes`.
    ///   - seed: permutation seed.
    /// - Throws: `invalidArgument` for no distractors or a size outside `1...distractorCount`.
    public init(distractorCount: Int, sizes: [Int]? = nil, seed: UInt64) throws {
        guard distractorCount >= 1 else { throw EvaluationError.empty(what: "distractors") }
        let s = Array(Set(sizes ?? DistractorSubsets.defaultSizes(distractorCount: distractorCount))).sorted()
        guard let first = s.first, first >= 1, s.last! <= distractorCount else {
            throw EvaluationError.invalidArgument(
                "distractor subset sizes must lie in 1...\(distractorCount) (the distractors available), got \(sizes ?? [])")
        }
        var rng = SplitMix64(seed: seed)
        permutation = rng.permutation(count: distractorCount)
        self.sizes = s
        self.seed = seed
    }

    /// Powers of ten from 10 up to `distractorCount`, plus `distractorCount` itself when it is
    /// not one (the MegaFace sizes 10, 100, …, 10⁶ for the full set); `[distractorCount]` below 10.
    public static func defaultSizes(distractorCount: Int) -> [Int] {
        var out: [Int] = []
        var s = 10
        while s <= distractorCount {
            out.append(s)
            if s > Int.max / 10 { break }
            s *= 10
        }
        if out.last != distractorCount { out.append(distractorCount) }
        return out
    }

    /// Distractor indices of the subset of `size` (a prefix of `permutation`; any size
    /// `0...permutation.count`, not only those in `sizes`).
    public func indices(size: Int) -> ArraySlice<Int> { permutation[0..<Swift.max(0, Swift.min(size, permutation.count))] }
}
