-- The list page's two statements (capped count, first 50 by date), for
-- pgbench -n -M prepared -c 4 -j 2 -T 10 -f list.sql DB (settings via PGOPTIONS); user 2
-- is a full member of compartment 1 only. See docs/performance.md.
\set cap 1101
\set ps 50
\set off 0
SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE +i.compartment_id IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = 2 AND cm.level = 'full') LIMIT :cap) AS c;
SELECT i.id, i.title, i.start_date, i.start_precision, i.country, i.region, i.status FROM incidents i WHERE +i.compartment_id IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = 2 AND cm.level = 'full') ORDER BY i.start_date DESC, i.id DESC LIMIT :ps OFFSET :off;
