-- Vigil core schema (PostgreSQL). Keep table and column names identical to sqlite/0001_core.sql.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE vocab_terms (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    label_en TEXT NOT NULL,
    label_es TEXT NOT NULL,
    builtin BOOLEAN NOT NULL DEFAULT FALSE,
    attrs TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, code)
);

CREATE TABLE code_counters (
    prefix TEXT NOT NULL,
    year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE groups (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    group_type TEXT NOT NULL,
    country TEXT,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE persons (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    legal_name TEXT NOT NULL DEFAULT '',
    contacts TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    sex TEXT,
    birth_year BIGINT,
    sdg_group TEXT,
    consent_record BOOLEAN NOT NULL DEFAULT TRUE,
    consent_share BOOLEAN NOT NULL DEFAULT FALSE,
    consent_publish TEXT NOT NULL DEFAULT 'no',
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search_public TSVECTOR NOT NULL DEFAULT ''::tsvector,
    search_sensitive TSVECTOR NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX persons_search_public ON persons USING GIN (search_public);
CREATE INDEX persons_search_all ON persons USING GIN ((search_public || search_sensitive));

CREATE TABLE person_characteristics (
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (person_id, code)
);
CREATE INDEX person_characteristics_code ON person_characteristics(code, person_id);

CREATE TABLE person_sectors (
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (person_id, code)
);

CREATE TABLE memberships (
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, group_id)
);

CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    external_id TEXT UNIQUE,
    title TEXT NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    start_precision TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    end_date TEXT,
    end_precision TEXT,
    country TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    locality TEXT NOT NULL DEFAULT '',
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    business_sector TEXT,
    status TEXT NOT NULL,
    verification_override TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search_public TSVECTOR NOT NULL DEFAULT ''::tsvector,
    search_sensitive TSVECTOR NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX incidents_search_public ON incidents USING GIN (search_public);
CREATE INDEX incidents_search_all ON incidents USING GIN ((search_public || search_sensitive));
CREATE INDEX incidents_start ON incidents(start_date DESC, id DESC);
CREATE INDEX incidents_country ON incidents(country, start_year);
CREATE INDEX incidents_year ON incidents(start_year);
CREATE INDEX incidents_status ON incidents(status);
CREATE INDEX incidents_sector ON incidents(business_sector);

CREATE TABLE violations (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    violation_type TEXT NOT NULL,
    victim_person_id BIGINT REFERENCES persons(id),
    victim_group_id BIGINT REFERENCES groups(id),
    date TEXT NOT NULL,
    date_precision TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    reprisal_un BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((victim_person_id IS NULL) <> (victim_group_id IS NULL))
);
CREATE INDEX violations_incident ON violations(incident_id);
CREATE INDEX violations_type ON violations(violation_type, incident_id);
CREATE INDEX violations_person ON violations(victim_person_id);
CREATE INDEX violations_group ON violations(victim_group_id);

CREATE TABLE perpetrators (
    id BIGSERIAL PRIMARY KEY,
    violation_id BIGINT NOT NULL REFERENCES violations(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    perpetrator_type TEXT NOT NULL,
    person_id BIGINT REFERENCES persons(id),
    group_id BIGINT REFERENCES groups(id)
);
CREATE INDEX perpetrators_violation ON perpetrators(violation_id);
CREATE INDEX perpetrators_type ON perpetrators(perpetrator_type, violation_id);

CREATE TABLE sources (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    source_type TEXT NOT NULL,
    reliability TEXT NOT NULL,
    origin TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sources_incident ON sources(incident_id);

CREATE TABLE versions (
    id BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    at TEXT NOT NULL,
    user_id BIGINT,
    changed TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (entity, entity_id, version)
);

-- Full-text search lives in the tsvector columns of incidents and persons: `search_public`
-- for every reader, `search_sensitive` only for readers of sensitive fields.
