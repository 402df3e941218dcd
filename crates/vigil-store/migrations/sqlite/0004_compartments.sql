-- Compartments (need-to-know), SQLite. Keep table and column names identical to
-- postgres/0004_compartments.sql.
--
-- Every incident, person and group belongs to exactly one compartment; a user reads
-- only the records of compartments they are a `full` member of. `aggregate_only`
-- members (analysts) may be counted for, never listed or read.
CREATE TABLE compartments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- The default compartment: existing records and accounts go here (id 1).
INSERT INTO compartments (name, created_at) VALUES ('General', '1970-01-01T00:00:00.000000Z');

CREATE TABLE compartment_members (
    compartment_id INTEGER NOT NULL REFERENCES compartments(id),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('full', 'aggregate_only')),
    added_at TEXT NOT NULL,
    PRIMARY KEY (user_id, compartment_id)
);
CREATE INDEX compartment_members_compartment ON compartment_members(compartment_id);

INSERT INTO compartment_members (compartment_id, user_id, level, added_at)
    SELECT 1, id, 'full', created_at FROM users;

-- SQLite refuses a REFERENCES clause with a non-NULL default in ADD COLUMN; the store
-- only ever writes ids of existing compartments, and compartments are never deleted.
ALTER TABLE incidents ADD COLUMN compartment_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE persons ADD COLUMN compartment_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN compartment_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX incidents_compartment ON incidents(compartment_id);
CREATE INDEX persons_compartment ON persons(compartment_id);
CREATE INDEX groups_compartment ON groups(compartment_id);
