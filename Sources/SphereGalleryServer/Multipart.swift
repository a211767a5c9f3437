import Foundation
import Hummingbird

/// One part of a `multipart/form-data` body.
struct FormPart: Sendable {
    let name: String
    let filename: String?
    let data: Data
}

/// Parses `multipart/form-data` bodies (RFC 7578), already collected within the body limit.
/// Any byte sequence gives parts or a 400 problem, never a trap: header bytes are taken as
/// (lossy) UTF-8 text and only split at ASCII separators.
enum FormData {
    /// The parts of `body`, or a 400 problem saying what is wrong with the request.
    static func parts(of body: ByteBuffer, contentType: String?) throws -> [FormPart] {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: contentType), !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw Problem.badRequest("send the images as multipart/form-data (Content-Type with a boundary).")
        }
        let bytes = Data(body.readableBytesView)
        let delimiter = Data(("--" + boundary).utf8)
        let crlf = Data("\r\n".utf8), headerEnd = Data("\r\n\r\n".utf8)
        let malformed = Problem.badRequest("the multipart body does not follow its boundary; send multipart/form-data as browsers and curl -F do.")
        guard let first = bytes.range(of: delimiter) else { throw malformed }
        var cursor = first.upperBound
        var parts: [FormPart] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if bytes[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard bytes[cursor...].starts(with: crlf) else { throw malformed }
            let partStart = cursor + crlf.count
            guard let headersEnd = bytes.range(of: headerEnd, in: partStart..<bytes.endIndex),
                  let next = bytes.range(of: crlf + delimiter, in: headersEnd.upperBound..<bytes.endIndex) else {
                throw malformed
            }
            let headers = headerFields(bytes[partStart..<headersEnd.lowerBound])
            let disposition = headers["content-disposition"] ?? ""
            parts.append(FormPart(name: parameter("name", in: disposition) ?? "",
                                  filename: parameter("filename", in: disposition),
                                  data: Data(bytes[headersEnd.upperBound..<next.lowerBound])))
            guard parts.count <= 1000 else { throw Problem.badRequest("a multipart body may hold at most 1000 parts.") }
            cursor = next.upperBound
        }
    }

    /// `Name: value` lines, names lowercased.
    static func headerFields(_ bytes: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// The value of `name=value` or `name="value"` in a header such as Content-Disposition.
    static func parameter(_ name: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return value
        }
        return nil
    }
}
