import ArgumentParser
import Gallery

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove identities and all their templates; their bytes are overwritten in the file.")

    @OptionGroup var database: DatabaseOption
    @Argument(help: "Identity keys.") var identities: [String]
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db)
        for identity in identities {
            try gallery.remove(identity: identity)
            if output.json { printJSON(["removed": identity]) } else { print("removed \(identity)") }
        }
        try gallery.close()
    }
}
