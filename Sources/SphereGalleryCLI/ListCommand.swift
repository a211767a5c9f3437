import ArgumentParser
import Gallery

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the identities of a gallery.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true)
        warnAboutDamage(gallery)
        let identities = try gallery.identities()
        try gallery.close()
        if output.json {
            for identity in identities {
                printJSON(["identity": identity.key, "display_name": identity.displayName,
                           "templates": identity.templates, "created": identity.created])
            }
        } else {
            printTable(["identity", "name", "templates", "created"],
                       identities.map { [$0.key, $0.displayName, String($0.templates), $0.created] })
        }
    }
}
