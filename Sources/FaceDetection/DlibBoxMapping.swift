import Imaging

/// Maps an MTCNN detection to the box dlib's HOG face detector (`get_frontal_face_detector`) would give
/// for the same face — the kind of box `ShapePredictor` was trained on.
///
/// With `c` the centroid of MTCNN's five landmarks and `w = x2 − x1` the width of MTCNN's box:
///
/// ```
/// left = c.x − 0.6152·w   top = c.y − 0.5930·w   right = c.x + 0.5187·w   bottom = c.y + 0.5270·w
/// ```
///
/// (dlib's convention: right/bottom inclusive; real-valued here.) How the constants were measured:
/// on 600 LFW deep-funneled images spread evenly over the sorted file list, dlib 20.0.1's HOG detector
/// (upsample 1, the face nearest the centre; `Tools/dlib_hog_reference.py`) found 598 faces; MTCNN
/// (`sphere-gallery detect --select centre`) found the same ones. Each constant is the median over the
/// 598 images of (dlib edge − centroid) / MTCNN width (`Tools/fit_dlib_box.py`). Scored by running dlib's
/// own predictor in the mapped box against its landmarks in the HOG box, on the half of the images not
/// used for fitting: mean point error 0.30 px (95th percentile 1 px, i.e. integer rounding), 0.75% of
/// the inter-ocular distance. Other frames tried (box centre; eye–mouth distance, inter-ocular distance
/// or RMS spread of the points as the scale) scored 0.33–0.37 px.
public enum DlibBoxMapping {
    /// Edge offsets in units of the MTCNN box width, from the landmark centroid.
    static let kLeft = -0.6151918, kTop = -0.5930157, kRight = 0.5186638, kBottom = 0.5270383

    /// The dlib-HOG-like box (inclusive right/bottom, real-valued) for `face`, image pixels.
    /// Without five landmarks the MTCNN box itself is returned.
    public static func box(for face: DetectedFace) -> ShapePredictor.Box {
        let p = face.landmarks
        let w = Double(face.box.width)
        guard p.count == 5, w.isFinite, w > 0 else {
            let b = face.box
            return ShapePredictor.Box(left: Double(b.x1), top: Double(b.y1), right: Double(b.x2), bottom: Double(b.y2))
        }
        let c = (p[0] + p[1] + p[2] + p[3] + p[4]) / 5
        return ShapePredictor.Box(left: c.x + kLeft * w, top: c.y + kTop * w, right: c.x + kRight * w, bottom: c.y + kBottom * w)
    }
}
