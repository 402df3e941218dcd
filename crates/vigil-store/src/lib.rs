//! Vigil's storage: the engine trait ([`backend::Backend`]) with its SQLite (SQLCipher)
//! and PostgreSQL implementations, the domain operations written once on top of it
//! ([`Store`]), and the authorising layer ([`Access`]) that is the only way the web
//! layer reaches records.
//!
//! Error policy: engine errors are [`backend::BackendError`]; everything a caller must
//! handle is a [`StoreError`]. Bound values never appear in error messages or logs.

pub mod access;
pub mod audit;
pub mod audit_batch;
pub mod auth;
pub mod backend;
pub mod bulk;
pub mod cases;
pub mod cipher;
pub mod compartments;
pub mod detentions;
pub mod evidence;
mod lookup;
pub mod pgdump;
pub mod postgres;
pub mod public;
pub mod read_cache;
pub mod records;
pub mod rekey;
pub mod releases;
pub mod resolutions;
pub mod session_cache;
pub mod snapshot;
pub mod sqlite;
pub mod stats;
pub mod tally;
pub mod un_comms;

use std::sync::Arc;

pub use access::{Access, Actor};
pub use auth::{NewUser, User};
pub use backend::{Backend, BackendError, Dialect, Row, Val};
pub use compartments::{Compartment, Level, Member};
use vigil_domain::validate::FieldErrors;
use vigil_domain::Clock;

/// What a caller of the store must be ready for.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("the record was changed by someone else since it was opened (now at version {0})")]
    Conflict(i64),
}

impl From<FieldErrors> for StoreError {
    fn from(e: FieldErrors) -> Self {
        StoreError::Invalid(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the data lives.
pub enum StoreConfig {
    Sqlite {
        path: std::path::PathBuf,
        key: zeroize::Zeroizing<[u8; 32]>,
    },
    /// `key` is the field key (a subkey of the master key): sensitive columns are
    /// encrypted with it (see [`cipher`]). Opening without one is refused.
    Postgres {
        url: String,
        key: Option<zeroize::Zeroizing<[u8; 32]>>,
    },
}

/// Vigil's records on one engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Arc<dyn Backend>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hash_limit: Arc<tokio::sync::Semaphore>,
    /// Session lifetimes, required second factor, hash cost (see `auth::AuthPolicy`).
    pub(crate) policy: Arc<auth::AuthPolicy>,
    /// Whose compartments reads are limited to, and where new records go
    /// (see `compartments.rs`). Unlimited on the store `open` returns.
    pub(crate) scope: compartments::Scope,
    /// Where evidence files are kept, encrypted (see `evidence.rs`); `None` refuses uploads.
    pub(crate) evidence: Option<Arc<evidence::EvidenceFiles>>,
    /// Seals sensitive fields on PostgreSQL; `None` on SQLite (encrypted whole).
    pub(crate) cipher: Option<Arc<cipher::FieldCipher>>,
    /// Live sessions read recently, shared by every clone (see `session_cache.rs`).
    pub(crate) sessions: Arc<session_cache::SessionCache>,
    /// Vocabularies and per-compartment counts read recently (see `read_cache.rs`).
    pub(crate) reads: Arc<read_cache::ReadCache>,
    /// Audit entries waiting to be appended together (see `audit_batch.rs`).
    pub(crate) audit_batch: Arc<audit_batch::AuditBatch>,
}

impl Store {
    /// Open the engine, bring its schema up to date and install built-in vocabularies.
    pub async fn open(config: StoreConfig, clock: Arc<dyn Clock>) -> Result<Store> {
        let db: Arc<dyn Backend> = match config {
            StoreConfig::Sqlite { path, key } => {
                Arc::new(sqlite::SqliteBackend::open(&path, &key).await?)
            }
            StoreConfig::Postgres { url, key } => {
                let Some(key) = key else {
                    return Err(BackendError::Config(
                        "a PostgreSQL store needs the master key: its sensitive fields are encrypted with it".to_owned(),
                    )
                    .into());
                };
                let db: Arc<dyn Backend> =
                    Arc::new(postgres::PostgresBackend::connect(&url).await?);
                let cipher = Arc::new(cipher::FieldCipher::new(&key));
                return Self::build(db, clock, Some(cipher)).await;
            }
        };
        Self::with_backend(db, clock).await
    }

    /// A store on an engine without field encryption (SQLite, encrypted whole).
    pub async fn with_backend(db: Arc<dyn Backend>, clock: Arc<dyn Clock>) -> Result<Store> {
        Self::build(db, clock, None).await
    }

    async fn build(
        db: Arc<dyn Backend>,
        clock: Arc<dyn Clock>,
        cipher: Option<Arc<cipher::FieldCipher>>,
    ) -> Result<Store> {
        db.migrate().await?;
        let store = Store {
            db,
            clock,
            hash_limit: Arc::new(tokio::sync::Semaphore::new(auth::MAX_CONCURRENT_HASHES)),
            policy: Arc::new(auth::AuthPolicy::default()),
            scope: compartments::Scope::default(),
            evidence: None,
            cipher,
            sessions: Arc::default(),
            reads: Arc::default(),
            audit_batch: Arc::default(),
        };
        store.check_field_key().await?;
        store.install_builtin_vocabularies().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The same store (key, clock, caches) over another handle to its engine: for
    /// tests that wrap the engine, to count the statements a page costs. Not for
    /// application code.
    #[doc(hidden)]
    pub fn over(&self, db: Arc<dyn Backend>) -> Store {
        Store { db, ..self.clone() }
    }

    /// The engine underneath, for tests that must reach past the store (tampering
    /// with the audit log as an insider would). Not for application code.
    #[doc(hidden)]
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.db
    }

    pub(crate) fn now_text(&self) -> String {
        self.clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Is the database reachable? For `/healthz`.
    pub async fn healthy(&self) -> bool {
        self.db.query("SELECT 1", &[]).await.is_ok()
    }
}

impl Store {
    /// Is this store sealing sensitive fields (PostgreSQL)?
    pub fn encrypts_fields(&self) -> bool {
        self.cipher.is_some()
    }

    /// Seal a sensitive value for `column` (`"table.column"`); as is on SQLite.
    pub(crate) fn seal(&self, column: &str, plain: &str) -> String {
        match &self.cipher {
            Some(c) => c.seal(column, plain),
            None => plain.to_owned(),
        }
    }

    /// [`Store::seal`] of an optional value (`None` stays `None`).
    pub(crate) fn seal_opt(&self, column: &str, plain: Option<&str>) -> Option<String> {
        plain.map(|p| self.seal(column, p))
    }

    /// Open a value [`Store::seal`] wrote. An empty stored value (a column default) is
    /// empty; anything else that does not open is an error, never shown as is.
    pub(crate) fn unseal(&self, column: &str, stored: String) -> Result<String> {
        match &self.cipher {
            Some(_) if stored.is_empty() => Ok(stored),
            Some(c) => c
                .open(column, &stored)
                .map_err(|e| StoreError::Backend(BackendError::Db(format!("{column}: {e}")))),
            None => Ok(stored),
        }
    }

    pub(crate) fn unseal_opt(
        &self,
        column: &str,
        stored: Option<String>,
    ) -> Result<Option<String>> {
        stored.map(|s| self.unseal(column, s)).transpose()
    }

    /// Refuse a wrong field key: the first open stores a check value sealed under the
    /// key; later opens must be able to open it.
    async fn check_field_key(&self) -> Result<()> {
        let Some(c) = &self.cipher else {
            return Ok(());
        };
        let wrong = || {
            StoreError::Backend(BackendError::Config(
                "the database cannot be opened with this key: its sensitive fields were encrypted under another key (key id in key_check)".to_owned(),
            ))
        };
        for _ in 0..2 {
            let rows = self
                .db
                .query(
                    "SELECT key_id, check_value FROM key_check WHERE id = 1",
                    &[],
                )
                .await?;
            if let Some(r) = rows.first() {
                return match c.open(cipher::CHECK_COLUMN, &r.text(1)) {
                    Ok(p) if p == cipher::CHECK_PLAIN => Ok(()),
                    _ => Err(wrong()),
                };
            }
            let records = self
                .db
                .query(
                    "SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM incidents) + (SELECT COUNT(*) FROM user_totp)",
                    &[],
                )
                .await?;
            if records.first().map(|r| r.int(0)).unwrap_or(0) > 0 {
                return Err(StoreError::Backend(BackendError::Config(
                    "this PostgreSQL database holds records written before field encryption; export them from the old version and import them into a fresh database".to_owned(),
                )));
            }
            let mut tx = self.db.begin().await?;
            let ins = tx
                .execute(
                    "INSERT INTO key_check (id, key_id, check_value) VALUES (1, $1, $2)",
                    &[
                        c.key_id().into(),
                        c.seal(cipher::CHECK_COLUMN, cipher::CHECK_PLAIN).into(),
                    ],
                )
                .await;
            match ins {
                Ok(_) => {
                    tx.commit().await?;
                    return Ok(());
                }
                // Another instance wrote it first: read it again.
                Err(BackendError::Unique) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(wrong())
    }
}

pub(crate) fn parse_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}
