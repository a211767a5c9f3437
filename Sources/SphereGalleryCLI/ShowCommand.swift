import ArgumentParser
import Foundation
import Gallery

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one identity and its templates.")

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The identity's key.") var identity: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true)
        warnAboutDamage(gallery)
        let (summary, templates) = try gallery.identity(identity)
        try gallery.close()
        if output.json {
            let metadata = (try? JSONSerialization.jsonObject(with: Data(summary.metadataJSON.utf8))) ?? [:]
            printJSON([
                "identity": summary.key, "display_name": summary.displayName, "metadata": metadata,
                "created": summary.created,
                "templates": templates.map { t -> [String: Any] in
                    ["id": t.id, "source": t.source ?? NSNull(), "sha256": t.contentSHA256 ?? NSNull(),
                     "detector_score": t.detectorScore.map { rounded($0) } ?? NSNull(), "created": t.created]
                },
            ])
        } else {
            print("\(displayText(summary.key)) (\(displayText(summary.displayName))), created \(summary.created), \(templates.count) templates")
            printTable(["template", "source", "sha256", "score", "created"], templates.map {
                [String($0.id), $0.source ?? "-", String(($0.contentSHA256 ?? "-").prefix(16)),
                 $0.detectorScore.map { String(format: "%.3f", $0) } ?? "-", $0.created]
            })
        }
    }
}
