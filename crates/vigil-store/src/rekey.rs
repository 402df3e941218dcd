//! Re-keying, for `vigil key rotate` (see `crates/vigil/src/rotate.rs` for the order
//! of the steps and why it is crash-safe).
//!
//! - [`rekey_sqlite`]: `PRAGMA rekey` on one dedicated connection, with the store
//!   closed. SQLCipher re-encrypts every page in one transaction: interrupted, the
//!   database is still whole under the old key.
//! - [`EvidenceFiles::rekeyed_copy`]: an evidence file re-encrypted under another
//!   evidence key (and so under another name); the old file is left in place.
//! - [`Store::rotate_field_key`]: PostgreSQL's sealed fields and blind index under a
//!   new field key, in one transaction.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions as _, Connection as _};
use zeroize::Zeroizing;

use crate::audit::AuditEntry;
use crate::backend::{BResult, BackendError, Dialect};
use crate::cipher::{FieldCipher, CHECK_COLUMN, CHECK_PLAIN};
use crate::evidence::EvidenceFiles;
use crate::records::{index_text, CONTACTS, LEGAL_NAME};
use crate::{Result, Store};
use std::sync::Arc;

fn key_pragma(key: &[u8; 32]) -> Zeroizing<String> {
    Zeroizing::new(format!("\"x'{}'\"", hex::encode(key)))
}

/// Re-encrypt the SQLCipher database at `path` from `old` to `new`. Every other
/// connection must be closed (the server stopped, the store closed): leaving WAL mode
/// needs the database to itself, so another process holding it open makes this fail
/// with "database is locked" before anything is changed.
pub async fn rekey_sqlite(path: &Path, old: &[u8; 32], new: &[u8; 32]) -> BResult<()> {
    // Rollback-journal mode for the rekey: the WAL is checkpointed and removed first,
    // so no page is left under the old key beside the database. No statement cache: a
    // statement left unfinished would keep a read transaction open.
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .pragma("key", key_pragma(old).as_str().to_owned())
        .journal_mode(SqliteJournalMode::Delete)
        .busy_timeout(Duration::from_secs(2))
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let mut conn = opts
        .connect()
        .await
        .map_err(|e| match BackendError::from(e) {
            BackendError::Db(m) if m.contains("not a database") => BackendError::WrongKey,
            BackendError::Db(m) if m.contains("locked") => in_use(),
            other => other,
        })?;
    let mode: Vec<String> = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_all(&mut conn)
        .await?;
    if !mode.concat().eq_ignore_ascii_case("delete") {
        return Err(in_use());
    }
    let rekey = Zeroizing::new(format!("PRAGMA rekey = {}", key_pragma(new).as_str()));
    sqlx::raw_sql(rekey.as_str())
        .execute(&mut conn)
        .await
        .map_err(|e| match BackendError::from(e) {
            BackendError::Db(m) if m.contains("locked") => in_use(),
            other => other,
        })?;
    conn.close().await?;

    // Back to WAL, under the new key (and a check that it opens).
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .pragma("key", key_pragma(new).as_str().to_owned())
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(2))
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let mut conn = opts.connect().await?;
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .fetch_all(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Every evidence file's SHA-256, read on one dedicated connection that is closed
/// before this returns (a pool lets go of its connections in the background, which
/// would make the rekey that follows find the database in use).
pub async fn sqlite_evidence_hashes(path: &Path, key: &[u8; 32]) -> BResult<Vec<String>> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .pragma("key", key_pragma(key).as_str().to_owned())
        .busy_timeout(Duration::from_secs(10))
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let mut conn = opts
        .connect()
        .await
        .map_err(|e| match BackendError::from(e) {
            BackendError::Db(m) if m.contains("not a database") => BackendError::WrongKey,
            other => other,
        })?;
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| match BackendError::from(e) {
                BackendError::Db(m) if m.contains("not a database") => BackendError::WrongKey,
                other => other,
            })?;
    conn.close().await?;
    Ok(hashes)
}

fn in_use() -> BackendError {
    BackendError::Config(
        "the database is in use: stop the server and every other vigil command first".to_owned(),
    )
}

impl EvidenceFiles {
    /// Read the file of `sha256` under this key (checking it) and write it again
    /// under `to`'s key. Returns the new file's path. The old file stays.
    pub fn rekeyed_copy(
        &self,
        sha256: &str,
        to: &EvidenceFiles,
    ) -> std::result::Result<std::path::PathBuf, String> {
        let plain = Zeroizing::new(
            self.read(sha256)
                .map_err(|e| format!("evidence file {sha256}: {e}"))?,
        );
        to.write(sha256, &plain)
            .map_err(|e| format!("cannot write evidence file {sha256}: {e}"))?;
        Ok(to.path_of(sha256))
    }
}

/// What [`Store::rotate_field_key`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRotation {
    /// The key id values were sealed under, and the one they are sealed under now.
    pub old_key_id: String,
    pub new_key_id: String,
    /// Values opened and sealed again, per `table.column`.
    pub columns: Vec<(String, u64)>,
    /// Persons and incidents whose blind index was computed again.
    pub reindexed: u64,
}

impl FieldRotation {
    pub fn values(&self) -> u64 {
        self.columns.iter().map(|(_, n)| n).sum()
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// PostgreSQL: seal every sensitive value again under `new_key`, compute the blind
    /// index again under its subkey, replace the key check and write `audit`, **in one
    /// transaction**: interrupted (or failing on any value), nothing has changed and
    /// the current key still opens everything; committed, only `new_key` does.
    ///
    /// Sealed values are found by their prefix `v1:<current key id>:` in every text
    /// column of the schema (so a sealed column added later is not forgotten), opened
    /// with their `table.column` as associated data, and sealed again. The tables are
    /// locked against writers for the duration; stop every server first all the same,
    /// since one still running would go on sealing under the old key afterwards.
    pub async fn rotate_field_key(
        &self,
        new_key: &[u8; 32],
        audit: AuditEntry,
    ) -> Result<FieldRotation> {
        let (Some(old), Dialect::Postgres) = (self.cipher.clone(), self.dialect()) else {
            return Err(BackendError::Config(
                "only a PostgreSQL store seals fields with a field key; the embedded database is re-keyed whole".to_owned(),
            )
            .into());
        };
        let new = Arc::new(FieldCipher::new(new_key));
        if new.key_id() == old.key_id() {
            return Err(BackendError::Config("the new key is the current key".to_owned()).into());
        }
        let mut tx = self.db.begin().await?;
        // One rotation at a time; and the key check read again inside the transaction.
        tx.execute("LOCK TABLE key_check IN EXCLUSIVE MODE", &[])
            .await?;
        let check = tx
            .query("SELECT check_value FROM key_check WHERE id = 1", &[])
            .await?;
        match check.first().map(|r| old.open(CHECK_COLUMN, &r.text(0))) {
            Some(Ok(p)) if p == CHECK_PLAIN => {}
            _ => {
                return Err(BackendError::Config(
                    "the current key no longer opens the key check (another rotation finished first?); nothing was changed".to_owned(),
                )
                .into())
            }
        }
        let columns = tx
            .query(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c
                 JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                   AND c.data_type IN ('text', 'character varying')
                 ORDER BY c.table_name, c.column_name",
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.text(0), r.text(1)))
            .collect::<Vec<_>>();
        let mut tables: Vec<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
        tables.dedup();
        // Writers wait until the rotation commits (readers do not).
        let list = tables
            .iter()
            .map(|t| quote_ident(t))
            .collect::<Vec<_>>()
            .join(", ");
        if !list.is_empty() {
            tx.execute(
                &format!("LOCK TABLE {list} IN SHARE ROW EXCLUSIVE MODE"),
                &[],
            )
            .await?;
        }
        let prefix = format!("v1:{}:%", old.key_id());
        let mut report = FieldRotation {
            old_key_id: old.key_id().to_owned(),
            new_key_id: new.key_id().to_owned(),
            columns: Vec::new(),
            reindexed: 0,
        };
        for (table, column) in &columns {
            let (t, c) = (quote_ident(table), quote_ident(column));
            let aad = format!("{table}.{column}");
            let rows = tx
                .query(
                    &format!("SELECT ctid::text, {c} FROM {t} WHERE {c} LIKE $1"),
                    &[prefix.clone().into()],
                )
                .await?;
            if rows.is_empty() {
                continue;
            }
            for r in &rows {
                let plain = Zeroizing::new(old.open(&aad, &r.text(1)).map_err(|e| {
                    BackendError::Config(format!(
                        "{aad}, row {}: {e}; the rotation stopped and nothing was changed",
                        r.text(0)
                    ))
                })?);
                tx.execute(
                    &format!("UPDATE {t} SET {c} = $1 WHERE ctid = $2::tid"),
                    &[new.seal(&aad, &plain).into(), r.text(0).into()],
                )
                .await?;
            }
            report.columns.push((aad, rows.len() as u64));
        }
        tx.execute(
            "UPDATE key_check SET key_id = $1 WHERE id = 1",
            &[new.key_id().to_owned().into()],
        )
        .await?;

        // The blind index, from the values just sealed again, under the new key.
        let under_new = Store {
            cipher: Some(new.clone()),
            ..self.clone()
        };
        for r in tx
            .query(
                "SELECT id, code, legal_name, contacts FROM persons ORDER BY id",
                &[],
            )
            .await?
        {
            let sensitive = Zeroizing::new(format!(
                "{} {}",
                under_new.unseal(LEGAL_NAME, r.text(2))?,
                under_new.unseal(CONTACTS, r.text(3))?
            ));
            index_text(
                &mut tx,
                Dialect::Postgres,
                Some(&new),
                "person",
                r.int(0),
                &r.text(1),
                &sensitive,
            )
            .await?;
            report.reindexed += 1;
        }
        for r in tx
            .query("SELECT id FROM incidents ORDER BY id", &[])
            .await?
        {
            under_new.reindex_incident(&mut tx, r.int(0)).await?;
            report.reindexed += 1;
        }
        let audit = audit
            .with("old_key_id", report.old_key_id.clone())
            .with("new_key_id", report.new_key_id.clone())
            .with("values", report.values() as i64)
            .with("records_reindexed", report.reindexed as i64);
        self.audit_in(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(report)
    }
}
