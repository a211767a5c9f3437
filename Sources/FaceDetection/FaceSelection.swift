import Imaging

/// Which of the faces found in one image to use. Shared by enrolment, identification and evaluation, so
/// every pipeline picks faces the same way.
public enum FaceSelection: String, Sendable, CaseIterable {
    /// The face whose box has the largest area inside the image — facenet-pytorch's
    /// `MTCNN(select_largest=True)` ranks by the whole box instead, which lets a bystander cut by
    /// the image edge beat the subject. The default.
    case largest
    /// The face whose box centre is nearest the image centre (LFW-style images centre their
    /// subject); the centre of the whole box, where the face is, not of its part inside the image.
    case centre
    /// Every face, largest (inside the image) first.
    case all
    /// The only face; an image with more than one face is an error (`DetectionError.multipleFaces`).
    case rejectMultiple

    /// The default policy, `.largest`.
    public static let `default` = FaceSelection.largest

    /// Applies the policy to `faces` found in an image of `imageWidth × imageHeight` pixels.
    /// - Returns: no face when `faces` is empty; otherwise one face, or all of them (largest first) for `.all`.
    /// - Throws: `DetectionError.multipleFaces` for `.rejectMultiple` when there is more than one face.
    public func select(_ faces: [DetectedFace], imageWidth: Int, imageHeight: Int) throws -> [DetectedFace] {
        guard !faces.isEmpty else { return [] }
        // Stable: equal areas keep the detector's order.
        let area = faces.map { $0.box.areaInside(width: imageWidth, height: imageHeight) }
        let byArea = faces.indices.sorted { a, b in area[a] != area[b] ? area[a] > area[b] : a < b }.map { faces[$0] }
        switch self {
        case .largest:
            return [byArea[0]]
        case .all:
            return byArea
        case .rejectMultiple:
            if faces.count > 1 { throw DetectionError.multipleFaces(count: faces.count) }
            return faces
        case .centre:
            let c = Point2D(Double(imageWidth) / 2, Double(imageHeight) / 2)
            var best = byArea[0], bestD = Double.infinity
            for f in byArea {
                let d = f.box.centre - c
                let d2 = (d * d).sum()
                if d2 < bestD { bestD = d2; best = f }
            }
            return [best]
        }
    }
}
