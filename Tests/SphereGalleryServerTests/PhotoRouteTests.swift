import FaceRecognition
import Foundation
import Gallery
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SphereGalleryServer

/// LFW in ../shared and the model cache, for the photo routes with the real pipeline.
enum LFW {
    static let images: String = {
        let shared = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path
        return shared + "/data/lfw/images"
    }()
    static let cache = ProcessInfo.processInfo.environment["SPHERE_GALLERY_CACHE"] ?? (NSHomeDirectory() + "/.cache/sphere-gallery")
    static var available: Bool {
        FileManager.default.fileExists(atPath: images)
            && ["dlib_resnet_v1.safetensors", "mtcnn_onet.safetensors", "dlib_shape_predictor_5.safetensors"]
                .allSatisfy { FileManager.default.fileExists(atPath: cache + "/" + $0) }
    }

    /// The first `count` people (by name) with at least 4 photos, and their photos sorted.
    static func people(_ count: Int) throws -> [(name: String, files: [String])] {
        var found: [(String, [String])] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: images).sorted() {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: images + "/" + name)) ?? []).sorted()
            guard files.count >= 4 else { continue }
            found.append((name, files.map { images + "/" + name + "/" + $0 }))
            if found.count == count { break }
        }
        return found
    }
}

/// A multipart/form-data body of (field, file name, bytes) parts.
func multipart(_ parts: [(String, String, Data)]) -> (ByteBuffer, String) {
    let boundary = "b-\(UUID().uuidString)"
    var body = Data()
    for (field, file, data) in parts {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(file)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n".utf8))
    }
    body.append(Data("--\(boundary)--\r\n".utf8))
    return (ByteBuffer(bytes: body), "multipart/form-data; boundary=\(boundary)")
}

func photo(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

@Suite(.enabled(if: LFW.available, "needs LFW in ../shared/data/lfw and the models (make models)"), .serialized)
struct PhotoRouteTests {
    @Test func photosAreEnrolledIdentifiedAsTheLibraryDoesAndVerified() async throws {
        let dir = TemporaryDirectory()
        let db = dir.file("faces.sqlite")
        let recognizer = try FaceRecognizer.create(gallery: db)
        let key = try recognizer.gallery.createKey(name: "web", scope: .enrol)
        try recognizer.close()
        let people = try LFW.people(4)
        let server = try GalleryServer(configuration: ServerConfiguration(galleryPath: db))
        server.core.load()
        let app = try server.application()
        try await app.test(.router) { client in
            for person in people {
                let (body, type) = multipart(try person.files.prefix(3).map { ("image", ($0 as NSString).lastPathComponent, try photo($0)) })
                let r = try await client.send(.post, "/v1/identities/\(person.name)/faces", key: key, raw: body, contentType: type)
                #expect(r.status == .ok)
                let outcomes = (r.object["results"] as? [[String: Any]])?.map { $0["outcome"] as? String }
                #expect(outcomes == ["enrolled", "enrolled", "enrolled"], "\(person.name): \(r.text)")
            }

            // Concurrent identify requests: every answer right, and fewer batches than requests.
            let bodies = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for person in people {
                    group.addTask {
                        let (body, type) = multipart([("image", "probe.jpg", try photo(person.files[3]))])
                        let r = try await client.send(.post, "/v1/identify?top_k=2", key: key, raw: body, contentType: type)
                        return (person.name, r.text)
                    }
                }
                return try await group.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
            }
            let answers = bodies.mapValues { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
            let reference = try FaceRecognizer.open(gallery: db, readOnly: true)
            for person in people {
                let faces = answers[person.name]?["faces"] as? [[String: Any]] ?? []
                let local = try reference.identify(.file(person.files[3]), topK: 2)
                #expect(faces.map { $0["decision"] as? String } == local.faces.map(\.decision))
                #expect(faces.contains { $0["decision"] as? String == person.name }, "\(person.name)")
                #expect(faces.allSatisfy { ($0["box"] as? [Double])?.count == 4 && ($0["candidates"] as? [Any])?.count == 2 })
            }
            try reference.close()

            let (bad, badType) = multipart([("image", "bad.jpg", Data("not an image".utf8))])
            let refused = try await client.send(.post, "/v1/identify", key: key, raw: bad, contentType: badType)
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let (none, noneType) = multipart([("other", "x.jpg", try photo(people[0].files[0]))])
            #expect(try await client.send(.post, "/v1/identify", key: key, raw: none, contentType: noneType).status == .badRequest)

            let (pair, pairType) = multipart([("a", "a.jpg", try photo(people[0].files[0])), ("b", "b.jpg", try photo(people[0].files[1]))])
            let verified = try await client.send(.post, "/v1/verify", key: key, raw: pair, contentType: pairType)
            #expect(verified.object["same"] as? Bool == true, "\(verified.text)")
            let (mixed, mixedType) = multipart([("a", "a.jpg", try photo(people[0].files[0])), ("b", "b.jpg", try photo(people[1].files[0]))])
            #expect(try await client.send(.post, "/v1/verify", key: key, raw: mixed, contentType: mixedType).object["same"] as? Bool == false)

            let metrics = try await client.send(.get, "/metrics").text
            #expect(metrics.contains("sphere_faces_detected_total"))
            #expect(!metrics.contains("sphere_faces_detected_total 0\n"))
        }
        let gallery = try Gallery.open(at: db, readOnly: true)
        #expect(try gallery.auditEntries().filter { $0.action == "enrol" }.count == people.count)
    }
}

@Suite struct VectorGalleryPhotoRouteTests {
    @Test func aGalleryWithoutAFacePipelineSaysWhyPhotosAreRefused() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let (body, type) = multipart([("image", "x.jpg", Data([0xFF, 0xD8]))])
            let r = try await client.send(.post, "/v1/identify", key: fixture.identify, raw: body, contentType: type)
            #expect(r.status == .serviceUnavailable)
            #expect((r.object["detail"] as? String)?.contains("vector routes work") == true)
            let e = try await client.send(.post, "/v1/identities/ada/faces", key: fixture.enrol, raw: body, contentType: type)
            #expect(e.status == .serviceUnavailable)
            let u = try await client.send(.post, "/v1/identities/ada/faces", key: fixture.enrol, raw: ByteBuffer(string: "x"), contentType: "text/plain")
            #expect(u.status == .unsupportedMediaType)
        }
    }
}
