import Gallery
import Hummingbird

/// `/v1/gallery`: the counts (`stats --json`) and the open-set threshold.
enum GalleryRoutes {
    static func add(reading: RouterGroup<ServiceContext>, admin: RouterGroup<ServiceContext>, server: ServerCore) {
        reading.get("/v1/gallery") { request, context in
            let backend = try server.state.ready()
            let stats = try await Blocking.run(deadline: context.deadline) { try backend.gallery.stats() }
            return try Respond.json(GalleryBody(stats))
        }

        admin.put("/v1/gallery/threshold") { request, context in
            let backend = try server.state.ready()
            let body = try await Respond.decode(ThresholdBody.self, from: request, limit: 4096)
            if let t = body.threshold, !(t >= -1 && t <= 1) {
                throw Problem.badRequest("threshold must be a cosine in -1…1, or null to clear it.")
            }
            let actor = context.actor
            let now = try await Blocking.run(deadline: context.deadline) {
                try backend.gallery.setThreshold(body.threshold)
                try backend.gallery.recordAudit(keyName: actor, action: "threshold",
                                                detail: body.threshold.map { String($0) } ?? "cleared")
                return try backend.gallery.threshold()
            }
            return try Respond.json(ThresholdBody(threshold: now))
        }
    }
}
