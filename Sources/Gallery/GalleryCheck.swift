/// The findings of `Gallery.check()`; `isSound` when there are none.
public struct GalleryCheck: Sendable, Equatable {
    public var identities: Int
    public var templates: Int
    /// Messages of SQLite's `integrity_check` and `foreign_key_check`.
    public var structure: [String]
    /// Stored vectors of the wrong length, not finite, or not of unit norm.
    public var damagedTemplates: [DamagedTemplate]
    /// Identity keys or display names holding characters that are refused today.
    public var identityNames: [String]

    public var isSound: Bool { structure.isEmpty && damagedTemplates.isEmpty && identityNames.isEmpty }
}
