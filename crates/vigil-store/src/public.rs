//! The public portal's reads and the public-alert workflow (issue 5 point 7, issue 6
//! point 7).
//!
//! [`PublicReader`] is the only way anonymous pages reach the database, and it can
//! only return published material: memorial entries (a `killing` in a `verified`
//! incident, of a defender whose `consent_publish` is `named`) and alerts an
//! administrator approved, about a person who consents to be named *now* (consent is
//! checked on every read, so withdrawing it takes an alert off at once). It never
//! returns coordinates, contacts, narratives, codes or ids of records other than an
//! alert's own, and it is not compartment-scoped: consent is the person's, given for
//! the public, and an alert is published by an administrator's explicit approval
//! (docs/security.md, "The public portal").
//!
//! Staff work on alerts through [`Access`] (end of this file): drafting and editing
//! need `ManageCases` and see only alerts about cases in their compartments;
//! approving (publishing) needs `Administer`; unpublishing, the safe direction, needs
//! `ManageCases` and a reason. Every step is versioned and audited.

use serde_json::{json, Value};
use vigil_domain::model::{Id, PartialDate, Precision};
use vigil_domain::public::*;
use vigil_domain::search::Page;
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::backend::{Dialect, Row, Tx};
use crate::records::LEGAL_NAME;
use crate::{parse_time, Result, Store, StoreError};

// Sealed columns (PostgreSQL), as associated data: see `cipher.rs`.
const TITLE: &str = "alerts.title";
const BODY: &str = "alerts.body";
const REASON: &str = "alerts.withdrawn_reason";

/// Memorial entries on one public page.
pub const MEMORIAL_PAGE: u32 = 100;
/// Published alerts listed on the public site (newest first).
pub const PUBLIC_ALERTS_MAX: i64 = 200;

fn invalid(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

// ---------------------------------------------------------------- public reader

/// Read-only access for anonymous visitors: published material only.
#[derive(Clone, Debug)]
pub struct PublicReader {
    store: Store,
}

impl PublicReader {
    /// A reader over the whole database (see the module's note on compartments).
    pub fn new(store: &Store) -> Self {
        let mut store = store.clone();
        store.scope = Default::default();
        PublicReader { store }
    }

    /// One page of the memorial, most recent first. A defender killed in several
    /// verified incidents appears once, at the earliest. `page` starts at 1; the
    /// page's `total` counts the entries up to and including the next page's first,
    /// so "is there a next page" is `total > page * per_page`.
    pub async fn memorial(&self, page: u32) -> Result<Page<MemorialEntry>> {
        let page = page.max(1);
        let per = MEMORIAL_PAGE;
        let offset = i64::from(page - 1) * i64::from(per);
        // The earliest killing's date, precision and country in one aggregate: the
        // three travel together, and text order of `YYYY-MM-DD|…` is date order.
        let rows = self
            .store
            .db
            .query(
                "SELECT p.id, p.legal_name, MIN(v.date || '|' || v.date_precision || '|' || i.country) AS k
                 FROM violations v
                 JOIN incidents i ON i.id = v.incident_id
                 JOIN persons p ON p.id = v.victim_person_id
                 WHERE v.violation_type = 'killing' AND i.status = 'verified'
                   AND p.consent_publish = 'named' AND p.kind = 'defender'
                 GROUP BY p.id, p.legal_name
                 ORDER BY k DESC, p.id DESC
                 LIMIT $1 OFFSET $2",
                &[(i64::from(per) + 1).into(), offset.into()],
            )
            .await?;
        let more = rows.len() > per as usize;
        let mut found: Vec<(Id, String, PartialDate, String)> = Vec::new();
        for r in rows.iter().take(per as usize) {
            let name = self.store.unseal(LEGAL_NAME, r.text(1))?;
            let key = r.text(2);
            let mut parts = key.splitn(3, '|');
            let (Some(date), Some(precision), Some(country)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(date), Ok(precision)) = (
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d"),
                precision.parse::<Precision>(),
            ) else {
                continue;
            };
            // Consent to be named with no name recorded: nothing to show.
            if name.trim().is_empty() {
                continue;
            }
            found.push((
                r.int(0),
                name.trim().to_owned(),
                PartialDate { date, precision },
                country.to_owned(),
            ));
        }
        let sectors = self.sectors(found.iter().map(|f| f.0)).await?;
        let items: Vec<MemorialEntry> = found
            .into_iter()
            .map(|(id, name, date, country)| MemorialEntry {
                name,
                date,
                country,
                sectors: sectors
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .map(|(_, c)| c.clone())
                    .collect(),
            })
            .collect();
        let shown = offset + i64::try_from(items.len()).unwrap_or(0);
        Ok(Page {
            items,
            total: shown + i64::from(more),
            page,
            per_page: per,
            total_capped: more,
        })
    }

    /// Sectors of defence of these persons: (person, code), by code.
    async fn sectors(&self, ids: impl Iterator<Item = Id>) -> Result<Vec<(Id, String)>> {
        // Ids are integers we read from the database: inlining them is safe.
        let list: Vec<String> = ids.map(|i| i.to_string()).collect();
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .store
            .db
            .query(
                &format!(
                    "SELECT person_id, code FROM person_sectors WHERE person_id IN ({}) ORDER BY code",
                    list.join(", ")
                ),
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.int(0), r.text(1))).collect())
    }

    /// The vocabularies (public reference data: the labels of sectors of defence).
    pub async fn vocabularies(&self) -> Result<vigil_domain::vocab::Vocabularies> {
        self.store.vocabularies().await
    }

    /// The latest published release in its published form (the releases' own public
    /// read, `Store::public_releases`: published revisions only, after disclosure
    /// control), for the portal's home page.
    pub async fn latest_release(&self) -> Result<Option<vigil_domain::release::PublicRelease>> {
        Ok(self.store.public_releases().await?.into_iter().next())
    }

    /// Published alerts about persons who consent to be named, newest first.
    pub async fn alerts(&self) -> Result<Vec<PublicAlert>> {
        self.published("1=1", &[PUBLIC_ALERTS_MAX.into()]).await
    }

    /// One published alert; `NotFound` for anything else (a draft, a withdrawn alert,
    /// a person who no longer consents, an id never used).
    pub async fn alert(&self, id: Id) -> Result<PublicAlert> {
        self.published("a.id = $2", &[1_i64.into(), id.into()])
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    async fn published(&self, cond: &str, args: &[crate::Val]) -> Result<Vec<PublicAlert>> {
        let rows = self
            .store
            .db
            .query(
                &format!(
                    "SELECT a.id, a.title, a.body, p.legal_name, a.published_at
                     FROM alerts a JOIN persons p ON p.id = a.person_id
                     WHERE a.status = 'published' AND p.consent_publish = 'named' AND {cond}
                     ORDER BY a.published_at DESC, a.id DESC LIMIT $1"
                ),
                args,
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let person_name = self.store.unseal(LEGAL_NAME, r.text(3))?;
            if person_name.trim().is_empty() {
                continue;
            }
            out.push(PublicAlert {
                id: r.int(0),
                title: self.store.unseal(TITLE, r.text(1))?,
                text: self.store.unseal(BODY, r.text(2))?,
                person_name: person_name.trim().to_owned(),
                published_on: parse_time(&r.text(4)).date_naive(),
            });
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------- staff store

const ALERT_COLS: &str =
    "a.id, a.case_id, c.title, a.person_id, p.code, p.legal_name, p.consent_publish,
    a.title, a.body, a.status, a.version, cu.username, a.created_at, a.updated_at, au.username,
    a.published_at, wu.username, a.withdrawn_at, a.withdrawn_reason";
const ALERT_FROM: &str =
    "alerts a JOIN cases c ON c.id = a.case_id JOIN persons p ON p.id = a.person_id
    LEFT JOIN users cu ON cu.id = a.created_by LEFT JOIN users au ON au.id = a.approved_by
    LEFT JOIN users wu ON wu.id = a.withdrawn_by";

/// Which alerts a staff list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlertList {
    pub status: Option<AlertStatus>,
    pub case: Option<Id>,
}

fn snapshot(title: &str, text: &str, person: Id, status: AlertStatus, reason: &str) -> Value {
    json!({
        "title": title,
        "text": text,
        "person_id": person,
        "status": status,
        "withdrawn_reason": reason,
    })
}

impl Store {
    fn alert_from(&self, r: &Row) -> Result<Alert> {
        let opt_time = |i: usize| r.opt_text(i).map(|t| parse_time(&t));
        Ok(Alert {
            id: r.int(0),
            case_id: r.int(1),
            case_title: r.text(2),
            person_id: r.int(3),
            person_code: r.text(4),
            person_name: self.unseal(LEGAL_NAME, r.text(5))?,
            person_consents: r.text(6) == "named",
            title: self.unseal(TITLE, r.text(7))?,
            text: self.unseal(BODY, r.text(8))?,
            status: r.text(9).parse().unwrap_or(AlertStatus::Draft),
            version: r.int(10),
            created_by: r.opt_text(11),
            created_at: parse_time(&r.text(12)),
            updated_at: parse_time(&r.text(13)),
            approved_by: r.opt_text(14),
            published_at: opt_time(15),
            withdrawn_by: r.opt_text(16),
            withdrawn_at: opt_time(17),
            withdrawn_reason: self.unseal_opt(REASON, r.opt_text(18))?,
        })
    }

    fn alert_lock(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR NO KEY UPDATE",
            Dialect::Sqlite => "",
        }
    }

    /// One alert, if the reader may see its case.
    pub async fn alert(&self, id: Id) -> Result<Alert> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {ALERT_COLS} FROM {ALERT_FROM} WHERE a.id = $1 AND {}",
                    self.visible("c.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        rows.first()
            .map(|r| self.alert_from(r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Alerts about cases the reader may see, most recently changed first (at most 500).
    pub async fn alerts(&self, list: AlertList) -> Result<Vec<Alert>> {
        let mut cond = vec![self.visible("c.compartment_id")];
        let mut args: Vec<crate::Val> = Vec::new();
        if let Some(s) = list.status {
            args.push(s.code().into());
            cond.push(format!("a.status = ${}", args.len()));
        }
        if let Some(c) = list.case {
            args.push(c.into());
            cond.push(format!("a.case_id = ${}", args.len()));
        }
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {ALERT_COLS} FROM {ALERT_FROM} WHERE {} ORDER BY a.updated_at DESC, a.id DESC LIMIT 500",
                    cond.join(" AND ")
                ),
                &args,
            )
            .await?;
        rows.iter().map(|r| self.alert_from(r)).collect()
    }

    /// The case must be one the reader sees; the person must be visible, related to the
    /// case (its subject, a member of the group it protects, or a victim in one of its
    /// linked incidents) and consent to be named, with a name recorded.
    async fn alert_person(&self, tx: &mut Box<dyn Tx>, case: Id, code: &str) -> Result<Id> {
        let rows = tx
            .query(
                &format!(
                    "SELECT p.id, p.consent_publish, p.legal_name FROM persons p WHERE p.code = $1 AND {}",
                    self.visible("p.compartment_id")
                ),
                &[code.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Err(invalid(
                "person_code",
                "err-alert-person",
                Some(code.into()),
            ));
        };
        let id = r.int(0);
        let related = tx
            .query(
                "SELECT 1 FROM cases c WHERE c.id = $1 AND (c.subject_person_id = $2
                   OR EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = c.subject_group_id AND m.person_id = $2)
                   OR EXISTS (SELECT 1 FROM case_incidents ci JOIN violations v ON v.incident_id = ci.incident_id
                              WHERE ci.case_id = c.id AND v.victim_person_id = $2))",
                &[case.into(), id.into()],
            )
            .await?;
        if related.is_empty() {
            return Err(invalid(
                "person_code",
                "err-alert-person-case",
                Some(code.into()),
            ));
        }
        Self::consents(r, code, |s| self.unseal(LEGAL_NAME, s))?;
        Ok(id)
    }

    /// Refuse a person who does not consent to be named, or has no name recorded.
    fn consents(r: &Row, code: &str, unseal: impl Fn(String) -> Result<String>) -> Result<()> {
        if r.text(1) != "named" {
            return Err(invalid(
                "person_code",
                "err-alert-consent",
                Some(code.into()),
            ));
        }
        if unseal(r.text(2))?.trim().is_empty() {
            return Err(invalid(
                "person_code",
                "err-alert-no-name",
                Some(code.into()),
            ));
        }
        Ok(())
    }

    /// The case an alert is drafted about, if the reader may see it.
    async fn alert_case(&self, tx: &mut Box<dyn Tx>, case: Id) -> Result<()> {
        let rows = tx
            .query(
                &format!(
                    "SELECT id FROM cases c WHERE c.id = $1 AND {}",
                    self.visible("c.compartment_id")
                ),
                &[case.into()],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Draft an alert (version 1) about a case.
    pub async fn create_alert(
        &self,
        user: Id,
        case: Id,
        a: &ValidAlert,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        self.alert_case(&mut tx, case).await?;
        let person = self.alert_person(&mut tx, case, &a.person_code).await?;
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO alerts (case_id, person_id, title, body, status, version, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6, $6) RETURNING id",
                &[
                    case.into(),
                    person.into(),
                    self.seal(TITLE, &a.title).into(),
                    self.seal(BODY, &a.text).into(),
                    user.into(),
                    now.into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.record_version(
            &mut tx,
            "alert",
            id,
            1,
            Some(user),
            &snapshot(&a.title, &a.text, person, AlertStatus::Draft, ""),
        )
        .await?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("person_id", person)
                .with("version", 1)
                .with("status", "draft")
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The alert's case, status and version, locked for a change; `NotFound` if the
    /// reader may not see it.
    async fn alert_row(&self, tx: &mut Box<dyn Tx>, id: Id) -> Result<(Id, AlertStatus, i64)> {
        let rows = tx
            .query(
                &format!(
                    "SELECT a.case_id, a.status, a.version FROM alerts a JOIN cases c ON c.id = a.case_id
                     WHERE a.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.alert_lock()
                ),
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        Ok((
            r.int(0),
            r.text(1).parse().unwrap_or(AlertStatus::Draft),
            r.int(2),
        ))
    }

    /// Edit a draft or a withdrawn alert, from `expected`. The result is a draft: it
    /// needs an administrator's approval again. A published alert cannot be edited
    /// (unpublish it first), so what the public reads is always what was approved.
    pub async fn update_alert(
        &self,
        user: Id,
        id: Id,
        expected: i64,
        a: &ValidAlert,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let (case, status, version) = self.alert_row(&mut tx, id).await?;
        if version != expected {
            return Err(StoreError::Conflict(version));
        }
        if status == AlertStatus::Published {
            return Err(invalid("status", "err-alert-published", None));
        }
        let person = self.alert_person(&mut tx, case, &a.person_code).await?;
        tx.execute(
            "UPDATE alerts SET person_id = $1, title = $2, body = $3, status = 'draft', version = $4, updated_at = $5
             WHERE id = $6",
            &[
                person.into(),
                self.seal(TITLE, &a.title).into(),
                self.seal(BODY, &a.text).into(),
                (version + 1).into(),
                self.now_text().into(),
                id.into(),
            ],
        )
        .await?;
        let changed = self
            .record_version(
                &mut tx,
                "alert",
                id,
                version + 1,
                Some(user),
                &snapshot(&a.title, &a.text, person, AlertStatus::Draft, ""),
            )
            .await?;
        let audit = audit.map(|e| {
            e.with("version", version + 1)
                .with("changed", changed)
                .with("status", "draft")
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Approve and publish the alert at version `expected` (the one the administrator
    /// read). Refused unless it is a draft or withdrawn, and unless the person still
    /// consents to be named.
    pub async fn publish_alert(
        &self,
        user: Id,
        id: Id,
        expected: i64,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let (_, status, version) = self.alert_row(&mut tx, id).await?;
        if version != expected {
            return Err(StoreError::Conflict(version));
        }
        if status == AlertStatus::Published {
            return Err(invalid("status", "err-alert-already-published", None));
        }
        let rows = tx
            .query(
                "SELECT p.code, p.consent_publish, p.legal_name, a.title, a.body, a.person_id
                 FROM alerts a JOIN persons p ON p.id = a.person_id WHERE a.id = $1",
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let code = r.text(0);
        // Row layout for `consents`: 1 = consent, 2 = legal name.
        Self::consents(r, &code, |s| self.unseal(LEGAL_NAME, s))?;
        let (title, text) = (
            self.unseal(TITLE, r.text(3))?,
            self.unseal(BODY, r.text(4))?,
        );
        let person = r.int(5);
        let now = self.now_text();
        tx.execute(
            "UPDATE alerts SET status = 'published', version = $1, approved_by = $2, published_at = $3, updated_at = $3,
               withdrawn_by = NULL, withdrawn_at = NULL, withdrawn_reason = NULL WHERE id = $4",
            &[(version + 1).into(), user.into(), now.into(), id.into()],
        )
        .await?;
        let changed = self
            .record_version(
                &mut tx,
                "alert",
                id,
                version + 1,
                Some(user),
                &snapshot(&title, &text, person, AlertStatus::Published, ""),
            )
            .await?;
        let audit = audit.map(|e| {
            e.with("version", version + 1)
                .with("changed", changed)
                .with("person_id", person)
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Take a published alert off the public site, with a reason. The row, its
    /// versions and audit entries stay.
    pub async fn unpublish_alert(
        &self,
        user: Id,
        id: Id,
        reason: &str,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let (_, status, version) = self.alert_row(&mut tx, id).await?;
        if status != AlertStatus::Published {
            return Err(invalid("status", "err-alert-not-published", None));
        }
        let rows = tx
            .query(
                "SELECT title, body, person_id FROM alerts WHERE id = $1",
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let (title, text, person) = (
            self.unseal(TITLE, r.text(0))?,
            self.unseal(BODY, r.text(1))?,
            r.int(2),
        );
        let now = self.now_text();
        tx.execute(
            "UPDATE alerts SET status = 'withdrawn', version = $1, withdrawn_by = $2, withdrawn_at = $3,
               withdrawn_reason = $4, updated_at = $3 WHERE id = $5",
            &[
                (version + 1).into(),
                user.into(),
                now.into(),
                self.seal(REASON, reason).into(),
                id.into(),
            ],
        )
        .await?;
        let changed = self
            .record_version(
                &mut tx,
                "alert",
                id,
                version + 1,
                Some(user),
                &snapshot(&title, &text, person, AlertStatus::Withdrawn, reason),
            )
            .await?;
        let audit = audit.map(|e| e.with("version", version + 1).with("changed", changed));
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- authorising layer

impl Access {
    fn require_alerts(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, permission = ?p, "permission denied: alerts");
            Err(StoreError::Forbidden)
        }
    }

    fn alert_entry(&self, action: Action) -> AuditEntry {
        AuditEntry::new(action, "alert").by(self.actor())
    }

    /// Alerts about cases this actor sees (protection officers and administrators).
    pub async fn alerts(&self, list: AlertList) -> Result<Vec<Alert>> {
        self.require_alerts(Permission::ManageCases)?;
        self.store().alerts(list).await
    }

    /// Drafts waiting for approval (administrators), oldest change first.
    pub async fn alerts_to_approve(&self) -> Result<Vec<Alert>> {
        self.require_alerts(Permission::Administer)?;
        let mut list = self
            .store()
            .alerts(AlertList {
                status: Some(AlertStatus::Draft),
                case: None,
            })
            .await?;
        list.reverse();
        Ok(list)
    }

    /// One alert with its history. It names a person: a sensitive read, audited.
    pub async fn alert_file(&self, id: Id) -> Result<AlertFile> {
        self.require_alerts(Permission::ManageCases)?;
        let alert = self.store().alert(id).await?;
        let history = self.store().versions("alert", id).await?;
        self.store()
            .audit(&self.alert_entry(Action::Read).id(id))
            .await?;
        Ok(AlertFile { alert, history })
    }

    /// The alert for a form (not audited: the alert page is).
    pub async fn alert(&self, id: Id) -> Result<Alert> {
        self.require_alerts(Permission::ManageCases)?;
        self.store().alert(id).await
    }

    /// Draft an alert about a case this actor sees.
    pub async fn create_alert(&self, case: Id, input: &AlertInput) -> Result<Id> {
        self.require_alerts(Permission::ManageCases)?;
        // A case elsewhere is not found, whatever the input.
        self.store().case(case).await?;
        let valid = input.validate()?;
        self.store()
            .create_alert(
                self.actor().user_id,
                case,
                &valid,
                Some(self.alert_entry(Action::Create)),
            )
            .await
    }

    pub async fn update_alert(&self, id: Id, expected: i64, input: &AlertInput) -> Result<()> {
        self.require_alerts(Permission::ManageCases)?;
        self.store().alert(id).await?;
        let valid = input.validate()?;
        self.store()
            .update_alert(
                self.actor().user_id,
                id,
                expected,
                &valid,
                Some(self.alert_entry(Action::Update)),
            )
            .await
    }

    /// The alert an administrator is about to approve (refused to everyone else).
    pub async fn alert_for_approval(&self, id: Id) -> Result<Alert> {
        self.require_alerts(Permission::Administer)?;
        self.store().alert(id).await
    }

    /// Approve and publish (administrators), at the version they read.
    pub async fn publish_alert(&self, id: Id, expected: i64) -> Result<()> {
        self.require_alerts(Permission::Administer)?;
        self.store()
            .publish_alert(
                self.actor().user_id,
                id,
                expected,
                Some(self.alert_entry(Action::AlertPublish)),
            )
            .await
    }

    /// Take an alert off the public site, with a reason (protection officers and
    /// administrators: taking down is always the safe direction).
    pub async fn unpublish_alert(&self, id: Id, reason: &str) -> Result<()> {
        self.require_alerts(Permission::ManageCases)?;
        self.store().alert(id).await?;
        let reason = validate_withdraw_reason(reason)?;
        self.store()
            .unpublish_alert(
                self.actor().user_id,
                id,
                &reason,
                Some(self.alert_entry(Action::AlertUnpublish)),
            )
            .await
    }
}
