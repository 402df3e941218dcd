//! CSV import (`vigil import`): reads an organisation's spreadsheet through a mapping
//! file, checks every row, and imports all rows in one transaction — or none of them.
//! It must never write part of a file, and never write anything on a dry run.
//!
//! The mapping (TOML, described in `docs/import.md`) says which column feeds which
//! field, which constants apply to every row, and how the file's own spellings map to
//! Vigil's codes. One row is one incident, identified by its external id, so importing
//! the same file again changes nothing and a corrected file updates in place.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context};
use chrono::{NaiveDate, NaiveDateTime};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use vigil_domain::country::{normalise_name, Countries};
use vigil_domain::model::{
    IncidentInput, IncidentStatus, PartialDate, PerpetratorInput, PersonInput, PersonKind,
    PublishConsent, SourceInput, VictimRef, ViolationInput,
};
use vigil_domain::validate::{FieldError, Rules, ValidPerson};
use vigil_domain::vocab::{valid_code, Term, TermAttrs, VocabKind, Vocabularies};
use vigil_domain::Permission;
use vigil_store::access::ImportCounts;
use vigil_store::{Access, StoreError};

// ---------------------------------------------------------------- interface

/// How the CSV file's bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    /// ISO-8859-1, read as Windows-1252 (a superset: the same letters plus `€`, `“ ”` …).
    Latin1,
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "windows-1252" | "cp1252" => {
                Ok(Encoding::Latin1)
            }
            other => Err(format!("unknown encoding {other:?} (use utf-8 or latin-1)")),
        }
    }
}

/// What `vigil import` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The mapping file (TOML).
    pub mapping: PathBuf,
    /// The CSV file.
    pub file: PathBuf,
    pub encoding: Encoding,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Add vocabulary values the mapping does not know as new terms instead of
    /// rejecting their rows.
    pub add_unknown_terms: bool,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
}

/// One problem in one row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The CSV file as given on the command line.
    pub file: String,
    /// The line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// The CSV column at fault, when there is one (constants and row-wide rules have none).
    pub column: Option<String>,
    /// What is wrong, in English.
    pub reason: String,
}

impl fmt::Display for RowError {
    /// `FILE:LINE: column COL: reason`, or `FILE:LINE: reason` when no column is at fault.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(
                f,
                "{}:{}: column {c}: {}",
                self.file, self.line, self.reason
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

/// What an import found and did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Data rows read (blank rows are skipped and not counted).
    pub rows: usize,
    /// Every problem found, in file order. When not empty, nothing was imported.
    pub rejected: Vec<RowError>,
    /// What the store did; `None` when nothing was written (dry run or rejected rows).
    pub counts: Option<ImportCounts>,
    /// Terms added with `--add-unknown-terms` (on a dry run: the terms that would be
    /// added), as vocabulary and code. Their labels are the values found in the file.
    pub added_terms: Vec<(VocabKind, String)>,
    pub dry_run: bool,
}

impl ImportReport {
    /// How many distinct rows were rejected.
    pub fn rejected_rows(&self) -> usize {
        let mut lines: Vec<u64> = self.rejected.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    }

    /// One line for the end of the command's output.
    pub fn summary(&self) -> String {
        let terms = if self.added_terms.is_empty() {
            String::new()
        } else if self.dry_run {
            format!(
                "; {} new vocabulary terms would be added",
                self.added_terms.len()
            )
        } else {
            format!("; {} new vocabulary terms added", self.added_terms.len())
        };
        if !self.rejected.is_empty() {
            format!(
                "{} of {} rows rejected ({} problems); nothing was imported",
                self.rejected_rows(),
                self.rows,
                self.rejected.len()
            )
        } else if let Some(c) = self.counts {
            format!(
                "{} rows: {} created, {} updated, {} unchanged{terms}",
                self.rows, c.created, c.updated, c.unchanged
            )
        } else {
            format!(
                "dry run: all {} rows are valid; nothing was written{terms}",
                self.rows
            )
        }
    }
}

impl fmt::Display for ImportReport {
    /// The command's output: one line per problem, the terms added, then the summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.rejected {
            writeln!(f, "{e}")?;
        }
        let verb = if self.dry_run { "would add" } else { "added" };
        for (kind, code) in &self.added_terms {
            writeln!(f, "{verb} {} term: {code}", kind_name(*kind))?;
        }
        writeln!(f, "{}", self.summary())
    }
}

/// Import one CSV file. Mapping and file problems (unreadable, malformed mapping,
/// a mapped column missing from the header) are errors; problems in rows are
/// reported in [`ImportReport::rejected`], and then nothing is imported.
pub async fn run(access: &Access, opts: &ImportOptions) -> anyhow::Result<ImportReport> {
    import(access, opts, false).await
}

/// [`run`] through the per-row path ([`Access::import_batch`]: every row a sequence
/// of single-row statements) instead of the bulk path. Slow; it is the reference the
/// bulk path is tested against, and must store the same records.
pub async fn run_per_row(access: &Access, opts: &ImportOptions) -> anyhow::Result<ImportReport> {
    import(access, opts, true).await
}

async fn import(
    access: &Access,
    opts: &ImportOptions,
    per_row: bool,
) -> anyhow::Result<ImportReport> {
    if !access.can(Permission::Import) {
        return Err(anyhow::Error::new(StoreError::Forbidden)
            .context("importing needs an administrator account"));
    }
    let mapping_name = opts.mapping.display().to_string();
    let file_name = opts.file.display().to_string();
    let text = std::fs::read_to_string(&opts.mapping)
        .with_context(|| format!("cannot read the mapping file {mapping_name}"))?;
    let mut mapping = Mapping::parse(&text).map_err(|e| anyhow!("{mapping_name}: {e}"))?;
    let (vocab, today) = access.rules_context().await?;
    mapping
        .check(&vocab)
        .map_err(|e| anyhow!("{mapping_name}: {e}"))?;

    let f = File::open(&opts.file).with_context(|| format!("cannot open {file_name}"))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let hashed = Hashing::new(BufReader::with_capacity(1 << 20, f));
    let digest = hashed.digest.clone();
    let (reader, headers) = open_csv(
        &mut mapping,
        hashed,
        opts.encoding,
        &mapping_name,
        &file_name,
    )?;
    let mapping = Arc::new(mapping);
    let scanner = Scanner {
        mapping: mapping.clone(),
        vocab,
        today,
        may_override: access.can(Permission::OverrideVerification),
        add_unknown_terms: opts.add_unknown_terms,
        encoding: opts.encoding,
        file: file_name.clone(),
        headers,
        bar: progress_bar(opts.progress, size),
    };

    // The file is read, mapped and checked on a thread of its own while the store
    // writes the chunks already checked, inside one transaction: all rows or none.
    let (send, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(4);
    let write = !opts.dry_run;
    let reading = tokio::task::spawn_blocking(move || {
        scanner.scan(reader, |c| write && send.blocking_send(c).is_ok())
    });
    let mut store_errors: Vec<RowError> = Vec::new();
    let mut failure: Option<StoreError> = None;
    let mut counts = None;
    if per_row {
        let mut batch = Vec::new();
        let mut metas = Vec::new();
        let mut terms = Vec::new();
        while let Some(c) = chunks.recv().await {
            batch.extend(c.rows);
            metas.extend(c.metas);
            terms = c.new_terms;
        }
        if write && !batch.is_empty() {
            match access.import_batch(&terms, &batch).await {
                Ok(c) => counts = Some(c),
                Err(StoreError::Invalid(fe)) => {
                    store_errors.extend(batch_errors(&mapping, &file_name, |n| metas.get(n), fe.0))
                }
                Err(e) => failure = Some(e),
            }
        }
    } else if write {
        let mut bulk = Some(access.bulk_import().await?);
        // The store names a refused row counted from the first row it was given, and
        // it may be a row of the chunk before the one just given (its statements are
        // written while the next chunk is built): the lines of both are kept.
        let mut window = Window::default();
        let mut on_error = |e: StoreError, window: &Window| match e {
            StoreError::Invalid(fe) => {
                store_errors.extend(batch_errors(&mapping, &file_name, |n| window.get(n), fe.0))
            }
            other => failure = Some(other),
        };
        while let Some(c) = chunks.recv().await {
            let Some(b) = bulk.as_mut() else { continue };
            window.push(c.metas);
            if let Err(e) = b.write(&c.new_terms, &c.rows).await {
                // Dropping the import rolls it back; the reader goes on collecting
                // every problem in the file.
                bulk = None;
                on_error(e, &window);
                chunks.close();
            }
        }
        if let Some(b) = bulk.as_mut() {
            if let Err(e) = b.settle().await {
                bulk = None;
                on_error(e, &window);
            }
        }
        let scanned = reading
            .await
            .map_err(|e| anyhow!("reading {file_name}: {e}"))??;
        let mut report = scanned.report(opts.dry_run);
        if let Some(e) = failure {
            return Err(anyhow::Error::new(e).context("the import failed; nothing was imported"));
        }
        report.rejected.extend(store_errors);
        report.rejected.sort_by_key(|e| e.line);
        if let (true, Some(b)) = (report.rejected.is_empty(), bulk) {
            let spinner = progress_spinner(opts.progress, report.rows);
            let sha = digest
                .lock()
                .map(|d| hex::encode(d.clone().finalize()))
                .unwrap_or_default();
            let detail = vec![
                (
                    "file".to_owned(),
                    serde_json::Value::from(file_name.clone()),
                ),
                ("sha256".to_owned(), serde_json::Value::from(sha)),
                ("mapping".to_owned(), serde_json::Value::from(mapping_name)),
            ];
            let done = b.finish(detail).await;
            spinner.finish_and_clear();
            report.counts = Some(done.map_err(|e| {
                anyhow::Error::new(e).context("the import failed; nothing was imported")
            })?);
        }
        return Ok(report);
    }
    let scanned = reading
        .await
        .map_err(|e| anyhow!("reading {file_name}: {e}"))??;
    let mut report = scanned.report(opts.dry_run);
    if let Some(e) = failure {
        return Err(anyhow::Error::new(e).context("the import failed; nothing was imported"));
    }
    report.rejected.extend(store_errors);
    report.rejected.sort_by_key(|e| e.line);
    if report.rejected.is_empty() {
        report.counts = counts;
    }
    Ok(report)
}

/// Place the errors of the store's batch on their line and column. The store names
/// the failing row with a marker (`rows[N]` or `rows[N].victim`, `err-import-row`)
/// before that row's field errors.
fn batch_errors<'m>(
    mapping: &Mapping,
    file: &str,
    metas: impl Fn(usize) -> Option<&'m RowMeta>,
    errors: Vec<FieldError>,
) -> Vec<RowError> {
    let mut row: Option<(&RowMeta, bool)> = None;
    let mut out = Vec::new();
    for e in errors {
        if e.key == "err-import-row" {
            let n = e.arg.as_deref().and_then(|a| a.parse::<usize>().ok());
            row = n
                .and_then(&metas)
                .map(|m| (m, e.field.ends_with(".victim")));
            continue;
        }
        let reason = english(&e.key, e.arg.as_deref());
        out.push(match row {
            Some((meta, is_person)) => mapping
                .field_error(file, meta, is_person, &e)
                .unwrap_or_else(|| RowError {
                    file: file.to_owned(),
                    line: meta.line,
                    column: None,
                    reason,
                }),
            None => RowError {
                file: file.to_owned(),
                line: 0,
                column: None,
                reason: format!("{}: {reason}", e.field),
            },
        });
    }
    out
}

/// The lines of the rows given to the bulk import and not yet known to be written:
/// the chunk just given and the one before it. Rows are counted from the import's
/// first, as the store names them.
#[derive(Default)]
struct Window {
    /// The number of the first row held.
    first: usize,
    /// The rows of the chunk before, then those of the chunk just given.
    before: Vec<RowMeta>,
    last: Vec<RowMeta>,
}

impl Window {
    /// A chunk is given to the store.
    fn push(&mut self, metas: Vec<RowMeta>) {
        self.first += self.before.len();
        self.before = std::mem::replace(&mut self.last, metas);
    }

    fn get(&self, row: usize) -> Option<&RowMeta> {
        let k = row.checked_sub(self.first)?;
        self.before
            .get(k)
            .or_else(|| self.last.get(k - self.before.len()))
    }
}

/// Rows checked and ready for the store, a chunk at a time, with their lines.
struct Chunk {
    rows: Vec<(Vec<ValidPerson>, IncidentInput)>,
    metas: Vec<RowMeta>,
    /// Every term to add so far (`--add-unknown-terms`).
    new_terms: Vec<Term>,
}

/// Rows per chunk handed to the store: four of the store's slices of 512 rows, each
/// written with one multi-row statement per table where the rows fit
/// (`vigil_store::bulk`).
const CHUNK_ROWS: usize = 2_048;

/// What reading the whole file found.
struct Scanned {
    rows: usize,
    rejected: Vec<RowError>,
    new_terms: Vec<Term>,
}

impl Scanned {
    fn report(self, dry_run: bool) -> ImportReport {
        let mut rejected = self.rejected;
        rejected.sort_by_key(|e| e.line);
        ImportReport {
            rows: self.rows,
            rejected,
            counts: None,
            added_terms: self
                .new_terms
                .iter()
                .map(|t| (t.kind, t.code.clone()))
                .collect(),
            dry_run,
        }
    }
}

/// A reader that keeps the SHA-256 of what passes through (the audit entry names
/// the file by it).
struct Hashing<R> {
    inner: R,
    digest: Arc<Mutex<Sha256>>,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            digest: Arc::new(Mutex::new(Sha256::new())),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Ok(mut d), Some(b)) = (self.digest.lock(), buf.get(..n)) {
            d.update(b);
        }
        Ok(n)
    }
}

/// Open the CSV, read its header and bind the mapping's columns to it.
fn open_csv<R: Read>(
    mapping: &mut Mapping,
    input: R,
    encoding: Encoding,
    mapping_name: &str,
    file: &str,
) -> anyhow::Result<(csv::Reader<R>, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let raw_headers = reader
        .byte_headers()
        .with_context(|| format!("{file}:1: cannot read the header"))?
        .clone();
    let mut headers = Vec::with_capacity(raw_headers.len());
    for (i, h) in raw_headers.iter().enumerate() {
        let h = if i == 0 {
            h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
        } else {
            h
        };
        let text = decode(h, encoding)
            .map_err(|_| anyhow!("{file}:1: column {} of the header {NOT_UTF8}", i + 1))?;
        headers.push(text.trim().to_owned());
    }
    mapping
        .bind(&headers)
        .map_err(|e| anyhow!("{mapping_name}: {e}"))?;
    Ok((reader, headers))
}

/// Reads, maps and checks every row of a file whose mapping is bound.
struct Scanner {
    mapping: Arc<Mapping>,
    vocab: Vocabularies,
    today: NaiveDate,
    may_override: bool,
    add_unknown_terms: bool,
    encoding: Encoding,
    file: String,
    headers: Vec<String>,
    bar: ProgressBar,
}

impl Scanner {
    /// Read every row; hand the rows that pass, a chunk at a time, to `sink` until a
    /// row fails (nothing will be written then) or `sink` says stop. Every problem in
    /// the file is collected either way.
    fn scan<R: Read>(
        self,
        mut reader: csv::Reader<R>,
        mut sink: impl FnMut(Chunk) -> bool,
    ) -> anyhow::Result<Scanned> {
        let file = self.file.as_str();
        let headers = &self.headers;
        let mut mapper = RowMapper {
            mapping: &self.mapping,
            conv: Converter::new(&self.vocab, self.add_unknown_terms),
            file,
            seen: HashMap::new(),
        };
        // Validation sees the terms that will be added, so a dry run answers for the
        // real run; rebuilt when a row adds one.
        let mut vocab_ext = self.vocab.clone();
        let mut terms_seen = 0;
        let mut rows = 0usize;
        let mut rejected: Vec<RowError> = Vec::new();
        let mut sending = true;
        let mut chunk = Chunk {
            rows: Vec::with_capacity(CHUNK_ROWS),
            metas: Vec::with_capacity(CHUNK_ROWS),
            new_terms: Vec::new(),
        };
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(anyhow!("{file}:{line}: cannot read the CSV: {e}"));
                }
            }
            let (line, byte) = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
            if rows.is_multiple_of(1024) {
                self.bar.set_position(byte);
            }
            let mut cells = Vec::with_capacity(record.len());
            let mut lines_before = 0;
            let mut undecodable = None;
            for (i, field) in record.iter().enumerate() {
                match decode(field, self.encoding) {
                    Ok(s) => cells.push(s),
                    Err(at) => {
                        let at_line =
                            line + lines_before + newlines(field.get(..at).unwrap_or_default());
                        undecodable = Some((
                            at_line,
                            headers
                                .get(i)
                                .cloned()
                                .unwrap_or_else(|| format!("#{}", i + 1)),
                        ));
                        break;
                    }
                }
                lines_before += newlines(field);
            }
            if let Some((at_line, column)) = undecodable {
                rejected.push(RowError {
                    file: file.to_owned(),
                    line: at_line,
                    column: Some(column),
                    reason: format!("the text {NOT_UTF8}"),
                });
                rows += 1;
                continue;
            }
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows += 1;
            let bad_width = cells.len() != headers.len();
            if bad_width {
                rejected.push(RowError {
                    file: file.to_owned(),
                    line,
                    column: None,
                    reason: format!(
                        "the row has {} cells but the header has {} columns (a stray delimiter or quote?)",
                        cells.len(),
                        headers.len()
                    ),
                });
            }
            let (row, errs) = mapper.map_row(line, &cells);
            rejected.extend(errs);
            // A row that could not be split into its columns has nothing to check.
            if bad_width {
                continue;
            }
            if mapper.conv.new_terms.len() != terms_seen {
                terms_seen = mapper.conv.new_terms.len();
                let mut terms = self.vocab.all().to_vec();
                terms.extend(mapper.conv.new_terms.iter().cloned());
                vocab_ext = Vocabularies::new(terms);
                chunk.new_terms = mapper.conv.new_terms.clone();
            }
            let rules = Rules {
                vocab: &vocab_ext,
                today: self.today,
                may_override_verification: self.may_override,
            };
            let inc = row.incident.validate(&rules);
            let person = row.person.validate(&rules);
            let mut errs: Vec<(bool, FieldError)> = Vec::new();
            if let Err(e) = &inc {
                errs.extend(e.0.iter().cloned().map(|e| (false, e)));
            }
            if let Err(e) = &person {
                errs.extend(e.0.iter().cloned().map(|e| (true, e)));
            }
            for (is_person, e) in errs {
                if let Some(err) = self.mapping.field_error(file, &row.meta, is_person, &e) {
                    rejected.push(err);
                }
            }
            if !rejected.is_empty() {
                // Nothing will be written: stop handing rows over, keep checking.
                sending = false;
                chunk.rows.clear();
                chunk.metas.clear();
                continue;
            }
            if let (true, Ok(p), true) = (row.meta.failed.is_empty(), person, sending) {
                chunk
                    .rows
                    .push((vec![p; row.incident.violations.len()], row.incident));
                chunk.metas.push(row.meta);
                if chunk.rows.len() >= CHUNK_ROWS {
                    let full = std::mem::replace(
                        &mut chunk,
                        Chunk {
                            rows: Vec::with_capacity(CHUNK_ROWS),
                            metas: Vec::with_capacity(CHUNK_ROWS),
                            new_terms: mapper.conv.new_terms.clone(),
                        },
                    );
                    sending = sink(full);
                }
            }
        }
        if sending && rejected.is_empty() && !chunk.rows.is_empty() {
            sink(chunk);
        }
        self.bar.finish_and_clear();
        Ok(Scanned {
            rows,
            rejected,
            new_terms: mapper.conv.new_terms,
        })
    }
}

/// Everything `vigil import --dry-run` checks, on bytes in memory and without a
/// database: the mapping (against the built-in vocabularies), the CSV and every row.
/// An entry point for fuzzing (`fuzz/`) and tests; `run` is the real import.
pub fn check_bytes(
    mapping_text: &str,
    csv: &[u8],
    encoding: Encoding,
    add_unknown_terms: bool,
    today: NaiveDate,
) -> anyhow::Result<ImportReport> {
    let mut mapping = Mapping::parse(mapping_text).map_err(|e| anyhow!("mapping: {e}"))?;
    let vocab = Vocabularies::builtin();
    mapping.check(&vocab).map_err(|e| anyhow!("mapping: {e}"))?;
    let (reader, headers) = open_csv(&mut mapping, csv, encoding, "mapping", "input.csv")?;
    let scanner = Scanner {
        mapping: Arc::new(mapping),
        vocab,
        today,
        may_override: false,
        add_unknown_terms,
        encoding,
        file: "input.csv".to_owned(),
        headers,
        bar: ProgressBar::hidden(),
    };
    Ok(scanner.scan(reader, |_| true)?.report(true))
}

// ---------------------------------------------------------------- mapping

/// What a mapped value becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Text,
    /// A date in the mapping's formats or ISO; the form gives the precision.
    Date,
    /// A country name or code, stored as ISO alpha-2.
    Country,
    Number,
    Year,
    /// One vocabulary code.
    Code(VocabKind),
    /// Several codes in one cell, split by the field's `separator`.
    Codes(VocabKind),
    Status,
    PersonKind,
    Consent,
    /// yes / no.
    Bool,
}

use FieldKind as K;

type FieldTable = &'static [(&'static str, FieldKind)];

const INCIDENT_FIELDS: FieldTable = &[
    ("external_id", K::Text),
    ("title", K::Text),
    ("narrative", K::Text),
    ("start_date", K::Date),
    ("end_date", K::Date),
    ("country", K::Country),
    ("region", K::Text),
    ("locality", K::Text),
    ("latitude", K::Number),
    ("longitude", K::Number),
    ("business_sector", K::Code(VocabKind::BusinessSector)),
    ("status", K::Status),
    ("verification_override", K::Text),
];

const VICTIM_FIELDS: FieldTable = &[
    ("external_id", K::Text),
    ("name", K::Text),
    ("kind", K::PersonKind),
    ("sex", K::Code(VocabKind::Sex)),
    ("birth_year", K::Year),
    ("characteristics", K::Codes(VocabKind::Characteristic)),
    ("sectors", K::Codes(VocabKind::SectorOfDefence)),
    ("sdg_group", K::Code(VocabKind::SdgGroup)),
    ("contacts", K::Text),
    ("address", K::Text),
    ("consent_share", K::Bool),
    ("consent_publish", K::Consent),
];

const VIOLATION_FIELDS: FieldTable = &[
    ("violation_type", K::Codes(VocabKind::ViolationType)),
    ("date", K::Date),
    ("perpetrator_type", K::Codes(VocabKind::PerpetratorType)),
    ("reprisal_un", K::Bool),
    ("outcome", K::Text),
];

const SOURCE_FIELDS: FieldTable = &[
    ("source_type", K::Code(VocabKind::SourceType)),
    ("reliability", K::Code(VocabKind::Reliability)),
    ("origin", K::Text),
    ("description", K::Text),
];

/// A problem in the mapping file, with the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "key `{k}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for MappingError {}

fn merr(key: impl Into<String>, message: impl Into<String>) -> MappingError {
    MappingError {
        key: Some(key.into()),
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Source {
    Column(String),
    Constant(String),
}

/// An input date format (chrono `strftime` syntax) and the month-only form derived
/// from it (`%d/%m/%Y` → `%m/%Y`), so `07/2019` is read as July 2019.
#[derive(Debug, Clone, PartialEq)]
struct DateFormat {
    day: String,
    month: Option<String>,
}

/// How one field is filled.
#[derive(Debug, Clone, PartialEq)]
struct FieldSpec {
    /// The mapping key, for messages: `violation[0].perpetrator_type`.
    key: String,
    name: &'static str,
    kind: FieldKind,
    source: Source,
    /// The column's position in the file, once bound to the header.
    index: Option<usize>,
    /// The file's spellings → Vigil's values: exact keys, then normalised keys.
    values: HashMap<String, String>,
    values_norm: HashMap<String, String>,
    formats: Vec<DateFormat>,
    date_help: String,
    separator: Option<String>,
    default: Option<String>,
}

impl FieldSpec {
    fn column(&self) -> Option<String> {
        match &self.source {
            Source::Column(c) => Some(c.clone()),
            Source::Constant(_) => None,
        }
    }

    fn is_column(&self) -> bool {
        matches!(self.source, Source::Column(_))
    }

    /// The file's spelling translated through `values`, if it is listed there.
    fn mapped<'a>(&'a self, s: &'a str) -> &'a str {
        if self.values.is_empty() {
            return s;
        }
        if let Some(t) = self.values.get(s) {
            return t;
        }
        self.values_norm
            .get(&normalise_name(s))
            .map_or(s, String::as_str)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Section {
    fields: Vec<FieldSpec>,
}

impl Section {
    fn get(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Optional violations and sources are taken from a row only when one of their
    /// columns has a value there (or when they have no columns at all).
    fn present(&self, cells: &[String]) -> bool {
        let mut columns = self.fields.iter().filter(|f| f.is_column()).peekable();
        columns.peek().is_none() || columns.any(|f| !cell(f, cells).is_empty())
    }
}

/// A parsed mapping file.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    delimiter: u8,
    incident: Section,
    victim: Section,
    violations: Vec<Section>,
    sources: Vec<Section>,
}

impl Mapping {
    /// Parse and check a mapping file's text. Errors name the key concerned.
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        let root: toml::Table = text.parse().map_err(|e: toml::de::Error| MappingError {
            key: None,
            message: format!("not valid TOML: {e}"),
        })?;
        const TOP: &[&str] = &["csv", "incident", "victim", "violation", "source"];
        for k in root.keys() {
            if !TOP.contains(&k.as_str()) {
                return Err(unknown_key(k, TOP));
            }
        }
        let mut delimiter = b',';
        let mut formats = Vec::new();
        if let Some(v) = root.get("csv") {
            for (k, v) in table(v, "csv")? {
                let key = format!("csv.{k}");
                match k.as_str() {
                    "delimiter" => delimiter = parse_delimiter(v, &key)?,
                    "date_format" => formats = parse_formats(v, &key)?,
                    _ => return Err(unknown_key(&key, &["delimiter", "date_format"])),
                }
            }
        }
        let incident = match root.get("incident") {
            Some(v) => parse_section("incident", table(v, "incident")?, INCIDENT_FIELDS, &formats)?,
            None => {
                return Err(merr(
                    "incident",
                    "missing: the mapping needs an [incident] table",
                ))
            }
        };
        let victim = match root.get("victim") {
            Some(v) => parse_section("victim", table(v, "victim")?, VICTIM_FIELDS, &formats)?,
            None => Section::default(),
        };
        let violations = parse_sections(
            root.get("violation"),
            "violation",
            VIOLATION_FIELDS,
            &formats,
        )?;
        let sources = parse_sections(root.get("source"), "source", SOURCE_FIELDS, &formats)?;

        match incident.get("external_id") {
            Some(s) if s.is_column() => {}
            Some(s) => return Err(merr(&s.key, "must name a column: each row needs its own external id")),
            None => {
                return Err(merr(
                    "incident.external_id",
                    "missing: name the column holding each incident's own id (it makes re-importing safe)",
                ))
            }
        }
        for (name, what) in [
            ("title", "a title"),
            ("start_date", "a start date"),
            ("country", "a country"),
        ] {
            if incident.get(name).is_none() {
                return Err(merr(
                    format!("incident.{name}"),
                    format!("missing: every incident needs {what} (map a column, or give {{ value = \"…\" }})"),
                ));
            }
        }
        if violations.is_empty() {
            return Err(merr(
                "violation",
                "missing: the mapping needs at least one [[violation]] table",
            ));
        }
        for (i, v) in violations.iter().enumerate() {
            if v.get("violation_type").is_none() {
                return Err(merr(
                    format!("violation[{i}].violation_type"),
                    "missing: every violation needs a type",
                ));
            }
        }
        for (i, s) in sources.iter().enumerate() {
            for name in ["source_type", "reliability", "origin"] {
                if s.get(name).is_none() {
                    return Err(merr(
                        format!("source[{i}].{name}"),
                        "missing: a source needs source_type, reliability and origin",
                    ));
                }
            }
        }
        Ok(Mapping {
            delimiter,
            incident,
            victim,
            violations,
            sources,
        })
    }

    fn specs(&self) -> impl Iterator<Item = &FieldSpec> {
        self.incident
            .fields
            .iter()
            .chain(self.victim.fields.iter())
            .chain(self.violations.iter().flat_map(|s| s.fields.iter()))
            .chain(self.sources.iter().flat_map(|s| s.fields.iter()))
    }

    fn specs_mut(&mut self) -> impl Iterator<Item = &mut FieldSpec> {
        self.incident
            .fields
            .iter_mut()
            .chain(self.victim.fields.iter_mut())
            .chain(self.violations.iter_mut().flat_map(|s| s.fields.iter_mut()))
            .chain(self.sources.iter_mut().flat_map(|s| s.fields.iter_mut()))
    }

    /// Check constants, defaults and the targets of value maps against the
    /// vocabularies in force: a mapping that cannot be right fails before any row.
    fn check(&self, vocab: &Vocabularies) -> Result<(), MappingError> {
        let mut conv = Converter::new(vocab, false);
        for spec in self.specs() {
            if spec.kind == K::Text {
                continue;
            }
            if let Source::Constant(v) = &spec.source {
                conv.convert(spec, v)
                    .map_err(|m| merr(format!("{}.value", spec.key), m))?;
            }
            if let Some(d) = &spec.default {
                conv.convert(spec, d)
                    .map_err(|m| merr(format!("{}.default", spec.key), m))?;
            }
            let mut targets: Vec<(&String, &String)> = spec.values.iter().collect();
            targets.sort();
            for (from, to) in targets {
                conv.convert(spec, to)
                    .map_err(|m| merr(format!("{}.values.{from:?}", spec.key), m))?;
            }
        }
        Ok(())
    }

    /// Find each mapped column in the file's header (exactly, else ignoring case and
    /// accents).
    fn bind(&mut self, headers: &[String]) -> Result<(), MappingError> {
        let normalised: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
        for spec in self.specs_mut() {
            let Source::Column(c) = &spec.source else {
                continue;
            };
            let want = normalise_name(c);
            let found = headers.iter().position(|h| h == c.trim()).or_else(|| {
                normalised
                    .iter()
                    .position(|h| !want.is_empty() && *h == want)
            });
            match found {
                Some(i) => spec.index = Some(i),
                None => {
                    let list = headers
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(merr(
                        &spec.key,
                        format!(
                            "column {c:?} is not in the file's header (its columns are: {list})"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Turn a validation error on one row into a report line naming the CSV column.
    /// `None` when the error only repeats a problem already reported for that row.
    fn field_error(
        &self,
        file: &str,
        meta: &RowMeta,
        is_person: bool,
        e: &FieldError,
    ) -> Option<RowError> {
        let (spec, key) = self.locate(meta, is_person, &e.field);
        let failed = |k: &str| meta.failed.iter().any(|f| f == k);
        if spec.is_some_and(|s| failed(&s.key))
            || (e.key == "err-no-violations"
                && meta.failed.iter().any(|f| f.starts_with("violation[")))
            || (e.field == "coordinates"
                && (failed("incident.latitude") || failed("incident.longitude")))
        {
            return None;
        }
        let reason = english(&e.key, e.arg.as_deref());
        Some(RowError {
            file: file.to_owned(),
            line: meta.line,
            column: spec.and_then(FieldSpec::column),
            reason: match spec {
                Some(s) if s.is_column() => reason,
                Some(s) => format!("{reason} (from the constant {} in the mapping)", s.key),
                None if key.is_empty() => reason,
                None => format!("{key}: {reason}"),
            },
        })
    }

    /// The mapping field behind a validation field path, and a key naming it.
    fn locate(&self, meta: &RowMeta, is_person: bool, path: &str) -> (Option<&FieldSpec>, String) {
        if is_person {
            let name = match path {
                "legal_name" => "name",
                other => other,
            };
            return (self.victim.get(name), format!("victim.{name}"));
        }
        let indexed = |prefix: &str| -> Option<(usize, String)> {
            let rest = path.strip_prefix(prefix)?;
            let (n, field) = rest.split_once("].")?;
            Some((n.parse().ok()?, field.to_owned()))
        };
        if let Some((i, field)) = indexed("violations[") {
            let Some(&m) = meta.violations.get(i) else {
                return (None, String::new());
            };
            let name = match field.as_str() {
                "type" => "violation_type",
                f if f.starts_with("perpetrators[") => "perpetrator_type",
                "victim" => return (None, format!("violation[{m}] victim")),
                other => other,
            };
            return (
                self.violations.get(m).and_then(|s| s.get(name)),
                format!("violation[{m}].{name}"),
            );
        }
        if let Some((i, field)) = indexed("sources[") {
            let Some(&m) = meta.sources.get(i) else {
                return (None, String::new());
            };
            let name = if field == "type" {
                "source_type"
            } else {
                field.as_str()
            };
            return (
                self.sources.get(m).and_then(|s| s.get(name)),
                format!("source[{m}].{name}"),
            );
        }
        match path {
            "coordinates" => {
                let spec = self
                    .incident
                    .get("latitude")
                    .or_else(|| self.incident.get("longitude"));
                (spec, "incident.latitude/longitude".to_owned())
            }
            "violations" | "sources" => (None, String::new()),
            other => (self.incident.get(other), format!("incident.{other}")),
        }
    }
}

fn unknown_key(key: &str, allowed: &[&str]) -> MappingError {
    merr(
        key,
        format!("unknown key; expected one of: {}", allowed.join(", ")),
    )
}

fn table<'a>(v: &'a toml::Value, key: &str) -> Result<&'a toml::Table, MappingError> {
    v.as_table().ok_or_else(|| merr(key, "expected a table"))
}

fn string(v: &toml::Value, key: &str) -> Result<String, MappingError> {
    match v.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(_) => Err(merr(key, "must not be empty")),
        None => Err(merr(key, "expected a string in quotes")),
    }
}

/// A value given in the mapping: a string, or a number or boolean written bare.
fn scalar(v: &toml::Value, key: &str) -> Result<String, MappingError> {
    match v {
        toml::Value::String(s) => Ok(s.trim().to_owned()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(if *b { "yes" } else { "no" }.to_owned()),
        _ => Err(merr(key, "expected a string, a number or true/false")),
    }
}

fn parse_delimiter(v: &toml::Value, key: &str) -> Result<u8, MappingError> {
    let s = v
        .as_str()
        .ok_or_else(|| merr(key, "expected a string such as \";\""))?;
    match s {
        "tab" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes().first().copied().unwrap_or(b',')),
        _ => Err(merr(
            key,
            format!("{s:?} is not one ASCII character (use \",\", \";\", \"tab\" …)"),
        )),
    }
}

fn parse_formats(v: &toml::Value, key: &str) -> Result<Vec<DateFormat>, MappingError> {
    let list: Vec<String> = match v {
        toml::Value::String(s) => vec![s.clone()],
        toml::Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, f)| string(f, &format!("{key}[{i}]")))
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(merr(
                key,
                "expected a format such as \"%d/%m/%Y\", or a list of them",
            ))
        }
    };
    list.iter()
        .map(|f| date_format(f).map_err(|m| merr(key, m)))
        .collect()
}

/// Check an input date format and derive its month-only form.
fn date_format(f: &str) -> Result<DateFormat, String> {
    use chrono::format::{Item, StrftimeItems};
    let bad =
        || format!("{f:?} is not a date format with day, month and year (such as \"%d/%m/%Y\")");
    if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
        return Err(bad());
    }
    let sample = NaiveDate::from_ymd_opt(2019, 7, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(bad)?;
    let mut text = String::new();
    write!(text, "{}", sample.format(f)).map_err(|_| bad())?;
    if parse_day(&text, f) != Some(sample.date()) {
        return Err(bad());
    }
    Ok(DateFormat {
        day: f.to_owned(),
        month: month_format(f),
    })
}

/// `%d/%m/%Y` → `%m/%Y`: drop the day and one separator beside it. `None` when the
/// result does not read back a month.
fn month_format(f: &str) -> Option<String> {
    let (pos, token) = ["%d", "%-d", "%e"]
        .iter()
        .find_map(|t| f.find(t).map(|p| (p, *t)))?;
    let before = f.get(..pos)?;
    let after = f.get(pos + token.len()..)?;
    let m = match after.chars().next() {
        Some(c) if c != '%' => format!("{before}{}", after.get(c.len_utf8()..)?),
        _ => match before.chars().last() {
            Some(c) if c != '%' => format!("{}{after}", before.get(..before.len() - c.len_utf8())?),
            _ => format!("{before}{after}"),
        },
    };
    let sample = NaiveDate::from_ymd_opt(2019, 7, 1)?;
    let mut text = String::new();
    write!(text, "{}", sample.format(&m)).ok()?;
    (parse_month(&text, &m) == Some(sample)).then_some(m)
}

fn parse_day(s: &str, f: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, f)
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, f).ok().map(|t| t.date()))
}

fn parse_month(s: &str, f: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{s}|1"), &format!("{f}|%d")).ok()
}

/// Read a date in one of `formats` (known to the day, or to the month with the day
/// left out), else in ISO form (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`).
fn parse_date(s: &str, formats: &[DateFormat]) -> Option<PartialDate> {
    let s = s.trim();
    for f in formats {
        if let Some(d) = parse_day(s, &f.day) {
            return Some(PartialDate::day(d));
        }
    }
    for f in formats {
        if let Some(d) = f.month.as_deref().and_then(|m| parse_month(s, m)) {
            return Some(PartialDate {
                date: d,
                precision: vigil_domain::model::Precision::Month,
            });
        }
    }
    s.parse().ok()
}

/// Examples of what a date field accepts, for error messages.
fn date_help(formats: &[DateFormat]) -> String {
    let mut forms = Vec::new();
    let day = NaiveDate::from_ymd_opt(2019, 7, 31).and_then(|d| d.and_hms_opt(0, 0, 0));
    let month = NaiveDate::from_ymd_opt(2019, 7, 1);
    for f in formats {
        if let Some(d) = day {
            let mut s = String::new();
            if write!(s, "{}", d.format(&f.day)).is_ok() {
                forms.push(s);
            }
        }
        if let (Some(m), Some(mf)) = (month, &f.month) {
            let mut s = String::new();
            if write!(s, "{}", m.format(mf)).is_ok() {
                forms.push(s);
            }
        }
    }
    forms.extend([
        "2019-07-31".to_owned(),
        "2019-07".to_owned(),
        "2019".to_owned(),
    ]);
    forms.dedup();
    format!("a date such as {}", forms.join(", "))
}

fn parse_sections(
    v: Option<&toml::Value>,
    name: &str,
    fields: FieldTable,
    formats: &[DateFormat],
) -> Result<Vec<Section>, MappingError> {
    match v {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let key = format!("{name}[{i}]");
                parse_section(&key, table(v, &key)?, fields, formats)
            })
            .collect(),
        Some(toml::Value::Table(t)) => Ok(vec![parse_section(
            &format!("{name}[0]"),
            t,
            fields,
            formats,
        )?]),
        Some(_) => Err(merr(name, format!("expected [[{name}]] tables"))),
    }
}

fn parse_section(
    name: &str,
    t: &toml::Table,
    fields: FieldTable,
    formats: &[DateFormat],
) -> Result<Section, MappingError> {
    let mut section = Section::default();
    for (k, v) in t {
        let key = format!("{name}.{k}");
        let Some(&(field, kind)) = fields.iter().find(|(f, _)| f == k) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return Err(unknown_key(&key, &names));
        };
        section
            .fields
            .push(parse_field(key, field, kind, v, formats)?);
    }
    Ok(section)
}

fn parse_field(
    key: String,
    name: &'static str,
    kind: FieldKind,
    v: &toml::Value,
    formats: &[DateFormat],
) -> Result<FieldSpec, MappingError> {
    let mut spec = FieldSpec {
        key,
        name,
        kind,
        source: Source::Column(String::new()),
        index: None,
        values: HashMap::new(),
        values_norm: HashMap::new(),
        formats: formats.to_vec(),
        date_help: String::new(),
        separator: None,
        default: None,
    };
    match v {
        toml::Value::String(_) => spec.source = Source::Column(string(v, &spec.key)?),
        toml::Value::Table(t) => {
            let (mut column, mut value) = (None, None);
            for (k, v) in t {
                let sub = format!("{}.{k}", spec.key);
                match k.as_str() {
                    "column" => column = Some(string(v, &sub)?),
                    "value" => value = Some(scalar(v, &sub)?),
                    "default" => spec.default = Some(scalar(v, &sub)?),
                    "values" => {
                        for (from, to) in table(v, &sub)? {
                            let to = scalar(to, &format!("{sub}.{from:?}"))?;
                            spec.values.insert(from.trim().to_owned(), to.clone());
                            spec.values_norm.entry(normalise_name(from)).or_insert(to);
                        }
                    }
                    "format" if kind == K::Date => spec.formats = parse_formats(v, &sub)?,
                    "separator" if matches!(kind, K::Codes(_)) => match v.as_str() {
                        Some(s) if !s.is_empty() => spec.separator = Some(s.to_owned()),
                        _ => return Err(merr(sub, "expected a non-empty string such as \";\"")),
                    },
                    _ => {
                        let mut allowed = vec!["column", "value", "values", "default"];
                        if kind == K::Date {
                            allowed.push("format");
                        }
                        if matches!(kind, K::Codes(_)) {
                            allowed.push("separator");
                        }
                        return Err(unknown_key(&sub, &allowed));
                    }
                }
            }
            spec.source = match (column, value) {
                (Some(c), None) => Source::Column(c),
                (None, Some(v)) if spec.default.is_none() => Source::Constant(v),
                (None, Some(_)) => return Err(merr(&spec.key, "`default` only applies to a column")),
                (Some(_), Some(_)) => return Err(merr(&spec.key, "give either `column` or `value`, not both")),
                (None, None) => return Err(merr(&spec.key, "needs `column = \"…\"` or `value = \"…\"`")),
            };
        }
        _ => {
            return Err(merr(
                &spec.key,
                "expected a column name in quotes, or a table such as { column = \"…\" } or { value = \"…\" }",
            ))
        }
    }
    spec.date_help = date_help(&spec.formats);
    Ok(spec)
}

// ---------------------------------------------------------------- values

/// A cell's text: trimmed, with a spreadsheet's formula escape (`'=…`) removed, or
/// the field's default when empty.
fn cell<'c>(spec: &'c FieldSpec, cells: &'c [String]) -> &'c str {
    let raw = match &spec.source {
        Source::Constant(v) => v.as_str(),
        Source::Column(_) => spec
            .index
            .and_then(|i| cells.get(i))
            .map_or("", |s| s.as_str()),
    };
    let s = unescape_formula(raw.trim());
    if s.is_empty() {
        spec.default.as_deref().unwrap_or("")
    } else {
        s
    }
}

/// Undo the `'` Vigil's CSV export (and spreadsheets) put before a cell that would
/// otherwise be read as a formula.
fn unescape_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.trim(),
        _ => s,
    }
}

/// A value converted for its field.
#[derive(Debug, Clone, PartialEq)]
enum Conv {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Year(i32),
    Bool(bool),
    Status(IncidentStatus),
    Kind(PersonKind),
    Consent(PublishConsent),
}

/// Vocabulary lookups by code or label, ignoring case, accents and punctuation.
struct VocabIndex {
    by_key: HashMap<(VocabKind, String), String>,
}

impl VocabIndex {
    fn new(vocab: &Vocabularies) -> Self {
        let mut by_key = HashMap::new();
        // Codes first, so that a label can never shadow another term's code.
        for t in vocab.all() {
            by_key.insert((t.kind, normalise_name(&t.code)), t.code.clone());
        }
        for t in vocab.all() {
            for label in [&t.label_en, &t.label_es] {
                let k = normalise_name(label);
                if !k.is_empty() {
                    by_key.entry((t.kind, k)).or_insert_with(|| t.code.clone());
                }
            }
        }
        Self { by_key }
    }

    fn find(&self, kind: VocabKind, s: &str) -> Option<&str> {
        self.by_key
            .get(&(kind, normalise_name(s)))
            .map(String::as_str)
    }
}

/// A term code made from a value: `Ejército Nacional` → `ejercito_nacional`.
fn slug(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in normalise_name(s).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        return None;
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "t_");
    }
    out.truncate(64);
    let out = out.trim_end_matches('_').to_owned();
    valid_code(&out).then_some(out)
}

fn parse_bool(s: &str) -> Option<bool> {
    match normalise_name(s).as_str() {
        "yes" | "y" | "true" | "1" | "si" | "s" | "x" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let n = s.parse::<f64>().ok().or_else(|| {
        (!s.contains('.'))
            .then(|| s.replace(',', ".").parse().ok())
            .flatten()
    })?;
    n.is_finite().then_some(n)
}

/// A code-valued enum by its code, or by a spelling that slugs to it.
fn enum_code<T: FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok().or_else(|| slug(s)?.parse().ok())
}

fn kind_name(kind: VocabKind) -> &'static str {
    match kind {
        VocabKind::ViolationType => "violation type",
        VocabKind::PerpetratorType => "perpetrator type",
        VocabKind::SourceType => "source type",
        VocabKind::Reliability => "reliability",
        VocabKind::BusinessSector => "business sector",
        VocabKind::Characteristic => "characteristic",
        VocabKind::SectorOfDefence => "sector of defence",
        VocabKind::SdgGroup => "SDG group",
        VocabKind::Sex => "sex",
        VocabKind::GroupType => "group type",
    }
}

fn codes_list<T: Copy + fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Converts the file's values into Vigil's, planning new terms when allowed.
struct Converter {
    index: VocabIndex,
    add_unknown: bool,
    new_terms: Vec<Term>,
}

impl Converter {
    fn new(vocab: &Vocabularies, add_unknown: bool) -> Self {
        Self {
            index: VocabIndex::new(vocab),
            add_unknown,
            new_terms: Vec::new(),
        }
    }

    /// Convert one non-empty value; `Ok(None)` when the value map empties it.
    fn convert(&mut self, spec: &FieldSpec, raw: &str) -> Result<Option<Conv>, String> {
        if let K::Codes(kind) = spec.kind {
            let items: Vec<&str> = match &spec.separator {
                Some(sep) => raw.split(sep.as_str()).collect(),
                None => vec![raw],
            };
            let mut out: Vec<String> = Vec::new();
            for item in items {
                let item = unescape_formula(item.trim());
                let mapped = spec.mapped(item);
                if mapped.is_empty() {
                    continue;
                }
                let code = self.code(spec, kind, item, mapped)?;
                if !out.contains(&code) {
                    out.push(code);
                }
            }
            return Ok((!out.is_empty()).then_some(Conv::List(out)));
        }
        let s = spec.mapped(raw);
        if s.is_empty() {
            return Ok(None);
        }
        let key = &spec.key;
        let conv = match spec.kind {
            K::Text => Conv::Text(s.to_owned()),
            K::Date => match parse_date(s, &spec.formats) {
                Some(d) => Conv::Text(d.to_string()),
                None => return Err(format!("{raw:?} is not {}", spec.date_help)),
            },
            K::Country => match Countries::get().resolve(s) {
                Some(c) => Conv::Text(c.alpha2.clone()),
                None => return Err(format!("unknown country {raw:?}: map it to a country code under {key}.values in the mapping")),
            },
            K::Number => Conv::Number(parse_number(s).ok_or_else(|| format!("{raw:?} is not a number"))?),
            K::Year => Conv::Year(
                s.parse::<i32>()
                    .ok()
                    .filter(|y| (1000..=9999).contains(y))
                    .ok_or_else(|| format!("{raw:?} is not a year"))?,
            ),
            K::Bool => Conv::Bool(parse_bool(s).ok_or_else(|| format!("{raw:?} is not yes or no (map it under {key}.values)"))?),
            K::Code(kind) => Conv::Text(self.code(spec, kind, raw, s)?),
            K::Codes(_) => return Ok(None),
            K::Status => Conv::Status(enum_code(s).ok_or_else(|| {
                format!(
                    "unknown status {raw:?} (expected {}; or map it under {key}.values)",
                    codes_list(IncidentStatus::ALL)
                )
            })?),
            K::PersonKind => Conv::Kind(enum_code(s).ok_or_else(|| {
                format!("unknown person kind {raw:?} (expected {}; or map it under {key}.values)", codes_list(PersonKind::ALL))
            })?),
            K::Consent => Conv::Consent(enum_code(s).ok_or_else(|| {
                format!(
                    "unknown publication consent {raw:?} (expected {}; or map it under {key}.values)",
                    codes_list(PublishConsent::ALL)
                )
            })?),
        };
        Ok(Some(conv))
    }

    /// A vocabulary code for `mapped` (the value after the value map; `raw` before).
    fn code(
        &mut self,
        spec: &FieldSpec,
        kind: VocabKind,
        raw: &str,
        mapped: &str,
    ) -> Result<String, String> {
        if let Some(c) = self.index.find(kind, mapped) {
            return Ok(c.to_owned());
        }
        let what = kind_name(kind);
        if !self.add_unknown {
            return Err(format!(
                "unknown {what} {raw:?}: map it to a code under {}.values in the mapping, or run with --add-unknown-terms",
                spec.key
            ));
        }
        let label = mapped.trim();
        if label.chars().count() > 200 {
            return Err(format!(
                "{what} {raw:?} is too long to become a vocabulary term (at most 200 characters)"
            ));
        }
        let code = slug(label).ok_or_else(|| format!("cannot make a {what} code from {raw:?}"))?;
        if !self
            .new_terms
            .iter()
            .any(|t| t.kind == kind && t.code == code)
        {
            self.new_terms.push(Term {
                kind,
                code: code.clone(),
                label_en: label.to_owned(),
                label_es: label.to_owned(),
                builtin: false,
                attrs: TermAttrs::default(),
            });
        }
        self.index
            .by_key
            .insert((kind, normalise_name(label)), code.clone());
        self.index
            .by_key
            .insert((kind, normalise_name(&code)), code.clone());
        Ok(code)
    }
}

// ---------------------------------------------------------------- rows

/// Where a row came from, to place its errors.
#[derive(Debug, Clone, Default)]
struct RowMeta {
    line: u64,
    /// For each violation of the incident, the `[[violation]]` it came from.
    violations: Vec<usize>,
    /// For each source of the incident, the `[[source]]` it came from.
    sources: Vec<usize>,
    /// Mapping keys whose value could not be read in this row.
    failed: Vec<String>,
}

struct MappedRow {
    meta: RowMeta,
    incident: IncidentInput,
    person: PersonInput,
}

/// Maps one decoded row to the domain's inputs, collecting every problem.
struct RowMapper<'m> {
    mapping: &'m Mapping,
    conv: Converter,
    file: &'m str,
    /// External ids seen so far, with their line.
    seen: HashMap<String, u64>,
}

struct RowCx<'c> {
    cells: &'c [String],
    meta: RowMeta,
    errs: Vec<RowError>,
}

impl<'m> RowMapper<'m> {
    fn value(&mut self, spec: Option<&FieldSpec>, cx: &mut RowCx<'_>) -> Option<Conv> {
        let spec = spec?;
        let raw = cell(spec, cx.cells);
        if raw.is_empty() {
            return None;
        }
        match self.conv.convert(spec, raw) {
            Ok(v) => v,
            Err(reason) => {
                self.fail(spec, cx, reason);
                None
            }
        }
    }

    fn fail(&self, spec: &FieldSpec, cx: &mut RowCx<'_>, reason: String) {
        cx.meta.failed.push(spec.key.clone());
        cx.errs.push(RowError {
            file: self.file.to_owned(),
            line: cx.meta.line,
            column: spec.column(),
            reason: if spec.is_column() {
                reason
            } else {
                format!("{reason} (from the constant {} in the mapping)", spec.key)
            },
        });
    }

    fn text(&mut self, spec: Option<&FieldSpec>, cx: &mut RowCx<'_>) -> String {
        match self.value(spec, cx) {
            Some(Conv::Text(s)) => s,
            _ => String::new(),
        }
    }

    fn list(&mut self, spec: Option<&FieldSpec>, cx: &mut RowCx<'_>) -> Vec<String> {
        match self.value(spec, cx) {
            Some(Conv::List(l)) => l,
            _ => Vec::new(),
        }
    }

    fn number(&mut self, spec: Option<&FieldSpec>, cx: &mut RowCx<'_>) -> Option<f64> {
        match self.value(spec, cx) {
            Some(Conv::Number(n)) => Some(n),
            _ => None,
        }
    }

    fn boolean(&mut self, spec: Option<&FieldSpec>, cx: &mut RowCx<'_>) -> bool {
        matches!(self.value(spec, cx), Some(Conv::Bool(true)))
    }

    fn map_row(&mut self, line: u64, cells: &[String]) -> (MappedRow, Vec<RowError>) {
        let m: &'m Mapping = self.mapping;
        let mut cx = RowCx {
            cells,
            meta: RowMeta {
                line,
                ..RowMeta::default()
            },
            errs: Vec::new(),
        };
        let inc = &m.incident;

        let external_id = self.text(inc.get("external_id"), &mut cx);
        if let Some(spec) = inc.get("external_id") {
            if external_id.is_empty() {
                self.fail(
                    spec,
                    &mut cx,
                    "the external id is empty: every row needs one, so that importing again updates instead of duplicating".into(),
                );
            } else if let Some(first) = self.seen.get(&external_id) {
                let reason = format!("external id {external_id:?} is also on line {first}: each incident must be on one row");
                self.fail(spec, &mut cx, reason);
            } else {
                self.seen.insert(external_id.clone(), line);
            }
        }

        let mut incident = IncidentInput {
            title: self.text(inc.get("title"), &mut cx),
            narrative: self.text(inc.get("narrative"), &mut cx),
            start_date: self.text(inc.get("start_date"), &mut cx),
            end_date: self.text(inc.get("end_date"), &mut cx),
            country: self.text(inc.get("country"), &mut cx),
            region: self.text(inc.get("region"), &mut cx),
            locality: self.text(inc.get("locality"), &mut cx),
            latitude: self.number(inc.get("latitude"), &mut cx),
            longitude: self.number(inc.get("longitude"), &mut cx),
            business_sector: self.text(inc.get("business_sector"), &mut cx),
            status: match self.value(inc.get("status"), &mut cx) {
                Some(Conv::Status(s)) => Some(s),
                _ => None,
            },
            verification_override: self.text(inc.get("verification_override"), &mut cx),
            external_id: external_id.clone(),
            violations: Vec::new(),
            sources: Vec::new(),
        };

        for (mi, vm) in m.violations.iter().enumerate() {
            if mi > 0 && !vm.present(cells) {
                continue;
            }
            let before = cx.errs.len();
            let types = self.list(vm.get("violation_type"), &mut cx);
            if types.is_empty() && cx.errs.len() == before {
                if let Some(spec) = vm.get("violation_type") {
                    self.fail(spec, &mut cx, "a violation type is required".into());
                }
            }
            let date = self.text(vm.get("date"), &mut cx);
            let perpetrators: Vec<PerpetratorInput> = self
                .list(vm.get("perpetrator_type"), &mut cx)
                .into_iter()
                .map(|p| PerpetratorInput {
                    perpetrator_type: p,
                    person_id: None,
                    group_id: None,
                })
                .collect();
            let reprisal_un = self.boolean(vm.get("reprisal_un"), &mut cx);
            let outcome = self.text(vm.get("outcome"), &mut cx);
            for violation_type in types {
                incident.violations.push(ViolationInput {
                    violation_type,
                    // Placeholder for validation; the store puts the victim's id here.
                    victim: Some(VictimRef::Person(0)),
                    date: date.clone(),
                    outcome: outcome.clone(),
                    reprisal_un,
                    perpetrators: perpetrators.clone(),
                });
                cx.meta.violations.push(mi);
            }
        }

        for (mi, sm) in m.sources.iter().enumerate() {
            if !sm.present(cells) {
                continue;
            }
            incident.sources.push(SourceInput {
                source_type: self.text(sm.get("source_type"), &mut cx),
                reliability: self.text(sm.get("reliability"), &mut cx),
                origin: self.text(sm.get("origin"), &mut cx),
                description: self.text(sm.get("description"), &mut cx),
            });
            cx.meta.sources.push(mi);
        }

        let v = &m.victim;
        let mut victim_id = self.text(v.get("external_id"), &mut cx);
        if victim_id.is_empty() {
            victim_id = format!("{external_id}#victim");
        }
        let person = PersonInput {
            kind: match self.value(v.get("kind"), &mut cx) {
                Some(Conv::Kind(k)) => k,
                _ => PersonKind::Defender,
            },
            legal_name: self.text(v.get("name"), &mut cx),
            contacts: self.text(v.get("contacts"), &mut cx),
            address: self.text(v.get("address"), &mut cx),
            sex: self.text(v.get("sex"), &mut cx),
            birth_year: match self.value(v.get("birth_year"), &mut cx) {
                Some(Conv::Year(y)) => Some(y),
                _ => None,
            },
            characteristics: self.list(v.get("characteristics"), &mut cx),
            sectors: self.list(v.get("sectors"), &mut cx),
            sdg_group: self.text(v.get("sdg_group"), &mut cx),
            memberships: Vec::new(),
            consent_record: true,
            consent_share: self.boolean(v.get("consent_share"), &mut cx),
            consent_publish: match self.value(v.get("consent_publish"), &mut cx) {
                Some(Conv::Consent(c)) => c,
                _ => PublishConsent::No,
            },
            external_id: victim_id,
        };
        (
            MappedRow {
                meta: cx.meta,
                incident,
                person,
            },
            cx.errs,
        )
    }
}

fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, usize> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| e.valid_up_to()),
        Encoding::Latin1 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()),
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

const NOT_UTF8: &str = "is not valid UTF-8; if the file is Latin-1 (ISO-8859-1, Windows-1252), run with --encoding latin-1";

fn progress_bar(wanted: bool, size: u64) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) =
        ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style);
    }
    bar
}

fn progress_spinner(wanted: bool, rows: usize) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(format!("importing {rows} incidents in one transaction…"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

// ---------------------------------------------------------------- messages

/// The domain's message keys in English sentences (the web layer translates them
/// with its catalogue; the command line speaks English).
fn english(key: &str, arg: Option<&str>) -> String {
    let a = arg.unwrap_or("");
    match key {
        "err-required" => "a value is required".into(),
        "err-too-long" => format!("too long (at most {a} characters)"),
        "err-control-chars" => "contains control characters".into(),
        "err-unknown-code" => format!("{a:?} is not a known code"),
        "err-date-format" => format!("{a:?} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"),
        "err-date-future" => format!("the date {a} is in the future"),
        "err-end-before-start" => "the end date is before the start date".into(),
        "err-unknown-country" => format!("unknown country {a:?}"),
        "err-coordinates-range" => {
            "coordinates out of range (latitude -90 to 90, longitude -180 to 180)".into()
        }
        "err-coordinates-pair" => "latitude and longitude must be given together".into(),
        "err-no-violations" => "the row describes no violation".into(),
        "err-too-many" => format!("too many (at most {a})"),
        "err-override-not-allowed" => {
            "only an administrator may mark an incident verified without two independent sources"
                .into()
        }
        "err-verified-needs-sources" => {
            format!("status verified needs at least two independent sources (different origins); this row has {a}")
        }
        "err-birth-year" => format!("birth year {a} is not between 1900 and this year"),
        "err-consent-record" => "consent to record is required".into(),
        "err-status-transition" => {
            format!("the incident already in Vigil cannot change status {a}")
        }
        "err-external-id-taken" => format!("external id {a:?} is already used by another record"),
        "err-unknown-victim" => format!("the person or group {a} does not exist"),
        "err-unknown-group" => format!("the group {a} does not exist"),
        other => match arg {
            Some(a) => format!("{other} ({a})"),
            None => other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;
    use vigil_domain::model::Precision;

    const MINIMAL: &str = r#"
        [incident]
        external_id = "ID"
        title = "Title"
        start_date = "Date"
        country = "Country"
        [[violation]]
        violation_type = { value = "killing" }
    "#;

    /// The bulk import names a refused row counted from the import's first row, of
    /// the chunk just given or of the one before: both chunks' lines are found,
    /// earlier ones are gone.
    #[test]
    fn the_window_finds_the_lines_of_the_last_two_chunks() {
        let chunk = |from: u64, n: u64| -> Vec<RowMeta> {
            (from..from + n)
                .map(|line| RowMeta {
                    line,
                    ..RowMeta::default()
                })
                .collect()
        };
        let mut w = Window::default();
        w.push(chunk(2, 3)); // rows 0..3, lines 2..5
        assert_eq!(w.get(0).map(|m| m.line), Some(2));
        assert_eq!(w.get(2).map(|m| m.line), Some(4));
        assert!(w.get(3).is_none());
        w.push(chunk(10, 2)); // rows 3..5
        assert_eq!(w.get(1).map(|m| m.line), Some(3), "the chunk before");
        assert_eq!(w.get(4).map(|m| m.line), Some(11), "the chunk just given");
        w.push(chunk(20, 4)); // rows 5..9
        assert!(w.get(2).is_none(), "two chunks back is written");
        assert_eq!(w.get(3).map(|m| m.line), Some(10));
        assert_eq!(w.get(8).map(|m| m.line), Some(23));
        assert!(w.get(9).is_none());
    }

    fn formats(list: &[&str]) -> Vec<DateFormat> {
        list.iter().map(|f| date_format(f).unwrap()).collect()
    }

    fn err_of(text: &str) -> MappingError {
        Mapping::parse(text).expect_err("the mapping should be refused")
    }

    #[test]
    fn a_full_mapping_parses() {
        let m = Mapping::parse(
            r#"
            [csv]
            delimiter = ";"
            date_format = "%d/%m/%Y"
            [incident]
            external_id = "Caso"
            title = "Título"
            start_date = { column = "Fecha", format = ["%d/%m/%Y", "%d-%m-%Y"] }
            country = { column = "País", values = { "Rep. Dem. Congo" = "CD" } }
            status = { value = "reported" }
            latitude = "Lat"
            [victim]
            name = "Nombre"
            characteristics = { column = "Perfil", separator = "/" }
            [[violation]]
            violation_type = { value = "killing" }
            perpetrator_type = { column = "Responsable", values = { "Sicarios" = "hired_killers" }, default = "unknown" }
            reprisal_un = { value = false }
            [[source]]
            source_type = { value = "ngo" }
            reliability = { value = "medium" }
            origin = "Fuente"
            "#,
        )
        .unwrap();
        assert_eq!(m.delimiter, b';');
        let date = m.incident.get("start_date").unwrap();
        assert_eq!(date.formats.len(), 2);
        assert_eq!(date.formats[0].month.as_deref(), Some("%m/%Y"));
        let country = m.incident.get("country").unwrap();
        assert_eq!(country.mapped("Rep. Dem. Congo"), "CD");
        assert_eq!(
            country.mapped("rep dem congo"),
            "CD",
            "value maps ignore case and punctuation"
        );
        assert_eq!(
            m.incident.get("status").unwrap().source,
            Source::Constant("reported".into())
        );
        assert_eq!(
            m.violations[0].get("reprisal_un").unwrap().source,
            Source::Constant("no".into())
        );
        assert_eq!(
            m.violations[0]
                .get("perpetrator_type")
                .unwrap()
                .default
                .as_deref(),
            Some("unknown")
        );
        assert_eq!(
            m.victim
                .get("characteristics")
                .unwrap()
                .separator
                .as_deref(),
            Some("/")
        );
        assert_eq!(m.sources.len(), 1);
        // The [csv] date format applies where a field gives none.
        assert!(m
            .incident
            .get("title")
            .unwrap()
            .formats
            .iter()
            .any(|f| f.day == "%d/%m/%Y"));
    }

    #[test]
    fn mapping_errors_name_the_key() {
        let e = err_of(&MINIMAL.replace("title = \"Title\"", "titel = \"Title\""));
        assert_eq!(e.key.as_deref(), Some("incident.titel"));
        assert!(e.message.contains("expected one of"), "{e}");

        let e = err_of(&MINIMAL.replace("title = \"Title\"", ""));
        assert_eq!(e.key.as_deref(), Some("incident.title"));

        let e = err_of(&MINIMAL.replace(
            "start_date = \"Date\"",
            "start_date = { column = \"Date\", fromat = \"%d\" }",
        ));
        assert_eq!(e.key.as_deref(), Some("incident.start_date.fromat"));
        assert!(e.message.contains("format"), "{e}");

        let e = err_of(&MINIMAL.replace(
            "start_date = \"Date\"",
            "start_date = { column = \"Date\", format = \"%d/%Q\" }",
        ));
        assert_eq!(e.key.as_deref(), Some("incident.start_date.format"));

        let e = err_of(&MINIMAL.replace(
            "start_date = \"Date\"",
            "start_date = { column = \"Date\", format = \"%m/%Y\" }",
        ));
        assert_eq!(
            e.key.as_deref(),
            Some("incident.start_date.format"),
            "a format must name the day"
        );

        let e = err_of(&MINIMAL.replace("external_id = \"ID\"", "external_id = { value = \"x\" }"));
        assert_eq!(e.key.as_deref(), Some("incident.external_id"));

        let e = err_of(&MINIMAL.replace(
            "violation_type = { value = \"killing\" }",
            "date = \"Date\"",
        ));
        assert_eq!(e.key.as_deref(), Some("violation[0].violation_type"));

        let e = err_of(&MINIMAL.replace(
            "title = \"Title\"",
            "title = { column = \"T\", value = \"x\" }",
        ));
        assert_eq!(e.key.as_deref(), Some("incident.title"));

        let e = err_of(&MINIMAL.replace("title = \"Title\"", "title = 3"));
        assert_eq!(e.key.as_deref(), Some("incident.title"));

        let e = err_of(&format!("{MINIMAL}\n[csv]\ndelimiter = \";;\""));
        assert_eq!(e.key.as_deref(), Some("csv.delimiter"));

        let e = err_of(&format!("{MINIMAL}\n[extra]\nx = 1"));
        assert_eq!(e.key.as_deref(), Some("extra"));

        let e = err_of("[incident\n");
        assert_eq!(e.key, None);
        assert!(e.message.contains("TOML"), "{e}");

        let e = err_of(&format!(
            "{MINIMAL}\n[[source]]\nsource_type = \"T\"\nreliability = \"R\""
        ));
        assert_eq!(e.key.as_deref(), Some("source[0].origin"));
        assert!(e.to_string().starts_with("key `source[0].origin`: "), "{e}");
    }

    #[test]
    fn constants_and_value_targets_are_checked_against_the_vocabularies() {
        let v = Vocabularies::builtin();
        let m = Mapping::parse(&MINIMAL.replace("\"killing\"", "\"murder\"")).unwrap();
        let e = m.check(&v).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("violation[0].violation_type.value"));

        let m = Mapping::parse(&format!(
            "{MINIMAL}\nperpetrator_type = {{ column = \"P\", values = {{ \"Sicarios\" = \"hired_killer\" }} }}"
        ))
        .unwrap();
        let e = m.check(&v).unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("violation[0].perpetrator_type.values.\"Sicarios\"")
        );

        let m = Mapping::parse(&MINIMAL.replace(
            "country = \"Country\"",
            "country = { column = \"C\", values = { \"Narnia\" = \"XX\" } }",
        ))
        .unwrap();
        assert_eq!(
            m.check(&v).unwrap_err().key.as_deref(),
            Some("incident.country.values.\"Narnia\"")
        );

        let ok = Mapping::parse(&format!(
            "{MINIMAL}\nperpetrator_type = {{ column = \"P\", values = {{ \"Sicarios\" = \"hired_killers\", \"Policía Nacional\" = \"Police\" }} }}"
        ))
        .unwrap();
        assert!(ok.check(&v).is_ok(), "labels are accepted as targets");
    }

    #[test]
    fn dates_read_in_the_given_formats_with_their_precision() {
        let f = formats(&["%d/%m/%Y"]);
        let d = parse_date("15/03/2019", &f).unwrap();
        assert_eq!(
            (d.to_string(), d.precision),
            ("2019-03-15".into(), Precision::Day)
        );
        let m = parse_date("07/2019", &f).unwrap();
        assert_eq!(
            (m.to_string(), m.precision),
            ("2019-07".into(), Precision::Month)
        );
        let m = parse_date("7/2019", &f).unwrap();
        assert_eq!(m.to_string(), "2019-07");
        let y = parse_date("2019", &f).unwrap();
        assert_eq!(
            (y.to_string(), y.precision),
            ("2019".into(), Precision::Year)
        );
        assert_eq!(
            parse_date("2019-07", &f).unwrap().precision,
            Precision::Month
        );
        assert_eq!(
            parse_date(" 2019-07-04 ", &f).unwrap().precision,
            Precision::Day
        );
        for bad in [
            "32/01/2019",
            "13/2019",
            "15/03",
            "2019-13",
            "yesterday",
            "15/03/2019x",
        ] {
            assert!(parse_date(bad, &f).is_none(), "{bad}");
        }
        // No format given: ISO only, so 03/04/2019 is not guessed.
        assert!(parse_date("03/04/2019", &[]).is_none());
        // US order and a time part.
        assert_eq!(
            parse_date("03/15/2019", &formats(&["%m/%d/%Y"]))
                .unwrap()
                .to_string(),
            "2019-03-15"
        );
        assert_eq!(
            parse_date("15.03.2019 00:00", &formats(&["%d.%m.%Y %H:%M"]))
                .unwrap()
                .to_string(),
            "2019-03-15"
        );
        assert_eq!(
            parse_date("03.2019", &formats(&["%d.%m.%Y"]))
                .unwrap()
                .to_string(),
            "2019-03"
        );
    }

    #[test]
    fn month_formats_drop_the_day_and_a_separator() {
        assert_eq!(month_format("%d/%m/%Y").as_deref(), Some("%m/%Y"));
        assert_eq!(month_format("%Y-%m-%d").as_deref(), Some("%Y-%m"));
        assert_eq!(month_format("%m/%d/%Y").as_deref(), Some("%m/%Y"));
        assert_eq!(month_format("%d%m%Y").as_deref(), Some("%m%Y"));
        assert!(date_help(&formats(&["%d/%m/%Y"])).contains("31/07/2019, 07/2019"));
    }

    #[test]
    fn values_convert_by_code_label_or_value_map() {
        let v = Vocabularies::builtin();
        let m = Mapping::parse(&format!(
            "{MINIMAL}\nperpetrator_type = {{ column = \"P\", separator = \";\", values = {{ \"Policía Nacional\" = \"police\" }} }}"
        ))
        .unwrap();
        let spec = m.violations[0].get("perpetrator_type").unwrap();
        let mut c = Converter::new(&v, false);
        let got = c
            .convert(
                spec,
                "Sicarios; POLICIA NACIONAL ;hired_killers;Hired killers",
            )
            .unwrap();
        assert_eq!(
            got,
            Some(Conv::List(vec!["hired_killers".into(), "police".into()]))
        );
        let e = c.convert(spec, "Ejército").unwrap_err();
        assert!(
            e.contains("unknown perpetrator type \"Ejército\"")
                && e.contains("--add-unknown-terms"),
            "{e}"
        );

        let mut c = Converter::new(&v, true);
        assert_eq!(
            c.convert(spec, "Ejército;ejercito").unwrap(),
            Some(Conv::List(vec!["ejercito".into()]))
        );
        assert_eq!(c.new_terms.len(), 1);
        assert_eq!(
            (
                c.new_terms[0].code.as_str(),
                c.new_terms[0].label_en.as_str()
            ),
            ("ejercito", "Ejército")
        );
    }

    #[test]
    fn small_parsers() {
        assert_eq!(slug("Ejército Nacional"), Some("ejercito_nacional".into()));
        assert_eq!(slug("4x4 patrol"), Some("t_4x4_patrol".into()));
        assert_eq!(slug("--"), None);
        assert_eq!(parse_bool("Sí"), Some(true));
        assert_eq!(parse_bool("NO"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_number("-74,25"), Some(-74.25));
        assert_eq!(parse_number("4.5"), Some(4.5));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(unescape_formula("'-74.2"), "-74.2");
        assert_eq!(unescape_formula("'=1+1"), "=1+1");
        assert_eq!(unescape_formula("'quoted'"), "'quoted'");
        assert_eq!(
            enum_code::<IncidentStatus>("Under verification"),
            Some(IncidentStatus::UnderVerification)
        );
        assert_eq!("latin-1".parse::<Encoding>(), Ok(Encoding::Latin1));
        assert!("ebcdic".parse::<Encoding>().is_err());
    }

    #[test]
    fn row_errors_display_file_line_and_column() {
        let e = RowError {
            file: "a.csv".into(),
            line: 7,
            column: Some("País".into()),
            reason: "unknown country".into(),
        };
        assert_eq!(e.to_string(), "a.csv:7: column País: unknown country");
        let e = RowError { column: None, ..e };
        assert_eq!(e.to_string(), "a.csv:7: unknown country");
    }
}
