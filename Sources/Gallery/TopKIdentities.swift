/// The best `k` distinct identities seen so far, each with its best template's score:
/// a min-heap keyed by score, so a new score is rejected with one comparison against the
/// weakest kept identity (`floor`). Never sorts the stream; an identity appears once.
struct TopKIdentities: Sendable {
    let k: Int
    private(set) var identities: [Int64] = []
    private(set) var scores: [Float] = []
    private(set) var templates: [Int64] = []

    init(k: Int) {
        self.k = k
        identities.reserveCapacity(k)
        scores.reserveCapacity(k)
        templates.reserveCapacity(k)
    }

    /// Scores at or below this cannot enter (−∞ until `k` identities are held).
    var floor: Float { identities.count < k ? -.infinity : scores[0] }

    /// Considers `score` of one template of `identity`.
    @inline(__always)
    mutating func offer(identity: Int64, score: Float, template: Int64) {
        guard score > floor else { return }
        insert(identity: identity, score: score, template: template)
    }

    /// Considers a run of scores: `scores[j]` of template `templates[j]` of `identities[j]`.
    /// Most scores never pass the floor, so blocks of 64 are first tested by their maximum
    /// (eight lane-wise maxima and one fold; a horizontal maximum per eight scores measured
    /// slower than the plain loop), and only a block that beats the floor is scanned score
    /// by score.
    @inline(__always)
    mutating func offer(scores: UnsafePointer<Float>, count: Int,
                        identities: UnsafePointer<Int64>, templates: UnsafePointer<Int64>) {
        var floor = self.floor
        var start = 0
        while start < count {
            let end = min(start + Self.block, count)
            if end - start < Self.block || Self.blockMaximum(scores + start) > floor {
                for j in start..<end where scores[j] > floor {
                    insert(identity: identities[j], score: scores[j], template: templates[j])
                    floor = self.floor
                }
            }
            start = end
        }
    }

    private static let block = 64

    /// The largest of the 64 scores at `scores`.
    @inline(__always)
    private static func blockMaximum(_ scores: UnsafePointer<Float>) -> Float {
        let raw = UnsafeRawPointer(scores)
        var m = raw.loadUnaligned(as: SIMD8<Float>.self)
        for c in 1..<8 {
            let v = raw.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
        }
        var m4 = m.lowHalf
        m4.replace(with: m.highHalf, where: m.highHalf .> m4)
        return Swift.max(Swift.max(m4[0], m4[1]), Swift.max(m4[2], m4[3]))
    }

    private mutating func insert(identity: Int64, score: Float, template: Int64) {
        if let i = identities.firstIndex(of: identity) {
            guard score > scores[i] else { return }
            scores[i] = score
            templates[i] = template
            siftDown(i)
        } else if identities.count < k {
            identities.append(identity)
            scores.append(score)
            templates.append(template)
            siftUp(identities.count - 1)
        } else {
            identities[0] = identity
            scores[0] = score
            templates[0] = template
            siftDown(0)
        }
    }

    /// Folds in another partial result (from another slice of the gallery).
    mutating func merge(_ other: TopKIdentities) {
        for i in 0..<other.identities.count {
            offer(identity: other.identities[i], score: other.scores[i], template: other.templates[i])
        }
    }

    /// The kept identities, best first: (identity id, best cosine, best template id).
    func ranked() -> [(identity: Int64, score: Float, template: Int64)] {
        (0..<identities.count)
            .map { (identity: identities[$0], score: scores[$0], template: templates[$0]) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.identity < $1.identity }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        identities.swapAt(a, b)
        scores.swapAt(a, b)
        templates.swapAt(a, b)
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard scores[i] < scores[parent] else { return }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = identities.count
        while true {
            let left = 2 * i + 1
            guard left < n else { return }
            var smallest = left
            if left + 1 < n, scores[left + 1] < scores[left] { smallest = left + 1 }
            guard scores[smallest] < scores[i] else { return }
            swapAt(i, smallest)
            i = smallest
        }
    }
}
