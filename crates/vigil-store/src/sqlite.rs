//! SQLite backend: one file in the data directory, encrypted whole with SQLCipher.
//! WAL, `busy_timeout`, foreign keys on, and `BEGIN IMMEDIATE` for writes so two
//! writers never deadlock upgrading a read lock.
//!
//! Connections are driven directly (rusqlite over the same bundled SQLCipher) from
//! tokio's blocking threads: a statement, its arguments and its whole result are one
//! hand-off to a blocking thread and one back. A driver with a thread per connection
//! that sends each row as a message of its own spent about half of a page view's CPU
//! in thread wake-ups (docs/performance.md, *Page views*).

use async_trait::async_trait;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

use crate::backend::*;

/// At most this many connections at once (readers share the file; one writer at a
/// time, the others wait on `busy_timeout`).
const MAX_CONNECTIONS: usize = 8;
/// Prepared statements kept per connection, by text: every statement Vigil runs is
/// one of a few hundred texts, so each is prepared once per connection.
const STATEMENT_CACHE: usize = 256;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct SqliteBackend {
    pool: Arc<Pool>,
}

/// The key is never printed: only the file.
impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.pool.path)
            .finish_non_exhaustive()
    }
}

struct Pool {
    path: PathBuf,
    /// `"x'…'"`: the raw key as SQLCipher's `PRAGMA key` takes it.
    key: Zeroizing<String>,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
}

impl Pool {
    fn open_connection(&self) -> BResult<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_error)?;
        // The key first: nothing may touch the file before it.
        conn.execute_batch(&Zeroizing::new(format!(
            "PRAGMA key = {};",
            self.key.as_str()
        )))
        .map_err(db_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
        // A wrong key shows here, at the first read of the file.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = memory;",
        )
        .map_err(|e| match db_error(e) {
            BackendError::Db(m) if m.contains("not a database") => BackendError::WrongKey,
            other => other,
        })?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    /// A connection back from its user, kept for the next one. A transaction left
    /// open (a [`Tx`] dropped without commit) is rolled back first; a connection that
    /// cannot roll back, or comes back to a closed pool, is closed instead.
    fn give_back(&self, conn: Connection) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

/// A connection lent out, with its place in the pool. Dropped, it goes back.
struct Lease {
    conn: Option<Connection>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

impl Lease {
    /// Run `f` on the connection on a blocking thread. If the caller stops waiting
    /// (a dropped request), the statement still finishes there and the connection is
    /// closed with it, which rolls back any transaction it was in.
    async fn run<T, F>(&mut self, f: F) -> BResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> BResult<T> + Send + 'static,
    {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| BackendError::Db("the connection was lost".into()))?;
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let out = f(&conn);
            (conn, out)
        })
        .await
        .map_err(|e| BackendError::Db(format!("the database thread failed: {e}")))?;
        self.conn = Some(conn);
        out
    }
}

impl SqliteBackend {
    /// Open (creating if missing) the encrypted database at `path` with a 32-byte key.
    pub async fn open(path: &Path, key: &[u8; 32]) -> BResult<Self> {
        let pool = Arc::new(Pool {
            path: path.to_owned(),
            key: Zeroizing::new(format!("\"x'{}'\"", hex::encode(key))),
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
            closed: AtomicBool::new(false),
        });
        let backend = Self { pool };
        // A file that cannot be opened says so; one that opens but cannot be read
        // with this key is a wrong key. Touch the schema so that shows here, not at
        // the first page view.
        let mut lease = backend.lease().await?;
        lease
            .run(|c| {
                run(c, "SELECT count(*) FROM sqlite_master", &[], true).map_err(|e| match e {
                    BackendError::Db(_) => BackendError::WrongKey,
                    other => other,
                })
            })
            .await?;
        drop(lease);
        Ok(backend)
    }

    async fn lease(&self) -> BResult<Lease> {
        if self.pool.closed.load(Ordering::Acquire) {
            return Err(BackendError::Db("the database is closed".into()));
        }
        let permit = self
            .pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| BackendError::Db("the database is closed".into()))?;
        let idle = self.pool.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let pool = self.pool.clone();
                tokio::task::spawn_blocking(move || pool.open_connection())
                    .await
                    .map_err(|e| BackendError::Db(format!("the database thread failed: {e}")))??
            }
        };
        Ok(Lease {
            conn: Some(conn),
            pool: self.pool.clone(),
            _permit: permit,
        })
    }
}

/// An engine error as Vigil's: unique violations by their code, never a bound value.
fn db_error(e: rusqlite::Error) -> BackendError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        {
            return BackendError::Unique;
        }
        if f.code == rusqlite::ErrorCode::NotADatabase {
            return BackendError::WrongKey;
        }
    }
    BackendError::Db(e.to_string())
}

fn to_sql(v: &Val) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match v {
        Val::Int(Some(n)) => ValueRef::Integer(*n),
        Val::Real(Some(f)) => ValueRef::Real(*f),
        Val::Text(Some(s)) => ValueRef::Text(s.as_bytes()),
        Val::Bool(Some(b)) => ValueRef::Integer(i64::from(*b)),
        Val::Int(None) | Val::Real(None) | Val::Text(None) | Val::Bool(None) => ValueRef::Null,
    })
}

fn decode(v: ValueRef<'_>, column: usize) -> BResult<Val> {
    Ok(match v {
        ValueRef::Null => Val::Text(None),
        ValueRef::Integer(n) => Val::Int(Some(n)),
        ValueRef::Real(f) => Val::Real(Some(f)),
        ValueRef::Text(b) | ValueRef::Blob(b) => Val::Text(Some(
            std::str::from_utf8(b)
                .map_err(|_| BackendError::Db(format!("column {column} is not UTF-8 text")))?
                .to_owned(),
        )),
    })
}

/// Run one statement (prepared once per connection by its text): its rows when
/// `rows` is set, and the number of rows it changed. Parameters are written `$N` (as
/// on PostgreSQL) and bound by that number, so one may appear several times or out
/// of order; a plain `?` takes the next argument.
fn run(conn: &Connection, sql: &str, args: &[Val], rows: bool) -> BResult<(Vec<Row>, u64)> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    let mut next = 0;
    for i in 1..=stmt.parameter_count() {
        let at = match stmt.parameter_name(i) {
            None => {
                next += 1;
                next - 1
            }
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .ok_or_else(|| BackendError::Db(format!("parameter {name} is not written $N")))?,
        };
        let value = args.get(at).ok_or_else(|| {
            BackendError::Db(format!(
                "the statement reads parameter {} but {} were given",
                at + 1,
                args.len()
            ))
        })?;
        stmt.raw_bind_parameter(i, to_sql(value))
            .map_err(db_error)?;
    }
    let columns = stmt.column_count();
    let mut out = Vec::new();
    let mut cursor = stmt.raw_query();
    while let Some(r) = cursor.next().map_err(db_error)? {
        if rows {
            let mut row = Vec::with_capacity(columns);
            for c in 0..columns {
                row.push(decode(r.get_ref(c).map_err(db_error)?, c)?);
            }
            out.push(Row(row));
        }
    }
    drop(cursor);
    Ok((out, conn.changes()))
}

/// A write transaction on its leased connection. Dropped without commit, the lease
/// goes back and [`Pool::give_back`] rolls the transaction back first.
struct SqliteTx {
    lease: Lease,
}

#[async_trait]
impl Tx for SqliteTx {
    async fn query(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let (sql, args) = (sql.to_owned(), args.to_vec());
        self.lease
            .run(move |c| Ok(run(c, &sql, &args, true)?.0))
            .await
    }
    async fn execute(&mut self, sql: &str, args: &[Val]) -> BResult<u64> {
        self.execute_owned(sql, args.to_vec()).await
    }
    async fn execute_owned(&mut self, sql: &str, args: Vec<Val>) -> BResult<u64> {
        let sql = sql.to_owned();
        self.lease
            .run(move |c| Ok(run(c, &sql, &args, false)?.1))
            .await
    }
    async fn script(&mut self, sql: &str) -> BResult<()> {
        let statements: Vec<String> = split_script(sql).into_iter().map(str::to_owned).collect();
        self.lease
            .run(move |c| {
                for s in &statements {
                    run(c, s, &[], false)?;
                }
                Ok(())
            })
            .await
    }
    async fn commit(mut self: Box<Self>) -> BResult<()> {
        self.lease
            .run(|c| c.execute_batch("COMMIT").map_err(db_error))
            .await
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let mut lease = self.lease().await?;
        let (sql, args) = (sql.to_owned(), args.to_vec());
        lease.run(move |c| Ok(run(c, &sql, &args, true)?.0)).await
    }

    async fn begin(&self) -> BResult<Box<dyn Tx>> {
        let mut lease = self.lease().await?;
        lease
            .run(|c| c.execute_batch("BEGIN IMMEDIATE").map_err(db_error))
            .await?;
        Ok(Box::new(SqliteTx { lease }))
    }

    async fn migrate(&self) -> BResult<()> {
        run_migrations(self, SQLITE_MIGRATIONS, "datetime('now')", None).await
    }

    async fn close(&self) {
        self.pool.closed.store(true, Ordering::Release);
        // Wait for every connection lent out, then close them all: the last one to
        // close checkpoints the WAL into the file.
        if let Ok(all) = self.pool.permits.acquire_many(MAX_CONNECTIONS as u32).await {
            let idle = self
                .pool
                .idle
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default();
            let _ = tokio::task::spawn_blocking(move || drop(idle)).await;
            // Whoever still waits for a connection learns that the pool is closed.
            self.pool.permits.close();
            drop(all);
        }
    }
}
