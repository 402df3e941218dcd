-- Public alerts (issue 6 point 7), SQLite. Keep table and column names identical to
-- postgres/0014_public_alerts.sql.
--
-- An alert is drafted about a case (and so lives in the case's compartment for staff)
-- and names one person. It reaches the public site only while `status = 'published'`,
-- which only an administrator's approval sets, and only while the person consents to
-- be named (checked again on every public read). Withdrawing keeps the row: its
-- versions (in `versions`, entity 'alert') and audit entries are its history. On
-- PostgreSQL title, body and withdrawn_reason hold sealed values.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    published_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id),
    withdrawn_at TEXT,
    withdrawn_reason TEXT
);
CREATE INDEX alerts_case ON alerts(case_id);
CREATE INDEX alerts_public ON alerts(status, published_at);
