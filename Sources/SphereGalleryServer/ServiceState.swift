import Gallery
import Synchronization

/// What the routes work with once loading is done: the gallery, its batching fronts and,
/// when the gallery's model has a face pipeline here, the photo routes' service.
struct Backend: Sendable {
    let gallery: Gallery
    let vectors: VectorIdentifier
    let faces: FaceService?
    /// Why there is no face service (a gallery of vectors from another model, weights missing).
    let facesUnavailable: String?

    /// The face service, or a 503 problem saying why this gallery has none.
    func faceService() throws -> FaceService {
        guard let faces else {
            throw Problem.unavailable("photo routes are off for this gallery: \(facesUnavailable ?? "no face pipeline"). The vector routes work.",
                                      retryAfter: 3600)
        }
        return faces
    }
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
