-- Versioned releases of statistics (issue 5 point 6), PostgreSQL. Keep table and column
-- names identical to sqlite/0013_releases.sql.
--
-- A release freezes a set of figures on a day with its methodology. `raw` holds the
-- counts as computed (JSON, analysts only); `figures` the same tables after
-- disclosure control (JSON, the only form that ever leaves to the public). A
-- correction is a new row of the same series (`series_id`, the first release's id)
-- with the next revision number and a reason. `published_at` NULL: not public.
CREATE TABLE releases (
    id BIGSERIAL PRIMARY KEY,
    series_id BIGINT REFERENCES releases(id),
    revision BIGINT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('statistics', 'sdg_16_10_1')),
    query TEXT NOT NULL,
    period TEXT NOT NULL DEFAULT '',
    methodology TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    threshold BIGINT NOT NULL,
    frozen_on TEXT NOT NULL,
    raw TEXT NOT NULL,
    figures TEXT NOT NULL,
    published_at TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX releases_series_revision ON releases(series_id, revision);
CREATE INDEX releases_published ON releases(published_at);
