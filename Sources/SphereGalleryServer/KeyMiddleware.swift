import Gallery
import Hummingbird

/// Requires `Authorization: Bearer KEY` with a key whose scope allows `required`:
/// 401 without a valid key, 403 when its scope is too small.
struct KeyMiddleware: RouterMiddleware {
    let required: KeyScope
    let state: ServiceState

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("this route needs `Authorization: Bearer KEY`; create a key with `sphere-gallery keys create`.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be `Bearer KEY`.")
        }
        let gallery = try state.ready().gallery
        let presented = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard let key = try gallery.authenticate(presented) else {
            throw Problem.unauthorized("the key is not valid (mistyped, revoked, or for another gallery).")
        }
        guard key.scope.allows(required) else {
            throw Problem.forbidden("the key '\(key.name)' has scope \(key.scope.rawValue); this route needs \(required.rawValue) or above.")
        }
        var context = context
        context.key = key
        return try await next(request, context)
    }
}
