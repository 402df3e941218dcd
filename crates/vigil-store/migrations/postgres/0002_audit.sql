-- Tamper-evident audit log (crates/vigil-store/src/audit.rs, docs/security.md).
-- Keep table and column names identical to sqlite/0002_audit.sql.
-- Append-only: Vigil never updates or deletes a row; the triggers below refuse it, and
-- the hash chain reveals it if someone with database access removes them first.
-- `detail` is TEXT, not JSONB: the hash covers its exact bytes, which JSONB would
-- normalise.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    detail TEXT NOT NULL,
    ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_username ON audit_log(username);
CREATE INDEX audit_log_action ON audit_log(action);

-- The end of the chain (one row): appends lock it (`FOR UPDATE`), read it and move it
-- forward in the same transaction, so instances never fork the chain and a cut-off
-- tail is noticed.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
