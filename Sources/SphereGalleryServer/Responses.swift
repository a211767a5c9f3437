import Foundation
import Hummingbird

/// Response helpers: JSON bodies, request bodies within the limit, query parameters.
enum Respond {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func bytes(_ bytes: [UInt8], contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The whole request body, or 413 past `limit`.
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.tooLarge(limit: limit)
        }
    }

    /// A JSON request body decoded as `T`, or 400 saying what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer = try await body(request, limit: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw Problem.badRequest("the JSON body lacks \"\(key.stringValue)\".")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.badRequest("the JSON body has the wrong type at \"\(path)\": \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw Problem.badRequest("the JSON body is wrong at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription).")
        } catch {
            throw Problem.badRequest("the body is not the JSON this route takes (see /openapi.yaml).")
        }
    }

    /// An integer query parameter within `range`, `fallback` when absent; 400 otherwise.
    static func int(_ request: Request, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = request.uri.queryParameters[name[...]] else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw Problem.badRequest("\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), not '\(raw)'.")
        }
        return value
    }

    /// A cosine query parameter in -1…1, nil when absent; 400 otherwise.
    static func cosine(_ request: Request, _ name: String) throws -> Float? {
        guard let raw = request.uri.queryParameters[name[...]] else { return nil }
        guard let value = Float(raw), value >= -1, value <= 1 else {
            throw Problem.badRequest("\(name) must be a cosine in -1…1, not '\(raw)'.")
        }
        return value
    }
}
