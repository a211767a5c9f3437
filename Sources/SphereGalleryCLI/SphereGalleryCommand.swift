import ArgumentParser

@main
struct SphereGalleryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sphere-gallery",
        abstract: "An open-set face identification gallery: unit-sphere embeddings in SQLite, searched by angle.",
        subcommands: [
            InitCommand.self, ImportCommand.self, IdentifyCommand.self, ListCommand.self, ShowCommand.self,
            RemoveCommand.self, StatsCommand.self, ExportCommand.self, ThresholdCommand.self,
            SynthCommand.self, EmbedCommand.self,
        ])
}
