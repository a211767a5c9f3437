import Foundation
import FaceRecognition
import Gallery

/// Prints one JSON object on one line (keys sorted, so output is stable).
func printJSON(_ object: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
        return
    }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Rounds for display and JSON (6 significant decimals are plenty for cosines).
func rounded(_ value: Float, _ places: Int = 6) -> Double {
    let scale = pow(10, Double(places))
    return (Double(value) * scale).rounded() / scale
}

/// The identify shape: `{"query": N, "decision": …, "candidates": [{"identity", "cosine", "angle"}]}`.
func searchResultJSON(_ result: SearchResult, query: Int) -> [String: Any] {
    [
        "query": query,
        "decision": result.decision,
        "candidates": result.candidates.map {
            ["identity": $0.identity, "cosine": rounded($0.cosine), "angle": rounded($0.angle, 3)] as [String: Any]
        },
    ]
}

func statsJSON(_ stats: GalleryStats) -> [String: Any] {
    var object: [String: Any] = [
        "model": stats.model, "dim": stats.dim, "identities": stats.identities, "templates": stats.templates,
        "file_bytes": stats.fileBytes, "memory_bytes": stats.memoryBytes, "storage": stats.storage,
    ]
    object["threshold"] = stats.threshold.map { rounded($0) } ?? NSNull()
    return object
}

/// A plain text table with aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(header))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for row in rows { print(line(row)) }
}

/// Writes to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Prints one `Encodable` value as one line of JSON (`ResultEncoding`: sorted keys).
func printLine<T: Encodable>(_ value: T) {
    guard let line = try? ResultEncoding.line(value) else { return }
    print(line)
}
