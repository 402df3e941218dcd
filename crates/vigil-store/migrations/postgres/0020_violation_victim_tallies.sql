-- Violations and victims counted ahead, like incidents in 0018_incident_tally, so that
-- two-way statistics of violations and victims sum cells instead of joining every
-- violation to its incident and victim (docs/performance.md, docs/methodology.md).
--
-- Every table has the incident's keys: compartment, status, year, month ('' for a date
-- known to the year only) and country. The victim tallies add the victim person's
-- compartment (0 for a group: a reader who may not count it sees unknown sex, age and
-- group), sex, age group at the incident's year and SDG group ('' when unknown).
--
-- Grains, so that every sum made from them is exact:
-- * violation_tally: violations by type. Each violation is in one cell: any sum is exact.
-- * victim_tally: victims (distinct incident × victim person or group). Each victim is
--   in one cell: any sum is exact.
-- * victim_type_tally: victims with at least one violation of the type. A victim is in
--   one cell per type: sums are exact only within one type.
-- * victim_verb_tally: the same per resolution verb (the type's `verb` in the
--   vocabulary; '' for none). Sums are exact only within one verb.
--
-- Triggers keep them exact in the same transaction as every insert, update and delete
-- of incidents, violations and persons, and of a violation type's verb. `tally.rs`
-- rebuilds them with the same SELECTs as below.
CREATE TABLE violation_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    month TEXT NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (compartment_id, status, start_year, month, country, violation_type)
);

CREATE TABLE victim_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    month TEXT NOT NULL,
    country TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    sex TEXT NOT NULL,
    age_group TEXT NOT NULL,
    sdg_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group)
);

CREATE TABLE victim_type_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    month TEXT NOT NULL,
    country TEXT NOT NULL,
    violation_type TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    sex TEXT NOT NULL,
    age_group TEXT NOT NULL,
    sdg_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group)
);

CREATE TABLE victim_verb_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    month TEXT NOT NULL,
    country TEXT NOT NULL,
    verb TEXT NOT NULL,
    person_compartment_id BIGINT NOT NULL,
    sex TEXT NOT NULL,
    age_group TEXT NOT NULL,
    sdg_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group)
);

-- The incident's month ('' for a date known to the year only), the age group at the incident's year
-- (docs/methodology.md; vigil_domain::stats::AGE_GROUPS) and a violation type's verb ('' for none).
CREATE FUNCTION tally_month(start_date TEXT, start_precision TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN start_precision = 'year' THEN '' ELSE substr(start_date, 1, 7) END $$;
CREATE FUNCTION tally_age_group(start_year BIGINT, birth_year BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN birth_year IS NULL THEN '' WHEN start_year - birth_year <= 17 THEN 'under_18' WHEN start_year - birth_year <= 29 THEN '18_29' WHEN start_year - birth_year <= 44 THEN '30_44' WHEN start_year - birth_year <= 59 THEN '45_59' ELSE '60_plus' END $$;
CREATE FUNCTION tally_verb(violation_type TEXT) RETURNS TEXT LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT vt.attrs::jsonb ->> 'verb' FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = violation_type), '') $$;

-- The fill (tally.rs `rebuild_tallies` runs the same statements).

INSERT INTO violation_tally (compartment_id, status, start_year, month, country, violation_type, n)
SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, v.violation_type, count(*)
FROM violations v JOIN incidents i ON i.id = v.incident_id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country,
       coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(i.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id FROM violations) w
JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.violation_type,
       coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(i.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, violation_type FROM violations) w
JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.verb,
       coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(i.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations) w
JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

-- One violation's share, `sign` = 1 or -1, counted against the rows other than itself (see the trigger below).
CREATE FUNCTION tally_violation_row(r violations, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE ic BIGINT; st TEXT; yr BIGINT; mo TEXT; co TEXT; pc BIGINT; sx TEXT; born BIGINT; ag TEXT; sg TEXT; vb TEXT
; BEGIN
    SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country INTO ic, st, yr, mo, co
        FROM incidents i WHERE i.id = r.incident_id
    ; IF NOT FOUND THEN RETURN; END IF
    ; SELECT p.compartment_id, p.sex, p.birth_year, p.sdg_group INTO pc, sx, born, sg FROM persons p WHERE p.id = r.victim_person_id
    ; pc := coalesce(pc, 0)
    ; sx := coalesce(sx, '')
    ; ag := tally_age_group(yr, born)
    ; sg := coalesce(sg, '')
    ; vb := tally_verb(r.violation_type)
    ; INSERT INTO violation_tally (compartment_id, status, start_year, month, country, violation_type, n)
        VALUES (ic, st, yr, mo, co, r.violation_type, sign)
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id) THEN
        INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
        VALUES (ic, st, yr, mo, co, pc, sx, ag, sg, sign)
        ON CONFLICT (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_tally.n + excluded.n; END IF
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id AND w.violation_type = r.violation_type) THEN
        INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
        VALUES (ic, st, yr, mo, co, r.violation_type, pc, sx, ag, sg, sign)
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_type_tally.n + excluded.n; END IF
    ; IF NOT EXISTS (SELECT 1 FROM violations w WHERE w.incident_id = r.incident_id AND w.victim_person_id IS NOT DISTINCT FROM r.victim_person_id AND w.victim_group_id IS NOT DISTINCT FROM r.victim_group_id AND w.id <> r.id AND tally_verb(w.violation_type) = vb) THEN
        INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        VALUES (ic, st, yr, mo, co, vb, pc, sx, ag, sg, sign)
        ON CONFLICT (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_verb_tally.n + excluded.n; END IF
    ; END $$;

-- BEFORE, not AFTER: a row-level AFTER trigger sees the whole statement done (all of an incident's violations
-- deleted at once), but whether a victim is still counted depends on the rows not yet changed. Each change is
-- counted against the other rows as they stand, as SQLite's triggers do.
CREATE FUNCTION tally_violation_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM tally_violation_row(OLD, -1); END IF
    ; IF TG_OP <> 'DELETE' THEN PERFORM tally_violation_row(NEW, 1); RETURN NEW; END IF
    ; RETURN OLD
    ; END $$;

CREATE TRIGGER tally_violation_insert BEFORE INSERT ON violations
    FOR EACH ROW EXECUTE FUNCTION tally_violation_change();

CREATE TRIGGER tally_violation_delete BEFORE DELETE ON violations
    FOR EACH ROW EXECUTE FUNCTION tally_violation_change();

CREATE TRIGGER tally_violation_update BEFORE UPDATE OF incident_id, violation_type, victim_person_id, victim_group_id ON violations
    FOR EACH ROW EXECUTE FUNCTION tally_violation_change();

-- An incident deleted: its violations first, while the incident's keys can still be read (the cascade
-- that follows finds none left).
CREATE FUNCTION tally_incident_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM violations WHERE incident_id = OLD.id
    ; RETURN OLD
    ; END $$;

CREATE TRIGGER tally_incident_delete BEFORE DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION tally_incident_delete();

-- An incident moved (compartment, status, year, month, country): everything of it leaves its old cells for new
-- ones (a victim's age group follows the year).
CREATE FUNCTION tally_incident_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO violation_tally (compartment_id, status, start_year, month, country, violation_type, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, tally_month(OLD.start_date, OLD.start_precision), OLD.country, violation_type, -count(*) FROM violations WHERE incident_id = OLD.id GROUP BY violation_type
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, tally_month(OLD.start_date, OLD.start_precision), OLD.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(OLD.start_year, p.birth_year), coalesce(p.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, tally_month(OLD.start_date, OLD.start_precision), OLD.country, w.violation_type, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(OLD.start_year, p.birth_year), coalesce(p.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT OLD.compartment_id, OLD.status, OLD.start_year, tally_month(OLD.start_date, OLD.start_precision), OLD.country, w.verb, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(OLD.start_year, p.birth_year), coalesce(p.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations WHERE incident_id = OLD.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; INSERT INTO violation_tally (compartment_id, status, start_year, month, country, violation_type, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, tally_month(NEW.start_date, NEW.start_precision), NEW.country, violation_type, count(*) FROM violations WHERE incident_id = NEW.id GROUP BY violation_type
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type) DO UPDATE SET n = violation_tally.n + excluded.n
    ; INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, tally_month(NEW.start_date, NEW.start_precision), NEW.country, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(NEW.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, tally_month(NEW.start_date, NEW.start_precision), NEW.country, w.violation_type, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(NEW.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, violation_type FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT NEW.compartment_id, NEW.status, NEW.start_year, tally_month(NEW.start_date, NEW.start_precision), NEW.country, w.verb, coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(NEW.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations WHERE incident_id = NEW.id) w LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; RETURN NULL
    ; END $$;

CREATE TRIGGER tally_incident_update AFTER UPDATE OF compartment_id, status, start_year, start_precision, start_date, country ON incidents
    FOR EACH ROW WHEN (OLD.compartment_id IS DISTINCT FROM NEW.compartment_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.start_year IS DISTINCT FROM NEW.start_year OR OLD.country IS DISTINCT FROM NEW.country
        OR tally_month(OLD.start_date, OLD.start_precision) IS DISTINCT FROM tally_month(NEW.start_date, NEW.start_precision))
    EXECUTE FUNCTION tally_incident_move();

-- A person's compartment, sex, birth year or SDG group changed: every incident they are a victim in moves cells.
CREATE FUNCTION tally_person_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, coalesce(OLD.compartment_id, 0), coalesce(OLD.sex, ''), tally_age_group(i.start_year, OLD.birth_year), coalesce(OLD.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.violation_type, coalesce(OLD.compartment_id, 0), coalesce(OLD.sex, ''), tally_age_group(i.start_year, OLD.birth_year), coalesce(OLD.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT incident_id, violation_type FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.verb, coalesce(OLD.compartment_id, 0), coalesce(OLD.sex, ''), tally_age_group(i.start_year, OLD.birth_year), coalesce(OLD.sdg_group, ''), -count(*)
        FROM (SELECT DISTINCT incident_id, tally_verb(violation_type) AS verb FROM violations WHERE victim_person_id = OLD.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; INSERT INTO victim_tally (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, coalesce(NEW.compartment_id, 0), coalesce(NEW.sex, ''), tally_age_group(i.start_year, NEW.birth_year), coalesce(NEW.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT incident_id FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (compartment_id, status, start_year, month, country, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_tally.n + excluded.n
    ; INSERT INTO victim_type_tally (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.violation_type, coalesce(NEW.compartment_id, 0), coalesce(NEW.sex, ''), tally_age_group(i.start_year, NEW.birth_year), coalesce(NEW.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT incident_id, violation_type FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, violation_type, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_type_tally.n + excluded.n
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.verb, coalesce(NEW.compartment_id, 0), coalesce(NEW.sex, ''), tally_age_group(i.start_year, NEW.birth_year), coalesce(NEW.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT incident_id, tally_verb(violation_type) AS verb FROM violations WHERE victim_person_id = NEW.id) w JOIN incidents i ON i.id = w.incident_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group) DO UPDATE SET n = victim_verb_tally.n + excluded.n
    ; RETURN NULL
    ; END $$;

CREATE TRIGGER tally_person_update AFTER UPDATE OF compartment_id, sex, birth_year, sdg_group ON persons
    FOR EACH ROW WHEN (OLD.compartment_id IS DISTINCT FROM NEW.compartment_id OR OLD.sex IS DISTINCT FROM NEW.sex
        OR OLD.birth_year IS DISTINCT FROM NEW.birth_year OR OLD.sdg_group IS DISTINCT FROM NEW.sdg_group)
    EXECUTE FUNCTION tally_person_move();

-- A violation type's verb changed (or a type in use gained or lost one): the verb tally is counted again.
CREATE FUNCTION tally_verb_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM violations WHERE violation_type = NEW.code) THEN RETURN NULL; END IF
    ; IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM violations WHERE violation_type = OLD.code) THEN RETURN NULL; END IF
    ; DELETE FROM victim_verb_tally
    ; INSERT INTO victim_verb_tally (compartment_id, status, start_year, month, country, verb, person_compartment_id, sex, age_group, sdg_group, n)
        SELECT i.compartment_id, i.status, i.start_year, tally_month(i.start_date, i.start_precision), i.country, w.verb,
               coalesce(p.compartment_id, 0), coalesce(p.sex, ''), tally_age_group(i.start_year, p.birth_year), coalesce(p.sdg_group, ''), count(*)
        FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, tally_verb(violation_type) AS verb FROM violations) w
        JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ; RETURN NULL
    ; END $$;

CREATE TRIGGER tally_verb_insert AFTER INSERT ON vocab_terms
    FOR EACH ROW WHEN (NEW.kind = 'violation_type' AND (NEW.attrs::jsonb ->> 'verb') IS NOT NULL)
    EXECUTE FUNCTION tally_verb_change();

CREATE TRIGGER tally_verb_update AFTER UPDATE ON vocab_terms
    FOR EACH ROW WHEN ((OLD.kind = 'violation_type' OR NEW.kind = 'violation_type') AND (OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.code IS DISTINCT FROM NEW.code OR (OLD.attrs::jsonb ->> 'verb') IS DISTINCT FROM (NEW.attrs::jsonb ->> 'verb')))
    EXECUTE FUNCTION tally_verb_change();

CREATE TRIGGER tally_verb_delete AFTER DELETE ON vocab_terms
    FOR EACH ROW WHEN (OLD.kind = 'violation_type' AND (OLD.attrs::jsonb ->> 'verb') IS NOT NULL)
    EXECUTE FUNCTION tally_verb_change();

-- The tally triggers have the same names on both engines (tally.rs TALLY_TRIGGERS): 0018's insert-or-delete
-- trigger becomes two.
DROP TRIGGER incident_tally_insert_delete ON incidents;
CREATE TRIGGER incident_tally_insert AFTER INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_tally_change();
CREATE TRIGGER incident_tally_delete AFTER DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_tally_change();
