-- Violations and victims counted ahead at a coarser grain than 0020's, so that the sums
-- stay small at 1,000,000 incidents (DESIGN.md §6: two-way statistics within 150 ms,
-- docs/performance.md, docs/methodology.md). The same tables as on SQLite; see the SQLite
-- migration of the same name for the grains.
--
-- * no month: a question by month is counted from the records;
-- * victims by sex, by age group (at the incident's year) and by SDG group: three
--   tallies, one property each, keyed also by the victim person's compartment (0 for a
--   group); each victim is in one cell of each;
-- * victims by violation type and by verb: no property of the person.
-- Primary keys begin with the year and the tally's own key, as on SQLite.
--
-- The trigger functions of 0020 are replaced (same names, same triggers), but for
-- `tally_incident_update`, whose condition no longer looks at the month.

DROP TRIGGER tally_incident_update ON incidents;
DROP TABLE violation_tally;
DROP TABLE victim_tally;
DROP TABLE victim_type_tally;
DROP TABLE victim_verb_tally;

CREATE TABLE violation_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, violation_type, country, status, compartment_id)
);

CREATE TABLE victim_sex_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    sex TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, sex, person_compartment_id, country, status, compartment_id)
);

CREATE TABLE victim_age_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    age_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, age_group, person_compartment_id, country, status, compartment_id)
);

CREATE TABLE victim_sdg_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    sdg_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, sdg_group, person_compartment_id, country, status, compartment_id)
);

CREATE TABLE victim_type_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, violation_type, country, status, compartment_id)
);

CREATE TABLE victim_verb_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    country TEXT NOT NULL,
    verb TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_year, verb, country, status, compartment_id)
);

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
SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(p.compartment_id, 0), tally_age_group(i.start_year, p.birth_year), count(*)
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
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations) w
JOIN incidents i ON i.id = w.incident_id
GROUP BY 1, 2, 3, 4, 5;

-- One violation's share, `sign` = 1 or -1, counted against the rows other than itself (0020's
-- `tally_violation_change` calls it from BEFORE triggers).
CREATE OR REPLACE FUNCTION tally_violation_row(r violations, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE ic BIGINT; st TEXT; yr BIGINT; co TEXT; pc BIGINT; sx TEXT; born BIGINT; sg TEXT; vb TEXT
; BEGIN
    SELECT i.compartment_id, i.status, i.start_year, i.country INTO ic, st, yr, co
        FROM incidents i WHERE i.id = r.incident_id
    ; IF NOT FOUND THEN RETURN; END IF
    ; INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
        VALUES (ic, st, yr, co, r.violation_type, sign)
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id) THEN
        SELECT p.compartment_id, p.sex, p.birth_year, p.sdg_group INTO pc, sx, born, sg FROM persons p WHERE p.id = r.victim_person_id
        ; pc := coalesce(pc, 0)
        ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
            VALUES (ic, st, yr, co, pc, coalesce(sx, ''), sign)
            ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = victim_sex_tally.n + excluded.n
        ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
            VALUES (ic, st, yr, co, pc, tally_age_group(yr, born), sign)
            ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = victim_age_tally.n + excluded.n
        ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
            VALUES (ic, st, yr, co, pc, coalesce(sg, ''), sign)
            ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = victim_sdg_tally.n + excluded.n
        ; END IF
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id AND w.violation_type = r.violation_type) THEN
        INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
        VALUES (ic, st, yr, co, r.violation_type, sign)
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = victim_type_tally.n + excluded.n; END IF
    ; vb := tally_verb(r.violation_type)
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id AND tally_verb(w.violation_type) = vb) THEN
        INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
        VALUES (ic, st, yr, co, vb, sign)
        ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = victim_verb_tally.n + excluded.n; END IF
    ; END $$;

-- An incident moved (compartment, status, year, country): everything of it leaves its old cells for new
-- ones (a victim's age group follows the year).

CREATE OR REPLACE FUNCTION tally_incident_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, violation_type, -count(*) FROM violations WHERE incident_id = OLD.id GROUP BY violation_type
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = victim_sex_tally.n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), tally_age_group(OLD.start_year, p.birth_year), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = victim_age_tally.n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = victim_sdg_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, w.violation_type, -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = OLD.id) w
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, OLD.country, w.verb, -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations WHERE incident_id = OLD.id) w
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; INSERT INTO violation_tally (compartment_id, status, start_year, country, violation_type, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, violation_type, count(*) FROM violations WHERE incident_id = NEW.id GROUP BY violation_type
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = victim_sex_tally.n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), tally_age_group(NEW.start_year, p.birth_year), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = victim_age_tally.n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, coalesce(p.compartment_id, 0), coalesce(p.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = victim_sdg_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, country, violation_type, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, w.violation_type, count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = NEW.id) w
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (compartment_id, status, start_year, country, violation_type) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, NEW.country, w.verb, count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations WHERE incident_id = NEW.id) w
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (compartment_id, status, start_year, country, verb) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; RETURN NULL
    ; END $$;

CREATE TRIGGER tally_incident_update AFTER UPDATE OF compartment_id, status, start_year, country ON incidents
    FOR EACH ROW WHEN (OLD.compartment_id IS DISTINCT FROM NEW.compartment_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.start_year IS DISTINCT FROM NEW.start_year OR OLD.country IS DISTINCT FROM NEW.country)
    EXECUTE FUNCTION tally_incident_move();

-- A person's compartment, sex, birth year or SDG group changed: every incident they are a victim in moves cells
-- of the three person tallies (0020's trigger `tally_person_update` calls this).

CREATE OR REPLACE FUNCTION tally_person_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), coalesce(OLD.sex, ''), -count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = victim_sex_tally.n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), tally_age_group(i.start_year, OLD.birth_year), -count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = victim_age_tally.n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(OLD.compartment_id, 0), coalesce(OLD.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = victim_sdg_tally.n + excluded.n
    ; INSERT INTO victim_sex_tally (compartment_id, status, start_year, country, person_compartment_id, sex, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), coalesce(NEW.sex, ''), count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sex) DO UPDATE SET n = victim_sex_tally.n + excluded.n
    ; INSERT INTO victim_age_tally (compartment_id, status, start_year, country, person_compartment_id, age_group, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), tally_age_group(i.start_year, NEW.birth_year), count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, age_group) DO UPDATE SET n = victim_age_tally.n + excluded.n
    ; INSERT INTO victim_sdg_tally (compartment_id, status, start_year, country, person_compartment_id, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, coalesce(NEW.compartment_id, 0), coalesce(NEW.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (compartment_id, status, start_year, country, person_compartment_id, sdg_group) DO UPDATE SET n = victim_sdg_tally.n + excluded.n
    ; RETURN NULL
    ; END $$;

-- A violation type's verb changed (or a type in use gained or lost one): the verb tally is counted again
-- (0020's triggers `tally_verb_insert`, `tally_verb_update`, `tally_verb_delete` call this).
CREATE OR REPLACE FUNCTION tally_verb_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM violations WHERE violation_type = NEW.code) THEN RETURN NULL; END IF
    ; IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM violations WHERE violation_type = OLD.code) THEN RETURN NULL; END IF
    ; DELETE FROM victim_verb_tally
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, country, verb, n)
        SELECT i.compartment_id, i.status, i.start_year, i.country, w.verb, count(*)
        FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations) w
        JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5
    ; RETURN NULL
    ; END $$;

-- No longer used: the month is not kept.
DROP FUNCTION tally_month(TEXT, TEXT);
