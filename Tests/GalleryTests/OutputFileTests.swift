import Foundation
import Testing
@testable import Gallery

@Suite struct OutputFileTests {
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>" }

    func info(_ path: String, follow: Bool = false) -> stat {
        var s = stat()
        _ = follow ? stat(path, &s) : lstat(path, &s)
        return s
    }

    @Test func aNewFileAndAnOwnRegularFileAreWrittenWhole() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("out.jsonl")
        try OutputFile.write(Data("one\n".utf8), to: path)
        #expect(read(path) == "one\n")
        #expect(chmod(path, 0o640) == 0)
        let before = info(path)
        try OutputFile.write(Data("two\n".utf8), to: path)
        #expect(read(path) == "two\n")
        #expect(info(path).st_mode & 0o777 == 0o640, "the mode is kept")
        #expect(info(path).st_ino != before.st_ino, "replaced by rename")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["out.jsonl"], "no temporary left")
    }

    @Test func anUncommittedFileLeavesTheTargetAlone() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("out.jsonl")
        try OutputFile.write(Data("kept\n".utf8), to: path)
        do {
            let file = try OutputFile(path: path)
            try file.write(Data("half".utf8))
        }
        #expect(read(path) == "kept\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["out.jsonl"])
    }

    @Test func aSymlinkStaysALinkAndItsTargetIsWritten() throws {
        let dir = TemporaryDirectory()
        let target = dir.path("target"), link = dir.path("link")
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(symlink(target, link) == 0)
        try OutputFile.write(Data("new".utf8), to: link)
        #expect(info(link).st_mode & S_IFMT == S_IFLNK)
        #expect(read(target) == "new")
    }

    @Test func aHardLinkedFileIsWrittenInPlaceForEveryName() throws {
        let dir = TemporaryDirectory()
        let a = dir.path("a"), b = dir.path("b")
        try "old".write(toFile: a, atomically: false, encoding: .utf8)
        #expect(link(a, b) == 0)
        let inode = info(a).st_ino
        try OutputFile.write(Data("new".utf8), to: b)
        #expect(read(a) == "new" && read(b) == "new")
        #expect(info(a).st_ino == inode && info(b).st_ino == inode && info(a).st_nlink == 2)
    }

    @Test func aFIFOIsWrittenThroughNotReplaced() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Received()
        let reader = Thread { received.set(FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile()) }
        reader.start()
        try OutputFile.write(Data("through the pipe".utf8), to: fifo)
        for _ in 0..<200 where received.get() == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(received.get().map { String(decoding: $0, as: UTF8.self) } == "through the pipe")
        #expect(info(fifo).st_mode & S_IFMT == S_IFIFO)
    }

    @Test func devNullStaysADevice() throws {
        try OutputFile.write(Data("discarded".utf8), to: "/dev/null")
        #expect(info("/dev/null").st_mode & S_IFMT == S_IFCHR)
    }

    @Test func directoriesAndMissingDirectoriesAreRefused() {
        let dir = TemporaryDirectory()
        #expect(throws: OutputFileError.isDirectory(path: dir.url.path)) { try OutputFile.write(Data(), to: dir.url.path) }
        #expect(throws: OutputFileError.noDirectory(path: dir.path("no/x"), directory: dir.path("no"))) {
            try OutputFile.write(Data(), to: dir.path("no/x"))
        }
    }
}

/// A value handed from the FIFO reader thread.
private final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data?) { lock.lock(); data = value ?? Data(); lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}
