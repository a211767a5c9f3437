/// Where five facial landmarks should land in an aligned crop, plus the crop size and the sampling
/// convention of the reference implementation the template comes from.
///
/// Points are in crop pixel coordinates (x right, y down, pixel centres at integers), in the order of
/// the landmarks that will be passed to `align` for this template.
public struct AlignmentTemplate: Sendable, Equatable {
    /// How the fitted similarity becomes the crop→image map and how pixels are sampled.
    public enum Convention: Sendable, Equatable {
        /// SphereFace / OpenCV: crop pixel `(x, y)` samples the image at `S(x, y)` where `S` is the
        /// least-squares template→image similarity; bilinear in OpenCV 5's Float32 arithmetic
        /// (`Image.warpedAffineOpenCV`), outside = 0 blended (`cv2.warpAffine` defaults).
        case opencv
        /// dlib `get_face_chip_details` + `extract_image_chip`: the fitted similarity `S` (scale `s`) is
        /// turned into an extraction rectangle centred at `S(w/2, h/2)` of size `(w·s − 1)×(h·s − 1)`, whose
        /// corners map to the corner pixel centres, so crop pixel `p` samples
        /// `S(w/2, h/2) + R·diag((w·s−1)/(w−1), (h·s−1)/(h−1))·(p − ((w−1)/2, (h−1)/2))`; bilinear, truncated
        /// to integers, 0 where the 2×2 neighbourhood is not entirely inside the image. (Assumes the chip
        /// is no more than ~2× smaller than the face region; dlib downsamples with a pyramid first beyond
        /// that and this port does not.)
        case dlibChip
    }

    /// Human-readable identifier.
    public let name: String
    /// Crop width in pixels.
    public let width: Int
    /// Crop height in pixels.
    public let height: Int
    /// Target positions, crop pixel coordinates, in landmark order.
    public let points: [Point2D]
    /// Sampling convention.
    public let convention: Convention

    /// A custom template. Throws `invalidArgument` for a non-positive size, fewer than 2 points or
    /// non-finite points.
    public init(name: String, width: Int, height: Int, points: [Point2D], convention: Convention = .opencv) throws {
        guard width > 0, height > 0, points.count >= 2,
              points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw ImagingError.invalidArgument(
                "template \(name): needs a positive size and at least 2 finite points")
        }
        self.init(unchecked: name, width: width, height: height, points: points, convention: convention)
    }

    init(unchecked name: String, width: Int, height: Int, points: [Point2D], convention: Convention) {
        self.name = name; self.width = width; self.height = height
        self.points = points; self.convention = convention
    }

    /// SphereFace's 96×112 (W×H) template for MTCNN-order landmarks (left eye, right eye, nose tip,
    /// left mouth corner, right mouth corner; left/right as seen in the image), from the reference
    /// `lfw_eval.py`: (30.2946, 51.6963) (65.5318, 51.5014) (48.0252, 71.7366) (33.5493, 92.3655)
    /// (62.7299, 92.2041). OpenCV convention. Each coordinate is stored rounded to Float32, because the
    /// reference (`lfw_eval.py`) fits with `np.float32` points; this makes the fitted matrices agree with
    /// it to ~1e-13 instead of ~5e-6.
    public static let sphereFace96x112 = AlignmentTemplate(
        unchecked: "sphereface-96x112", width: 96, height: 112,
        points: [(30.2946, 51.6963), (65.5318, 51.5014), (48.0252, 71.7366), (33.5493, 92.3655), (62.7299, 92.2041)]
            .map { Point2D(Double(Float($0.0)), Double(Float($0.1))) },
        convention: .opencv)

    /// dlib's 5-point face template in normalised face coordinates, in the order of dlib's
    /// `shape_predictor_5_face_landmarks` parts: outer and inner corner of the eye at larger x, outer and
    /// inner corner of the eye at smaller x, the point below the nose. These are the constants of dlib's
    /// `get_face_chip_details`; with them this module reproduces all 24 chips of `testvectors/dlib`
    /// bit-for-bit.
    public static let dlibFivePointUnit: [Point2D] = [
        Point2D(0.8595674595992, 0.2134981538014), Point2D(0.6460604764104, 0.2289674387677),
        Point2D(0.1205750620789, 0.2137274526848), Point2D(0.3340850613712, 0.2290642403242),
        Point2D(0.4901123135679, 0.6277975316475),
    ]

    /// MTCNN-order points (left eye centre, right eye centre, nose tip, left mouth corner, right mouth
    /// corner) in the same normalised face coordinates as `dlibFivePointUnit`, derived from dlib's
    /// 68-point mean face shape (the `get_face_chip_details` table for 68-point shapes): eye centre = mean
    /// of the six eye-contour points 36–41 / 42–47, nose tip = point 30, mouth corners = points 48 / 54.
    /// Consistency: its eye centres are within 0.6 px (on a 150 px chip, padding 0.25) of the midpoints of
    /// the eye corners in `dlibFivePointUnit`, and that table's below-nose point equals mean-shape point 33.
    public static let dlibMTCNNUnit: [Point2D] = [
        Point2D(0.2254918333, 0.2159903333), Point2D(0.7547613333, 0.2159903333),
        Point2D(0.490127, 0.515625),
        Point2D(0.254149, 0.780233), Point2D(0.726104, 0.780233),
    ]

    /// Maps normalised face coordinates to a `size`×`size` chip with dlib's padding rule
    /// `p ↦ (padding + p) / (1 + 2·padding) · size`.
    static func dlibChipPoints(_ unit: [Point2D], size: Int, padding: Double) -> [Point2D] {
        unit.map { ($0 + Point2D(padding, padding)) / (1 + 2 * padding) * Double(size) }
    }

    /// dlib's face chip for landmarks of its 5-point shape predictor (in that predictor's order):
    /// `get_face_chip(img, shape, size, padding)`. The default 150×150, padding 0.25, is the input of
    /// dlib's face-recognition ResNet.
    public static func dlibChip(size: Int = 150, padding: Double = 0.25) throws -> AlignmentTemplate {
        guard size > 1, padding.isFinite, padding > -0.5 else {
            throw ImagingError.invalidArgument("dlib chip needs size > 1 and padding > -0.5")
        }
        return AlignmentTemplate(unchecked: "dlib-5pt-\(size)-pad\(padding)", width: size, height: size,
                                 points: dlibChipPoints(dlibFivePointUnit, size: size, padding: padding),
                                 convention: .dlibChip)
    }

    /// A dlib-style chip for MTCNN-order landmarks (see `dlibMTCNNUnit` for how the points were derived),
    /// sampled with dlib's convention. For 150×150, padding 0.25 the points are
    /// (47.5492, 46.5990) (100.4761, 46.5990) (74.0127, 76.5625) (50.4149, 103.0233) (97.6104, 103.0233).
    /// It is an approximation of dlib's alignment: MTCNN and dlib landmarks differ, so chips differ from
    /// dlib's own by a few pixels of placement.
    public static func dlibChipMTCNN(size: Int = 150, padding: Double = 0.25) throws -> AlignmentTemplate {
        guard size > 1, padding.isFinite, padding > -0.5 else {
            throw ImagingError.invalidArgument("dlib chip needs size > 1 and padding > -0.5")
        }
        return AlignmentTemplate(unchecked: "dlib-mtcnn-\(size)-pad\(padding)", width: size, height: size,
                                 points: dlibChipPoints(dlibMTCNNUnit, size: size, padding: padding),
                                 convention: .dlibChip)
    }

    /// `dlibChip(size: 150, padding: 0.25)`.
    public static let dlibChip150 = AlignmentTemplate(
        unchecked: "dlib-5pt-150-pad0.25", width: 150, height: 150,
        points: dlibChipPoints(dlibFivePointUnit, size: 150, padding: 0.25), convention: .dlibChip)

    /// `dlibChipMTCNN(size: 150, padding: 0.25)`.
    public static let dlibChip150MTCNN = AlignmentTemplate(
        unchecked: "dlib-mtcnn-150-pad0.25", width: 150, height: 150,
        points: dlibChipPoints(dlibMTCNNUnit, size: 150, padding: 0.25), convention: .dlibChip)
}
