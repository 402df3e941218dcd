//! Protection cases (issue 6): the case itself (versioned like incidents), its linked
//! incidents, risk assessments and actions, and the lists across cases — open cases by
//! risk, "my actions", overdue actions.
//!
//! Every read carries the compartment condition in its SQL (`Store::visible` on the
//! case's `compartment_id`): a case elsewhere, and everything hanging from it, is not
//! found. Sensitive text (summary, closing reason, the assessments' analyses and
//! reasoning, actions' descriptions and outcomes) is sealed on PostgreSQL.
//!
//! The authorising methods on [`Access`] are at the end of this file: every one needs
//! [`Permission::ManageCases`] (administrators and protection officers).

use chrono::NaiveDate;
use serde_json::{json, Value};
use vigil_domain::case::*;
use vigil_domain::model::{Id, VictimRef};
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::backend::{Dialect, Row, Tx, Val};
use crate::{parse_time, Result, Store, StoreError};

// The sealed columns, as associated data (`table.column`): see `cipher.rs`.
const SUMMARY: &str = "cases.summary";
const CLOSED_REASON: &str = "cases.closed_reason";
const THREATS: &str = "case_assessments.threats";
const VULNERABILITIES: &str = "case_assessments.vulnerabilities";
const CAPACITIES: &str = "case_assessments.capacities";
const REASONING: &str = "case_assessments.reasoning";
const ACTION_DESCRIPTION: &str = "case_actions.description";
const OUTCOME: &str = "case_actions.outcome";

const CASE_COLS: &str = "c.id, c.title, c.subject_person_id, c.subject_group_id, COALESCE(p.code, g.code), c.status,
    c.closed_reason, c.summary, c.owner_id, u.username, c.compartment_id, c.version, c.created_at, c.updated_at,
    (SELECT a.level FROM case_assessments a WHERE a.case_id = c.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1),
    (SELECT a.level FROM case_assessments a WHERE a.case_id = c.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1 OFFSET 1),
    COALESCE((SELECT a.level_rank FROM case_assessments a WHERE a.case_id = c.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1), 0) AS risk_rank";
const CASE_FROM: &str = "cases c LEFT JOIN persons p ON p.id = c.subject_person_id
    LEFT JOIN groups g ON g.id = c.subject_group_id JOIN users u ON u.id = c.owner_id";

const ACTION_COLS: &str =
    "x.id, x.case_id, c.title, x.kind, x.description, x.assignee_id, u.username, x.due_on,
    x.status, x.outcome, x.amount_minor, x.currency, x.version, x.created_at, x.updated_at";
const ACTION_FROM: &str =
    "case_actions x JOIN cases c ON c.id = x.case_id LEFT JOIN users u ON u.id = x.assignee_id";

/// Which cases a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseList {
    /// Every case, most recently changed first.
    #[default]
    All,
    /// Cases with this status, most recently changed first.
    Status(CaseStatus),
    /// Cases not closed (`open` and `monitoring`), highest current risk first; cases
    /// never assessed last.
    ByRisk,
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn invalid(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

fn case_snapshot(c: &ValidCase, subject: VictimRef, owner: Id, incidents: &[Id]) -> Value {
    json!({
        "title": c.title,
        "subject": subject,
        "status": c.status,
        "closed_reason": c.closed_reason,
        "summary": c.summary,
        "owner_id": owner,
        "incidents": incidents,
    })
}

impl Store {
    fn case_from(&self, r: &Row) -> Result<Case> {
        let subject = match (r.opt_int(2), r.opt_int(3)) {
            (Some(p), _) => VictimRef::Person(p),
            (None, Some(g)) => VictimRef::Group(g),
            (None, None) => return Err(StoreError::NotFound),
        };
        Ok(Case {
            id: r.int(0),
            title: r.text(1),
            subject,
            subject_label: r.text(4),
            status: r.text(5).parse().unwrap_or(CaseStatus::Open),
            closed_reason: self.unseal(CLOSED_REASON, r.text(6))?,
            summary: self.unseal(SUMMARY, r.text(7))?,
            owner_id: r.int(8),
            owner: r.text(9),
            compartment_id: r.int(10),
            version: r.int(11),
            created_at: parse_time(&r.text(12)),
            updated_at: parse_time(&r.text(13)),
            risk: r.opt_text(14).and_then(|l| l.parse().ok()),
            previous_risk: r.opt_text(15).and_then(|l| l.parse().ok()),
        })
    }

    fn action_from(&self, r: &Row) -> Result<CaseAction> {
        let cost = match (
            r.opt_int(10),
            r.opt_text(11).and_then(|c| CurrencyCode::parse(&c)),
        ) {
            (Some(minor), Some(currency)) => Some(Money { minor, currency }),
            _ => None,
        };
        Ok(CaseAction {
            id: r.int(0),
            case_id: r.int(1),
            case_title: r.text(2),
            kind: r.text(3).parse().map_err(|_| {
                StoreError::Backend(crate::BackendError::Db("case_actions.kind".into()))
            })?,
            description: self.unseal(ACTION_DESCRIPTION, r.text(4))?,
            assignee_id: r.opt_int(5),
            assignee: r.opt_text(6),
            due_on: r.opt_text(7).as_deref().and_then(parse_date),
            status: r.text(8).parse().unwrap_or(ActionStatus::Planned),
            outcome: self.unseal(OUTCOME, r.text(9))?,
            cost,
            version: r.int(12),
            created_at: parse_time(&r.text(13)),
            updated_at: parse_time(&r.text(14)),
        })
    }

    fn lock(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR NO KEY UPDATE",
            Dialect::Sqlite => "",
        }
    }

    /// The person or group with this code, if the reader may see it.
    async fn case_subject(&self, tx: &mut Box<dyn Tx>, code: &str) -> Result<VictimRef> {
        let code = code.trim().to_uppercase();
        let rows = tx
            .query(
                &format!(
                    "SELECT id FROM persons WHERE code = $1 AND {}",
                    self.visible("persons.compartment_id")
                ),
                &[code.clone().into()],
            )
            .await?;
        if let Some(r) = rows.first() {
            return Ok(VictimRef::Person(r.int(0)));
        }
        let rows = tx
            .query(
                &format!(
                    "SELECT id FROM groups WHERE code = $1 AND {}",
                    self.visible("groups.compartment_id")
                ),
                &[code.clone().into()],
            )
            .await?;
        match rows.first() {
            Some(r) => Ok(VictimRef::Group(r.int(0))),
            None => Err(invalid("subject_code", "err-case-subject", Some(code))),
        }
    }

    /// A user who may be given cases and actions: exists, enabled, may manage cases.
    async fn case_user(&self, tx: &mut Box<dyn Tx>, field: &str, id: Id) -> Result<Id> {
        let rows = tx
            .query(
                "SELECT role, disabled FROM users WHERE id = $1",
                &[id.into()],
            )
            .await?;
        let ok = rows.first().is_some_and(|r| {
            !r.bool(1)
                && r.text(0)
                    .parse::<vigil_domain::Role>()
                    .is_ok_and(|role| role.can(Permission::ManageCases))
        });
        if ok {
            Ok(id)
        } else {
            Err(invalid(field, "err-case-user", Some(id.to_string())))
        }
    }

    /// The case's compartment and version, locked for an edit; `NotFound` if the
    /// reader may not see it.
    async fn case_row(&self, tx: &mut Box<dyn Tx>, id: Id) -> Result<i64> {
        let rows = tx
            .query(
                &format!(
                    "SELECT version FROM cases c WHERE c.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.lock()
                ),
                &[id.into()],
            )
            .await?;
        rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)
    }

    async fn linked_ids(&self, tx: &mut Box<dyn Tx>, case: Id) -> Result<Vec<Id>> {
        Ok(tx
            .query(
                "SELECT incident_id FROM case_incidents WHERE case_id = $1 ORDER BY incident_id",
                &[case.into()],
            )
            .await?
            .iter()
            .map(|r| r.int(0))
            .collect())
    }

    /// Open a case (version 1) in the writer's compartment.
    pub async fn create_case(
        &self,
        user: Id,
        c: &ValidCase,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let subject = self.case_subject(&mut tx, &c.subject_code).await?;
        let owner = self
            .case_user(&mut tx, "owner_id", c.owner_id.unwrap_or(user))
            .await?;
        let compartment = self.target_compartment(&mut tx).await?;
        let (person, group) = match subject {
            VictimRef::Person(p) => (Some(p), None),
            VictimRef::Group(g) => (None, Some(g)),
        };
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO cases (title, subject_person_id, subject_group_id, status, closed_reason, summary, owner_id,
                   compartment_id, version, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id",
                &[
                    c.title.clone().into(),
                    person.into(),
                    group.into(),
                    c.status.code().into(),
                    self.seal(CLOSED_REASON, &c.closed_reason).into(),
                    self.seal(SUMMARY, &c.summary).into(),
                    owner.into(),
                    compartment.into(),
                    user.into(),
                    now.into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.record_version(
            &mut tx,
            "case",
            id,
            1,
            Some(user),
            &case_snapshot(c, subject, owner, &[]),
        )
        .await?;
        self.audit_opt_in(&mut tx, audit.map(|a| a.with("version", 1)), id)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edit a case, starting from `expected` (else `Conflict`). An edit that changes
    /// nothing makes no version and no entry.
    pub async fn update_case(
        &self,
        user: Id,
        id: Id,
        expected: i64,
        c: &ValidCase,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let version = self.case_row(&mut tx, id).await?;
        if version != expected {
            return Err(StoreError::Conflict(version));
        }
        let subject = self.case_subject(&mut tx, &c.subject_code).await?;
        let current_owner = tx
            .query("SELECT owner_id FROM cases WHERE id = $1", &[id.into()])
            .await?
            .first()
            .map(|r| r.int(0))
            .ok_or(StoreError::NotFound)?;
        let owner = match c.owner_id {
            Some(o) if o != current_owner => self.case_user(&mut tx, "owner_id", o).await?,
            _ => current_owner,
        };
        let incidents = self.linked_ids(&mut tx, id).await?;
        let snapshot = case_snapshot(c, subject, owner, &incidents);
        self.write_case_version(&mut tx, user, id, version, &snapshot, audit, |now| {
            let (person, group) = match subject {
                VictimRef::Person(p) => (Some(p), None),
                VictimRef::Group(g) => (None, Some(g)),
            };
            (
                "UPDATE cases SET title = $1, subject_person_id = $2, subject_group_id = $3, status = $4, closed_reason = $5,
                   summary = $6, owner_id = $7, version = $8, updated_at = $9 WHERE id = $10",
                vec![
                    c.title.clone().into(),
                    person.into(),
                    group.into(),
                    c.status.code().into(),
                    self.seal(CLOSED_REASON, &c.closed_reason).into(),
                    self.seal(SUMMARY, &c.summary).into(),
                    owner.into(),
                    (version + 1).into(),
                    now.into(),
                    id.into(),
                ],
            )
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Write the next version of a case if `snapshot` differs from the last one: run
    /// the update `make` builds (given "now"), record the version and the entry.
    #[allow(clippy::too_many_arguments)]
    async fn write_case_version<'a>(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Id,
        id: Id,
        version: i64,
        snapshot: &Value,
        audit: Option<AuditEntry>,
        make: impl FnOnce(String) -> (&'a str, Vec<Val>),
    ) -> Result<bool> {
        let last = tx
            .query(
                "SELECT snapshot FROM versions WHERE entity = 'case' AND entity_id = $1 ORDER BY version DESC LIMIT 1",
                &[id.into()],
            )
            .await?;
        let last: Option<Value> = match last.first() {
            Some(r) => {
                serde_json::from_str(&self.unseal(crate::records::SNAPSHOT, r.text(0))?).ok()
            }
            None => None,
        };
        if last.as_ref() == Some(snapshot) {
            return Ok(false);
        }
        let (sql, args) = make(self.now_text());
        tx.execute(sql, &args).await?;
        let changed = self
            .record_version(tx, "case", id, version + 1, Some(user), snapshot)
            .await?;
        let audit = audit.map(|a| a.with("version", version + 1).with("changed", changed));
        self.audit_opt_in(tx, audit, id).await?;
        Ok(true)
    }

    /// Link (or, with `link` false, unlink) an incident the reader may see. A new
    /// version of the case records the list of incidents.
    pub async fn link_case_incident(
        &self,
        user: Id,
        id: Id,
        incident: Id,
        link: bool,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let version = self.case_row(&mut tx, id).await?;
        let seen = tx
            .query(
                &format!(
                    "SELECT id FROM incidents i WHERE i.id = $1 AND {}",
                    self.visible("i.compartment_id")
                ),
                &[incident.into()],
            )
            .await?;
        if seen.is_empty() {
            return Err(invalid(
                "incident_id",
                "err-case-incident",
                Some(incident.to_string()),
            ));
        }
        if link {
            tx.execute(
                "INSERT INTO case_incidents (case_id, incident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[id.into(), incident.into()],
            )
            .await?;
        } else {
            tx.execute(
                "DELETE FROM case_incidents WHERE case_id = $1 AND incident_id = $2",
                &[id.into(), incident.into()],
            )
            .await?;
        }
        let incidents = self.linked_ids(&mut tx, id).await?;
        let mut snapshot = self.version_snapshot_in(&mut tx, id).await?;
        if let Some(o) = snapshot.as_object_mut() {
            o.insert("incidents".into(), json!(incidents));
        }
        let audit = audit.map(|a| a.with("incident_id", incident).with("linked", link));
        self.write_case_version(&mut tx, user, id, version, &snapshot, audit, |now| {
            (
                "UPDATE cases SET version = $1, updated_at = $2 WHERE id = $3",
                vec![(version + 1).into(), now.into(), id.into()],
            )
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn version_snapshot_in(&self, tx: &mut Box<dyn Tx>, id: Id) -> Result<Value> {
        let rows = tx
            .query(
                "SELECT snapshot FROM versions WHERE entity = 'case' AND entity_id = $1 ORDER BY version DESC LIMIT 1",
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        serde_json::from_str(&self.unseal(crate::records::SNAPSHOT, r.text(0))?)
            .map_err(|_| StoreError::NotFound)
    }

    /// One case, if the reader may see it.
    pub async fn case(&self, id: Id) -> Result<Case> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {CASE_COLS} FROM {CASE_FROM} WHERE c.id = $1 AND {}",
                    self.visible("c.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        rows.first()
            .map(|r| self.case_from(r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Cases the reader may see (at most 500).
    pub async fn cases(&self, list: CaseList) -> Result<Vec<Case>> {
        let seen = self.visible("c.compartment_id");
        let (cond, order, args): (&str, &str, Vec<Val>) = match list {
            CaseList::All => ("1=1", "c.updated_at DESC, c.id DESC", vec![]),
            CaseList::Status(s) => (
                "c.status = $1",
                "c.updated_at DESC, c.id DESC",
                vec![s.code().into()],
            ),
            CaseList::ByRisk => (
                "c.status <> 'closed'",
                "risk_rank DESC, c.updated_at DESC, c.id DESC",
                vec![],
            ),
        };
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {CASE_COLS} FROM {CASE_FROM} WHERE {cond} AND {seen} ORDER BY {order} LIMIT 500"
                ),
                &args,
            )
            .await?;
        rows.iter().map(|r| self.case_from(r)).collect()
    }

    /// The incidents linked to a case that the reader may see: (id, title, start date).
    pub async fn case_incidents(&self, id: Id) -> Result<Vec<(Id, String, NaiveDate)>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT i.id, i.title, i.start_date FROM case_incidents ci JOIN incidents i ON i.id = ci.incident_id
                     WHERE ci.case_id = $1 AND {} ORDER BY i.start_date, i.id",
                    self.visible("i.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let d = r.text(2);
                let date = parse_date(d.get(..10).unwrap_or(&d)).unwrap_or_default();
                (r.int(0), r.text(1), date)
            })
            .collect())
    }

    /// Record a risk assessment on a case the reader may see.
    pub async fn add_assessment(
        &self,
        user: Id,
        case: Id,
        a: &ValidAssessment,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        self.case_row(&mut tx, case).await?;
        let rows = tx
            .query(
                "INSERT INTO case_assessments (case_id, assessed_on, threats, vulnerabilities, capacities, level, level_rank,
                   reasoning, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    case.into(),
                    date_text(a.assessed_on).into(),
                    self.seal(THREATS, &a.threats).into(),
                    self.seal(VULNERABILITIES, &a.vulnerabilities).into(),
                    self.seal(CAPACITIES, &a.capacities).into(),
                    a.level.code().into(),
                    a.level.rank().into(),
                    self.seal(REASONING, &a.reasoning).into(),
                    user.into(),
                    self.now_text().into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        let audit = audit.map(|e| e.with("case_id", case).with("level", a.level.code()));
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A case's assessments, newest first.
    pub async fn assessments(&self, case: Id) -> Result<Vec<Assessment>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT a.id, a.case_id, a.assessed_on, a.threats, a.vulnerabilities, a.capacities, a.level, a.reasoning,
                       u.username, a.created_at
                     FROM case_assessments a JOIN cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = a.created_by
                     WHERE a.case_id = $1 AND {} ORDER BY a.assessed_on DESC, a.id DESC",
                    self.visible("c.compartment_id")
                ),
                &[case.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Assessment {
                    id: r.int(0),
                    case_id: r.int(1),
                    assessed_on: parse_date(&r.text(2)).unwrap_or_default(),
                    threats: self.unseal(THREATS, r.text(3))?,
                    vulnerabilities: self.unseal(VULNERABILITIES, r.text(4))?,
                    capacities: self.unseal(CAPACITIES, r.text(5))?,
                    level: r.text(6).parse().unwrap_or(RiskLevel::Low),
                    reasoning: self.unseal(REASONING, r.text(7))?,
                    created_by: r.opt_text(8),
                    created_at: parse_time(&r.text(9)),
                })
            })
            .collect()
    }

    /// Plan an action on a case the reader may see.
    pub async fn add_action(
        &self,
        user: Id,
        case: Id,
        a: &ValidAction,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        self.case_row(&mut tx, case).await?;
        if let Some(u) = a.assignee_id {
            self.case_user(&mut tx, "assignee_id", u).await?;
        }
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO case_actions (case_id, kind, description, assignee_id, due_on, status, outcome, amount_minor,
                   currency, version, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11) RETURNING id",
                &[
                    case.into(),
                    a.kind.code().into(),
                    self.seal(ACTION_DESCRIPTION, &a.description).into(),
                    a.assignee_id.into(),
                    a.due_on.map(date_text).into(),
                    a.status.code().into(),
                    self.seal(OUTCOME, &a.outcome).into(),
                    a.cost.map(|m| m.minor).into(),
                    a.cost.map(|m| m.currency.code()).into(),
                    user.into(),
                    now.into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("kind", a.kind.code())
                .with("version", 1)
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edit an action (its status, outcome, assignee, due date…), from `expected`.
    pub async fn update_action(
        &self,
        action: Id,
        expected: i64,
        a: &ValidAction,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT x.version, x.assignee_id FROM case_actions x JOIN cases c ON c.id = x.case_id
                     WHERE x.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.lock()
                ),
                &[action.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let (version, assignee) = (r.int(0), r.opt_int(1));
        if version != expected {
            return Err(StoreError::Conflict(version));
        }
        if let Some(u) = a.assignee_id.filter(|u| Some(*u) != assignee) {
            self.case_user(&mut tx, "assignee_id", u).await?;
        }
        tx.execute(
            "UPDATE case_actions SET kind = $1, description = $2, assignee_id = $3, due_on = $4, status = $5, outcome = $6,
               amount_minor = $7, currency = $8, version = $9, updated_at = $10 WHERE id = $11",
            &[
                a.kind.code().into(),
                self.seal(ACTION_DESCRIPTION, &a.description).into(),
                a.assignee_id.into(),
                a.due_on.map(date_text).into(),
                a.status.code().into(),
                self.seal(OUTCOME, &a.outcome).into(),
                a.cost.map(|m| m.minor).into(),
                a.cost.map(|m| m.currency.code()).into(),
                (version + 1).into(),
                self.now_text().into(),
                action.into(),
            ],
        )
        .await?;
        let audit = audit.map(|e| {
            e.with("status", a.status.code())
                .with("version", version + 1)
        });
        self.audit_opt_in(&mut tx, audit, action).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One action, if the reader may see its case.
    pub async fn action(&self, id: Id) -> Result<CaseAction> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {ACTION_COLS} FROM {ACTION_FROM} WHERE x.id = $1 AND {}",
                    self.visible("c.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        rows.first()
            .map(|r| self.action_from(r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// A case's actions: due first (by date), then those without a date.
    pub async fn case_actions(&self, case: Id) -> Result<Vec<CaseAction>> {
        self.actions_where("x.case_id = $1", vec![case.into()])
            .await
    }

    /// Actions still to do assigned to `user`, across the cases the reader may see.
    pub async fn actions_assigned(&self, user: Id) -> Result<Vec<CaseAction>> {
        self.actions_where(
            "x.assignee_id = $1 AND x.status IN ('planned', 'in_progress')",
            vec![user.into()],
        )
        .await
    }

    /// Actions still to do whose due date is before `today`, across visible cases.
    pub async fn actions_overdue(&self, today: NaiveDate) -> Result<Vec<CaseAction>> {
        self.actions_where(
            "x.status IN ('planned', 'in_progress') AND x.due_on IS NOT NULL AND x.due_on < $1",
            vec![date_text(today).into()],
        )
        .await
    }

    async fn actions_where(&self, cond: &str, args: Vec<Val>) -> Result<Vec<CaseAction>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {ACTION_COLS} FROM {ACTION_FROM} WHERE {cond} AND {}
                     ORDER BY CASE WHEN x.due_on IS NULL THEN 1 ELSE 0 END, x.due_on, x.id LIMIT 1000",
                    self.visible("c.compartment_id")
                ),
                &args,
            )
            .await?;
        rows.iter().map(|r| self.action_from(r)).collect()
    }

    /// Users who may own cases and be assigned actions: (id, username), by name.
    pub async fn case_users(&self) -> Result<Vec<(Id, String)>> {
        let rows = self
            .db
            .query(
                "SELECT id, username, role FROM users WHERE disabled = $1 ORDER BY username",
                &[false.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .filter(|r| {
                r.text(2)
                    .parse::<vigil_domain::Role>()
                    .is_ok_and(|role| role.can(Permission::ManageCases))
            })
            .map(|r| (r.int(0), r.text(1)))
            .collect())
    }
}

// ---------------------------------------------------------------- authorising layer

impl Access {
    fn require_cases(&self) -> Result<()> {
        if self.can(Permission::ManageCases) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, "permission denied: cases");
            Err(StoreError::Forbidden)
        }
    }

    fn case_entry(&self, action: Action, entity: &str) -> AuditEntry {
        AuditEntry::new(action, entity).by(self.actor())
    }

    fn today(&self) -> NaiveDate {
        self.store().clock().now().date_naive()
    }

    /// Cases this actor may see.
    pub async fn cases(&self, list: CaseList) -> Result<Vec<Case>> {
        self.require_cases()?;
        self.store().cases(list).await
    }

    /// One case without its parts (for forms). Not audited: the case page is.
    pub async fn case(&self, id: Id) -> Result<Case> {
        self.require_cases()?;
        self.store().case(id).await
    }

    /// One case with its assessments, actions, linked incidents and timeline. A read
    /// of sensitive fields: audited.
    pub async fn case_file(&self, id: Id) -> Result<CaseFile> {
        self.require_cases()?;
        let s = self.store();
        let case = s.case(id).await?;
        let assessments = s.assessments(id).await?;
        let actions = s.case_actions(id).await?;
        let linked = s.case_incidents(id).await?;
        s.audit(&self.case_entry(Action::Read, "case").id(id))
            .await?;
        let mut timeline = timeline(&case, &assessments, &actions, &linked);
        let detentions = s.case_detentions(id).await?;
        vigil_domain::detention::merge_timeline(&mut timeline, &detentions);
        crate::un_comms::add_to_timeline(&mut timeline, &s.un_records(id).await?);
        Ok(CaseFile {
            case,
            assessments,
            actions,
            incidents: linked
                .into_iter()
                .map(|(id, title, start_date)| LinkedIncident {
                    id,
                    title,
                    start_date,
                })
                .collect(),
            detentions,
            timeline,
        })
    }

    pub async fn create_case(&self, input: &CaseInput) -> Result<Id> {
        self.require_cases()?;
        let valid = input.validate()?;
        let audit = self.case_entry(Action::Create, "case");
        self.store()
            .create_case(self.actor().user_id, &valid, Some(audit))
            .await
    }

    pub async fn update_case(&self, id: Id, expected: i64, input: &CaseInput) -> Result<()> {
        self.require_cases()?;
        // A case elsewhere is not found, whatever the input.
        self.store().case(id).await?;
        let valid = input.validate()?;
        let audit = self.case_entry(Action::Update, "case");
        self.store()
            .update_case(self.actor().user_id, id, expected, &valid, Some(audit))
            .await
    }

    pub async fn link_case_incident(&self, id: Id, incident: Id, link: bool) -> Result<()> {
        self.require_cases()?;
        let audit = self.case_entry(Action::Update, "case");
        self.store()
            .link_case_incident(self.actor().user_id, id, incident, link, Some(audit))
            .await
    }

    pub async fn case_history(
        &self,
        id: Id,
    ) -> Result<(String, Vec<vigil_domain::model::Version>)> {
        self.require_cases()?;
        let c = self.store().case(id).await?;
        Ok((c.title, self.store().versions("case", id).await?))
    }

    pub async fn add_assessment(&self, case: Id, input: &AssessmentInput) -> Result<Id> {
        self.require_cases()?;
        self.store().case(case).await?;
        let valid = input.validate(self.today())?;
        let audit = self.case_entry(Action::Create, "case_assessment");
        self.store()
            .add_assessment(self.actor().user_id, case, &valid, Some(audit))
            .await
    }

    pub async fn add_action(&self, case: Id, input: &ActionInput) -> Result<Id> {
        self.require_cases()?;
        self.store().case(case).await?;
        let valid = input.validate()?;
        let audit = self.case_entry(Action::Create, "case_action");
        self.store()
            .add_action(self.actor().user_id, case, &valid, Some(audit))
            .await
    }

    pub async fn action(&self, id: Id) -> Result<CaseAction> {
        self.require_cases()?;
        let a = self.store().action(id).await?;
        self.store()
            .audit(&self.case_entry(Action::Read, "case_action").id(id))
            .await?;
        Ok(a)
    }

    pub async fn update_action(&self, id: Id, expected: i64, input: &ActionInput) -> Result<()> {
        self.require_cases()?;
        self.store().action(id).await?;
        let valid = input.validate()?;
        let audit = self.case_entry(Action::Update, "case_action");
        self.store()
            .update_action(id, expected, &valid, Some(audit))
            .await
    }

    /// The actor's own actions still to do, across the cases they may see.
    pub async fn my_actions(&self) -> Result<Vec<CaseAction>> {
        self.require_cases()?;
        let list = self.store().actions_assigned(self.actor().user_id).await?;
        self.audit_action_list(&list).await?;
        Ok(list)
    }

    /// Actions still to do whose due date has passed (by the store's clock).
    pub async fn overdue_actions(&self) -> Result<Vec<CaseAction>> {
        self.require_cases()?;
        let list = self.store().actions_overdue(self.today()).await?;
        self.audit_action_list(&list).await?;
        Ok(list)
    }

    /// Lists of actions carry descriptions and outcomes (sensitive): recorded.
    async fn audit_action_list(&self, list: &[CaseAction]) -> Result<()> {
        if list.is_empty() {
            return Ok(());
        }
        let ids: Vec<Id> = list.iter().map(|a| a.id).collect();
        self.store()
            .audit(
                &self
                    .case_entry(Action::List, "case_action")
                    .with("ids", ids),
            )
            .await?;
        Ok(())
    }

    /// Who may own a case or be assigned an action (for forms).
    pub async fn case_users(&self) -> Result<Vec<(Id, String)>> {
        self.require_cases()?;
        self.store().case_users().await
    }

    /// "Today" for this actor's pages (overdue marks).
    pub fn case_today(&self) -> NaiveDate {
        self.today()
    }
}
