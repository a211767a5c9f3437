import Foundation

/// The rules for identity keys and display names.
///
/// Names are stored in Unicode NFC, so the composed and decomposed spellings of one name
/// ("José" typed on Linux or copied from a macOS folder) are one identity, and lookups
/// normalise the same way. Characters that would let a name hide or forge text are refused:
/// NUL (SQLite would keep only the part before it), the other C0 and C1 control characters,
/// and Unicode's bidirectional controls (e.g. U+202E RIGHT-TO-LEFT OVERRIDE).
public enum IdentityName {
    /// The longest name accepted, in UTF-8 bytes.
    public static let maxBytes = 1024

    /// `name` in NFC, or why it cannot be an identity name.
    public static func normalised(_ name: String) -> Result<String, IdentityNameProblem> {
        guard !name.isEmpty else { return .failure(.empty) }
        for scalar in name.unicodeScalars {
            if scalar.value == 0 { return .failure(.nul) }
            if isControl(scalar) { return .failure(.control(scalar.value)) }
            if isBidiControl(scalar) { return .failure(.bidiControl(scalar.value)) }
        }
        let nfc = name.precomposedStringWithCanonicalMapping
        guard nfc.utf8.count <= maxBytes else { return .failure(.tooLong(nfc.utf8.count)) }
        return .success(nfc)
    }

    /// C0 controls, DEL, C1 controls, and the line and paragraph separators.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }

    /// Marks, embeddings, overrides and isolates that reorder the text around them.
    static func isBidiControl(_ s: Unicode.Scalar) -> Bool {
        s.value == 0x061C || s.value == 0x200E || s.value == 0x200F
            || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }

    /// Whether `normalised` refuses this character (what output escapes).
    public static func needsEscaping(_ s: Unicode.Scalar) -> Bool { isControl(s) || isBidiControl(s) }
}

/// Why a string cannot be an identity name.
public enum IdentityNameProblem: Error, Equatable, CustomStringConvertible {
    case empty
    case nul
    case control(UInt32)
    case bidiControl(UInt32)
    case tooLong(Int)

    public var description: String {
        switch self {
        case .empty: return "the name is empty"
        case .nul: return "the name contains a NUL character"
        case .control(let v): return "the name contains the control character U+\(String(format: "%04X", v))"
        case .bidiControl(let v):
            return "the name contains the bidirectional control U+\(String(format: "%04X", v)), which reorders how text is shown"
        case .tooLong(let n): return "the name is \(n) bytes long; at most \(IdentityName.maxBytes) are accepted"
        }
    }
}
