import CSIMD
import Foundation
import Imaging
import NeuralNet

/// dlib's 5-point face landmark predictor (`shape_predictor_5_face_landmarks.dat`, public domain):
/// a cascade of regression-tree ensembles (Kazemi & Sullivan, "One millisecond face alignment with an
/// ensemble of regression trees", CVPR 2014), ported for inference.
///
/// ```
/// cur = mean shape (5 points in box-normalised units: (0,0) = box top-left, (1,1) = bottom-right)
/// for each of the 15 cascades:
///     S   = 2×2 part (scale·rotation) of the least-squares similarity mean shape → cur
///     I_p = grey((box map)(S·delta_p + cur[anchor_p]))   for the cascade's 800 feature pixels
///     for each of its 500 trees (depth 4): walk with I[idx1] − I[idx2] > thresh; cur += leaf
/// landmarks = (box map)(cur)
/// ```
///
/// The box map is `x ↦ left + (right − left)·x`, `y ↦ top + (bottom − top)·y` (dlib's rectangle,
/// right/bottom inclusive); a feature pixel is the image pixel at the map's value rounded with
/// `floor(v + 0.5)`, its grey level `(R + G + B) / 3` in integer arithmetic (dlib's
/// `get_pixel_intensity` of an `rgb_pixel`), and 0 outside the image. Shapes and leaf sums are Float32
/// as in dlib; the similarity is fitted in Double and used as Float32.
///
/// Landmark order (dlib's): 0/1 outer/inner corner of the eye at larger x, 2/3 outer/inner corner of
/// the eye at smaller x, 4 the point below the nose — the order `AlignmentTemplate.dlibChip150` expects.
///
/// Weights: the safetensors file of `Tools/convert_dlib_model.py` (`dlib_shape_predictor_5.safetensors`
/// in the model cache, written by `make models`). Immutable after loading (the tables live in memory
/// owned by the instance and are never written after `init`); one instance may be used from any number
/// of threads at once.
public final class ShapePredictor: @unchecked Sendable {
    /// A detector rectangle in dlib's convention: integer-valued in dlib, but any real values work;
    /// `right`/`bottom` are inclusive (a dlib box of width `w` has `right = left + w − 1`). Pixels.
    public struct Box: Sendable, Equatable {
        public var left: Double, top: Double, right: Double, bottom: Double
        public init(left: Double, top: Double, right: Double, bottom: Double) {
            self.left = left; self.top = top; self.right = right; self.bottom = bottom
        }
    }

    /// File name of the converted model inside the model cache.
    public static let cacheFileName = "dlib_shape_predictor_5.safetensors"
    /// The `__metadata__["format"]` value written by the converter.
    public static let formatTag = "sphere-gallery.dlib-shape-predictor.v1"

    /// Number of landmarks (5).
    public let landmarkCount: Int
    /// Number of cascades (15 in dlib's model).
    public let cascadeCount: Int
    /// Trees per cascade (500).
    public let treesPerCascade: Int
    /// Split nodes per tree (15: complete binary trees of depth 4, 16 leaves).
    public let splitsPerTree: Int
    /// Feature pixels per cascade (800).
    public let featurePixels: Int

    /// Mean shape, `[x0, y0, x1, y1, …]`, box-normalised.
    let initialShape: [Float]
    /// `[K][T][S]` pairs of feature-pixel indices, flattened.
    private let splitFeatures: UnsafeMutableBufferPointer<Int32>
    /// `[K][T][S]` thresholds.
    private let thresholds: UnsafeMutableBufferPointer<Float>
    /// `[K][T][S+1][2L]` shape increments.
    private let leaves: UnsafeMutableBufferPointer<Float>
    /// `[K][P]` landmark each feature pixel is anchored to.
    private let anchors: UnsafeMutableBufferPointer<Int32>
    /// `[K][P][2]` offset of each feature pixel from its anchor, mean-shape units.
    private let deltas: UnsafeMutableBufferPointer<Float>

    deinit {
        splitFeatures.deallocate(); thresholds.deallocate(); leaves.deallocate()
        anchors.deallocate(); deltas.deallocate()
    }

    /// Loads a converted predictor.
    /// - Throws: `DetectionError.badWeights` when the file is not the converter's output or its tensors
    ///   are inconsistent (wrong shapes, an index out of range).
    public init(contentsOf path: String) throws {
        func bad(_ reason: String) -> DetectionError {
            DetectionError.badWeights(file: path, reason: reason + "; re-create it with `make models` (Tools/fetch_models.sh --force)")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: path) } catch { throw bad("\(error)") }
        guard file.metadata["format"] == Self.formatTag else {
            throw bad("not a converted dlib shape predictor (format \(file.metadata["format"] ?? "missing"), expected \(Self.formatTag))")
        }
        func shape(_ name: String) throws -> [Int] {
            guard let e = file.entries[name] else { throw bad("tensor \(name) missing") }
            return e.shape
        }
        let leafShape = try shape("leaf_values"), splitShape = try shape("split_idx"), deltaShape = try shape("deltas")
        guard leafShape.count == 5, splitShape.count == 4, deltaShape.count == 3 else { throw bad("unexpected tensor ranks") }
        let (k, t, s, l, p) = (leafShape[0], leafShape[1], splitShape[2], leafShape[3], deltaShape[1])
        guard k > 0, t > 0, s > 0, l > 1, p > 0, (s + 1) & s == 0, leafShape == [k, t, s + 1, l, 2],
              splitShape == [k, t, s, 2], try shape("split_thresh") == [k, t, s], deltaShape == [k, p, 2],
              try shape("anchor_idx") == [k, p], try shape("initial_shape") == [l, 2] else {
            throw bad("tensor shapes do not describe one predictor (leaf_values \(leafShape), split_idx \(splitShape), deltas \(deltaShape))")
        }
        landmarkCount = l; cascadeCount = k; treesPerCascade = t; splitsPerTree = s; featurePixels = p
        let mean: [Float], thresh: [Float], leaf: [Float], delta: [Float], idx: [Int], anc: [Int]
        do {
            mean = try file.tensor("initial_shape").scalars
            thresh = try file.tensor("split_thresh").scalars
            leaf = try file.tensor("leaf_values").scalars
            delta = try file.tensor("deltas").scalars
            idx = try file.integers("split_idx")
            anc = try file.integers("anchor_idx")
        } catch { throw bad("\(error)") }
        guard idx.allSatisfy({ (0..<p).contains($0) }), anc.allSatisfy({ (0..<l).contains($0) }) else {
            throw bad("a split or anchor index is out of range")
        }
        guard (mean + thresh + leaf + delta).allSatisfy(\.isFinite) else { throw bad("non-finite values") }
        func copy<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = b.initialize(from: values)
            return b
        }
        initialShape = mean
        thresholds = copy(thresh); leaves = copy(leaf); deltas = copy(delta)
        splitFeatures = copy(idx.map { Int32($0) }); anchors = copy(anc.map { Int32($0) })
    }

    /// The predictor in the model cache (`$SPHERE_GALLERY_CACHE` or `~/.cache/sphere-gallery`).
    /// - Throws: `DetectionError.modelsMissing` when it has not been fetched, else as `init(contentsOf:)`.
    public static func loadDefault() throws -> ShapePredictor {
        let dir = MTCNN.defaultModelDirectory
        let path = dir + "/" + cacheFileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw DetectionError.modelsMissing(directory: dir, missing: [cacheFileName])
        }
        return try ShapePredictor(contentsOf: path)
    }

    /// The landmarks of the face in `box` of `image`, image pixels (sub-pixel, before dlib's rounding).
    /// `pixels(of:)` rounds them as dlib's `full_object_detection` does.
    /// - Returns: `landmarkCount` points in dlib's order (see the type's documentation).
    public func predict(_ image: Image, box: Box) -> [Point2D] {
        let l2 = 2 * landmarkCount, s = splitsPerTree
        var cur = initialShape
        var features = [Float](repeating: 0, count: featurePixels)
        let reached = UnsafeMutableBufferPointer<Int32>.allocate(capacity: treesPerCascade)
        defer { reached.deallocate() }
        let bx = box.left, by = box.top, bw = box.right - box.left, bh = box.bottom - box.top
        let w = image.width, h = image.height
        let deltas = deltas.baseAddress!, anchors = anchors.baseAddress!, leaves = leaves.baseAddress!
        let splitFeatures = splitFeatures.baseAddress!, thresholds = thresholds.baseAddress!
        image.pixels.withUnsafeBufferPointer { px in
            initialShape.withUnsafeBufferPointer { mean in
                cur.withUnsafeMutableBufferPointer { cur in
                    features.withUnsafeMutableBufferPointer { feat in
                        for c in 0..<cascadeCount {
                            let (a, b) = similarityLinearPart(from: mean, to: UnsafeBufferPointer(cur))
                            // Feature pixels of this cascade, located relative to the current shape.
                            for i in 0..<featurePixels {
                                let k = c * featurePixels + i
                                let dx = deltas[2 * k], dy = deltas[2 * k + 1]
                                let anchor = Int(anchors[k])
                                let qx = (a * dx + b * dy) + cur[2 * anchor]
                                let qy = (-b * dx + a * dy) + cur[2 * anchor + 1]
                                let x = roundHalfUp(bx + bw * Double(qx)), y = roundHalfUp(by + bh * Double(qy))
                                if let x, let y, x >= 0, y >= 0, x < w, y < h {
                                    let o = (y * w + x) * 3
                                    feat[i] = Float((Int(px[o]) + Int(px[o + 1]) + Int(px[o + 2])) / 3)
                                } else {
                                    feat[i] = 0
                                }
                            }
                            // All trees of the cascade see the same features.
                            let trees = c * treesPerCascade
                            csimd_regression_trees(feat.baseAddress!, splitFeatures + 2 * trees * s, thresholds + trees * s,
                                                   leaves + trees * (s + 1) * l2, treesPerCascade, s, l2,
                                                   reached.baseAddress!, cur.baseAddress!)
                        }
                    }
                }
            }
        }
        return (0..<landmarkCount).map {
            Point2D(bx + bw * Double(cur[2 * $0]), by + bh * Double(cur[2 * $0 + 1]))
        }
    }

    /// `predict(_:box:)` rounded to integer pixels with `floor(v + 0.5)`, as dlib returns them.
    public func pixels(_ image: Image, box: Box) -> [Point2D] {
        predict(image, box: box).map { Point2D(($0.x + 0.5).rounded(.down), ($0.y + 0.5).rounded(.down)) }
    }

    /// The linear part `[[a, b], [−b, a]]` (Float32) of the least-squares similarity taking the points
    /// `from` to the points `to` (both `[x0, y0, x1, y1, …]`), fitted in Double: dlib's
    /// `find_similarity_transform` (Umeyama), which for a proper rotation is this closed form.
    private func similarityLinearPart(from: UnsafeBufferPointer<Float>, to: UnsafeBufferPointer<Float>) -> (Float, Float) {
        let n = landmarkCount
        var mfx = 0.0, mfy = 0.0, mtx = 0.0, mty = 0.0
        for i in 0..<n {
            mfx += Double(from[2 * i]); mfy += Double(from[2 * i + 1])
            mtx += Double(to[2 * i]); mty += Double(to[2 * i + 1])
        }
        mfx /= Double(n); mfy /= Double(n); mtx /= Double(n); mty /= Double(n)
        var dot = 0.0, cross = 0.0, den = 0.0
        for i in 0..<n {
            let px = Double(from[2 * i]) - mfx, py = Double(from[2 * i + 1]) - mfy
            let qx = Double(to[2 * i]) - mtx, qy = Double(to[2 * i + 1]) - mty
            dot += px * qx + py * qy
            cross += py * qx - px * qy
            den += px * px + py * py
        }
        guard den > 0 else { return (1, 0) }
        return (Float(dot / den), Float(cross / den))
    }
}

/// `floor(v + 0.5)` as an Int (dlib's conversion of a real point to an integer pixel), nil when it does
/// not fit (NaN or far outside any image).
@inline(__always)
private func roundHalfUp(_ v: Double) -> Int? {
    let r = (v + 0.5).rounded(.down)
    return abs(r) < 1e9 ? Int(r) : nil
}
