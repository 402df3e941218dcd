-- Two-factor authentication, login throttling and half-signed-in logins (SQLite).
-- Keep table and column names identical to postgres/0003_auth.sql.

-- A user's TOTP secret (RFC 6238). `confirmed_at` is NULL while the user is enrolling:
-- the secret becomes a second factor only once a code from it has been entered.
-- `last_step` is the last time step whose code was accepted, so no code is used twice.
CREATE TABLE user_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER NOT NULL DEFAULT 0
);

-- One-time recovery codes, stored as SHA-256 hashes (the codes carry 80 random bits).
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- A login whose password was right and which waits for its second factor: a
-- short-lived half-session that opens nothing but the second-factor form.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);

-- Failed logins per account (`user:` + SHA-256 of the name typed) and per client address (`ip:ADDR`), kept in
-- the database so that every application instance sees the same counters.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    locked_until TEXT
);
