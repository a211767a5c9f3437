import Foundation
import Gallery
import Testing
@testable import FaceRecognition

struct ModelRecordTests {
    let record = ModelRecord(name: "sphere20a", dim: 512, weightsSHA256: String(repeating: "ab", count: 32),
                             weightsFile: "/models/w.safetensors", inputWidth: 96, inputHeight: 112,
                             cropTemplate: "sphere20a-96x112", landmarks: .mtcnn,
                             identification: ThresholdRecord(cosine: 0.5, source: "calibrated"), verification: nil)

    @Test func roundTripsThroughTheGalleryModel() throws {
        let stored = try record.galleryModel
        #expect(stored.name == "sphere20a" && stored.dim == 512 && stored.weightsSHA256 == record.weightsSHA256)
        #expect(try ModelRecord.stored(in: stored) == record)
        #expect(stored.defaultThreshold == 0.5)
    }

    @Test func refusesARecordOfALaterVersion() throws {
        var info = try record.galleryModel
        info.metadataJSON = info.metadataJSON.replacingOccurrences(of: "\"version\":1", with: "\"version\":7")
        #expect(throws: FaceRecognitionError.newerRecord(version: 7)) { try ModelRecord.stored(in: info) }
    }

    @Test func readsTheLooseKeysOfOlderGalleries() throws {
        let info = EmbeddingModelInfo(name: "dlib-resnet", dim: 128, metadataJSON: """
            {"input":"150x150","landmarks":"dlib5","template":"dlib-chip-150","threshold":0.9413,"threshold_source":"LFW","verification_threshold":0.908}
            """)
        let legacy = try #require(try ModelRecord.stored(in: info))
        #expect(legacy.inputWidth == 150 && legacy.landmarks == .dlib5 && legacy.cropTemplate == "dlib-chip-150")
        #expect(legacy.identification?.cosine == 0.9413 && legacy.verification?.cosine == 0.908)
        #expect(info.defaultThreshold == Float(0.9413))
    }

    @Test func aGalleryOfVectorsHasNoRecord() throws {
        #expect(try ModelRecord.stored(in: EmbeddingModelInfo(name: "dlib-resnet", dim: 128)) == nil)
    }
}

struct DecisionTests {
    func result(_ cosines: [Float]) -> SearchResult {
        SearchResult(identified: nil, candidates: cosines.enumerated().map {
            Candidate(identity: "p\($0)", displayName: "", identityID: Int64($0), cosine: $1, angle: 0, templateID: 0)
        }, threshold: nil)
    }

    @Test func cutsToTopKAndDecidesAtTheThreshold() {
        let r = result([0.9, 0.8, 0.7])
        #expect(r.decided(topK: 2, threshold: 0.95).decision == "unknown")
        #expect(r.decided(topK: 2, threshold: 0.95).candidates.count == 2)
        #expect(r.decided(topK: 1, threshold: 0.85).decision == "p0")
        #expect(r.decided(topK: 5, threshold: nil).decision == "p0")
    }
}
