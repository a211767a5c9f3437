import Foundation

/// A 2-D similarity transform (rotation, uniform scale, translation; no reflection):
/// `(x, y) ↦ (sc·x + ss·y + tx, −ss·x + sc·y + ty)`, where `sc = s·cos θ`, `ss = s·sin θ`.
///
/// This is the parameterisation of SphereFace's `matlab_cp2tform.findNonreflectiveSimilarity`.
public struct SimilarityTransform: Sendable, Equatable {
    public var sc: Double, ss: Double, tx: Double, ty: Double

    public init(sc: Double, ss: Double, tx: Double, ty: Double) {
        self.sc = sc; self.ss = ss; self.tx = tx; self.ty = ty
    }

    /// The uniform scale factor `√(sc² + ss²)`.
    public var scale: Double { (sc * sc + ss * ss).squareRoot() }

    /// The rotation in radians of the image of the x axis, `atan2(−ss, sc)` (positive = clockwise on
    /// screen, since y points down).
    public var rotation: Double { atan2(-ss, sc) }

    /// The same map as an `AffineTransform`.
    public var affine: AffineTransform { AffineTransform(a: sc, b: ss, tx: tx, c: -ss, d: sc, ty: ty) }

    /// Maps a point.
    public func apply(_ p: Point2D) -> Point2D { affine.apply(p) }

    /// The least-squares similarity taking `source[i]` to `target[i]`: minimises
    /// `Σ‖T(source[i]) − target[i]‖²`, so the error is measured in the *target* space. (Swapping the
    /// arguments and inverting gives a slightly different map when the fit is not exact.)
    ///
    /// For face alignment call it with `source` = template points (crop pixels) and `target` = landmarks
    /// (image pixels): the result maps crop → image, as SphereFace's reference (`lfw_eval.py`) fits it.
    /// Closed form in double precision. Throws `degenerateLandmarks` for fewer than 2 pairs, mismatched
    /// counts, non-finite coordinates, or coincident source points.
    public static func fit(from source: [Point2D], to target: [Point2D]) throws -> SimilarityTransform {
        guard source.count == target.count else {
            throw ImagingError.degenerateLandmarks("\(source.count) template points but \(target.count) landmarks")
        }
        guard source.count >= 2 else {
            throw ImagingError.degenerateLandmarks("need at least 2 point pairs, got \(source.count)")
        }
        guard source.allSatisfy({ $0.x.isFinite && $0.y.isFinite }),
              target.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw ImagingError.degenerateLandmarks("a coordinate is NaN or infinite")
        }
        let n = Double(source.count)
        var ms = Point2D(0, 0), mt = Point2D(0, 0)
        for i in source.indices { ms += source[i]; mt += target[i] }
        ms /= n; mt /= n
        var num1 = 0.0, num2 = 0.0, den = 0.0
        for i in source.indices {
            let p = source[i] - ms, q = target[i] - mt
            num1 += p.x * q.x + p.y * q.y
            num2 += p.y * q.x - p.x * q.y
            den += p.x * p.x + p.y * p.y
        }
        guard den > 0 else {
            throw ImagingError.degenerateLandmarks("all source points coincide")
        }
        let sc = num1 / den, ss = num2 / den
        let tx = mt.x - (sc * ms.x + ss * ms.y)
        let ty = mt.y - (-ss * ms.x + sc * ms.y)
        return SimilarityTransform(sc: sc, ss: ss, tx: tx, ty: ty)
    }
}
