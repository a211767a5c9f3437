import Foundation
import Gallery
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SphereGalleryServer

@Suite struct RouteTests {
    @Test func healthAndReadinessFollowLoading() async throws {
        let fixture = try Fixture(load: false)
        try await fixture.test { client in
            #expect(try await client.send(.get, "/healthz").status == .ok)
            let loading = try await client.send(.get, "/readyz")
            #expect(loading.status == .serviceUnavailable)
            #expect(loading.headers[.retryAfter] != nil)
            #expect(try await client.send(.get, "/v1/gallery", key: fixture.identify).status == .serviceUnavailable)
            fixture.server.core.load()
            #expect(try await client.send(.get, "/readyz").status == .ok)
        }
    }

    @Test func everyV1RouteNeedsAValidKeyOfTheRightScope() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let none = try await client.send(.get, "/v1/identities")
            #expect(none.status == .unauthorized)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(none.object["status"] as? Int == 401)
            #expect(none.object["title"] as? String == "Unauthorized")
            #expect(try await client.send(.get, "/v1/identities", key: "sg_0000000000000000_" + String(repeating: "0", count: 64)).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/identities", key: "nonsense").status == .unauthorized)
            #expect(try await client.send(.get, "/v1/identities", key: fixture.identify).status == .ok)
            let forbidden = try await client.send(.delete, "/v1/identities/ada", key: fixture.identify)
            #expect(forbidden.status == .forbidden)
            #expect(try await client.send(.put, "/v1/gallery/threshold", key: fixture.enrol, json: ["threshold": 0.5]).status == .forbidden)
            #expect(try await client.send(.put, "/v1/gallery/threshold", key: fixture.admin, json: ["threshold": 0.5]).status == .ok)
        }
    }

    @Test func aRevokedKeyIsRefusedAtOnce() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            #expect(try await client.send(.get, "/v1/gallery", key: fixture.identify).status == .ok)
            let other = try Gallery.open(at: fixture.galleryPath)
            try other.revokeKey(name: "identify-key")
            try other.close()
            #expect(try await client.send(.get, "/v1/gallery", key: fixture.identify).status == .unauthorized)
        }
    }

    @Test func vectorsAreEnrolledIdentifiedListedAndRemoved() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let enrolled = try await client.send(.post, "/v1/identities/linus/faces", key: fixture.enrol,
                                                 json: Vectors(vectors: [[0, 0, 0, 1], [0, 0.1, 0, 1]]))
            #expect(enrolled.status == .ok)
            let results = enrolled.object["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["outcome"] as? String } == ["enrolled", "enrolled"])
            let again = try await client.send(.post, "/v1/identities/linus/faces", key: fixture.enrol,
                                              json: Vectors(vectors: [[0, 0, 0, 1]]))
            #expect((again.object["results"] as? [[String: Any]])?.first?["outcome"] as? String == "already-present")

            let found = try await client.send(.post, "/v1/identify/vectors", key: fixture.identify,
                                              json: Vectors(vectors: [[0, 0, 0.1, 1], [1, 0.1, 0, 0]], top_k: 2))
            #expect(found.status == .ok)
            let answers = found.object["results"] as? [[String: Any]] ?? []
            #expect(answers.map { $0["decision"] as? String } == ["linus", "ada"])
            #expect(answers.map { ($0["candidates"] as? [Any])?.count } == [2, 2])

            let page = try await client.send(.get, "/v1/identities?limit=2", key: fixture.identify)
            #expect((page.object["identities"] as? [[String: Any]])?.map { $0["identity"] as? String } == ["ada", "alan"])
            #expect(page.object["next"] as? String == "alan")
            let rest = try await client.send(.get, "/v1/identities?limit=2&after=alan", key: fixture.identify)
            #expect((rest.object["identities"] as? [[String: Any]])?.map { $0["identity"] as? String } == ["grace", "linus"])
            let searched = try await client.send(.get, "/v1/identities?q=LI", key: fixture.identify)
            #expect((searched.object["identities"] as? [[String: Any]])?.map { $0["identity"] as? String } == ["linus"])
            #expect(searched.object["next"] is NSNull)

            let detail = try await client.send(.get, "/v1/identities/linus", key: fixture.identify)
            #expect((detail.object["templates"] as? [Any])?.count == 2)
            #expect(try await client.send(.delete, "/v1/identities/linus", key: fixture.enrol).status == .noContent)
            #expect(try await client.send(.get, "/v1/identities/linus", key: fixture.identify).status == .notFound)
            #expect(try await client.send(.delete, "/v1/identities/linus", key: fixture.enrol).status == .notFound)
            let after = try await client.send(.post, "/v1/identify/vectors", key: fixture.identify,
                                              json: Vectors(vectors: [[0, 0, 0, 1]], threshold: 0.5))
            #expect((after.object["results"] as? [[String: Any]])?.first?["decision"] as? String == "unknown")
        }
        let gallery = try Gallery.open(at: fixture.galleryPath, readOnly: true)
        let log = try gallery.auditEntries()
        #expect(log.filter { $0.keyName == "enrol-key" }.map(\.action) == ["enrol", "enrol", "remove"])
        #expect(log.last?.identity == "linus")
    }

    @Test func identitiesWithSpacesAndUnicodeRoundTrip() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let r = try await client.send(.post, "/v1/identities/Zo%C3%AB%20Smith/faces", key: fixture.enrol,
                                          json: Vectors(vectors: [[0, 0, 1, 1]]))
            #expect(r.object["identity"] as? String == "Zoë Smith")
            #expect(try await client.send(.get, "/v1/identities/Zo%C3%AB%20Smith", key: fixture.identify).status == .ok)
            // 200 code points that are far fewer characters: past the documented maxLength.
            let combining = String(repeating: "e\u{301}", count: 101).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
            #expect(try await client.send(.get, "/v1/identities/\(combining)", key: fixture.identify).status == .badRequest)
        }
    }

    @Test func badInputIsA400ProblemThatSaysWhatIsWrong() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let wrongDim = try await client.send(.post, "/v1/identify/vectors", key: fixture.identify, json: Vectors(vectors: [[1, 0]]))
            #expect(wrongDim.status == .badRequest)
            #expect((wrongDim.object["detail"] as? String)?.contains("4") == true)
            #expect(try await client.send(.post, "/v1/identify/vectors", key: fixture.identify, json: Vectors(vectors: [])).status == .badRequest)
            #expect(try await client.send(.post, "/v1/identify/vectors", key: fixture.identify, json: Vectors(vectors: [[0, 0, 0, 0]])).status == .badRequest)
            #expect(try await client.send(.post, "/v1/identify/vectors", key: fixture.identify,
                                          json: Vectors(vectors: [[1, 0, 0, 0]], top_k: 0)).status == .badRequest)
            #expect(try await client.send(.post, "/v1/identify/vectors", key: fixture.identify,
                                          raw: ByteBuffer(string: "{not json"), contentType: "application/json").status == .badRequest)
            #expect(try await client.send(.get, "/v1/identities?limit=abc", key: fixture.identify).status == .badRequest)
            #expect(try await client.send(.put, "/v1/gallery/threshold", key: fixture.admin, json: ["threshold": 3]).status == .badRequest)
            // Just above 1: a Float would round it to 1 and accept it; the document says at most 1.
            let justAbove = ByteBuffer(string: "{\"threshold\": 1.0000000000000002}")
            #expect(try await client.send(.put, "/v1/gallery/threshold", key: fixture.admin, raw: justAbove,
                                          contentType: "application/json").status == .badRequest)
            #expect(try await client.send(.post, "/v1/identify/vectors", key: fixture.identify,
                                          raw: ByteBuffer(string: "{\"vectors\": [[1, 0, 0, 0]], \"threshold\": 1.0000000000000002}"),
                                          contentType: "application/json").status == .badRequest)
            // Multipart bodies of any bytes are answered 400, never a crash (a non-ASCII header
            // name once trapped the parser).
            let oddHeader = try FormData.parts(of: ByteBuffer(string: "--b\r\n\u{CE}\u{8F}\u{C2}\u{82}: x\r\n\r\n{}\r\n--b--\r\n"),
                                               contentType: "multipart/form-data; boundary=b")
            #expect(oddHeader.map(\.name) == [""])
            for raw in ["--b\r\n\r\n", "--b", "no boundary here", ""] {
                #expect(throws: Problem.self, "\(raw.debugDescription)") {
                    try FormData.parts(of: ByteBuffer(string: raw), contentType: "multipart/form-data; boundary=b")
                }
            }
            let parts = try FormData.parts(of: ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x.jpg\"\r\n\r\n\r\n--b--\r\n--b\r\n\r\n"),
                                           contentType: "multipart/form-data; boundary=b")
            #expect(parts.map(\.name) == ["a"] && parts[0].filename == "x.jpg" && parts[0].data.isEmpty)
            let missing = try await client.send(.get, "/nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let fixture = try Fixture { $0.bodyLimit = 2048 }
        try await fixture.test { client in
            let big = Vectors(vectors: Array(repeating: [1, 0.5, 0.25, 0.125], count: 200))
            let r = try await client.send(.post, "/v1/identify/vectors", key: fixture.identify, json: big)
            #expect(r.status == .contentTooLarge)
            #expect(r.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func thresholdAndStatsAnswerLikeTheCommandLine() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let set = try await client.send(.put, "/v1/gallery/threshold", key: fixture.admin, json: ["threshold": 0.25])
            #expect(set.object["threshold"] as? Double == 0.25)
            let stats = try await client.send(.get, "/v1/gallery", key: fixture.identify).object
            #expect(stats["identities"] as? Int == 3)
            #expect(stats["templates"] as? Int == 3)
            #expect(stats["dim"] as? Int == 4)
            #expect(stats["threshold"] as? Double == 0.25)
            #expect(Set(stats.keys) == ["model", "dim", "identities", "templates", "file_bytes", "memory_bytes", "storage", "threshold"])
            let cleared = try await client.send(.put, "/v1/gallery/threshold", key: fixture.admin, json: ["threshold": Float?.none])
            #expect(cleared.object["threshold"] is NSNull)
        }
        let gallery = try Gallery.open(at: fixture.galleryPath, readOnly: true)
        #expect(try gallery.auditEntries().filter { $0.action == "threshold" }.map(\.detail) == ["0.25", "cleared"])
    }

    @Test func metricsCountRequestsByRoutePatternAndStatus() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            _ = try await client.send(.get, "/v1/identities/ada", key: fixture.identify)
            _ = try await client.send(.get, "/v1/identities/nobody", key: fixture.identify)
            _ = try await client.send(.post, "/v1/identify/vectors", key: fixture.identify, json: Vectors(vectors: [[1, 0, 0, 0]]))
            let text = try await client.send(.get, "/metrics").text
            #expect(text.contains(#"sphere_http_requests_total{route="/v1/identities/{identity}",method="GET",status="200"} 1"#))
            #expect(text.contains(#"sphere_http_requests_total{route="/v1/identities/{identity}",method="GET",status="404"} 1"#))
            #expect(text.contains(#"sphere_batch_size_count{stage="search"} 1"#))
            #expect(text.contains("sphere_gallery_templates 3"))
            #expect(text.contains(#"sphere_http_request_duration_seconds_bucket{route="/v1/identify/vectors",method="POST",status="200",le="+Inf"} 1"#))
        }
    }

    @Test func theWebPageAndTheDocumentAreServed() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let page = try await client.send(.get, "/")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("/app.js"))
            #expect(try await client.send(.get, "/app.js").text.contains("/v1/identify"))
            #expect(try await client.send(.get, "/openapi.yaml").text.hasPrefix("openapi: 3.1"))
        }
    }
}
