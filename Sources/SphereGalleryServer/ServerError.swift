/// Why the service cannot start, each with what to do about it.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    /// A non-loopback address without TLS and without `--insecure`.
    case insecureBind(host: String)
    /// Only one of the certificate and the key was given.
    case incompleteTLS
    /// The certificate or key file could not be read.
    case tlsFile(path: String, reason: String)
    /// An option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .insecureBind(let host):
            return "binding \(host) would send faces and keys over the network in clear; give --tls-cert and --tls-key, or --insecure if something in front of the server (a TLS proxy) protects it."
        case .incompleteTLS:
            return "TLS needs both --tls-cert (PEM certificate chain) and --tls-key (PEM private key)."
        case .tlsFile(let path, let reason):
            return "cannot use \(path) for TLS: \(reason). Give a PEM file."
        case .invalidOption(let message):
            return message
        }
    }
}
