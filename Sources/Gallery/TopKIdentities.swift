/// The best `k` distinct identities seen so far, each with its best template's score:
/// a min-heap keyed by score, so a new score is rejected with one comparison against the
/// weakest kept identity (`floor`). Never sorts the stream; an identity appears once.
struct TopKIdentities: Sendable {
    /// One kept identity: its best score so far and the template that scored it.
    struct Entry: Sendable {
        var score: Float
        var identity: Int64
        var template: Int64
    }

    let k: Int
    /// The heap (weakest at index 0). One array of entries, and the sifts work on its buffer,
    /// so an insertion pays one uniqueness check rather than one per array per swap (with three
    /// parallel arrays the checks showed as 7% of a profile of 16-query searches of 200 rows).
    private var heap: [Entry] = []
    /// Scores at or below this cannot enter (−∞ until `k` identities are held).
    private(set) var floor: Float = -.infinity

    init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// Considers `score` of one template of `identity`.
    @inline(__always)
    mutating func offer(identity: Int64, score: Float, template: Int64) {
        guard score > floor else { return }
        insert(Entry(score: score, identity: identity, template: template))
    }

    /// Considers a run of scores: `scores[j]` of template `templates[j]` of `identities[j]`.
    /// Most scores never pass the floor, so a block of 64 is first tested by its maximum
    /// (lane-wise maxima, then one fold), then each of its groups of eight, and only a group
    /// that beats the floor is looked at score by score. (On a 256-query search of 10k×128
    /// the scan takes ~20% of the time, inserts included; before the group test its hot spot
    /// was the score-by-score loop.)
    @inline(__always)
    mutating func offer(scores: UnsafePointer<Float>, count: Int,
                        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>) {
        var start = 0
        while start + Self.block <= count {
            if Self.maximum(of: Self.block, scores + start) > floor {
                for group in stride(from: start, to: start + Self.block, by: 8)
                where Self.maximum(of: 8, scores + group) > floor {
                    offerEach(group..<group + 8, scores: scores, identities: identities, templates: templates)
                }
            }
            start += Self.block
        }
        offerEach(start..<count, scores: scores, identities: identities, templates: templates)
    }

    /// The score-by-score part of `offer(scores:…)`, over `range` of the run.
    @inline(__always)
    private mutating func offerEach(_ range: Range<Int>, scores: UnsafePointer<Float>,
                                    identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>) {
        var floor = self.floor
        for j in range where scores[j] > floor {
            insert(Entry(score: scores[j], identity: identities[j], template: templates[j]))
            floor = self.floor
        }
    }

    private static let block = 64

    /// The largest of the `count` (a multiple of 8) scores at `scores`.
    @inline(__always)
    private static func maximum(of count: Int, _ scores: UnsafePointer<Float>) -> Float {
        let raw = UnsafeRawPointer(scores)
        var m = raw.loadUnaligned(as: SIMD8<Float>.self)
        for c in 1..<count / 8 {
            let v = raw.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
        }
        var m4 = m.lowHalf
        m4.replace(with: m.highHalf, where: m.highHalf .> m4)
        return Swift.max(Swift.max(m4[0], m4[1]), Swift.max(m4[2], m4[3]))
    }

    private mutating func insert(_ entry: Entry) {
        if let i = heap.firstIndex(where: { $0.identity == entry.identity }) {
            // A better template of a kept identity: its score rises, so it sinks.
            guard entry.score > heap[i].score else { return }
            heap.withUnsafeMutableBufferPointer { heap in
                heap[i] = entry
                Self.siftDown(heap, from: i)
            }
        } else if heap.count < k {
            heap.append(entry)
            heap.withUnsafeMutableBufferPointer { heap in Self.siftUp(heap, from: heap.count - 1) }
        } else {
            // A new identity replaces the weakest.
            heap.withUnsafeMutableBufferPointer { heap in
                heap[0] = entry
                Self.siftDown(heap, from: 0)
            }
        }
        floor = heap.count < k ? -.infinity : heap[0].score
    }

    /// Folds in another partial result (from another slice of the gallery).
    mutating func merge(_ other: TopKIdentities) {
        for entry in other.heap { offer(identity: entry.identity, score: entry.score, template: entry.template) }
    }

    /// The kept identities, best first: (identity id, best cosine, best template id).
    func ranked() -> [(identity: Int64, score: Float, template: Int64)] {
        heap.sorted { $0.score != $1.score ? $0.score > $1.score : $0.identity < $1.identity }
            .map { (identity: $0.identity, score: $0.score, template: $0.template) }
    }

    private static func siftUp(_ heap: UnsafeMutableBufferPointer<Entry>, from start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].score < heap[parent].score else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private static func siftDown(_ heap: UnsafeMutableBufferPointer<Entry>, from start: Int) {
        var i = start
        let n = heap.count
        while true {
            let left = 2 * i + 1
            guard left < n else { return }
            var smallest = left
            if left + 1 < n, heap[left + 1].score < heap[left].score { smallest = left + 1 }
            guard heap[smallest].score < heap[i].score else { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
