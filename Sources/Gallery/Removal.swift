/// What `Gallery.remove(identity:)` did.
public struct Removal: Sendable, Equatable {
    /// The key as given.
    public var identity: String
    /// Templates removed with it.
    public var templates: Int
    /// True while another connection's read transaction keeps the removed bytes in the main
    /// file: they are overwritten when it ends, by `Gallery.finishErasure()`, `close()` or
    /// the next open for writing.
    public var erasurePending: Bool
}
