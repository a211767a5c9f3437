import Foundation
import Testing

/// `serve` refuses durations it cannot turn into timers, with a message, before it opens anything
/// (an infinite window or timeout used to stop the process with a conversion trap).
@Suite struct ServeOptionTests {
    @Test(arguments: [["--coalesce-window-ms", "inf"], ["--coalesce-window-ms", "nan"], ["--coalesce-window-ms", "-1"],
                      ["--timeout", "inf"], ["--timeout", "nan"]])
    func unusableDurationsAreRefused(option: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("serve-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("g.sqlite").path
        #expect(try CLI.run(["init", "--db", db, "--model", "vectors", "--dim", "4"]).status == 0)
        let run = try CLI.run(["serve", "--db", db, "--port", "0"] + option)
        #expect(run.status != 0)
        #expect(run.stderr.contains(option[0]), "the error names the option (a trap would not): \(run.stderr)")
    }
}
