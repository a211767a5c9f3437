import GRDB

extension Gallery {
    /// Up to `limit` identities with keys after `after` (keyset paging, by key), optionally
    /// only those whose key contains `containing` (case-insensitive for ASCII).
    public func identities(after: String?, limit: Int, containing: String? = nil) throws -> [IdentitySummary] {
        guard (1...10_000).contains(limit) else {
            throw GalleryError.invalidArgument("a page holds 1…10000 identities, not \(limit).")
        }
        let pattern = containing.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
        return try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, i.key, i.display_name, i.metadata, i.created,
                       (SELECT count(*) FROM template t WHERE t.identity_id = i.id)
                FROM identity i
                WHERE (?1 IS NULL OR i.key > ?1) AND (?2 IS NULL OR i.key LIKE ?2 ESCAPE '\\')
                ORDER BY i.key LIMIT ?3
                """, arguments: [after, pattern, limit]).map {
                IdentitySummary(id: $0[0], key: $0[1], displayName: $0[2], templates: $0[5],
                                metadataJSON: $0[3], created: $0[4])
            }
        }
    }
}
