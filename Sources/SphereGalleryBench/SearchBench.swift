import ArgumentParser
import Foundation
import CBLAS
import Gallery

/// 1:N search speed on random unit vectors, the same work as `search_peers.py run`.
struct SearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Queries/s of exact top-k identity search on random unit vectors.")

    @Option var d = 512
    @Option var n = 100_000
    @Option(help: "Comma-separated query batch sizes.") var q = "1,16,256"
    @Option var k = 10
    @Option(help: "Comma-separated storages: f32,f16.") var storage = "f32"
    @Option(help: "Timed runs per point at least (the median is reported).") var runs = 7
    @Option(help: "Keep timing runs until this many seconds have passed (at most 3,000 runs), as the peer script does.")
    var minTime = 0.5
    @Option(help: "Untimed searches per point first: the second batch search of a float32 gallery makes the integer pass's quantized copy of the rows, which later searches reuse.")
    var warmup = 2
    @Option var seed: UInt64 = 0
    @Option(help: "Search kernel: automatic, direct, panel, quantized, blas.") var path = "automatic"
    @Option(help: "OpenBLAS threads (1: our own workers split the GEMMs, the CLI's policy).") var blasThreads = 1

    func run() throws {
        openblas_set_num_threads(Int32(blasThreads))
        guard let searchPath = SearchPath(rawValue: path) else { throw ValidationError("unknown path \(path)") }
        let batches = q.split(separator: ",").compactMap { Int($0) }
        let storages = try storage.split(separator: ",").map {
            guard let s = VectorStorage(rawValue: String($0)) else { throw ValidationError("unknown storage \($0)") }
            return s
        }
        var random = SyntheticVectors(dim: d, seed: seed)
        let data = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        defer { data.deallocate() }
        let buildTime = measure { random.fillUnitRows(data, count: n) }
        let maxQ = batches.max() ?? 1
        var queries = [Float](repeating: 0, count: maxQ * d)
        queries.withUnsafeMutableBufferPointer { random.fillUnitRows($0.baseAddress!, count: maxQ) }

        var exact: [Int: [[IndexHit]]] = [:]
        for storage in storages {
            let matrix = EmbeddingMatrix(dim: d, storage: storage)
            matrix.reserve(n)
            let addTime = measure {
                for i in 0..<n { matrix.append(data + i * d, templateID: Int64(i + 1), identityID: Int64(i + 1)) }
            }
            for batch in batches {
                var hits: [[IndexHit]] = []
                let before = CPUSnapshot.now()
                let timings = queries.withUnsafeBufferPointer { buffer -> [Double] in
                    for _ in 0..<warmup { _ = matrix.search(buffer.baseAddress!, count: batch, k: k, path: searchPath) }
                    var times: [Double] = []
                    let start = DispatchTime.now().uptimeNanoseconds
                    while times.count < runs
                        || (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minTime && times.count < 3000) {
                        times.append(measure { hits = matrix.search(buffer.baseAddress!, count: batch, k: k, path: searchPath) })
                    }
                    return times
                }
                if storage == .float32 { exact[batch] = hits }
                let recall = exact[batch].map { reference in
                    zip(reference, hits).reduce(0.0) { sum, pair in
                        sum + Double(Set(pair.0.map(\.identityID)).intersection(pair.1.map(\.identityID)).count) / Double(k)
                    } / Double(batch)
                }
                let latency = median(timings)
                printJSONLine([
                    "tool": "sphere-gallery", "path": path, "storage": storage.rawValue, "d": d, "n": n, "q": batch, "k": k,
                    "qps": Double(batch) / latency, "lat_ms": latency * 1000, "runs": timings.count,
                    "recall10": recall ?? NSNull(), "memory_mb": Double(matrix.bytes) / 1_048_576,
                    "build_s": buildTime + addTime, "foreign_cpu": before.foreignShare(until: CPUSnapshot.now()),
                ])
            }
        }
    }
}
