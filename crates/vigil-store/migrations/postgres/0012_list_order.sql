-- Incident lists are ordered newest first (start_date DESC, id DESC) and show one page.
-- With an equality filter on country, year or status, these indexes give the rows in
-- that order, so a page reads about a page of rows instead of sorting every match.
CREATE INDEX incidents_country_start ON incidents(country, start_date DESC, id DESC);
DROP INDEX incidents_year;
CREATE INDEX incidents_year ON incidents(start_year, start_date DESC, id DESC);
DROP INDEX incidents_status;
CREATE INDEX incidents_status ON incidents(status, start_date DESC, id DESC);
