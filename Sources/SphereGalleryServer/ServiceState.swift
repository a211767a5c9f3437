import Gallery
import Synchronization

/// What the routes work with once loading is done: the gallery and its batching front.
struct Backend: Sendable {
    let gallery: Gallery
    let vectors: VectorIdentifier
}

/// Loading → ready (or failed): the server answers from its first second, `/readyz` and the
/// `/v1` routes with 503 until the gallery and the models are loaded.
final class ServiceState: Sendable {
    enum Phase: Sendable {
        case loading
        case ready(Backend)
        case failed(String)
    }

    private let phase = Mutex<Phase>(.loading)

    var current: Phase { phase.withLock { $0 } }

    func set(_ new: Phase) { phase.withLock { $0 = new } }

    /// The backend, or a 503 problem saying why there is none yet.
    func ready() throws -> Backend {
        switch current {
        case .ready(let backend): return backend
        case .loading: throw Problem.unavailable("the server is still loading the gallery and models; retry shortly.", retryAfter: 2)
        case .failed(let reason): throw Problem.unavailable("the server could not load: \(reason)", retryAfter: 60)
        }
    }
}
