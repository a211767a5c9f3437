import ArgumentParser

/// Benchmarks of our own code. `Tools/bench_search.py` runs them beside the peers
/// (`../shared/peers/`) in the same run and prints the ratios.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sphere-gallery-bench",
        abstract: "SphereGallery benchmarks (JSON Lines out; see Tools/bench_search.py).",
        subcommands: [SearchBench.self, ColdOpenBench.self, SphereBench.self, TrainBench.self, DlibBench.self, DetectBench.self,
                      PredictorBench.self, ConvBench.self, MegaFaceBench.self, PhotoBench.self])
}
