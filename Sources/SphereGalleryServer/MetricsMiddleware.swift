import Hummingbird

/// Counts every answer by route pattern (not raw path, so identities don't become labels),
/// method and status, and times it.
struct MetricsMiddleware: RouterMiddleware {
    let metrics: Metrics

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                              status: response.status.code, seconds: seconds)
        return response
    }
}
