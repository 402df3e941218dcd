//! Bulk import: many incidents in one transaction, written with multi-row statements
//! (`vigil import`, `vigil demo --incidents N`). It stores exactly what the per-row
//! path ([`crate::Access::import_batch`]) stores — the same records, codes, version-1
//! snapshots and search text — in a few statements per thousand rows instead of ~25
//! per row. It must never commit part of an import: every chunk goes into the one
//! transaction that [`BulkImport::finish`] commits (dropping it rolls everything back).
//!
//! How it stays fast: ids are allocated in blocks (SQLite holds the write lock from
//! `BEGIN IMMEDIATE`, so `max(id)` is ours; PostgreSQL draws from the sequences),
//! pseudonymous codes are allocated in blocks per prefix in first-appearance order (so
//! they are the codes the per-row path would give), search text is computed here from
//! what the rows hold instead of read back, and existing incidents are compared with
//! their last snapshot in one query per chunk. Rows that update an incident go through
//! the per-row `replace_incident`, which checks the status path and writes a version.
//!
//! Each chunk asks the database everything first (existing records, codes, ids);
//! then its rows are built (arguments, search text, version-1 snapshots written
//! straight as JSON text) and sent, a slice at a time, to a writer task that owns the
//! transaction and runs them in order ([`Pipe`]): building one slice overlaps writing
//! the one before. Into a database without incidents (SQLite), the secondary indexes
//! and the tally triggers are set aside at the start and the indexes built and the
//! tallies counted again, once each, before the commit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use vigil_domain::model::{format_code, Id, IncidentInput, PersonInput, VictimRef};
use vigil_domain::validate::{FieldError, FieldErrors, Rules, ValidIncident, ValidPerson};
use vigil_domain::vocab::{Term, Vocabularies};
use vigil_domain::Permission;

use crate::access::ImportCounts;
use crate::audit::AuditEntry;
use crate::backend::{BResult, BackendError, Dialect, Row, Tx, Val};
use crate::records::{
    fold, incident_args, incident_snapshot, nonempty, sensitive_words, ADDRESS, BLIND_MARK,
    CONTACTS, DESCRIPTION, LEGAL_NAME, ORIGIN, SNAPSHOT,
};
use crate::{tally, Result, Store, StoreError};

/// One row of an import: the victim of each violation (`victims[i]` for violation
/// `i`), and the incident. The same shape as [`crate::Access::import_batch`] takes.
pub type ImportRow = (Vec<ValidPerson>, IncidentInput);

/// Bound values per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;
/// Rows per multi-row statement, at most.
const MAX_ROWS: usize = 2_000;
/// External ids per lookup statement.
const LOOKUP: usize = 500;
/// Rows created or changed from which an import on PostgreSQL gathers statistics
/// again at its end ([`analyze`]).
const ANALYZE_AFTER: u64 = 1_000;
/// SQLite page cache for the import's connection (KiB, negative as SQLite wants):
/// index pages of a large import stay in memory. Set back before commit.
const BULK_CACHE_KIB: i64 = -262_144;
const DEFAULT_CACHE_KIB: i64 = -2_000;
/// The full-text tables an import fills (SQLite, FTS5).
const FTS_TABLES: [&str; 2] = ["incident_fts", "person_fts"];
/// Bytes of pending full-text entries FTS5 holds in memory before it writes them out
/// as a segment, during an import (SQLite). FTS5's default of 1 MiB would cut each
/// statement of [`FTS_ROWS`] rows (~15 MB of entries) into a dozen small segments,
/// each merged again later (`automerge`). Set back to the default
/// ([`FTS_HASHSIZE_DEFAULT`]) before commit: the value is kept in the table's
/// `_config`, and other writers' one-row inserts need no large buffer.
const FTS_HASHSIZE: i64 = 64 << 20;
const FTS_HASHSIZE_DEFAULT: i64 = 1 << 20;
/// Tables whose secondary (non-unique) indexes an import into a database without
/// incidents drops at the start and builds again before commit (SQLite): one sort
/// per index instead of a random insert per row. Unique indexes stay, so every
/// constraint is checked as rows arrive, and so do the ones the import looks rows up
/// with (external ids, the versions' key). DDL is transactional in SQLite: a failed
/// import rolls the drop back with the rows.
const DEFERRED_INDEX_TABLES: &str =
    "'incidents', 'violations', 'perpetrators', 'sources', 'person_characteristics', 'person_sectors'";

/// Full-text rows per insert (SQLite): as many as the bound values allow. FTS5 writes
/// what it holds in memory out as a new segment at the start of every statement
/// that inserts several rows (its savepoint), and merges those segments again and
/// again as more come: a statement per few hundred rows made a 100,000-row import
/// write and re-merge thousands of small segments. The rows are kept across slices
/// and chunks until this many are ready (or the import needs them written).
const FTS_ROWS: usize = MAX_PARAMS / 3;

/// Rows of a chunk built and sent to the writer at a time: the writer inserts one
/// slice while the next is being built (see [`Pipe`]).
/// A size `insert` has a statement for ([`batch_sizes`]): a slice of incidents is
/// one statement, not a dozen of the smaller sizes.
const SLICE: usize = 512;

/// Where a statement sent without waiting came from: the first row (counted from the
/// import's first) of the chunk it writes, and the part of the row (`""` or
/// `".victim"`), to name it if the database refuses it (a unique external id taken
/// meanwhile by another writer).
type Origin = Option<(usize, &'static str)>;

/// What the import's writer task is asked to do, in order.
enum Cmd {
    /// Run an insert; its failure is reported by the next [`Cmd::Flush`].
    Send(Arc<str>, Vec<Val>, Origin),
    Query(String, Vec<Val>, oneshot::Sender<BResult<Vec<Row>>>),
    Execute(String, Vec<Val>, oneshot::Sender<BResult<u64>>),
    Script(String, oneshot::Sender<BResult<()>>),
    /// Answer once everything sent before has run: the first failure, if any.
    Flush(oneshot::Sender<Flushed>),
    Commit(oneshot::Sender<BResult<()>>),
}

/// The writer's answer to a [`Cmd::Flush`].
type Flushed = Result<(), (BackendError, Origin)>;

fn writer_gone() -> BackendError {
    BackendError::Db("the import's writer has stopped".into())
}

fn failed_earlier() -> BackendError {
    BackendError::Db("an earlier statement of this import failed; nothing was imported".into())
}

/// The task that owns the import's transaction and runs its statements in the order
/// they were sent. Inserts are sent without waiting ([`Cmd::Send`]), so the import
/// builds the next rows (snapshots, search text, arguments) on one core while the
/// database writes the previous ones on the other. After a failure it rolls the
/// transaction back (drops it) and refuses everything that follows; the failure is
/// reported by the next flush or query. When every sender is gone it rolls back too.
async fn run_writer(tx: Box<dyn Tx>, mut commands: mpsc::Receiver<Cmd>) {
    let mut tx = Some(tx);
    let mut failed: Option<(BackendError, Origin)> = None;
    fn refused(failed: &mut Option<(BackendError, Origin)>) -> BackendError {
        failed.take().map(|f| f.0).unwrap_or_else(failed_earlier)
    }
    while let Some(cmd) = commands.recv().await {
        match cmd {
            Cmd::Send(sql, args, origin) => {
                if let Some(t) = tx.as_mut() {
                    if let Err(e) = t.execute_owned(&sql, args).await {
                        failed = Some((e, origin));
                        tx = None;
                    }
                }
            }
            Cmd::Query(sql, args, reply) => {
                let r = match tx.as_mut() {
                    Some(t) => t.query(&sql, &args).await,
                    None => Err(refused(&mut failed)),
                };
                let _ = reply.send(r);
            }
            Cmd::Execute(sql, args, reply) => {
                let r = match tx.as_mut() {
                    Some(t) => t.execute(&sql, &args).await,
                    None => Err(refused(&mut failed)),
                };
                let _ = reply.send(r);
            }
            Cmd::Script(sql, reply) => {
                let r = match tx.as_mut() {
                    Some(t) => t.script(&sql).await,
                    None => Err(refused(&mut failed)),
                };
                let _ = reply.send(r);
            }
            Cmd::Flush(reply) => {
                let r = match (failed.take(), &tx) {
                    (Some(f), _) => Err(f),
                    (None, None) => Err((failed_earlier(), None)),
                    (None, Some(_)) => Ok(()),
                };
                let _ = reply.send(r);
            }
            Cmd::Commit(reply) => {
                let r = match tx.take() {
                    Some(t) => t.commit().await,
                    None => Err(refused(&mut failed)),
                };
                let _ = reply.send(r);
                return;
            }
        }
    }
}

/// The import's transaction as the store's other code sees it: every call goes to the
/// writer task and waits for its answer, after the statements sent before it.
struct Pipe(mpsc::Sender<Cmd>);

impl Pipe {
    async fn ask<T>(&self, cmd: Cmd, answer: oneshot::Receiver<BResult<T>>) -> BResult<T> {
        self.0.send(cmd).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }
}

#[async_trait]
impl Tx for Pipe {
    async fn query(&mut self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        let (send, answer) = oneshot::channel();
        self.ask(Cmd::Query(sql.to_owned(), args.to_vec(), send), answer)
            .await
    }
    async fn execute(&mut self, sql: &str, args: &[Val]) -> BResult<u64> {
        let (send, answer) = oneshot::channel();
        self.ask(Cmd::Execute(sql.to_owned(), args.to_vec(), send), answer)
            .await
    }
    async fn script(&mut self, sql: &str) -> BResult<()> {
        let (send, answer) = oneshot::channel();
        self.ask(Cmd::Script(sql.to_owned(), send), answer).await
    }
    async fn commit(self: Box<Self>) -> BResult<()> {
        let (send, answer) = oneshot::channel();
        self.ask(Cmd::Commit(send), answer).await
    }
}

/// A person this import knows: found by external id or created by it.
#[derive(Clone)]
struct KnownPerson {
    compartment: Id,
    code: String,
    legal_name: String,
}

/// An import in progress: one open transaction. Write chunks of rows with
/// [`BulkImport::write`], then [`BulkImport::finish`]; dropping it rolls back.
pub struct BulkImport {
    store: Store,
    /// The transaction, through the writer task ([`Pipe`]).
    tx: Box<dyn Tx>,
    /// Inserts go straight to the writer task, without waiting ([`Cmd::Send`]).
    sender: mpsc::Sender<Cmd>,
    user: Option<Id>,
    audit: AuditEntry,
    compartment: Id,
    vocab: Vocabularies,
    today: NaiveDate,
    may_override: bool,
    may_add_terms: bool,
    terms: Vec<Term>,
    /// External id → person id, for the persons this import has met.
    persons: HashMap<String, Id>,
    /// Every person this import has met or created, by id (kept as the import goes,
    /// not rebuilt per chunk: a million rows meet a million persons).
    known: HashMap<Id, KnownPerson>,
    counts: ImportCounts,
    rows: usize,
    now: String,
    year: i32,
    /// `CREATE INDEX` statements of the indexes dropped at the start, run by
    /// [`BulkImport::finish`] (SQLite, empty database; see [`DEFERRED_INDEX_TABLES`]).
    deferred_indexes: Vec<String>,
    /// The tally triggers set aside at the start (empty database): put back
    /// by [`BulkImport::finish`], which then counts the tallies again from the rows.
    tally_triggers: Option<Vec<String>>,
    /// SQL text of the multi-row inserts, by table and rows (see `insert`).
    statements: HashMap<(String, usize), Arc<str>>,
    /// Full-text rows (rowid, public text, sensitive text) not sent yet, of incidents
    /// and persons (SQLite): sent [`FTS_ROWS`] at a time (see [`BulkImport::send_fts`]).
    fts_incidents: Vec<Val>,
    fts_persons: Vec<Val>,
    /// The database held no incidents when the import began: an external id this
    /// import has not created ([`BulkImport::created`]) names no incident, so a
    /// chunk need not ask. Nobody else writes incidents or persons meanwhile (SQLite's
    /// write lock; on PostgreSQL setting the tally triggers aside makes other writers
    /// to those tables wait for the commit), and the unique indexes would refuse a
    /// duplicate anyway.
    no_incidents: bool,
    /// The same for persons: no persons when the import began, so an external id not
    /// in [`BulkImport::persons`] names none.
    no_persons: bool,
    /// External ids of the incidents this import created (when `no_incidents`).
    created: HashSet<String>,
    /// SQLite: the next free id per table, once asked. BEGIN IMMEDIATE holds the
    /// write lock, so only this import takes ids; forgotten whenever a row goes
    /// through the per-row path, which takes its own.
    next_ids: HashMap<&'static str, Id>,
    /// The next code number per prefix, once asked: the first `INSERT … ON CONFLICT
    /// DO UPDATE` on a prefix's counter row holds it for this transaction (SQLite's
    /// write lock; PostgreSQL's row lock until the commit), so only this import
    /// takes codes of that prefix. Forgotten with `next_ids`.
    next_codes: HashMap<&'static str, i64>,
    /// The writer's answer for the chunk before, awaited by the next
    /// [`BulkImport::write`] (or [`BulkImport::settle`]): a chunk's statements are
    /// written while the next chunk is checked and built.
    pending: Option<oneshot::Receiver<Flushed>>,
}

/// A person a chunk creates, with the id and code planned for it.
struct NewPerson<'a> {
    row: usize,
    person: &'a ValidPerson,
    id: Id,
    code: String,
}

/// Put a row marker before a row's field errors (`rows[3]` or `rows[3].victim`, key
/// `err-import-row`), as [`crate::Access::import_batch`] does, so the caller can name
/// the line. `row` counts from the import's first row (over every chunk given to
/// [`BulkImport::write`]).
fn at_row(row: usize, part: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(mut fe) => {
            fe.0.insert(
                0,
                FieldError {
                    field: format!("rows[{row}]{part}"),
                    key: "err-import-row".into(),
                    arg: Some(row.to_string()),
                },
            );
            StoreError::Invalid(fe)
        }
        other => other,
    }
}

fn taken(row: usize, part: &str, external_id: &str) -> StoreError {
    let mut fe = FieldErrors::default();
    fe.add(
        "external_id",
        "err-external-id-taken",
        Some(external_id.to_owned()),
    );
    at_row(row, part, StoreError::Invalid(fe))
}

impl BulkImport {
    pub(crate) async fn begin(
        store: Store,
        audit: AuditEntry,
        user: Option<Id>,
        vocab: Vocabularies,
        today: NaiveDate,
        may_override: bool,
        may_add_terms: bool,
    ) -> Result<BulkImport> {
        let mut tx = store.begin().await?;
        let compartment = store.target_compartment(&mut tx).await?;
        let mut deferred_indexes = Vec::new();
        let mut tally_triggers = None;
        let empty = tx
            .query("SELECT NOT EXISTS (SELECT 1 FROM incidents)", &[])
            .await?
            .first()
            .is_some_and(|r| r.int(0) == 1);
        let no_persons = tx
            .query("SELECT NOT EXISTS (SELECT 1 FROM persons)", &[])
            .await?
            .first()
            .is_some_and(|r| r.int(0) == 1);
        if store.dialect() == Dialect::Sqlite {
            tx.execute(&format!("PRAGMA cache_size = {BULK_CACHE_KIB}"), &[])
                .await?;
            set_fts_hashsize(tx.as_mut(), FTS_HASHSIZE).await?;
            if empty {
                let found = tx
                    .query(
                        &format!(
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                             AND upper(sql) NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({DEFERRED_INDEX_TABLES})
                             ORDER BY name"
                        ),
                        &[],
                    )
                    .await?;
                for r in found {
                    tx.execute(
                        &format!("DROP INDEX \"{}\"", r.text(0).replace('"', "\"\"")),
                        &[],
                    )
                    .await?;
                    deferred_indexes.push(r.text(1));
                }
            }
        }
        if empty {
            // The tallies: one `INSERT … SELECT … GROUP BY` each at the end instead of
            // a trigger's upsert per row (both engines; see `tally::drop_tally_triggers`
            // for the locks on PostgreSQL).
            tally_triggers = Some(tally::drop_tally_triggers(tx.as_mut(), store.dialect()).await?);
        }
        // From here on the transaction belongs to the writer task (see `run_writer`).
        // Room for a chunk's statements (a few dozen) and the next chunk's: the
        // import builds one chunk while the writer writes the one before.
        let (sender, commands) = mpsc::channel(128);
        tokio::spawn(run_writer(tx, commands));
        let now = store.now_text();
        let year = chrono::Datelike::year(&store.clock.now());
        Ok(BulkImport {
            store,
            tx: Box::new(Pipe(sender.clone())),
            sender,
            user,
            audit,
            compartment,
            vocab,
            today,
            may_override,
            may_add_terms,
            terms: Vec::new(),
            persons: HashMap::new(),
            known: HashMap::new(),
            counts: ImportCounts::default(),
            rows: 0,
            now,
            year,
            deferred_indexes,
            tally_triggers,
            statements: HashMap::new(),
            fts_incidents: Vec::new(),
            fts_persons: Vec::new(),
            no_incidents: empty,
            no_persons,
            created: HashSet::new(),
            next_ids: HashMap::new(),
            next_codes: HashMap::new(),
            pending: None,
        })
    }

    /// What the import has done so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// Write a chunk of rows. `new_terms` are vocabulary terms the rows may use that
    /// are not in Vigil yet (those already added by an earlier chunk are skipped);
    /// they join the transaction. On a row's error nothing of the import stays once
    /// this value is dropped; the error names the row, counted from the first row of
    /// the first chunk: it may be a row of the chunk before, whose statements the
    /// database was still writing ([`BulkImport::settle`] waits for the last one).
    ///
    /// Every question to the database comes first (existing incidents and persons,
    /// codes, ids; into a database without incidents, after the first chunk, there
    /// are none); then the rows are built and sent to the writer a slice at a time
    /// without waiting. The call returns once the chunk *before* is written, so the
    /// writer writes this chunk while the caller reads and the import builds the next.
    pub async fn write(&mut self, new_terms: &[Term], rows: &[ImportRow]) -> Result<()> {
        let done = self.write_chunk(new_terms, rows).await;
        // A failed statement of the chunk before is the cause of any failure of this
        // one (the writer refuses everything after it), and names its own row.
        self.settle().await?;
        self.pending = Some(done?);
        self.rows += rows.len();
        Ok(())
    }

    /// Wait until the chunks given so far are written: a statement the database
    /// refused is reported here, naming the first row of its chunk.
    pub async fn settle(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(answer) => Self::flushed(answer).await,
            None => Ok(()),
        }
    }

    async fn write_chunk(
        &mut self,
        new_terms: &[Term],
        rows: &[ImportRow],
    ) -> Result<oneshot::Receiver<Flushed>> {
        let base = self.rows;
        self.add_terms(new_terms).await?;
        let rules = Rules {
            vocab: &self.vocab,
            today: self.today,
            may_override_verification: self.may_override,
        };
        let mut valid = Vec::with_capacity(rows.len());
        for (i, (_, input)) in rows.iter().enumerate() {
            valid.push(
                input
                    .validate(&rules)
                    .map_err(|e| at_row(base + i, "", e.into()))?,
            );
        }
        let existing = self.find_incidents(&valid).await?;
        let (victims, new_persons) = self.resolve_persons(rows).await?;
        for (inc, ids) in valid.iter_mut().zip(&victims) {
            for (v, id) in inc.violations.iter_mut().zip(ids) {
                v.victim = VictimRef::Person(*id);
            }
        }
        let (create, update) = self.classify(&valid, &existing)?;
        // Perpetrators naming a person or group, and group victims, are checked as the
        // per-row path does; imports have neither.
        for (i, inc) in &create {
            if has_parties(inc) {
                self.store
                    .check_parties(&mut self.tx, inc)
                    .await
                    .map_err(|e| at_row(base + *i, "", e))?;
            }
        }
        if self.no_incidents {
            self.created
                .extend(create.iter().filter_map(|(_, inc)| inc.external_id.clone()));
        }
        let ids = self.alloc_ids("incidents", create.len()).await?;
        let n_violations: usize = create.iter().map(|(_, c)| c.violations.len()).sum();
        let vids = self.alloc_ids("violations", n_violations).await?;

        // Persons before the incidents that name them: a person is created by the
        // first row that names it, so the persons of rows up to a slice's last row go
        // first.
        let mut persons = &new_persons[..];
        let mut vids = &vids[..];
        let mut reindex = Vec::new();
        for (slice, ids) in create.chunks(SLICE).zip(ids.chunks(SLICE)) {
            let last = slice.last().map(|c| c.0).unwrap_or(0);
            let split = persons.iter().take_while(|p| p.row <= last).count();
            let (now, later) = persons.split_at(split);
            self.send_persons(now).await?;
            persons = later;
            let n: usize = slice.iter().map(|(_, c)| c.violations.len()).sum();
            let (these, rest) = vids.split_at(n.min(vids.len()));
            vids = rest;
            reindex.extend(self.send_incidents(slice, ids, these).await?);
        }
        self.send_persons(persons).await?;
        // The per-row steps below may rewrite search rows (`reindex_incident`,
        // `replace_incident`): the ones this import built go first.
        let per_row = !reindex.is_empty()
            || !update.is_empty()
            || new_persons
                .iter()
                .any(|p| !p.person.0.memberships.is_empty());
        if per_row {
            self.send_fts(true).await?;
        }
        for p in &new_persons {
            if !p.person.0.memberships.is_empty() {
                // Memberships name groups that must be checked: the per-row path does it.
                self.store
                    .write_person_lists(&mut self.tx, p.id, &p.person.0)
                    .await
                    .map_err(|e| at_row(base + p.row, ".victim", e))?;
            }
        }
        for id in reindex {
            self.store.reindex_incident(&mut self.tx, id).await?;
        }
        self.counts.created += create.len() as u64;
        for (i, id, inc) in update {
            let done = self
                .store
                .replace_incident(&mut self.tx, self.user, id, None, inc)
                .await
                .map_err(|e| at_row(base + i, "", e))?;
            match done {
                Some(_) => self.counts.updated += 1,
                None => self.counts.unchanged += 1,
            }
        }
        if per_row {
            // The per-row steps take ids and codes of their own.
            self.next_ids.clear();
            self.next_codes.clear();
        }
        let (send, answer) = oneshot::channel();
        self.sender
            .send(Cmd::Flush(send))
            .await
            .map_err(|_| writer_gone())?;
        Ok(answer)
    }

    /// Add the audit entry (one for the whole import, with `detail`: the file's name
    /// and SHA-256, for instance) and commit.
    pub async fn finish(mut self, detail: Vec<(String, Value)>) -> Result<ImportCounts> {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{}:{}", t.kind.code(), t.code))
            .collect();
        let mut e = self
            .audit
            .clone()
            .with("rows", self.rows)
            .with("created", self.counts.created)
            .with("updated", self.counts.updated)
            .with("unchanged", self.counts.unchanged)
            .with("new_terms", terms)
            .with("compartment_id", self.compartment);
        for (k, v) in detail {
            e = e.with(&k, v);
        }
        self.settle().await?;
        self.send_fts(true).await?;
        self.flush().await?;
        for sql in std::mem::take(&mut self.deferred_indexes) {
            self.tx.execute(&sql, &[]).await?;
        }
        if let Some(saved) = self.tally_triggers.take() {
            tally::restore_tally_triggers(self.tx.as_mut(), &saved).await?;
            tally::rebuild_tallies(self.tx.as_mut(), self.store.dialect()).await?;
        }
        if self.store.dialect() == Dialect::Sqlite {
            set_fts_hashsize(self.tx.as_mut(), FTS_HASHSIZE_DEFAULT).await?;
            self.tx
                .execute(&format!("PRAGMA cache_size = {DEFAULT_CACHE_KIB}"), &[])
                .await?;
        }
        self.store.audit_in(&mut self.tx, &e).await?;
        self.tx.commit().await?;
        self.store.reads.invalidate();
        if self.store.dialect() == Dialect::Postgres
            && self.counts.created + self.counts.updated >= ANALYZE_AFTER
        {
            analyze(&self.store).await;
        }
        Ok(self.counts)
    }

    /// Wait until everything sent has been written; a statement the database refused
    /// is reported here, naming the first row of the chunk it wrote.
    async fn flush(&mut self) -> Result<()> {
        let (send, answer) = oneshot::channel();
        self.sender
            .send(Cmd::Flush(send))
            .await
            .map_err(|_| writer_gone())?;
        Self::flushed(answer).await
    }

    async fn flushed(answer: oneshot::Receiver<Flushed>) -> Result<()> {
        match answer.await.map_err(|_| writer_gone())? {
            Ok(()) => Ok(()),
            Err((BackendError::Unique, Some((row, part)))) => Err(taken(row, part, "")),
            Err((e, _)) => Err(e.into()),
        }
    }

    async fn add_terms(&mut self, new_terms: &[Term]) -> Result<()> {
        let fresh: Vec<&Term> = new_terms
            .iter()
            .filter(|t| {
                !self
                    .terms
                    .iter()
                    .any(|k| k.kind == t.kind && k.code == t.code)
            })
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        if !self.may_add_terms {
            return Err(StoreError::Forbidden);
        }
        for t in &fresh {
            self.store.insert_term_in(&mut self.tx, t).await?;
            self.terms.push((*t).clone());
        }
        let all = self
            .vocab
            .all()
            .iter()
            .cloned()
            .chain(fresh.into_iter().cloned())
            .collect();
        self.vocab = Vocabularies::new(all);
        Ok(())
    }

    /// Find the rows' victims by external id, or plan their creation: codes and ids
    /// are allocated here, the rows written by [`BulkImport::send_persons`]. Returns
    /// each row's victim ids, in violation order, and the persons to create.
    async fn resolve_persons<'r>(
        &mut self,
        rows: &'r [ImportRow],
    ) -> Result<(Vec<Vec<Id>>, Vec<NewPerson<'r>>)> {
        // Look up the external ids this import has not met yet, in every compartment:
        // one in a compartment the importer cannot see is taken, as in the per-row path.
        // Into a database that held no persons, the ones not met yet do not exist.
        let mut wanted: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let unmet = rows
            .iter()
            .flat_map(|(persons, _)| persons)
            .map(|p| p.0.external_id.as_str())
            .filter(|ext| !self.no_persons && !ext.is_empty() && !self.persons.contains_key(*ext));
        for ext in unmet {
            if seen.insert(ext) {
                wanted.push(ext);
            }
        }
        let mut hidden: HashSet<String> = HashSet::new();
        let visible = self.store.visible("persons.compartment_id");
        for part in wanted.chunks(LOOKUP) {
            let sql = format!(
                "SELECT id, external_id, compartment_id, code, legal_name, CASE WHEN {visible} THEN 1 ELSE 0 END FROM persons WHERE external_id IN ({})",
                placeholders(self.store.dialect(), 1, part.len())
            );
            let args: Vec<Val> = part.iter().map(|s| Val::from(*s)).collect();
            for r in self.tx.query(&sql, &args).await? {
                if r.int(5) == 1 {
                    let legal_name = self.store.unseal(LEGAL_NAME, r.text(4))?;
                    let id = r.int(0);
                    self.persons.insert(r.text(1), id);
                    self.known.insert(
                        id,
                        KnownPerson {
                            compartment: r.int(2),
                            code: r.text(3),
                            legal_name,
                        },
                    );
                } else {
                    hidden.insert(r.text(1));
                }
            }
        }
        // The persons to create, in order of first appearance (the per-row order).
        let mut create: Vec<(usize, &ValidPerson)> = Vec::new();
        let mut planned: HashMap<&str, usize> = HashMap::new();
        // For each row and violation: a known external id, or an index into `create`.
        let mut slots: Vec<Vec<Result<&str, usize>>> = Vec::with_capacity(rows.len());
        for (i, (persons, _)) in rows.iter().enumerate() {
            let mut row = Vec::with_capacity(persons.len());
            for p in persons {
                let ext = p.0.external_id.as_str();
                if hidden.contains(ext) {
                    return Err(taken(self.rows + i, ".victim", ext));
                }
                if !ext.is_empty() && self.persons.contains_key(ext) {
                    row.push(Ok(ext));
                } else if let Some(&n) = planned.get(ext).filter(|_| !ext.is_empty()) {
                    row.push(Err(n));
                } else {
                    if !ext.is_empty() {
                        planned.insert(ext, create.len());
                    }
                    row.push(Err(create.len()));
                    create.push((i, p));
                }
            }
            slots.push(row);
        }
        let created = self.plan_persons(&create).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in slots {
            let mut ids = Vec::with_capacity(row.len());
            for s in row {
                let id = match s {
                    Ok(ext) => self.persons.get(ext).copied(),
                    Err(n) => created.get(n).map(|k| k.id),
                };
                ids.push(id.ok_or(StoreError::NotFound)?);
            }
            out.push(ids);
        }
        Ok((out, created))
    }

    /// Codes (in blocks per prefix, handed out in order) and ids for the persons to
    /// create; they join the persons this import knows.
    async fn plan_persons<'r>(
        &mut self,
        create: &[(usize, &'r ValidPerson)],
    ) -> Result<Vec<NewPerson<'r>>> {
        if create.is_empty() {
            return Ok(Vec::new());
        }
        let mut per_prefix: Vec<(&'static str, i64)> = Vec::new();
        for (_, p) in create {
            let prefix = p.0.kind.code_prefix();
            match per_prefix.iter_mut().find(|(x, _)| *x == prefix) {
                Some(e) => e.1 += 1,
                None => per_prefix.push((prefix, 1)),
            }
        }
        let mut next: HashMap<&'static str, i64> = HashMap::new();
        for (prefix, k) in &per_prefix {
            if let Some(n) = self.next_codes.get(prefix).copied() {
                // Known, and only this import takes codes of this prefix now (see
                // `next_codes`): count them without waiting for the answer.
                self.sender
                    .send(Cmd::Send(
                        "UPDATE code_counters SET n = n + $1 WHERE prefix = $2 AND year = $3"
                            .into(),
                        vec![(*k).into(), (*prefix).into(), self.year.into()],
                        None,
                    ))
                    .await
                    .map_err(|_| writer_gone())?;
                next.insert(prefix, n);
                self.next_codes.insert(prefix, n + k);
                continue;
            }
            let rows = self
                .tx
                .query(
                    "INSERT INTO code_counters (prefix, year, n) VALUES ($1, $2, $3)
                     ON CONFLICT (prefix, year) DO UPDATE SET n = code_counters.n + excluded.n RETURNING n",
                    &[(*prefix).into(), self.year.into(), (*k).into()],
                )
                .await?;
            let last = rows.first().map(|r| r.int(0)).unwrap_or(*k);
            next.insert(prefix, last - k + 1);
            self.next_codes.insert(prefix, last + 1);
        }
        let ids = self.alloc_ids("persons", create.len()).await?;
        let mut out = Vec::with_capacity(create.len());
        for ((row, vp), id) in create.iter().zip(ids) {
            let p = &vp.0;
            let prefix = p.kind.code_prefix();
            let n = next.get(prefix).copied().unwrap_or(1);
            next.insert(prefix, n + 1);
            let code = format_code(prefix, self.year, n);
            if !p.external_id.is_empty() {
                self.persons.insert(p.external_id.clone(), id);
            }
            self.known.insert(
                id,
                KnownPerson {
                    compartment: self.compartment,
                    code: code.clone(),
                    legal_name: p.legal_name.clone(),
                },
            );
            out.push(NewPerson {
                row: *row,
                person: vp,
                id,
                code,
            });
        }
        Ok(out)
    }

    /// Build the rows of `create` (persons, their lists, search text, version 1) and
    /// send them to the writer.
    async fn send_persons(&mut self, create: &[NewPerson<'_>]) -> Result<()> {
        let Some(first) = create.first() else {
            return Ok(());
        };
        let first_row = first.row;
        let dialect = self.store.dialect();
        let mut person_rows = Vec::with_capacity(create.len() * 19);
        let mut lists = Vec::new();
        let mut sectors = Vec::new();
        let mut fts = Vec::new();
        let mut versions = Vec::with_capacity(create.len() * 7);
        let blind = self.store.cipher.clone();
        for np in create {
            let p = &np.person.0;
            let id = np.id;
            person_rows.extend([
                id.into(),
                np.code.clone().into(),
                p.kind.code().into(),
                self.store.seal(LEGAL_NAME, &p.legal_name).into(),
                self.store.seal(CONTACTS, &p.contacts).into(),
                self.store.seal(ADDRESS, &p.address).into(),
                nonempty(&p.sex),
                p.birth_year.into(),
                nonempty(&p.sdg_group),
                p.consent_record.into(),
                p.consent_share.into(),
                p.consent_publish.code().into(),
                nonempty(&p.external_id),
                Val::from(1i64),
                self.now.clone().into(),
                self.now.clone().into(),
                self.compartment.into(),
            ]);
            let public = fold(&np.code);
            let sensitive = fold(&format!("{} {}", p.legal_name, p.contacts));
            match dialect {
                Dialect::Sqlite => fts.extend([id.into(), public.into(), sensitive.into()]),
                Dialect::Postgres => {
                    person_rows.push(public.into());
                    person_rows.push(search_sensitive(blind.as_deref(), &sensitive).into());
                }
            }
            for c in &p.characteristics {
                lists.extend([Val::from(id), c.into()]);
            }
            for c in &p.sectors {
                sectors.extend([Val::from(id), c.into()]);
            }
            versions.extend(self.version_row("person", id, PERSON_KEYS, Snapshot::person(p)));
        }
        let mut cols = vec![
            "id",
            "code",
            "kind",
            "legal_name",
            "contacts",
            "address",
            "sex",
            "birth_year",
            "sdg_group",
            "consent_record",
            "consent_share",
            "consent_publish",
            "external_id",
            "version",
            "created_at",
            "updated_at",
            "compartment_id",
        ];
        let mut templates = vec!["{}"; cols.len()];
        if dialect == Dialect::Postgres {
            cols.extend(["search_public", "search_sensitive"]);
            templates.extend(pg_search_templates(blind.is_some()));
        }
        // Two rows of one chunk cannot both create an external id (they share one
        // person), so a unique violation is a race with another writer.
        self.insert(
            "persons",
            &cols,
            &templates,
            person_rows,
            Some((self.rows + first_row, ".victim")),
        )
        .await?;
        self.insert(
            "person_characteristics",
            &["person_id", "code"],
            &["{}"; 2],
            lists,
            None,
        )
        .await?;
        self.insert(
            "person_sectors",
            &["person_id", "code"],
            &["{}"; 2],
            sectors,
            None,
        )
        .await?;
        if dialect == Dialect::Sqlite {
            self.fts_persons.extend(fts);
            self.send_fts(false).await?;
        }
        self.insert_versions(versions).await
    }

    /// The incidents Vigil holds with the chunk's external ids: id, whether the
    /// importer sees it, and its last snapshot.
    async fn find_incidents(
        &mut self,
        valid: &[ValidIncident],
    ) -> Result<HashMap<String, (Id, bool, Option<String>)>> {
        let mut seen: HashSet<&str> = HashSet::new();
        let wanted: Vec<&str> = valid
            .iter()
            .filter_map(|inc| inc.external_id.as_deref())
            .filter(|ext| seen.insert(ext))
            .collect();
        if self.no_incidents && !wanted.iter().any(|ext| self.created.contains(*ext)) {
            // Into a database that held no incidents: only this import's exist.
            return Ok(HashMap::new());
        }
        let dialect = self.store.dialect();
        let visible = self.store.visible("i.compartment_id");
        let mut existing = HashMap::new();
        for part in wanted.chunks(LOOKUP) {
            let sql = format!(
                "SELECT i.id, i.external_id, CASE WHEN {visible} THEN 1 ELSE 0 END, v.snapshot FROM incidents i
                 LEFT JOIN versions v ON v.entity = 'incident' AND v.entity_id = i.id AND v.version = i.version
                 WHERE i.external_id IN ({})",
                placeholders(dialect, 1, part.len())
            );
            let args: Vec<Val> = part.iter().map(|s| Val::from(*s)).collect();
            for r in self.tx.query(&sql, &args).await? {
                existing.insert(r.text(1), (r.int(0), r.int(2) == 1, r.opt_text(3)));
            }
        }
        Ok(existing)
    }

    /// Split the chunk into incidents to create and to update; count the unchanged.
    /// An external id twice in one chunk is the caller's error.
    #[allow(clippy::type_complexity)]
    fn classify<'v>(
        &mut self,
        valid: &'v [ValidIncident],
        existing: &HashMap<String, (Id, bool, Option<String>)>,
    ) -> Result<(
        Vec<(usize, &'v ValidIncident)>,
        Vec<(usize, Id, &'v ValidIncident)>,
    )> {
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, inc) in valid.iter().enumerate() {
            if let Some(ext) = inc.external_id.as_deref() {
                if !seen.insert(ext) {
                    return Err(taken(self.rows + i, "", ext));
                }
            }
        }
        let mut create = Vec::new();
        let mut update = Vec::new();
        for (i, inc) in valid.iter().enumerate() {
            let Some(ext) = inc.external_id.as_deref() else {
                create.push((i, inc));
                continue;
            };
            match existing.get(ext) {
                None => create.push((i, inc)),
                Some((_, false, _)) => return Err(taken(self.rows + i, "", ext)),
                Some((id, true, last)) => {
                    let last: Option<Value> = match last {
                        Some(s) => {
                            serde_json::from_str(&self.store.unseal(SNAPSHOT, s.clone())?).ok()
                        }
                        None => None,
                    };
                    if last.as_ref() == Some(&incident_snapshot(inc)) {
                        self.counts.unchanged += 1;
                    } else {
                        update.push((i, *id, inc));
                    }
                }
            }
        }
        Ok((create, update))
    }

    /// Build the rows of `create` (incidents with the ids `ids`, their violations
    /// with the ids `vids`, perpetrators, sources, search text, version 1) and send
    /// them to the writer. Returns the incidents whose search text must be built
    /// from the stored rows (group victims).
    async fn send_incidents(
        &mut self,
        create: &[(usize, &ValidIncident)],
        ids: &[Id],
        vids: &[Id],
    ) -> Result<Vec<Id>> {
        let Some(&(first_row, _)) = create.first() else {
            return Ok(Vec::new());
        };
        let dialect = self.store.dialect();
        let blind = self.store.cipher.clone();
        let mut reindex = Vec::new();
        let mut vids = vids.iter().copied();
        let by_id = &self.known;
        let mut incidents = Vec::with_capacity(create.len() * 25);
        let mut violations = Vec::new();
        let mut perpetrators = Vec::new();
        let mut sources = Vec::new();
        let mut versions = Vec::with_capacity(create.len() * 7);
        let mut fts = Vec::new();
        for ((_, inc), &id) in create.iter().zip(ids) {
            let mut args = incident_args(inc, self.user, self.now.clone());
            let coordinates = self.store.seal_incident_args(&mut args, inc);
            incidents.push(id.into());
            incidents.extend(args.into_iter().take(16));
            incidents.extend([
                Val::from(1i64),
                self.user.into(),
                self.now.clone().into(),
                self.now.clone().into(),
                self.compartment.into(),
                coordinates,
            ]);
            // The search text `reindex_incident` would build from the stored rows.
            let mut public = format!("{} {} {}", inc.title, inc.region, inc.locality);
            let mut sensitive = inc.narrative.clone();
            let mut has_group = false;
            for (pos, v) in inc.violations.iter().enumerate() {
                let vid = vids.next().ok_or(StoreError::NotFound)?;
                let (person, group) = match v.victim {
                    VictimRef::Person(p) => (Some(p), None),
                    VictimRef::Group(g) => (None, Some(g)),
                };
                has_group |= group.is_some();
                let victim = person
                    .and_then(|p| by_id.get(&p))
                    .filter(|k| k.compartment == self.compartment);
                public.push(' ');
                public.push_str(victim.map(|k| k.code.as_str()).unwrap_or(""));
                public.push_str("  ");
                sensitive.push(' ');
                sensitive.push_str(victim.map(|k| k.legal_name.as_str()).unwrap_or(""));
                violations.extend([
                    vid.into(),
                    id.into(),
                    (pos as i64).into(),
                    v.violation_type.clone().into(),
                    person.into(),
                    group.into(),
                    v.date.iso().into(),
                    v.date.precision.code().into(),
                    v.outcome.clone().into(),
                    v.reprisal_un.into(),
                ]);
                for (ppos, p) in v.perpetrators.iter().enumerate() {
                    perpetrators.extend([
                        vid.into(),
                        (ppos as i64).into(),
                        p.perpetrator_type.clone().into(),
                        p.person_id.into(),
                        p.group_id.into(),
                    ]);
                }
            }
            for (pos, s) in inc.sources.iter().enumerate() {
                sensitive.push(' ');
                sensitive.push_str(&s.origin);
                sensitive.push(' ');
                sensitive.push_str(&s.description);
                sources.extend([
                    id.into(),
                    (pos as i64).into(),
                    s.source_type.clone().into(),
                    s.reliability.clone().into(),
                    self.store.seal(ORIGIN, &s.origin).into(),
                    self.store.seal(DESCRIPTION, &s.description).into(),
                ]);
            }
            if has_group {
                reindex.push(id);
            }
            let (public, sensitive) = (fold(&public), fold(&sensitive));
            match dialect {
                Dialect::Sqlite => fts.extend([id.into(), public.into(), sensitive.into()]),
                Dialect::Postgres => {
                    incidents.push(public.into());
                    incidents.push(search_sensitive(blind.as_deref(), &sensitive).into());
                }
            }
            versions.extend(self.version_row(
                "incident",
                id,
                INCIDENT_KEYS,
                Snapshot::incident(inc),
            ));
        }
        let mut cols = vec![
            "id",
            "external_id",
            "title",
            "narrative",
            "start_date",
            "start_precision",
            "start_year",
            "end_date",
            "end_precision",
            "country",
            "region",
            "locality",
            "latitude",
            "longitude",
            "business_sector",
            "status",
            "verification_override",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "compartment_id",
            "coordinates_enc",
        ];
        let mut templates = vec!["{}"; cols.len()];
        if dialect == Dialect::Postgres {
            cols.extend(["search_public", "search_sensitive"]);
            templates.extend(pg_search_templates(blind.is_some()));
        }
        self.insert(
            "incidents",
            &cols,
            &templates,
            incidents,
            Some((self.rows + first_row, "")),
        )
        .await?;
        self.insert(
            "violations",
            &[
                "id",
                "incident_id",
                "position",
                "violation_type",
                "victim_person_id",
                "victim_group_id",
                "date",
                "date_precision",
                "outcome",
                "reprisal_un",
            ],
            &["{}"; 10],
            violations,
            None,
        )
        .await?;
        self.insert(
            "perpetrators",
            &[
                "violation_id",
                "position",
                "perpetrator_type",
                "person_id",
                "group_id",
            ],
            &["{}"; 5],
            perpetrators,
            None,
        )
        .await?;
        self.insert(
            "sources",
            &[
                "incident_id",
                "position",
                "source_type",
                "reliability",
                "origin",
                "description",
            ],
            &["{}"; 6],
            sources,
            None,
        )
        .await?;
        if dialect == Dialect::Sqlite {
            self.fts_incidents.extend(fts);
            self.send_fts(false).await?;
        }
        self.insert_versions(versions).await?;
        Ok(reindex)
    }

    /// A version-1 row for `versions`: every field counts as changed (`changed`, the
    /// snapshot's keys), as in the per-row path.
    fn version_row(&self, entity: &str, id: Id, changed: &str, snapshot: String) -> [Val; 7] {
        let snapshot = match &self.store.cipher {
            Some(c) => c.seal(SNAPSHOT, &snapshot),
            None => snapshot,
        };
        [
            entity.into(),
            id.into(),
            Val::from(1i64),
            self.now.clone().into(),
            self.user.into(),
            changed.into(),
            snapshot.into(),
        ]
    }

    async fn insert_versions(&mut self, values: Vec<Val>) -> Result<()> {
        self.insert(
            "versions",
            &[
                "entity",
                "entity_id",
                "version",
                "at",
                "user_id",
                "changed",
                "snapshot",
            ],
            &["{}"; 7],
            values,
            None,
        )
        .await
    }

    /// `k` fresh ids for `table`, in increasing order.
    async fn alloc_ids(&mut self, table: &'static str, k: usize) -> Result<Vec<Id>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        match self.store.dialect() {
            // BEGIN IMMEDIATE holds the write lock: nobody else takes ids meanwhile,
            // so the largest is asked once and counted on from there.
            Dialect::Sqlite => {
                let first = match self.next_ids.get(table) {
                    Some(&n) => n,
                    None => {
                        self.tx
                            .query(&format!("SELECT coalesce(max(id), 0) FROM {table}"), &[])
                            .await?
                            .first()
                            .map(|r| r.int(0))
                            .unwrap_or(0)
                            + 1
                    }
                };
                self.next_ids.insert(table, first + k as i64);
                Ok((0..k as i64).map(|n| first + n).collect())
            }
            Dialect::Postgres => {
                let rows = self
                    .tx
                    .query(
                        &format!("SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1) ORDER BY 1"),
                        &[(k as i64).into()],
                    )
                    .await?;
                Ok(rows.iter().map(|r| r.int(0)).collect())
            }
        }
    }

    /// Send the full-text rows kept so far: all of them (`all`), else as many
    /// statements of [`FTS_ROWS`] rows as are ready.
    async fn send_fts(&mut self, all: bool) -> Result<()> {
        for table in FTS_TABLES {
            let pending = match table {
                "incident_fts" => &mut self.fts_incidents,
                _ => &mut self.fts_persons,
            };
            let ready = if all {
                pending.len()
            } else {
                pending.len() / (FTS_ROWS * 3) * (FTS_ROWS * 3)
            };
            if ready == 0 {
                continue;
            }
            let values: Vec<Val> = pending.drain(..ready).collect();
            self.insert_rows(
                table,
                &["rowid", "public_text", "sensitive_text"],
                &["{}"; 3],
                values,
                None,
                FTS_ROWS,
            )
            .await?;
        }
        Ok(())
    }

    /// Send `values` (row after row, `cols.len()` each) to the writer as multi-row
    /// statements, without waiting. `templates` wraps each placeholder (`{}`), e.g.
    /// in `to_tsvector`. A refusal is reported by the next flush, naming `origin`.
    ///
    /// Statements come in a few fixed sizes ([`batch_sizes`]) so that the engines'
    /// prepared-statement caches (per connection, by SQL text) hold them all: a
    /// statement of an odd size each chunk would be parsed and planned again every
    /// time, and a 30,000-parameter statement costs much to parse. Their SQL text is
    /// built once per import.
    async fn insert(
        &mut self,
        table: &str,
        cols: &[&str],
        templates: &[&str],
        values: Vec<Val>,
        origin: Origin,
    ) -> Result<()> {
        self.insert_rows(table, cols, templates, values, origin, MAX_ROWS)
            .await
    }

    /// [`BulkImport::insert`] with at most `max_rows` rows per statement.
    async fn insert_rows(
        &mut self,
        table: &str,
        cols: &[&str],
        templates: &[&str],
        values: Vec<Val>,
        origin: Origin,
        max_rows: usize,
    ) -> Result<()> {
        let width = cols.len();
        if values.is_empty() || width == 0 {
            return Ok(());
        }
        let dialect = self.store.dialect();
        let per = (MAX_PARAMS / width).clamp(1, max_rows);
        let mut left = values.len() / width;
        let mut values = values.into_iter();
        while left > 0 {
            let rows = batch_sizes(per)
                .into_iter()
                .find(|&n| n <= left)
                .unwrap_or(1);
            let sql = self
                .statements
                .entry((table.to_owned(), rows))
                .or_insert_with(|| insert_sql(dialect, table, cols, templates, rows).into())
                .clone();
            let args: Vec<Val> = values.by_ref().take(rows * width).collect();
            self.sender
                .send(Cmd::Send(sql, args, origin))
                .await
                .map_err(|_| writer_gone())?;
            left -= rows;
        }
        Ok(())
    }
}

/// The keys of an incident's version-1 snapshot, sorted: its `changed` list (every
/// field counts as changed in a version 1, as `changed_fields` lists them).
const INCIDENT_KEYS: &str = r#"["business_sector","coordinates","country","end","external_id","locality","narrative","region","sources","start","status","title","verification_override","violations"]"#;
/// The same for a person's.
const PERSON_KEYS: &str = r#"["address","birth_year","characteristics","consent_publish","consent_record","consent_share","contacts","external_id","kind","legal_name","memberships","sdg_group","sectors","sex"]"#;

/// Version-1 snapshots written straight as JSON text: the same bytes as
/// `serde_json::to_string` of the `Value` that [`incident_snapshot`] and
/// `person_snapshot` build (objects with their keys sorted, as `serde_json::Map`
/// keeps them), without building that tree. Checked against them by the tests below.
struct Snapshot(Vec<u8>);

impl Snapshot {
    fn new() -> Self {
        Snapshot(Vec::with_capacity(1024))
    }

    /// `,"key":` (no comma before the first key of an object).
    fn key(&mut self, first: bool, key: &str) {
        if !first {
            self.0.push(b',');
        }
        self.0.push(b'"');
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(b"\":");
    }

    fn value<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        // Writing into a Vec cannot fail, and these values always serialise.
        if serde_json::to_writer(&mut self.0, v).is_err() {
            self.0.extend_from_slice(b"null");
        }
    }

    fn text(self) -> String {
        String::from_utf8(self.0).unwrap_or_default()
    }

    fn incident(inc: &ValidIncident) -> String {
        let mut j = Snapshot::new();
        j.0.push(b'{');
        j.key(true, "business_sector");
        j.value(&inc.business_sector);
        j.key(false, "coordinates");
        j.value(&inc.coordinates.map(|c| [c.lat, c.lon]));
        j.key(false, "country");
        j.value(&inc.country);
        j.key(false, "end");
        j.value(&inc.end.map(|d| d.to_string()));
        j.key(false, "external_id");
        j.value(&inc.external_id);
        j.key(false, "locality");
        j.value(&inc.locality);
        j.key(false, "narrative");
        j.value(&inc.narrative);
        j.key(false, "region");
        j.value(&inc.region);
        j.key(false, "sources");
        j.0.push(b'[');
        for (n, s) in inc.sources.iter().enumerate() {
            if n > 0 {
                j.0.push(b',');
            }
            j.0.push(b'{');
            j.key(true, "description");
            j.value(&s.description);
            j.key(false, "origin");
            j.value(&s.origin);
            j.key(false, "reliability");
            j.value(&s.reliability);
            j.key(false, "source_type");
            j.value(&s.source_type);
            j.0.push(b'}');
        }
        j.0.push(b']');
        j.key(false, "start");
        j.value(&inc.start.to_string());
        j.key(false, "status");
        j.value(inc.status.code());
        j.key(false, "title");
        j.value(&inc.title);
        j.key(false, "verification_override");
        j.value(&inc.verification_override);
        j.key(false, "violations");
        j.0.push(b'[');
        for (n, v) in inc.violations.iter().enumerate() {
            if n > 0 {
                j.0.push(b',');
            }
            j.0.push(b'{');
            j.key(true, "date");
            j.value(&v.date.to_string());
            j.key(false, "outcome");
            j.value(&v.outcome);
            j.key(false, "perpetrators");
            j.0.push(b'[');
            for (m, p) in v.perpetrators.iter().enumerate() {
                if m > 0 {
                    j.0.push(b',');
                }
                j.0.push(b'{');
                j.key(true, "group_id");
                j.value(&p.group_id);
                j.key(false, "perpetrator_type");
                j.value(&p.perpetrator_type);
                j.key(false, "person_id");
                j.value(&p.person_id);
                j.0.push(b'}');
            }
            j.0.push(b']');
            j.key(false, "reprisal_un");
            j.value(&v.reprisal_un);
            j.key(false, "type");
            j.value(&v.violation_type);
            j.key(false, "victim");
            // `VictimRef` is `{"kind": …, "id": …}`; sorted, `id` comes first.
            let (id, kind) = match v.victim {
                VictimRef::Person(id) => (id, "person"),
                VictimRef::Group(id) => (id, "group"),
            };
            j.0.push(b'{');
            j.key(true, "id");
            j.value(&id);
            j.key(false, "kind");
            j.value(kind);
            j.0.push(b'}');
            j.0.push(b'}');
        }
        j.0.push(b']');
        j.0.push(b'}');
        j.text()
    }

    fn person(p: &PersonInput) -> String {
        let mut j = Snapshot::new();
        j.0.push(b'{');
        j.key(true, "address");
        j.value(&p.address);
        j.key(false, "birth_year");
        j.value(&p.birth_year);
        j.key(false, "characteristics");
        j.value(&p.characteristics);
        j.key(false, "consent_publish");
        j.value(&p.consent_publish);
        j.key(false, "consent_record");
        j.value(&p.consent_record);
        j.key(false, "consent_share");
        j.value(&p.consent_share);
        j.key(false, "contacts");
        j.value(&p.contacts);
        j.key(false, "external_id");
        j.value(&p.external_id);
        j.key(false, "kind");
        j.value(&p.kind);
        j.key(false, "legal_name");
        j.value(&p.legal_name);
        j.key(false, "memberships");
        j.value(&p.memberships);
        j.key(false, "sdg_group");
        j.value(&p.sdg_group);
        j.key(false, "sectors");
        j.value(&p.sectors);
        j.key(false, "sex");
        j.value(&p.sex);
        j.0.push(b'}');
        j.text()
    }
}

/// PostgreSQL: gather the planner's statistics of the tables the import wrote,
/// after its commit. Until autovacuum gets to a freshly loaded table (minutes,
/// more under load) the planner knows nothing of its rows: at 1,000,000 incidents
/// record pages then took seconds each (docs/performance.md). The import is
/// committed whatever happens here, so a failure is only logged.
async fn analyze(store: &Store) {
    let mut tables = vec![
        "incidents",
        "violations",
        "perpetrators",
        "sources",
        "persons",
        "person_characteristics",
        "person_sectors",
        "versions",
    ];
    tables.extend(tally::fills(Dialect::Postgres).iter().map(|(t, _)| *t));
    let sql = format!("ANALYZE {}", tables.join(", "));
    if let Err(e) = store.db.query(&sql, &[]).await {
        tracing::warn!(error = %e, "statistics not gathered after the import");
    }
}

/// Set FTS5's in-memory buffer of pending entries (`hashsize`, bytes) for the
/// full-text tables, in the transaction (SQLite).
async fn set_fts_hashsize(tx: &mut dyn Tx, bytes: i64) -> Result<()> {
    for t in FTS_TABLES {
        tx.execute(
            &format!("INSERT INTO {t} ({t}, rank) VALUES ('hashsize', {bytes})"),
            &[],
        )
        .await?;
    }
    Ok(())
}

/// Does the incident name a person or group as perpetrator, or a group as victim?
fn has_parties(inc: &ValidIncident) -> bool {
    inc.violations.iter().any(|v| {
        matches!(v.victim, VictimRef::Group(_))
            || v.perpetrators
                .iter()
                .any(|p| p.person_id.is_some() || p.group_id.is_some())
    })
}

/// The statement sizes (rows) `insert` uses, largest first: `per`, then smaller
/// fixed sizes for the remainder of a chunk.
fn batch_sizes(per: usize) -> Vec<usize> {
    std::iter::once(per)
        .chain([2048, 512, 128, 32, 8, 1].into_iter().filter(|&n| n < per))
        .collect()
}

/// `INSERT INTO table (cols) VALUES (…), (…)` for `rows` rows.
fn insert_sql(
    dialect: Dialect,
    table: &str,
    cols: &[&str],
    templates: &[&str],
    rows: usize,
) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    sql.reserve(rows * templates.len() * 8);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (c, t) in templates.iter().enumerate() {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            let p = match dialect {
                Dialect::Sqlite => "?".to_owned(),
                Dialect::Postgres => format!("${n}"),
            };
            sql.push_str(&t.replace("{}", &p));
        }
        sql.push(')');
    }
    sql
}

/// `$first, $first+1, …` (PostgreSQL) or `?, ?, …` (SQLite), `n` of them.
fn placeholders(dialect: Dialect, first: usize, n: usize) -> String {
    (0..n)
        .map(|i| match dialect {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${}", first + i),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value of `search_sensitive` on PostgreSQL: the blind-index tokens of the
/// sensitive words when fields are sealed (never the words), else the text.
fn search_sensitive(blind: Option<&crate::cipher::FieldCipher>, folded: &str) -> String {
    match blind {
        Some(c) => sensitive_words(folded)
            .into_iter()
            .map(|w| format!("'{BLIND_MARK}{}'", c.blind(&w)))
            .collect::<Vec<_>>()
            .join(" "),
        None => folded.to_owned(),
    }
}

fn pg_search_templates(blind: bool) -> [&'static str; 2] {
    [
        "to_tsvector('simple', {})",
        if blind {
            "{}::tsvector"
        } else {
            "to_tsvector('simple', {})"
        },
    ]
}

impl crate::Access {
    /// Start a bulk import (administrators; see [`BulkImport`]): rows are checked with
    /// the same rules as the incident form, persons found or created by external id,
    /// and new records go to this view's compartment. One audit entry records the
    /// whole import when it is finished.
    pub async fn bulk_import(&self) -> Result<BulkImport> {
        if !self.can(Permission::Import) {
            return Err(StoreError::Forbidden);
        }
        let (vocab, today) = self.rules_context().await?;
        BulkImport::begin(
            self.store().clone(),
            AuditEntry::new(crate::audit::Action::Import, "incident").by(self.actor()),
            Some(self.actor().user_id),
            vocab,
            today,
            self.can(Permission::OverrideVerification),
            self.can(Permission::Administer),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::records::{changed_fields, person_snapshot};
    use vigil_domain::model::{
        Coordinates, IncidentStatus, PartialDate, PerpetratorInput, PersonKind, PublishConsent,
        SourceInput,
    };
    use vigil_domain::validate::ValidViolation;

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    fn incidents() -> Vec<ValidIncident> {
        let plain = ValidIncident {
            title: "Amenaza a \"lideresa\" — Río\tNegro".into(),
            narrative: "Línea 1\nLínea 2 \\ \u{1F600} <b>".into(),
            start: date("2024-03-15"),
            end: None,
            country: "CO".into(),
            region: "Cauca".into(),
            locality: String::new(),
            coordinates: None,
            business_sector: None,
            status: IncidentStatus::Reported,
            verification_override: None,
            external_id: None,
            violations: Vec::new(),
            sources: Vec::new(),
        };
        let mut full = plain.clone();
        full.end = Some(date("2024-04"));
        full.start = date("2023");
        full.coordinates = Some(Coordinates {
            lat: 2.4448,
            lon: -76.614_7,
        });
        full.business_sector = Some("mining".into());
        full.verification_override = Some("why".into());
        full.external_id = Some("C-001".into());
        full.status = IncidentStatus::Verified;
        full.violations = vec![
            ValidViolation {
                violation_type: "threat".into(),
                victim: VictimRef::Person(42),
                date: date("2024-03-15"),
                outcome: String::new(),
                reprisal_un: true,
                perpetrators: vec![
                    PerpetratorInput {
                        perpetrator_type: "police".into(),
                        person_id: None,
                        group_id: Some(7),
                    },
                    PerpetratorInput {
                        perpetrator_type: "unknown".into(),
                        person_id: Some(3),
                        group_id: None,
                    },
                ],
            },
            ValidViolation {
                violation_type: "killing".into(),
                victim: VictimRef::Group(9),
                date: date("2024-03"),
                outcome: "dead".into(),
                reprisal_un: false,
                perpetrators: Vec::new(),
            },
        ];
        full.sources = vec![
            SourceInput {
                source_type: "press".into(),
                reliability: "high".into(),
                origin: "El \"Tiempo\"".into(),
                description: String::new(),
            },
            SourceInput::default(),
        ];
        vec![plain, full]
    }

    fn persons() -> Vec<PersonInput> {
        let p = PersonInput {
            kind: PersonKind::Defender,
            legal_name: "María \"la flaca\" Pérez".into(),
            contacts: "+57 300\n@maria".into(),
            address: String::new(),
            sex: "female".into(),
            birth_year: Some(1980),
            characteristics: vec!["indigenous".into(), "lgbti".into()],
            sectors: vec!["land".into()],
            sdg_group: String::new(),
            memberships: vec![4, 5],
            consent_record: true,
            consent_share: false,
            consent_publish: PublishConsent::AggregateOnly,
            external_id: "P-1".into(),
        };
        let mut q = p.clone();
        q.kind = PersonKind::Relative;
        q.birth_year = None;
        q.characteristics.clear();
        q.memberships.clear();
        q.consent_publish = PublishConsent::Named;
        vec![p, q]
    }

    /// The snapshot text and `changed` list written without a `Value` tree are
    /// byte for byte those of the per-row path.
    #[test]
    fn snapshots_are_the_bytes_the_per_row_path_writes() {
        for inc in incidents() {
            let v = incident_snapshot(&inc);
            assert_eq!(Snapshot::incident(&inc), v.to_string());
            assert_eq!(
                INCIDENT_KEYS,
                serde_json::to_string(&changed_fields(None, &v)).unwrap()
            );
        }
        for p in persons() {
            let v = person_snapshot(&p);
            assert_eq!(Snapshot::person(&p), v.to_string());
            assert_eq!(
                PERSON_KEYS,
                serde_json::to_string(&changed_fields(None, &v)).unwrap()
            );
        }
    }
}
