import Testing
@testable import SphereGalleryServer

@Suite struct ConfigurationTests {
    @Test func aNonLoopbackAddressNeedsTLSOrInsecure() throws {
        var c = ServerConfiguration(galleryPath: "g.sqlite")
        c.host = "0.0.0.0"
        #expect(throws: ServerError.insecureBind(host: "0.0.0.0")) { try c.validate() }
        c.insecure = true
        try c.validate()
        c.insecure = false
        c.tlsCertificate = "cert.pem"
        #expect(throws: ServerError.incompleteTLS) { try c.validate() }
        c.tlsKey = "key.pem"
        try c.validate()
    }

    @Test func loopbackAddressesNeedNeither() throws {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] {
            var c = ServerConfiguration(galleryPath: "g.sqlite")
            c.host = host
            try c.validate()
        }
        #expect(!ServerConfiguration.isLoopback("10.0.0.1"))
        #expect(!ServerConfiguration.isLoopback("127example.com"))
    }

    /// A timeout the server could not turn into its idle timer (infinite, NaN, zero) is refused
    /// before anything starts; an infinite one used to stop the process at start.
    @Test(arguments: [Double.infinity, .nan, 0, -1, 86_401])
    func anUnusableTimeoutIsRefused(seconds: Double) {
        var c = ServerConfiguration(galleryPath: "g.sqlite")
        c.requestTimeout = seconds
        #expect(throws: ServerError.self) { try c.validate() }
    }

    @Test func unreadableTLSFilesAreReportedByPath() {
        #expect(throws: ServerError.self) { _ = try GalleryServer.tls(certificate: "/nonexistent/cert.pem", key: "/nonexistent/key.pem") }
    }
}
