//! Compartments (need-to-know): every incident, person and group belongs to one
//! compartment, and a store scoped to a reader puts "in a compartment this reader is a
//! full member of" into the same SQL query as every read — never a filter applied to
//! rows afterwards, which a forgotten loop or a count could bypass.
//!
//! The store `Store::open` returns is unscoped (the command line, backups, demo
//! data); [`crate::Access`] always works on a store scoped to its actor.

use serde::Serialize;
use vigil_domain::model::Id;

use crate::audit::AuditEntry;
use crate::backend::Tx;
use crate::{parse_time, Result, Store, StoreError};

/// The compartment the migration creates; existing records and new accounts join it.
pub const DEFAULT_COMPARTMENT: Id = 1;

/// Whose compartments reads are limited to, and where new records go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scope {
    /// `None`: unlimited (command line, backups, demo data).
    pub reader: Option<Id>,
    /// The compartment new records go to; `None`: the reader's first.
    pub write_to: Option<Id>,
}

/// How far a member may see into a compartment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// List, read, search, export and write its records.
    Full,
    /// Count its records (statistics) but never list or read them.
    AggregateOnly,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::AggregateOnly => "aggregate_only",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "full" => Ok(Level::Full),
            "aggregate_only" => Ok(Level::AggregateOnly),
            _ => Err(()),
        }
    }
}

/// A compartment, with how many members it has and the viewer's own membership.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Compartment {
    pub id: Id,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub members: i64,
    /// The viewer's level, if they are a member.
    pub level: Option<Level>,
}

/// One member of a compartment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: Id,
    pub username: String,
    pub level: Level,
}

impl Store {
    /// This store, limited to what `reader` may see.
    pub(crate) fn scoped(&self, reader: Id) -> Store {
        let mut s = self.clone();
        s.scope = Scope {
            reader: Some(reader),
            write_to: None,
        };
        s
    }

    /// This store, creating records in `compartment` (checked on each write).
    pub(crate) fn writing_to(&self, compartment: Id) -> Store {
        let mut s = self.clone();
        s.scope.write_to = Some(compartment);
        s
    }

    /// SQL condition: the record whose compartment column is `col` (always qualified,
    /// e.g. `i.compartment_id`) may be read in full by this store's reader. The user
    /// id is an integer we hold, so inlining it is safe.
    pub(crate) fn visible(&self, col: &str) -> String {
        match self.scope.reader {
            None => "1=1".into(),
            Some(u) => format!(
                "{col} IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = {u} AND cm.level = 'full')"
            ),
        }
    }

    /// SQL condition, uncorrelated (the engine evaluates it once per statement): no row
    /// of `table` lies in a compartment this reader is not a full member of, so
    /// [`Store::visible`] holds for every row of it. A search count uses it to skip the
    /// per-match compartment check when it cannot exclude anything; it is read in the
    /// same statement, so a compartment filled meanwhile is seen. One index seek per
    /// compartment (`{table}_compartment`).
    pub(crate) fn sees_every(&self, table: &str) -> String {
        match self.scope.reader {
            None => "1=1".into(),
            Some(u) => format!(
                "NOT EXISTS (SELECT 1 FROM compartments c WHERE c.id NOT IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = {u} AND cm.level = 'full') AND EXISTS (SELECT 1 FROM {table} x WHERE x.compartment_id = c.id))"
            ),
        }
    }

    /// SQL condition: the record may be counted (full or aggregate-only membership).
    pub(crate) fn countable(&self, col: &str) -> String {
        match self.scope.reader {
            None => "1=1".into(),
            Some(u) => format!(
                "{col} IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = {u})"
            ),
        }
    }

    /// The compartment a new record goes to: the chosen one, which the writer must be
    /// a full member of, or the writer's first. Refused when there is none.
    pub(crate) async fn target_compartment(&self, tx: &mut Box<dyn Tx>) -> Result<Id> {
        let Some(u) = self.scope.reader else {
            return Ok(self.scope.write_to.unwrap_or(DEFAULT_COMPARTMENT));
        };
        let rows = match self.scope.write_to {
            Some(c) => {
                tx.query(
                    "SELECT compartment_id FROM compartment_members WHERE user_id = $1 AND compartment_id = $2 AND level = 'full'",
                    &[u.into(), c.into()],
                )
                .await?
            }
            None => {
                tx.query(
                    "SELECT compartment_id FROM compartment_members WHERE user_id = $1 AND level = 'full' ORDER BY compartment_id LIMIT 1",
                    &[u.into()],
                )
                .await?
            }
        };
        match rows.first() {
            Some(r) => Ok(r.int(0)),
            None => {
                tracing::debug!(
                    user = u,
                    "write refused: not a full member of the compartment"
                );
                Err(StoreError::Forbidden)
            }
        }
    }

    /// Every compartment, by name, with the level of `viewer` in each.
    pub async fn compartments(&self, viewer: Id) -> Result<Vec<Compartment>> {
        let rows = self
            .db
            .query(
                "SELECT c.id, c.name, c.created_at,
                        (SELECT count(*) FROM compartment_members m WHERE m.compartment_id = c.id),
                        (SELECT m.level FROM compartment_members m WHERE m.compartment_id = c.id AND m.user_id = $1)
                 FROM compartments c ORDER BY c.name",
                &[viewer.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Compartment {
                id: r.int(0),
                name: r.text(1),
                created_at: parse_time(&r.text(2)),
                members: r.int(3),
                level: r.opt_text(4).and_then(|l| l.parse().ok()),
            })
            .collect())
    }

    /// The compartments `user` belongs to, at any level.
    pub async fn memberships(&self, user: Id) -> Result<Vec<Compartment>> {
        Ok(self
            .compartments(user)
            .await?
            .into_iter()
            .filter(|c| c.level.is_some())
            .collect())
    }

    pub async fn compartment_by_name(&self, name: &str) -> Result<Compartment> {
        let wanted = name.trim().to_lowercase();
        self.compartments(0)
            .await?
            .into_iter()
            .find(|c| c.name.to_lowercase() == wanted)
            .ok_or(StoreError::NotFound)
    }

    pub async fn compartment_members(&self, compartment: Id) -> Result<Vec<Member>> {
        let rows = self
            .db
            .query(
                "SELECT m.user_id, u.username, m.level FROM compartment_members m JOIN users u ON u.id = m.user_id
                 WHERE m.compartment_id = $1 ORDER BY u.username",
                &[compartment.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Member {
                user_id: r.int(0),
                username: r.text(1),
                level: r.text(2).parse().unwrap_or(Level::AggregateOnly),
            })
            .collect())
    }

    /// A new, empty compartment. Names are unique (case-insensitively), 1–100 characters.
    pub async fn create_compartment(&self, name: &str, audit: Option<AuditEntry>) -> Result<Id> {
        let name = name.trim();
        let mut e = vigil_domain::validate::FieldErrors::default();
        if name.is_empty() {
            e.add("name", "err-required", None);
        } else if name.chars().count() > 100 {
            e.add("name", "err-too-long", Some("100".into()));
        } else if self.compartment_by_name(name).await.is_ok() {
            e.add("name", "err-compartment-taken", None);
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO compartments (name, created_at) VALUES ($1, $2) RETURNING id",
                &[name.into(), self.now_text().into()],
            )
            .await
            .map_err(|err| match err {
                crate::BackendError::Unique => {
                    let mut e = vigil_domain::validate::FieldErrors::default();
                    e.add("name", "err-compartment-taken", None);
                    StoreError::Invalid(e)
                }
                other => other.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        if let Some(a) = audit {
            self.audit_opt_in(&mut tx, Some(a.with("name", name)), id)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Put `user` in `compartment` at `level`, change their level, or (`None`) take
    /// them out. The audit entry is written in the same transaction.
    pub async fn set_membership(
        &self,
        compartment: Id,
        user: Id,
        level: Option<Level>,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if tx
            .query(
                "SELECT 1 FROM compartments WHERE id = $1",
                &[compartment.into()],
            )
            .await?
            .is_empty()
            || tx
                .query("SELECT 1 FROM users WHERE id = $1", &[user.into()])
                .await?
                .is_empty()
        {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            "DELETE FROM compartment_members WHERE compartment_id = $1 AND user_id = $2",
            &[compartment.into(), user.into()],
        )
        .await?;
        if let Some(level) = level {
            tx.execute(
                "INSERT INTO compartment_members (compartment_id, user_id, level, added_at) VALUES ($1, $2, $3, $4)",
                &[compartment.into(), user.into(), level.code().into(), self.now_text().into()],
            )
            .await?;
        }
        if let Some(a) = audit {
            self.audit_opt_in(&mut tx, Some(a), compartment).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A new account joins the default compartment, so that a single-team installation
    /// needs no set-up. Runs in the account's creation transaction.
    pub(crate) async fn join_default_in(&self, tx: &mut Box<dyn Tx>, user: Id) -> Result<()> {
        tx.execute(
            "INSERT INTO compartment_members (compartment_id, user_id, level, added_at)
             SELECT id, $1, 'full', $2 FROM compartments WHERE id = $3",
            &[
                user.into(),
                self.now_text().into(),
                DEFAULT_COMPARTMENT.into(),
            ],
        )
        .await?;
        Ok(())
    }
}
