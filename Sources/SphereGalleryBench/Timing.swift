import Foundation

/// Seconds of monotonic wall time taken by `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Share of all cores (0–1) used by *other* processes between two snapshots, as the peer
/// scripts report it (`/proc/stat` busy time minus this process's CPU time).
struct CPUSnapshot {
    let wall: Double, busy: Double, mine: Double

    static func now() -> CPUSnapshot {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var busy = 0.0
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = stat.split(separator: "\n").first {
            let v = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
            if v.count == 8 { busy = (v.reduce(0, +) - v[3] - v[4]) / ticks }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let mine = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return CPUSnapshot(wall: Double(DispatchTime.now().uptimeNanoseconds) / 1e9, busy: busy, mine: mine)
    }

    func foreignShare(until later: CPUSnapshot) -> Double {
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        return max(0, (later.busy - busy) - (later.mine - mine)) / (max(later.wall - wall, 1e-9) * cores)
    }
}

func printJSONLine(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

/// CPU seconds used by this process so far (all threads).
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
