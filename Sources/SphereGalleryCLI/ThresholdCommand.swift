import ArgumentParser
import Gallery

struct ThresholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threshold", abstract: "Show or set the gallery's open-set threshold (cosine).")

    @OptionGroup var database: DatabaseOption
    @Option(help: "New threshold, a cosine in -1…1.") var set: Float?
    @Flag(help: "Remove the stored threshold (the model's default, if any, applies).") var clear = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let set {
            do { try Gallery.validateThreshold(set) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        let gallery = try Gallery.open(at: database.db, readOnly: set == nil && !clear)
        if clear { try gallery.setThreshold(nil) } else if let set { try gallery.setThreshold(set) }
        let threshold = try gallery.threshold()
        try gallery.close()
        if output.json {
            printJSON(["threshold": threshold.map { rounded($0) } as Any? ?? NSNull()])
        } else {
            print(threshold.map { "threshold \($0) (cosine), \(acosDegrees($0))°" } ?? "no threshold: the best match always wins")
        }
    }
}
import Foundation
