//! Re-keying, for `vigil key rotate` (see `crates/vigil/src/rotate.rs` for the order
//! of the steps and why it is crash-safe).
//!
//! - [`rekey_sqlite`]: `PRAGMA rekey` on one dedicated connection, with the store
//!   closed. SQLCipher re-encrypts every page in one transaction: interrupted, the
//!   database is still whole under the old key.
//! - [`EvidenceFiles::rekeyed_copy`]: an evidence file re-encrypted under another
//!   evidence key (and so under another name); the old file is left in place.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions as _, Connection as _};
use zeroize::Zeroizing;

use crate::backend::{BResult, BackendError};
use crate::evidence::EvidenceFiles;

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
