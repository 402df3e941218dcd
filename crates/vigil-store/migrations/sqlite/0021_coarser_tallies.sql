-- Violations and victims counted ahead at a coarser grain than 0020's, so that the sums
-- stay small at 1,000,000 incidents (DESIGN.md §6: two-way statistics within 150 ms;
-- docs/performance.md, docs/methodology.md).
--
-- 0020 kept the incident's month and all four of the victim's properties (the person's
-- compartment, sex, age group, SDG group) in one key: nearly one cell per victim. Here:
-- * no month: a question by month (or any question the tallies cannot answer) is
--   counted from the records;
-- * one victim property per tally: victims by sex, by age group and by SDG group are
--   three tallies, each victim in exactly one cell of each, keyed also by the victim
--   person's compartment (0 for a group) so that a reader who may not count the person
--   still sees unknown sex, age or group;
-- * victims by violation type and by verb carry no property of the person.
--
-- Every table has the incident's keys: compartment, status, year and country.
-- * violation_tally: violations by type. Each violation is in one cell: any sum is exact.
-- * victim_sex_tally, victim_age_tally, victim_sdg_tally: victims (distinct incident ×
--   victim person or group) by the person's compartment and one property (age group at
--   the incident's year). Each victim is in one cell of each: any sum is exact, and any
--   of them gives the distinct total.
-- * victim_type_tally: victims with at least one violation of the type. A victim is in
--   one cell per type: sums are exact only within one type.
-- * victim_verb_tally: the same per resolution verb ('' for none). Exact within one verb.
--
-- Primary keys begin with the year and the tally's own key (type, verb, sex, ...): a
-- question by year and that key, the commonest, reads the cells in order without a sort
-- (at 1M the sort of violation_tally's ~55k cells was most of the time), and a year
-- filter reads a range.
--
-- Triggers keep them exact in the same transaction as every insert, update and delete
-- of incidents, violations and persons, and of a violation type's verb. `tally.rs`
-- rebuilds them with the same SELECTs as below. `tally_incident_delete` (0020) stays.

DROP TRIGGER tally_violation_insert;
DROP TRIGGER tally_violation_delete;
DROP TRIGGER tally_violation_update;
DROP TRIGGER tally_incident_update;
DROP TRIGGER tally_person_update;
DROP TRIGGER tally_verb_insert;
DROP TRIGGER tally_verb_update;
DROP TRIGGER tally_verb_delete;
DROP TABLE violation_tally;
DROP TABLE victim_tally;
DROP TABLE victim_type_tally;
DROP TABLE victim_verb_tally;

CREATE TABLE violation_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, violation_type, country, status, compartment_id)
) WITHOUT ROWID;

CREATE TABLE victim_sex_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id INTEGER NOT NULL,
    sex TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, sex, person_compartment_id, country, status, compartment_id)
) WITHOUT ROWID;

CREATE TABLE victim_age_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id INTEGER NOT NULL,
    age_group TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, age_group, person_compartment_id, country, status, compartment_id)
) WITHOUT ROWID;

CREATE TABLE victim_sdg_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id INTEGER NOT NULL,
    sdg_group TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, sdg_group, person_compartment_id, country, status, compartment_id)
) WITHOUT ROWID;

CREATE TABLE victim_type_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, violation_type, country, status, compartment_id)
) WITHOUT ROWID;

CREATE TABLE victim_verb_tally (
    compartment_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    country TEXT NOT NULL,
    verb TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start_year, verb, country, status, compartment_id)
) WITHOUT ROWID;

-- The fill (tally.rs `rebuild_tallies` runs the same statements).

INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, v.violation_type, count(*)
FROM violations v JOIN incidents i ON i.id = v.incident_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id FROM violations) w JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id FROM violations) w JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id FROM violations) w JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, w.violation_type, count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, violation_type FROM violations) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, w.verb, count(*)
FROM (SELECT DISTINCT x.incident_id, x.victim_person_id, x.victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = x.violation_type), '') AS verb FROM violations x) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5;

-- Triggers. (Statements inside a trigger end with `;` mid-line: migrations split at a `;` that ends a line.)

-- A violation's change: its incident's and victim's cells, counted once per distinct victim (and type, and verb).

CREATE TRIGGER tally_violation_insert AFTER INSERT ON violations BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, NEW.violation_type, 1 FROM incidents i WHERE i.id = NEW.incident_id
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, NEW.violation_type, 1 FROM incidents i
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id AND w.violation_type = NEW.violation_type)
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = NEW.violation_type), ''), 1 FROM incidents i
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id AND coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = w.violation_type), '') = coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = NEW.violation_type), ''))
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n; END;

CREATE TRIGGER tally_violation_delete AFTER DELETE ON violations BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, OLD.violation_type, -1 FROM incidents i WHERE i.id = OLD.incident_id
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, OLD.violation_type, -1 FROM incidents i
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id AND w.violation_type = OLD.violation_type)
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = OLD.violation_type), ''), -1 FROM incidents i
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id AND coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = w.violation_type), '') = coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = OLD.violation_type), ''))
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n; END;

CREATE TRIGGER tally_violation_update AFTER UPDATE OF incident_id, violation_type, victim_person_id, victim_group_id ON violations BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, OLD.violation_type, -1 FROM incidents i WHERE i.id = OLD.incident_id
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), -1
    FROM incidents i LEFT JOIN persons p ON p.id = OLD.victim_person_id
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, OLD.violation_type, -1 FROM incidents i
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id AND w.violation_type = OLD.violation_type)
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = OLD.violation_type), ''), -1 FROM incidents i
    WHERE i.id = OLD.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = OLD.incident_id AND w.victim_person_id IS OLD.victim_person_id AND w.victim_group_id IS OLD.victim_group_id AND w.id <> OLD.id AND coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = w.violation_type), '') = coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = OLD.violation_type), ''))
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, NEW.violation_type, 1 FROM incidents i WHERE i.id = NEW.incident_id
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), 1
    FROM incidents i LEFT JOIN persons p ON p.id = NEW.victim_person_id
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id)
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, NEW.violation_type, 1 FROM incidents i
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id AND w.violation_type = NEW.violation_type)
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = NEW.violation_type), ''), 1 FROM incidents i
    WHERE i.id = NEW.incident_id AND NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = NEW.incident_id AND w.victim_person_id IS NEW.victim_person_id AND w.victim_group_id IS NEW.victim_group_id AND w.id <> NEW.id AND coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = w.violation_type), '') = coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = NEW.violation_type), ''))
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n; END;

-- An incident moved (compartment, status, year, country): everything of it leaves its old cells for new ones
-- (a victim's age group follows the year). Its month is no longer kept.

CREATE TRIGGER tally_incident_update AFTER UPDATE OF compartment_id, status, start_year, country ON incidents
    WHEN OLD.compartment_id IS NOT NEW.compartment_id OR OLD.status IS NOT NEW.status OR OLD.start_year IS NOT NEW.start_year OR OLD.country IS NOT NEW.country BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, violation_type, -count(*) FROM violations WHERE incident_id = OLD.id GROUP BY violation_type
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), -count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN OLD.start_year - p.birth_year <= 17 THEN 'under_18' WHEN OLD.start_year - p.birth_year <= 29 THEN '18_29' WHEN OLD.start_year - p.birth_year <= 44 THEN '30_44' WHEN OLD.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, -count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), -count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, w.violation_type, -count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = OLD.id) w GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, w.verb, -count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = violation_type), '') AS verb FROM violations WHERE incident_id = OLD.id) w GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, violation_type, count(*) FROM violations WHERE incident_id = NEW.id GROUP BY violation_type
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), CASE WHEN p.birth_year IS NULL THEN '' WHEN NEW.start_year - p.birth_year <= 17 THEN 'under_18' WHEN NEW.start_year - p.birth_year <= 29 THEN '18_29' WHEN NEW.start_year - p.birth_year <= 44 THEN '30_44' WHEN NEW.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w
    LEFT JOIN persons p ON p.id = w.victim_person_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, w.violation_type, count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = NEW.id) w GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
    SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, w.verb, count(*)
    FROM (SELECT DISTINCT victim_person_id, victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = violation_type), '') AS verb FROM violations WHERE incident_id = NEW.id) w GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = n + excluded.n; END;

-- A person's compartment, sex, birth year or SDG group changed: every incident they are a victim in moves cells
-- of the three person tallies (the type and verb tallies carry no property of the person).

CREATE TRIGGER tally_person_update AFTER UPDATE OF compartment_id, sex, birth_year, sdg_group ON persons
    WHEN OLD.compartment_id IS NOT NEW.compartment_id OR OLD.sex IS NOT NEW.sex OR OLD.birth_year IS NOT NEW.birth_year OR OLD.sdg_group IS NOT NEW.sdg_group BEGIN
    INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), coalesce(OLD.sex, ''), -count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), CASE WHEN OLD.birth_year IS NULL THEN '' WHEN i.start_year - OLD.birth_year <= 17 THEN 'under_18' WHEN i.start_year - OLD.birth_year <= 29 THEN '18_29' WHEN i.start_year - OLD.birth_year <= 44 THEN '30_44' WHEN i.start_year - OLD.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, -count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), coalesce(OLD.sdg_group, ''), -count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), coalesce(NEW.sex, ''), count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), CASE WHEN NEW.birth_year IS NULL THEN '' WHEN i.start_year - NEW.birth_year <= 17 THEN 'under_18' WHEN i.start_year - NEW.birth_year <= 29 THEN '18_29' WHEN i.start_year - NEW.birth_year <= 44 THEN '30_44' WHEN i.start_year - NEW.birth_year <= 59 THEN '45_59' ELSE '60_plus' END, count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
    SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), coalesce(NEW.sdg_group, ''), count(*)
    FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w
    JOIN incidents i ON i.id = w.incident_id GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = n + excluded.n; END;

-- A violation type's verb changed (or a type in use gained or lost one): the verb tally is counted again.

CREATE TRIGGER tally_verb_insert AFTER INSERT ON vocab_terms
    WHEN NEW.kind = 'violation_type' AND json_extract(NEW.attrs, '$.verb') IS NOT NULL AND EXISTS (SELECT 1 FROM violations WHERE violation_type = NEW.code) BEGIN
    DELETE FROM victim_verb_tally
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, w.verb, count(*)
FROM (SELECT DISTINCT x.incident_id, x.victim_person_id, x.victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = x.violation_type), '') AS verb FROM violations x) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5; END;

CREATE TRIGGER tally_verb_update AFTER UPDATE ON vocab_terms
    WHEN (OLD.kind = 'violation_type' OR NEW.kind = 'violation_type') AND (OLD.kind IS NOT NEW.kind OR OLD.code IS NOT NEW.code OR json_extract(OLD.attrs, '$.verb') IS NOT json_extract(NEW.attrs, '$.verb')) BEGIN
    DELETE FROM victim_verb_tally
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, w.verb, count(*)
FROM (SELECT DISTINCT x.incident_id, x.victim_person_id, x.victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = x.violation_type), '') AS verb FROM violations x) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5; END;

CREATE TRIGGER tally_verb_delete AFTER DELETE ON vocab_terms
    WHEN OLD.kind = 'violation_type' AND json_extract(OLD.attrs, '$.verb') IS NOT NULL AND EXISTS (SELECT 1 FROM violations WHERE violation_type = OLD.code) BEGIN
    DELETE FROM victim_verb_tally
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
SELECT i.compartment_id, i.status, i.start_year, i.country, w.verb, count(*)
FROM (SELECT DISTINCT x.incident_id, x.victim_person_id, x.victim_group_id, coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = x.violation_type), '') AS verb FROM violations x) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5; END;
