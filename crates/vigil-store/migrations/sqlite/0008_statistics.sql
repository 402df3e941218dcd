-- Statistics (issue 5; crates/vigil-store/src/stats.rs). Grouped counts of incidents
-- read this narrow covering index instead of the wide incident rows (titles,
-- narratives): compartment first, so a reader's compartments are a range of it.
CREATE INDEX incidents_stats ON incidents(compartment_id, status, start_year, country, start_precision, start_date, business_sector);
