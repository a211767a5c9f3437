import ArgumentParser
import FaceDetection
import FaceRecognition
import Foundation
import Imaging

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find faces (MTCNN): box, score, five landmarks; optionally write aligned crops.",
        discussion: """
            --json prints one line per image: {"image", "width", "height", "faces": [{"box": [x1, y1, x2, y2],
            "score", "landmarks": [[x, y] ×5]}]} (left eye, right eye, nose, left and right mouth corner;
            width and height after EXIF orientation). An unreadable image gets an "error" field, and the
            exit status is 2 at the end, after the other images are done.
            With --landmarks dlib5 (the default for --template dlib) each face also gets "dlib5": dlib's
            shape-predictor points (eye corners, below the nose) and "dlib_box", the dlib-HOG-like box
            they were predicted in; crops are then cut from them with dlib's chip template.
            """)

    enum Template: String, ExpressibleByArgument { case sphereface, dlib }

    @Argument(help: "Images, or folders of them.") var images: [String]
    @Option(help: "Write aligned crops here as PNG (IMAGE-NAME_FACE.png).") var crops: String?
    @Option(help: "Crop template: sphereface (112×96) or dlib (150×150).") var template: Template = .sphereface
    @Option(help: "Which faces: largest, centre, all (default), reject-multiple.") var select: FaceSelection = .all
    @Option(help: "Landmarks for dlib crops: mtcnn or dlib5 (default for --template dlib).") var landmarks: LandmarkSource?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let paths = images.flatMap { ImageInputs.files(under: $0) }
        guard !paths.isEmpty else { throw CLIError.usage("no images found in \(images.joined(separator: ", "))") }
        let detector = try MTCNN.loadDefault()
        let source = landmarks ?? (template == .dlib ? .dlib5 : .mtcnn)
        if source == .dlib5 && template == .sphereface {
            throw CLIError.usage("--landmarks dlib5 goes with --template dlib (the sphereface template is for MTCNN's points)")
        }
        let predictor = source == .dlib5 ? try ShapePredictor.loadDefault() : nil
        let alignTo = template == .sphereface ? AlignmentTemplate.sphereFace96x112
            : predictor == nil ? AlignmentTemplate.dlibChip150MTCNN : AlignmentTemplate.dlibChip150
        /// dlib's points and the box they came from, per face (only with `--landmarks dlib5`).
        func dlib5(_ image: Image, _ face: DetectedFace) -> (ShapePredictor.Box, [Point2D])? {
            guard let predictor else { return nil }
            let box = DlibBoxMapping.box(for: face)
            return (box, predictor.predict(image, box: box))
        }
        if let crops { try FileManager.default.createDirectory(atPath: crops, withIntermediateDirectories: true) }
        var failures = 0
        for path in paths {
            do {
                let image = try ImageDecoder.decode(contentsOf: path)
                let faces = try select.select(try detector.detect(image), imageWidth: image.width, imageHeight: image.height)
                if let crops {
                    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                    for (i, face) in faces.enumerated() {
                        let crop = try align(image, landmarks: dlib5(image, face)?.1 ?? face.landmarks, template: alignTo)
                        try PNGWriter.write(crop, to: (crops as NSString).appendingPathComponent("\(stem)_\(i).png"))
                    }
                }
                if output.json {
                    printLine(DetectionReport(image: path, width: image.width, height: image.height, faces: faces.map { face in
                        let dlib = dlib5(image, face)
                        return DetectionReport.Face(
                            box: face.box.array, score: face.probability,
                            landmarks: face.landmarks.map { [Float($0.x), Float($0.y)] },
                            dlib5: dlib.map { $0.1.map { [Float($0.x), Float($0.y)] } },
                            dlibBox: dlib.map { [$0.0.left, $0.0.top, $0.0.right, $0.0.bottom].map { Float($0) } })
                    }))
                } else {
                    print("\(path): \(image.width)×\(image.height), \(faces.count) face\(faces.count == 1 ? "" : "s")")
                    for face in faces {
                        let b = face.box
                        print(String(format: "  box (%.0f, %.0f)–(%.0f, %.0f)  score %.4f  eyes (%.0f, %.0f) (%.0f, %.0f)",
                                     b.x1, b.y1, b.x2, b.y2, face.probability,
                                     face.landmarks[0].x, face.landmarks[0].y, face.landmarks[1].x, face.landmarks[1].y))
                    }
                }
            } catch {
                failures += 1
                if output.json { printLine(DetectionReport(image: path, error: "\(error)")) } else { printError("\(path): \(error)") }
            }
        }
        if failures > 0 { throw ExitCode(2) }
    }
}
