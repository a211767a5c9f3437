import ArgumentParser
import Gallery

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a gallery: SQLite integrity, every stored vector, identity names.",
        discussion: """
            Read-only. Runs SQLite's integrity and foreign-key checks, re-reads every stored
            vector (right length, finite, unit norm) and every identity name (no control or
            bidirectional-control characters), and lists each finding. Exit status 0 when the
            gallery is sound, 2 when there are findings, 1 when it cannot be checked at all.
            """)

    @OptionGroup var database: DatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true)
        let check = try gallery.check()
        try gallery.close()
        if output.json {
            printJSON([
                "identities": check.identities, "templates": check.templates, "sound": check.isSound,
                "structure": check.structure, "identity_names": check.identityNames,
                "damaged_templates": check.damagedTemplates.map {
                    ["template": $0.templateID, "identity_id": $0.identityID, "reason": $0.reason] as [String: Any]
                },
            ])
        } else {
            for message in check.structure { print("file: \(displayText(message))") }
            for template in check.damagedTemplates {
                print("template \(template.templateID) (identity id \(template.identityID)): \(template.reason)")
            }
            for message in check.identityNames { print(displayText(message)) }
            print(check.isSound
                  ? "ok: \(check.identities) identities, \(check.templates) templates, no findings"
                  : "\(check.structure.count + check.damagedTemplates.count + check.identityNames.count) finding(s) in "
                    + "\(check.identities) identities, \(check.templates) templates; damaged templates are left out of "
                    + "search, `export` saves the sound ones and `remove` deletes an identity.")
        }
        if !check.isSound { throw ExitCode(2) }
    }
}
