-- Evidence files attached to incidents. The bytes live encrypted in the evidence
-- store (a directory), addressed by content; this table holds what describes them.
CREATE TABLE evidence (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    captured_at TEXT,
    captured_by TEXT,
    capture_notes TEXT,
    uploaded_by BIGINT REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX evidence_incident ON evidence(incident_id);

-- Chain of custody: every upload, view, download and export of a file, by whom, when.
CREATE TABLE evidence_custody (
    id BIGSERIAL PRIMARY KEY,
    evidence_id BIGINT NOT NULL REFERENCES evidence(id),
    action TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    username TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX evidence_custody_evidence ON evidence_custody(evidence_id);
