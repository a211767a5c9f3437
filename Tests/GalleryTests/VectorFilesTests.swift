import Foundation
import Testing
@testable import Gallery

@Suite struct VectorFilesTests {
    /// An `.npy` header with `shape` and `payload` bytes of data after it.
    func npy(shape: String, payload: Int = 16) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: payload))
        return data
    }

    func npyError(_ data: Data) -> VectorFileError? {
        do { _ = try VectorFiles.parseNPY(data, file: "x.npy"); return nil } catch let error as VectorFileError { return error } catch {
            return nil
        }
    }

    @Test func npyShapesThatDoNotFitTheDataAreRefused() throws {
        for shape in ["(-1, 128)", "(1099511627776, 1099511627776)", "(4, -4)", "(9223372036854775807, 2)",
                      "(1099511627776, 0)", "(5,)", "(1, 2, 3)", "(a, b)"] {
            guard case .badNPY(let file, _)? = npyError(npy(shape: shape)) else {
                Issue.record("shape \(shape) was not refused")
                continue
            }
            #expect(file == "x.npy")
        }
        #expect(try VectorFiles.parseNPY(npy(shape: "(2, 2)"), file: "x.npy") == [[0, 0], [0, 0]])
    }

    @Test func npyHeaderWithClosingBeforeOpeningParenthesisIsRefused() {
        var data = npy(shape: "(1, 1)")
        // ')' ahead of the shape's '(' in the header text.
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "'descr'", with: "')escr'")
        data = Data(text.utf8)
        #expect(npyError(data) != nil)
    }

    @Test func anOverlongJSONLineIsRefusedBeforeItIsParsed() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("v.jsonl")
        let long = "{\"identity\": \"a\", \"vector\": [" + String(repeating: "0.5, ", count: 3000) + "0.5]}"
        try ("{\"identity\": \"b\", \"vector\": [1, 0]}\n" + long + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: VectorFileError.lineTooLong(file: path, line: 2, limit: 4096)) {
            try VectorFiles.readJSONLines(path, maxLineBytes: 4096)
        }
        #expect(throws: VectorFileError.lineTooLong(file: "mem", line: 2, limit: 4096)) {
            try VectorFiles.parseJSONLines(Data(try String(contentsOfFile: path, encoding: .utf8).utf8), file: "mem", maxLineBytes: 4096)
        }
        // A final line without a newline is still bounded (the streaming reader's other path).
        try long.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: VectorFileError.lineTooLong(file: path, line: 1, limit: 4096)) {
            try VectorFiles.readJSONLines(path, maxLineBytes: 4096)
        }
        #expect(try VectorFiles.readJSONLines(path).count == 1)
    }

    @Test func streamingReaderMatchesTheInMemoryOne() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("v.jsonl")
        // Lines straddle the reader's 1 MiB chunks; CRLF ends and blank lines are allowed.
        var text = ""
        let tail = (1..<200).map(String.init).joined(separator: ", ")
        for i in 0..<4000 { text += "{\"identity\": \"p\(i)\", \"vector\": [\(i), \(tail)]}\(i % 3 == 0 ? "\r" : "")\n\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let streamed = try VectorFiles.readJSONLines(path)
        let inMemory = try VectorFiles.parseJSONLines(Data(text.utf8), file: path)
        #expect(streamed.count == 4000)
        #expect(streamed == inMemory)
        #expect(streamed[3999].line == 7999)
    }

    @Test func nonStringIdentitiesAreRefusedNotCoerced() {
        for identity in ["42", "true", "{\"a\": 1}", "[\"x\"]"] {
            let line = "{\"identity\": \(identity), \"vector\": [1, 0]}"
            #expect(throws: VectorFileError.badLine(file: "f", line: 1, reason: "\"identity\" must be a string")) {
                try VectorFiles.parseJSONLines(Data(line.utf8), file: "f")
            }
        }
        #expect(throws: VectorFileError.badLine(file: "f", line: 1, reason: "\"source\" must be a string")) {
            try VectorFiles.parseJSONLines(Data("{\"identity\": \"a\", \"vector\": [1], \"source\": 3}".utf8), file: "f")
        }
        #expect(throws: VectorFileError.badLine(file: "f", line: 1, reason: "\"vector\" holds a non-number")) {
            try VectorFiles.parseJSONLines(Data("{\"identity\": \"a\", \"vector\": [true, 1]}".utf8), file: "f")
        }
        let ok = try? VectorFiles.parseJSONLines(Data("{\"identity\": null, \"vector\": [1]}".utf8), file: "f")
        #expect(ok?.first?.identity == nil && ok?.count == 1)
    }

    @Test func labelsWithCRLFEndsAreCountedAndStripped() throws {
        #expect(try VectorFiles.parseLabels(Data("ada\r\nbob\r\n".utf8), file: "l") == ["ada", "bob"])
        #expect(try VectorFiles.parseLabels(Data("ada\nbob".utf8), file: "l") == ["ada", "bob"])
        #expect(try VectorFiles.parseLabels(Data("ada\n\nbob\n".utf8), file: "l") == ["ada", "", "bob"])
    }

    @Test func aLatin1LabelIsNamedByLine() {
        let data = Data("ada\n".utf8) + Data([0x4A, 0x6F, 0x73, 0xE9, 0x0A])   // "José" in Latin-1
        #expect(throws: VectorFileError.badLabel(
            file: "l", line: 2, reason: "not UTF-8 text (Latin-1?); convert the file, e.g. `iconv -f latin1 -t utf-8`.")) {
            try VectorFiles.parseLabels(data, file: "l")
        }
    }

    @Test func directoriesAreNotReadAsVectorFiles() {
        let dir = TemporaryDirectory()
        #expect(throws: VectorFileError.unreadable(file: dir.url.path, reason: "it is a directory")) {
            try VectorFiles.readNPY(dir.url.path)
        }
    }
}
