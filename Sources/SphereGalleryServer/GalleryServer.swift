import FaceRecognition
import Foundation
import Gallery
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Synchronization

/// What every route shares: the settings, the loading state and the metrics.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let state = ServiceState()
    let metrics = Metrics()

    /// Where load problems are reported (standard error for the command line).
    let onNotice: @Sendable (String) -> Void

    init(configuration: ServerConfiguration, onNotice: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.onNotice = onNotice
    }

    var isReady: Bool { if case .ready = state.current { true } else { false } }

    /// Opens the gallery and the face pipeline its model record describes, and makes the
    /// routes ready. A gallery whose model has no pipeline here (vectors of another model)
    /// is served without the photo routes, which then say why.
    func load() {
        do {
            let gallery: Gallery
            var faces: FaceService?
            var unavailable: String?
            do {
                let recognizer = try FaceRecognizer.open(gallery: configuration.galleryPath, model: configuration.model,
                                                         storage: configuration.storage)
                gallery = recognizer.gallery
                faces = FaceService(recognizer: recognizer, settings: configuration.coalescing, metrics: metrics)
            } catch {
                unavailable = "\(error)"
                gallery = try Gallery.open(at: configuration.galleryPath, storage: configuration.storage)
            }
            try gallery.prepareBatchSearch()
            let vectors = VectorIdentifier(gallery: gallery, settings: configuration.coalescing, metrics: metrics)
            state.set(.ready(Backend(gallery: gallery, vectors: vectors, faces: faces, facesUnavailable: unavailable)))
            if let unavailable { onNotice("photo routes off: \(unavailable)") }
        } catch {
            state.set(.failed("\(error)"))
            onNotice("cannot serve \(configuration.galleryPath): \(error)")
        }
    }

    /// Stops the batch workers and checkpoints the gallery file.
    func shutdown() {
        guard case .ready(let backend) = state.current else { return }
        backend.vectors.coalescer.stop()
        backend.faces?.coalescer.stop()
        try? backend.gallery.close()
    }
}

/// The HTTP service over one gallery: `sphere-gallery serve`.
public struct GalleryServer: Sendable {
    let core: ServerCore

    /// - Parameter onNotice: told when the gallery or models cannot be loaded.
    public init(configuration: ServerConfiguration, onNotice: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try configuration.validate()
        core = ServerCore(configuration: configuration, onNotice: onNotice)
    }

    /// The router with every route and middleware (also what the tests drive).
    func router() -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.add(middleware: MetricsMiddleware(metrics: core.metrics))
        router.add(middleware: ProblemMiddleware<ServiceContext>())
        router.add(middleware: DeadlineMiddleware(seconds: core.configuration.requestTimeout))
        HealthRoutes.add(to: router, server: core)
        let identify = router.group().add(middleware: KeyMiddleware(required: .identify, state: core.state))
        let enrol = router.group().add(middleware: KeyMiddleware(required: .enrol, state: core.state))
        let admin = router.group().add(middleware: KeyMiddleware(required: .admin, state: core.state))
        IdentifyRoutes.add(to: identify, server: core)
        IdentityRoutes.add(reading: identify, writing: enrol, server: core)
        PhotoRoutes.add(to: identify, server: core)
        GalleryRoutes.add(reading: identify, admin: admin, server: core)
        return router
    }

    /// The Hummingbird application: loads the gallery after the socket is bound, answers
    /// until SIGTERM or SIGINT, then lets in-flight requests finish and closes the gallery.
    func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let configuration = core.configuration
        var logger = Logger(label: "sphere-gallery")
        logger.logLevel = .notice
        // A connection silent for the request time limit is closed (slow or stalled uploads).
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.requestTimeout.rounded(.up)))))
        let server: HTTPServerBuilder
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            server = try .tls(http1, tlsConfiguration: Self.tls(certificate: certificate, key: key))
        } else {
            server = http1
        }
        let core = self.core
        return Application(
            router: router(),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sphere-gallery"),
            onServerRunning: { channel in
                await onRunning(channel.localAddress?.port ?? 0)
                Thread.detachNewThread { core.load() }
            },
            logger: logger)
    }

    /// Runs until SIGTERM/SIGINT; `onRunning` gets the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = try application(onRunning: onRunning)
        defer { core.shutdown() }
        try await app.runService()
    }

    static func tls(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw ServerError.tlsFile(path: certificate, reason: "\(error)")
        }
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw ServerError.tlsFile(path: key, reason: "\(error)")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }
}

extension GalleryServer {
    /// `run` for a synchronous caller (the command line): blocks this thread until the
    /// server has stopped, and rethrows what stopped it.
    public func runBlocking(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws {
        final class Outcome: Sendable {
            let error = Mutex<(any Error)?>(nil)
            let done = DispatchSemaphore(value: 0)
        }
        let outcome = Outcome()
        Task.detached {
            do { try await run(onRunning: onRunning) } catch { outcome.error.withLock { $0 = error } }
            outcome.done.signal()
        }
        outcome.done.wait()
        if let error = outcome.error.withLock({ $0 }) { throw error }
    }
}
