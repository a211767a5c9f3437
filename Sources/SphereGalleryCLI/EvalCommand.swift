import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Experiments: LFW verification, MegaFace-style identification.",
        subcommands: [EvalLFWCommand.self, EvalMegaFaceCommand.self])
}
