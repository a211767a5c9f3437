import ArgumentParser
import Foundation
import Gallery

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit table: every write through the service and every key change (who, what, when).")

    @OptionGroup var database: DatabaseOption
    @Option(help: "Only the newest N entries.") var last: Int?
    @OptionGroup var output: OutputOptions

    func run() throws {
        if let last, last < 1 { throw ValidationError("--last must be at least 1.") }
        let gallery = try Gallery.open(at: database.db)
        let entries = try gallery.auditEntries(limit: last)
        try gallery.close()
        if output.json {
            for e in entries {
                printJSON(["id": e.id, "time": e.time, "key": e.keyName, "action": e.action,
                           "identity": e.identity as Any? ?? NSNull(), "detail": e.detail as Any? ?? NSNull()])
            }
        } else {
            printTable(["time", "key", "action", "identity", "detail"],
                       entries.map { [$0.time, $0.keyName, $0.action, $0.identity ?? "", $0.detail ?? ""] })
        }
    }
}
