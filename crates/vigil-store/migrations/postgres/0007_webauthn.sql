-- WebAuthn security keys as a second factor (see src/webauthn.rs). The credential is
-- webauthn-rs's JSON (public key, credential id, counter); on PostgreSQL it and the
-- name are sealed like other sensitive fields. cred_hash (SHA-256 of the credential
-- id) finds a key without revealing it; sign_count detects a cloned key.
CREATE TABLE webauthn_credentials (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    cred_hash TEXT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    sign_count BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- A ceremony in progress: the server's half (challenge and expected credentials),
-- used once. Registration: one per user ('register:<user id>'); login: keyed by the
-- hash of the half-signed-in login's challenge.
CREATE TABLE webauthn_ceremonies (
    ceremony_key TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL
);
