import Foundation

/// Errors of the CLI's own making.
enum CLIError: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    var description: String {
        switch self {
        case .usage(let m), .failed(let m): return m
        }
    }
}
