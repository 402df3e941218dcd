-- Detention tracker, hearing calendar feeds and reminder digests (issue 6 points 4
-- and 5), SQLite. Keep table and column names identical to postgres/0015_protection.sql.
--
-- A detention belongs to a case and names the case's person; it is open while
-- `released_on` is null. Hearings belong to a detention. Dates are `YYYY-MM-DD` text,
-- a hearing's time `HH:MM` (local to the court) or null (time not known). On
-- PostgreSQL place, charges, a hearing's court and note, and a user's e-mail address
-- hold sealed values; here the whole file is encrypted.
CREATE TABLE case_detentions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES persons(id),
    place TEXT NOT NULL,
    since TEXT NOT NULL,
    charges TEXT NOT NULL DEFAULT '',
    released_on TEXT,
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX case_detentions_case ON case_detentions(case_id);
CREATE INDEX case_detentions_open ON case_detentions(released_on, since);

CREATE TABLE case_hearings (
    id INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES case_detentions(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    held_at TEXT,
    court TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_hearings_detention ON case_hearings(detention_id, held_on);
CREATE INDEX case_hearings_date ON case_hearings(held_on);

-- Calendar feed tokens: a calendar client cannot sign in, so its URL carries a
-- secret. Stored hashed, shown once, revoked one by one, by disabling the user, or
-- all at once by lock-down.
CREATE TABLE feed_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feed_tokens_user ON feed_tokens(user_id);

-- Where a user's reminder digest goes (empty: no digest).
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- One digest per user per day: a second run the same day sends nothing unless forced.
CREATE TABLE reminder_digests (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    actions INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);
