-- Protection cases (issue 6), PostgreSQL. Keep table and column names identical to
-- sqlite/0011_cases.sql.
--
-- A case protects one person or group, belongs to one compartment (read only by its
-- full members, like every record) and has an owner. Its risk assessments and actions
-- belong to it; dates are `YYYY-MM-DD` text. On PostgreSQL the sensitive text columns
-- (summary, closed_reason, the assessments' analyses, actions' description and
-- outcome) hold sealed values; on SQLite the whole file is encrypted.
CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    subject_person_id BIGINT REFERENCES persons(id),
    subject_group_id BIGINT REFERENCES groups(id),
    status TEXT NOT NULL CHECK (status IN ('open', 'monitoring', 'closed')),
    closed_reason TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    owner_id BIGINT NOT NULL REFERENCES users(id),
    compartment_id BIGINT NOT NULL REFERENCES compartments(id),
    version BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((subject_person_id IS NULL) <> (subject_group_id IS NULL))
);
CREATE INDEX cases_compartment ON cases(compartment_id);
CREATE INDEX cases_owner ON cases(owner_id);

CREATE TABLE case_incidents (
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, incident_id)
);

CREATE TABLE case_assessments (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    assessed_on TEXT NOT NULL,
    threats TEXT NOT NULL,
    vulnerabilities TEXT NOT NULL,
    capacities TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high', 'critical')),
    level_rank BIGINT NOT NULL,
    reasoning TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_assessments_case ON case_assessments(case_id, assessed_on, id);

CREATE TABLE case_actions (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    assignee_id BIGINT REFERENCES users(id),
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    outcome TEXT NOT NULL DEFAULT '',
    amount_minor BIGINT,
    currency TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX case_actions_case ON case_actions(case_id);
CREATE INDEX case_actions_due ON case_actions(status, due_on);
CREATE INDEX case_actions_assignee ON case_actions(assignee_id, status);
