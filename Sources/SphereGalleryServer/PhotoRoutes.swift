import FaceRecognition
import Foundation
import Hummingbird

/// `/v1/identify` (every face of a photo, coalesced) and `/v1/verify` (two photos, 1:1).
enum PhotoRoutes {
    static func add(to group: RouterGroup<ServiceContext>, server: ServerCore) {
        group.post("/v1/identify") { request, context in
            let backend = try server.state.ready()
            let faces = try backend.faceService()
            let topK = try Respond.int(request, "top_k", default: 5, range: 1...100)
            let threshold = try Respond.cosine(request, "threshold")
            let image = try await onePart("image", of: request, limit: server.configuration.bodyLimit)
            let answer = try await faces.identify(image.data, name: image.filename ?? "image", topK: topK,
                                                  threshold: threshold, deadline: context.deadline)
            return try Respond.json(answer)
        }

        group.post("/v1/verify") { request, context in
            let backend = try server.state.ready()
            let faces = try backend.faceService()
            let body = try await Respond.body(request, limit: server.configuration.bodyLimit)
            let parts = try FormData.parts(of: body, contentType: request.headers[.contentType])
            guard let a = parts.first(where: { $0.name == "a" }), let b = parts.first(where: { $0.name == "b" }) else {
                throw Problem.badRequest("send two photos as multipart fields `a` and `b`.")
            }
            return try Respond.json(try await faces.verify(a, b, deadline: context.deadline))
        }
    }

    /// The one part called `name` of a multipart body, or 400.
    static func onePart(_ name: String, of request: Request, limit: Int) async throws -> FormPart {
        let body = try await Respond.body(request, limit: limit)
        let parts = try FormData.parts(of: body, contentType: request.headers[.contentType]).filter { $0.name == name }
        guard parts.count == 1, !parts[0].data.isEmpty else {
            throw Problem.badRequest("send one photo as the multipart field `\(name)`.")
        }
        return parts[0]
    }
}
