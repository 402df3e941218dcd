//! PostgreSQL backend, for several application instances sharing one database.
//! Sensitive columns are to be encrypted by the application (the security issue);
//! migrations run under an advisory lock so instances can start together.

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Column, PgPool, Postgres, Row as _, Transaction, TypeInfo, ValueRef};
use std::str::FromStr;
use std::time::Duration;

use crate::backend::*;

#[derive(Debug, Clone)]
pub struct PostgresBackend {
    pool: PgPool,
}

impl PostgresBackend {
    pub async fn connect(url: &str) -> BResult<Self> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(BackendError::Config(format!(
                "not a PostgreSQL URL: {}",
                redact_db_url(url)
            )));
        }
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| {
                BackendError::Config(format!("bad database URL {}: {e}", redact_db_url(url)))
            })?
            // Short statements (a page, a list, a session) gain nothing from parallel
            // workers: starting them costs more than they save, and on a busy server
            // they only take cores from other requests (docs/performance.md).
            .options([("max_parallel_workers_per_gather", "0")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Self { pool })
    }
}

/// Whether a statement is prepared once per connection and kept (most are), or planned
/// anew for its values each time it runs: full-text searches. After five runs of a
/// kept statement PostgreSQL may switch to a generic plan that cannot see the search
/// words; it then guesses the match rate, and a rare word walked the whole table newest
/// first (2–3 s at 1M where the plan made for the word takes 0.24 ms,
/// docs/performance.md). Every other statement keeps its cached plan and is not
/// planned again at each run.
pub(crate) fn kept_prepared(sql: &str) -> bool {
    !sql.contains("@@")
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    args: &'q [Val],
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
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

fn decode(row: &sqlx::postgres::PgRow) -> BResult<Row> {
    let mut out = Vec::with_capacity(row.columns().len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let null = raw.is_null();
        let v = match col.type_info().name() {
            "INT8" => Val::Int(row.try_get::<Option<i64>, _>(i)?),
            "INT4" => Val::Int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
            "INT2" => Val::Int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
            "FLOAT8" => Val::Real(row.try_get::<Option<f64>, _>(i)?),
            "FLOAT4" => Val::Real(row.try_get::<Option<f32>, _>(i)?.map(f64::from)),
            "BOOL" => Val::Bool(row.try_get::<Option<bool>, _>(i)?),
            _ if null => Val::Text(None),
            _ => Val::Text(row.try_get::<Option<String>, _>(i)?),
        };
        out.push(v);
    }
    Ok(Row(out))
}

struct PgTx(Transaction<'static, Postgres>);

#[async_trait]
impl Tx for PgTx {
    async fn query(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let rows = bind_all(sqlx::query(sql).persistent(kept_prepared(sql)), args)
            .fetch_all(&mut *self.0)
            .await?;
        rows.iter().map(decode).collect()
    }
    async fn execute(&mut self, sql: &str, args: &[Val]) -> BResult<u64> {
        Ok(
            bind_all(sqlx::query(sql).persistent(kept_prepared(sql)), args)
                .execute(&mut *self.0)
                .await?
                .rows_affected(),
        )
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
impl Backend for PostgresBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let rows = bind_all(sqlx::query(sql).persistent(kept_prepared(sql)), args)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode).collect()
    }

    async fn begin(&self) -> BResult<Box<dyn Tx>> {
        Ok(Box::new(PgTx(self.pool.begin().await?)))
    }

    async fn migrate(&self) -> BResult<()> {
        run_migrations(
            self,
            POSTGRES_MIGRATIONS,
            "now()::text",
            Some("SELECT pg_advisory_xact_lock(7956025419112300)"),
        )
        .await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
