import ArgumentParser
import Foundation
import Gallery

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic gallery and probes (clustered unit vectors) as JSON Lines.",
        discussion: """
            Each identity is a random centre on the sphere; its templates and mated probes are noisy
            samples of it. Non-mated probes come from identities that are not enrolled. Probe lines
            carry their true identity, so `identify` can report rates.
            """)

    @Option(help: "Enrolled identities.") var identities = 1000
    @Option(help: "Templates per enrolled identity.") var templates = 3
    @Option(help: "Mated probes (of enrolled identities).") var mated = 500
    @Option(help: "Non-mated probes (of identities never enrolled).") var nonmated = 500
    @Option(help: "Dimension.") var dim = 128
    @Option(help: "Noise σ of samples around their centre.") var noise: Float = 0.9
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Gallery vectors out (JSON Lines).") var gallery: String
    @Option(help: "Probe vectors out (JSON Lines).") var probes: String

    func run() throws {
        var random = SyntheticVectors(dim: dim, seed: seed)
        let centres = (0..<identities).map { _ in random.unitVector() }
        func name(_ i: Int) -> String { String(format: "person_%05d", i) }
        var galleryLines = ""
        for (i, centre) in centres.enumerated() {
            for _ in 0..<templates {
                galleryLines += jsonLine(identity: name(i), vector: random.sample(around: centre, noise: noise))
            }
        }
        var probeLines = ""
        for _ in 0..<mated {
            let i = Int(random.nextUInt64() % UInt64(identities))
            probeLines += jsonLine(identity: name(i), vector: random.sample(around: centres[i], noise: noise))
        }
        for j in 0..<nonmated {
            probeLines += jsonLine(identity: String(format: "stranger_%05d", j),
                                   vector: random.sample(around: random.unitVector(), noise: noise))
        }
        try OutputFile.write(Data(galleryLines.utf8), to: gallery)
        try OutputFile.write(Data(probeLines.utf8), to: probes)
        print("wrote \(identities * templates) gallery vectors of \(identities) identities to \(gallery), \(mated) mated and \(nonmated) non-mated probes to \(probes)")
    }

    private func jsonLine(identity: String, vector: [Float]) -> String {
        "{\"identity\": \"\(identity)\", \"vector\": [" + vector.map { String($0) }.joined(separator: ", ") + "]}\n"
    }
}
