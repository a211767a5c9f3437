import Foundation
import NeuralNet
#if canImport(Glibc)
import Glibc
#endif

/// Writes safetensors files so that a reader sees either the old file or the complete new one:
/// the data goes to `PATH.tmp-PID` first, is flushed to disk (fsync), then renamed over `PATH`
/// (rename is atomic on POSIX file systems). Ctrl-C or `kill -9` at any moment leaves the previous
/// file intact (at worst a stray temporary file, replaced by the next write).
public enum AtomicFile {
    /// Writes `tensors` and `metadata` to `path` atomically.
    /// - Parameter beforeRename: called after the temporary file is complete (tests inject failures here).
    /// - Throws: `NeuralNetError.safeTensors` or `TrainingError.checkpoint` for I/O failures; the
    ///   temporary file is removed and `path` is unchanged.
    public static func writeSafeTensors(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String,
                                        beforeRename: (() throws -> Void)? = nil) throws {
        let tmp = path + ".tmp-\(getpid())"
        do {
            try SafeTensors.write(tensors, metadata: metadata, to: tmp)
            let fd = open(tmp, O_RDONLY)
            if fd >= 0 { fsync(fd); close(fd) }
            try beforeRename?()
            guard rename(tmp, path) == 0 else {
                throw TrainingError.checkpoint("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }
}
