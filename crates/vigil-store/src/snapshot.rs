//! A consistent copy of the embedded database, taken while the server keeps serving:
//! the raw material of `vigil backup`. It must never produce a copy in clear: with
//! SQLCipher, `VACUUM INTO` writes the copy encrypted with the same key, and we check
//! that it did before handing the file back.
//!
//! Why `VACUUM INTO`: it runs as one read transaction on a connection of the open pool,
//! so in WAL mode it sees one committed state while writers go on, and it inherits the
//! connection's key. (The online backup API would need raw FFI handles, and this
//! workspace forbids `unsafe`.)

use std::path::Path;

use crate::backend::{BackendError, Dialect};
use crate::{Result, Store};

/// What an unencrypted SQLite file starts with.
const PLAIN_SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Why PostgreSQL has no `snapshot_to`: its backups are a dump ([`crate::pgdump`]).
pub const POSTGRES_SNAPSHOT_UNSUPPORTED: &str = "a snapshot file is of the embedded database only; a PostgreSQL database is backed up as a dump (`vigil backup --database-url`, vigil_store::pgdump)";

impl Store {
    /// Write a consistent, encrypted copy of the whole database to `path`, a file that
    /// must not exist yet. On SQLite the copy is a SQLCipher database under the same key
    /// (open it with the same key); it is refused and removed if it is not encrypted.
    /// PostgreSQL is refused with [`POSTGRES_SNAPSHOT_UNSUPPORTED`].
    pub async fn snapshot_to(&self, path: &Path) -> Result<()> {
        if self.db.dialect() == Dialect::Postgres {
            return Err(BackendError::Config(POSTGRES_SNAPSHOT_UNSUPPORTED.to_owned()).into());
        }
        if tokio::fs::try_exists(path).await.unwrap_or(true) {
            return Err(BackendError::Config("the snapshot file already exists".to_owned()).into());
        }
        let Some(target) = path.to_str() else {
            return Err(
                BackendError::Config("the snapshot path is not valid UTF-8".to_owned()).into(),
            );
        };
        self.db.query("VACUUM INTO $1", &[target.into()]).await?;
        if !starts_encrypted(path).await? {
            let _ = tokio::fs::remove_file(path).await;
            return Err(BackendError::Config(
                "the snapshot came out unencrypted (is this SQLite built with SQLCipher?); it was removed"
                    .to_owned(),
            )
            .into());
        }
        Ok(())
    }
}

/// True when the file does not start with SQLite's clear-text header. (SQLCipher's
/// first page is encrypted whole, salt included, so it looks random.)
async fn starts_encrypted(path: &Path) -> Result<bool> {
    use tokio::io::AsyncReadExt as _;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| BackendError::Db(format!("cannot read the snapshot: {e}")))?;
    let mut head = [0u8; 16];
    let n = file
        .read(&mut head)
        .await
        .map_err(|e| BackendError::Db(format!("cannot read the snapshot: {e}")))?;
    Ok(n == head.len() && &head != PLAIN_SQLITE_HEADER)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::StoreConfig;
    use std::sync::Arc;
    use vigil_domain::FixedClock;

    #[tokio::test]
    async fn snapshot_is_encrypted_and_opens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = zeroize::Zeroizing::new([7u8; 32]);
        let clock = Arc::new(FixedClock::new(chrono::DateTime::UNIX_EPOCH));
        let store = Store::open(
            StoreConfig::Sqlite {
                path: dir.path().join("vigil.db"),
                key: key.clone(),
            },
            clock.clone(),
        )
        .await
        .unwrap();
        let snap = dir.path().join("snap.db");
        store.snapshot_to(&snap).await.unwrap();
        let bytes = std::fs::read(&snap).unwrap();
        assert!(bytes.len() > 4096);
        assert!(!bytes.starts_with(b"SQLite format 3"));
        // A second snapshot to the same path is refused, the first left intact.
        assert!(store.snapshot_to(&snap).await.is_err());
        assert_eq!(std::fs::read(&snap).unwrap(), bytes);
        store.close().await;

        let copy = Store::open(
            StoreConfig::Sqlite {
                path: snap.clone(),
                key,
            },
            clock.clone(),
        )
        .await
        .unwrap();
        assert!(!copy.vocabularies().await.unwrap().all().is_empty());
        copy.close().await;

        let wrong = Store::open(
            StoreConfig::Sqlite {
                path: snap,
                key: zeroize::Zeroizing::new([8u8; 32]),
            },
            clock,
        )
        .await;
        assert!(wrong.is_err());
    }
}
