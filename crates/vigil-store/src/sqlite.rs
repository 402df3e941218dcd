//! SQLite backend: one file in the data directory, encrypted whole with SQLCipher.
//! WAL, `busy_timeout`, foreign keys on, and `BEGIN IMMEDIATE` for writes so two
//! writers never deadlock upgrading a read lock.
//!
//! Connections are driven directly (rusqlite over the same bundled SQLCipher) from
//! tokio's blocking threads: a statement, its arguments and its whole result are one
//! hand-off to a blocking thread and one back. A driver with a thread per connection
//! that sends each row as a message of its own spent about half of a page view's CPU
//! in thread wake-ups (docs/performance.md, *Page views*).
//!
//! **Read snapshots kept across reads.** A SQLite connection drops its whole page
//! cache when it starts a read transaction and finds that anyone has committed since
//! its last one; with SQLCipher every page read again is decrypted and its HMAC
//! checked. Every audited read commits an audit entry, so under load every statement
//! found a cold cache. A connection therefore keeps the read transaction of its last
//! `SELECT` open and serves the next `SELECT` from the same snapshot, as long as
//! - no transaction of this process has committed a change to anything but the audit
//!   chain since (a generation counter, bumped by every commit that wrote data: a
//!   change is seen by every read that starts after the commit returned),
//! - the statement does not read the audit chain (`audit_…` tables are always read
//!   fresh), and
//! - the snapshot is younger than [`SNAPSHOT_MAX_AGE`] (which bounds how late a
//!   change made by another process, such as a `vigil` command run beside the server,
//!   is seen, and how long a snapshot can hold back a checkpoint of the WAL).
//!
//! Anything else ends the snapshot first: a write transaction, a statement that is
//! not a plain `SELECT`, an error. Idle connections give their snapshots up once they
//! are older than [`SNAPSHOT_MAX_AGE`], so an idle server holds none.

use async_trait::async_trait;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
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
/// A connection's read snapshot is reused for at most this long (see the module
/// comment).
const SNAPSHOT_MAX_AGE: Duration = Duration::from_millis(100);

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
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
    /// Bumped after every commit of this process that changed data (anything but the
    /// audit chain): a read snapshot taken before it is not used again.
    data_generation: AtomicU64,
}

/// A connection and the read snapshot it holds open, if any.
struct Conn {
    conn: Connection,
    snapshot: Option<Snapshot>,
}

/// An open read transaction: the data generation when it began, and when.
#[derive(Clone, Copy)]
struct Snapshot {
    generation: u64,
    since: Instant,
}

impl Conn {
    /// End the read snapshot, if one is open.
    fn end_snapshot(&mut self) -> BResult<()> {
        if self.snapshot.take().is_some() && !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT").map_err(db_error)?;
        }
        Ok(())
    }

    /// A statement run outside a write transaction: a plain `SELECT` from the
    /// connection's read snapshot (begun here, or kept from an earlier read if it is
    /// still current); anything else on its own, after ending the snapshot.
    fn read(&mut self, pool: &Pool, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let head = sql.trim_start();
        let select = (starts_with_word(head, "SELECT") || starts_with_word(head, "WITH"))
            && self.conn.prepare_cached(sql).map_err(db_error)?.readonly();
        let fresh = !select || sql.contains("audit_");
        let generation = pool.data_generation.load(Ordering::Acquire);
        if let Some(snap) = self.snapshot {
            if !fresh && snap.generation == generation && snap.since.elapsed() < SNAPSHOT_MAX_AGE {
                return self.read_in_snapshot(sql, args);
            }
            self.end_snapshot()?;
        }
        if !select {
            let (rows, _, data) = run(&self.conn, sql, args, true)?;
            if data {
                pool.data_generation.fetch_add(1, Ordering::AcqRel);
            }
            return Ok(rows);
        }
        if fresh {
            return Ok(run(&self.conn, sql, args, true)?.0);
        }
        self.conn.execute_batch("BEGIN").map_err(db_error)?;
        self.snapshot = Some(Snapshot {
            generation,
            since: Instant::now(),
        });
        self.read_in_snapshot(sql, args)
    }

    fn read_in_snapshot(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        match run(&self.conn, sql, args, true) {
            Ok((rows, _, _)) => Ok(rows),
            Err(e) => {
                // Whatever went wrong, the next read starts afresh.
                let _ = self.end_snapshot();
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                Err(e)
            }
        }
    }
}

/// Whether `sql` begins with the keyword `word` (any case).
fn starts_with_word(sql: &str, word: &str) -> bool {
    sql.get(..word.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(word))
        && sql[word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

impl Pool {
    fn open_connection(&self) -> BResult<Conn> {
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
        Ok(Conn {
            conn,
            snapshot: None,
        })
    }

    /// A connection back from its user, kept for the next one, with its read
    /// snapshot. A write transaction left open (a [`Tx`] dropped without commit) is
    /// rolled back first; a connection that cannot roll back, or comes back to a
    /// closed pool, is closed instead.
    fn give_back(&self, conn: Conn) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        if conn.snapshot.is_none()
            && !conn.conn.is_autocommit()
            && conn.conn.execute_batch("ROLLBACK").is_err()
        {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

/// A connection lent out, with its place in the pool. Dropped, it goes back.
struct Lease {
    conn: Option<Conn>,
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
        self.run_mut(move |c| f(&c.conn)).await
    }

    /// [`Lease::run`] with the connection's snapshot state.
    async fn run_mut<T, F>(&mut self, f: F) -> BResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> BResult<T> + Send + 'static,
    {
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| BackendError::Db("the connection was lost".into()))?;
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let out = f(&mut conn);
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
            data_generation: AtomicU64::new(0),
        });
        tokio::spawn(release_idle_snapshots(Arc::downgrade(&pool)));
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

/// Every [`SNAPSHOT_MAX_AGE`], end the read snapshots idle connections have held that
/// long, so that an idle server holds none (a snapshot keeps a checkpoint from
/// emptying the WAL). Stops when the pool is dropped or closed.
async fn release_idle_snapshots(pool: Weak<Pool>) {
    let mut tick = tokio::time::interval(SNAPSHOT_MAX_AGE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(pool) = pool.upgrade() else { return };
        if pool.closed.load(Ordering::Acquire) {
            return;
        }
        // Taken out as a lease takes them, each with its permit.
        let mut stale = Vec::new();
        while let Ok(permit) = pool.permits.clone().try_acquire_owned() {
            let conn = pool.idle.lock().ok().and_then(|mut idle| {
                let at = idle.iter().position(|c| {
                    c.snapshot
                        .is_some_and(|s| s.since.elapsed() >= SNAPSHOT_MAX_AGE)
                })?;
                Some(idle.swap_remove(at))
            });
            match conn {
                Some(conn) => stale.push((conn, permit)),
                None => break,
            }
        }
        if stale.is_empty() {
            continue;
        }
        let back = pool.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for (mut conn, permit) in stale {
                if conn.end_snapshot().is_ok() {
                    back.give_back(conn);
                }
                drop(permit);
            }
        })
        .await;
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
/// `rows` is set, the number of rows it changed, and whether it may have changed data
/// (anything but an append to the audit chain: see the module comment). Parameters
/// are written `$N` (as on PostgreSQL) and bound by that number, so one may appear
/// several times or out of order; a plain `?` takes the next argument.
fn run(conn: &Connection, sql: &str, args: &[Val], rows: bool) -> BResult<(Vec<Row>, u64, bool)> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    let data = !stmt.readonly() && !appends_to_audit_chain(sql);
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
    Ok((out, conn.changes(), data))
}

/// The statements that write the audit chain and nothing else.
fn appends_to_audit_chain(sql: &str) -> bool {
    sql.starts_with("INSERT INTO audit_log ") || sql.starts_with("UPDATE audit_head ")
}

/// A write transaction on its leased connection. Dropped without commit, the lease
/// goes back and [`Pool::give_back`] rolls the transaction back first.
struct SqliteTx {
    lease: Lease,
    /// Whether a statement of this transaction may have changed data.
    data: bool,
}

#[async_trait]
impl Tx for SqliteTx {
    async fn query(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let (sql, args) = (sql.to_owned(), args.to_vec());
        let (rows, _, data) = self.lease.run(move |c| run(c, &sql, &args, true)).await?;
        self.data |= data;
        Ok(rows)
    }
    async fn execute(&mut self, sql: &str, args: &[Val]) -> BResult<u64> {
        self.execute_owned(sql, args.to_vec()).await
    }
    async fn execute_owned(&mut self, sql: &str, args: Vec<Val>) -> BResult<u64> {
        let sql = sql.to_owned();
        let (_, changed, data) = self.lease.run(move |c| run(c, &sql, &args, false)).await?;
        self.data |= data;
        Ok(changed)
    }
    async fn script(&mut self, sql: &str) -> BResult<()> {
        let statements: Vec<String> = split_script(sql).into_iter().map(str::to_owned).collect();
        self.data = true;
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
        let data = self.data;
        let pool = self.lease.pool.clone();
        self.lease
            .run(move |c| {
                c.execute_batch("COMMIT").map_err(db_error)?;
                // Before anyone hears of the commit, so every read after it sees it.
                if data {
                    pool.data_generation.fetch_add(1, Ordering::AcqRel);
                }
                Ok(())
            })
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
        let pool = self.pool.clone();
        lease.run_mut(move |c| c.read(&pool, &sql, &args)).await
    }

    async fn begin(&self) -> BResult<Box<dyn Tx>> {
        let mut lease = self.lease().await?;
        lease
            .run_mut(|c| {
                c.end_snapshot()?;
                c.conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)
            })
            .await?;
        Ok(Box::new(SqliteTx { lease, data: false }))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    async fn open(dir: &Path) -> SqliteBackend {
        let db = SqliteBackend::open(&dir.join("t.db"), &[7u8; 32])
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.script(
            "CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY, what TEXT NOT NULL)",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        db
    }

    async fn count(db: &SqliteBackend, table: &str) -> i64 {
        db.query(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()[0]
            .int(0)
    }

    /// Hold `n` connections at once, each with a read snapshot, and give them back.
    async fn snapshots_on_every_connection(db: &SqliteBackend, n: usize) {
        let mut leases = Vec::new();
        for _ in 0..n {
            let mut lease = db.lease().await.unwrap();
            let pool = db.pool.clone();
            lease
                .run_mut(move |c| c.read(&pool, "SELECT count(*) FROM things", &[]))
                .await
                .unwrap();
            assert!(lease.conn.as_ref().unwrap().snapshot.is_some());
            leases.push(lease);
        }
    }

    fn snapshots(db: &SqliteBackend) -> Vec<Option<u64>> {
        db.pool
            .idle
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.snapshot.map(|s| s.generation))
            .collect()
    }

    #[tokio::test]
    async fn a_committed_change_is_read_on_every_connection_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path()).await;
        snapshots_on_every_connection(&db, MAX_CONNECTIONS).await;
        assert_eq!(snapshots(&db).iter().flatten().count(), MAX_CONNECTIONS);
        let generation = db.pool.data_generation.load(Ordering::Acquire);
        let mut tx = db.begin().await.unwrap();
        tx.execute("INSERT INTO things (name) VALUES ('one')", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Every snapshot taken before is out of date at once, whatever its age.
        assert_eq!(
            db.pool.data_generation.load(Ordering::Acquire),
            generation + 1
        );
        // Whichever connection each read gets, it sees the new row.
        for _ in 0..MAX_CONNECTIONS * 2 {
            let reads: Vec<i64> = futures_join(&db, MAX_CONNECTIONS).await;
            assert!(reads.iter().all(|&n| n == 1), "{reads:?}");
        }
        // A write outside a transaction is a change too.
        db.query("INSERT INTO things (name) VALUES ('two') RETURNING id", &[])
            .await
            .unwrap();
        assert_eq!(
            db.pool.data_generation.load(Ordering::Acquire),
            generation + 2
        );
        let reads = futures_join(&db, MAX_CONNECTIONS).await;
        assert!(reads.iter().all(|&n| n == 2), "{reads:?}");
    }

    /// `n` reads at once, each holding its connection until all have read.
    async fn futures_join(db: &SqliteBackend, n: usize) -> Vec<i64> {
        let barrier = Arc::new(tokio::sync::Barrier::new(n));
        let mut tasks = Vec::new();
        for _ in 0..n {
            let (db, barrier) = (db.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let mut lease = db.lease().await.unwrap();
                let pool = db.pool.clone();
                let rows = lease
                    .run_mut(move |c| c.read(&pool, "SELECT count(*) FROM things", &[]))
                    .await
                    .unwrap();
                barrier.wait().await;
                rows[0].int(0)
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn an_audit_append_keeps_snapshots_but_the_chain_is_read_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path()).await;
        snapshots_on_every_connection(&db, 3).await;
        assert_eq!(snapshots(&db).iter().flatten().count(), 3);
        let generation = db.pool.data_generation.load(Ordering::Acquire);
        let mut tx = db.begin().await.unwrap();
        tx.execute("INSERT INTO audit_log (what) VALUES ('read 1')", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The other connections' snapshots are still current (their caches kept)…
        assert_eq!(db.pool.data_generation.load(Ordering::Acquire), generation);
        assert_eq!(snapshots(&db).iter().flatten().count(), 2);
        // …and the chain itself is read as it is now, on any connection.
        for _ in 0..6 {
            assert_eq!(count(&db, "audit_log").await, 1);
        }
        // Any other write in the same transaction makes it a change of data.
        let mut tx = db.begin().await.unwrap();
        tx.execute("INSERT INTO audit_log (what) VALUES ('made one')", &[])
            .await
            .unwrap();
        tx.execute("INSERT INTO things (name) VALUES ('one')", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            db.pool.data_generation.load(Ordering::Acquire),
            generation + 1
        );
    }

    #[tokio::test]
    async fn another_process_change_is_seen_once_snapshots_age_and_idle_ones_are_given_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path()).await;
        let other = SqliteBackend::open(&dir.path().join("t.db"), &[7u8; 32])
            .await
            .unwrap();
        snapshots_on_every_connection(&db, 2).await;
        let mut tx = other.begin().await.unwrap();
        tx.execute("INSERT INTO things (name) VALUES ('elsewhere')", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        tokio::time::sleep(SNAPSHOT_MAX_AGE * 3).await;
        // The idle snapshots were given up…
        assert!(
            snapshots(&db).iter().all(Option::is_none),
            "{:?}",
            snapshots(&db)
        );
        // …so a checkpoint can empty the WAL, and every read sees the change.
        let rows = other
            .query("PRAGMA wal_checkpoint(TRUNCATE)", &[])
            .await
            .unwrap();
        assert_eq!(rows[0].int(0), 0, "the checkpoint was blocked");
        assert_eq!(futures_join(&db, 2).await, vec![1, 1]);
    }

    #[test]
    fn statements_are_told_by_their_first_word() {
        assert!(starts_with_word("SELECT 1", "SELECT"));
        assert!(starts_with_word("select\n1", "SELECT"));
        assert!(starts_with_word(
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "WITH"
        ));
        assert!(!starts_with_word("SELECTED", "SELECT"));
        assert!(!starts_with_word("SEL", "SELECT"));
        assert!(appends_to_audit_chain(
            "INSERT INTO audit_log (seq) VALUES (1)"
        ));
        assert!(!appends_to_audit_chain(
            "INSERT INTO audit_logins (x) VALUES (1)"
        ));
    }
}
