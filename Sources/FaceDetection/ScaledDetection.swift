import Imaging

extension DetectedFace {
    /// The same face in an image of the same scene resampled by `sx` horizontally and `sy` vertically
    /// (new size / old size), with pixel centres kept aligned: `x' = (x + ½)·sx − ½`. Used to carry faces
    /// found on a reduced decode to the full-resolution image, or to another reduced decode.
    public func scaled(x sx: Double, y sy: Double) -> DetectedFace {
        func mx(_ v: Double) -> Double { (v + 0.5) * sx - 0.5 }
        func my(_ v: Double) -> Double { (v + 0.5) * sy - 0.5 }
        let box = BoundingBox(x1: Float(mx(Double(box.x1))), y1: Float(my(Double(box.y1))),
                              x2: Float(mx(Double(box.x2))), y2: Float(my(Double(box.y2))))
        return DetectedFace(box: box, probability: probability, landmarks: landmarks.map { Point2D(mx($0.x), my($0.y)) })
    }
}

/// Faces found on a reduced decode of an image file, in the coordinates of the full-resolution
/// (upright) image, with the reduced image they were found on. `cropSource(for:minimumFaceSide:)`
/// then gives the image to cut aligned crops from: the reduced one when the faces are large enough
/// in it, else a decode at just the resolution that makes them so (full resolution at most).
public struct ScaledDetection: Sendable {
    /// The file the faces were found in.
    public let encoded: EncodedImage
    /// The decode the detector ran on.
    public let detectionImage: ScaledImage
    /// Every face found, largest first, in full-resolution coordinates.
    public let faces: [DetectedFace]

    /// Width of the full-resolution image, upright.
    public var originalWidth: Int { detectionImage.originalWidth }
    /// Height of the full-resolution image, upright.
    public var originalHeight: Int { detectionImage.originalHeight }

    /// The image to cut crops of `faces` (full-resolution coordinates) from, and the faces in its
    /// coordinates: every face's box is at least `minimumFaceSide` pixels wide there unless that needs
    /// more than full resolution. Decodes again only when the detection image is too small.
    public func cropSource(for faces: [DetectedFace], minimumFaceSide: Double) throws -> (image: Image, faces: [DetectedFace]) {
        let narrowest = faces.map { Double($0.box.width) }.min() ?? Double(originalWidth)
        let needed = narrowest > 0 ? minimumFaceSide / narrowest : 1
        let source = detectionImage.scale >= min(1, needed) ? detectionImage
            : try encoded.decode(atLeast: needed, originalWidth: originalWidth, originalHeight: originalHeight)
        let sx = Double(source.image.width) / Double(originalWidth)
        let sy = Double(source.image.height) / Double(originalHeight)
        let mapped = sx == 1 && sy == 1 ? faces : faces.map { $0.scaled(x: sx, y: sy) }
        return (source.image, mapped)
    }
}

extension MTCNN {
    /// Detects faces on `encoded` decoded with its longest side at most `maxSide` (nil: full
    /// resolution) and returns them in full-resolution coordinates. Faces smaller than about
    /// `configuration.minFaceSize / scale` full-resolution pixels are not found.
    public func detect(_ encoded: EncodedImage, maxSide: Int?) throws -> ScaledDetection {
        try detect(encoded, decoded: try encoded.decode(maxSide: maxSide))
    }

    /// Detects faces on `decoded`, a decode of `encoded`, in full-resolution coordinates.
    func detect(_ encoded: EncodedImage, decoded: ScaledImage) throws -> ScaledDetection {
        let found = try detect(decoded.image)
        let sx = Double(decoded.originalWidth) / Double(decoded.image.width)
        let sy = Double(decoded.originalHeight) / Double(decoded.image.height)
        let faces = decoded.isReduced ? found.map { $0.scaled(x: sx, y: sy) } : found
        return ScaledDetection(encoded: encoded, detectionImage: decoded, faces: faces)
    }
}
