import Gallery
import Hummingbird

/// `/v1/identify/vectors`: coalesced vector identification.
enum IdentifyRoutes {
    static func add(to group: RouterGroup<ServiceContext>, server: ServerCore) {
        group.post("/v1/identify/vectors") { request, context in
            let backend = try server.state.ready()
            let body = try await Respond.decode(VectorQueryBody.self, from: request, limit: server.configuration.bodyLimit)
            let topK = body.topK ?? 5
            guard (1...100).contains(topK) else { throw Problem.badRequest("top_k must be 1…100, not \(topK).") }
            if let t = body.threshold, !(t >= -1 && t <= 1) { throw Problem.badRequest("threshold must be a cosine in -1…1.") }
            try Validation.vectors(body.vectors, dim: backend.gallery.model.dim)
            let answers = try await backend.vectors.identify(
                .init(vectors: body.vectors, topK: topK, threshold: body.threshold), deadline: context.deadline)
            return try Respond.json(VectorAnswers(results: answers))
        }
    }
}
