import Foundation

/// Everything that can go wrong with a gallery, each with a message that says what to do.
public enum GalleryError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file exists but is not an SQLite database (or is damaged beyond opening).
    case notADatabase(path: String)
    /// The file is an SQLite database of some other program.
    case foreignDatabase(path: String)
    /// The file was written by a newer SphereGallery whose schema this build does not know.
    case newerSchema(path: String, fileVersion: Int, knownVersion: Int)
    /// No gallery at the path (and creation was not asked for).
    case missing(path: String)
    /// A gallery already exists where a new one was to be created.
    case alreadyExists(path: String)
    /// A write was attempted on a gallery opened read-only, or on a file that cannot be written.
    case readOnly(path: String)
    /// The gallery has no embedding model recorded yet.
    case noModel
    /// A vector's length differs from the gallery's dimension.
    case wrongDimension(row: Int, expected: Int, got: Int)
    /// A vector holds NaN or infinity.
    case nonFinite(row: Int)
    /// A vector has zero length and so no direction on the sphere.
    case zeroVector(row: Int)
    /// A template was given an empty identity key.
    case emptyIdentity(row: Int)
    /// A content hash is not 32 bytes.
    case badContentHash(row: Int)
    /// The identity is not in the gallery.
    case unknownIdentity(String)
    /// The gallery was created for another embedding model.
    case modelMismatch(gallery: String, requested: String)
    /// A parameter is out of range (k, threshold, dimension...).
    case invalidArgument(String)
    /// An identity name holds a character that is refused (see `IdentityName`).
    case badIdentityName(row: Int, problem: IdentityNameProblem)
    /// The path exists but cannot be read (permissions, a loop of symbolic links...).
    case unreadable(path: String, reason: String)
    /// The path names a directory, FIFO, device or socket, not a file.
    case notAFile(path: String, kind: String)
    /// The directory that should hold the gallery does not exist.
    case noDirectory(path: String, directory: String)
    /// Another connection held the write lock for longer than the busy timeout.
    case busy(path: String)
    /// SQLite reported an error.
    case database(String)

    public var description: String {
        switch self {
        case .notADatabase(let p):
            return "\(p) is not a SphereGallery database (not an SQLite file, or damaged); nothing was written to it. Give the path of a gallery, or a new path to create one."
        case .foreignDatabase(let p):
            return "\(p) is an SQLite database of another program, not a SphereGallery gallery; nothing was written to it. Give a new path to create a gallery."
        case .newerSchema(let p, let f, let k):
            return "\(p) has gallery schema version \(f), but this sphere-gallery knows only up to version \(k); nothing was written to it. Upgrade sphere-gallery to open it."
        case .missing(let p):
            return "no gallery at \(p); create one first with `sphere-gallery init --db \(p) --model NAME --dim D`."
        case .alreadyExists(let p):
            return "a gallery already exists at \(p); open it, or remove the file first."
        case .readOnly(let p):
            return "the gallery \(p) is read-only (file or directory permissions, or opened for reading); nothing was written."
        case .noModel:
            return "the gallery has no embedding model recorded; create it with `sphere-gallery init --model NAME --dim D`."
        case .wrongDimension(let r, let e, let g):
            return "vector \(r + 1) has \(g) values, but the gallery's embedding dimension is \(e)."
        case .nonFinite(let r):
            return "vector \(r + 1) contains NaN or infinity."
        case .zeroVector(let r):
            return "vector \(r + 1) is all zeros and has no direction; it cannot be normalised."
        case .emptyIdentity(let r):
            return "template \(r + 1) has an empty identity name."
        case .badContentHash(let r):
            return "template \(r + 1) has a content hash that is not a 32-byte SHA-256."
        case .badIdentityName(let r, let problem):
            return "template \(r + 1): \(problem); give the identity a name without it."
        case .unreadable(let p, let reason):
            return "cannot read \(p): \(reason); nothing was written. Check the path and its permissions."
        case .notAFile(let p, let kind):
            return "\(p) is \(kind), not a gallery file; nothing was written. Give the path of a gallery file."
        case .noDirectory(let p, let d):
            return "cannot use \(p): the directory \(d) does not exist; create it first."
        case .busy(let p):
            return "another process kept \(p) locked for writing longer than the 10 s wait; nothing was written. Try again when it has finished."
        case .unknownIdentity(let k):
            return "no identity '\(k)' in the gallery (see `sphere-gallery list`)."
        case .modelMismatch(let g, let r):
            return "the gallery holds embeddings of model '\(g)', not '\(r)'; embeddings of different models cannot be compared. Use a separate gallery file."
        case .invalidArgument(let m):
            return m
        case .database(let m):
            return "database error: \(m)"
        }
    }

    public var errorDescription: String? { description }

    /// The 0-based row of the batch the error is about, if it is about one (messages count from 1).
    public var row: Int? {
        switch self {
        case .wrongDimension(let r, _, _), .nonFinite(let r), .zeroVector(let r), .emptyIdentity(let r),
             .badContentHash(let r), .badIdentityName(let r, _):
            return r
        default: return nil
        }
    }

    /// The message without its row number, for a caller that names the input line itself.
    public var rowlessDescription: String {
        switch self {
        case .wrongDimension(_, let e, let g): return "the vector has \(g) values, but the gallery's embedding dimension is \(e)."
        case .nonFinite: return "the vector contains NaN or infinity."
        case .zeroVector: return "the vector is all zeros and has no direction; it cannot be normalised."
        case .emptyIdentity: return "no identity; every vector needs one."
        case .badContentHash: return "the content hash is not a 32-byte SHA-256."
        case .badIdentityName(_, let problem): return "\(problem); give the identity a name without it."
        default: return description
        }
    }

    /// The same error with its row number moved by `offset` (a batch's start in the input).
    public func shiftingRows(by offset: Int) -> GalleryError {
        switch self {
        case .wrongDimension(let r, let e, let g): return .wrongDimension(row: r + offset, expected: e, got: g)
        case .nonFinite(let r): return .nonFinite(row: r + offset)
        case .zeroVector(let r): return .zeroVector(row: r + offset)
        case .emptyIdentity(let r): return .emptyIdentity(row: r + offset)
        case .badContentHash(let r): return .badContentHash(row: r + offset)
        case .badIdentityName(let r, let p): return .badIdentityName(row: r + offset, problem: p)
        default: return self
        }
    }
}
