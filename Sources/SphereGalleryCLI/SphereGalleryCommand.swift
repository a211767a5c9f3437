import ArgumentParser
import NeuralNet

@main
struct SphereGalleryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sphere-gallery",
        abstract: "An open-set face identification gallery: unit-sphere embeddings in SQLite, searched by angle.",
        version: Version.description,
        subcommands: [
            InitCommand.self, ImportCommand.self, IdentifyCommand.self, ListCommand.self, ShowCommand.self,
            RemoveCommand.self, StatsCommand.self, CheckCommand.self, ExportCommand.self, ThresholdCommand.self, CalibrateCommand.self,
            EnrolCommand.self, VerifyCommand.self, DetectCommand.self, EmbedCommand.self, EvalCommand.self, SynthCommand.self,
            TrainCommand.self, ServeCommand.self, KeysCommand.self, AuditCommand.self,
        ])

    /// Process policy: OpenBLAS runs single-threaded and our code spreads the work (GEMM
    /// tiles, layers, search slices) over the cores itself, so no BLAS thread spins while
    /// another core scans results, and a busy machine slows us gracefully.
    static func main() {
        Parallel.setBLASThreads(1)
        main(nil)
    }
}
