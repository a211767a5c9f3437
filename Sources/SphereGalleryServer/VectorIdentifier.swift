import Gallery

/// Vector identification with concurrent requests coalesced into one gallery search.
final class VectorIdentifier: Sendable {
    /// One request's queries.
    struct Query: Sendable {
        let vectors: [[Float]]
        let topK: Int
        let threshold: Float?
    }

    let coalescer: BatchCoalescer<Query, [VectorAnswer]>

    init(gallery: Gallery, settings: CoalescingSettings, metrics: Metrics) {
        coalescer = BatchCoalescer(name: "search", settings: settings) { queries in
            metrics.recordBatch(kind: "search", size: queries.reduce(0) { $0 + $1.vectors.count })
            return VectorIdentifier.search(gallery, queries)
        }
    }

    func identify(_ query: Query, deadline: ContinuousClock.Instant?) async throws -> [VectorAnswer] {
        try await coalescer.submit(query, cost: query.vectors.count, deadline: deadline)
    }

    /// One search for every query of every request, at the largest k asked for; each
    /// request's answers are cut to its own k and decided at its own threshold.
    static func search(_ gallery: Gallery, _ queries: [Query]) -> [Result<[VectorAnswer], any Error>] {
        let all = queries.flatMap(\.vectors)
        let k = queries.map(\.topK).max() ?? 1
        let results: [SearchResult]
        do {
            results = try gallery.search(all, k: k, threshold: nil)
        } catch {
            return queries.map { _ in .failure(error) }
        }
        var start = 0
        return queries.map { query in
            let slice = results[start..<start + query.vectors.count]
            start += query.vectors.count
            return .success(slice.enumerated().map { i, result in answer(result, query: i, topK: query.topK, threshold: query.threshold) })
        }
    }

    /// A search result cut to `topK` and decided at `threshold` (nil: the gallery's own).
    static func answer(_ result: SearchResult, query: Int, topK: Int, threshold: Float?) -> VectorAnswer {
        let candidates = result.candidates.prefix(topK)
        let bar = threshold ?? result.threshold
        let decision = candidates.first.flatMap { best in bar.map { best.cosine >= $0 } ?? true ? best.identity : nil }
        return VectorAnswer(query: query, decision: decision ?? "unknown",
                            candidates: candidates.map { CandidateBody(identity: $0.identity, cosine: $0.cosine, angle: $0.angle) })
    }
}
