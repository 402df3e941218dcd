-- Resolutions and state commitments (issue 7), SQLite. Keep table and column names
-- identical to postgres/0017_resolutions.sql.
--
-- Public-record data: no compartment, nothing sealed. States are ISO 3166-1 alpha-2
-- codes from the country service; dates are `YYYY-MM-DD` text. A roll call is on the
-- whole resolution, an amendment or a paragraph (`kind`), so only the first counts as
-- the resolution's vote; `rcid` is the voting data set's roll-call id (re-imports
-- update by it).
CREATE TABLE resolutions (
    id INTEGER PRIMARY KEY,
    symbol TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL CHECK (body IN ('ga_plenary', 'third_committee', 'hrc', 'other')),
    session INTEGER,
    adopted_on TEXT,
    adoption TEXT NOT NULL CHECK (adoption IN ('consensus', 'recorded_vote', 'without_vote', 'unknown')),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX resolutions_adopted ON resolutions(adopted_on, id);

CREATE TABLE resolution_topics (
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    PRIMARY KEY (resolution_id, topic)
);
CREATE INDEX resolution_topics_topic ON resolution_topics(topic, resolution_id);

CREATE TABLE resolution_sponsors (
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('main', 'co')),
    PRIMARY KEY (resolution_id, state)
);
CREATE INDEX resolution_sponsors_state ON resolution_sponsors(state, resolution_id);

CREATE TABLE roll_calls (
    id INTEGER PRIMARY KEY,
    rcid INTEGER UNIQUE,
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('resolution', 'amendment', 'paragraph')),
    session INTEGER,
    voted_on TEXT,
    important INTEGER NOT NULL DEFAULT 0,
    short TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX roll_calls_resolution ON roll_calls(resolution_id, kind);

CREATE TABLE roll_call_votes (
    roll_call_id INTEGER NOT NULL REFERENCES roll_calls(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('yes', 'no', 'abstain', 'absent')),
    PRIMARY KEY (roll_call_id, state)
);
CREATE INDEX roll_call_votes_state ON roll_call_votes(state, roll_call_id);

CREATE TABLE resolution_paragraphs (
    id INTEGER PRIMARY KEY,
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    text TEXT NOT NULL,
    violation_types TEXT NOT NULL DEFAULT ''
);
CREATE INDEX resolution_paragraphs_resolution ON resolution_paragraphs(resolution_id, id);
