import FaceDetection
import Foundation
import Gallery
import Testing
@testable import FaceRecognition

/// The library API on an LFW subset: enrol, identify, verify, reopen (the real models).
@Suite(.enabled(if: Fixtures.available, "needs LFW in ../shared/data/lfw and the models (make models)"))
struct RecognizerTests {
    @Test func enrolIdentifyVerifyAndReopen() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("g.sqlite")
        let people = try Fixtures.people(count: 5, minimum: 4)
        let items = people.flatMap { p in p.files.prefix(3).map { EnrolmentItem(identity: p.name, input: .file($0)) } }
        let recognizer = try FaceRecognizer.create(gallery: db)
        var seen = 0
        let reports = try recognizer.enrol(items, options: EnrolmentOptions(selection: .centre)) { _ in seen += 1 }
        #expect(seen == items.count && reports.count == items.count)
        #expect(reports.filter { $0.outcome == .enrolled }.count == items.count)
        #expect(reports.allSatisfy { ($0.faces ?? 0) >= 1 && $0.template != nil })
        #expect(recognizer.record.landmarks == .dlib5 && recognizer.record.name == "dlib-resnet")

        // The fourth photograph of each person is identified as that person.
        for p in people {
            let answer = try recognizer.identify(.file(p.files[3]), selection: .centre)
            #expect(answer.faces.count == 1)
            #expect(answer.faces.first?.decision == p.name, "\(p.files[3])")
            #expect(answer.width == 250 && answer.threshold == Float(0.9413))
        }

        // 1:1 uses the verification threshold, not the gallery's 1:N one.
        let same = try recognizer.verify(.file(people[0].files[0]), .file(people[0].files[1]))
        #expect(same.threshold == Float(0.9080) && same.thresholdSource?.contains("pairsDevTrain") == true)
        try recognizer.close()

        // Reopened, the same record rebuilds the same pipeline; re-enrolling stores nothing new.
        let reopened = try FaceRecognizer.open(gallery: db)
        #expect(reopened.record == recognizer.record)
        let again = try reopened.enrol(items)
        #expect(again.allSatisfy { $0.outcome == .alreadyPresent })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: people[1].files[3]))
        let fromData = try reopened.identify(.data(bytes, name: "upload.jpg"), selection: .centre)
        #expect(fromData.image == "upload.jpg" && fromData.faces.first?.decision == people[1].name)
        try reopened.close()
    }

    @Test func unreadableAndFacelessImagesAreReportedNotFatal() throws {
        let dir = TemporaryDirectory()
        let person = try Fixtures.people(count: 1, minimum: 1)[0]
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir.path("bad.jpg")))
        // A flat grey PGM has no face.
        try (Data("P5 64 64 255\n".utf8) + Data(repeating: 128, count: 64 * 64)).write(to: URL(fileURLWithPath: dir.path("grey.pgm")))
        let recognizer = try FaceRecognizer.create(gallery: dir.path("g.sqlite"))
        defer { try? recognizer.close() }
        let reports = try recognizer.enrol([
            EnrolmentItem(identity: "x", input: .file(dir.path("bad.jpg"))),
            EnrolmentItem(identity: "x", input: .file(dir.path("grey.pgm"))),
            EnrolmentItem(identity: "x", input: .file(dir.path("missing.jpg"))),
            EnrolmentItem(identity: person.name, input: .file(person.files[0])),
        ])
        #expect(reports.map(\.outcome) == [.unreadable, .noFace, .unreadable, .enrolled])
        #expect(reports[1].faces == 0)
        #expect(throws: FaceRecognitionError.self) { try recognizer.identify(.file(dir.path("bad.jpg"))) }
        #expect(try recognizer.identify(.file(dir.path("grey.pgm"))).faces.isEmpty)
    }

    @Test func cancellationStopsAndSaysWhatWasStored() throws {
        let dir = TemporaryDirectory()
        let people = try Fixtures.people(count: 2, minimum: 3)
        let items = people.flatMap { p in p.files.prefix(3).map { EnrolmentItem(identity: p.name, input: .file($0)) } }
        let recognizer = try FaceRecognizer.create(gallery: dir.path("g.sqlite"))
        defer { try? recognizer.close() }
        let cancellation = Cancellation()
        var stored = -1
        do {
            _ = try recognizer.enrol(items, options: EnrolmentOptions(batchSize: 2), progress: { r in
                if r.outcome == .enrolled { cancellation.cancel() }
            }, cancellation: cancellation)
            Issue.record("expected the enrolment to be cancelled")
        } catch FaceRecognitionError.cancelled(let n) {
            stored = n
        }
        #expect(stored >= 2 && stored < items.count)
        #expect(try recognizer.gallery.stats().templates == stored)
    }
}

/// A gallery enrolled with sphere20a weights from a file: reopened with the recorded file, and
/// other weights refused (the reference sphere20a of ../shared/testvectors).
@Suite(.enabled(if: Fixtures.available && FileManager.default.fileExists(atPath: SphereWeights.reference),
                "needs ../shared/testvectors/sphere20a, LFW and the models"))
struct SphereWeightsTests {
    @Test func reopensWithTheRecordedWeightsAndRefusesOthers() throws {
        let dir = TemporaryDirectory()
        let weights = dir.path("w.safetensors"), other = dir.path("other.safetensors")
        try FileManager.default.copyItem(atPath: SphereWeights.reference, toPath: weights)
        var changed = try Data(contentsOf: URL(fileURLWithPath: weights))
        changed[changed.count - 1] ^= 0x01   // the last weight's lowest bit: other weights, same shapes
        try changed.write(to: URL(fileURLWithPath: other))

        let person = try Fixtures.people(count: 1, minimum: 3)[0]
        let db = dir.path("g.sqlite")
        let created = try FaceRecognizer.create(gallery: db, model: "sphere20a:" + weights, workers: 1)
        #expect(try created.enrol([EnrolmentItem(identity: person.name, input: .file(person.files[0]))])[0].outcome == .enrolled)
        try created.close()

        // Reopened without naming the weights: the recorded file is used (photographs work).
        let reopened = try FaceRecognizer.open(gallery: db, readOnly: true, workers: 1)
        #expect(reopened.record.name == "sphere20a" && reopened.record.landmarks == .mtcnn)
        #expect(try reopened.identify(.file(person.files[1])).faces.first?.candidates.first?.identity == person.name)
        try reopened.close()

        // Other weights are refused, for searching and for enrolling.
        #expect(throws: FaceRecognitionError.self) { try FaceRecognizer.open(gallery: db, model: "sphere20a:" + other, workers: 1) }
        #expect(throws: FaceRecognitionError.self) { try FaceRecognizer.openOrCreate(gallery: db, model: "sphere20a:" + other, workers: 1) }
        // The recorded file gone, the message says which weights to give.
        try FileManager.default.removeItem(atPath: weights)
        do {
            _ = try FaceRecognizer.open(gallery: db, workers: 1)
            Issue.record("expected a refusal")
        } catch let error as FaceRecognitionError {
            #expect("\(error)".contains("sphere20a:PATH"))
        }
    }
}

enum SphereWeights {
    static let reference = Fixtures.shared.appendingPathComponent("testvectors/sphere20a/weights.safetensors").path
}
