-- A list or search page reads each of its rows' violations (type and victim, in the
-- order recorded) by incident: with these columns in the index it reads the index
-- alone, without a seek into the table per violation (docs/performance.md, "Page
-- views"). It replaces the index on incident_id alone, which it begins with.
DROP INDEX violations_incident;
CREATE INDEX violations_incident ON violations(incident_id, position, violation_type, victim_person_id, victim_group_id);
