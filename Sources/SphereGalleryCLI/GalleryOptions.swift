import ArgumentParser
import Gallery

/// `--db`, the gallery file every subcommand works on.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "The gallery file (SQLite).")
    var db: String
}

/// `--json`: machine-readable output, one JSON object a line.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON Lines instead of tables.")
    var json = false
}

extension VectorStorage: ExpressibleByArgument {}

/// `--storage f32|f16`: how the in-memory matrix holds values.
struct StorageOption: ParsableArguments {
    @Option(name: .long, help: "In-memory matrix: f32 (exact) or f16 (half the memory and bandwidth).")
    var storage: VectorStorage = .float32
}
