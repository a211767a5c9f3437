import Foundation

/// Face alignment: landmarks + template → similarity transform → warped crop.
public enum Alignment {
    /// The map from crop pixels to source-image pixels for `landmarks` (image pixels, in the template's
    /// landmark order). The similarity is fitted template → image by least squares (error measured in the
    /// image), as SphereFace's reference does; for `.dlibChip` templates it is then adjusted the way
    /// dlib's `extract_image_chip` does (see `AlignmentTemplate.Convention`).
    /// The inverse of the result is OpenCV's `M` (source → crop).
    public static func cropToSource(landmarks: [Point2D], template: AlignmentTemplate) throws -> AffineTransform {
        guard landmarks.count == template.points.count else {
            throw ImagingError.degenerateLandmarks(
                "template \(template.name) has \(template.points.count) points but \(landmarks.count) landmarks were given")
        }
        let s = try SimilarityTransform.fit(from: template.points, to: landmarks)
        let m: AffineTransform
        switch template.convention {
        case .opencv:
            m = s.affine
        case .dlibChip:
            let scale = s.scale
            guard scale > 0 else { throw ImagingError.degenerateLandmarks("all landmarks coincide") }
            let w = Double(template.width), h = Double(template.height)
            let centre = s.apply(Point2D(w / 2, h / 2))
            let cosT = s.sc / scale, sinT = -s.ss / scale          // rotation of the x axis
            let kx = (w * scale - 1) / (w - 1), ky = (h * scale - 1) / (h - 1)
            let a = cosT * kx, b = -sinT * ky, c = sinT * kx, d = cosT * ky
            let px = (w - 1) / 2, py = (h - 1) / 2
            m = AffineTransform(a: a, b: b, tx: centre.x - (a * px + b * py),
                                c: c, d: d, ty: centre.y - (c * px + d * py))
        }
        guard m.isFinite, m.a * m.d - m.b * m.c != 0 else {
            throw ImagingError.degenerateLandmarks("the fitted transform is singular (landmarks coincide)")
        }
        return m
    }

    /// The aligned `template.width`×`template.height` RGB crop of `image` for `landmarks`.
    public static func align(_ image: Image, landmarks: [Point2D], template: AlignmentTemplate) throws -> Image {
        let m = try cropToSource(landmarks: landmarks, template: template)
        switch template.convention {
        case .opencv:
            return try image.warpedAffineOpenCV(outputToSource: m, width: template.width, height: template.height,
                                                borderValue: 0)
        case .dlibChip:
            return try image.warpedAffine(outputToSource: m, width: template.width, height: template.height,
                                          border: .zeroUnlessInside, rounding: .truncate)
        }
    }
}

/// The aligned crop of `image` for five `landmarks` (image pixels, in the template's order):
/// `Alignment.align(image, landmarks:template:)`.
public func align(_ image: Image, landmarks: [Point2D], template: AlignmentTemplate) throws -> Image {
    try Alignment.align(image, landmarks: landmarks, template: template)
}
