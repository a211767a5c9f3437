import Foundation
import Hummingbird
import MultipartKit

/// One part of a `multipart/form-data` body.
struct FormPart: Sendable {
    let name: String
    let filename: String?
    let data: Data
}

/// Parses `multipart/form-data` bodies (already collected within the body limit).
enum FormData {
    /// The parts of `body`, or a 400 problem saying what is wrong with the request.
    static func parts(of body: ByteBuffer, contentType: String?) throws -> [FormPart] {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw Problem.badRequest("send the images as multipart/form-data (Content-Type with a boundary).")
        }
        var parts: [FormPart] = []
        var headers: [String: String] = [:]
        var data = Data()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { field, value in headers[field.lowercased()] = value }
        parser.onBody = { buffer in data.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            let disposition = headers["content-disposition"] ?? ""
            parts.append(FormPart(name: parameter("name", in: disposition) ?? "",
                                  filename: parameter("filename", in: disposition), data: data))
            headers = [:]
            data = Data()
        }
        do {
            try parser.execute(body)
        } catch {
            throw Problem.badRequest("the multipart body could not be read (\(error)); check the boundary and the parts.")
        }
        return parts
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
