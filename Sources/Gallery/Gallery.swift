import Foundation

/// An open-set face gallery: identities with unit-vector templates of one embedding model,
/// stored in one SQLite file and searched from one contiguous in-memory matrix.
///
/// Safe to share between tasks: searches run concurrently; adds and removes take the
/// matrix exclusively for the moment they change it. Writes by other processes are
/// noticed (`PRAGMA data_version`) and loaded before the next search.
///
/// ```swift
/// let gallery = try Gallery.create(at: "people.sqlite", model: .init(name: "dlib-resnet", dim: 128))
/// try gallery.add([NewTemplate(identity: "ada", vector: v)])
/// let result = try gallery.search([probe], k: 5, threshold: 0.5)[0]
/// ```
public final class Gallery: Sendable {
    /// The file's path.
    public let path: String
    /// The embedding space of every vector here.
    public let model: EmbeddingModelInfo
    /// How the in-memory matrix holds values.
    public let storage: VectorStorage

    let store: GalleryStore
    private let modelID: Int64
    private let lock = ReadWriteLock()
    private let state: State

    /// Mutable state, only touched under `lock`.
    private final class State: @unchecked Sendable {
        let matrix: EmbeddingMatrix
        var maxTemplateID: Int64 = 0
        var dataVersion = 0
        /// Stored rows that failed the load check, left out of the matrix.
        var damaged: [DamagedTemplate] = []
        init(matrix: EmbeddingMatrix) { self.matrix = matrix }
    }

    /// The setting key of the open-set threshold.
    static let thresholdKey = "threshold"

    private init(store: GalleryStore, storage: VectorStorage) throws {
        self.store = store
        self.path = store.path
        self.storage = storage
        self.model = try store.model()
        self.modelID = try store.modelID()
        self.state = State(matrix: EmbeddingMatrix(dim: model.dim, storage: storage))
        state.dataVersion = try store.dataVersion()
        (state.maxTemplateID, state.damaged) = try store.loadTemplates(into: state.matrix)
    }

    /// Creates a gallery file for vectors of `model`.
    public static func create(at path: String, model: EmbeddingModelInfo, storage: VectorStorage = .float32) throws -> Gallery {
        try Gallery(store: GalleryStore.create(at: path, model: model), storage: storage)
    }

    /// Opens an existing gallery file and loads its templates.
    /// - Parameter readOnly: never write (searching a file that may not be written).
    public static func open(at path: String, readOnly: Bool = false, storage: VectorStorage = .float32) throws -> Gallery {
        try Gallery(store: GalleryStore.open(at: path, readOnly: readOnly), storage: storage)
    }

    /// Closes the database; the value must not be used afterwards.
    public func close() throws { try store.close() }

    // MARK: Writing

    /// Adds a batch of templates in one transaction — all of them or, on any error, none.
    /// Vectors are normalised to unit length; content already present is skipped.
    /// - Returns: one outcome per template, in order.
    @discardableResult
    public func add(_ batch: [NewTemplate]) throws -> [AddOutcome] {
        var checked = batch
        for row in batch.indices { checked[row] = try checkedTemplate(batch[row], row: row) }
        return try lock.withWriteLock {
            try refreshLocked()
            let results = try store.insert(checked, modelID: modelID)
            for (row, result) in results.enumerated() {
                guard case .added(let templateID) = result.outcome else { continue }
                checked[row].vector.withUnsafeBufferPointer {
                    state.matrix.append($0.baseAddress!, templateID: templateID, identityID: result.identityID)
                }
                state.maxTemplateID = max(state.maxTemplateID, templateID)
            }
            state.dataVersion = try store.dataVersion()
            return results.map(\.outcome)
        }
    }

    /// Checks every template of `batch` as `add` would — identity name, content hash,
    /// dimension, finite non-zero vector — without writing, and returns every failure (rows
    /// 0-based), so a whole input can be refused before its first batch is stored.
    public func validate(_ batch: [NewTemplate]) -> [GalleryError] {
        batch.indices.compactMap { row in
            do { _ = try checkedTemplate(batch[row], row: row); return nil } catch let error as GalleryError {
                return error
            } catch { return .invalidArgument("\(error)") }
        }
    }

    /// `template` with its names in NFC and its vector of unit length, or the reason it is refused.
    private func checkedTemplate(_ template: NewTemplate, row: Int) throws -> NewTemplate {
        var checked = template
        guard !template.identity.isEmpty else { throw GalleryError.emptyIdentity(row: row) }
        checked.identity = try Self.checkedName(template.identity, row: row)
        checked.displayName = try template.displayName.map { try Self.checkedName($0, row: row) }
        if let hash = template.contentSHA256, hash.count != 32 { throw GalleryError.badContentHash(row: row) }
        checked.vector = try VectorCheck.unitVector(template.vector, dim: model.dim, row: row)
        return checked
    }

    private static func checkedName(_ name: String, row: Int) throws -> String {
        switch IdentityName.normalised(name) {
        case .success(let nfc): return nfc
        case .failure(.empty): throw GalleryError.emptyIdentity(row: row)
        case .failure(let problem): throw GalleryError.badIdentityName(row: row, problem: problem)
        }
    }

    /// The stored key `key` names: itself when stored so, else its NFC form (how keys are stored).
    private func storedKey(_ key: String) throws -> String {
        let nfc = key.precomposedStringWithCanonicalMapping
        // Swift's == treats canonically equivalent strings as equal; SQLite compares bytes.
        guard !nfc.utf8.elementsEqual(key.utf8) else { return key }
        return try store.existingKeys([key]).isEmpty ? nfc : key
    }

    /// Removes an identity and all its templates; their bytes are overwritten in the file.
    /// While another connection holds a read transaction the overwrite cannot reach the main
    /// file: `erasurePending` says so, and it is finished by `close()` or the next open.
    @discardableResult
    public func remove(identity key: String) throws -> Removal {
        try lock.withWriteLock {
            try refreshLocked()
            let (id, templates, pending) = try store.removeIdentity(try storedKey(key))
            state.matrix.removeRows(identities: [id])
            state.damaged.removeAll { $0.identityID == id }
            state.dataVersion = try store.dataVersion()
            return Removal(identity: key, templates: templates, erasurePending: pending)
        }
    }

    /// Retries the checkpoint that completes pending erasures; true when nothing is pending.
    public func finishErasure() throws -> Bool { try store.checkpoint() }

    /// Refuses a threshold that is not a cosine (NaN, infinite, or outside -1…1).
    public static func validateThreshold(_ cosine: Float) throws {
        guard cosine >= -1 && cosine <= 1 else {
            throw GalleryError.invalidArgument("a cosine threshold must be a number within -1…1, not \(cosine).")
        }
    }

    /// Sets (or clears, with nil) the open-set threshold stored in the gallery.
    public func setThreshold(_ cosine: Float?) throws {
        if let cosine { try Self.validateThreshold(cosine) }
        try store.setSetting(Gallery.thresholdKey, cosine.map { String($0) })
    }

    /// The threshold in force: the gallery's own, else the model's default (metadata key
    /// `threshold`), else nil.
    public func threshold() throws -> Float? {
        if let stored = try store.setting(Gallery.thresholdKey), let value = Float(stored) { return value }
        return model.defaultThreshold
    }

    // MARK: Searching

    /// Finds the `k` nearest identities of each query (each identity scored by its best
    /// template) and decides open-set membership.
    /// - Parameters:
    ///   - queries: vectors of `model.dim` values (normalised here).
    ///   - k: identities to return per query (1…10,000).
    ///   - threshold: cosine below which the decision is *unknown*; nil uses `threshold()`.
    public func search(_ queries: [[Float]], k: Int, threshold: Float? = nil) throws -> [SearchResult] {
        guard (1...10_000).contains(k) else { throw GalleryError.invalidArgument("k must be 1…10000, not \(k).") }
        if let threshold { try Self.validateThreshold(threshold) }
        let flat = try VectorCheck.queryMatrix(queries, dim: model.dim)
        let threshold = try threshold ?? self.threshold()
        try refreshIfChanged()
        let ranked = lock.withReadLock {
            flat.withUnsafeBufferPointer { state.matrix.search($0.baseAddress!, count: queries.count, k: k) }
        }
        let names = try store.identityNames(Array(Set(ranked.flatMap { $0.map(\.identityID) })))
        return ranked.map { list in
            let candidates = list.map { hit in
                Candidate(identity: names[hit.identityID]?.key ?? "#\(hit.identityID)",
                          displayName: names[hit.identityID]?.displayName ?? "",
                          identityID: hit.identityID, cosine: hit.cosine, angle: hit.cosine.angleDegrees,
                          templateID: hit.templateID)
            }
            let best = candidates.first
            let accepted = best.map { threshold == nil || $0.cosine >= threshold! } ?? false
            return SearchResult(identified: accepted ? best?.identity : nil, candidates: candidates, threshold: threshold)
        }
    }

    /// Readies the loaded matrix for batch searches now (see `EmbeddingMatrix.prepareBatchSearch`):
    /// for a long-running process, so its first batches are as fast as later ones.
    public func prepareBatchSearch() throws {
        try refreshIfChanged()
        lock.withReadLock { state.matrix.prepareBatchSearch() }
    }

    // MARK: Reading

    /// The content hashes (SHA-256 of enrolled files) among `hashes` that are already stored:
    /// what a re-run of an interrupted enrolment can skip before decoding anything.
    public func presentContent(_ hashes: [[UInt8]]) throws -> Set<[UInt8]> {
        try store.presentContent(hashes, modelID: modelID)
    }

    /// All identities, by key.
    public func identities() throws -> [IdentitySummary] { try store.listIdentities() }

    /// Which of `keys` are enrolled identities (one indexed lookup each, not a listing).
    public func enrolledKeys(among keys: Set<String>) throws -> Set<String> { try store.existingKeys(keys) }

    /// One identity and its templates.
    public func identity(_ key: String) throws -> (IdentitySummary, [TemplateSummary]) { try store.identity(try storedKey(key)) }

    /// Counts and sizes.
    public func stats() throws -> GalleryStats {
        let (identities, templates) = try store.counts()
        let fileBytes = (GalleryStore.fileSize(path) ?? 0) + (GalleryStore.fileSize(path + "-wal") ?? 0)
        let memory = lock.withReadLock { state.matrix.bytes }
        return GalleryStats(model: model.name, dim: model.dim, identities: identities, templates: templates,
                            fileBytes: fileBytes, memoryBytes: memory, storage: storage.rawValue,
                            threshold: try threshold())
    }

    /// Templates held in memory.
    public var templateCount: Int { lock.withReadLock { state.matrix.count } }

    /// Every sound template as (identity key, source, unit vector), in the order they were
    /// added; returns the damaged ones, which are skipped (see `damagedTemplates`).
    @discardableResult
    public func forEachTemplate(_ body: (String, String?, [Float]) throws -> Void) throws -> [DamagedTemplate] {
        try store.forEachTemplate(dim: model.dim) { try body($0.identity, $0.source, $0.vector) }
    }

    /// Every sound template with its id and content hash, in the order they were added;
    /// returns the damaged ones, which are skipped.
    @discardableResult
    public func forEachStoredTemplate(_ body: (StoredTemplate) throws -> Void) throws -> [DamagedTemplate] {
        try store.forEachTemplate(dim: model.dim, body)
    }

    /// Stored templates that failed the check on load (wrong length, not finite, not of unit
    /// norm): they are left out of every search. Empty for a sound gallery.
    public var damagedTemplates: [DamagedTemplate] { lock.withReadLock { state.damaged } }

    /// Everything wrong with the file: SQLite's integrity and foreign-key checks, every
    /// stored vector re-read and checked, and identity names that would be refused today.
    public func check() throws -> GalleryCheck {
        let structure = try store.structuralProblems()
        let damaged = try store.forEachTemplate(dim: model.dim) { _ in }
        let names = try store.badIdentityNames().map { "identity '\($0.key)': \($0.problem)" }
        let (identities, templates) = try store.counts()
        return GalleryCheck(identities: identities, templates: templates, structure: structure,
                            damagedTemplates: damaged, identityNames: names)
    }

    /// SQLite's `PRAGMA integrity_check` ("ok" when the file is sound).
    public func integrityCheck() throws -> String { try store.integrityCheck() }

    // MARK: Other processes' writes

    private func refreshIfChanged() throws {
        let version = try store.dataVersion()
        let stale = lock.withReadLock { version != state.dataVersion }
        guard stale else { return }
        try lock.withWriteLock { try refreshLocked() }
    }

    /// Brings the matrix up to date with the file: new templates are appended; if any
    /// went missing (removed elsewhere), everything is reloaded. Caller holds the write lock.
    private func refreshLocked() throws {
        let version = try store.dataVersion()
        guard version != state.dataVersion else { return }
        let (lastID, damaged) = try store.loadTemplates(into: state.matrix, afterID: state.maxTemplateID)
        state.maxTemplateID = lastID
        state.damaged += damaged
        let (_, stored) = try store.counts()
        if stored != state.matrix.count + state.damaged.count {
            state.matrix.removeAll()
            (state.maxTemplateID, state.damaged) = try store.loadTemplates(into: state.matrix)
        }
        state.dataVersion = version
    }
}
