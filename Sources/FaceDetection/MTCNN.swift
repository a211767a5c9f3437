import Foundation
import Imaging
import NeuralNet

/// The MTCNN face detector (Zhang et al. 2016) as facenet-pytorch 2.6.0 runs it, on NeuralNet with
/// facenet-pytorch's weights.
///
/// Cascade (`detect(_:)`): an image pyramid (smallest face `minFaceSize` px, ratio `scaleFactor`) with
/// 'area' resizes → P-Net on every level, cells with face probability ≥ `thresholds.0` become boxes →
/// NMS per level (IoU 0.5) and across levels (0.7) → P-Net box regression, squaring → 24×24 'area' crops
/// of the visible part of each box → one R-Net batch, keep probability > `thresholds.1`, NMS 0.7,
/// regression, squaring → 48×48 crops → one O-Net batch, keep > `thresholds.2`, landmarks, regression →
/// NMS "Min" 0.7. Faces come back largest box first, as `facenet_pytorch.MTCNN.detect` orders them.
///
/// Thread safety: the networks keep scratch buffers, so `detect` calls on one instance are serialised
/// by an internal lock (the type is `Sendable`); create one instance per thread to detect in parallel.
///
/// Speed: the 3×3 convolutions are direct SIMD kernels (`DirectConvPReLU`), the 2×2 and 1×1 ones and
/// the dense layers im2col + SGEMM (`Parallel.sgemm`); R-Net and O-Net run once per image on all
/// candidates. For throughput on a multi-core machine, run one detector per core with `Parallel.setBLASThreads(1)` (OpenBLAS's own threads only pay off for large
/// products; MTCNN's are small).
public final class MTCNN: @unchecked Sendable {
    /// Detector parameters; the defaults are facenet-pytorch's.
    public struct Configuration: Sendable, Equatable {
        /// Smallest face side searched for, pixels (default 20). Sets the first pyramid scale `12 / minFaceSize`.
        public var minFaceSize: Double
        /// Ratio between pyramid levels (default 0.709 ≈ 1/√2).
        public var scaleFactor: Double
        /// Face-probability thresholds of P-Net (≥), R-Net (>) and O-Net (>); default 0.6, 0.7, 0.7.
        public var thresholds: [Float]

        public init(minFaceSize: Double = 20, scaleFactor: Double = 0.709, thresholds: [Float] = [0.6, 0.7, 0.7]) {
            self.minFaceSize = minFaceSize
            self.scaleFactor = scaleFactor
            self.thresholds = thresholds
        }

        func validate() throws {
            guard minFaceSize.isFinite, minFaceSize > 0 else {
                throw DetectionError.invalidConfiguration("minFaceSize must be a positive number of pixels, got \(minFaceSize)")
            }
            guard scaleFactor > 0.05, scaleFactor < 0.99 else {
                throw DetectionError.invalidConfiguration("scaleFactor must lie in (0.05, 0.99), got \(scaleFactor)")
            }
            guard thresholds.count == 3, thresholds.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw DetectionError.invalidConfiguration("thresholds must be three probabilities (P-Net, R-Net, O-Net), got \(thresholds)")
            }
        }
    }

    /// Weight file names in the model cache (written by `Tools/fetch_models.sh`).
    public static let cacheFileNames = ["mtcnn_pnet.safetensors", "mtcnn_rnet.safetensors", "mtcnn_onet.safetensors"]
    /// Alternative names accepted in an explicit directory (those of `testvectors/mtcnn`).
    public static let plainFileNames = ["pnet.safetensors", "rnet.safetensors", "onet.safetensors"]

    /// `$SPHERE_GALLERY_CACHE`, or `~/.cache/sphere-gallery`.
    public static var defaultModelDirectory: String { ModelCache.directory }

    /// The parameters in use.
    public let configuration: Configuration
    /// Stage networks (not thread-safe on their own; `detect` serialises access to them).
    let pnet: PNet
    let rnet: RNet
    let onet: ONet
    private let lock = NSLock()

    /// Loads the three networks from `modelDirectory`, which holds either the cache names
    /// (`mtcnn_pnet.safetensors`, …) or the plain names (`pnet.safetensors`, …).
    /// - Throws: `DetectionError.modelsMissing` (telling you to run `make models`) when files are absent,
    ///   `.badWeights` when one cannot be used, `.invalidConfiguration` for bad parameters.
    public convenience init(modelDirectory: String, configuration: Configuration = Configuration()) throws {
        let fm = FileManager.default
        var paths: [String] = []
        var missing: [String] = []
        for (cacheName, plainName) in zip(MTCNN.cacheFileNames, MTCNN.plainFileNames) {
            let a = (modelDirectory as NSString).appendingPathComponent(cacheName)
            let b = (modelDirectory as NSString).appendingPathComponent(plainName)
            if fm.fileExists(atPath: a) { paths.append(a) } else if fm.fileExists(atPath: b) { paths.append(b) } else { missing.append(cacheName) }
        }
        guard missing.isEmpty else { throw DetectionError.modelsMissing(directory: modelDirectory, missing: missing) }
        try self.init(pnetWeights: paths[0], rnetWeights: paths[1], onetWeights: paths[2], configuration: configuration)
    }

    /// Loads the three networks from explicit safetensors files.
    public init(pnetWeights: String, rnetWeights: String, onetWeights: String, configuration: Configuration = Configuration()) throws {
        try configuration.validate()
        for p in [pnetWeights, rnetWeights, onetWeights] where !FileManager.default.fileExists(atPath: p) {
            throw DetectionError.modelsMissing(directory: (p as NSString).deletingLastPathComponent,
                                               missing: [(p as NSString).lastPathComponent])
        }
        self.configuration = configuration
        pnet = try PNet(weights: pnetWeights)
        rnet = try RNet(weights: rnetWeights)
        onet = try ONet(weights: onetWeights)
    }

    /// Loads the networks from `defaultModelDirectory` (`$SPHERE_GALLERY_CACHE` or `~/.cache/sphere-gallery`).
    public static func loadDefault(configuration: Configuration = Configuration()) throws -> MTCNN {
        try MTCNN(modelDirectory: defaultModelDirectory, configuration: configuration)
    }

    /// Pyramid scales for an image of `width × height` (the reference's loop, in Double).
    public func pyramidScales(width: Int, height: Int) -> [Double] {
        let m = 12.0 / configuration.minFaceSize
        var minl = Double(min(width, height)) * m
        var s = m
        var scales: [Double] = []
        while minl >= 12 {
            scales.append(s)
            s *= configuration.scaleFactor
            minl *= configuration.scaleFactor
        }
        return scales
    }

    /// Detects faces in `image`.
    /// - Returns: every face found, largest box area first (empty when none).
    public func detect(_ image: Image) throws -> [DetectedFace] {
        lock.lock()
        defer { lock.unlock() }
        return try runCascade(image, timing: nil)
    }

    /// Detects faces and applies a selection policy (see `FaceSelection`).
    public func detect(_ image: Image, selection: FaceSelection) throws -> [DetectedFace] {
        try selection.select(detect(image), imageWidth: image.width, imageHeight: image.height)
    }

    /// Seconds spent in each part of the cascade, accumulated over calls of `detect(_:timing:)`.
    public struct StageTiming: Sendable {
        public var pyramid = 0.0, pnet = 0.0, proposals = 0.0, rnetCrops = 0.0, rnet = 0.0, onetCrops = 0.0, onet = 0.0, final = 0.0
        public var rnetCandidates = 0, onetCandidates = 0, images = 0
        public init() {}
    }

    /// `detect(_:)` that also accumulates per-stage wall time into `timing` (for benchmarks).
    public func detect(_ image: Image, timing: inout StageTiming) throws -> [DetectedFace] {
        lock.lock()
        defer { lock.unlock() }
        var t = timing
        let r = try runCascade(image, timing: &t)
        timing = t
        return r
    }

    // MARK: - The cascade

    private struct Candidate {
        var box: BoundingBox
        var score: Float
        var reg: (Float, Float, Float, Float)
    }

    /// `detect(_:)` handing the R-Net (stage 2) and O-Net (stage 3) input batches to `record` (for tests).
    func detect(_ image: Image, recordingBatches record: (_ stage: Int, _ batch: Tensor) -> Void) throws -> [DetectedFace] {
        lock.lock()
        defer { lock.unlock() }
        return try withoutActuallyEscaping(record) { try runCascade(image, timing: nil, record: $0) }
    }

    private func runCascade(_ image: Image, timing: UnsafeMutablePointer<StageTiming>?,
                            record: ((_ stage: Int, _ batch: Tensor) -> Void)? = nil) throws -> [DetectedFace] {
        try DetectionLoad.counted { try cascade(image, timing: timing, record: record) }
    }

    private func cascade(_ image: Image, timing: UnsafeMutablePointer<StageTiming>?,
                         record: ((_ stage: Int, _ batch: Tensor) -> Void)?) throws -> [DetectedFace] {
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap(_ kp: WritableKeyPath<StageTiming, Double>) {
            guard let timing else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            timing.pointee[keyPath: kp] += Double(now - clock) * 1e-9
            clock = now
        }
        timing?.pointee.images += 1
        let w = image.width, h = image.height
        let integral = IntegralImage(image)
        let th = configuration.thresholds
        lap(\.pyramid)

        // Stage 1: P-Net over the pyramid.
        var proposals: [Candidate] = []
        for scale in pyramidScales(width: w, height: h) {
            let hs = Int(Double(h) * scale + 1), ws = Int(Double(w) * scale + 1)
            guard hs >= 12, ws >= 12 else { continue }
            let input = Tensor(uninitialized: [1, 3, hs, ws])
            integral.resampleNormalized(x: 0, y: 0, width: w, height: h, outWidth: ws, outHeight: hs, into: input.pointer)
            lap(\.pyramid)
            let raw = try pnet.logitsAndRegression(input)
            lap(\.pnet)
            let level = proposalsAtLevel(raw, scale: Float(scale), threshold: th[0])
            let keep = NonMaximumSuppression.select(level.map(\.box), scores: level.map(\.score), threshold: 0.5, overlap: .union)
            for k in keep { proposals.append(level[k]) }
            lap(\.proposals)
        }
        guard !proposals.isEmpty else { return [] }
        let keep1 = NonMaximumSuppression.select(proposals.map(\.box), scores: proposals.map(\.score), threshold: 0.7, overlap: .union)
        var boxes: [BoundingBox] = keep1.map { k in
            let c = proposals[k], b = c.box
            let rw = b.x2 - b.x1, rh = b.y2 - b.y1
            return BoundingBox(x1: b.x1 + c.reg.0 * rw, y1: b.y1 + c.reg.1 * rh,
                               x2: b.x2 + c.reg.2 * rw, y2: b.y2 + c.reg.3 * rh).squared()
        }
        lap(\.proposals)

        // Stage 2: R-Net on one batch of 24×24 crops.
        var (batch, kept) = crops(of: boxes, integral: integral, size: 24)
        boxes = kept
        guard !boxes.isEmpty else { return [] }
        timing?.pointee.rnetCandidates += boxes.count
        record?(2, batch)
        lap(\.rnetCrops)
        let r = try rnet(batch)
        lap(\.rnet)
        var pass: [(box: BoundingBox, score: Float, reg: (Float, Float, Float, Float))] = []
        let rp = r.probability.pointer, rr = r.regression.pointer
        for i in 0..<boxes.count where rp[2 * i + 1] > th[1] {
            pass.append((boxes[i], rp[2 * i + 1], (rr[4 * i], rr[4 * i + 1], rr[4 * i + 2], rr[4 * i + 3])))
        }
        let keep2 = NonMaximumSuppression.select(pass.map(\.box), scores: pass.map(\.score), threshold: 0.7, overlap: .union)
        boxes = keep2.map { k in
            let c = pass[k]
            return c.box.regressed(c.reg.0, c.reg.1, c.reg.2, c.reg.3).squared()
        }
        guard !boxes.isEmpty else { return [] }
        lap(\.final)

        // Stage 3: O-Net on one batch of 48×48 crops.
        (batch, kept) = crops(of: boxes, integral: integral, size: 48)
        boxes = kept
        guard !boxes.isEmpty else { return [] }
        timing?.pointee.onetCandidates += boxes.count
        record?(3, batch)
        lap(\.onetCrops)
        let o = try onet(batch)
        lap(\.onet)
        var faces: [DetectedFace] = []
        let op = o.probability.pointer, orr = o.regression.pointer, ol = o.landmarks.pointer
        for i in 0..<boxes.count where op[2 * i + 1] > th[2] {
            let b = boxes[i]
            let bw = b.x2 - b.x1 + 1, bh = b.y2 - b.y1 + 1
            let l = ol + 10 * i
            var marks: [Point2D] = []
            marks.reserveCapacity(5)
            for k in 0..<5 {
                let px = bw * l[k] + b.x1 - 1, py = bh * l[5 + k] + b.y1 - 1
                marks.append(Point2D(Double(px), Double(py)))
            }
            let reg = orr + 4 * i
            faces.append(DetectedFace(box: b.regressed(reg[0], reg[1], reg[2], reg[3]), probability: op[2 * i + 1], landmarks: marks))
        }
        let keep3 = NonMaximumSuppression.select(faces.map(\.box), scores: faces.map(\.probability), threshold: 0.7, overlap: .minimum)
        let result = keep3.map { faces[$0] }.enumerated().sorted { a, b in
            a.element.box.area != b.element.box.area ? a.element.box.area > b.element.box.area : a.offset < b.offset
        }.map(\.element)
        lap(\.final)
        return result
    }

    /// Cells of one P-Net output `[1, 6, Ho, Wo]` with face probability ≥ `threshold`, in row-major
    /// cell order, as boxes in image pixels: `floor((2·[x, y] + 1) / scale)` to `floor((2·[x, y] + 12) / scale)`.
    private func proposalsAtLevel(_ raw: Tensor, scale: Float, threshold: Float) -> [Candidate] {
        let ho = raw.shape[2], wo = raw.shape[3], plane = ho * wo
        let p = raw.pointer
        var out: [Candidate] = []
        for y in 0..<ho {
            for x in 0..<wo {
                let k = y * wo + x
                let (_, prob) = faceProbability(p[k], p[plane + k])
                guard prob >= threshold else { continue }
                let fx = Float(x), fy = Float(y)
                let box = BoundingBox(x1: ((2 * fx + 1) / scale).rounded(.down), y1: ((2 * fy + 1) / scale).rounded(.down),
                                      x2: ((2 * fx + 12) / scale).rounded(.down), y2: ((2 * fy + 12) / scale).rounded(.down))
                out.append(Candidate(box: box, score: prob,
                                     reg: (p[2 * plane + k], p[3 * plane + k], p[4 * plane + k], p[5 * plane + k])))
            }
        }
        return out
    }

    /// One NCHW batch `[N, 3, size, size]` of the visible parts of `boxes` ('area'-resized, normalised),
    /// and the boxes that had a visible part (the reference would fail on a box wholly outside the image;
    /// such boxes are dropped here).
    private func crops(of boxes: [BoundingBox], integral: IntegralImage, size: Int) -> (Tensor, [BoundingBox]) {
        var rects: [(x: Int, y: Int, width: Int, height: Int)] = []
        var kept: [BoundingBox] = []
        rects.reserveCapacity(boxes.count); kept.reserveCapacity(boxes.count)
        for b in boxes {
            if let r = b.cropRectangle(imageWidth: integral.width, imageHeight: integral.height) {
                rects.append(r); kept.append(b)
            }
        }
        let batch = Tensor(uninitialized: [rects.count, 3, size, size])
        let item = 3 * size * size
        for (i, r) in rects.enumerated() {
            integral.resampleNormalized(x: r.x, y: r.y, width: r.width, height: r.height, outWidth: size, outHeight: size,
                                        into: batch.pointer + i * item)
        }
        return (batch, kept)
    }
}
