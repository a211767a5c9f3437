/// Greedy non-maximum suppression over scored boxes, in the two variants MTCNN's reference uses.
///
/// Boxes are visited from the highest score down; a visited box is kept and every later box that
/// overlaps it by more than `threshold` is dropped. All arithmetic is Float32 as in the reference.
public enum NonMaximumSuppression {
    /// How the overlap of two boxes is measured.
    public enum Overlap: Sendable {
        /// Intersection over union with continuous areas `(x2 − x1)·(y2 − y1)` (no +1) —
        /// `torchvision.ops.nms`, used by MTCNN per pyramid level (0.5), across levels (0.7) and after R-Net (0.7).
        case union
        /// Intersection over the smaller box, with MATLAB pixel-count areas `(x2 − x1 + 1)·(y2 − y1 + 1)`
        /// and intersections `max(0, xx2 − xx1 + 1)` — the reference's numpy "Min" NMS after O-Net (0.7).
        case minimum
    }

    /// The indices of the boxes kept, highest score first. Equal scores keep their input order.
    /// - Parameters:
    ///   - boxes: candidate boxes, pixels.
    ///   - scores: one score per box (same count as `boxes`).
    ///   - threshold: boxes overlapping a kept box by more than this are suppressed (`.union`
    ///     compares in Double as torchvision does, `.minimum` in Float32 as numpy does).
    public static func select(_ boxes: [BoundingBox], scores: [Float], threshold: Double, overlap: Overlap) -> [Int] {
        let n = min(boxes.count, scores.count)
        if n == 0 { return [] }
        var order = Array(0..<n)
        scores.withUnsafeBufferPointer { s in
            order.sort { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
        }
        var suppressed = [Bool](repeating: false, count: n)
        var keep: [Int] = []
        keep.reserveCapacity(min(n, 64))
        let plus: Float = overlap == .minimum ? 1 : 0
        let thresholdF = Float(threshold)
        boxes.withUnsafeBufferPointer { b in
            var areas = [Float](repeating: 0, count: n)
            for i in 0..<n { areas[i] = (b[i].x2 - b[i].x1 + plus) * (b[i].y2 - b[i].y1 + plus) }
            for oi in 0..<n {
                let i = order[oi]
                if suppressed[i] { continue }
                keep.append(i)
                let bi = b[i], ai = areas[i]
                for oj in (oi + 1)..<n {
                    let j = order[oj]
                    if suppressed[j] { continue }
                    let bj = b[j]
                    let w = max(0, min(bi.x2, bj.x2) - max(bi.x1, bj.x1) + plus)
                    let h = max(0, min(bi.y2, bj.y2) - max(bi.y1, bj.y1) + plus)
                    let inter = w * h
                    switch overlap {
                    case .union:
                        let iou = inter / (ai + areas[j] - inter)
                        if Double(iou) > threshold { suppressed[j] = true }
                    case .minimum:
                        let o = inter / min(ai, areas[j])
                        if !(o <= thresholdF) { suppressed[j] = true }
                    }
                }
            }
        }
        return keep
    }
}
