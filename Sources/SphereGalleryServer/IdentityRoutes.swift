import Gallery
import Hummingbird

/// `/v1/identities…`: list (paged, searchable), show, remove, and enrol vectors.
enum IdentityRoutes {
    static func add(reading: RouterGroup<ServiceContext>, writing: RouterGroup<ServiceContext>, server: ServerCore) {
        reading.get("/v1/identities") { request, context in
            let backend = try server.state.ready()
            let limit = try Respond.int(request, "limit", default: 100, range: 1...1000)
            let after = request.uri.queryParameters["after"].map(String.init)
            let search = request.uri.queryParameters["q"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let page = try await Blocking.run(deadline: context.deadline) {
                try backend.gallery.identities(after: after, limit: limit, containing: search)
            }
            return try Respond.json(IdentityPage(identities: page.map(IdentityListItem.init),
                                                 next: page.count == limit ? page.last?.key : nil))
        }

        reading.get("/v1/identities/{identity}") { request, context in
            let backend = try server.state.ready()
            let key = try Validation.identity(context.parameters.get("identity"))
            let (summary, templates) = try await Blocking.run(deadline: context.deadline) { try backend.gallery.identity(key) }
            return try Respond.json(IdentityDetail(
                identity: summary.key, displayName: summary.displayName, created: summary.created,
                templates: templates.map {
                    TemplateBody(template: $0.id, source: $0.source, sha256: $0.contentSHA256,
                                 detectorScore: $0.detectorScore, created: $0.created)
                }))
        }

        writing.delete("/v1/identities/{identity}") { request, context in
            let backend = try server.state.ready()
            let key = try Validation.identity(context.parameters.get("identity"))
            let actor = context.actor
            try await Blocking.run(deadline: context.deadline) {
                try backend.gallery.remove(identity: key)
                try backend.gallery.recordAudit(keyName: actor, action: "remove", identity: key)
            }
            return Response(status: .noContent)
        }

        writing.post("/v1/identities/{identity}/faces") { request, context in
            let backend = try server.state.ready()
            let key = try Validation.identity(context.parameters.get("identity"))
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            guard contentType.hasPrefix("application/json") else {
                throw Problem(status: .unsupportedMediaType, detail: "send the vectors as application/json.")
            }
            let body = try await Respond.decode(EnrolVectorsBody.self, from: request, limit: server.configuration.bodyLimit)
            try Validation.vectors(body.vectors, dim: backend.gallery.model.dim)
            let actor = context.actor
            let outcomes = try await Blocking.run(deadline: context.deadline) {
                let templates = body.vectors.map { NewTemplate(identity: key, displayName: body.displayName, vector: $0, source: "api") }
                let outcomes = try backend.gallery.add(templates)
                let added = outcomes.filter { if case .added = $0 { true } else { false } }.count
                try backend.gallery.recordAudit(keyName: actor, action: "enrol", identity: key,
                                                detail: "\(added) vector(s) enrolled, \(outcomes.count - added) already present")
                return outcomes
            }
            return try Respond.json(EnrolmentBody(identity: key, results: outcomes.enumerated().map { i, outcome in
                switch outcome {
                case .added(let id): EnrolmentResultBody(file: "vector \(i)", outcome: "enrolled", template: id, detail: nil)
                case .alreadyPresent(let id): EnrolmentResultBody(file: "vector \(i)", outcome: "already-present", template: id, detail: nil)
                }
            }))
        }
    }
}
