import Gallery
import Testing
@testable import Evaluation

@Suite struct SimilarityTests {
    @Test(arguments: [1, 7, 8, 13, 16, 35])
    func blockedKernelMatchesNaiveDots(dim: Int) throws {
        var gen = SyntheticVectors(dim: dim, seed: UInt64(dim))
        let q = try FeatureMatrix(vectors: (0..<7).map { _ in gen.unitVector() })
        let t = try FeatureMatrix(vectors: (0..<5).map { _ in gen.unitVector() })
        // Queries 1..<7 (6: one 4-block + 2 left over) × targets 1..<4 (3: one pair + 1 left over).
        var out = [Float](repeating: .nan, count: 6 * 3)
        out.withUnsafeMutableBufferPointer { Similarity.dotProducts(q, 1..<7, t, 1..<4, into: $0.baseAddress!) }
        for i in 0..<6 {
            for j in 0..<3 {
                let a = q.row(i + 1), b = t.row(j + 1)
                var s: Double = 0
                for k in 0..<dim { s += Double(a[k]) * Double(b[k]) }
                #expect(abs(Double(out[i * 3 + j]) - s) < 1e-5, "dim \(dim) q \(i) t \(j)")
            }
        }
    }

    @Test func cosineIgnoresNorms() {
        #expect(abs(Similarity.cosine([2, 0], [3, 3]) - Float(0.5).squareRoot()) < 1e-6)
        #expect(Similarity.cosine([0, 0], [1, 0]) == 0)
    }
}
