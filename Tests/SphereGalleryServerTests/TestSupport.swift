import Foundation
import Gallery
import Hummingbird
import HummingbirdTesting
@testable import SphereGalleryServer

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sphere-serve-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// A 4-d gallery with a key of each scope, served by a loaded `GalleryServer`.
struct Fixture: Sendable {
    let dir = TemporaryDirectory()
    let galleryPath: String
    let admin: String, enrol: String, identify: String
    let server: GalleryServer

    init(configure: (inout ServerConfiguration) -> Void = { _ in }, load: Bool = true) throws {
        galleryPath = dir.file("g.sqlite")
        let gallery = try Gallery.create(at: galleryPath, model: .init(name: "test", dim: 4))
        admin = try gallery.createKey(name: "admin-key", scope: .admin)
        enrol = try gallery.createKey(name: "enrol-key", scope: .enrol)
        identify = try gallery.createKey(name: "identify-key", scope: .identify)
        try gallery.add([
            NewTemplate(identity: "ada", vector: [1, 0, 0, 0]),
            NewTemplate(identity: "alan", vector: [0, 1, 0, 0]),
            NewTemplate(identity: "grace", vector: [0, 0, 1, 0]),
        ])
        try gallery.close()
        var configuration = ServerConfiguration(galleryPath: galleryPath)
        configure(&configuration)
        server = try GalleryServer(configuration: configuration)
        if load { server.core.load() }
    }

    /// Runs `body` against the router (no socket).
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = try server.application()
        return try await app.test(.router, body)
    }
}

extension TestClientProtocol {
    /// Sends `json` (an encodable value or raw bytes) with `key` as the bearer token.
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: (any Encodable)? = nil,
              raw: ByteBuffer? = nil, contentType: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body = raw
        if let json {
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
            headers[.contentType] = "application/json"
        }
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
    var text: String { String(buffer: body) }
}

struct Vectors: Encodable {
    let vectors: [[Float]]
    var top_k: Int? = nil
    var threshold: Float? = nil
}
