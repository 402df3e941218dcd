-- The list indexes carry the compartment too, so the compartment condition of a list,
-- of its capped count and of a filtered list (country + year + violation type) is
-- checked in the index: only the rows shown are read from the table. On 1,000,000
-- incidents a filtered list went from ~430 ms to ~25 ms (docs/performance.md).
DROP INDEX incidents_country;
CREATE INDEX incidents_country ON incidents(country, start_year, start_date DESC, id DESC, compartment_id);
DROP INDEX incidents_country_start;
CREATE INDEX incidents_country_start ON incidents(country, start_date DESC, id DESC, compartment_id);
DROP INDEX incidents_year;
CREATE INDEX incidents_year ON incidents(start_year, start_date DESC, id DESC, compartment_id);
DROP INDEX incidents_status;
CREATE INDEX incidents_status ON incidents(status, start_date DESC, id DESC, compartment_id);
DROP INDEX incidents_start;
CREATE INDEX incidents_start ON incidents(start_date DESC, id DESC, compartment_id);
