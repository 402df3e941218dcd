-- Detention tracker, hearing calendar feeds and reminder digests (issue 6 points 4
-- and 5), PostgreSQL. Keep table and column names identical to sqlite/0015_protection.sql.
--
-- A detention belongs to a case and names the case's person; it is open while
-- `released_on` is null. Hearings belong to a detention. Dates are `YYYY-MM-DD` text,
-- a hearing's time `HH:MM` (local to the court) or null (time not known). On
-- PostgreSQL place, charges, a hearing's court and note, and a user's e-mail address
-- hold sealed values; on SQLite the whole file is encrypted.
CREATE TABLE case_detentions (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    place TEXT NOT NULL,
    since TEXT NOT NULL,
    charges TEXT NOT NULL DEFAULT '',
    released_on TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX case_detentions_case ON case_detentions(case_id);
CREATE INDEX case_detentions_open ON case_detentions(released_on, since);

CREATE TABLE case_hearings (
    id BIGSERIAL PRIMARY KEY,
    detention_id BIGINT NOT NULL REFERENCES case_detentions(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    held_at TEXT,
    court TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_hearings_detention ON case_hearings(detention_id, held_on);
CREATE INDEX case_hearings_date ON case_hearings(held_on);

-- Calendar feed tokens: a calendar client cannot sign in, so its URL carries a
-- secret. Stored hashed, shown once, revoked one by one, by disabling the user, or
-- all at once by lock-down.
CREATE TABLE feed_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX feed_tokens_user ON feed_tokens(user_id);

-- Where a user's reminder digest goes (empty: no digest).
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- One digest per user per day: a second run the same day sends nothing unless forced.
CREATE TABLE reminder_digests (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    actions BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);
