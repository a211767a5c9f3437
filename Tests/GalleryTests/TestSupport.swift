import Foundation
@testable import Gallery

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sphere-gallery-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Brute-force reference: every identity's best cosine, the top k by score.
func bruteForceTopK(rows: [[Float]], identities: [Int64], query: [Float], k: Int) -> [(Int64, Float)] {
    var best: [Int64: Float] = [:]
    for (row, identity) in zip(rows, identities) {
        var s: Float = 0
        for j in 0..<row.count { s += row[j] * query[j] }
        best[identity] = max(best[identity] ?? -.infinity, s)
    }
    return best.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k).map { ($0.key, $0.value) }
}

func normalised(_ v: [Float]) -> [Float] {
    let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return v.map { $0 / n }
}

func fileBytes(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in the bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first, Array(self[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}
