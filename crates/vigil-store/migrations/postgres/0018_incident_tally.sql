-- Incidents counted ahead by the properties two-way statistics group them by most often
-- (compartment, status, year, date precision, month, country): a statistics query over
-- these alone sums a few tens of thousands of cells instead of grouping every incident
-- (docs/performance.md). A trigger keeps it exact in the same transaction as every
-- insert, update and delete of an incident, whoever writes it.
CREATE TABLE incident_tally (
    compartment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    start_precision TEXT NOT NULL,
    month TEXT NOT NULL,
    country TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (compartment_id, status, start_year, start_precision, month, country)
);

INSERT INTO incident_tally (compartment_id, status, start_year, start_precision, month, country, n)
SELECT compartment_id, status, start_year, start_precision, substr(start_date, 1, 7), country, count(*)
FROM incidents GROUP BY 1, 2, 3, 4, 5, 6;

-- (The function body's statements end with `;` mid-line: migrations split at a `;` that ends a line.)
CREATE FUNCTION incident_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE incident_tally SET n = n - 1
        WHERE compartment_id = OLD.compartment_id AND status = OLD.status AND start_year = OLD.start_year
          AND start_precision = OLD.start_precision AND month = substr(OLD.start_date, 1, 7) AND country = OLD.country
        ; END IF
    ; IF TG_OP <> 'DELETE' THEN
        INSERT INTO incident_tally (compartment_id, status, start_year, start_precision, month, country, n)
        VALUES (NEW.compartment_id, NEW.status, NEW.start_year, NEW.start_precision, substr(NEW.start_date, 1, 7), NEW.country, 1)
        ON CONFLICT (compartment_id, status, start_year, start_precision, month, country) DO UPDATE SET n = incident_tally.n + 1
        ; END IF
    ; RETURN NULL
    ; END $$;

CREATE TRIGGER incident_tally_insert_delete AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_tally_change();
CREATE TRIGGER incident_tally_update AFTER UPDATE OF compartment_id, status, start_year, start_precision, start_date, country ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_tally_change();
