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

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::Value;
use vigil_domain::model::{format_code, Id, IncidentInput, VictimRef};
use vigil_domain::validate::{FieldError, FieldErrors, Rules, ValidIncident, ValidPerson};
use vigil_domain::vocab::{Term, Vocabularies};
use vigil_domain::Permission;

use crate::access::ImportCounts;
use crate::audit::AuditEntry;
use crate::backend::{Dialect, Tx, Val};
use crate::records::{
    changed_fields, fold, incident_args, incident_snapshot, nonempty, person_snapshot,
    sensitive_words, ADDRESS, BLIND_MARK, CONTACTS, DESCRIPTION, LEGAL_NAME, ORIGIN, SNAPSHOT,
};
use crate::{Result, Store, StoreError};

/// One row of an import: the victim of each violation (`victims[i]` for violation
/// `i`), and the incident. The same shape as [`crate::Access::import_batch`] takes.
pub type ImportRow = (Vec<ValidPerson>, IncidentInput);

/// Bound values per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;
/// Rows per multi-row statement, at most.
const MAX_ROWS: usize = 2_000;
/// External ids per lookup statement.
const LOOKUP: usize = 500;
/// SQLite page cache for the import's connection (KiB, negative as SQLite wants):
/// index pages of a large import stay in memory. Set back before commit.
const BULK_CACHE_KIB: i64 = -262_144;
const DEFAULT_CACHE_KIB: i64 = -2_000;
/// Tables whose secondary (non-unique) indexes an import into a database without
/// incidents drops at the start and builds again before commit (SQLite): one sort
/// per index instead of a random insert per row. Unique indexes stay, so every
/// constraint is checked as rows arrive, and so do the ones the import looks rows up
/// with (external ids, the versions' key). DDL is transactional in SQLite: a failed
/// import rolls the drop back with the rows.
const DEFERRED_INDEX_TABLES: &str =
    "'incidents', 'violations', 'perpetrators', 'sources', 'person_characteristics', 'person_sectors'";

/// A person this import knows: found by external id or created by it.
#[derive(Clone)]
struct KnownPerson {
    id: Id,
    compartment: Id,
    code: String,
    legal_name: String,
}

/// An import in progress: one open transaction. Write chunks of rows with
/// [`BulkImport::write`], then [`BulkImport::finish`]; dropping it rolls back.
pub struct BulkImport {
    store: Store,
    tx: Box<dyn Tx>,
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
    /// SQL text of the multi-row inserts, by table and rows (see `insert`).
    statements: HashMap<(String, usize), String>,
}

/// Put a row marker before a row's field errors (`rows[3]` or `rows[3].victim`, key
/// `err-import-row`), as [`crate::Access::import_batch`] does, so the caller can name
/// the line. `row` counts within the chunk given to [`BulkImport::write`].
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
        if store.dialect() == Dialect::Sqlite {
            tx.execute(&format!("PRAGMA cache_size = {BULK_CACHE_KIB}"), &[])
                .await?;
            let empty = tx
                .query("SELECT NOT EXISTS (SELECT 1 FROM incidents)", &[])
                .await?
                .first()
                .is_some_and(|r| r.int(0) == 1);
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
        let now = store.now_text();
        let year = chrono::Datelike::year(&store.clock.now());
        Ok(BulkImport {
            store,
            tx,
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
            statements: HashMap::new(),
        })
    }

    /// What the import has done so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// Write a chunk of rows. `new_terms` are vocabulary terms the rows may use that
    /// are not in Vigil yet (those already added by an earlier chunk are skipped);
    /// they join the transaction. On a row's error nothing of the import stays once
    /// this value is dropped; the error names the row within this chunk.
    pub async fn write(&mut self, new_terms: &[Term], rows: &[ImportRow]) -> Result<()> {
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
                    .map_err(|e| at_row(i, "", e.into()))?,
            );
        }
        let victims = self.resolve_persons(rows).await?;
        for (inc, ids) in valid.iter_mut().zip(&victims) {
            for (v, id) in inc.violations.iter_mut().zip(ids) {
                v.victim = VictimRef::Person(*id);
            }
        }
        self.write_incidents(&valid).await?;
        self.rows += rows.len();
        Ok(())
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
        for sql in std::mem::take(&mut self.deferred_indexes) {
            self.tx.execute(&sql, &[]).await?;
        }
        if self.store.dialect() == Dialect::Sqlite {
            self.tx
                .execute(&format!("PRAGMA cache_size = {DEFAULT_CACHE_KIB}"), &[])
                .await?;
        }
        self.store.audit_in(&mut self.tx, &e).await?;
        self.tx.commit().await?;
        self.store.reads.invalidate();
        Ok(self.counts)
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

    /// Find the rows' victims by external id, or create them (in bulk). Returns each
    /// row's victim ids, in violation order.
    async fn resolve_persons(&mut self, rows: &[ImportRow]) -> Result<Vec<Vec<Id>>> {
        // Look up the external ids this import has not met yet, in every compartment:
        // one in a compartment the importer cannot see is taken, as in the per-row path.
        let mut wanted: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for (persons, _) in rows {
            for p in persons {
                let ext = p.0.external_id.as_str();
                if !ext.is_empty() && !self.persons.contains_key(ext) && seen.insert(ext) {
                    wanted.push(ext);
                }
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
                            id,
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
        let mut slots: Vec<Vec<Result<String, usize>>> = Vec::with_capacity(rows.len());
        for (i, (persons, _)) in rows.iter().enumerate() {
            let mut row = Vec::with_capacity(persons.len());
            for p in persons {
                let ext = p.0.external_id.as_str();
                if hidden.contains(ext) {
                    return Err(taken(i, ".victim", ext));
                }
                if !ext.is_empty() && self.persons.contains_key(ext) {
                    row.push(Ok(ext.to_owned()));
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
        let created = self.create_persons(&create).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in slots {
            let mut ids = Vec::with_capacity(row.len());
            for s in row {
                let id = match s {
                    Ok(ext) => self.persons.get(&ext).copied(),
                    Err(n) => created.get(n).map(|k| k.id),
                };
                ids.push(id.ok_or(StoreError::NotFound)?);
            }
            out.push(ids);
        }
        Ok(out)
    }

    async fn create_persons(
        &mut self,
        create: &[(usize, &ValidPerson)],
    ) -> Result<Vec<KnownPerson>> {
        if create.is_empty() {
            return Ok(Vec::new());
        }
        let dialect = self.store.dialect();
        // Codes in blocks per prefix, handed out in order.
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
        }
        let ids = self.alloc_ids("persons", create.len()).await?;
        let mut out = Vec::with_capacity(create.len());
        let mut person_rows = Vec::new();
        let mut lists = Vec::new();
        let mut sectors = Vec::new();
        let mut fts = Vec::new();
        let mut versions = Vec::new();
        let blind = self.store.cipher.clone();
        let mut with_memberships = Vec::new();
        for ((row, vp), id) in create.iter().zip(ids) {
            let p = &vp.0;
            let prefix = p.kind.code_prefix();
            let n = next.get(prefix).copied().unwrap_or(1);
            next.insert(prefix, n + 1);
            let code = format_code(prefix, self.year, n);
            if !p.memberships.is_empty() {
                // Memberships name groups that must be checked: the per-row path does it.
                with_memberships.push((*row, id, *vp));
            }
            let mut r = vec![
                id.into(),
                code.clone().into(),
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
            ];
            let public = fold(&code);
            let sensitive = fold(&format!("{} {}", p.legal_name, p.contacts));
            match dialect {
                Dialect::Sqlite => fts.extend([id.into(), public.into(), sensitive.into()]),
                Dialect::Postgres => {
                    r.push(public.into());
                    r.push(search_sensitive(blind.as_deref(), &sensitive).into());
                }
            }
            person_rows.extend(r);
            for c in &p.characteristics {
                lists.extend([Val::from(id), c.into()]);
            }
            for c in &p.sectors {
                sectors.extend([Val::from(id), c.into()]);
            }
            let snap = person_snapshot(p);
            versions.extend(self.version_row("person", id, &snap));
            let known = KnownPerson {
                id,
                compartment: self.compartment,
                code,
                legal_name: p.legal_name.clone(),
            };
            if !p.external_id.is_empty() {
                self.persons.insert(p.external_id.clone(), id);
            }
            self.known.insert(id, known.clone());
            out.push(known);
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
        let first_row = create.first().map(|c| c.0).unwrap_or(0);
        self.insert("persons", &cols, &templates, person_rows)
            .await
            .map_err(|e| match e {
                // Two rows of one chunk cannot both create an external id (they share
                // one person), so this is a race with another writer.
                StoreError::Backend(crate::BackendError::Unique) => taken(first_row, ".victim", ""),
                other => other,
            })?;
        self.insert(
            "person_characteristics",
            &["person_id", "code"],
            &["{}"; 2],
            lists,
        )
        .await?;
        self.insert(
            "person_sectors",
            &["person_id", "code"],
            &["{}"; 2],
            sectors,
        )
        .await?;
        if dialect == Dialect::Sqlite {
            self.insert(
                "person_fts",
                &["rowid", "public_text", "sensitive_text"],
                &["{}"; 3],
                fts,
            )
            .await?;
        }
        self.insert_versions(versions).await?;
        for (row, id, vp) in with_memberships {
            self.store
                .write_person_lists(&mut self.tx, id, &vp.0)
                .await
                .map_err(|e| at_row(row, ".victim", e))?;
        }
        Ok(out)
    }

    async fn write_incidents(&mut self, valid: &[ValidIncident]) -> Result<()> {
        // External ids: twice in one chunk is the caller's error; known ones update.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut wanted: Vec<&str> = Vec::new();
        for (i, inc) in valid.iter().enumerate() {
            if let Some(ext) = inc.external_id.as_deref() {
                if !seen.insert(ext) {
                    return Err(taken(i, "", ext));
                }
                wanted.push(ext);
            }
        }
        let dialect = self.store.dialect();
        let visible = self.store.visible("i.compartment_id");
        // external id → (id, visible, last snapshot)
        let mut existing: HashMap<String, (Id, bool, Option<String>)> = HashMap::new();
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
        let mut create: Vec<(usize, &ValidIncident)> = Vec::new();
        let mut update: Vec<(usize, Id, &ValidIncident)> = Vec::new();
        for (i, inc) in valid.iter().enumerate() {
            let Some(ext) = inc.external_id.as_deref() else {
                create.push((i, inc));
                continue;
            };
            match existing.get(ext) {
                None => create.push((i, inc)),
                Some((_, false, _)) => return Err(taken(i, "", ext)),
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
        self.create_incidents(&create).await?;
        for (i, id, inc) in update {
            let done = self
                .store
                .replace_incident(&mut self.tx, self.user, id, None, inc)
                .await
                .map_err(|e| at_row(i, "", e))?;
            match done {
                Some(_) => self.counts.updated += 1,
                None => self.counts.unchanged += 1,
            }
        }
        Ok(())
    }

    async fn create_incidents(&mut self, create: &[(usize, &ValidIncident)]) -> Result<()> {
        if create.is_empty() {
            return Ok(());
        }
        let dialect = self.store.dialect();
        let blind = self.store.cipher.clone();
        // Perpetrators naming a person or group, and group victims, are checked (and
        // indexed) as the per-row path does; imports have neither.
        let mut reindex = Vec::new();
        for (i, inc) in create {
            let parties = inc.violations.iter().any(|v| {
                matches!(v.victim, VictimRef::Group(_))
                    || v.perpetrators
                        .iter()
                        .any(|p| p.person_id.is_some() || p.group_id.is_some())
            });
            if parties {
                self.store
                    .check_parties(&mut self.tx, inc)
                    .await
                    .map_err(|e| at_row(*i, "", e))?;
            }
        }
        let ids = self.alloc_ids("incidents", create.len()).await?;
        let n_violations: usize = create.iter().map(|(_, c)| c.violations.len()).sum();
        let vids = self.alloc_ids("violations", n_violations).await?;
        let mut vids = vids.into_iter();
        let by_id = &self.known;
        let mut incidents = Vec::new();
        let mut violations = Vec::new();
        let mut perpetrators = Vec::new();
        let mut sources = Vec::new();
        let mut versions = Vec::new();
        let mut fts = Vec::new();
        for ((_, inc), id) in create.iter().zip(ids) {
            let mut args = incident_args(inc, self.user, self.now.clone());
            let coordinates = self.store.seal_incident_args(&mut args, inc);
            let mut r: Vec<Val> = Vec::with_capacity(26);
            r.push(id.into());
            r.extend(args.into_iter().take(16));
            r.push(Val::from(1i64));
            r.push(self.user.into());
            r.push(self.now.clone().into());
            r.push(self.now.clone().into());
            r.push(self.compartment.into());
            r.push(coordinates);
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
                    r.push(public.into());
                    r.push(search_sensitive(blind.as_deref(), &sensitive).into());
                }
            }
            incidents.extend(r);
            versions.extend(self.version_row("incident", id, &incident_snapshot(inc)));
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
        let first_row = create.first().map(|c| c.0).unwrap_or(0);
        self.insert("incidents", &cols, &templates, incidents)
            .await
            .map_err(|e| match e {
                StoreError::Backend(crate::BackendError::Unique) => taken(first_row, "", ""),
                other => other,
            })?;
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
        )
        .await?;
        if dialect == Dialect::Sqlite {
            self.insert(
                "incident_fts",
                &["rowid", "public_text", "sensitive_text"],
                &["{}"; 3],
                fts,
            )
            .await?;
        }
        self.insert_versions(versions).await?;
        for id in reindex {
            self.store.reindex_incident(&mut self.tx, id).await?;
        }
        self.counts.created += create.len() as u64;
        Ok(())
    }

    /// A version-1 row for `versions`: every field counts as changed, as in the
    /// per-row path.
    fn version_row(&self, entity: &str, id: Id, snapshot: &Value) -> [Val; 7] {
        let changed = changed_fields(None, snapshot);
        [
            entity.into(),
            id.into(),
            Val::from(1i64),
            self.now.clone().into(),
            self.user.into(),
            serde_json::to_string(&changed).unwrap_or_default().into(),
            self.store.seal(SNAPSHOT, &snapshot.to_string()).into(),
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
        )
        .await
    }

    /// `k` fresh ids for `table`, in increasing order.
    async fn alloc_ids(&mut self, table: &str, k: usize) -> Result<Vec<Id>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        match self.store.dialect() {
            // BEGIN IMMEDIATE holds the write lock: nobody else takes ids meanwhile.
            Dialect::Sqlite => {
                let max = self
                    .tx
                    .query(&format!("SELECT coalesce(max(id), 0) FROM {table}"), &[])
                    .await?
                    .first()
                    .map(|r| r.int(0))
                    .unwrap_or(0);
                Ok((1..=k as i64).map(|n| max + n).collect())
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

    /// Insert `values` (row after row, `cols.len()` each) with multi-row statements.
    /// `templates` wraps each placeholder (`{}`), e.g. in `to_tsvector`.
    ///
    /// Statements come in a few fixed sizes ([`batch_sizes`]) so that the engines'
    /// prepared-statement caches (sqlx keeps them by SQL text) hold them all: a
    /// statement of an odd size each chunk would be parsed and planned again every
    /// time, and a 30,000-parameter statement costs much to parse. Their SQL text is
    /// built once per import.
    async fn insert(
        &mut self,
        table: &str,
        cols: &[&str],
        templates: &[&str],
        values: Vec<Val>,
    ) -> Result<()> {
        let width = cols.len();
        if values.is_empty() || width == 0 {
            return Ok(());
        }
        let dialect = self.store.dialect();
        let per = (MAX_PARAMS / width).clamp(1, MAX_ROWS);
        let mut rest: &[Val] = &values;
        while !rest.is_empty() {
            let left = rest.len() / width;
            let rows = batch_sizes(per)
                .into_iter()
                .find(|&n| n <= left)
                .unwrap_or(1);
            let (now, next) = rest.split_at((rows * width).min(rest.len()));
            let key = (table.to_owned(), rows);
            if !self.statements.contains_key(&key) {
                let sql = insert_sql(dialect, table, cols, templates, rows);
                self.statements.insert(key.clone(), sql);
            }
            let sql = self.statements.get(&key).map(String::as_str).unwrap_or("");
            self.tx.execute(sql, now).await?;
            rest = next;
        }
        Ok(())
    }
}

/// The statement sizes (rows) `insert` uses, largest first: `per`, then smaller
/// fixed sizes for the remainder of a chunk.
fn batch_sizes(per: usize) -> Vec<usize> {
    std::iter::once(per)
        .chain([512, 64, 8, 1].into_iter().filter(|&n| n < per))
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
