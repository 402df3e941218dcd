-- UN communications (issue 6, point 6), PostgreSQL. Keep table and column names
-- identical to sqlite/0016_un_communications.sql.
--
-- One row per generated submission to the UN Special Rapporteur on human rights
-- defenders: which case and person, the type and format, the officer's input (steps
-- taken by the authorities, the submitting organisation and its contact), the
-- incidents it covered and the SHA-256 of its plain text. The text itself is not
-- kept: it is generated again from the records. On PostgreSQL `authorities_steps` and
-- `contact` hold sealed values; on SQLite the whole file is encrypted.
CREATE TABLE un_communications (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL CHECK (kind IN ('urgent_appeal', 'allegation_letter')),
    format TEXT NOT NULL CHECK (format IN ('html', 'text', 'json')),
    authorities_steps TEXT NOT NULL,
    organisation TEXT NOT NULL,
    contact TEXT NOT NULL,
    incident_ids TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX un_communications_case ON un_communications(case_id, id);
