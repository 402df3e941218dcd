//! A consistent dump of a PostgreSQL database, and its restore into an empty one: the
//! database entry (`postgres.dump`) of a `vigil backup` archive of a PostgreSQL
//! deployment. No `pg_dump` (no coupling to the client's version, no secret on a
//! command line): every table is read with `COPY … TO STDOUT` inside one
//! `REPEATABLE READ, READ ONLY` transaction, so the dump is one committed moment while
//! the server keeps writing, and streamed out in frames, never held whole in memory.
//! The caller (`crates/vigil/src/backup.rs`) encrypts the stream before it touches
//! the disk.
//!
//! # Dump format, version 1
//!
//! All integers are big-endian.
//!
//! ```text
//! magic     "VIGILPGD"          8 bytes
//! format    u16 = 1
//! header    u32 length, then JSON (DumpHeader): the applied migrations (the schema
//!           version), every table in load order (parents before the tables that
//!           reference them) with its columns, their types and its row count, and
//!           every sequence with its value
//! tables    for each table of the header, in its order: frames of COPY text-format
//!           data (u32 length > 0, bytes; a frame may end inside a row), then a u32 0
//! ```
//!
//! The entry ends right after the last table's 0. In COPY's text format a row ends
//! with a newline and newlines inside values are escaped, so a table's rows are its
//! newline bytes: the parser checks them against the header's count.
//!
//! A restore ([`load`]) runs in one transaction on an empty database: the migrations
//! up to the dump's schema version, user triggers disabled on every table (the audit
//! log's append-only triggers, the incident tally's triggers: the tally is restored as
//! it was dumped), the seed rows of the migrations removed, every table loaded with
//! `COPY … FROM STDIN`, every sequence set past both its dumped value and the largest
//! id, the triggers enabled again; then the row counts, the field key's check value
//! and the audit chain are verified before the caller commits. Anything that fails
//! rolls the whole transaction back: the database is left as empty as it was found.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection as _, Row as _};
use tokio::sync::mpsc;

use crate::audit::{AuditRecord, ChainWalk};
use crate::backend::{redact_db_url, split_script, POSTGRES_MIGRATIONS};
use crate::cipher;

/// The archive entry that holds the dump.
pub const ENTRY: &str = "postgres.dump";
pub const MAGIC: &[u8; 8] = b"VIGILPGD";
pub const FORMAT: u16 = 1;

const PREAMBLE_LEN: usize = 8 + 2 + 4;
const MAX_HEADER_LEN: usize = 64 << 20;
/// Plaintext bytes per frame, roughly (a frame is sent once it reaches this size).
const FRAME_TARGET: usize = 256 * 1024;
/// The lock `Backend::migrate` takes on PostgreSQL, so no instance migrates while a
/// restore builds the schema.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7956025419112300)";
const AUDIT_BATCH: i64 = 5000;
const MAX_LISTED: usize = 6;

/// Why a dump or a restore failed. The messages are what the operator reads.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("the database dump is invalid: {0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(String),
    #[error("database error: {0}")]
    Db(String),
}

impl From<sqlx::Error> for DumpError {
    fn from(e: sqlx::Error) -> Self {
        DumpError::Db(e.to_string())
    }
}

type DResult<T> = Result<T, DumpError>;

fn invalid(what: impl Into<String>) -> DumpError {
    DumpError::Invalid(what.into())
}

/// What a dump holds, at its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpHeader {
    pub format: u16,
    pub server_version: String,
    /// The applied migrations, in order: the schema version.
    pub migrations: Vec<String>,
    /// In load order.
    pub tables: Vec<TableDump>,
    pub sequences: Vec<SequenceDump>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// As `format_type` gives it (`bigint`, `text`, `tsvector`…).
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceDump {
    pub name: String,
    /// The column that owns the sequence (`BIGSERIAL`), if any.
    pub table: Option<String>,
    pub column: Option<String>,
    pub last_value: i64,
    pub is_called: bool,
}

/// What an archive's manifest records of its dump: schema version, tables and rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub migrations: Vec<String>,
    pub tables: Vec<TableCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    pub name: String,
    pub rows: u64,
}

impl DumpHeader {
    pub fn summary(&self) -> Summary {
        Summary {
            migrations: self.migrations.clone(),
            tables: self
                .tables
                .iter()
                .map(|t| TableCount {
                    name: t.name.clone(),
                    rows: t.rows,
                })
                .collect(),
        }
    }

    fn check(&self) -> DResult<()> {
        if self.format != FORMAT {
            return Err(invalid(format!(
                "format {} (this version of Vigil reads format {FORMAT})",
                self.format
            )));
        }
        let mut names = BTreeSet::new();
        for t in &self.tables {
            if !plain_identifier(&t.name) || !names.insert(t.name.as_str()) {
                return Err(invalid(format!("table name {:?}", t.name)));
            }
            if t.columns.is_empty() {
                return Err(invalid(format!("table {} has no columns", t.name)));
            }
            let mut cols = BTreeSet::new();
            for c in &t.columns {
                if !plain_identifier(&c.name) || !cols.insert(c.name.as_str()) || c.ty.len() > 200 {
                    return Err(invalid(format!("column {:?} of {}", c.name, t.name)));
                }
            }
        }
        for s in &self.sequences {
            let owner_ok = match (&s.table, &s.column) {
                (Some(t), Some(c)) => self
                    .tables
                    .iter()
                    .any(|x| &x.name == t && x.columns.iter().any(|y| &y.name == c)),
                (None, None) => true,
                _ => false,
            };
            if !plain_identifier(&s.name) || !owner_ok {
                return Err(invalid(format!("sequence {:?}", s.name)));
            }
        }
        let migration_name = |m: &String| {
            !m.is_empty()
                && m.len() <= 63
                && m.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !self.migrations.iter().all(migration_name) {
            return Err(invalid("a migration name"));
        }
        Ok(())
    }
}

impl Summary {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Names we put into SQL unquoted-safe: lower-case letters, digits and `_`.
fn plain_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn column_list(t: &TableDump) -> String {
    t.columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A refusal naming a few things, and how many more.
fn listed(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        out.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    out
}

/// Refuse a dump whose schema this version of Vigil cannot build: a migration it does
/// not know (a dump from a newer Vigil), or not the start of its own list.
pub fn check_schema(migrations: &[String]) -> DResult<()> {
    let known: Vec<&str> = POSTGRES_MIGRATIONS.iter().map(|m| m.name).collect();
    let fits = migrations.len() <= known.len()
        && migrations
            .iter()
            .zip(known.iter())
            .all(|(a, b)| a.as_str() == *b);
    if fits {
        return Ok(());
    }
    let unknown: Vec<String> = migrations
        .iter()
        .filter(|m| !known.contains(&m.as_str()))
        .cloned()
        .collect();
    Err(DumpError::Refused(if unknown.is_empty() {
        "the dump's schema is not a sequence of migrations this version of Vigil applies".to_owned()
    } else {
        format!(
            "the dump comes from a newer schema than this version of Vigil knows (migrations {}): restore it with the Vigil version that made it, or a newer one",
            listed(&unknown)
        )
    }))
}

async fn connect(url: &str) -> DResult<PgConnection> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(DumpError::Refused(format!(
            "not a PostgreSQL URL: {}",
            redact_db_url(url)
        )));
    }
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| DumpError::Refused(format!("bad database URL {}: {e}", redact_db_url(url))))?;
    PgConnection::connect_with(&opts)
        .await
        .map_err(|e| DumpError::Db(format!("cannot connect to {}: {e}", redact_db_url(url))))
}

async fn exec(conn: &mut PgConnection, sql: &str) -> DResult<()> {
    sqlx::query(sql).execute(&mut *conn).await?;
    Ok(())
}

/// Text output that reads back to the same values, whatever the server's defaults.
async fn stable_text(conn: &mut PgConnection) -> DResult<()> {
    for s in [
        "SET LOCAL DateStyle = 'ISO, YMD'",
        "SET LOCAL IntervalStyle = 'postgres'",
        "SET LOCAL extra_float_digits = 3",
        "SET LOCAL bytea_output = 'hex'",
        "SET LOCAL client_encoding = 'UTF8'",
    ] {
        exec(conn, s).await?;
    }
    Ok(())
}

/// The tables of the current schema (all but `schema_migrations`) with their columns.
async fn schema_tables(conn: &mut PgConnection) -> DResult<BTreeMap<String, Vec<Column>>> {
    let rows = sqlx::query(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = current_schema() AND c.relkind = 'r'
           AND c.relname <> 'schema_migrations' AND a.attgenerated = ''
         ORDER BY c.relname, a.attnum",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for r in rows {
        let table: String = r.try_get(0)?;
        out.entry(table).or_default().push(Column {
            name: r.try_get(1)?,
            ty: r.try_get(2)?,
        });
    }
    Ok(out)
}

/// Every sequence of the current schema, with the column that owns it.
async fn schema_sequences(
    conn: &mut PgConnection,
) -> DResult<Vec<(String, Option<String>, Option<String>)>> {
    let rows = sqlx::query(
        "SELECT s.relname::text, t.relname::text, a.attname::text
         FROM pg_class s
         JOIN pg_namespace n ON n.oid = s.relnamespace
         LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_class t ON t.oid = d.refobjid
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE s.relkind = 'S' AND n.nspname = current_schema()
         ORDER BY s.relname",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Tables in an order that loads parents before the tables referencing them (self
/// references are checked at the end of each `COPY`, so they need no order).
async fn load_order(conn: &mut PgConnection, tables: &BTreeSet<String>) -> DResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT t.relname::text, r.relname::text
         FROM pg_constraint k
         JOIN pg_class t ON t.oid = k.conrelid
         JOIN pg_class r ON r.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    // parents[t] = the tables t references.
    let mut parents: BTreeMap<&str, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for r in rows {
        let (child, parent): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        if child != parent && tables.contains(&parent) {
            if let Some(p) = parents.get_mut(child.as_str()) {
                p.insert(parent);
            }
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    let mut done = BTreeSet::new();
    while order.len() < tables.len() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(t, ps)| !done.contains(**t) && ps.iter().all(|p| done.contains(p.as_str())))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            let left: Vec<String> = parents
                .keys()
                .filter(|t| !done.contains(**t))
                .map(|t| (*t).to_owned())
                .collect();
            return Err(DumpError::Refused(format!(
                "these tables reference each other in a cycle, so no load order exists: {}",
                listed(&left)
            )));
        }
        for t in ready {
            done.insert(t.to_owned());
            order.push(t.to_owned());
        }
    }
    Ok(order)
}

// ---------------------------------------------------------------- dump

/// Cuts a byte stream into frames and sends them to the archive writer.
struct Framer<'a> {
    out: &'a mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Framer<'_> {
    async fn send(&self, bytes: Vec<u8>) -> DResult<()> {
        self.out
            .send(bytes)
            .await
            .map_err(|_| DumpError::Db("the archive writer stopped".to_owned()))
    }

    async fn data(&mut self, bytes: &[u8]) -> DResult<()> {
        if self.buf.is_empty() {
            self.buf.extend_from_slice(&[0; 4]);
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FRAME_TARGET {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> DResult<()> {
        if self.buf.len() <= 4 {
            return Ok(());
        }
        let len = u32::try_from(self.buf.len() - 4)
            .map_err(|_| DumpError::Db("a frame is too large".to_owned()))?;
        if let Some(head) = self.buf.get_mut(..4) {
            head.copy_from_slice(&len.to_be_bytes());
        }
        let frame = std::mem::replace(&mut self.buf, Vec::with_capacity(FRAME_TARGET + 4));
        self.send(frame).await
    }

    async fn end_table(&mut self) -> DResult<()> {
        self.flush().await?;
        self.send(vec![0; 4]).await
    }
}

/// Dump the database at `url` into `out`, as one consistent moment: every table of
/// Vigil's schema, read in one `REPEATABLE READ, READ ONLY` transaction. The database's
/// sensitive fields must have been sealed under `field_key` (a backup under another
/// key would restore fields nobody can open). Returns the header that starts the
/// stream.
pub async fn dump(
    url: &str,
    field_key: &[u8; 32],
    out: &mpsc::Sender<Vec<u8>>,
) -> DResult<DumpHeader> {
    let mut conn = connect(url).await?;
    let result = dump_on(&mut conn, field_key, out).await;
    let _ = exec(&mut conn, "ROLLBACK").await;
    let _ = conn.close().await;
    result
}

async fn dump_on(
    conn: &mut PgConnection,
    field_key: &[u8; 32],
    out: &mpsc::Sender<Vec<u8>>,
) -> DResult<DumpHeader> {
    exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    stable_text(conn).await?;
    // The first query fixes the snapshot every later one reads.
    let migrations: Vec<String> =
        sqlx::query_scalar("SELECT name FROM schema_migrations ORDER BY name")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| {
                DumpError::Refused(format!("this database holds no Vigil schema ({e})"))
            })?;
    check_schema(&migrations).map_err(|_| {
        DumpError::Refused(format!(
            "the database's schema ({}) is not one this version of Vigil knows; back it up with the Vigil version the server runs",
            migrations.last().map(String::as_str).unwrap_or("no migrations")
        ))
    })?;
    let server_version: String = sqlx::query_scalar("SELECT current_setting('server_version')")
        .fetch_one(&mut *conn)
        .await?;
    let mut shapes = schema_tables(conn).await?;
    if shapes.contains_key("key_check") {
        check_field_key(conn, field_key).await.map_err(|_| {
            DumpError::Refused(
                "the database cannot be opened with this key: its sensitive fields were encrypted under another key"
                    .to_owned(),
            )
        })?;
    }
    let names: BTreeSet<String> = shapes.keys().cloned().collect();
    let order = load_order(conn, &names).await?;
    let mut tables = Vec::with_capacity(order.len());
    for name in order {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", quote(&name)))
            .fetch_one(&mut *conn)
            .await?;
        tables.push(TableDump {
            columns: shapes.remove(&name).unwrap_or_default(),
            name,
            rows: u64::try_from(rows).unwrap_or(0),
        });
    }
    // Sequences are not transactional: their values, read after the snapshot was
    // taken, are at least every id the snapshot holds.
    let mut sequences = Vec::new();
    for (name, table, column) in schema_sequences(conn).await? {
        let r = sqlx::query(&format!(
            "SELECT last_value, is_called FROM {}",
            quote(&name)
        ))
        .fetch_one(&mut *conn)
        .await?;
        sequences.push(SequenceDump {
            name,
            table,
            column,
            last_value: r.try_get(0)?,
            is_called: r.try_get(1)?,
        });
    }
    let header = DumpHeader {
        format: FORMAT,
        server_version,
        migrations,
        tables,
        sequences,
    };
    header.check()?;

    let json = serde_json::to_vec(&header).map_err(|e| DumpError::Db(e.to_string()))?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|l| usize::try_from(*l).is_ok_and(|l| l <= MAX_HEADER_LEN))
        .ok_or_else(|| DumpError::Db("the dump header is too large".to_owned()))?;
    let mut start = Vec::with_capacity(PREAMBLE_LEN + json.len());
    start.extend_from_slice(MAGIC);
    start.extend_from_slice(&FORMAT.to_be_bytes());
    start.extend_from_slice(&len.to_be_bytes());
    start.extend_from_slice(&json);
    let mut framer = Framer {
        out,
        buf: Vec::with_capacity(FRAME_TARGET + 4),
    };
    framer.send(start).await?;
    for t in &header.tables {
        let sql = format!("COPY {} ({}) TO STDOUT", quote(&t.name), column_list(t));
        let mut rows: u64 = 0;
        let mut stream = conn.copy_out_raw(&sql).await?;
        while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            let chunk = chunk?;
            rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            framer.data(&chunk).await?;
        }
        drop(stream);
        framer.end_table().await?;
        if rows != t.rows {
            return Err(DumpError::Db(format!(
                "table {} gave {rows} rows where it counted {} in the same snapshot",
                t.name, t.rows
            )));
        }
    }
    Ok(header)
}

// ---------------------------------------------------------------- parse

/// What the parser found, in stream order.
#[derive(Debug)]
pub enum Event<'a> {
    Header(&'a DumpHeader),
    /// The frames of table `n` (of the header's list) begin.
    TableStart(usize),
    /// COPY text data of the current table (any cut, not whole rows).
    Rows(&'a [u8]),
    TableEnd(usize),
    /// The last table ended; nothing may follow.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    Header(usize),
    FrameLen,
    Frame(u64),
    Done,
}

/// Checks a dump as it streams by: magic, header, framing, and each table's row count
/// against the header. Memory is bounded by the header, whatever the dump's size.
#[derive(Debug)]
pub struct DumpParser {
    state: State,
    buf: Vec<u8>,
    header: Option<DumpHeader>,
    table: usize,
    rows: u64,
    last: Option<u8>,
}

impl Default for DumpParser {
    fn default() -> Self {
        Self::new()
    }
}

impl DumpParser {
    pub fn new() -> Self {
        Self {
            state: State::Preamble,
            buf: Vec::new(),
            header: None,
            table: 0,
            rows: 0,
            last: None,
        }
    }

    pub fn header(&self) -> Option<&DumpHeader> {
        self.header.as_ref()
    }

    /// Move up to `want - buf.len()` bytes from `input` into the buffer; true once full.
    fn fill(&mut self, input: &mut &[u8], want: usize) -> bool {
        let need = want.saturating_sub(self.buf.len()).min(input.len());
        let (now, rest) = input.split_at(need);
        self.buf.extend_from_slice(now);
        *input = rest;
        self.buf.len() >= want
    }

    fn start_table(
        &mut self,
        n: usize,
        on: &mut dyn FnMut(Event<'_>) -> DResult<()>,
    ) -> DResult<()> {
        let count = self.header.as_ref().map_or(0, |h| h.tables.len());
        self.table = n;
        self.rows = 0;
        self.last = None;
        if n < count {
            self.state = State::FrameLen;
            on(Event::TableStart(n))
        } else {
            self.state = State::Done;
            on(Event::Done)
        }
    }

    fn end_table(&mut self, on: &mut dyn FnMut(Event<'_>) -> DResult<()>) -> DResult<()> {
        let table = self
            .header
            .as_ref()
            .and_then(|h| h.tables.get(self.table))
            .ok_or_else(|| invalid("a table beyond the header's list"))?;
        if self.rows != table.rows {
            return Err(invalid(format!(
                "table {} holds {} rows where the header says {}",
                table.name, self.rows, table.rows
            )));
        }
        if self.last.is_some_and(|b| b != b'\n') {
            return Err(invalid(format!("table {} ends inside a row", table.name)));
        }
        on(Event::TableEnd(self.table))?;
        self.start_table(self.table + 1, on)
    }

    /// Parse the next bytes of the dump, reporting what they hold to `on`.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        on: &mut dyn FnMut(Event<'_>) -> DResult<()>,
    ) -> DResult<()> {
        while !input.is_empty() {
            match self.state {
                State::Preamble => {
                    if !self.fill(&mut input, PREAMBLE_LEN) {
                        continue;
                    }
                    let pre = std::mem::take(&mut self.buf);
                    let (magic, rest) = pre.split_at(MAGIC.len().min(pre.len()));
                    if magic != MAGIC {
                        return Err(invalid("it does not start with the dump header"));
                    }
                    let [v0, v1, l0, l1, l2, l3] = rest else {
                        return Err(invalid("short preamble"));
                    };
                    let version = u16::from_be_bytes([*v0, *v1]);
                    if version != FORMAT {
                        return Err(invalid(format!(
                            "format {version} (this version of Vigil reads format {FORMAT})"
                        )));
                    }
                    let len = usize::try_from(u32::from_be_bytes([*l0, *l1, *l2, *l3]))
                        .unwrap_or(usize::MAX);
                    if len == 0 || len > MAX_HEADER_LEN {
                        return Err(invalid("impossible header length"));
                    }
                    self.state = State::Header(len);
                }
                State::Header(len) => {
                    if !self.fill(&mut input, len) {
                        continue;
                    }
                    let json = std::mem::take(&mut self.buf);
                    let header: DumpHeader = serde_json::from_slice(&json)
                        .map_err(|e| invalid(format!("header: {e}")))?;
                    header.check()?;
                    on(Event::Header(&header))?;
                    self.header = Some(header);
                    self.start_table(0, on)?;
                }
                State::FrameLen => {
                    if !self.fill(&mut input, 4) {
                        continue;
                    }
                    let len = std::mem::take(&mut self.buf);
                    let [a, b, c, d] = len.as_slice() else {
                        return Err(invalid("frame length"));
                    };
                    match u32::from_be_bytes([*a, *b, *c, *d]) {
                        0 => self.end_table(on)?,
                        n => self.state = State::Frame(u64::from(n)),
                    }
                }
                State::Frame(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(input.len());
                    let (now, rest) = input.split_at(n);
                    input = rest;
                    self.rows += now.iter().filter(|b| **b == b'\n').count() as u64;
                    if let Some(b) = now.last() {
                        self.last = Some(*b);
                    }
                    on(Event::Rows(now))?;
                    let left = left.saturating_sub(n as u64);
                    self.state = if left == 0 {
                        State::FrameLen
                    } else {
                        State::Frame(left)
                    };
                }
                State::Done => return Err(invalid("bytes follow the last table")),
            }
        }
        Ok(())
    }

    /// The dump must be complete here.
    pub fn finish(&self) -> DResult<&DumpHeader> {
        match (self.state, &self.header) {
            (State::Done, Some(h)) => Ok(h),
            (_, Some(h)) => Err(invalid(format!(
                "it ends inside table {}",
                h.tables
                    .get(self.table)
                    .map_or("(none)", |t| t.name.as_str())
            ))),
            _ => Err(invalid("it ends before its header")),
        }
    }
}

// ---------------------------------------------------------------- restore

/// A restore loaded and verified, not yet committed. Dropped, it rolls back (the
/// connection closes with the transaction open).
#[derive(Debug)]
pub struct PendingRestore {
    conn: PgConnection,
    pub report: LoadReport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub tables: usize,
    pub rows: u64,
    /// Entries of the audit log, whose chain verified.
    pub audit_entries: u64,
}

impl PendingRestore {
    pub async fn commit(mut self) -> DResult<LoadReport> {
        exec(&mut self.conn, "COMMIT").await?;
        let _ = self.conn.close().await;
        Ok(self.report)
    }

    pub async fn roll_back(mut self) {
        let _ = exec(&mut self.conn, "ROLLBACK").await;
        let _ = self.conn.close().await;
    }
}

/// Refuse a target that already holds any of Vigil's tables or sequences.
async fn refuse_vigil_tables(conn: &mut PgConnection, expected: &Summary) -> DResult<()> {
    let mut names: Vec<String> = expected.tables.iter().map(|t| t.name.clone()).collect();
    names.push("schema_migrations".to_owned());
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')
           AND c.relname = ANY($1)
         ORDER BY 1",
    )
    .bind(&names)
    .fetch_all(&mut *conn)
    .await?;
    if found.is_empty() {
        return Ok(());
    }
    Err(DumpError::Refused(format!(
        "the target database already holds Vigil tables ({}); restore only into an empty database",
        listed(&found)
    )))
}

/// Refuse early (before reading an archive twice) a target that is not empty.
pub async fn check_target(url: &str, expected: &Summary) -> DResult<()> {
    let mut conn = connect(url).await?;
    let result = refuse_vigil_tables(&mut conn, expected).await;
    let _ = conn.close().await;
    result
}

enum Owned {
    Header(Box<DumpHeader>),
    TableStart(usize),
    Rows(Vec<u8>),
    TableEnd(usize),
    Done,
}

/// The dump's bytes as they arrive from the archive reader, parsed into events.
struct Incoming {
    rx: mpsc::Receiver<Vec<u8>>,
    parser: DumpParser,
    queue: VecDeque<Owned>,
}

impl Incoming {
    async fn next(&mut self) -> DResult<Owned> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(e);
            }
            let Some(chunk) = self.rx.recv().await else {
                return Err(self
                    .parser
                    .finish()
                    .err()
                    .unwrap_or_else(|| invalid("it ends early")));
            };
            let q = &mut self.queue;
            self.parser.feed(&chunk, &mut |ev| {
                q.push_back(match ev {
                    Event::Header(h) => Owned::Header(Box::new(h.clone())),
                    Event::TableStart(n) => Owned::TableStart(n),
                    Event::Rows(b) => Owned::Rows(b.to_vec()),
                    Event::TableEnd(n) => Owned::TableEnd(n),
                    Event::Done => Owned::Done,
                });
                Ok(())
            })?;
        }
    }

    /// After `Done`: whatever else arrives must be nothing.
    async fn drain(&mut self) -> DResult<()> {
        while let Some(chunk) = self.rx.recv().await {
            self.parser.feed(&chunk, &mut |_| Ok(()))?;
        }
        self.parser.finish().map(|_| ())
    }
}

/// Load a dump, arriving on `input`, into the empty database at `url` in one
/// transaction, and verify it (row counts, the field key, the audit chain). Nothing
/// is committed: the caller commits the [`PendingRestore`] once it knows the whole
/// archive authenticated. `expected` is what the archive's manifest says of the dump.
pub async fn load(
    url: &str,
    field_key: &[u8; 32],
    expected: &Summary,
    input: mpsc::Receiver<Vec<u8>>,
) -> DResult<PendingRestore> {
    check_schema(&expected.migrations)?;
    let mut conn = connect(url).await?;
    let mut incoming = Incoming {
        rx: input,
        parser: DumpParser::new(),
        queue: VecDeque::new(),
    };
    match load_on(&mut conn, field_key, expected, &mut incoming).await {
        Ok(report) => Ok(PendingRestore { conn, report }),
        Err(e) => {
            let _ = exec(&mut conn, "ROLLBACK").await;
            let _ = conn.close().await;
            Err(e)
        }
    }
}

async fn load_on(
    conn: &mut PgConnection,
    field_key: &[u8; 32],
    expected: &Summary,
    incoming: &mut Incoming,
) -> DResult<LoadReport> {
    exec(conn, "BEGIN").await?;
    stable_text(conn).await?;
    exec(conn, MIGRATION_LOCK).await?;
    refuse_vigil_tables(conn, expected).await?;

    let header = match incoming.next().await? {
        Owned::Header(h) => *h,
        _ => return Err(invalid("no header")),
    };
    if header.summary() != *expected {
        return Err(invalid(
            "its header does not match the archive's manifest (tables, rows or schema)",
        ));
    }
    check_schema(&header.migrations)?;

    // The schema, as the migrator builds it, up to the dump's version.
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    for m in POSTGRES_MIGRATIONS.iter().take(header.migrations.len()) {
        for statement in split_script(m.sql) {
            sqlx::query(statement)
                .execute(&mut *conn)
                .await
                .map_err(|e| DumpError::Db(format!("migration {}: {e}", m.name)))?;
        }
        sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, now()::text)")
            .bind(m.name)
            .execute(&mut *conn)
            .await?;
    }
    let built = schema_tables(conn).await?;
    let dumped: BTreeMap<String, Vec<Column>> = header
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.columns.clone()))
        .collect();
    if built != dumped {
        let differ: Vec<String> = built
            .keys()
            .chain(dumped.keys())
            .filter(|t| built.get(*t) != dumped.get(*t))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        return Err(DumpError::Refused(format!(
            "the schema the migrations build differs from the dump's in tables {}",
            listed(&differ)
        )));
    }
    let built_seqs: BTreeSet<String> = schema_sequences(conn)
        .await?
        .into_iter()
        .map(|s| s.0)
        .collect();
    let dumped_seqs: BTreeSet<String> = header.sequences.iter().map(|s| s.name.clone()).collect();
    if built_seqs != dumped_seqs {
        return Err(DumpError::Refused(
            "the sequences the migrations build differ from the dump's".to_owned(),
        ));
    }

    // No trigger may alter what is loaded, and the migrations' seed rows go.
    for t in &header.tables {
        exec(
            conn,
            &format!("ALTER TABLE {} DISABLE TRIGGER USER", quote(&t.name)),
        )
        .await?;
    }
    if !header.tables.is_empty() {
        let all: Vec<String> = header.tables.iter().map(|t| quote(&t.name)).collect();
        exec(conn, &format!("TRUNCATE {}", all.join(", "))).await?;
    }

    loop {
        match incoming.next().await? {
            Owned::TableStart(n) => {
                let t = header
                    .tables
                    .get(n)
                    .ok_or_else(|| invalid("a table beyond the header's list"))?;
                let sql = format!("COPY {} ({}) FROM STDIN", quote(&t.name), column_list(t));
                let mut copy = conn.copy_in_raw(&sql).await?;
                let sent: DResult<()> = async {
                    loop {
                        match incoming.next().await? {
                            Owned::Rows(b) => {
                                copy.send(b).await?;
                            }
                            Owned::TableEnd(m) if m == n => return Ok(()),
                            _ => return Err(invalid("table data out of order")),
                        }
                    }
                }
                .await;
                match sent {
                    Ok(()) => {
                        let loaded = copy
                            .finish()
                            .await
                            .map_err(|e| DumpError::Db(format!("table {}: {e}", t.name)))?;
                        if loaded != t.rows {
                            return Err(invalid(format!(
                                "table {}: {loaded} rows loaded where the dump has {}",
                                t.name, t.rows
                            )));
                        }
                    }
                    Err(e) => {
                        let _ = copy.abort("the dump is unusable").await;
                        return Err(e);
                    }
                }
            }
            Owned::Done => break,
            _ => return Err(invalid("table data out of order")),
        }
    }
    incoming.drain().await?;

    // Sequences past both their dumped value and every id loaded.
    for s in &header.sequences {
        let max: Option<i64> = match (&s.table, &s.column) {
            (Some(t), Some(c)) => {
                sqlx::query_scalar(&format!(
                    "SELECT max({})::bigint FROM {}",
                    quote(c),
                    quote(t)
                ))
                .fetch_one(&mut *conn)
                .await?
            }
            _ => None,
        };
        let (value, called) = match max {
            Some(m) if m > s.last_value => (m, true),
            _ => (s.last_value, s.is_called),
        };
        sqlx::query("SELECT setval($1::regclass, $2, $3)::text")
            .bind(quote(&s.name))
            .bind(value)
            .bind(called)
            .fetch_one(&mut *conn)
            .await?;
    }
    for t in &header.tables {
        exec(
            conn,
            &format!("ALTER TABLE {} ENABLE TRIGGER USER", quote(&t.name)),
        )
        .await?;
    }

    // Verify what the transaction now holds.
    let mut rows = 0u64;
    for t in &header.tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", quote(&t.name)))
            .fetch_one(&mut *conn)
            .await?;
        if u64::try_from(n).ok() != Some(t.rows) {
            return Err(invalid(format!(
                "table {} holds {n} rows after the load where the manifest says {}",
                t.name, t.rows
            )));
        }
        rows += t.rows;
    }
    let has = |name: &str| header.tables.iter().any(|t| t.name == name);
    if has("key_check") {
        check_field_key(conn, field_key).await?;
    }
    let audit_entries = if has("audit_log") && has("audit_head") {
        verify_audit(conn).await?
    } else {
        0
    };
    Ok(LoadReport {
        tables: header.tables.len(),
        rows,
        audit_entries,
    })
}

/// The sealed check value must open with the field key the restored instance will use.
async fn check_field_key(conn: &mut PgConnection, field_key: &[u8; 32]) -> DResult<()> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT check_value FROM key_check WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    let Some(sealed) = sealed else {
        return Ok(());
    };
    match cipher::FieldCipher::new(field_key).open(cipher::CHECK_COLUMN, &sealed) {
        Ok(p) if p == cipher::CHECK_PLAIN => Ok(()),
        _ => Err(DumpError::Refused(
            "the key opens the archive but not its database's sensitive fields (they were sealed under another key)"
                .to_owned(),
        )),
    }
}

/// The audit log's hash chain, as `vigil audit verify` checks it; the entries.
async fn verify_audit(conn: &mut PgConnection) -> DResult<u64> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| invalid("the audit log has no head"))?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let mut walk = ChainWalk::default();
    let mut last = 0i64;
    let mut entries = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(last)
        .bind(AUDIT_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let e = AuditRecord {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                user_id: r.try_get(2)?,
                username: r.try_get(3)?,
                action: r.try_get(4)?,
                entity: r.try_get(5)?,
                entity_id: r.try_get(6)?,
                detail: r.try_get(7)?,
                ip: r.try_get(8)?,
                prev_hash: r.try_get(9)?,
                hash: r.try_get(10)?,
            };
            if let Some(b) = walk.step(&e) {
                return Err(invalid(format!("its audit chain is broken: {b}")));
            }
            last = e.seq;
            entries += 1;
        }
    }
    if let Some(b) = walk.finish(head_seq, &head_hash) {
        return Err(invalid(format!("its audit chain is broken: {b}")));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn header(rows: &[(&str, u64)]) -> DumpHeader {
        DumpHeader {
            format: FORMAT,
            server_version: "15".into(),
            migrations: vec!["0001_core".into()],
            tables: rows
                .iter()
                .map(|(n, r)| TableDump {
                    name: (*n).to_owned(),
                    columns: vec![Column {
                        name: "id".into(),
                        ty: "bigint".into(),
                    }],
                    rows: *r,
                })
                .collect(),
            sequences: vec![],
        }
    }

    fn encode(h: &DumpHeader, tables: &[&[&[u8]]]) -> Vec<u8> {
        let json = serde_json::to_vec(h).unwrap();
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT.to_be_bytes());
        out.extend_from_slice(&(json.len() as u32).to_be_bytes());
        out.extend_from_slice(&json);
        for frames in tables {
            for f in *frames {
                out.extend_from_slice(&(f.len() as u32).to_be_bytes());
                out.extend_from_slice(f);
            }
            out.extend_from_slice(&[0; 4]);
        }
        out
    }

    /// Feed in pieces of `step` bytes; the rows seen per table.
    fn parse(bytes: &[u8], step: usize) -> DResult<Vec<Vec<u8>>> {
        let mut p = DumpParser::new();
        let mut tables: Vec<Vec<u8>> = Vec::new();
        for piece in bytes.chunks(step.max(1)) {
            p.feed(piece, &mut |e| {
                match e {
                    Event::TableStart(_) => tables.push(Vec::new()),
                    Event::Rows(b) => tables.last_mut().unwrap().extend_from_slice(b),
                    _ => {}
                }
                Ok(())
            })?;
        }
        p.finish()?;
        Ok(tables)
    }

    #[test]
    fn a_dump_parses_in_pieces_of_any_size() {
        let h = header(&[("users", 2), ("empty", 0), ("persons", 3)]);
        let bytes = encode(&h, &[&[b"1\n2", b"\n"], &[], &[b"1\n2\n3\n"]]);
        for step in [1, 2, 3, 7, 64, bytes.len()] {
            let t = parse(&bytes, step).unwrap();
            assert_eq!(t, vec![b"1\n2\n".to_vec(), vec![], b"1\n2\n3\n".to_vec()]);
        }
    }

    #[test]
    fn wrong_counts_cuts_and_trailing_bytes_are_refused() {
        let h = header(&[("users", 2)]);
        let wrong = encode(&h, &[&[b"1\n2\n3\n"]]);
        assert!(parse(&wrong, 5).unwrap_err().to_string().contains("3 rows"));
        let half_row = encode(&h, &[&[b"1\n2\n3"]]);
        assert!(parse(&half_row, 5).is_err());
        let good = encode(&h, &[&[b"1\n2\n"]]);
        for cut in 0..good.len() {
            assert!(parse(&good[..cut], 3).is_err(), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(parse(&longer, 3).is_err());
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(parse(&bad, 3).is_err());
    }

    #[test]
    fn unsafe_names_in_the_header_are_refused() {
        for name in ["users; DROP TABLE x", "Users", "\"q\"", "", "1abc"] {
            let h = header(&[(name, 0)]);
            assert!(parse(&encode(&h, &[&[]]), 64).is_err(), "{name:?}");
        }
    }

    #[test]
    fn a_newer_schema_is_refused_by_name() {
        let mine: Vec<String> = POSTGRES_MIGRATIONS
            .iter()
            .map(|m| m.name.to_owned())
            .collect();
        assert!(check_schema(&mine).is_ok());
        assert!(check_schema(&mine[..3]).is_ok());
        let mut newer = mine.clone();
        newer.push("0099_future".into());
        let e = check_schema(&newer).unwrap_err().to_string();
        assert!(
            e.contains("newer schema") && e.contains("0099_future"),
            "{e}"
        );
    }
}
