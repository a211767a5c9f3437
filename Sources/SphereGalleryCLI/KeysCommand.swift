import ArgumentParser
import Gallery

extension KeyScope: ExpressibleByArgument {}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "API keys of `serve`: create, list, revoke. Keys are stored hashed in the gallery.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it, alone on stdout (it is not stored and cannot be shown again).")
        @OptionGroup var database: DatabaseOption
        @Option(help: "A name for the key (who or what uses it); recorded in the audit table.") var name: String
        @Option(help: "identify (search, read), enrol (also add and remove faces) or admin (also settings).")
        var scope: KeyScope

        func run() throws {
            let gallery = try Gallery.open(at: database.db)
            let key = try gallery.createKey(name: name, scope: scope)
            try gallery.close()
            print(key)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (name, scope, prefix, created, revoked).")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var output: OutputOptions

        func run() throws {
            let gallery = try Gallery.open(at: database.db)
            let keys = try gallery.keys()
            try gallery.close()
            if output.json {
                for k in keys {
                    printJSON(["name": k.name, "scope": k.scope.rawValue, "prefix": k.prefix, "created": k.created,
                               "revoked": k.revoked as Any? ?? NSNull()])
                }
            } else {
                printTable(["name", "scope", "prefix", "created", "revoked"],
                           keys.map { [$0.name, $0.scope.rawValue, $0.prefix, $0.created, $0.revoked ?? ""] })
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name; requests with it get 401 from then on.")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The key's name.") var name: String

        func run() throws {
            let gallery = try Gallery.open(at: database.db)
            try gallery.revokeKey(name: name)
            try gallery.close()
            printError("revoked \(name)")
        }
    }
}

import Foundation
