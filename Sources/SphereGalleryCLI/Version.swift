import Foundation

/// `sphere-gallery --version`: the release and, for a binary built inside a git checkout, the
/// commit it was built from (read from that checkout's `.git`; "unknown" elsewhere).
enum Version {
    static let release = "0.9.0"

    static var description: String { "\(release) (commit \(commit ?? "unknown"))" }

    /// The HEAD commit of the checkout that holds the executable, e.g. `REPO/.build/release/sphere-gallery`.
    static var commit: String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" {
            let git = dir.appendingPathComponent(".git")
            if let gitDir = gitDirectory(git) { return head(in: gitDir) }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// `.git` is a folder, or (worktrees) a file `gitdir: PATH`.
    private static func gitDirectory(_ git: URL) -> URL? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: git.path, isDirectory: &isDir) else { return nil }
        if isDir.boolValue { return git }
        guard let text = try? String(contentsOf: git, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
        let path = text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: path, relativeTo: git.deletingLastPathComponent())
    }

    private static func head(in gitDir: URL) -> String? {
        guard let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return String(head.prefix(12)) }
        let ref = String(head.dropFirst(5))
        // Loose ref in this folder or (worktrees) in the common folder, else packed-refs.
        var roots = [gitDir]
        if let common = try? String(contentsOf: gitDir.appendingPathComponent("commondir"), encoding: .utf8) {
            roots.append(URL(fileURLWithPath: common.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: gitDir))
        }
        for root in roots {
            if let hash = try? String(contentsOf: root.appendingPathComponent(ref), encoding: .utf8) {
                return String(hash.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
            }
            if let packed = try? String(contentsOf: root.appendingPathComponent("packed-refs"), encoding: .utf8),
               let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) }) {
                return String(line.prefix(12))
            }
        }
        return nil
    }
}
