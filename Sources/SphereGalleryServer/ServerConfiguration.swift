import Gallery

/// Everything `sphere-gallery serve` is started with.
public struct ServerConfiguration: Sendable {
    /// The gallery file to serve.
    public var galleryPath: String
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port: Int = 8080
    /// PEM certificate chain and private key; both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Allows a non-loopback address without TLS.
    public var insecure = false
    /// The largest request body accepted (bytes); larger ones get 413.
    public var bodyLimit = 32 << 20
    /// Seconds a request may take before it is answered 503.
    public var requestTimeout = 30.0
    /// How concurrent identify requests are batched.
    public var coalescing = CoalescingSettings()
    /// How the in-memory matrix holds values.
    public var storage: VectorStorage = .float32
    /// The model again (`dlib-resnet:PATH`, …) when the gallery's weights are not where they were.
    public var model: String?

    public init(galleryPath: String) { self.galleryPath = galleryPath }

    /// Refuses settings that would expose faces in clear or that cannot work.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ServerError.invalidOption("--port must be 0…65535, not \(port).") }
        guard bodyLimit >= 1024 else { throw ServerError.invalidOption("--max-body must be at least 1024 bytes.") }
        guard requestTimeout > 0, requestTimeout <= 86_400 else {
            throw ServerError.invalidOption("--timeout must be 0 < seconds ≤ 86400, not \(requestTimeout).")
        }
        guard coalescing.maxBatch >= 1, coalescing.queueLimit >= 1 else {
            throw ServerError.invalidOption("--max-batch and --queue-limit must be at least 1.")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ServerError.incompleteTLS }
        if tlsCertificate == nil, !insecure, !Self.isLoopback(host) { throw ServerError.insecureBind(host: host) }
    }

    /// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }

    var usesTLS: Bool { tlsCertificate != nil }
}
