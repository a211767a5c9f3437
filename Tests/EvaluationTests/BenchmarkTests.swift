import Foundation
import Gallery
import Testing
@testable import Evaluation

/// Timings, not checks: run with `SPHERE_EVAL_BENCH=1`.
@Suite struct BenchmarkTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SPHERE_EVAL_BENCH"] != nil, "set SPHERE_EVAL_BENCH=1 to time the MegaFace pass"))
    func megaFaceThroughput() throws {
        let dim = 128, identities = 100, perIdentity = 10, distractorCount = 50_000
        var gen = SyntheticVectors(dim: dim, seed: 1)
        var vectors: [Float] = [], ids: [Int] = []
        for id in 0..<identities {
            let c = gen.unitVector()
            for _ in 0..<perIdentity { vectors += gen.sample(around: c, noise: 1.0); ids.append(id) }
        }
        var d = [Float](repeating: 0, count: distractorCount * dim)
        d.withUnsafeMutableBufferPointer { gen.fillUnitRows($0.baseAddress!, count: distractorCount) }
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(rows: ids.count, dim: dim, values: vectors), identities: ids)
        let distractors = try FeatureMatrix(rows: distractorCount, dim: dim, values: d)
        let kernelStart = Date()
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: 8 * 2048)
        defer { tile.deallocate() }
        var q = 0
        while q < ids.count {
            var t = 0
            while t < distractorCount {
                Similarity.dotProducts(probes.features, q..<min(q + 8, ids.count), distractors, t..<min(t + 2048, distractorCount), into: tile)
                t += 2048
            }
            q += 8
        }
        print("kernel alone, one thread: \(Date().timeIntervalSince(kernelStart)) s")
        let start = Date()
        let r = try MegaFaceProtocol.evaluate(probes: probes, distractors: distractors, configuration: MegaFaceConfiguration(threads: 1))
        let seconds = Date().timeIntervalSince(start)
        let gflop = 2.0 * Double(ids.count) * Double(distractorCount * dim) / 1e9
        print("MegaFace pass, one thread: \(ids.count) probes × \(distractorCount) distractors × \(dim)d in \(seconds) s "
              + "(\(gflop / seconds) GFLOP/s); rank-1 by size: \(r.identification.map { ($0.distractors, $0.cmc.rank1) })")
        #expect(r.trials == identities * perIdentity * (perIdentity - 1))
    }
}
