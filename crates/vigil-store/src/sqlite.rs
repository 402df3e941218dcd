//! SQLite backend: one file in the data directory, encrypted whole with SQLCipher.
//! WAL, `busy_timeout`, foreign keys on, and `BEGIN IMMEDIATE` for writes so two
//! writers never deadlock upgrading a read lock.

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Row as _, Sqlite, SqlitePool, Transaction, TypeInfo, ValueRef};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

use crate::backend::*;

#[derive(Debug, Clone)]
pub struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteBackend {
    /// Open (creating if missing) the encrypted database at `path` with a 32-byte key.
    pub async fn open(path: &Path, key: &[u8; 32]) -> BResult<Self> {
        let pragma_key = Zeroizing::new(format!("\"x'{}'\"", hex::encode(key)));
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .pragma("key", pragma_key.as_str().to_owned())
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            // sqlx logs each statement at debug, the `PRAGMA key` above included: the
            // database key would be in the logs (suite::logs).
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await
            .map_err(|e| match BackendError::from(e) {
                BackendError::Db(m) if m.contains("not a database") => BackendError::WrongKey,
                other => other,
            })?;
        // Touch the schema so a wrong key fails here, not at the first page view.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .fetch_one(&pool)
            .await
            .map_err(|e| match BackendError::from(e) {
                BackendError::Db(_) => BackendError::WrongKey,
                other => other,
            })?;
        Ok(Self { pool })
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: &'q [Val],
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        q = match a {
            Val::Int(v) => q.bind(*v),
            Val::Real(v) => q.bind(*v),
            Val::Text(v) => q.bind(v.as_deref()),
            Val::Bool(v) => q.bind(*v),
        };
    }
    q
}

/// [`bind_all`] of owned values: sqlx hands the arguments to its worker thread as
/// they are (borrowed text would be copied there first).
fn bind_owned<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: Vec<Val>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        q = match a {
            Val::Int(v) => q.bind(v),
            Val::Real(v) => q.bind(v),
            Val::Text(v) => q.bind(v),
            Val::Bool(v) => q.bind(v),
        };
    }
    q
}

fn decode(row: &sqlx::sqlite::SqliteRow) -> BResult<Row> {
    let mut out = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i)?;
        let v = if raw.is_null() {
            Val::Text(None)
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Val::Int(Some(row.try_get::<i64, _>(i)?)),
                "REAL" => Val::Real(Some(row.try_get::<f64, _>(i)?)),
                _ => Val::Text(Some(row.try_get::<String, _>(i)?)),
            }
        };
        out.push(v);
    }
    Ok(Row(out))
}

struct SqliteTx(Transaction<'static, Sqlite>);

#[async_trait]
impl Tx for SqliteTx {
    async fn query(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let rows = bind_all(sqlx::query(sql), args)
            .fetch_all(&mut *self.0)
            .await?;
        rows.iter().map(decode).collect()
    }
    async fn execute(&mut self, sql: &str, args: &[Val]) -> BResult<u64> {
        Ok(bind_all(sqlx::query(sql), args)
            .execute(&mut *self.0)
            .await?
            .rows_affected())
    }
    async fn execute_owned(&mut self, sql: &str, args: Vec<Val>) -> BResult<u64> {
        Ok(bind_owned(sqlx::query(sql), args)
            .execute(&mut *self.0)
            .await?
            .rows_affected())
    }
    async fn script(&mut self, sql: &str) -> BResult<()> {
        for statement in split_script(sql) {
            sqlx::query(statement).execute(&mut *self.0).await?;
        }
        Ok(())
    }
    async fn commit(self: Box<Self>) -> BResult<()> {
        Ok(self.0.commit().await?)
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let rows = bind_all(sqlx::query(sql), args)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode).collect()
    }

    async fn begin(&self) -> BResult<Box<dyn Tx>> {
        Ok(Box::new(SqliteTx(
            self.pool.begin_with("BEGIN IMMEDIATE").await?,
        )))
    }

    async fn migrate(&self) -> BResult<()> {
        run_migrations(self, SQLITE_MIGRATIONS, "datetime('now')", None).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
