import ArgumentParser
import Gallery

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove identities and all their templates; their bytes are overwritten in the file.",
        discussion: """
            While another process holds a read transaction on the gallery, the overwrite of the
            removed bytes in the file has to wait for it; the output says so ("erasure pending"),
            and it is finished by the next command that opens the gallery for writing.
            Exit status 2 when some of the identities were not in the gallery.
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "Identity keys.") var identities: [String]
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db)
        warnAboutDamage(gallery)
        var unknown = 0, pending = false
        for identity in identities {
            let removal: Removal
            do { removal = try gallery.remove(identity: identity) } catch GalleryError.unknownIdentity(let key) {
                printError(GalleryError.unknownIdentity(key).description)
                unknown += 1
                continue
            }
            pending = pending || removal.erasurePending
            if output.json {
                printJSON(["removed": identity, "templates": removal.templates, "erasure_pending": removal.erasurePending])
            } else {
                print("removed \(displayText(identity)) (\(removal.templates) templates)"
                      + (removal.erasurePending ? "; erasure pending: another process is reading the gallery" : ""))
            }
        }
        if pending, try !gallery.finishErasure() {
            printError("the removed bytes are still in \(database.db) while another process reads it; "
                       + "they are overwritten when it finishes and a command next opens the gallery for writing.")
        }
        try gallery.close()
        if unknown > 0 { throw ExitCode(2) }
    }
}
