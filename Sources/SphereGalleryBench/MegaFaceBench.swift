import ArgumentParser
import Evaluation
import Foundation
import Gallery

/// The MegaFace-style protocol pass on synthetic vectors: identities of noisy samples around
/// random centres against random unit distractors, on one thread.
struct MegaFaceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megaface", abstract: "Time of the MegaFace-style protocol pass on synthetic vectors (one thread).")

    @Option var dim = 128
    @Option var identities = 100
    @Option(help: "Probe images per identity.") var perIdentity = 10
    @Option var distractors = 50_000

    func run() throws {
        guard dim > 0, identities > 0, perIdentity > 1, distractors > 0 else {
            throw ValidationError("--dim, --identities and --distractors must be positive, --per-identity at least 2")
        }
        var generator = SyntheticVectors(dim: dim, seed: 1)
        var vectors: [Float] = [], labels: [Int] = []
        for identity in 0..<identities {
            let centre = generator.unitVector()
            for _ in 0..<perIdentity { vectors += generator.sample(around: centre, noise: 1.0); labels.append(identity) }
        }
        var rows = [Float](repeating: 0, count: distractors * dim)
        rows.withUnsafeMutableBufferPointer { generator.fillUnitRows($0.baseAddress!, count: distractors) }
        let probes = try MegaFaceProbeSet(features: FeatureMatrix(rows: labels.count, dim: dim, values: vectors), identities: labels)
        let distractorMatrix = try FeatureMatrix(rows: distractors, dim: dim, values: rows)
        var result: MegaFaceResult?
        let seconds = try measure {
            result = try MegaFaceProtocol.evaluate(probes: probes, distractors: distractorMatrix,
                                                   configuration: MegaFaceConfiguration(threads: 1))
        }
        let gflop = 2.0 * Double(labels.count) * Double(distractors) * Double(dim) / 1e9
        printJSONLine(["tool": "sphere-gallery", "mode": "megaface", "probes": labels.count, "distractors": distractors,
                       "dim": dim, "seconds": seconds, "gflop_per_s": gflop / seconds, "trials": result?.trials ?? 0])
    }
}
