//! The tamper-evident audit log: logins, reads of sensitive records, searches, exports
//! and every change, each entry carrying the SHA-256 of the one before, so that
//! `vigil audit verify` finds any edit, deletion or reordering of the log.
//! An entry must never hold a sensitive value — no legal name, narrative, contact,
//! password, token, nor the text of a search (only its SHA-256): ids, codes, field
//! names, counts and hashes only.
//!
//! **The chain.** Entry `seq` (1, 2, 3 …, no gaps) stores `prev_hash`, the `hash` of
//! entry `seq - 1` (entry 1: [`GENESIS`]), and its own `hash` = SHA-256 of
//! [`canonical_bytes`]: a version tag, `prev_hash` and every field of the entry, each
//! length-prefixed so no two different entries encode alike. The one-row table
//! `audit_head` holds the last `seq` and `hash`; an append locks it (`FOR UPDATE` on
//! PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), so concurrent
//! appends from several instances queue and the chain never forks.
//!
//! **Same transaction.** A change to a record and its entry commit together
//! ([`Store::audit_in`]): a change without its entry cannot exist, and a refused
//! change leaves no entry. Reads, searches, exports and logins get a short
//! transaction of their own ([`Store::audit`]); if it fails, the read fails too.
//!
//! **Limits.** The chain has no secret: someone who can write to the database and
//! recomputes every hash after the point they changed, and the head, is not caught by
//! the chain alone. `vigil audit verify` prints the head hash; keeping it somewhere
//! else (a printout, another system) turns such a rewrite into a detectable one.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use vigil_domain::model::Id;
use vigil_domain::search::Page;

use crate::access::Actor;
use crate::backend::{Dialect, Row, Tx, Val};
use crate::{parse_time, Result, Store, StoreError};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// First field of every encoded entry: a new encoding gets a new tag.
const ENCODING_TAG: &str = "vigil-audit-v1";

/// Longest username, entity or address kept in an entry (a failed login may send anything).
const MAX_TEXT: usize = 128;

/// Entries on one page of the log (fewer than record lists: rows are wide).
pub const AUDIT_PAGE_SIZE: u32 = 25;

/// Entries read per query while verifying.
const VERIFY_BATCH: i64 = 2_000;

/// What happened. The code is what is stored; a new kind of event gets a variant here
/// and a message `audit-action-<code>` in the web catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    /// A password was accepted (a second factor, where asked, is recorded apart).
    Login,
    /// A password was refused (unknown account, wrong password or disabled account).
    LoginFailed,
    /// A record was read by someone who sees its sensitive fields.
    Read,
    /// A list of records with sensitive fields (persons) was read.
    List,
    /// A full-text search.
    Search,
    /// An export of records.
    Export,
    Create,
    Update,
    Import,
    UserCreate,
    UserDisable,
    UserEnable,
    UserRole,
    TermAdd,
    TermDelete,
    TokenCreate,
    TokenRevoke,
    /// A compartment was created.
    CompartmentCreate,
    /// An administrator joined a compartment (and may now read its records).
    CompartmentJoin,
    /// An administrator left a compartment.
    CompartmentLeave,
    /// A user was put in a compartment, or their level there changed.
    CompartmentMemberAdd,
    /// A user was taken out of a compartment.
    CompartmentMemberRemove,
    /// The second step of a login: a TOTP or recovery code accepted.
    SecondFactor,
    /// The second step of a login: a code refused.
    SecondFactorFailed,
    /// A one-time recovery code was spent (in place of a TOTP code).
    RecoveryCodeUsed,
    /// A TOTP second factor was confirmed (enrolment complete).
    TwoFactorEnrol,
    /// New recovery codes replaced the old ones.
    RecoveryCodesRenew,
    /// A user turned off their own second factor.
    TwoFactorDisable,
    /// An administrator (or the command line) removed a user's second factor.
    TwoFactorReset,
    /// A user changed their own password.
    PasswordChange,
    /// A user ended one of their sessions.
    SessionRevoke,
    /// Every session and API token ended at once.
    Lockdown,
    /// An evidence file was uploaded (its SHA-256 in the detail).
    EvidenceUpload,
    /// The details of an incident's evidence files were shown.
    EvidenceView,
    /// An evidence file was downloaded.
    EvidenceDownload,
    /// The instance was re-keyed to a new master key (`vigil key rotate`).
    KeyRotate,
    /// An administrator approved an alert and put it on the public site.
    AlertPublish,
    /// An alert was taken off the public site (its history stays).
    AlertUnpublish,
    /// An export was refused because the person has not consented to it (a UN
    /// communication for someone who did not consent to sharing with the UN).
    ExportRefused,
}

impl Action {
    pub const ALL: [Action; 39] = [
        Action::Login,
        Action::LoginFailed,
        Action::Read,
        Action::List,
        Action::Search,
        Action::Export,
        Action::Create,
        Action::Update,
        Action::Import,
        Action::UserCreate,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserRole,
        Action::TermAdd,
        Action::TermDelete,
        Action::TokenCreate,
        Action::TokenRevoke,
        Action::CompartmentCreate,
        Action::CompartmentJoin,
        Action::CompartmentLeave,
        Action::CompartmentMemberAdd,
        Action::CompartmentMemberRemove,
        Action::SecondFactor,
        Action::SecondFactorFailed,
        Action::RecoveryCodeUsed,
        Action::TwoFactorEnrol,
        Action::RecoveryCodesRenew,
        Action::TwoFactorDisable,
        Action::TwoFactorReset,
        Action::PasswordChange,
        Action::SessionRevoke,
        Action::Lockdown,
        Action::EvidenceUpload,
        Action::EvidenceView,
        Action::EvidenceDownload,
        Action::KeyRotate,
        Action::AlertPublish,
        Action::AlertUnpublish,
        Action::ExportRefused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Read => "read",
            Action::List => "list",
            Action::Search => "search",
            Action::Export => "export",
            Action::Create => "create",
            Action::Update => "update",
            Action::Import => "import",
            Action::UserCreate => "user_create",
            Action::UserDisable => "user_disable",
            Action::UserEnable => "user_enable",
            Action::UserRole => "user_role",
            Action::TermAdd => "term_add",
            Action::TermDelete => "term_delete",
            Action::TokenCreate => "token_create",
            Action::TokenRevoke => "token_revoke",
            Action::CompartmentCreate => "compartment_create",
            Action::CompartmentJoin => "compartment_join",
            Action::CompartmentLeave => "compartment_leave",
            Action::CompartmentMemberAdd => "compartment_member_add",
            Action::CompartmentMemberRemove => "compartment_member_remove",
            Action::SecondFactor => "second_factor",
            Action::SecondFactorFailed => "second_factor_failed",
            Action::RecoveryCodeUsed => "recovery_code_used",
            Action::TwoFactorEnrol => "two_factor_enrol",
            Action::RecoveryCodesRenew => "recovery_codes_renew",
            Action::TwoFactorDisable => "two_factor_disable",
            Action::TwoFactorReset => "two_factor_reset",
            Action::PasswordChange => "password_change",
            Action::SessionRevoke => "session_revoke",
            Action::Lockdown => "lockdown",
            Action::EvidenceUpload => "evidence_upload",
            Action::EvidenceView => "evidence_view",
            Action::EvidenceDownload => "evidence_download",
            Action::KeyRotate => "key_rotate",
            Action::AlertPublish => "alert_publish",
            Action::AlertUnpublish => "alert_unpublish",
            Action::ExportRefused => "export_refused",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The kinds of thing entries are about (for filters).
pub const ENTITIES: [&str; 9] = [
    "incident",
    "person",
    "group",
    "user",
    "api_token",
    "vocab_term",
    "audit_log",
    "evidence",
    "compartment",
];

/// One entry before it is appended (the store adds `seq`, `at` and the hashes).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub user_id: Option<Id>,
    /// Who acted; `(cli)` for the command line, empty for a failed login to an
    /// account that does not exist.
    pub username: String,
    pub action: Action,
    pub entity: String,
    pub entity_id: Option<Id>,
    /// Ids, codes, field names, counts, hashes — never a sensitive value.
    pub detail: Map<String, Value>,
    pub ip: Option<String>,
}

impl AuditEntry {
    /// An entry by nobody yet; say who with [`AuditEntry::by`] or [`AuditEntry::cli`].
    pub fn new(action: Action, entity: &str) -> Self {
        AuditEntry {
            user_id: None,
            username: String::new(),
            action,
            entity: clip(entity),
            entity_id: None,
            detail: Map::new(),
            ip: None,
        }
    }

    pub fn by(mut self, actor: &Actor) -> Self {
        self.user_id = Some(actor.user_id);
        self.username = clip(&actor.username);
        self
    }

    /// Done from the command line, by whoever runs it on the server.
    pub fn cli(mut self) -> Self {
        self.user_id = None;
        self.username = "(cli)".into();
        self
    }

    pub fn id(mut self, id: Id) -> Self {
        self.entity_id = Some(id);
        self
    }

    /// Add `key: value` to the detail. Never pass a sensitive value.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_owned(), value.into());
        self
    }

    pub fn ip(mut self, ip: Option<&str>) -> Self {
        self.ip = ip.map(clip);
        self
    }
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// SHA-256 of a search text, so the log can show that two searches were the same
/// without holding a name someone searched for.
pub fn query_digest(q: &str) -> String {
    hex::encode(Sha256::digest(q.trim().as_bytes()))
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// RFC 3339, UTC, as stored (the hash covers this text).
    pub at: String,
    pub user_id: Option<Id>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Id>,
    /// The detail as stored: a JSON object.
    pub detail: String,
    pub ip: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    pub fn time(&self) -> DateTime<Utc> {
        parse_time(&self.at)
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            seq: self.seq,
            at: &self.at,
            user_id: self.user_id,
            username: &self.username,
            action: &self.action,
            entity: &self.entity,
            entity_id: self.entity_id,
            detail: &self.detail,
            ip: self.ip.as_deref(),
        }
    }

    /// The hash this entry's content and `prev_hash` call for.
    pub fn expected_hash(&self) -> String {
        chain_hash(&self.prev_hash, &self.fields())
    }
}

const COLS: &str =
    "seq, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash";

fn record_from(r: &Row) -> AuditRecord {
    AuditRecord {
        seq: r.int(0),
        at: r.text(1),
        user_id: r.opt_int(2),
        username: r.text(3),
        action: r.text(4),
        entity: r.text(5),
        entity_id: r.opt_int(6),
        detail: r.text(7),
        ip: r.opt_text(8),
        prev_hash: r.text(9),
        hash: r.text(10),
    }
}

/// The hashed fields of an entry.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub user_id: Option<Id>,
    pub username: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<Id>,
    pub detail: &'a str,
    pub ip: Option<&'a str>,
}

/// The canonical encoding that is hashed: the version tag, `prev_hash`, then every
/// field in a fixed order. Each field is a presence byte (0 = NULL, 1 = value) and, for
/// a value, its length as 8 bytes big-endian followed by its UTF-8 bytes (integers in
/// decimal). Length prefixes make field boundaries part of the hash, so content cannot
/// be moved from one field to the next; the presence byte tells NULL from "".
pub fn canonical_bytes(prev_hash: &str, f: &Fields<'_>) -> Vec<u8> {
    fn put(out: &mut Vec<u8>, v: Option<&str>) {
        match v {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
    let (seq, user_id, entity_id) = (
        f.seq.to_string(),
        f.user_id.map(|v| v.to_string()),
        f.entity_id.map(|v| v.to_string()),
    );
    let mut out = Vec::with_capacity(256 + f.detail.len());
    for v in [
        Some(ENCODING_TAG),
        Some(prev_hash),
        Some(seq.as_str()),
        Some(f.at),
        user_id.as_deref(),
        Some(f.username),
        Some(f.action),
        Some(f.entity),
        entity_id.as_deref(),
        Some(f.detail),
        f.ip,
    ] {
        put(&mut out, v);
    }
    out
}

/// `hash` of an entry: lower-case hex SHA-256 of [`canonical_bytes`].
pub fn chain_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    hex::encode(Sha256::digest(canonical_bytes(prev_hash, f)))
}

/// What is wrong at the first broken link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Problem {
    /// The entry's content does not match its hash: it was changed.
    Modified,
    /// The entry is missing: deleted (a gap in `seq`, or a cut-off tail).
    Missing,
    /// The entry does not chain to the one before it: entries were reordered or
    /// inserted, or the one before was rewritten.
    OutOfOrder,
    /// The entry lies beyond the recorded head: appended outside Vigil.
    Unrecorded,
}

impl Problem {
    pub fn code(self) -> &'static str {
        match self {
            Problem::Modified => "modified",
            Problem::Missing => "missing",
            Problem::OutOfOrder => "out_of_order",
            Problem::Unrecorded => "unrecorded",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Problem::Modified => "its content does not match its hash (the entry was changed)",
            Problem::Missing => "it is missing (entries were deleted)",
            Problem::OutOfOrder => {
                "it does not chain to the entry before it (entries were reordered or inserted, or the previous entry was rewritten)"
            }
            Problem::Unrecorded => {
                "it lies beyond the recorded end of the chain (appended outside Vigil)"
            }
        })
    }
}

/// The first broken link of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub seq: i64,
    pub problem: Problem,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}: {}", self.seq, self.problem)
    }
}

/// The chain check of [`Store::verify_audit`], one entry at a time in `seq` order,
/// apart from the database so it can be tested on its own (property tests).
#[derive(Debug, Clone)]
pub struct ChainWalk {
    prev_hash: String,
    last: i64,
}

impl Default for ChainWalk {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS.to_owned(),
            last: 0,
        }
    }
}

impl ChainWalk {
    /// Check the next entry read (entries come in ascending `seq`); the broken link,
    /// if this entry breaks the chain.
    pub fn step(&mut self, e: &AuditRecord) -> Option<BrokenLink> {
        let broken = |seq, problem| Some(BrokenLink { seq, problem });
        if e.seq != self.last + 1 {
            return broken(self.last + 1, Problem::Missing);
        }
        if e.prev_hash != self.prev_hash {
            return broken(e.seq, Problem::OutOfOrder);
        }
        if e.expected_hash() != e.hash {
            return broken(e.seq, Problem::Modified);
        }
        self.prev_hash.clone_from(&e.hash);
        self.last = e.seq;
        None
    }

    /// After the last entry: check the end of the chain against the recorded head.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Option<BrokenLink> {
        let broken = |seq, problem| Some(BrokenLink { seq, problem });
        if self.last < head_seq {
            broken(self.last + 1, Problem::Missing)
        } else if self.last > head_seq {
            broken(head_seq + 1, Problem::Unrecorded)
        } else if self.prev_hash != head_hash {
            // The last entry was rewritten with a hash of its own.
            broken(self.last, Problem::Modified)
        } else {
            None
        }
    }
}

/// The outcome of [`Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries in the log.
    pub entries: i64,
    /// The recorded end of the chain (`seq`, `hash`).
    pub head_seq: i64,
    pub head_hash: String,
    /// `None` when the whole chain verifies.
    pub broken: Option<BrokenLink>,
}

impl AuditReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Filters over the log; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exact username.
    pub user: String,
    /// An action code.
    pub action: String,
    pub entity: String,
    /// First and last day (UTC), inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl AuditFilter {
    fn sql(&self) -> (String, Vec<Val>) {
        let mut wh = vec!["1 = 1".to_owned()];
        let mut args: Vec<Val> = Vec::new();
        let mut add = |clause: &str, v: Val| {
            args.push(v);
            wh.push(clause.replace('?', &format!("${}", args.len())));
        };
        if !self.user.trim().is_empty() {
            add("username = ?", self.user.trim().to_lowercase().into());
        }
        if !self.action.trim().is_empty() {
            add("action = ?", self.action.trim().into());
        }
        if !self.entity.trim().is_empty() {
            add("entity = ?", self.entity.trim().into());
        }
        // `at` is RFC 3339 UTC text of fixed shape, so text order is time order.
        if let Some(d) = self.from {
            add("at >= ?", format!("{d}T00:00:00").into());
        }
        if let Some(d) = self.to.and_then(|d| d.succ_opt()) {
            add("at < ?", format!("{d}T00:00:00").into());
        }
        (wh.join(" AND "), args)
    }
}

impl Store {
    /// Append an entry inside the caller's transaction: it commits, or disappears, with
    /// the change it records. Call it last before `commit`: on PostgreSQL it holds the
    /// chain's lock until then. Returns the entry's `seq`.
    pub async fn audit_in(&self, tx: &mut Box<dyn Tx>, entry: &AuditEntry) -> Result<i64> {
        let seqs = self.audit_many_in(tx, std::slice::from_ref(entry)).await?;
        seqs.first().copied().ok_or(StoreError::NotFound)
    }

    /// Append several entries, in this order, inside the caller's transaction: each
    /// keeps its own `seq` and hash, chained as if appended one by one, but the chain's
    /// head is read and moved once and the rows go in one statement (three statements
    /// whatever the number, where one at a time takes three each). Returns their `seq`s.
    pub(crate) async fn audit_many_in(
        &self,
        tx: &mut Box<dyn Tx>,
        entries: &[AuditEntry],
    ) -> Result<Vec<i64>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let lock = match self.dialect() {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        };
        let head = tx
            .query(
                &format!("SELECT seq, hash FROM audit_head WHERE id = 1{lock}"),
                &[],
            )
            .await?;
        let head = head.first().ok_or(StoreError::NotFound)?;
        let (mut seq, mut prev_hash) = (head.int(0), head.text(1));
        let at = self.now_text();
        let mut seqs = Vec::with_capacity(entries.len());
        let mut args: Vec<Val> = Vec::with_capacity(entries.len() * 11);
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            seq += 1;
            let detail = Value::Object(entry.detail.clone()).to_string();
            let hash = chain_hash(
                &prev_hash,
                &Fields {
                    seq,
                    at: &at,
                    user_id: entry.user_id,
                    username: &entry.username,
                    action: entry.action.code(),
                    entity: &entry.entity,
                    entity_id: entry.entity_id,
                    detail: &detail,
                    ip: entry.ip.as_deref(),
                },
            );
            let first = args.len() + 1;
            rows.push(format!(
                "({})",
                (first..first + 11)
                    .map(|k| format!("${k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            args.extend([
                seq.into(),
                at.clone().into(),
                entry.user_id.into(),
                entry.username.clone().into(),
                entry.action.code().into(),
                entry.entity.clone().into(),
                entry.entity_id.into(),
                detail.into(),
                entry.ip.clone().into(),
                // prev_hash, then this entry's hash, which the next one chains to.
                std::mem::replace(&mut prev_hash, hash).into(),
                prev_hash.clone().into(),
            ]);
            seqs.push(seq);
        }
        tx.execute(
            &format!("INSERT INTO audit_log ({COLS}) VALUES {}", rows.join(", ")),
            &args,
        )
        .await?;
        tx.execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
            &[seq.into(), prev_hash.into()],
        )
        .await?;
        Ok(seqs)
    }

    /// [`Store::audit_in`] for an optional entry, about the record `id`.
    pub(crate) async fn audit_opt_in(
        &self,
        tx: &mut Box<dyn Tx>,
        entry: Option<AuditEntry>,
        id: Id,
    ) -> Result<()> {
        if let Some(e) = entry {
            self.audit_in(tx, &e.id(id)).await?;
        }
        Ok(())
    }

    /// Record the outcome of a password check. A failure names the account only if it
    /// exists (a password typed into the username field must not be logged); the
    /// password itself never reaches this function. A login that still awaits its
    /// second factor says so (the second factor is recorded apart).
    pub async fn audit_login(
        &self,
        username: &str,
        outcome: &crate::auth::LoginOutcome,
        ip: Option<std::net::IpAddr>,
    ) -> Result<()> {
        use crate::auth::LoginOutcome;
        let entry = match outcome {
            LoginOutcome::SignedIn(u) => AuditEntry::new(Action::Login, "user")
                .by(&Actor::from(u))
                .id(u.id),
            LoginOutcome::SecondFactor { user: u, .. } => AuditEntry::new(Action::Login, "user")
                .by(&Actor::from(u))
                .id(u.id)
                .with("second_factor", "pending"),
            LoginOutcome::Refused => match self.user_by_name(username).await {
                Ok(u) => AuditEntry::new(Action::LoginFailed, "user")
                    .by(&Actor::from(&u))
                    .id(u.id),
                Err(StoreError::NotFound) => {
                    AuditEntry::new(Action::LoginFailed, "user").with("account", "unknown")
                }
                Err(e) => return Err(e),
            },
        };
        let ip = ip.map(|a| a.to_string());
        self.audit(&entry.ip(ip.as_deref())).await.map(|_| ())
    }

    /// Walk the whole chain and report the first broken link, if any.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let head = self
            .db
            .query("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .await?;
        let (head_seq, head_hash) = head
            .first()
            .map(|r| (r.int(0), r.text(1)))
            .ok_or(StoreError::NotFound)?;
        let entries = self
            .db
            .query("SELECT count(*) FROM audit_log", &[])
            .await?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(0);
        let report = |broken: Option<BrokenLink>| AuditReport {
            entries,
            head_seq,
            head_hash: head_hash.clone(),
            broken,
        };
        let mut walk = ChainWalk::default();
        loop {
            let rows = self
                .db
                .query(
                    &format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
                    &[walk.last.into(), VERIFY_BATCH.into()],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                if let Some(b) = walk.step(&record_from(r)) {
                    return Ok(report(Some(b)));
                }
            }
        }
        Ok(report(walk.finish(head_seq, &head_hash)))
    }

    /// One page of entries matching a filter, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter, page: u32) -> Result<Page<AuditRecord>> {
        let page = page.max(1);
        let (wh, mut args) = f.sql();
        let total = self
            .db
            .query(&format!("SELECT count(*) FROM audit_log WHERE {wh}"), &args)
            .await?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(0);
        let n = args.len();
        args.push(i64::from(AUDIT_PAGE_SIZE).into());
        args.push((i64::from(page - 1) * i64::from(AUDIT_PAGE_SIZE)).into());
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {COLS} FROM audit_log WHERE {wh} ORDER BY seq DESC LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                &args,
            )
            .await?;
        Ok(Page {
            items: rows.iter().map(record_from).collect(),
            total,
            page,
            per_page: AUDIT_PAGE_SIZE,
            total_capped: false,
        })
    }

    /// Entries matching a filter, newest first, at most `limit` (for export).
    pub async fn audit_export(&self, f: &AuditFilter, limit: i64) -> Result<Vec<AuditRecord>> {
        let (wh, mut args) = f.sql();
        let n = args.len();
        args.push(limit.into());
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {COLS} FROM audit_log WHERE {wh} ORDER BY seq DESC LIMIT ${}",
                    n + 1
                ),
                &args,
            )
            .await?;
        Ok(rows.iter().map(record_from).collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn sample() -> Fields<'static> {
        Fields {
            seq: 7,
            at: "2026-11-28T12:00:00.000000Z",
            user_id: Some(3),
            username: "documenter-1",
            action: "read",
            entity: "incident",
            entity_id: Some(42),
            detail: "{}",
            ip: None,
        }
    }

    #[test]
    fn encoding_is_length_prefixed_field_by_field() {
        let bytes = canonical_bytes(GENESIS, &sample());
        let mut expected = Vec::new();
        for v in [
            Some("vigil-audit-v1"),
            Some(GENESIS),
            Some("7"),
            Some("2026-11-28T12:00:00.000000Z"),
            Some("3"),
            Some("documenter-1"),
            Some("read"),
            Some("incident"),
            Some("42"),
            Some("{}"),
            None,
        ] {
            match v {
                None => expected.push(0u8),
                Some(s) => {
                    expected.push(1u8);
                    expected.extend_from_slice(&(s.len() as u64).to_be_bytes());
                    expected.extend_from_slice(s.as_bytes());
                }
            }
        }
        assert_eq!(bytes, expected);
    }

    /// Pinned: a change of encoding would make every existing log fail to verify, so
    /// it must come with a new tag. (Computed independently with Python's hashlib.)
    #[test]
    fn hash_of_a_known_entry_is_pinned() {
        assert_eq!(
            chain_hash(GENESIS, &sample()),
            "c5717cda64385b483c820ccec55e3b4be2b0d390ad40a8d208ac219352fe296c"
        );
    }

    #[test]
    fn field_boundaries_and_nulls_are_part_of_the_hash() {
        let a = Fields {
            username: "ab",
            action: "c",
            ..sample()
        };
        let b = Fields {
            username: "a",
            action: "bc",
            ..sample()
        };
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
        let null_ip = sample();
        let empty_ip = Fields {
            ip: Some(""),
            ..sample()
        };
        assert_ne!(
            chain_hash(GENESIS, &null_ip),
            chain_hash(GENESIS, &empty_ip)
        );
        let no_user = Fields {
            user_id: None,
            ..sample()
        };
        assert_ne!(chain_hash(GENESIS, &null_ip), chain_hash(GENESIS, &no_user));
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = chain_hash(GENESIS, &sample());
        let s = sample();
        let variants = [
            Fields { seq: 8, ..s },
            Fields {
                at: "2026-11-28T12:00:00.000001Z",
                ..s
            },
            Fields {
                user_id: Some(4),
                ..s
            },
            Fields {
                username: "documenter-2",
                ..s
            },
            Fields {
                action: "update",
                ..s
            },
            Fields {
                entity: "person",
                ..s
            },
            Fields {
                entity_id: Some(43),
                ..s
            },
            Fields {
                detail: "{\"a\":1}",
                ..s
            },
            Fields {
                ip: Some("10.0.0.1"),
                ..s
            },
        ];
        for v in &variants {
            assert_ne!(chain_hash(GENESIS, v), base, "{v:?}");
        }
        assert_ne!(chain_hash(&"1".repeat(64), &s), base);
    }

    #[test]
    fn filters_become_bound_parameters() {
        let f = AuditFilter {
            user: " Alice ".into(),
            action: "login_failed".into(),
            entity: String::new(),
            from: NaiveDate::from_ymd_opt(2026, 11, 1),
            to: NaiveDate::from_ymd_opt(2026, 11, 30),
        };
        let (wh, args) = f.sql();
        assert_eq!(
            wh,
            "1 = 1 AND username = $1 AND action = $2 AND at >= $3 AND at < $4"
        );
        assert_eq!(
            args,
            vec![
                Val::from("alice"),
                Val::from("login_failed"),
                Val::from("2026-11-01T00:00:00"),
                Val::from("2026-12-01T00:00:00"),
            ]
        );
    }

    #[test]
    fn action_codes_are_unique() {
        let codes: std::collections::BTreeSet<_> = Action::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), Action::ALL.len());
    }
}
