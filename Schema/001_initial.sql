-- SphereGallery schema, version 1: one embedding space per file, identities, templates.
-- The page size (64 KiB) is set when the file is created, before this runs: a 512-d
-- float32 template (2 KiB) then shares its page with ~28 others instead of filling a
-- 4 KiB page alone, so the file stays close to the size of the vectors it holds.

CREATE TABLE embedding_model (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    dim            INTEGER NOT NULL CHECK (dim BETWEEN 1 AND 65536),
    weights_sha256 TEXT,
    metadata       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE identity (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE CHECK (length(key) > 0),
    display_name TEXT    NOT NULL,
    metadata     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- vector: float32 little-endian, unit L2 norm, length = 4 * embedding_model.dim bytes.
-- content_sha256: SHA-256 of the enrolled image file (or of the vector bytes when vectors
-- are imported directly); unique per model, so re-adding the same content is a no-op.
CREATE TABLE template (
    id             INTEGER PRIMARY KEY,
    identity_id    INTEGER NOT NULL REFERENCES identity(id) ON DELETE CASCADE,
    model_id       INTEGER NOT NULL REFERENCES embedding_model(id),
    vector         BLOB    NOT NULL,
    source         TEXT,
    content_sha256 BLOB    CHECK (content_sha256 IS NULL OR length(content_sha256) = 32),
    detector_score REAL,
    created        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (model_id, content_sha256)
);
CREATE INDEX template_identity ON template(identity_id);

-- Gallery-wide settings, e.g. the calibrated open-set threshold.
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
