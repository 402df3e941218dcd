-- Application-level encryption of sensitive fields (see src/cipher.rs). Used on
-- PostgreSQL; on SQLite (encrypted whole by SQLCipher) the table stays empty and the
-- column NULL, but both schemas keep the same names.
-- The check value: a known text sealed under the field key, to refuse a wrong key.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY,
    key_id TEXT NOT NULL,
    check_value TEXT NOT NULL
);

-- On PostgreSQL the coordinates are sealed here ("lat,lon") and latitude/longitude
-- stay NULL: a REAL column cannot hold ciphertext.
ALTER TABLE incidents ADD COLUMN coordinates_enc TEXT;
