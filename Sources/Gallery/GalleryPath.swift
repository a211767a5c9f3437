import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What is at a gallery path, found with `stat` before SQLite touches it, so each way a path
/// can be wrong gets its own message (and a FIFO is never opened, which would block).
enum GalleryPath {
    /// A regular file of `size` bytes (symbolic links followed).
    case file(size: Int64)
    /// Nothing there, in a directory that exists.
    case absent

    /// Inspects `path`; throws for a directory, FIFO, device, unreadable path or missing directory.
    static func inspect(_ path: String) throws -> GalleryPath {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT {
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
                var directoryInfo = stat()
                guard stat(directory, &directoryInfo) == 0, directoryInfo.st_mode & S_IFMT == S_IFDIR else {
                    throw GalleryError.noDirectory(path: path, directory: directory)
                }
                // A dangling symbolic link also lands here: there is no file to open.
                return .absent
            }
            if code == ELOOP { throw GalleryError.unreadable(path: path, reason: "its symbolic links form a loop") }
            throw GalleryError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw GalleryError.notAFile(path: path, kind: "a directory")
        case S_IFIFO: throw GalleryError.notAFile(path: path, kind: "a named pipe (FIFO)")
        case S_IFCHR, S_IFBLK: throw GalleryError.notAFile(path: path, kind: "a device")
        case S_IFSOCK: throw GalleryError.notAFile(path: path, kind: "a socket")
        default: throw GalleryError.notAFile(path: path, kind: "not a regular file")
        }
        if info.st_size > 0, access(path, R_OK) != 0 {
            throw GalleryError.unreadable(path: path, reason: "permission denied (mode \(String(info.st_mode & 0o777, radix: 8)))")
        }
        return .file(size: Int64(info.st_size))
    }

    /// Whether the directory holding `path` can be written (SQLite creates its -wal and -shm there).
    static func directoryIsWritable(_ path: String) -> Bool {
        access(URL(fileURLWithPath: path).deletingLastPathComponent().path, W_OK) == 0
    }
}
