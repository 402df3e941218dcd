-- Tamper-evident audit log (crates/vigil-store/src/audit.rs, docs/security.md).
-- Keep table and column names identical to postgres/0002_audit.sql.
-- Append-only: Vigil never updates or deletes a row; the triggers below refuse it, and
-- the hash chain reveals it if someone with database access removes them first.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    detail TEXT NOT NULL,
    ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_username ON audit_log(username);
CREATE INDEX audit_log_action ON audit_log(action);

-- The end of the chain (one row): appends lock it, read it and move it forward in the
-- same transaction, so the chain never forks and a cut-off tail is noticed.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
