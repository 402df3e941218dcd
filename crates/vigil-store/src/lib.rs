//! Vigil's storage: the engine trait ([`backend::Backend`]) with its SQLite (SQLCipher)
//! and PostgreSQL implementations, the domain operations written once on top of it
//! ([`Store`]), and the authorising layer ([`Access`]) that is the only way the web
//! layer reaches records.
//!
//! Error policy: engine errors are [`backend::BackendError`]; everything a caller must
//! handle is a [`StoreError`]. Bound values never appear in error messages or logs.

pub mod access;
pub mod audit;
pub mod auth;
pub mod backend;
pub mod compartments;
pub mod evidence;
mod lookup;
pub mod postgres;
pub mod records;
pub mod snapshot;
pub mod sqlite;

use std::sync::Arc;

pub use access::{Access, Actor};
pub use auth::{NewUser, User};
pub use compartments::{Compartment, Level, Member};
pub use backend::{Backend, BackendError, Dialect, Row, Val};
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
    Postgres {
        url: String,
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
}

impl Store {
    /// Open the engine, bring its schema up to date and install built-in vocabularies.
    pub async fn open(config: StoreConfig, clock: Arc<dyn Clock>) -> Result<Store> {
        let db: Arc<dyn Backend> = match config {
            StoreConfig::Sqlite { path, key } => {
                Arc::new(sqlite::SqliteBackend::open(&path, &key).await?)
            }
            StoreConfig::Postgres { url } => {
                Arc::new(postgres::PostgresBackend::connect(&url).await?)
            }
        };
        Self::with_backend(db, clock).await
    }

    pub async fn with_backend(db: Arc<dyn Backend>, clock: Arc<dyn Clock>) -> Result<Store> {
        db.migrate().await?;
        let store = Store {
            db,
            clock,
            hash_limit: Arc::new(tokio::sync::Semaphore::new(auth::MAX_CONCURRENT_HASHES)),
            policy: Arc::new(auth::AuthPolicy::default()),
            scope: compartments::Scope::default(),
            evidence: None,
        };
        store.install_builtin_vocabularies().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
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

pub(crate) fn parse_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}
