import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Experiments: LFW verification.",
        subcommands: [EvalLFWCommand.self])
}
