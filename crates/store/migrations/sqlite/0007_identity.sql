-- Identity: users with a role and the products granted to them, API tokens, browser
-- sessions, and failed logins (for rate limiting). No secret is stored in plain text:
-- passwords are argon2id PHC strings; tokens and session cookies are SHA-256 digests.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    -- argon2id PHC string; NULL: no password login (API tokens only).
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'maintainer', 'auditor', 'partner')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- The products a maintainer may change, or a partner may read the partner report of.
CREATE TABLE user_grants (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    PRIMARY KEY (user_id, product_id)
) WITHOUT ROWID;
CREATE INDEX user_grants_by_product ON user_grants (product_id);

-- `prefix`: the token's first 8 characters, shown in lists. `token_hash`: SHA-256 (hex) of
-- the whole token; a fast hash suffices because tokens are 256 random bits.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- `id_hash`: SHA-256 (hex) of the session cookie's value.
CREATE TABLE sessions (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per failed login: the name tried (whether it exists or not) and where from.
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    source   TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);
CREATE INDEX login_attempts_by_username ON login_attempts (username, at);
CREATE INDEX login_attempts_by_source ON login_attempts (source, at);
