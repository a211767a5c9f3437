import FaceDetection
import Imaging
import Testing

/// Selection by what is inside the image: a bystander cut by the edge must not win.
struct EdgeCutSelectionTests {
    func face(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) -> DetectedFace {
        DetectedFace(box: BoundingBox(x1: x1, y1: y1, x2: x2, y2: y2), probability: 0.99,
                     landmarks: Array(repeating: Point2D(Double(x1 + x2) / 2, Double(y1 + y2) / 2), count: 5))
    }

    // A 400×300 image: the subject (100×100) at the centre; a bystander whose 160×160 box is
    // mostly beyond the right edge (60×160 = 9,600 px inside, less than the subject's 10,000).
    var subject: DetectedFace { face(150, 100, 250, 200) }
    var bystander: DetectedFace { face(340, 50, 500, 210) }

    @Test func largestRanksByTheAreaInsideTheImage() throws {
        let chosen = try FaceSelection.largest.select([bystander, subject], imageWidth: 400, imageHeight: 300)
        #expect(chosen == [subject])
        let all = try FaceSelection.all.select([bystander, subject], imageWidth: 400, imageHeight: 300)
        #expect(all == [subject, bystander])
    }

    @Test func centreTakesTheSubjectNotTheCutBystander() throws {
        #expect(try FaceSelection.centre.select([bystander, subject], imageWidth: 400, imageHeight: 300) == [subject])
    }

    @Test func areaInsideClipsEachSide() {
        #expect(BoundingBox(x1: -10, y1: -10, x2: 10, y2: 10).areaInside(width: 100, height: 100) == 100)
        #expect(BoundingBox(x1: 200, y1: 0, x2: 300, y2: 10).areaInside(width: 100, height: 100) == 0)
    }
}
