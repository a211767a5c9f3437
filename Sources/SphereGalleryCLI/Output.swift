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
func rounded(_ value: Float, _ places: Int = 6) -> Double { Rounding.value(value, places) }

/// A plain text table with aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], displayText(cell).count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in displayText(cell).padding(toLength: widths[i], withPad: " ", startingAt: 0) }
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

/// `text` safe to print in a terminal table: control and bidirectional-control characters
/// (which could move the cursor or reorder the line) are shown as `\u{XXXX}` escapes.
func displayText(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: IdentityName.needsEscaping) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        if IdentityName.needsEscaping(scalar) {
            out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
