import Foundation
import Synchronization

/// The service's counters and histograms, written as Prometheus text at `/metrics`.
final class Metrics: Sendable {
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    private struct RequestKey: Hashable { let route: String, method: String, status: Int }

    private struct Histogram {
        let buckets: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0
        init(buckets: [Double]) { self.buckets = buckets; counts = Array(repeating: 0, count: buckets.count) }
        mutating func observe(_ value: Double) {
            for (i, bound) in buckets.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    private struct Storage {
        var requests: [RequestKey: Int] = [:]
        var latency: [RequestKey: Histogram] = [:]
        var facesDetected = 0
        var batches: [String: Histogram] = [:]
    }

    private let storage = Mutex(Storage())

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        let key = RequestKey(route: route, method: method, status: status)
        storage.withLock {
            $0.requests[key, default: 0] += 1
            $0.latency[key, default: Histogram(buckets: Metrics.latencyBuckets)].observe(seconds)
        }
    }

    func recordFaces(_ count: Int) { storage.withLock { $0.facesDetected += count } }

    /// One batch of `size` queries (or faces) through the search (or the network), by `kind`.
    func recordBatch(kind: String, size: Int) {
        storage.withLock { $0.batches[kind, default: Histogram(buckets: Metrics.batchBuckets)].observe(Double(size)) }
    }

    /// The exposition text; `gauges` are current values (gallery size, queue load).
    func render(gauges: [(name: String, help: String, value: Double)]) -> String {
        let s = storage.withLock { $0 }
        var out = ""
        out += "# HELP sphere_http_requests_total HTTP requests answered, by route, method and status.\n"
        out += "# TYPE sphere_http_requests_total counter\n"
        for (key, n) in s.requests.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            out += "sphere_http_requests_total{\(labels(key))} \(n)\n"
        }
        out += "# HELP sphere_http_request_duration_seconds Time to answer, by route, method and status.\n"
        out += "# TYPE sphere_http_request_duration_seconds histogram\n"
        for (key, h) in s.latency.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            out += histogram("sphere_http_request_duration_seconds", labels(key), h)
        }
        out += "# HELP sphere_faces_detected_total Faces found in identify, enrol and verify images.\n"
        out += "# TYPE sphere_faces_detected_total counter\n"
        out += "sphere_faces_detected_total \(s.facesDetected)\n"
        out += "# HELP sphere_batch_size Queries or faces per coalesced batch, by stage.\n"
        out += "# TYPE sphere_batch_size histogram\n"
        for (kind, h) in s.batches.sorted(by: { $0.key < $1.key }) {
            out += histogram("sphere_batch_size", "stage=\"\(escape(kind))\"", h)
        }
        for gauge in gauges {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(format(gauge.value))\n"
        }
        return out
    }

    private func labels(_ key: RequestKey) -> String {
        "route=\"\(escape(key.route))\",method=\"\(escape(key.method))\",status=\"\(key.status)\""
    }

    private func histogram(_ name: String, _ labels: String, _ h: Histogram) -> String {
        var out = ""
        for (bound, n) in zip(h.buckets, h.counts) {
            out += "\(name)_bucket{\(labels),le=\"\(format(bound))\"} \(n)\n"
        }
        out += "\(name)_bucket{\(labels),le=\"+Inf\"} \(h.count)\n"
        out += "\(name)_sum{\(labels)} \(format(h.sum))\n"
        out += "\(name)_count{\(labels)} \(h.count)\n"
        return out
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
