import Foundation
import Gallery
import Hummingbird

/// An API error, answered as `application/problem+json` (RFC 9457):
/// `{"type", "title", "status", "detail"}`, plus any extra headers (`Retry-After`, …).
struct Problem: Error, HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let detail: String
    var headers: HTTPFields = [:]

    var description: String { "\(status.code) \(status.reasonPhrase): \(detail)" }

    static func badRequest(_ detail: String) -> Problem { Problem(status: .badRequest, detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(status: .notFound, detail: detail) }
    static func unauthorized(_ detail: String) -> Problem {
        Problem(status: .unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }
    static func forbidden(_ detail: String) -> Problem { Problem(status: .forbidden, detail: detail) }
    static func tooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, detail: "the request body is larger than the server's limit of \(limit) bytes; send smaller images or fewer at once.")
    }
    static func unavailable(_ detail: String, retryAfter: Int = 1) -> Problem {
        Problem(status: .serviceUnavailable, detail: detail, headers: [.retryAfter: String(retryAfter)])
    }

    /// A gallery error as the client's problem (400, 404) or the server's (500, 503).
    init(_ error: GalleryError) {
        switch error {
        case .unknownIdentity: self.init(status: .notFound, detail: error.description)
        case .wrongDimension, .nonFinite, .zeroVector, .emptyIdentity, .badContentHash, .invalidArgument, .modelMismatch:
            self.init(status: .badRequest, detail: error.description)
        case .readOnly: self.init(status: .serviceUnavailable, detail: error.description, headers: [.retryAfter: "60"])
        default: self.init(status: .internalServerError, detail: error.description)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        struct Body: Encodable { let type: String, title: String, status: Int, detail: String }
        let body = Body(type: "about:blank", title: status.reasonPhrase, status: status.code, detail: detail)
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a route or the router throws into a problem response, so clients
/// always get the same error shape: our `Problem`s, Hummingbird's `HTTPError`s (404, 413, …)
/// and anything unexpected (500, with the message logged, not sent).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response()
        } catch let error as GalleryError {
            return Problem(error).response()
        } catch let error as HTTPError {
            let detail = error.body ?? (error.status == .notFound
                ? "no route \(request.method) \(request.uri.path); see /openapi.yaml." : error.status.reasonPhrase)
            return Problem(status: error.status, detail: detail, headers: error.headers).response()
        } catch let error as any HTTPResponseError {
            return Problem(status: error.status, detail: error.status.reasonPhrase).response()
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return Problem(status: .internalServerError, detail: "the server failed to answer; the error is in its log.").response()
        }
    }
}
