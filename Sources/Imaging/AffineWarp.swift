import CSIMD

/// A point in pixel coordinates `(x, y)`: x to the right, y down, origin at the centre of the top-left
/// pixel (pixel `(i, j)` is the point `(i, j)`), as in OpenCV and dlib.
public typealias Point2D = SIMD2<Double>

/// A 2-D affine map `(x, y) ↦ (a·x + b·y + tx, c·x + d·y + ty)` — the 2×3 matrix `[[a, b, tx], [c, d, ty]]`
/// of OpenCV's `warpAffine`.
public struct AffineTransform: Sendable, Equatable {
    public var a: Double, b: Double, tx: Double
    public var c: Double, d: Double, ty: Double

    public init(a: Double, b: Double, tx: Double, c: Double, d: Double, ty: Double) {
        self.a = a; self.b = b; self.tx = tx; self.c = c; self.d = d; self.ty = ty
    }

    /// From a 2×3 row-major matrix `[[a, b, tx], [c, d, ty]]`.
    public init(matrix m: [[Double]]) throws {
        guard m.count == 2, m[0].count == 3, m[1].count == 3 else {
            throw ImagingError.invalidArgument("an affine matrix must be 2×3, got \(m.map(\.count))")
        }
        self.init(a: m[0][0], b: m[0][1], tx: m[0][2], c: m[1][0], d: m[1][1], ty: m[1][2])
    }

    /// The identity map.
    public static let identity = AffineTransform(a: 1, b: 0, tx: 0, c: 0, d: 1, ty: 0)

    /// The 2×3 row-major matrix `[[a, b, tx], [c, d, ty]]`.
    public var matrix: [[Double]] { [[a, b, tx], [c, d, ty]] }

    /// Whether all six coefficients are finite.
    public var isFinite: Bool { [a, b, tx, c, d, ty].allSatisfy(\.isFinite) }

    /// Maps a point.
    @inline(__always) public func apply(_ p: Point2D) -> Point2D {
        Point2D(a * p.x + b * p.y + tx, c * p.x + d * p.y + ty)
    }

    /// The inverse map. Throws `invalidArgument` when the matrix is singular or not finite.
    public func inverted() throws -> AffineTransform {
        let det = a * d - b * c
        guard isFinite, det != 0, det.isFinite, abs(det) > 1e-300 else {
            throw ImagingError.invalidArgument("affine transform \(matrix) is singular and has no inverse")
        }
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineTransform(a: ia, b: ib, tx: -(ia * tx + ib * ty), c: ic, d: id, ty: -(ic * tx + id * ty))
    }
}

/// What a warp samples where the bilinear neighbourhood leaves the source image.
public enum BorderPolicy: Sendable, Equatable {
    /// Every neighbour outside the image counts as this value in all channels and is blended in
    /// (OpenCV `BORDER_CONSTANT`; `warpAffine`'s default is `.constant(0)`).
    case constant(UInt8)
    /// Neighbours outside are clamped to the nearest edge pixel (OpenCV `BORDER_REPLICATE`).
    case replicate
    /// The output pixel is 0 unless all four neighbours lie inside the image (dlib's
    /// `interpolate_bilinear`, used by `extract_image_chip`).
    case zeroUnlessInside
}

/// How a bilinear value is turned into a byte.
public enum SampleRounding: Sendable, Equatable {
    /// Round half up (OpenCV).
    case nearest
    /// Truncate toward zero (dlib's `assign_pixel` from `double`).
    case truncate
}

extension Image {
    /// Warps into a `width`×`height` image: output pixel `(x, y)` is the bilinear sample of this image at
    /// `outputToSource.apply((x, y))`, computed in double precision. This is OpenCV's
    /// `warpAffine(src, M, (width, height))` with `outputToSource = M⁻¹` (OpenCV itself samples in fixed
    /// point, 1/32-pixel positions; the two differ by at most 1 grey level on a handful of pixels).
    public func warpedAffine(outputToSource m: AffineTransform, width ow: Int, height oh: Int,
                             border: BorderPolicy = .constant(0), rounding: SampleRounding = .nearest) throws -> Image {
        guard ow > 0, oh > 0, ow.multipliedReportingOverflow(by: oh * 3).overflow == false else {
            throw ImagingError.invalidArgument("warp output size \(ow)×\(oh) must be positive")
        }
        guard m.isFinite else {
            throw ImagingError.invalidArgument("warp matrix \(m.matrix) has non-finite entries")
        }
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        var constant: UInt8 = 0
        let mode: Int32
        switch border {
        case .constant(let v): constant = v; mode = 0
        case .replicate: mode = 1
        case .zeroUnlessInside: mode = 2
        }
        let matrix = [m.a, m.b, m.tx, m.c, m.d, m.ty]
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                csimd_warp_bilinear_f64(src.baseAddress!, width, height, dst.baseAddress!, ow, oh, matrix, mode, constant,
                                        rounding == .truncate ? 1 : 0)
            }
        }
        return Image(uncheckedWidth: ow, height: oh, pixels: out)
    }
}

extension Image {
    /// Bilinear warp with the arithmetic of OpenCV 5's `cv2.warpAffine` (`INTER_LINEAR`,
    /// `BORDER_CONSTANT`, 8-bit): the matrix is converted to Float32, the source position of output pixel
    /// `(x, y)` is `fma(a, x, fma(b, y, tx))` (likewise for y) in Float32, the sample is
    /// `t + β·(b − t)` with `t = p00 + α·(p01 − p00)`, `b = p10 + α·(p11 − p10)` in Float32, rounded half
    /// to even. Neighbours outside the image count as `borderValue`. `outputToSource` is OpenCV's inverse
    /// map (`M⁻¹` for `warpAffine(src, M, …)`). This reproduces all 12 SphereFace reference crops of
    /// `testvectors/alignment` byte for byte; `warpedAffine` (double precision) is within 1 grey level.
    public func warpedAffineOpenCV(outputToSource m: AffineTransform, width ow: Int, height oh: Int,
                                   borderValue: UInt8 = 0) throws -> Image {
        guard ow > 0, oh > 0, ow.multipliedReportingOverflow(by: oh * 3).overflow == false else {
            throw ImagingError.invalidArgument("warp output size \(ow)×\(oh) must be positive")
        }
        guard m.isFinite else {
            throw ImagingError.invalidArgument("warp matrix \(m.matrix) has non-finite entries")
        }
        let matrix: [Float] = [Float(m.a), Float(m.b), Float(m.tx), Float(m.c), Float(m.d), Float(m.ty)]
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        let w = width, h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                csimd_warp_affine(src.baseAddress!, w, h, dst.baseAddress!, ow, oh, matrix, borderValue)
            }
        }
        return Image(uncheckedWidth: ow, height: oh, pixels: out)
    }
}
