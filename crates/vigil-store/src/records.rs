//! Domain operations on records: vocabularies, persons, groups, incidents with their
//! violations and sources, search and version history. Every write runs in one
//! transaction and records a version; nothing is overwritten without a trace.
//!
//! These methods do not check permissions: they are reached only through
//! [`crate::Access`], which does.

use serde_json::{json, Value};
use std::collections::HashMap;

use vigil_domain::model::GroupInput;
use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, Page, PersonFilter, PAGE_SIZE, TOTAL_CAP};
use vigil_domain::validate::{FieldErrors, ValidIncident, ValidPerson};
use vigil_domain::vocab::{self, Term, TermAttrs, VocabKind, Vocabularies};

use crate::audit::AuditEntry;
use crate::backend::{Dialect, Row, Tx, Val};
use crate::cipher::FieldCipher;
use crate::{parse_time, Result, Store, StoreError};

/// Fold text for search indexes and queries: lower case, accents removed. Both
/// engines index folded text so that "Rio" finds "Río".
pub fn fold(text: &str) -> String {
    vigil_domain::country::normalise_name(text)
}

/// The country an incident filter asks for, as its stored alpha-2 code when the text
/// names a known country (any spelling or code), else as typed; `None` when empty.
pub(crate) fn filter_country(f: &IncidentFilter) -> Option<String> {
    (!f.country.trim().is_empty()).then(|| {
        vigil_domain::country::Countries::get()
            .resolve(&f.country)
            .map_or_else(|| f.country.trim().to_owned(), |c| c.alpha2.clone())
    })
}

/// One word of a user's query, folded: matched whole, or as the beginning of words
/// when the user ended it with `*` (`defen*` finds "defender" and "defence").
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueryTerm {
    word: String,
    prefix: bool,
}

/// Words of a user's query, folded, at most 16. Words match whole: a prefix match of
/// a frequent word makes both engines gather every record holding any word that
/// begins with it before the first page (docs/performance.md), so it is asked for
/// explicitly with a trailing `*`.
fn query_terms(q: &str) -> Vec<QueryTerm> {
    let mut out = Vec::new();
    for chunk in q.split_whitespace() {
        let prefix = chunk.ends_with('*');
        let words: Vec<String> = fold(chunk)
            // Only letters and ASCII digits make terms both engines index alike.
            .split(|c: char| !(c.is_alphabetic() || c.is_ascii_digit()))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let last = words.len().saturating_sub(1);
        out.extend(words.into_iter().enumerate().map(|(i, word)| QueryTerm {
            word,
            prefix: prefix && i == last,
        }));
    }
    // The index drops "the" but for a text's last word (`normalise_name`): so does
    // a query of more than that word.
    if out.len() > 1 {
        out.retain(|t| t.prefix || t.word != "the");
    }
    out.truncate(16);
    out
}

/// The SQL that selects ids matching a full-text query, and its bound value.
fn fts_clause(
    dialect: Dialect,
    blind: Option<&FieldCipher>,
    table: &str,
    terms: &[QueryTerm],
    sensitive: bool,
    n: usize,
) -> (String, Val) {
    match dialect {
        Dialect::Sqlite => {
            let expr = terms
                .iter()
                .map(|t| {
                    let star = if t.prefix { "*" } else { "" };
                    format!("\"{}\"{star}", t.word)
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            let expr = if sensitive {
                expr
            } else {
                format!("public_text : ({expr})")
            };
            (sqlite_fts_in(table, n), expr.into())
        }
        Dialect::Postgres if sensitive && blind.is_some() => {
            // Each word: a public word (or its beginning, for `word*`), or exactly a
            // sensitive word (its blind-index token: sensitive text is never matched
            // by prefix). Terms hold only letters and digits, tokens start with `#`:
            // neither can match the other. The query is a `tsquery` literal, so
            // tokens are compared as written.
            let expr = terms
                .iter()
                .map(|t| {
                    let star = if t.prefix { ":*" } else { "" };
                    match blind {
                        Some(c) => format!(
                            "('{w}'{star} | '{BLIND_MARK}{}')",
                            c.blind(&t.word),
                            w = t.word
                        ),
                        None => format!("'{}'{star}", t.word),
                    }
                })
                .collect::<Vec<_>>()
                .join(" & ");
            let a = alias(table);
            (
                format!("({a}.search_public || {a}.search_sensitive) @@ ${n}::tsquery"),
                expr.into(),
            )
        }
        Dialect::Postgres => {
            let expr = terms
                .iter()
                .map(|t| format!("{}{}", t.word, if t.prefix { ":*" } else { "" }))
                .collect::<Vec<_>>()
                .join(" & ");
            let a = alias(table);
            let col = if sensitive {
                format!("({a}.search_public || {a}.search_sensitive)")
            } else {
                format!("{a}.search_public")
            };
            (format!("{col} @@ to_tsquery('simple', ${n})"), expr.into())
        }
    }
}

/// How a filter selects full-text matches on SQLite. [`Store::incidents`] turns it into
/// a join, so the index yields matches newest first and a page stops after 50.
fn sqlite_fts_in(table: &str, n: usize) -> String {
    format!(
        "{a}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ${n})",
        a = alias(table)
    )
}

/// A list row's violations, from its `position:type:person:group` words (in no
/// order): each type once, in the order recorded, and the number of distinct victims
/// (a person or a group; one with neither counts once, as before).
fn page_violations(words: &str) -> (Vec<String>, i64) {
    let mut parsed: Vec<(i64, &str, &str, &str)> = words
        .split_whitespace()
        .map(|w| {
            let (position, rest) = w.split_once(':').unwrap_or(("0", w));
            let mut parts = rest.rsplitn(3, ':');
            let (group, person, t) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            (position.parse().unwrap_or(0), t, person, group)
        })
        .collect();
    parsed.sort_by_key(|&(position, ..)| position);
    let mut types: Vec<String> = Vec::new();
    let mut victims: Vec<(&str, &str)> = Vec::new();
    for (_, t, person, group) in parsed {
        if !types.iter().any(|seen| seen == t) {
            types.push(t.to_owned());
        }
        if !victims.contains(&(person, group)) {
            victims.push((person, group));
        }
    }
    (types, victims.len() as i64)
}

fn alias(table: &str) -> &'static str {
    if table == "incident" {
        "i"
    } else {
        "p"
    }
}

/// Write the search text of one record.
pub(crate) async fn index_text(
    tx: &mut Box<dyn Tx>,
    dialect: Dialect,
    blind: Option<&FieldCipher>,
    table: &str,
    id: Id,
    public: &str,
    sensitive: &str,
) -> Result<()> {
    let (public, sensitive) = (fold(public), fold(sensitive));
    match dialect {
        Dialect::Sqlite => {
            tx.execute(
                &format!("DELETE FROM {table}_fts WHERE rowid = $1"),
                &[id.into()],
            )
            .await?;
            tx.execute(
                &format!("INSERT INTO {table}_fts (rowid, public_text, sensitive_text) VALUES ($1, $2, $3)"),
                &[id.into(), public.into(), sensitive.into()],
            )
            .await?;
        }
        Dialect::Postgres if blind.is_some() => {
            // The blind index: each sensitive word as a keyed HMAC, never in clear.
            let tokens = sensitive_words(&sensitive)
                .into_iter()
                .filter_map(|w| blind.map(|c| format!("'{BLIND_MARK}{}'", c.blind(&w))))
                .collect::<Vec<_>>()
                .join(" ");
            tx.execute(
                &format!(
                    "UPDATE {table}s SET search_public = to_tsvector('simple', $1), search_sensitive = $2::tsvector WHERE id = $3"
                ),
                &[public.into(), tokens.into(), id.into()],
            )
            .await?;
        }
        Dialect::Postgres => {
            tx.execute(
                &format!(
                    "UPDATE {table}s SET search_public = to_tsvector('simple', $1), search_sensitive = to_tsvector('simple', $2) WHERE id = $3"
                ),
                &[public.into(), sensitive.into(), id.into()],
            )
            .await?;
        }
    }
    Ok(())
}

/// What starts a blind-index token in a `tsvector` (never in a query word).
pub(crate) const BLIND_MARK: char = '#';

/// The distinct words of folded sensitive text, split as queries are.
pub(crate) fn sensitive_words(folded: &str) -> std::collections::BTreeSet<String> {
    folded
        .split(|c: char| !(c.is_alphabetic() || c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Top-level fields whose values differ between two snapshots.
pub(crate) fn changed_fields(old: Option<&Value>, new: &Value) -> Vec<String> {
    let (Some(Value::Object(o)), Value::Object(n)) = (old, new) else {
        return match new {
            Value::Object(n) => n.keys().cloned().collect(),
            _ => Vec::new(),
        };
    };
    let mut keys: Vec<String> = n.keys().chain(o.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| o.get(k) != n.get(k)).collect()
}

impl Store {
    // ------------------------------------------------------------ vocabularies

    pub(crate) async fn install_builtin_vocabularies(&self) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let now = self.now_text();
        for t in vocab::builtin_terms() {
            let attrs = serde_json::to_string(&t.attrs).unwrap_or_else(|_| "{}".into());
            tx.execute(
                "INSERT INTO vocab_terms (kind, code, label_en, label_es, builtin, attrs, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (kind, code) DO UPDATE SET label_en = excluded.label_en, label_es = excluded.label_es,
                   builtin = excluded.builtin, attrs = excluded.attrs",
                &[t.kind.code().into(), t.code.into(), t.label_en.into(), t.label_es.into(), true.into(), attrs.into(), now.clone().into()],
            )
            .await?;
        }
        tx.commit().await?;
        self.reads.invalidate();
        Ok(())
    }

    /// Every vocabulary, from the per-instance cache when it is fresh (`read_cache.rs`).
    pub async fn vocabularies(&self) -> Result<Vocabularies> {
        if let Some(v) = self.reads.vocabularies() {
            return Ok((*v).clone());
        }
        let _one = self.reads.refill.lock().await;
        if let Some(v) = self.reads.vocabularies() {
            return Ok((*v).clone());
        }
        let generation = self.reads.generation();
        let v = self.read_vocabularies().await?;
        self.reads
            .put_vocabularies(std::sync::Arc::new(v.clone()), generation);
        Ok(v)
    }

    async fn read_vocabularies(&self) -> Result<Vocabularies> {
        let rows = self
            .db
            .query("SELECT kind, code, label_en, label_es, builtin, attrs FROM vocab_terms ORDER BY kind, builtin DESC, created_at, code", &[])
            .await?;
        let mut order: HashMap<(String, String), usize> = HashMap::new();
        for (i, t) in vocab::builtin_terms().enumerate() {
            order.insert((t.kind.code().to_owned(), t.code), i);
        }
        let mut terms: Vec<(usize, Term)> = rows
            .iter()
            .filter_map(|r| {
                let kind: VocabKind = r.text(0).parse().ok()?;
                let pos = order
                    .get(&(r.text(0), r.text(1)))
                    .copied()
                    .unwrap_or(usize::MAX);
                Some((
                    pos,
                    Term {
                        kind,
                        code: r.text(1),
                        label_en: r.text(2),
                        label_es: r.text(3),
                        builtin: r.bool(4),
                        attrs: serde_json::from_str::<TermAttrs>(&r.text(5)).unwrap_or_default(),
                    },
                ))
            })
            .collect();
        terms.sort_by_key(|t| (t.1.kind, t.0));
        Ok(Vocabularies::new(
            terms.into_iter().map(|(_, t)| t).collect(),
        ))
    }

    /// Add a term to a vocabulary. Codes are stable, so an existing code is refused.
    pub async fn add_term(&self, term: Term, audit: Option<AuditEntry>) -> Result<()> {
        let mut tx = self.db.begin().await?;
        self.insert_term_in(&mut tx, &term).await?;
        if let Some(a) = audit {
            self.audit_in(&mut tx, &term_entry(a, term.kind, &term.code))
                .await?;
        }
        tx.commit().await?;
        self.reads.invalidate();
        Ok(())
    }

    /// Add a term inside the caller's transaction (imports add terms and rows together).
    pub async fn insert_term_in(&self, tx: &mut Box<dyn Tx>, term: &Term) -> Result<()> {
        let mut e = FieldErrors::default();
        if !vocab::valid_code(&term.code) {
            e.add("code", "err-code-syntax", Some(term.code.clone()));
        }
        if term.label_en.trim().is_empty() {
            e.add("label_en", "err-required", None);
        }
        if term.label_en.chars().count() > 200 || term.label_es.chars().count() > 200 {
            e.add("label_en", "err-too-long", Some("200".into()));
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        // Whatever is read until the caller commits must not stay cached; the caller
        // empties the cache again after its commit.
        self.reads.invalidate();
        let attrs = serde_json::to_string(&term.attrs).unwrap_or_else(|_| "{}".into());
        tx.execute(
            "INSERT INTO vocab_terms (kind, code, label_en, label_es, builtin, attrs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                term.kind.code().into(),
                term.code.clone().into(),
                term.label_en.trim().into(),
                term.label_es.trim().into(),
                false.into(),
                attrs.into(),
                self.now_text().into(),
            ],
        )
        .await
        .map_err(|err| match err {
            crate::BackendError::Unique => {
                let mut e = FieldErrors::default();
                e.add("code", "err-code-taken", Some(term.code.clone()));
                StoreError::Invalid(e)
            }
            other => other.into(),
        })?;
        Ok(())
    }

    /// Remove an administrator's term. Built-in terms and terms in use are refused.
    pub async fn delete_term(
        &self,
        kind: VocabKind,
        code: &str,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let rows = self
            .db
            .query(
                "SELECT builtin FROM vocab_terms WHERE kind = $1 AND code = $2",
                &[kind.code().into(), code.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Err(StoreError::NotFound);
        };
        let mut e = FieldErrors::default();
        if r.bool(0) {
            e.add("code", "err-term-builtin", Some(code.to_owned()));
            return Err(e.into());
        }
        let usage = match kind {
            VocabKind::ViolationType => {
                Some("SELECT count(*) FROM violations WHERE violation_type = $1")
            }
            VocabKind::PerpetratorType => {
                Some("SELECT count(*) FROM perpetrators WHERE perpetrator_type = $1")
            }
            VocabKind::SourceType => Some("SELECT count(*) FROM sources WHERE source_type = $1"),
            VocabKind::Reliability => Some("SELECT count(*) FROM sources WHERE reliability = $1"),
            VocabKind::BusinessSector => {
                Some("SELECT count(*) FROM incidents WHERE business_sector = $1")
            }
            VocabKind::Characteristic => {
                Some("SELECT count(*) FROM person_characteristics WHERE code = $1")
            }
            VocabKind::SectorOfDefence => {
                Some("SELECT count(*) FROM person_sectors WHERE code = $1")
            }
            VocabKind::SdgGroup => Some("SELECT count(*) FROM persons WHERE sdg_group = $1"),
            VocabKind::Sex => Some("SELECT count(*) FROM persons WHERE sex = $1"),
            VocabKind::GroupType => Some("SELECT count(*) FROM groups WHERE group_type = $1"),
        };
        if let Some(sql) = usage {
            let n = self
                .db
                .query(sql, &[code.into()])
                .await?
                .first()
                .map(|r| r.int(0))
                .unwrap_or(0);
            if n > 0 {
                e.add("code", "err-term-in-use", Some(n.to_string()));
                return Err(e.into());
            }
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM vocab_terms WHERE kind = $1 AND code = $2 AND builtin = $3",
            &[kind.code().into(), code.into(), false.into()],
        )
        .await?;
        if let Some(a) = audit {
            self.audit_in(&mut tx, &term_entry(a, kind, code)).await?;
        }
        tx.commit().await?;
        self.reads.invalidate();
        Ok(())
    }

    // ------------------------------------------------------------ versions

    pub(crate) async fn record_version(
        &self,
        tx: &mut Box<dyn Tx>,
        entity: &str,
        id: Id,
        version: i64,
        user: Option<Id>,
        snapshot: &Value,
    ) -> Result<Vec<String>> {
        let prev = tx
            .query(
                "SELECT snapshot FROM versions WHERE entity = $1 AND entity_id = $2 ORDER BY version DESC LIMIT 1",
                &[entity.into(), id.into()],
            )
            .await?;
        let prev: Option<Value> = match prev.first() {
            Some(r) => serde_json::from_str(&self.unseal(SNAPSHOT, r.text(0))?).ok(),
            None => None,
        };
        let changed = changed_fields(prev.as_ref(), snapshot);
        tx.execute(
            "INSERT INTO versions (entity, entity_id, version, at, user_id, changed, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                entity.into(),
                id.into(),
                version.into(),
                self.now_text().into(),
                user.into(),
                serde_json::to_string(&changed).unwrap_or_default().into(),
                self.seal(SNAPSHOT, &snapshot.to_string()).into(),
            ],
        )
        .await?;
        Ok(changed)
    }

    /// Every version of a record, newest first.
    pub async fn versions(&self, entity: &str, id: Id) -> Result<Vec<Version>> {
        let rows = self
            .db
            .query(
                "SELECT v.version, v.at, v.user_id, u.username, v.changed FROM versions v LEFT JOIN users u ON u.id = v.user_id
                 WHERE v.entity = $1 AND v.entity_id = $2 ORDER BY v.version DESC",
                &[entity.into(), id.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Version {
                entity: entity.to_owned(),
                entity_id: id,
                version: r.int(0),
                at: parse_time(&r.text(1)),
                user_id: r.opt_int(2),
                username: r.opt_text(3),
                changed: serde_json::from_str(&r.text(4)).unwrap_or_default(),
            })
            .collect())
    }

    /// The stored snapshot of one version (all fields, sensitive included).
    pub async fn version_snapshot(&self, entity: &str, id: Id, version: i64) -> Result<Value> {
        let rows = self
            .db
            .query(
                "SELECT snapshot FROM versions WHERE entity = $1 AND entity_id = $2 AND version = $3",
                &[entity.into(), id.into(), version.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        serde_json::from_str(&self.unseal(SNAPSHOT, r.text(0))?).map_err(|_| StoreError::NotFound)
    }

    async fn next_code(&self, tx: &mut Box<dyn Tx>, prefix: &str) -> Result<String> {
        let year = chrono::Datelike::year(&self.clock.now());
        let rows = tx
            .query(
                "INSERT INTO code_counters (prefix, year, n) VALUES ($1, $2, 1)
                 ON CONFLICT (prefix, year) DO UPDATE SET n = code_counters.n + 1 RETURNING n",
                &[prefix.into(), year.into()],
            )
            .await?;
        let n = rows.first().map(|r| r.int(0)).unwrap_or(1);
        Ok(format_code(prefix, year, n))
    }

    // ------------------------------------------------------------ groups

    pub async fn create_group(
        &self,
        user: Option<Id>,
        g: &GroupInput,
        audit: Option<AuditEntry>,
    ) -> Result<Group> {
        let mut tx = self.db.begin().await?;
        let compartment = self.target_compartment(&mut tx).await?;
        let code = self.next_code(&mut tx, GROUP_CODE_PREFIX).await?;
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO groups (code, name, group_type, country, description, version, created_at, updated_at, compartment_id)
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7) RETURNING id",
                &[code.into(), g.name.clone().into(), g.group_type.clone().into(), Some(g.country.clone()).filter(|c| !c.is_empty()).into(), g.description.clone().into(), now.into(), compartment.into()],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.record_version(&mut tx, "group", id, 1, user, &group_snapshot(g))
            .await?;
        self.audit_opt_in(&mut tx, versioned(audit, 1, None), id)
            .await?;
        tx.commit().await?;
        self.reads.invalidate();
        self.group(id).await
    }

    pub async fn update_group(
        &self,
        user: Option<Id>,
        id: Id,
        expected_version: i64,
        g: &GroupInput,
        audit: Option<AuditEntry>,
    ) -> Result<Group> {
        let mut tx = self.db.begin().await?;
        let version = self
            .check_version(&mut tx, "groups", id, expected_version)
            .await?;
        tx.execute(
            "UPDATE groups SET name = $1, group_type = $2, country = $3, description = $4, version = $5, updated_at = $6 WHERE id = $7",
            &[g.name.clone().into(), g.group_type.clone().into(), Some(g.country.clone()).filter(|c| !c.is_empty()).into(), g.description.clone().into(), (version + 1).into(), self.now_text().into(), id.into()],
        )
        .await?;
        let changed = self
            .record_version(&mut tx, "group", id, version + 1, user, &group_snapshot(g))
            .await?;
        // Group names are searchable in incidents that name the group.
        self.reindex_incidents_of(&mut tx, "victim_group_id", id)
            .await?;
        self.audit_opt_in(&mut tx, versioned(audit, version + 1, Some(changed)), id)
            .await?;
        tx.commit().await?;
        self.group(id).await
    }

    pub async fn group(&self, id: Id) -> Result<Group> {
        let rows = self
            .db
            .query(&format!("SELECT id, code, name, group_type, country, description, version, created_at, updated_at FROM groups WHERE id = $1 AND {}", self.visible("groups.compartment_id")), &[id.into()])
            .await?;
        rows.first().map(group_from).ok_or(StoreError::NotFound)
    }

    /// Groups whose name or code contains `q` (names are not sensitive).
    pub async fn groups(&self, q: &str, page: u32) -> Result<Page<Group>> {
        let like = format!("%{}%", q.trim().to_lowercase().replace(['%', '_'], ""));
        let offset = i64::from(page.max(1) - 1) * i64::from(PAGE_SIZE);
        let seen = self.visible("groups.compartment_id");
        let rows = self
            .db
            .query(
                &format!("SELECT id, code, name, group_type, country, description, version, created_at, updated_at FROM groups
                 WHERE (lower(name) LIKE $1 OR lower(code) LIKE $1) AND {seen} ORDER BY name LIMIT $2 OFFSET $3"),
                &[like.clone().into(), i64::from(PAGE_SIZE).into(), offset.into()],
            )
            .await?;
        let total = self
            .db
            .query(
                &format!("SELECT count(*) FROM groups WHERE (lower(name) LIKE $1 OR lower(code) LIKE $1) AND {seen}"),
                &[like.into()],
            )
            .await?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(0);
        Ok(Page {
            items: rows.iter().map(group_from).collect(),
            total,
            page: page.max(1),
            per_page: PAGE_SIZE,
            total_capped: false,
        })
    }

    /// Appended to the read that an edit's checks rest on. On PostgreSQL it locks the
    /// row, so a concurrent edit of the same version waits and then sees the new
    /// version (a conflict) instead of failing on the versions table; `NO KEY` lets
    /// foreign-key checks of other writers through. SQLite's `BEGIN IMMEDIATE`
    /// already serialises writers.
    fn lock_row(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR NO KEY UPDATE",
            Dialect::Sqlite => "",
        }
    }

    async fn check_version(
        &self,
        tx: &mut Box<dyn Tx>,
        table: &str,
        id: Id,
        expected: i64,
    ) -> Result<i64> {
        let rows = tx
            .query(
                &format!(
                    "SELECT version FROM {table} WHERE id = $1 AND {}{}",
                    self.visible(&format!("{table}.compartment_id")),
                    self.lock_row()
                ),
                &[id.into()],
            )
            .await?;
        let current = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        if current != expected {
            return Err(StoreError::Conflict(current));
        }
        Ok(current)
    }

    // ------------------------------------------------------------ persons

    pub async fn create_person(
        &self,
        user: Option<Id>,
        p: &ValidPerson,
        audit: Option<AuditEntry>,
    ) -> Result<Person> {
        let mut tx = self.db.begin().await?;
        let id = self.insert_person(&mut tx, user, p).await?;
        self.audit_opt_in(&mut tx, versioned(audit, 1, None), id)
            .await?;
        tx.commit().await?;
        self.reads.invalidate();
        self.person(id).await
    }

    pub(crate) async fn insert_person(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        p: &ValidPerson,
    ) -> Result<Id> {
        let p = &p.0;
        let compartment = self.target_compartment(tx).await?;
        let code = self.next_code(tx, p.kind.code_prefix()).await?;
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO persons (code, kind, legal_name, contacts, address, sex, birth_year, sdg_group, consent_record, consent_share, consent_publish, external_id, version, created_at, updated_at, compartment_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13, $14) RETURNING id",
                &[
                    code.clone().into(),
                    p.kind.code().into(),
                    self.seal(LEGAL_NAME, &p.legal_name).into(),
                    self.seal(CONTACTS, &p.contacts).into(),
                    self.seal(ADDRESS, &p.address).into(),
                    nonempty(&p.sex),
                    p.birth_year.into(),
                    nonempty(&p.sdg_group),
                    p.consent_record.into(),
                    p.consent_share.into(),
                    p.consent_publish.code().into(),
                    nonempty(&p.external_id),
                    now.into(),
                    compartment.into(),
                ],
            )
            .await
            .map_err(|e| match e {
                crate::BackendError::Unique => {
                    let mut fe = FieldErrors::default();
                    fe.add("external_id", "err-external-id-taken", Some(p.external_id.clone()));
                    StoreError::Invalid(fe)
                }
                other => other.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.write_person_lists(tx, id, p).await?;
        index_text(
            tx,
            self.dialect(),
            self.cipher.as_deref(),
            "person",
            id,
            &code,
            &format!("{} {}", p.legal_name, p.contacts),
        )
        .await?;
        self.record_version(tx, "person", id, 1, user, &person_snapshot(p))
            .await?;
        Ok(id)
    }

    pub(crate) async fn write_person_lists(
        &self,
        tx: &mut Box<dyn Tx>,
        id: Id,
        p: &PersonInput,
    ) -> Result<()> {
        for t in ["person_characteristics", "person_sectors", "memberships"] {
            tx.execute(
                &format!("DELETE FROM {t} WHERE person_id = $1"),
                &[id.into()],
            )
            .await?;
        }
        for c in &p.characteristics {
            tx.execute(
                "INSERT INTO person_characteristics (person_id, code) VALUES ($1, $2)",
                &[id.into(), c.into()],
            )
            .await?;
        }
        for c in &p.sectors {
            tx.execute(
                "INSERT INTO person_sectors (person_id, code) VALUES ($1, $2)",
                &[id.into(), c.into()],
            )
            .await?;
        }
        for g in &p.memberships {
            let exists = tx
                .query(
                    &format!(
                        "SELECT 1 FROM groups WHERE id = $1 AND {}",
                        self.visible("groups.compartment_id")
                    ),
                    &[(*g).into()],
                )
                .await?;
            if exists.is_empty() {
                let mut e = FieldErrors::default();
                e.add("memberships", "err-unknown-group", Some(g.to_string()));
                return Err(e.into());
            }
            tx.execute(
                "INSERT INTO memberships (person_id, group_id) VALUES ($1, $2)",
                &[id.into(), (*g).into()],
            )
            .await?;
        }
        Ok(())
    }

    pub async fn update_person(
        &self,
        user: Option<Id>,
        id: Id,
        expected_version: i64,
        p: &ValidPerson,
        audit: Option<AuditEntry>,
    ) -> Result<Person> {
        let mut tx = self.db.begin().await?;
        let version = self
            .check_version(&mut tx, "persons", id, expected_version)
            .await?;
        let old = tx
            .query("SELECT kind, code FROM persons WHERE id = $1", &[id.into()])
            .await?;
        let code = old.first().map(|r| r.text(1)).unwrap_or_default();
        let p0 = &p.0;
        tx.execute(
            "UPDATE persons SET kind = $1, legal_name = $2, contacts = $3, address = $4, sex = $5, birth_year = $6, sdg_group = $7,
               consent_record = $8, consent_share = $9, consent_publish = $10, external_id = $11, version = $12, updated_at = $13 WHERE id = $14",
            &[
                p0.kind.code().into(),
                self.seal(LEGAL_NAME, &p0.legal_name).into(),
                self.seal(CONTACTS, &p0.contacts).into(),
                self.seal(ADDRESS, &p0.address).into(),
                nonempty(&p0.sex),
                p0.birth_year.into(),
                nonempty(&p0.sdg_group),
                p0.consent_record.into(),
                p0.consent_share.into(),
                p0.consent_publish.code().into(),
                nonempty(&p0.external_id),
                (version + 1).into(),
                self.now_text().into(),
                id.into(),
            ],
        )
        .await
        .map_err(|e| external_id_taken(e, &p0.external_id))?;
        self.write_person_lists(&mut tx, id, p0).await?;
        index_text(
            &mut tx,
            self.dialect(),
            self.cipher.as_deref(),
            "person",
            id,
            &code,
            &format!("{} {}", p0.legal_name, p0.contacts),
        )
        .await?;
        let changed = self
            .record_version(
                &mut tx,
                "person",
                id,
                version + 1,
                user,
                &person_snapshot(p0),
            )
            .await?;
        self.reindex_incidents_of(&mut tx, "victim_person_id", id)
            .await?;
        self.audit_opt_in(&mut tx, versioned(audit, version + 1, Some(changed)), id)
            .await?;
        tx.commit().await?;
        self.person(id).await
    }

    pub async fn person(&self, id: Id) -> Result<Person> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE id = $1 AND {}",
                    self.visible("persons.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        let mut people = self.persons_from(rows).await?;
        people.pop().ok_or(StoreError::NotFound)
    }

    pub async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE external_id = $1 AND {}",
                    self.visible("persons.compartment_id")
                ),
                &[external_id.into()],
            )
            .await?;
        Ok(self.persons_from(rows).await?.pop())
    }

    async fn persons_from(&self, rows: Vec<Row>) -> Result<Vec<Person>> {
        let mut out: Vec<Person> = rows
            .iter()
            .map(|r| person_from(self, r))
            .collect::<Result<_>>()?;
        if out.is_empty() {
            return Ok(out);
        }
        let ids = out
            .iter()
            .map(|p| p.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut by_id: HashMap<Id, usize> = HashMap::new();
        for (i, p) in out.iter().enumerate() {
            by_id.insert(p.id, i);
        }
        // Ids are integers we read from the database, so inlining them is safe.
        for r in self.db.query(&format!("SELECT person_id, code FROM person_characteristics WHERE person_id IN ({ids}) ORDER BY code"), &[]).await? {
            if let Some(p) = by_id.get(&r.int(0)).and_then(|&i| out.get_mut(i)) {
                p.characteristics.push(r.text(1));
            }
        }
        for r in self.db.query(&format!("SELECT person_id, code FROM person_sectors WHERE person_id IN ({ids}) ORDER BY code"), &[]).await? {
            if let Some(p) = by_id.get(&r.int(0)).and_then(|&i| out.get_mut(i)) {
                p.sectors.push(r.text(1));
            }
        }
        for r in self
            .db
            .query(&format!("SELECT m.person_id, g.id, g.code, g.name FROM memberships m JOIN groups g ON g.id = m.group_id WHERE m.person_id IN ({ids}) AND {} ORDER BY g.name", self.visible("g.compartment_id")), &[])
            .await?
        {
            if let Some(p) = by_id.get(&r.int(0)).and_then(|&i| out.get_mut(i)) {
                p.memberships.push(PartyRef { victim: VictimRef::Group(r.int(1)), code: r.text(2), name: Some(r.text(3)) });
            }
        }
        Ok(out)
    }

    /// Persons matching a filter. `sensitive` says whether the reader may search legal names.
    pub async fn persons(&self, f: &PersonFilter, sensitive: bool) -> Result<Page<Person>> {
        let mut wh: Vec<String> = vec![self.visible("p.compartment_id")];
        let mut args: Vec<Val> = Vec::new();
        let arg = |v: Val, args: &mut Vec<Val>| {
            args.push(v);
            args.len()
        };
        if !f.kind.is_empty() {
            let n = arg(f.kind.clone().into(), &mut args);
            wh.push(format!("p.kind = ${n}"));
        }
        if !f.sdg_group.is_empty() {
            let n = arg(f.sdg_group.clone().into(), &mut args);
            wh.push(format!("p.sdg_group = ${n}"));
        }
        if !f.characteristic.is_empty() {
            let n = arg(f.characteristic.clone().into(), &mut args);
            wh.push(format!("EXISTS (SELECT 1 FROM person_characteristics c WHERE c.person_id = p.id AND c.code = ${n})"));
        }
        if !f.sector.is_empty() {
            let n = arg(f.sector.clone().into(), &mut args);
            wh.push(format!("EXISTS (SELECT 1 FROM person_sectors s WHERE s.person_id = p.id AND s.code = ${n})"));
        }
        let terms = query_terms(&f.q);
        if !terms.is_empty() {
            let (clause, v) = fts_clause(
                self.dialect(),
                self.cipher.as_deref(),
                "person",
                &terms,
                sensitive,
                args.len() + 1,
            );
            args.push(v);
            wh.push(clause);
        }
        let wh = wh.join(" AND ");
        let total = self
            .db
            .query(&format!("SELECT count(*) FROM persons p WHERE {wh}"), &args)
            .await?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(0);
        let page = f.page();
        let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
        let n = args.len();
        args.push(i64::from(PAGE_SIZE).into());
        args.push(offset.into());
        let rows = self
            .db
            .query(&format!("SELECT {PERSON_COLS_P} FROM persons p WHERE {wh} ORDER BY p.code LIMIT ${} OFFSET ${}", n + 1, n + 2), &args)
            .await?;
        Ok(Page {
            items: self.persons_from(rows).await?,
            total,
            page,
            per_page: PAGE_SIZE,
            total_capped: false,
        })
    }

    /// Every violation suffered by a person or group, newest first.
    pub async fn violations_against(&self, victim: VictimRef) -> Result<Vec<VictimViolation>> {
        let (col, id) = match victim {
            VictimRef::Person(id) => ("victim_person_id", id),
            VictimRef::Group(id) => ("victim_group_id", id),
        };
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT v.id, v.incident_id, i.title, v.violation_type, v.date, v.date_precision, i.country, i.status
                     FROM violations v JOIN incidents i ON i.id = v.incident_id WHERE v.{col} = $1 AND {} ORDER BY v.date DESC, v.id DESC",
                    self.visible("i.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| VictimViolation {
                violation_id: r.int(0),
                incident_id: r.int(1),
                incident_title: r.text(2),
                violation_type: r.text(3),
                date: PartialDate::from_parts(&r.text(4), &r.text(5)).unwrap_or_else(epoch),
                country: r.text(6),
                status: r.text(7).parse().unwrap_or(IncidentStatus::Reported),
            })
            .collect())
    }

    // ------------------------------------------------------------ incidents

    /// Check that every person and group an incident refers to exists.
    pub(crate) async fn check_parties(
        &self,
        tx: &mut Box<dyn Tx>,
        inc: &ValidIncident,
    ) -> Result<()> {
        let mut e = FieldErrors::default();
        for (i, v) in inc.violations.iter().enumerate() {
            let (table, id) = match v.victim {
                VictimRef::Person(id) => ("persons", id),
                VictimRef::Group(id) => ("groups", id),
            };
            if tx
                .query(
                    &format!(
                        "SELECT 1 FROM {table} WHERE id = $1 AND {}",
                        self.visible(&format!("{table}.compartment_id"))
                    ),
                    &[id.into()],
                )
                .await?
                .is_empty()
            {
                e.add(
                    format!("violations[{i}].victim"),
                    "err-unknown-victim",
                    Some(id.to_string()),
                );
            }
            for (j, p) in v.perpetrators.iter().enumerate() {
                for (table, pid) in [("persons", p.person_id), ("groups", p.group_id)] {
                    if let Some(pid) = pid {
                        if tx
                            .query(
                                &format!(
                                    "SELECT 1 FROM {table} WHERE id = $1 AND {}",
                                    self.visible(&format!("{table}.compartment_id"))
                                ),
                                &[pid.into()],
                            )
                            .await?
                            .is_empty()
                        {
                            e.add(
                                format!("violations[{i}].perpetrators[{j}].type"),
                                "err-unknown-victim",
                                Some(pid.to_string()),
                            );
                        }
                    }
                }
            }
        }
        Ok(e.into_result(())?)
    }

    pub async fn create_incident(
        &self,
        user: Option<Id>,
        inc: &ValidIncident,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let id = self.insert_incident(&mut tx, user, inc).await?;
        self.audit_opt_in(&mut tx, versioned(audit, 1, None), id)
            .await?;
        tx.commit().await?;
        self.reads.invalidate();
        Ok(id)
    }

    pub(crate) async fn insert_incident(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        inc: &ValidIncident,
    ) -> Result<Id> {
        self.check_parties(tx, inc).await?;
        let compartment = self.target_compartment(tx).await?;
        let now = self.now_text();
        let mut args = incident_args(inc, user, now);
        args.push(compartment.into());
        let coordinates = self.seal_incident_args(&mut args, inc);
        args.push(coordinates);
        let rows = tx
            .query(
                "INSERT INTO incidents (external_id, title, narrative, start_date, start_precision, start_year, end_date, end_precision,
                   country, region, locality, latitude, longitude, business_sector, status, verification_override, version, created_by, created_at, updated_at, compartment_id, coordinates_enc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $18, $19, $20) RETURNING id",
                &args,
            )
            .await
            .map_err(|e| match e {
                crate::BackendError::Unique => {
                    let mut fe = FieldErrors::default();
                    fe.add("external_id", "err-external-id-taken", inc.external_id.clone());
                    StoreError::Invalid(fe)
                }
                other => other.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.write_incident_children(tx, id, inc).await?;
        self.reindex_incident(tx, id).await?;
        self.record_version(tx, "incident", id, 1, user, &incident_snapshot(inc))
            .await?;
        Ok(id)
    }

    async fn write_incident_children(
        &self,
        tx: &mut Box<dyn Tx>,
        id: Id,
        inc: &ValidIncident,
    ) -> Result<()> {
        tx.execute(
            "DELETE FROM violations WHERE incident_id = $1",
            &[id.into()],
        )
        .await?;
        tx.execute("DELETE FROM sources WHERE incident_id = $1", &[id.into()])
            .await?;
        for (pos, v) in inc.violations.iter().enumerate() {
            let (person, group) = match v.victim {
                VictimRef::Person(p) => (Some(p), None),
                VictimRef::Group(g) => (None, Some(g)),
            };
            let rows = tx
                .query(
                    "INSERT INTO violations (incident_id, position, violation_type, victim_person_id, victim_group_id, date, date_precision, outcome, reprisal_un)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &[
                        id.into(),
                        (pos as i64).into(),
                        v.violation_type.clone().into(),
                        person.into(),
                        group.into(),
                        v.date.iso().into(),
                        v.date.precision.code().into(),
                        v.outcome.clone().into(),
                        v.reprisal_un.into(),
                    ],
                )
                .await?;
            let vid = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
            for (ppos, p) in v.perpetrators.iter().enumerate() {
                tx.execute(
                    "INSERT INTO perpetrators (violation_id, position, perpetrator_type, person_id, group_id) VALUES ($1, $2, $3, $4, $5)",
                    &[vid.into(), (ppos as i64).into(), p.perpetrator_type.clone().into(), p.person_id.into(), p.group_id.into()],
                )
                .await?;
            }
        }
        for (pos, s) in inc.sources.iter().enumerate() {
            tx.execute(
                "INSERT INTO sources (incident_id, position, source_type, reliability, origin, description) VALUES ($1, $2, $3, $4, $5, $6)",
                &[id.into(), (pos as i64).into(), s.source_type.clone().into(), s.reliability.clone().into(), self.seal(ORIGIN, &s.origin).into(), self.seal(DESCRIPTION, &s.description).into()],
            )
            .await?;
        }
        Ok(())
    }

    /// Rebuild the search text of one incident from what it now holds.
    pub(crate) async fn reindex_incident(&self, tx: &mut Box<dyn Tx>, id: Id) -> Result<()> {
        let head = tx
            .query(
                "SELECT title, narrative, region, locality FROM incidents WHERE id = $1",
                &[id.into()],
            )
            .await?;
        let Some(h) = head.first() else {
            return Ok(());
        };
        let mut public = format!("{} {} {}", h.text(0), h.text(2), h.text(3));
        let mut sensitive = self.unseal(NARRATIVE, h.text(1))?;
        for r in tx
            .query(
                // Only victims of the incident's own compartment are indexed: a reader
                // of the incident must not find it by the name of someone they may
                // not see.
                "SELECT p.code, p.legal_name, g.code, g.name FROM violations v JOIN incidents i ON i.id = v.incident_id
                 LEFT JOIN persons p ON p.id = v.victim_person_id AND p.compartment_id = i.compartment_id
                 LEFT JOIN groups g ON g.id = v.victim_group_id AND g.compartment_id = i.compartment_id
                 WHERE v.incident_id = $1",
                &[id.into()],
            )
            .await?
        {
            for i in [0, 2, 3] {
                public.push(' ');
                public.push_str(&r.text(i));
            }
            sensitive.push(' ');
            sensitive.push_str(&self.unseal(LEGAL_NAME, r.text(1))?);
        }
        for r in tx
            .query(
                "SELECT origin, description FROM sources WHERE incident_id = $1",
                &[id.into()],
            )
            .await?
        {
            sensitive.push(' ');
            sensitive.push_str(&self.unseal(ORIGIN, r.text(0))?);
            sensitive.push(' ');
            sensitive.push_str(&self.unseal(DESCRIPTION, r.text(1))?);
        }
        index_text(
            tx,
            self.dialect(),
            self.cipher.as_deref(),
            "incident",
            id,
            &public,
            &sensitive,
        )
        .await
    }

    async fn reindex_incidents_of(&self, tx: &mut Box<dyn Tx>, col: &str, id: Id) -> Result<()> {
        let rows = tx.query(&format!("SELECT DISTINCT incident_id FROM violations WHERE {col} = $1 ORDER BY incident_id"), &[id.into()]).await?;
        for r in rows {
            self.reindex_incident(tx, r.int(0)).await?;
        }
        Ok(())
    }

    pub async fn update_incident(
        &self,
        user: Option<Id>,
        id: Id,
        expected_version: i64,
        inc: &ValidIncident,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        // An edit that changes nothing makes no version, and no entry.
        if let Some((version, changed)) = self
            .replace_incident(&mut tx, user, id, Some(expected_version), inc)
            .await?
        {
            self.audit_opt_in(&mut tx, versioned(audit, version, Some(changed)), id)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replace an incident's content; with `expected_version` the edit must start from
    /// the current version. Returns the new version and the names of the fields that
    /// changed, or `None` when nothing changed (no new version).
    pub(crate) async fn replace_incident(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        id: Id,
        expected_version: Option<i64>,
        inc: &ValidIncident,
    ) -> Result<Option<(i64, Vec<String>)>> {
        let rows = tx
            .query(
                &format!(
                    "SELECT version, status FROM incidents WHERE id = $1 AND {}{}",
                    self.visible("incidents.compartment_id"),
                    self.lock_row()
                ),
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let (version, old_status) = (r.int(0), r.text(1));
        if let Some(expected) = expected_version {
            if expected != version {
                return Err(StoreError::Conflict(version));
            }
        }
        let old_status: IncidentStatus = old_status.parse().unwrap_or(IncidentStatus::Reported);
        if !old_status.can_become(inc.status) {
            let mut e = FieldErrors::default();
            e.add(
                "status",
                "err-status-transition",
                Some(format!("{old_status} → {}", inc.status)),
            );
            return Err(e.into());
        }
        let snapshot = incident_snapshot(inc);
        let last = tx
            .query("SELECT snapshot FROM versions WHERE entity = 'incident' AND entity_id = $1 ORDER BY version DESC LIMIT 1", &[id.into()])
            .await?;
        let last: Option<Value> = match last.first() {
            Some(r) => serde_json::from_str(&self.unseal(SNAPSHOT, r.text(0))?).ok(),
            None => None,
        };
        if last.as_ref() == Some(&snapshot) {
            return Ok(None);
        }
        self.check_parties(tx, inc).await?;
        let mut args = incident_args(inc, user, self.now_text());
        let coordinates = self.seal_incident_args(&mut args, inc);
        args.remove(16); // created_by stays as it was
        args.push((version + 1).into());
        args.push(id.into());
        args.push(coordinates);
        tx.execute(
            "UPDATE incidents SET external_id = $1, title = $2, narrative = $3, start_date = $4, start_precision = $5, start_year = $6,
               end_date = $7, end_precision = $8, country = $9, region = $10, locality = $11, latitude = $12, longitude = $13,
               business_sector = $14, status = $15, verification_override = $16, updated_at = $17, version = $18, coordinates_enc = $20 WHERE id = $19",
            &args,
        )
        .await
        .map_err(|e| external_id_taken(e, inc.external_id.as_deref().unwrap_or_default()))?;
        self.write_incident_children(tx, id, inc).await?;
        self.reindex_incident(tx, id).await?;
        let changed = self
            .record_version(tx, "incident", id, version + 1, user, &snapshot)
            .await?;
        Ok(Some((version + 1, changed)))
    }

    pub async fn incident_id_by_external(&self, external_id: &str) -> Result<Option<Id>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT id FROM incidents WHERE external_id = $1 AND {}",
                    self.visible("incidents.compartment_id")
                ),
                &[external_id.into()],
            )
            .await?;
        Ok(rows.first().map(|r| r.int(0)))
    }

    /// One incident with everything it holds (unredacted).
    pub async fn incident(&self, id: Id) -> Result<Incident> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {INCIDENT_COLS} FROM incidents i WHERE i.id = $1 AND {}",
                    self.visible("i.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        let mut v = self.incidents_from(rows).await?;
        v.pop().ok_or(StoreError::NotFound)
    }

    /// An incident's title, if it exists and this reader may see it (else
    /// `NotFound`): one indexed read where only visibility or the name is needed,
    /// instead of [`Store::incident`]'s four.
    pub async fn incident_title(&self, id: Id) -> Result<String> {
        self.db
            .query(
                &format!(
                    "SELECT i.title FROM incidents i WHERE i.id = $1 AND {}",
                    self.visible("i.compartment_id")
                ),
                &[id.into()],
            )
            .await?
            .first()
            .map(|r| r.text(0))
            .ok_or(StoreError::NotFound)
    }

    async fn incidents_from(&self, rows: Vec<Row>) -> Result<Vec<Incident>> {
        let mut out: Vec<Incident> = rows
            .iter()
            .map(|r| incident_from(self, r))
            .collect::<Result<_>>()?;
        if out.is_empty() {
            return Ok(out);
        }
        // One incident (a record's page) is bound as a parameter, so the two
        // statements below keep one text and stay prepared whichever incident is read;
        // several (an export) are listed in the text.
        let (ids, id_args): (String, Vec<Val>) = match out.as_slice() {
            [one] => ("$1".to_owned(), vec![one.id.into()]),
            many => (
                many.iter()
                    .map(|i| i.id.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                Vec::new(),
            ),
        };
        let mut by_id: HashMap<Id, usize> = HashMap::new();
        for (i, inc) in out.iter().enumerate() {
            by_id.insert(inc.id, i);
        }
        // Violations and their perpetrators in one statement (a row per perpetrator,
        // or one with empty perpetrator columns): a record's page is a few statements,
        // each a round trip to the database's thread.
        let vrows = self
            .db
            .query(
                &format!(
                    "SELECT v.id, v.incident_id, v.violation_type, v.victim_person_id, v.victim_group_id, v.date, v.date_precision, v.outcome, v.reprisal_un,
                            p.code, p.legal_name, g.code, g.name,
                            pe.perpetrator_type, pe.person_id, pp.code, pp.legal_name, pe.group_id, pg.code, pg.name
                     FROM violations v LEFT JOIN persons p ON p.id = v.victim_person_id AND {} LEFT JOIN groups g ON g.id = v.victim_group_id AND {}
                     LEFT JOIN perpetrators pe ON pe.violation_id = v.id
                     LEFT JOIN persons pp ON pp.id = pe.person_id AND {} LEFT JOIN groups pg ON pg.id = pe.group_id AND {}
                     WHERE v.incident_id IN ({ids}) ORDER BY v.incident_id, v.position, pe.position",
                    self.visible("p.compartment_id"),
                    self.visible("g.compartment_id"),
                    self.visible("pp.compartment_id"),
                    self.visible("pg.compartment_id")
                ),
                &id_args,
            )
            .await?;
        // The violation the rows are at: `None` for one not shown (no victim).
        let mut at: Option<(Id, Option<(usize, usize)>)> = None;
        for r in &vrows {
            let vid = r.int(0);
            if at.is_none_or(|(seen, _)| seen != vid) {
                let victim = match (r.opt_int(3), r.opt_int(4)) {
                    (Some(p), _) => Some(PartyRef {
                        victim: VictimRef::Person(p),
                        code: r.text(9),
                        name: Some(self.unseal(LEGAL_NAME, r.text(10))?).filter(|s| !s.is_empty()),
                    }),
                    (None, Some(g)) => Some(PartyRef {
                        victim: VictimRef::Group(g),
                        code: r.text(11),
                        // Empty when the group is in a compartment the reader cannot see.
                        name: Some(r.text(12)).filter(|s| !s.is_empty()),
                    }),
                    (None, None) => None,
                };
                let place = match (victim, by_id.get(&r.int(1))) {
                    (Some(victim), Some(&i)) => out.get_mut(i).map(|inc| {
                        inc.violations.push(Violation {
                            id: vid,
                            incident_id: r.int(1),
                            violation_type: r.text(2),
                            victim,
                            date: PartialDate::from_parts(&r.text(5), &r.text(6))
                                .unwrap_or_else(epoch),
                            outcome: r.text(7),
                            reprisal_un: r.bool(8),
                            perpetrators: Vec::new(),
                        });
                        (i, inc.violations.len() - 1)
                    }),
                    _ => None,
                };
                at = Some((vid, place));
            }
            let Some((_, Some((i, j)))) = at else {
                continue;
            };
            let Some(perpetrator_type) = r.opt_text(13) else {
                continue;
            };
            let Some(v) = out.get_mut(i).and_then(|inc| inc.violations.get_mut(j)) else {
                continue;
            };
            let name = Some(self.unseal(LEGAL_NAME, r.text(16))?).filter(|s| !s.is_empty());
            v.perpetrators.push(Perpetrator {
                perpetrator_type,
                person: r.opt_int(14).map(|id| PartyRef {
                    victim: VictimRef::Person(id),
                    code: r.text(15),
                    name,
                }),
                group: r.opt_int(17).map(|id| PartyRef {
                    victim: VictimRef::Group(id),
                    code: r.text(18),
                    name: Some(r.text(19)).filter(|s| !s.is_empty()),
                }),
            });
        }
        for r in self
            .db
            .query(&format!("SELECT id, incident_id, source_type, reliability, origin, description FROM sources WHERE incident_id IN ({ids}) ORDER BY incident_id, position"), &id_args)
            .await?
        {
            if let Some(inc) = by_id.get(&r.int(1)).and_then(|&i| out.get_mut(i)) {
                inc.sources.push(Source { id: r.int(0), incident_id: r.int(1), source_type: r.text(2), reliability: r.text(3), origin: self.unseal(ORIGIN, r.text(4))?, description: self.unseal(DESCRIPTION, r.text(5))? });
            }
        }
        Ok(out)
    }

    /// The WHERE clause and arguments for an incident filter.
    fn incident_where(&self, f: &IncidentFilter, sensitive: bool) -> (String, Vec<Val>) {
        // Compartments first: every list, search and export goes through here. The
        // unary `+` keeps the planner off the compartment indexes (a handful of
        // compartments select most rows): lists then walk the date-ordered indexes of
        // 0012_list_order and stop at the page instead of sorting every visible row.
        self.incident_where_scoped(self.visible("+i.compartment_id"), f, sensitive)
    }

    /// [`Self::incident_where`] with another compartment condition (statistics count
    /// aggregate-only compartments too: `stats.rs`).
    pub(crate) fn incident_where_scoped(
        &self,
        scope: String,
        f: &IncidentFilter,
        sensitive: bool,
    ) -> (String, Vec<Val>) {
        let mut wh: Vec<String> = vec![scope];
        let mut args: Vec<Val> = Vec::new();
        let mut push = |clause: &str, v: Val, wh: &mut Vec<String>| {
            args.push(v);
            wh.push(clause.replace("$?", &format!("${}", args.len())));
        };
        let country = filter_country(f);
        if let Some(c) = &country {
            push("i.country = $?", c.clone().into(), &mut wh);
        }
        if !f.region.trim().is_empty() {
            // The engine lowers both sides: SQLite's lower() folds ASCII only, so
            // lowering one side in Rust would miss "Île-de-France" there but not on
            // PostgreSQL. With a country, a known subdivision matches however typed.
            let region =
                vigil_domain::validate::canonical_region(country.as_deref(), f.region.trim());
            push("lower(i.region) = lower($?)", region.into(), &mut wh);
        }
        if let Some(y) = f.year {
            push("i.start_year = $?", y.into(), &mut wh);
        }
        if !f.status.is_empty() {
            push("i.status = $?", f.status.clone().into(), &mut wh);
        }
        if !f.sector.is_empty() {
            push("i.business_sector = $?", f.sector.clone().into(), &mut wh);
        }
        if !f.violation_type.is_empty() {
            push("EXISTS (SELECT 1 FROM violations v WHERE v.incident_id = i.id AND v.violation_type = $?)", f.violation_type.clone().into(), &mut wh);
        }
        if !f.perpetrator_type.is_empty() {
            push(
                "EXISTS (SELECT 1 FROM violations v JOIN perpetrators pe ON pe.violation_id = v.id WHERE v.incident_id = i.id AND pe.perpetrator_type = $?)",
                f.perpetrator_type.clone().into(),
                &mut wh,
            );
        }
        if !f.characteristic.is_empty() {
            push(
                "EXISTS (SELECT 1 FROM violations v JOIN person_characteristics c ON c.person_id = v.victim_person_id WHERE v.incident_id = i.id AND c.code = $?)",
                f.characteristic.clone().into(),
                &mut wh,
            );
        }
        let terms = query_terms(&f.q);
        if !terms.is_empty() {
            let (clause, v) = fts_clause(
                self.dialect(),
                self.cipher.as_deref(),
                "incident",
                &terms,
                sensitive,
                args.len() + 1,
            );
            args.push(v);
            wh.push(clause);
        }
        (wh.join(" AND "), args)
    }

    /// One page of incidents matching a filter: a list newest first (by date), a
    /// full-text search most recently recorded first. The total is counted only up to
    /// [`TOTAL_CAP`] rows past this page (`total_capped` says when there are more), so
    /// neither a list of a million incidents nor a search matching most of them costs
    /// a count of everything.
    pub async fn incidents(
        &self,
        f: &IncidentFilter,
        sensitive: bool,
    ) -> Result<Page<IncidentSummary>> {
        let search = !query_terms(&f.q).is_empty();
        let pg_search = search && self.dialect() == Dialect::Postgres;
        // A PostgreSQL search names the compartment column plainly: the unary `+` of
        // lists (`incident_where`) leaves the planner without statistics for it, so it
        // took the condition for a filter keeping one row in 200 and sorted every
        // match of a frequent word (10,000 at 100k) rather than walking the newest
        // first (docs/performance.md).
        let (wh, mut args) = if pg_search {
            self.incident_where_scoped(self.visible("i.compartment_id"), f, sensitive)
        } else {
            self.incident_where(f, sensitive)
        };
        let page = f.page();
        let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
        let cap = offset + i64::from(PAGE_SIZE) + i64::from(TOTAL_CAP);
        // A search is ordered by id, which the full-text index yields in order: the
        // first page needs no sort of every match.
        let order = if !search {
            "i.start_date DESC, i.id DESC"
        } else {
            "i.id DESC"
        };
        // On SQLite a search is driven by the full-text index, joined rather than
        // probed with `IN (…)` (which would evaluate every match first): with its rowid
        // order and the LIMIT, a page of a million matches reads about a page of them.
        // The compartment condition and the other filters stay in the same WHERE.
        // `CROSS JOIN` fixes that order: SQLite's planner, without statistics, may
        // otherwise walk the incidents and run the full-text match once per row.
        let mut count_sql = None;
        let (from, wh, order) = match (order, self.dialect()) {
            ("i.id DESC", Dialect::Sqlite) => {
                let k = args.len();
                let joined = wh.replace(
                    &sqlite_fts_in("incident", k),
                    &format!("incident_fts MATCH ${k}"),
                );
                if joined == wh {
                    ("incidents i", wh, order)
                } else {
                    // A search with no other filter counts its matches in the index
                    // alone when no incident lies in a compartment the reader cannot
                    // see (checked in the same statement); otherwise each match's
                    // compartment is read, as the page query does.
                    let plain = IncidentFilter {
                        q: f.q.clone(),
                        page: f.page,
                        ..IncidentFilter::default()
                    };
                    if *f == plain {
                        count_sql = Some(format!(
                            "SELECT count(*) FROM (SELECT 1 FROM incident_fts WHERE incident_fts MATCH ${k}
                             AND ({} OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_fts.rowid AND {}))
                             LIMIT ${}) AS c",
                            self.sees_every("incidents"),
                            self.visible("i.compartment_id"),
                            k + 1
                        ));
                    }
                    (
                        "incident_fts CROSS JOIN incidents i ON i.id = incident_fts.rowid",
                        joined,
                        "incident_fts.rowid DESC",
                    )
                }
            }
            _ => ("incidents i", wh, order),
        };
        let n = args.len();
        args.push((cap + 1).into());
        let count_sql = count_sql.unwrap_or_else(|| {
            format!(
                "SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {wh} LIMIT ${}) AS c",
                n + 1
            )
        });
        let counted = self
            .db
            .query(&count_sql, &args)
            .await?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(0);
        let (total, total_capped) = if counted > cap {
            (cap, true)
        } else {
            (counted, false)
        };
        // On PostgreSQL the GIN index yields matches in no useful order: the page is
        // either the newest rows walked backwards until enough match, or every match
        // fetched and sorted. The planner guesses from word statistics, and a rare
        // word it thought common (a word outside its most common elements gets a
        // floor estimate, and a documenter's search ORs each word with its
        // blind-index token) walked the whole table: 1.4 s at 100k, where the sort
        // takes 0.1 ms. The count just made knows: when every match was
        // counted (at most the cap), sorting them is bounded, so `+ 0` takes the walk
        // away; otherwise the planner chooses as before.
        let order = if pg_search && !total_capped {
            "i.id + 0 DESC"
        } else {
            order
        };
        args.truncate(n);
        args.push(i64::from(PAGE_SIZE).into());
        args.push(offset.into());
        // Each row of the page comes with its violations as `position:type:person:group`
        // words, for the page's rows only (the outer query): one statement for the
        // page, where a second one returned a row per violation, each a message from
        // the database's thread. Neither the words nor the rows are sorted by the
        // engine: on SQLite each sort is a temporary b-tree, opened and freed once per
        // row of the page, which cost more than the rest of the statement. Rust sorts
        // both, by the same keys (`start_date` is ISO text on both engines).
        let violations = match self.dialect() {
            Dialect::Sqlite => {
                "group_concat(v.position || ':' || v.violation_type || ':' || coalesce(v.victim_person_id, '') || ':' || coalesce(v.victim_group_id, ''), ' ')"
            }
            Dialect::Postgres => {
                "string_agg(v.position::text || ':' || v.violation_type || ':' || coalesce(v.victim_person_id::text, '') || ':' || coalesce(v.victim_group_id::text, ''), ' ')"
            }
        };
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT p.id, p.title, p.start_date, p.start_precision, p.country, p.region, p.status,
                            (SELECT {violations} FROM violations v WHERE v.incident_id = p.id)
                     FROM (SELECT i.id, i.title, i.start_date, i.start_precision, i.country, i.region, i.status FROM {from}
                           WHERE {wh} ORDER BY {order} LIMIT ${} OFFSET ${}) AS p",
                    n + 1,
                    n + 2
                ),
                &args,
            )
            .await?;
        let mut rows: Vec<&Row> = rows.iter().collect();
        if search {
            rows.sort_by_key(|r| std::cmp::Reverse(r.int(0)));
        } else {
            rows.sort_by_cached_key(|r| std::cmp::Reverse((r.text(2), r.int(0))));
        }
        let items: Vec<IncidentSummary> = rows
            .into_iter()
            .map(|r| {
                let words = r.text(7);
                let (violation_types, victim_count) = page_violations(&words);
                IncidentSummary {
                    id: r.int(0),
                    title: r.text(1),
                    start: PartialDate::from_parts(&r.text(2), &r.text(3)).unwrap_or_else(epoch),
                    country: r.text(4),
                    region: r.text(5),
                    status: r.text(6).parse().unwrap_or(IncidentStatus::Reported),
                    violation_types,
                    victim_count,
                }
            })
            .collect();
        Ok(Page {
            items,
            total,
            page,
            per_page: PAGE_SIZE,
            total_capped,
        })
    }

    /// Every incident matching a filter, in full (for export), newest first.
    pub async fn incidents_full(
        &self,
        f: &IncidentFilter,
        sensitive: bool,
        limit: i64,
    ) -> Result<Vec<Incident>> {
        let (wh, mut args) = self.incident_where(f, sensitive);
        let n = args.len();
        args.push(limit.into());
        let rows = self
            .db
            .query(&format!("SELECT {INCIDENT_COLS} FROM incidents i WHERE {wh} ORDER BY i.start_date DESC, i.id DESC LIMIT ${}", n + 1), &args)
            .await?;
        self.incidents_from(rows).await
    }

    /// Counts for the front page: the records of every compartment the reader may
    /// count (aggregate-only members count a compartment's records too), summed from
    /// per-compartment counts the instance keeps for a few seconds (`read_cache.rs`).
    pub async fn counts(&self) -> Result<(i64, i64, i64)> {
        let per = self.compartment_counts().await?;
        let sum = |ids: &mut dyn Iterator<Item = Id>| {
            ids.filter_map(|c| per.get(&c))
                .fold((0, 0, 0), |(i, p, g), n| (i + n[0], p + n[1], g + n[2]))
        };
        Ok(match self.scope.reader {
            None => sum(&mut per.keys().copied()),
            Some(u) => {
                let rows = self
                    .db
                    .query(
                        "SELECT compartment_id FROM compartment_members WHERE user_id = $1",
                        &[u.into()],
                    )
                    .await?;
                sum(&mut rows.iter().map(|r| r.int(0)))
            }
        })
    }

    /// Incidents, persons and groups in each compartment, from the cache when fresh.
    async fn compartment_counts(
        &self,
    ) -> Result<std::sync::Arc<crate::read_cache::CompartmentCounts>> {
        if let Some(c) = self.reads.counts() {
            return Ok(c);
        }
        let _one = self.reads.refill.lock().await;
        if let Some(c) = self.reads.counts() {
            return Ok(c);
        }
        let generation = self.reads.generation();
        let mut per = crate::read_cache::CompartmentCounts::new();
        for (slot, table) in ["incidents", "persons", "groups"].into_iter().enumerate() {
            let sql =
                format!("SELECT compartment_id, count(*) FROM {table} GROUP BY compartment_id");
            for r in self.db.query(&sql, &[]).await? {
                if let Some(n) = per.entry(r.int(0)).or_default().get_mut(slot) {
                    *n = r.int(1);
                }
            }
        }
        let per = std::sync::Arc::new(per);
        self.reads.put_counts(per.clone(), generation);
        Ok(per)
    }

    /// Import one incident by its external id: insert it, or replace it when its
    /// content differs. Returns what happened. Runs inside the caller's transaction.
    pub async fn upsert_incident_in(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        inc: &ValidIncident,
    ) -> Result<Upsert> {
        let Some(ext) = inc.external_id.as_deref() else {
            return self
                .insert_incident(tx, user, inc)
                .await
                .map(|_| Upsert::Created);
        };
        let rows = tx
            .query(
                &format!(
                    "SELECT id FROM incidents WHERE external_id = $1 AND {}",
                    self.visible("incidents.compartment_id")
                ),
                &[ext.into()],
            )
            .await?;
        match rows.first() {
            None => self
                .insert_incident(tx, user, inc)
                .await
                .map(|_| Upsert::Created),
            Some(r) => {
                if self
                    .replace_incident(tx, user, r.int(0), None, inc)
                    .await?
                    .is_some()
                {
                    Ok(Upsert::Updated)
                } else {
                    Ok(Upsert::Unchanged)
                }
            }
        }
    }

    /// Find a person by external id inside a transaction, or create them.
    pub async fn upsert_person_in(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        p: &ValidPerson,
    ) -> Result<Id> {
        if !p.0.external_id.is_empty() {
            let rows = tx
                .query(
                    &format!(
                        "SELECT id FROM persons WHERE external_id = $1 AND {}",
                        self.visible("persons.compartment_id")
                    ),
                    &[p.0.external_id.clone().into()],
                )
                .await?;
            if let Some(r) = rows.first() {
                return Ok(r.int(0));
            }
        }
        self.insert_person(tx, user, p).await
    }

    /// Begin a write transaction for a batch (imports).
    pub async fn begin(&self) -> Result<Box<dyn Tx>> {
        Ok(self.db.begin().await?)
    }
}

/// An audit entry about a record version: its number and, for an edit, the names
/// (never the values) of the fields that changed.
fn versioned(
    audit: Option<AuditEntry>,
    version: i64,
    changed: Option<Vec<String>>,
) -> Option<AuditEntry> {
    audit.map(|a| {
        let a = a.with("version", version);
        match changed {
            Some(c) => a.with("changed", c),
            None => a,
        }
    })
}

/// An audit entry about a vocabulary term.
fn term_entry(a: AuditEntry, kind: VocabKind, code: &str) -> AuditEntry {
    a.with("kind", kind.code()).with("code", code)
}

/// What an import did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Created,
    Updated,
    Unchanged,
}

fn epoch() -> PartialDate {
    PartialDate {
        date: chrono::NaiveDate::default(),
        precision: Precision::Year,
    }
}

// The sealed columns, as associated data (`table.column`): see `cipher.rs`.
pub(crate) const LEGAL_NAME: &str = "persons.legal_name";
pub(crate) const CONTACTS: &str = "persons.contacts";
pub(crate) const ADDRESS: &str = "persons.address";
pub(crate) const NARRATIVE: &str = "incidents.narrative";
pub(crate) const COORDINATES: &str = "incidents.coordinates_enc";
pub(crate) const ORIGIN: &str = "sources.origin";
pub(crate) const DESCRIPTION: &str = "sources.description";
pub(crate) const SNAPSHOT: &str = "versions.snapshot";

impl Store {
    /// Seal the narrative of [`incident_args`] and, when fields are sealed, move the
    /// coordinates out of the REAL columns: returns the `coordinates_enc` value.
    pub(crate) fn seal_incident_args(&self, args: &mut [Val], inc: &ValidIncident) -> Val {
        if self.cipher.is_none() {
            return Val::Text(None);
        }
        if let Some(a) = args.get_mut(2) {
            *a = self.seal(NARRATIVE, &inc.narrative).into();
        }
        for i in [11, 12] {
            if let Some(a) = args.get_mut(i) {
                *a = Val::Real(None);
            }
        }
        Val::Text(
            self.seal_opt(
                COORDINATES,
                inc.coordinates
                    .map(|c| format!("{},{}", c.lat, c.lon))
                    .as_deref(),
            ),
        )
    }
}

/// An update that gave a record another record's external id is a field error (as on
/// create), not a server error.
fn external_id_taken(e: crate::BackendError, external_id: &str) -> StoreError {
    match e {
        crate::BackendError::Unique => {
            let mut fe = FieldErrors::default();
            fe.add(
                "external_id",
                "err-external-id-taken",
                Some(external_id.to_owned()),
            );
            StoreError::Invalid(fe)
        }
        other => other.into(),
    }
}

pub(crate) fn nonempty(s: &str) -> Val {
    Val::Text(Some(s.to_owned()).filter(|s| !s.is_empty()))
}

pub(crate) fn incident_args(inc: &ValidIncident, user: Option<Id>, now: String) -> Vec<Val> {
    vec![
        inc.external_id.clone().into(),
        inc.title.clone().into(),
        inc.narrative.clone().into(),
        inc.start.iso().into(),
        inc.start.precision.code().into(),
        inc.start.year().into(),
        inc.end.map(|d| d.iso()).into(),
        inc.end.map(|d| d.precision.code().to_owned()).into(),
        inc.country.clone().into(),
        inc.region.clone().into(),
        inc.locality.clone().into(),
        inc.coordinates.map(|c| c.lat).into(),
        inc.coordinates.map(|c| c.lon).into(),
        inc.business_sector.clone().into(),
        inc.status.code().into(),
        inc.verification_override.clone().into(),
        user.into(),
        now.into(),
    ]
}

pub(crate) fn incident_snapshot(inc: &ValidIncident) -> Value {
    json!({
        "external_id": inc.external_id,
        "title": inc.title,
        "narrative": inc.narrative,
        "start": inc.start.to_string(),
        "end": inc.end.map(|d| d.to_string()),
        "country": inc.country,
        "region": inc.region,
        "locality": inc.locality,
        "coordinates": inc.coordinates.map(|c| [c.lat, c.lon]),
        "business_sector": inc.business_sector,
        "status": inc.status.code(),
        "verification_override": inc.verification_override,
        "violations": inc.violations.iter().map(|v| json!({
            "type": v.violation_type,
            "victim": v.victim,
            "date": v.date.to_string(),
            "outcome": v.outcome,
            "reprisal_un": v.reprisal_un,
            "perpetrators": v.perpetrators,
        })).collect::<Vec<_>>(),
        "sources": inc.sources,
    })
}

pub(crate) fn person_snapshot(p: &PersonInput) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn group_snapshot(g: &GroupInput) -> Value {
    serde_json::to_value(g).unwrap_or(Value::Null)
}

const INCIDENT_COLS: &str = "i.id, i.external_id, i.title, i.narrative, i.start_date, i.start_precision, i.end_date, i.end_precision, i.country, i.region, i.locality,
    i.latitude, i.longitude, i.business_sector, i.status, i.verification_override, i.version, i.created_at, i.updated_at, i.coordinates_enc";

fn incident_from(s: &Store, r: &Row) -> Result<Incident> {
    let coordinates = match s.unseal_opt(COORDINATES, r.opt_text(19))? {
        Some(c) => c.split_once(',').and_then(|(lat, lon)| {
            Some(Coordinates {
                lat: lat.parse().ok()?,
                lon: lon.parse().ok()?,
            })
        }),
        None => match (r.real(11), r.real(12)) {
            (Some(lat), Some(lon)) => Some(Coordinates { lat, lon }),
            _ => None,
        },
    };
    Ok(Incident {
        id: r.int(0),
        external_id: r.opt_text(1),
        title: r.text(2),
        narrative: Some(s.unseal(NARRATIVE, r.text(3))?),
        start: PartialDate::from_parts(&r.text(4), &r.text(5)).unwrap_or_else(epoch),
        end: match (r.opt_text(6), r.opt_text(7)) {
            (Some(d), Some(p)) => PartialDate::from_parts(&d, &p),
            _ => None,
        },
        country: r.text(8),
        region: r.text(9),
        locality: r.text(10),
        coordinates,
        business_sector: r.opt_text(13),
        status: r.text(14).parse().unwrap_or(IncidentStatus::Reported),
        verification_override: r.opt_text(15),
        version: r.int(16),
        created_at: parse_time(&r.text(17)),
        updated_at: parse_time(&r.text(18)),
        violations: Vec::new(),
        sources: Vec::new(),
        redacted: false,
    })
}

const PERSON_COLS: &str = "id, code, kind, legal_name, contacts, address, sex, birth_year, sdg_group, consent_record, consent_share, consent_publish, external_id, version, created_at, updated_at";
const PERSON_COLS_P: &str = "p.id, p.code, p.kind, p.legal_name, p.contacts, p.address, p.sex, p.birth_year, p.sdg_group, p.consent_record, p.consent_share, p.consent_publish, p.external_id, p.version, p.created_at, p.updated_at";

fn person_from(s: &Store, r: &Row) -> Result<Person> {
    Ok(Person {
        id: r.int(0),
        code: r.text(1),
        kind: r.text(2).parse().unwrap_or(PersonKind::Defender),
        legal_name: Some(s.unseal(LEGAL_NAME, r.text(3))?),
        contacts: Some(s.unseal(CONTACTS, r.text(4))?),
        address: Some(s.unseal(ADDRESS, r.text(5))?),
        sex: r.opt_text(6),
        birth_year: r.opt_int(7).and_then(|y| i32::try_from(y).ok()),
        sdg_group: r.opt_text(8),
        memberships: Vec::new(),
        characteristics: Vec::new(),
        sectors: Vec::new(),
        consent_record: r.bool(9),
        consent_share: r.bool(10),
        consent_publish: r.text(11).parse().unwrap_or(PublishConsent::No),
        external_id: r.opt_text(12),
        version: r.int(13),
        created_at: parse_time(&r.text(14)),
        updated_at: parse_time(&r.text(15)),
        redacted: false,
    })
}

fn group_from(r: &Row) -> Group {
    Group {
        id: r.int(0),
        code: r.text(1),
        name: r.text(2),
        group_type: r.text(3),
        country: r.opt_text(4),
        description: r.text(5),
        version: r.int(6),
        created_at: parse_time(&r.text(7)),
        updated_at: parse_time(&r.text(8)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_lists_differences() {
        let a = json!({"title": "a", "narrative": "x"});
        let b = json!({"title": "b", "narrative": "x", "region": "Cauca"});
        assert_eq!(
            changed_fields(Some(&a), &b),
            vec!["region".to_string(), "title".to_string()]
        );
        assert_eq!(changed_fields(None, &a).len(), 2);
    }

    #[test]
    fn query_terms_cannot_inject_fts_syntax() {
        let t = query_terms("río \"OR\" * NEAR( x:y");
        assert!(
            t.iter().all(|w| w.word.chars().all(char::is_alphanumeric)),
            "{t:?}"
        );
    }

    #[test]
    fn list_rows_violations_come_in_recorded_order_whatever_order_the_engine_gives() {
        // Positions 2, 0, 1, 3 arrive out of order; person 7 twice; a group; a
        // violation with no victim; a type with a colon in it.
        let (types, victims) =
            page_violations("2:torture:7: 0:killing:7: 1:threat::4 3:odd:type:: 10:killing:9:");
        assert_eq!(types, ["killing", "threat", "torture", "odd:type"]);
        assert_eq!(victims, 4, "person 7, group 4, no victim, person 9");
        assert_eq!(page_violations(""), (Vec::<String>::new(), 0));
    }

    #[test]
    fn words_match_whole_unless_they_end_with_a_star() {
        let t = query_terms("Defen* Cáceres  río-negro* the");
        let shown: Vec<(&str, bool)> = t.iter().map(|t| (t.word.as_str(), t.prefix)).collect();
        assert_eq!(
            shown,
            [
                ("defen", true),
                ("caceres", false),
                ("rio", false),
                ("negro", true)
            ]
        );
        assert!(query_terms("*").is_empty());
        assert_eq!(query_terms("the").len(), 1);
    }
}
