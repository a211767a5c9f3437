import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Experiments: LFW verification, MegaFace-style identification, A-Softmax heads.",
        subcommands: [EvalLFWCommand.self, EvalMegaFaceCommand.self, EvalHeadsCommand.self])
}
