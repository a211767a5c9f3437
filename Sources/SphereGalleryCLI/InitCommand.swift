import ArgumentParser
import FaceRecognition
import Gallery

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an empty gallery for vectors of one embedding model.")

    @OptionGroup var database: DatabaseOption
    @Option(help: "The embedding model's name (e.g. dlib-resnet, sphere20a).")
    var model: String
    @Option(help: "Values per embedding vector.")
    var dim: Int
    @Option(help: "Open-set threshold (cosine) to store with the gallery.")
    var threshold: Float?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let threshold {
            do { try Gallery.validateThreshold(threshold) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        let gallery = try Gallery.create(at: database.db, model: EmbeddingModelInfo(name: model, dim: dim))
        if let threshold { try gallery.setThreshold(threshold) }
        let stats = try gallery.stats()
        try gallery.close()
        if output.json {
            printLine(GallerySummary(stats))
        } else {
            print("created \(database.db): model \(model), \(dim)-d")
        }
    }
}
