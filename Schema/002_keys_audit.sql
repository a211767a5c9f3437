-- API keys of the HTTP service and the audit trail of every write made through it (or
-- through the key commands). A key is stored only as the SHA-256 of its secret; `prefix` is
-- the public part shown in listings and used to find the row before the constant-time check.

CREATE TABLE api_key (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    scope       TEXT    NOT NULL CHECK (scope IN ('admin', 'enrol', 'identify')),
    prefix      TEXT    NOT NULL UNIQUE,
    secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    created     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked     TEXT
);

-- One row per write: who (the key's name, or "cli"), what, on which identity, when.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    time     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    key_name TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    identity TEXT,
    detail   TEXT
);
