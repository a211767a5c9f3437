import Foundation

/// Probe images of a MegaFace Challenge 1 run (FaceScrub in the original): embeddings with
/// the identity of each.
public struct MegaFaceProbeSet: Sendable {
    /// One embedding per probe image (unit rows).
    public let features: FeatureMatrix
    /// Identity of each row (any integer ids), `features.rows` values.
    public let identities: [Int]

    /// - Throws: `lengthMismatch` when `identities.count != features.rows`.
    public init(features: FeatureMatrix, identities: [Int]) throws {
        guard identities.count == features.rows else {
            throw EvaluationError.lengthMismatch(what: "probe identities", expected: features.rows, actual: identities.count)
        }
        self.features = features
        self.identities = identities
    }
}

/// Settings of a MegaFace-style run.
public struct MegaFaceConfiguration: Sendable {
    /// Distractor subset sizes; nil for `DistractorSubsets.defaultSizes` (10, 100, …, all).
    public var sizes: [Int]?
    /// Seed of the distractor permutation.
    public var seed: UInt64
    /// Last rank of each CMC curve.
    public var maxRank: Int
    /// FAR targets of the verification TAR, each in (0, 1). The largest decides how many top
    /// impostor scores are kept in memory: ⌊max FAR × impostor pairs⌋ + 1.
    public var farTargets: [Double]
    /// Worker threads (nil: one per core).
    public var threads: Int?

    public init(sizes: [Int]? = nil, seed: UInt64 = 0, maxRank: Int = 10,
                farTargets: [Double] = [1e-3, 1e-4, 1e-5, 1e-6], threads: Int? = nil) {
        self.sizes = sizes
        self.seed = seed
        self.maxRank = maxRank
        self.farTargets = farTargets
        self.threads = threads
    }
}

/// Identification at one distractor-set size.
public struct MegaFaceSizeResult: Sendable, Equatable {
    /// Distractors in the gallery (besides the one gallery image of the probe's identity).
    public var distractors: Int
    /// CMC over all probe/gallery trials at this size; `cmc.rank1` is the rank-1 rate.
    public var cmc: CMC
}

/// Verification TAR at one FAR target.
public struct MegaFaceTAR: Sendable, Equatable {
    /// The FAR target.
    public var far: Double
    /// Highest TAR with FAR ≤ target, or nil when there are fewer than 1/far impostor pairs.
    public var tar: Double?
    /// Accept scores `≥ threshold` for that TAR (nil with `tar`).
    public var threshold: Float?
}

/// Everything a MegaFace-style run measures.
public struct MegaFaceResult: Sendable {
    /// Identification per distractor size, smallest first.
    public var identification: [MegaFaceSizeResult]
    /// Probe identities with at least two images (the others cannot form a trial).
    public var identitiesUsed: Int
    /// Probe identities skipped for having a single image.
    public var identitiesSkipped: Int
    /// Probe images taking part.
    public var probeImages: Int
    /// Probe/gallery trials per size: Σ n(n−1) over identities with n images.
    public var trials: Int
    /// Genuine verification pairs: unordered pairs of probe images of one identity, Σ n(n−1)/2.
    public var genuinePairs: Int
    /// Impostor verification pairs: probe images × the largest distractor subset.
    public var impostorPairs: Int
    /// Verification TAR per FAR target (in the order given).
    public var verification: [MegaFaceTAR]
    /// The strict end of the verification ROC, exact for FAR ≤ the largest target (points
    /// `ROC.sampled` for plotting); nil when no target is resolvable.
    public var verificationROC: [OperatingPoint]
    /// The seed and sizes used.
    public var seed: UInt64
    /// Open-set identification per distractor size, parallel to `identification`
    /// (see `MegaFaceProtocol`, *Open set*).
    public var openSet: [OpenSetMetrics]
}

/// MegaFace Challenge 1 protocol bookkeeping (identification with growing distractor sets and
/// verification at very low FAR), on embeddings only.
///
/// **Trials.** For each probe identity with images I1…In (n ≥ 2), each image Ij in turn is the
/// only gallery image of that identity, placed among the distractors, and every other image Ik
/// (k ≠ j) is a probe: n(n−1) trials per identity. The rank of trial (j, k) at distractor-set
/// size S is 1 + the number of distractors in the subset of size S whose cosine with Ik is
/// strictly higher than cos(Ik, Ij) (ties go to the probe).
///
/// **Every size from one pass.** Subsets are prefixes of one seeded permutation
/// (`DistractorSubsets`), so for a probe Ik only its scores against the distractors matter, and
/// they do not depend on j or S. Each probe is scored once against every distractor (tiled, so
/// memory stays bounded); a distractor at permutation position p belongs to every subset with
/// S > p, i.e. to the "bucket" b of the first size above p. With Ik's n−1 genuine scores sorted
/// ascending g₀ ≤ … ≤ g_{n−2}, a distractor of score x > g₀ falls in histogram cell
/// (b, c) where c = #{g < x}; it outranks exactly the gallery images whose genuine score is among
/// the c lowest. Summing the histogram over buckets ≤ b and cells c > i then gives, for the gallery
/// image with the i-th lowest genuine score, the number of distractors above it in the subset of
/// the b-th size. Cost: O(D·d) scoring + O(D log n) counting per probe image, O(n · sizes) per
/// probe to read off ranks — independent of the number of sizes, versus O(D log D) per size for
/// re-sorting.
///
/// **Verification.** Genuine pairs: every unordered pair of probe images of one identity.
/// Impostor pairs: every probe image × every distractor of the largest subset. Only the highest
/// ⌊max FAR · impostors⌋ + 1 impostor scores are kept (a bounded min-heap), which is all that
/// TAR at FAR ≤ max FAR depends on; TAR@FAR is interpolation-free (`ROC.operatingPoint`).
///
/// **Open set** (NIST FRVT 1:N terms). The gallery at size S holds the first image (lowest row) of
/// every probe identity and the S distractors. Mated searches: every other probe image; its mate
/// is found when it ranks first (its score ≥ every distractor's and every other enrolled image's;
/// ties go to the probe), i.e. candidate lists of length 1, so FNIR is at rank 1. Non-mated
/// searches: every probe image against the gallery without its own identity (leave one identity
/// out); its top score is the highest over the distractors and the other identities' enrolled
/// images. Σ(n−1) mated and Σn non-mated searches; the per-probe top distractor score of each
/// size comes from the same scoring pass.
///
/// **Cost.** Probe images are split into chunks scored in parallel; scoring is a register-blocked
/// SIMD kernel (`Similarity.dotProducts`) over tiles of 8 probes × 2048 distractors, so memory
/// is the inputs plus, per chunk, one score tile and one impostor heap of ≤ `keep` floats
/// (e.g. FaceScrub's 3,530 images × 10⁶ distractors at max FAR 1e-3: 3.5 M floats, 14 MB).
public enum MegaFaceProtocol {
    /// Runs the protocol. See the type's documentation for the definitions.
    /// - Parameters:
    ///   - probes: probe images and identities (unit embeddings).
    ///   - distractors: distractor embeddings (`rows` = distractors), same dimension.
    ///   - configuration: sizes, seed, ranks, FAR targets.
    /// - Throws: `dimensionMismatch`, `empty` (no identity with ≥ 2 images, no distractors),
    ///   `invalidArgument` (sizes, maxRank, FAR targets).
    public static func evaluate(probes: MegaFaceProbeSet, distractors: FeatureMatrix,
                                configuration: MegaFaceConfiguration = MegaFaceConfiguration()) throws -> MegaFaceResult {
        let dim = probes.features.dim
        guard distractors.dim == dim else { throw EvaluationError.dimensionMismatch(expected: dim, actual: distractors.dim, what: "the distractor features") }
        guard configuration.maxRank >= 1 else { throw EvaluationError.invalidArgument("maxRank must be ≥ 1, got \(configuration.maxRank)") }
        for f in configuration.farTargets where !(f > 0 && f < 1) {
            throw EvaluationError.invalidArgument("FAR targets must lie in (0, 1), got \(f)")
        }
        let subsets = try DistractorSubsets(distractorCount: distractors.rows, sizes: configuration.sizes, seed: configuration.seed)
        let sizes = subsets.sizes
        let buckets = sizes.count

        // Bucket of each distractor: first size above its permutation position; −1 if outside all.
        var bucketOf = [Int32](repeating: -1, count: distractors.rows)
        var b = 0
        for (position, d) in subsets.permutation.enumerated() {
            while b < buckets && position >= sizes[b] { b += 1 }
            if b == buckets { break }
            bucketOf[d] = Int32(b)
        }

        // Group probe images by identity.
        var members: [Int: [Int]] = [:]
        for (row, id) in probes.identities.enumerated() { members[id, default: []].append(row) }
        let used = members.filter { $0.value.count >= 2 }
        guard !used.isEmpty else { throw EvaluationError.empty(what: "probe identities with at least two images") }
        // Probe rows taking part, with the rows of their identity (sorted for determinism).
        var probeRows: [Int] = []
        var mates: [Int: [Int]] = [:]
        for (_, rows) in used.sorted(by: { $0.key < $1.key }) {
            for r in rows {
                probeRows.append(r)
                mates[r] = rows.filter { $0 != r }
            }
        }
        let trials = used.values.reduce(0) { $0 + $1.count * ($1.count - 1) }
        let impostorPairs = probeRows.count * sizes.last!
        let maxFAR = configuration.farTargets.max() ?? 0
        let keep = configuration.farTargets.isEmpty ? 0 : Int((maxFAR * Double(impostorPairs) + 1e-9).rounded(.down)) + 1

        // Genuine verification scores (unordered pairs) and each probe's genuine list.
        let features = probes.features
        var genuinePairScores: [Float] = []
        var genuineOf: [[Float]] = []  // parallel to probeRows: cos(Ik, Ij) for its mates, ascending
        features.values.withUnsafeBufferPointer { v in
            for r in probeRows {
                let scores = mates[r]!.map { Similarity.dot(v.baseAddress! + r * dim, v.baseAddress! + $0 * dim, count: dim) }
                for (m, s) in zip(mates[r]!, scores) where m > r { genuinePairScores.append(s) }
                genuineOf.append(scores.sorted())
            }
        }

        // Score all probes against all distractors in parallel chunks.
        let workers = Swift.max(1, Swift.min(configuration.threads ?? ProcessInfo.processInfo.activeProcessorCount, probeRows.count))
        // Each chunk keeps its own impostor heap of up to `keep` floats: use fewer chunks when it is big.
        let chunkCount = Swift.min(probeRows.count, workers * (keep > 1 << 20 ? 1 : 4))
        let partials = PartialResults(count: chunkCount)
        let maxRank = configuration.maxRank
        let rowsForChunks = probeRows
        let genuineLists = genuineOf
        let bucketTable = bucketOf
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let lo = rowsForChunks.count * chunk / chunkCount, hi = rowsForChunks.count * (chunk + 1) / chunkCount
            partials.store(chunk, scoreChunk(probeIndices: lo..<hi, probeRows: rowsForChunks, genuine: genuineLists,
                                              features: features, distractors: distractors, bucketOf: bucketTable,
                                              buckets: buckets, maxRank: maxRank, keep: keep))
        }

        // Merge.
        var cmcHistogram = [[Int]](repeating: [Int](repeating: 0, count: maxRank + 2), count: buckets)
        var tail: [Float] = []
        var topDistractor: [Float] = []  // parallel to probeRows, × buckets
        topDistractor.reserveCapacity(probeRows.count * buckets)
        for p in partials.values {
            topDistractor.append(contentsOf: p.top)
            for bb in 0..<buckets { for r in 0..<(maxRank + 2) { cmcHistogram[bb][r] += p.cmc[bb][r] } }
            tail.append(contentsOf: p.tail)
        }
        if tail.count > keep {
            tail.sort(by: >)
            tail.removeLast(tail.count - keep)
        }
        var identification: [MegaFaceSizeResult] = []
        for bb in 0..<buckets {
            identification.append(MegaFaceSizeResult(distractors: sizes[bb],
                                                      cmc: try CMC(rankHistogram: Array(cmcHistogram[bb][0...maxRank]), probeCount: trials)))
        }

        var verification: [MegaFaceTAR] = []
        var rocPoints: [OperatingPoint] = []
        if !genuinePairScores.isEmpty && keep > 0 {
            // Impostors not kept are below every kept one: count them as never accepted — exact
            // for every FAR ≤ maxFAR (see type docs).
            let roc = try ROC(genuine: genuinePairScores, impostor: tail, impostorMisses: impostorPairs - tail.count)
            for f in configuration.farTargets {
                if roc.isResolvable(far: f) {
                    let p = roc.operatingPoint(atFAR: f)
                    verification.append(MegaFaceTAR(far: f, tar: p.tar, threshold: p.threshold))
                } else {
                    verification.append(MegaFaceTAR(far: f, tar: nil, threshold: nil))
                }
            }
            if roc.isResolvable(far: maxFAR) {
                rocPoints = roc.sampled().filter { $0.impostorAccepted <= roc.maxImpostors(atFAR: maxFAR) }
            }
        }
        let openSet = try openSetMetrics(features: features, probeRows: probeRows, identities: probes.identities,
                                         topDistractor: topDistractor, buckets: buckets)
        return MegaFaceResult(identification: identification, identitiesUsed: used.count,
                              identitiesSkipped: members.count - used.count, probeImages: probeRows.count,
                              trials: trials, genuinePairs: genuinePairScores.count, impostorPairs: impostorPairs,
                              verification: verification, verificationROC: rocPoints, seed: configuration.seed,
                              openSet: openSet)
    }

    /// Open-set searches per size (see the type's *Open set*). `probeRows` lists the rows taking
    /// part, grouped by identity; `topDistractor[i * buckets + b]` is row `probeRows[i]`'s top
    /// distractor score in the subset of the b-th size.
    private static func openSetMetrics(features: FeatureMatrix, probeRows: [Int], identities: [Int],
                                       topDistractor: [Float], buckets: Int) throws -> [OpenSetMetrics] {
        let dim = features.dim
        // The enrolled image of each identity: its lowest row.
        var enrolledRow: [Int: Int] = [:]
        for r in probeRows { enrolledRow[identities[r]] = Swift.min(enrolledRow[identities[r]] ?? r, r) }
        let enrolled = enrolledRow.sorted { $0.key < $1.key }
        // Per probe: the mate's score and the best score of another identity's enrolled image.
        var mateScore = [Float](repeating: 0, count: probeRows.count)
        var otherBest = [Float](repeating: -.infinity, count: probeRows.count)
        features.values.withUnsafeBufferPointer { v in
            for (i, r) in probeRows.enumerated() {
                for (id, e) in enrolled {
                    let s = Similarity.dot(v.baseAddress! + r * dim, v.baseAddress! + e * dim, count: dim)
                    if id == identities[r] { mateScore[i] = s } else if s > otherBest[i] { otherBest[i] = s }
                }
            }
        }
        var out: [OpenSetMetrics] = []
        for bb in 0..<buckets {
            var mated: [MatedSearch] = []
            var nonMated: [Float?] = []
            for (i, r) in probeRows.enumerated() {
                let rival = Swift.max(topDistractor[i * buckets + bb], otherBest[i])
                nonMated.append(rival == -.infinity ? nil : rival)
                guard enrolledRow[identities[r]] != r else { continue }
                let hit = mateScore[i] >= rival
                mated.append(MatedSearch(mateRank: hit ? 1 : nil, mateScore: hit ? mateScore[i] : nil))
            }
            out.append(try OpenSetMetrics(mated: mated, nonMatedTopScores: nonMated, rank: 1))
        }
        return out
    }

    /// Per-chunk output: CMC rank histograms per bucket (index maxRank + 1 = beyond) and the
    /// chunk's highest impostor scores.
    struct Partial: Sendable {
        var cmc: [[Int]]
        var tail: [Float]
        /// Top distractor score of each probe of the chunk in each subset size (cumulative over
        /// buckets), `probes × buckets` row-major; −∞ where a subset has no distractor.
        var top: [Float]
    }

    final class PartialResults: @unchecked Sendable {
        // Each chunk writes only its own slot, under the lock.
        private var slots: [Partial?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func store(_ index: Int, _ value: Partial) { lock.lock(); slots[index] = value; lock.unlock() }
        var values: [Partial] { lock.lock(); defer { lock.unlock() }; return slots.compactMap { $0 } }
    }

    private static func scoreChunk(probeIndices: Range<Int>, probeRows: [Int], genuine: [[Float]],
                                   features: FeatureMatrix, distractors: FeatureMatrix, bucketOf: [Int32],
                                   buckets: Int, maxRank: Int, keep: Int) -> Partial {
        var cmc = [[Int]](repeating: [Int](repeating: 0, count: maxRank + 2), count: buckets)
        var heap = MinHeap(capacity: keep)
        var top = [Float](repeating: -.infinity, count: probeIndices.count * buckets)
        let bucketBuffer = UnsafeMutablePointer<Int32>.allocate(capacity: bucketOf.count)
        defer { bucketBuffer.deallocate() }
        bucketBuffer.initialize(from: bucketOf, count: bucketOf.count)
        let bucketPtr = UnsafePointer(bucketBuffer)
        let blockProbes = 8, tileWidth = 2048
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: blockProbes * tileWidth)
        defer { tile.deallocate() }
        var start = probeIndices.lowerBound
        while start < probeIndices.upperBound {
            let end = Swift.min(start + blockProbes, probeIndices.upperBound)
            // Per-probe histograms hist[b * (m + 1) + c].
            var hists: [[Int]] = (start..<end).map { [Int](repeating: 0, count: buckets * (genuine[$0].count + 1)) }
            // One query block = the probe rows start..<end (not contiguous in `features`: gather).
            var gathered: [Float] = []
            gathered.reserveCapacity((end - start) * features.dim)
            for i in start..<end { gathered.append(contentsOf: features.values[probeRows[i] * features.dim..<(probeRows[i] + 1) * features.dim]) }
            let queries = FeatureMatrix(uncheckedRows: end - start, dim: features.dim, values: gathered)
            var t0 = 0
            while t0 < distractors.rows {
                let t1 = Swift.min(t0 + tileWidth, distractors.rows)
                let width = t1 - t0
                Similarity.dotProducts(queries, 0..<(end - start), distractors, t0..<t1, into: tile)
                for q in 0..<(end - start) {
                    let lowest = genuine[start + q][0]
                    let count = genuine[start + q].count
                    let m1 = count + 1
                    let row = tile + q * width
                    // Scores at or below `floor` cannot enter the impostor heap.
                    var floor = heap.floor
                    let topBase = (start + q - probeIndices.lowerBound) * buckets
                    top.withUnsafeMutableBufferPointer { tb in
                    let best = tb.baseAddress! + topBase
                    genuine[start + q].withUnsafeBufferPointer { gb in
                        let g = gb.baseAddress!
                        hists[q].withUnsafeMutableBufferPointer { hb in
                            let hist = hb.baseAddress!
                            for k in 0..<width {
                                let bucket = Int(bucketPtr[t0 + k])
                                if bucket < 0 { continue }
                                let x = row[k]
                                if x > best[bucket] { best[bucket] = x }
                                if x > floor {
                                    heap.offer(x)
                                    floor = heap.floor
                                }
                                if x <= lowest { continue }
                                // c = #{genuine < x}: binary search in ascending g (g[0] < x).
                                var lo = 1, hi = count
                                while lo < hi {
                                    let mid = (lo + hi) >> 1
                                    if g[mid] < x { lo = mid + 1 } else { hi = mid }
                                }
                                hist[bucket * m1 + lo] += 1
                            }
                        }
                    }
                    }
                }
                t0 = t1
            }
            // Ranks: gallery image with the i-th lowest genuine score is outranked, at bucket b, by
            // Σ_{b' ≤ b} Σ_{c > i} hist[b'][c] distractors.
            for q in 0..<(end - start) {
                let m = genuine[start + q].count
                var above = [Int](repeating: 0, count: m)  // running over buckets
                for bb in 0..<buckets {
                    var suffix = 0
                    for i in stride(from: m - 1, through: 0, by: -1) {
                        suffix += hists[q][bb * (m + 1) + i + 1]
                        above[i] += suffix
                    }
                    for i in 0..<m { cmc[bb][Swift.min(above[i] + 1, maxRank + 1)] += 1 }
                }
            }
            start = end
        }
        // Subsets are nested: a size's top score is the best over its bucket and all smaller ones.
        for p in 0..<probeIndices.count {
            for bb in 1..<Swift.max(buckets, 1) where top[p * buckets + bb - 1] > top[p * buckets + bb] {
                top[p * buckets + bb] = top[p * buckets + bb - 1]
            }
        }
        return Partial(cmc: cmc, tail: heap.values, top: top)
    }
}

/// A bounded min-heap keeping the `capacity` largest values offered.
struct MinHeap {
    private(set) var values: [Float] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        values.reserveCapacity(Swift.min(capacity, 1 << 20))
    }

    /// Values at or below this cannot enter: −∞ while not full, +∞ for capacity 0.
    var floor: Float { capacity == 0 ? .infinity : (values.count < capacity ? -.infinity : values[0]) }

    @inline(__always)
    mutating func offer(_ x: Float) {
        if values.count < capacity {
            values.append(x)
            var i = values.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                if values[parent] <= values[i] { break }
                values.swapAt(parent, i)
                i = parent
            }
        } else if capacity > 0 && x > values[0] {
            values[0] = x
            var i = 0
            let n = values.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < n && values[l] < values[smallest] { smallest = l }
                if r < n && values[r] < values[smallest] { smallest = r }
                if smallest == i { break }
                values.swapAt(i, smallest)
                i = smallest
            }
        }
    }
}
