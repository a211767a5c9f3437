import Imaging

/// An axis-aligned box in image pixels, top-left origin: `[x1, y1, x2, y2]` with `x1 ≤ x2`, `y1 ≤ y2`
/// for a proper box. Coordinates are Float32 as the reference computes them; MTCNN's final boxes are
/// neither clipped to the image nor square.
public struct BoundingBox: Sendable, Equatable, Hashable {
    /// Left edge, pixels.
    public var x1: Float
    /// Top edge, pixels.
    public var y1: Float
    /// Right edge, pixels.
    public var x2: Float
    /// Bottom edge, pixels.
    public var y2: Float

    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    /// `x2 − x1`, pixels.
    public var width: Float { x2 - x1 }
    /// `y2 − y1`, pixels.
    public var height: Float { y2 - y1 }
    /// `width · height` (the area `MTCNN.detect` orders faces by), square pixels.
    public var area: Float { (x2 - x1) * (y2 - y1) }
    /// Area of the part inside a `width × height` image (0 when the box lies outside it).
    public func areaInside(width: Int, height: Int) -> Float {
        let w = min(x2, Float(width)) - max(x1, 0), h = min(y2, Float(height)) - max(y1, 0)
        return w > 0 && h > 0 ? w * h : 0
    }
    /// The centre point, pixels.
    public var centre: Point2D { Point2D(Double(x1 + x2) / 2, Double(y1 + y2) / 2) }
    /// `[x1, y1, x2, y2]`.
    public var array: [Float] { [x1, y1, x2, y2] }

    /// The reference's `rerec`: the square of side `max(w, h)` (`w = x2 − x1`, no +1) with the same
    /// centre, in Float32 with the reference's operation order.
    @inlinable
    public func squared() -> BoundingBox {
        let w = x2 - x1, h = y2 - y1
        let l = max(w, h)
        let nx1 = x1 + w * 0.5 - l * 0.5
        let ny1 = y1 + h * 0.5 - l * 0.5
        return BoundingBox(x1: nx1, y1: ny1, x2: nx1 + l, y2: ny1 + l)
    }

    /// The reference's `bbreg`: each edge moves by `offset · size` with `size = x2 − x1 + 1` (the MATLAB
    /// pixel-count convention, as R-Net and O-Net were trained). `offsets` = (dx1, dy1, dx2, dy2).
    @inlinable
    public func regressed(_ dx1: Float, _ dy1: Float, _ dx2: Float, _ dy2: Float) -> BoundingBox {
        let w = x2 - x1 + 1, h = y2 - y1 + 1
        return BoundingBox(x1: x1 + dx1 * w, y1: y1 + dy1 * h, x2: x2 + dx2 * w, y2: y2 + dy2 * h)
    }

    /// The integer crop rectangle of the reference's `pad`: coordinates truncated toward zero, then
    /// `x1, y1 ≥ 1`, `x2 ≤ imageWidth`, `y2 ≤ imageHeight`; the crop covers columns `x1 − 1 ..< x2` and rows
    /// `y1 − 1 ..< y2` (0-based). Parts outside the image are dropped, not zero-padded. Nil when nothing
    /// of the box is inside the image.
    public func cropRectangle(imageWidth: Int, imageHeight: Int) -> (x: Int, y: Int, width: Int, height: Int)? {
        func trunc(_ v: Float) -> Int {
            guard v.isFinite else { return v > 0 ? Int(Int32.max) : Int(Int32.min) }
            return Int(max(-2e9, min(2e9, v)))   // Int(_:) truncates toward zero
        }
        let x = max(1, trunc(x1)), y = max(1, trunc(y1))
        let ex = min(imageWidth, trunc(x2)), ey = min(imageHeight, trunc(y2))
        guard ex > x - 1, ey > y - 1 else { return nil }
        return (x - 1, y - 1, ex - x + 1, ey - y + 1)
    }
}

/// One detected face: box, O-Net face probability and five landmarks.
public struct DetectedFace: Sendable, Equatable {
    /// The regressed O-Net box, pixels (not clipped, not square).
    public var box: BoundingBox
    /// O-Net's face probability, 0...1 (softmax).
    public var probability: Float
    /// Five points in image pixels, in the order left eye, right eye, nose, left mouth corner, right
    /// mouth corner (left/right as seen in the image) — the order `AlignmentTemplate` expects.
    public var landmarks: [Point2D]

    public init(box: BoundingBox, probability: Float, landmarks: [Point2D]) {
        self.box = box
        self.probability = probability
        self.landmarks = landmarks
    }
}
