import Foundation
import Testing
@testable import SphereGalleryServer

/// The OpenAPI document is the contract: every route it lists is served, and nothing else.
@Suite struct OpenAPITests {
    /// (method, path) pairs of the document's `paths:` block, read line by line: a path at
    /// two spaces of indent, its operations at four.
    static func documentedOperations() -> Set<String> {
        let text = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " " { break }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).prefix { $0 != ":" })
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let name = String(line.dropFirst(4).prefix { $0 != ":" })
                if methods.contains(name) { operations.insert("\(name.uppercased()) \(path)") }
            }
        }
        return operations
    }

    @Test func theDocumentListsExactlyTheRoutesServed() throws {
        let fixture = try Fixture()
        let served = Set(fixture.server.router().routes.map { "\($0.method) \($0.path)" })
        let documented = Self.documentedOperations()
        #expect(documented.count >= 10)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented))")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served))")
    }
}
