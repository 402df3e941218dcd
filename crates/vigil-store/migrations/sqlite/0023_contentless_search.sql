-- The full-text tables keep only their index, not a copy of the text they index
-- (FTS5 "contentless", with deletes): nothing reads the text back out of them
-- (searches take rowids; the records hold the text), and the copy was a third of
-- what an import wrote for search. `contentless_delete` keeps `DELETE … WHERE rowid`
-- working, which is how a record's search rows are replaced.
CREATE VIRTUAL TABLE incident_fts_0023 USING fts5(public_text, sensitive_text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO incident_fts_0023 (rowid, public_text, sensitive_text) SELECT rowid, public_text, sensitive_text FROM incident_fts;
DROP TABLE incident_fts;
ALTER TABLE incident_fts_0023 RENAME TO incident_fts;
CREATE VIRTUAL TABLE person_fts_0023 USING fts5(public_text, sensitive_text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO person_fts_0023 (rowid, public_text, sensitive_text) SELECT rowid, public_text, sensitive_text FROM person_fts;
DROP TABLE person_fts;
ALTER TABLE person_fts_0023 RENAME TO person_fts;
