// Identifies the faces of a photograph against a gallery: the FaceRecognition library in a page.
// Usage: identify-photo GALLERY.sqlite PHOTO.jpg
import FaceRecognition
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: IdentifyPhoto GALLERY.sqlite PHOTO\n".utf8))
    exit(64)
}
do {
    // Opening a gallery rebuilds the pipeline it was enrolled with (model, alignment, thresholds).
    let recognizer = try FaceRecognizer.open(gallery: arguments[1], readOnly: true)
    defer { try? recognizer.close() }
    let answer = try recognizer.identify(.file(arguments[2]), topK: 3)
    print("\(answer.image): \(answer.width)×\(answer.height), \(answer.faces.count) face(s)")
    for face in answer.faces {
        let best = face.candidates.first.map { String(format: "%@ (cosine %.3f)", $0.identity, $0.cosine) } ?? "nobody"
        print("face \(face.face) at \(face.box.map { Int($0) }): \(face.decision); nearest \(best)")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
