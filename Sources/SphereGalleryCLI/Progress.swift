import Foundation

/// A one-line progress display (count, items/s, ETA) on standard error, redrawn at most
/// ten times a second, and only when standard error is a terminal and JSON is not asked for.
final class Progress {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private(set) var done = 0

    init(total: Int, label: String, quiet: Bool) {
        self.total = total
        self.label = label
        self.enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func advance(by n: Int) {
        done += n
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 || done >= total else { return }
        lastDraw = Date()
        let elapsed = max(Date().timeIntervalSince(start), 1e-6)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let percent = total > 0 ? 100 * done / total : 100
        let line = String(format: "\r%@ %d/%d (%d%%)  %.0f %@/s  ETA %@   ", label, done, total, percent, rate, label, formatDuration(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Seconds since the start.
    var elapsed: Double { Date().timeIntervalSince(start) }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
