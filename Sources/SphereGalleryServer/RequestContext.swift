import Gallery
import Hummingbird

/// The per-request context: Hummingbird's core storage, the API key that was checked and
/// the time by which the request must be answered.
struct ServiceContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by `KeyMiddleware` on `/v1` routes.
    var key: AuthenticatedKey?
    /// Set by `DeadlineMiddleware`; work that would end later is answered 503 instead.
    var deadline: ContinuousClock.Instant?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The name written to the audit table for writes made with this request's key.
    var actor: String { key?.name ?? "anonymous" }
}

/// Gives each request its deadline (`seconds` from arrival).
struct DeadlineMiddleware: RouterMiddleware {
    let seconds: Double

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        var context = context
        context.deadline = .now + .milliseconds(Int64(seconds * 1000))
        return try await next(request, context)
    }
}
