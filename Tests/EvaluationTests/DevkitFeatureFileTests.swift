import Foundation
import Testing
@testable import Evaluation

@Suite struct DevkitFeatureFileTests {
    func header(_ rows: Int32, _ cols: Int32, _ stride: Int32, _ type: Int32) -> [UInt8] {
        [rows, cols, stride, type].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    @Test func writesTheDevkitLayout() {
        let bytes = DevkitFeatureFile(vector: [1, -2, 0.5]).encoded()
        // rows 3, cols 1, stride 4, type 5 (CV_32F); 1.0 = 0x3F800000, −2 = 0xC0000000, 0.5 = 0x3F000000.
        #expect(bytes == [3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0,
                          0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F])
    }

    @Test func roundTripsThroughAFile() throws {
        let dir = TemporaryDirectory()
        let v: [Float] = (0..<512).map { Float($0) / 100 - 2.5 }
        let path = DevkitFeatureFile.featurePath(forImage: dir.path("img.jpg"))
        #expect(path.hasSuffix("img.jpg.bin"))
        try DevkitFeatureFile(vector: v).write(path: path)
        let back = try DevkitFeatureFile.read(path: path)
        #expect(back.rows == 512 && back.cols == 1 && back.vector == v)
        let m = try DevkitFeatureFile(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(try DevkitFeatureFile.decode(m.encoded()) == m)
    }

    @Test func readsPaddedRows() throws {
        // 2 × 1 with an 8-byte stride: each row has 4 bytes of padding.
        let bytes = header(2, 1, 8, 5) + [0, 0, 0x80, 0x3F, 9, 9, 9, 9, 0, 0, 0, 0x40, 9, 9, 9, 9]
        #expect(try DevkitFeatureFile.decode(bytes).values == [1, 2])
    }

    @Test func badFilesSayWhatIsWrong() {
        func reason(_ bytes: [UInt8]) -> String { message { _ = try DevkitFeatureFile.decode(bytes, source: "f.bin") } ?? "no error" }
        #expect(reason([1, 2, 3]).contains("fewer than the 16-byte header"))
        #expect(reason(header(1, 1, 8, 6) + [UInt8](repeating: 0, count: 8)).contains("CV_64F"))
        #expect(reason(header(-1, 1, 4, 5)).contains("negative"))
        #expect(reason(header(1, 2, 4, 5) + [UInt8](repeating: 0, count: 4)).contains("stride"))
        #expect(reason(header(4, 1, 4, 5) + [UInt8](repeating: 0, count: 8)).contains("truncated"))
        #expect(reason(header(1, 1, 4, 5) + [UInt8](repeating: 0, count: 6)).contains("2 bytes after"))
        #expect(reason(header(1, 1, 4, 5)).contains("f.bin"))
        #expect(message { _ = try DevkitFeatureFile.read(path: "/nonexistent/x.bin") }!.contains("cannot read"))
        #expect(throws: EvaluationError.self) { _ = try DevkitFeatureFile(rows: 2, cols: 2, values: [1]) }
    }

    @Test func readsAFolderOfVectorsAsAMatrix() throws {
        let dir = TemporaryDirectory()
        let paths = (0..<3).map { dir.path("\($0).jpg.bin") }
        for (i, p) in paths.enumerated() { try DevkitFeatureFile(vector: [Float(i), 1]).write(path: p) }
        let m = try DevkitFeatureFile.readMatrix(paths: paths)
        #expect(m.rows == 3 && m.dim == 2 && m.values == [0, 1, 1, 1, 2, 1])
        try DevkitFeatureFile(vector: [1, 2, 3]).write(path: paths[2])
        #expect(throws: EvaluationError.dimensionMismatch(expected: 2, actual: 3, what: paths[2])) {
            _ = try DevkitFeatureFile.readMatrix(paths: paths)
        }
    }
}
