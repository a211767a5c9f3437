import ArgumentParser
import Foundation
import Gallery
import SphereGalleryServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a gallery over HTTP: the v1 API (keys from `keys create`) and a web page at /.",
        discussion: """
            Binds 127.0.0.1:8080 by default. Another address needs --tls-cert and --tls-key, or \
            --insecure when a TLS proxy in front protects it. SIGTERM or Ctrl-C stops it after \
            the requests in flight are answered.
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: any free port, printed at start).") var port = 8080
    @Option(help: "PEM certificate chain for TLS.") var tlsCert: String?
    @Option(help: "PEM private key for TLS.") var tlsKey: String?
    @Flag(help: "Allow a non-loopback address without TLS.") var insecure = false
    @Option(help: "Largest request body in bytes (413 beyond).") var maxBody = 32 << 20
    @Option(help: "Seconds a request may take (503 beyond).") var timeout = 30.0
    @Flag(inversion: .prefixedNo, help: "Batch concurrent identify requests into one search.") var coalesce = true
    @Option(help: "Longest wait, in milliseconds, for other requests to join a batch.") var coalesceWindowMs = 2.0
    @Option(help: "Most vectors or faces in one batch.") var maxBatch = 256
    @Option(help: "Most vectors or faces queued; beyond it requests get 503 with Retry-After.") var queueLimit = 4096
    @OptionGroup var storage: StorageOption
    @Option(help: "The gallery's model again (dlib-resnet:PATH, sphere20a:PATH) when its weights moved.") var model: String?

    func validate() throws {
        guard (0...10_000).contains(coalesceWindowMs) else {
            throw ValidationError("--coalesce-window-ms must be 0…10000 milliseconds, not \(coalesceWindowMs).")
        }
    }

    func run() throws {
        var configuration = ServerConfiguration(galleryPath: database.db)
        configuration.host = host
        configuration.port = port
        configuration.tlsCertificate = tlsCert
        configuration.tlsKey = tlsKey
        configuration.insecure = insecure
        configuration.bodyLimit = maxBody
        configuration.requestTimeout = timeout
        configuration.coalescing = CoalescingSettings(
            enabled: coalesce, window: .microseconds(Int64(coalesceWindowMs * 1000)),
            maxBatch: maxBatch, queueLimit: queueLimit)
        configuration.storage = storage.storage
        configuration.model = model
        guard FileManager.default.fileExists(atPath: database.db) else { throw GalleryError.missing(path: database.db) }
        let server = try GalleryServer(configuration: configuration) { printError("sphere-gallery: \($0)") }
        let scheme = tlsCert == nil ? "http" : "https"
        let host = self.host, path = database.db
        try server.runBlocking { port in
            printError("sphere-gallery serving \(scheme)://\(host):\(port)/ (gallery \(path))")
        }
    }
}
