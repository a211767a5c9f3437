import ArgumentParser
import FaceRecognition
import Gallery

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts and sizes of a gallery.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var storage: StorageOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: true, storage: storage.storage)
        warnAboutDamage(gallery)
        let stats = try gallery.stats()
        try gallery.close()
        if output.json {
            printLine(GallerySummary(stats))
        } else {
            let vectorBytes = Double(stats.templates * stats.dim * 4)
            printFields([
                ["model", "\(stats.model) (\(stats.dim)-d)"],
                ["identities", String(stats.identities)],
                ["templates", String(stats.templates)],
                ["file", "\(stats.fileBytes) bytes" + (vectorBytes > 0 ? String(format: " (%.2f× the vectors)", Double(stats.fileBytes) / vectorBytes) : "")],
                ["memory", "\(stats.memoryBytes) bytes (\(stats.storage))"],
                ["threshold", stats.threshold.map { String(format: "%.4f (%.1f°)", $0, acosDegrees($0)) } ?? "none (best match always wins)"],
            ])
        }
    }
}

/// Prints `name  value` lines with the values aligned.
func printFields(_ fields: [[String]]) {
    let width = fields.map { $0[0].count }.max() ?? 0
    for field in fields { print(field[0].padding(toLength: width, withPad: " ", startingAt: 0) + "  " + field[1]) }
}

import Foundation
func acosDegrees(_ c: Float) -> Float { Float(acos(Double(min(1, max(-1, c))))) * 180 / .pi }
