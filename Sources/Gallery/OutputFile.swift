import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file the user named for output, written without harming what is already there.
///
/// A new path, or a regular file of ours with one link, is written to a temporary file
/// beside it and renamed over it on `commit()` (readers never see half a file). Anything
/// else — a symlink, a hard-linked file, another user's file, a FIFO, `/dev/null` or another
/// device — is opened and written in place, so the link, pipe or device stays what it was.
public final class OutputFile {
    /// The path as given.
    public let path: String
    private var descriptor: Int32
    /// The temporary file renamed over `path` on commit; nil when writing in place.
    private let temporaryPath: String?
    private var committed = false

    /// Opens `path` for writing (see the type's note on how).
    public init(path: String) throws {
        self.path = path
        var info = stat()
        if lstat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR { throw OutputFileError.isDirectory(path: path) }
            if type == S_IFREG && info.st_nlink == 1 && info.st_uid == geteuid() {
                (descriptor, temporaryPath) = try OutputFile.createTemporary(beside: path, mode: info.st_mode & 0o7777)
            } else {
                descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
                temporaryPath = nil
                guard descriptor >= 0 else { throw OutputFileError.cannotOpen(path: path, reason: OutputFile.lastError()) }
                var opened = stat()
                if fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == S_IFDIR {
                    close(descriptor)
                    throw OutputFileError.isDirectory(path: path)
                }
            }
        } else if errno == ENOENT {
            (descriptor, temporaryPath) = try OutputFile.createTemporary(beside: path, mode: nil)
        } else {
            throw OutputFileError.cannotOpen(path: path, reason: OutputFile.lastError())
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed, let temporaryPath { unlink(temporaryPath) }
    }

    /// Appends `data`.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputFileError.writeFailed(path: path, reason: OutputFile.lastError())
                }
                offset += n
            }
        }
    }

    /// Finishes the file: flushes it and, when it was written beside its target, renames it
    /// into place. Without a commit a temporary file is removed and the target is untouched.
    public func commit() throws {
        guard !committed else { return }
        if let temporaryPath {
            guard fsync(descriptor) == 0 else { throw OutputFileError.writeFailed(path: path, reason: OutputFile.lastError()) }
            guard rename(temporaryPath, path) == 0 else {
                throw OutputFileError.writeFailed(path: path, reason: OutputFile.lastError())
            }
        }
        committed = true
        close(descriptor)
        descriptor = -1
    }

    /// Writes `data` to `path` as one file and commits it.
    public static func write(_ data: Data, to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(data)
        try file.commit()
    }

    private static func createTemporary(beside path: String, mode: mode_t?) throws -> (Int32, String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var directoryInfo = stat()
        guard stat(directory, &directoryInfo) == 0, directoryInfo.st_mode & S_IFMT == S_IFDIR else {
            throw OutputFileError.noDirectory(path: path, directory: directory)
        }
        for _ in 0..<16 {
            let candidate = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp").path
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 {
                if let mode { fchmod(fd, mode) }
                return (fd, candidate)
            }
            guard errno == EEXIST else { throw OutputFileError.cannotOpen(path: path, reason: lastError()) }
        }
        throw OutputFileError.cannotOpen(path: path, reason: "no free temporary name beside it")
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// Why an output file could not be written.
public enum OutputFileError: Error, Equatable, CustomStringConvertible {
    case isDirectory(path: String)
    case noDirectory(path: String, directory: String)
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .isDirectory(let p): return "\(p) is a directory; give a file path for the output."
        case .noDirectory(let p, let d): return "cannot write \(p): the directory \(d) does not exist; create it first."
        case .cannotOpen(let p, let r): return "cannot write \(p): \(r)."
        case .writeFailed(let p, let r): return "writing \(p) failed: \(r); the file may be incomplete."
        }
    }
}
