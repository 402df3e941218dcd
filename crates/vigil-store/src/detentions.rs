//! Detentions, hearings, calendar feed tokens and reminder digests (issue 6 points 4
//! and 5).
//!
//! A detention hangs from a case and is read only where its case may be read (the
//! case's compartment condition is in every query). Place, charges, a hearing's court
//! and note, and users' e-mail addresses are sealed on PostgreSQL. Feed tokens are
//! stored as SHA-256 hashes, shown once, and die with lock-down, with their user's
//! disabling, or one by one. A digest is recorded per user and day so that a second
//! run the same day sends nothing unless forced.
//!
//! The authorising methods on [`Access`] are at the end: detentions need
//! [`Permission::ManageCases`]; every user manages their own feed tokens; only
//! administrators set someone else's e-mail address.

use chrono::{NaiveDate, NaiveTime};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use vigil_domain::detention::*;
use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::auth::User;
use crate::backend::{Dialect, Row, Tx};
use crate::{parse_time, Result, Store, StoreError};

const PLACE: &str = "case_detentions.place";
const CHARGES: &str = "case_detentions.charges";
const COURT: &str = "case_hearings.court";
const NOTE: &str = "case_hearings.note";
const EMAIL: &str = "users.email";

const DET_COLS: &str =
    "d.id, d.case_id, d.person_id, p.code, d.place, d.since, d.charges, d.released_on,
    d.version, d.created_at, d.updated_at, c.title";
const DET_FROM: &str =
    "case_detentions d JOIN cases c ON c.id = d.case_id JOIN persons p ON p.id = d.person_id";

/// A calendar feed token as its owner sees it (never the secret, which is shown once).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedToken {
    pub id: Id,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked: bool,
}

/// Hearings from this many days ago stay in the feed (calendars keep recent ones).
pub const FEED_PAST_DAYS: i64 = 30;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

fn invalid(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(crate::BackendError::Db(what.to_owned()))
}

fn snapshot(d: &ValidDetention, case: Id, person: Id) -> serde_json::Value {
    json!({
        "case_id": case,
        "person_id": person,
        "place": d.place,
        "since": date_text(d.since),
        "charges": d.charges,
        "released_on": d.released_on.map(date_text),
    })
}

impl Store {
    fn detention_today(&self) -> NaiveDate {
        self.clock().now().date_naive()
    }

    fn detention_lock(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR NO KEY UPDATE",
            Dialect::Sqlite => "",
        }
    }

    fn detention_from(&self, r: &Row, today: NaiveDate) -> Result<(Detention, String)> {
        let mut d = Detention {
            id: r.int(0),
            case_id: r.int(1),
            person_id: r.int(2),
            person_code: r.text(3),
            place: self.unseal(PLACE, r.text(4))?,
            since: parse_date(&r.text(5)).ok_or_else(|| corrupt("case_detentions.since"))?,
            charges: self.unseal(CHARGES, r.text(6))?,
            released_on: r.opt_text(7).as_deref().and_then(parse_date),
            days: 0,
            hearings: Vec::new(),
            version: r.int(8),
            created_at: parse_time(&r.text(9)),
            updated_at: parse_time(&r.text(10)),
        };
        d.count_days(today);
        Ok((d, r.text(11)))
    }

    /// Detentions matching `cond` (over `d`, `c`, `p`) in visible cases, with their
    /// hearings, in `order`; each with its case title.
    async fn detentions_where(
        &self,
        cond: &str,
        order: &str,
        args: Vec<crate::backend::Val>,
    ) -> Result<Vec<(Detention, String)>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {DET_COLS} FROM {DET_FROM} WHERE {cond} AND {} ORDER BY {order} LIMIT 1000",
                    self.visible("c.compartment_id")
                ),
                &args,
            )
            .await?;
        let today = self.detention_today();
        let mut list = rows
            .iter()
            .map(|r| self.detention_from(r, today))
            .collect::<Result<Vec<_>>>()?;
        if list.is_empty() {
            return Ok(list);
        }
        // Ids are integers from the database: safe to inline.
        let ids = list
            .iter()
            .map(|(d, _)| d.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT id, detention_id, held_on, held_at, court, note FROM case_hearings
                     WHERE detention_id IN ({ids}) ORDER BY held_on, COALESCE(held_at, ''), id"
                ),
                &[],
            )
            .await?;
        for r in &rows {
            let h = self.hearing_from(r)?;
            if let Some((d, _)) = list.iter_mut().find(|(d, _)| d.id == h.detention_id) {
                d.hearings.push(h);
            }
        }
        Ok(list)
    }

    fn hearing_from(&self, r: &Row) -> Result<Hearing> {
        Ok(Hearing {
            id: r.int(0),
            detention_id: r.int(1),
            held_on: parse_date(&r.text(2)).ok_or_else(|| corrupt("case_hearings.held_on"))?,
            held_at: r
                .opt_text(3)
                .and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok()),
            court: self.unseal(COURT, r.text(4))?,
            note: self.unseal(NOTE, r.text(5))?,
        })
    }

    /// A case's detentions, most recent first.
    pub async fn case_detentions(&self, case: Id) -> Result<Vec<Detention>> {
        Ok(self
            .detentions_where(
                "d.case_id = $1",
                "d.since DESC, d.id DESC",
                vec![case.into()],
            )
            .await?
            .into_iter()
            .map(|(d, _)| d)
            .collect())
    }

    /// One detention with its hearings and its case's title.
    pub async fn detention(&self, id: Id) -> Result<(Detention, String)> {
        self.detentions_where("d.id = $1", "d.id", vec![id.into()])
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    /// Everyone held now (no release date), longest held first.
    pub async fn detained_now(&self) -> Result<Vec<(Detention, String)>> {
        self.detentions_where("d.released_on IS NULL", "d.since, d.id", vec![])
            .await
    }

    /// Record a detention of the case's person (a group's case has none).
    pub async fn add_detention(
        &self,
        user: Id,
        case: Id,
        d: &ValidDetention,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT c.subject_person_id FROM cases c WHERE c.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.detention_lock()
                ),
                &[case.into()],
            )
            .await?;
        let person = rows.first().ok_or(StoreError::NotFound)?.opt_int(0);
        let Some(person) = person else {
            return Err(invalid("place", "err-detention-group", None));
        };
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO case_detentions (case_id, person_id, place, since, charges, released_on, version,
                   created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8) RETURNING id",
                &[
                    case.into(),
                    person.into(),
                    self.seal(PLACE, &d.place).into(),
                    date_text(d.since).into(),
                    self.seal(CHARGES, &d.charges).into(),
                    d.released_on.map(date_text).into(),
                    user.into(),
                    now.into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.record_version(
            &mut tx,
            "detention",
            id,
            1,
            Some(user),
            &snapshot(d, case, person),
        )
        .await?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("released", d.released_on.is_some())
                .with("version", 1)
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edit a detention (or record the release), from version `expected`.
    pub async fn update_detention(
        &self,
        user: Id,
        id: Id,
        expected: i64,
        d: &ValidDetention,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT d.version, d.case_id, d.person_id FROM case_detentions d JOIN cases c ON c.id = d.case_id
                     WHERE d.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.detention_lock()
                ),
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let (version, case, person) = (r.int(0), r.int(1), r.int(2));
        if version != expected {
            return Err(StoreError::Conflict(version));
        }
        // A hearing before the detention began would be a mistake in one of them.
        let first = tx
            .query(
                "SELECT MIN(held_on) FROM case_hearings WHERE detention_id = $1",
                &[id.into()],
            )
            .await?;
        if let Some(h) = first.first().and_then(|r| r.opt_text(0)) {
            if parse_date(&h).is_some_and(|h| h < d.since) {
                return Err(invalid("since", "err-since-after-hearing", Some(h)));
            }
        }
        tx.execute(
            "UPDATE case_detentions SET place = $1, since = $2, charges = $3, released_on = $4, version = $5,
               updated_at = $6 WHERE id = $7",
            &[
                self.seal(PLACE, &d.place).into(),
                date_text(d.since).into(),
                self.seal(CHARGES, &d.charges).into(),
                d.released_on.map(date_text).into(),
                (version + 1).into(),
                self.now_text().into(),
                id.into(),
            ],
        )
        .await?;
        self.record_version(
            &mut tx,
            "detention",
            id,
            version + 1,
            Some(user),
            &snapshot(d, case, person),
        )
        .await?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("released", d.released_on.is_some())
                .with("version", version + 1)
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add a hearing to a detention the reader may see.
    pub async fn add_hearing(
        &self,
        user: Id,
        detention: Id,
        h: &ValidHearing,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT d.since, d.case_id FROM case_detentions d JOIN cases c ON c.id = d.case_id
                     WHERE d.id = $1 AND {}{}",
                    self.visible("c.compartment_id"),
                    self.detention_lock()
                ),
                &[detention.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let case = r.int(1);
        if parse_date(&r.text(0)).is_some_and(|since| h.held_on < since) {
            return Err(invalid("held_on", "err-hearing-before", Some(r.text(0))));
        }
        let rows = tx
            .query(
                "INSERT INTO case_hearings (detention_id, held_on, held_at, court, note, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    detention.into(),
                    date_text(h.held_on).into(),
                    h.held_at.map(|t| t.format("%H:%M").to_string()).into(),
                    self.seal(COURT, &h.court).into(),
                    self.seal(NOTE, &h.note).into(),
                    user.into(),
                    self.now_text().into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("detention_id", detention)
                .with("held_on", date_text(h.held_on))
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Remove a hearing (entered by mistake, or cancelled); returns its detention.
    pub async fn remove_hearing(&self, id: Id, audit: Option<AuditEntry>) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT h.detention_id, d.case_id, h.held_on FROM case_hearings h
                     JOIN case_detentions d ON d.id = h.detention_id JOIN cases c ON c.id = d.case_id
                     WHERE h.id = $1 AND {}",
                    self.visible("c.compartment_id")
                ),
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let (detention, case, held_on) = (r.int(0), r.int(1), r.text(2));
        tx.execute("DELETE FROM case_hearings WHERE id = $1", &[id.into()])
            .await?;
        let audit = audit.map(|e| {
            e.with("case_id", case)
                .with("detention_id", detention)
                .with("held_on", held_on)
                .with("removed", true)
        });
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(detention)
    }

    /// Hearings on or after `from` in cases the reader may see, as calendar events
    /// (no legal name, place, charges or note: see `vigil_domain::detention`).
    pub async fn feed_events(&self, from: NaiveDate) -> Result<Vec<FeedEvent>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT h.id, d.case_id, p.code, h.held_on, h.held_at, h.court, h.created_at
                     FROM case_hearings h JOIN case_detentions d ON d.id = h.detention_id
                     JOIN cases c ON c.id = d.case_id JOIN persons p ON p.id = d.person_id
                     WHERE h.held_on >= $1 AND {} ORDER BY h.held_on, COALESCE(h.held_at, ''), h.id LIMIT 2000",
                    self.visible("c.compartment_id")
                ),
                &[date_text(from).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FeedEvent {
                    hearing_id: r.int(0),
                    case_id: r.int(1),
                    person_code: r.text(2),
                    held_on: parse_date(&r.text(3))
                        .ok_or_else(|| corrupt("case_hearings.held_on"))?,
                    held_at: r
                        .opt_text(4)
                        .and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok()),
                    court: self.unseal(COURT, r.text(5))?,
                    recorded: parse_time(&r.text(6)).naive_utc(),
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ feed tokens

    /// A new calendar feed token for `user`: the secret is returned once, stored hashed.
    pub async fn create_feed_token(
        &self,
        user: Id,
        audit: Option<AuditEntry>,
    ) -> Result<(FeedToken, String)> {
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        let secret = format!("vgf_{}", hex::encode(b));
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO feed_tokens (user_id, token_hash, created_at, revoked) VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    user.into(),
                    token_hash(&secret).into(),
                    self.now_text().into(),
                    false.into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        let t = self
            .feed_tokens(user)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((t, secret))
    }

    pub async fn feed_tokens(&self, user: Id) -> Result<Vec<FeedToken>> {
        let rows = self
            .db
            .query(
                "SELECT id, created_at, last_used, revoked FROM feed_tokens WHERE user_id = $1 ORDER BY id",
                &[user.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| FeedToken {
                id: r.int(0),
                created_at: parse_time(&r.text(1)),
                last_used: r.opt_text(2).map(|t| parse_time(&t)),
                revoked: r.bool(3),
            })
            .collect())
    }

    pub async fn revoke_feed_token(
        &self,
        user: Id,
        id: Id,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE feed_tokens SET revoked = $1 WHERE id = $2 AND user_id = $3 AND revoked = $4",
                &[true.into(), id.into(), user.into(), false.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a live feed token (not revoked, user enabled), noting its use.
    pub async fn feed_user(&self, secret: &str) -> Result<Option<User>> {
        let h = token_hash(secret);
        let rows = self
            .db
            .query(
                "SELECT id, user_id, token_hash FROM feed_tokens WHERE token_hash = $1 AND revoked = $2",
                &[h.clone().into(), false.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        if !bool::from(r.text(2).as_bytes().ct_eq(h.as_bytes())) {
            return Ok(None);
        }
        let user = match self.user(r.int(1)).await {
            Ok(u) if !u.disabled => u,
            Ok(_) | Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE feed_tokens SET last_used = $1 WHERE id = $2",
            &[self.now_text().into(), r.int(0).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// Lock-down and disabling: revoke every live feed token (of `user`, or of all).
    pub(crate) async fn revoke_feed_tokens_in(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
    ) -> Result<u64> {
        Ok(match user {
            Some(u) => {
                tx.execute(
                    "UPDATE feed_tokens SET revoked = $1 WHERE user_id = $2 AND revoked = $3",
                    &[true.into(), u.into(), false.into()],
                )
                .await?
            }
            None => {
                tx.execute(
                    "UPDATE feed_tokens SET revoked = $1 WHERE revoked = $2",
                    &[true.into(), false.into()],
                )
                .await?
            }
        })
    }

    // ------------------------------------------------------------ e-mail, digests

    /// Set (or clear, with "") a user's e-mail address, after checking it.
    pub async fn set_user_email(
        &self,
        user: Id,
        email: &str,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let email = vigil_domain::reminder::validate_email(email)?;
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE users SET email = $1 WHERE id = $2",
                &[self.seal(EMAIL, &email).into(), user.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // The address itself stays out of the log (it is a contact detail).
        let audit = audit.map(|e| e.with("email", !email.is_empty()));
        self.audit_opt_in(&mut tx, audit, user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every user's e-mail address ("" when none): (id, address).
    pub async fn user_emails(&self) -> Result<Vec<(Id, String)>> {
        let rows = self
            .db
            .query("SELECT id, email FROM users ORDER BY id", &[])
            .await?;
        rows.iter()
            .map(|r| Ok((r.int(0), self.unseal(EMAIL, r.text(1))?)))
            .collect()
    }

    pub async fn user_email(&self, user: Id) -> Result<String> {
        let rows = self
            .db
            .query("SELECT email FROM users WHERE id = $1", &[user.into()])
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        self.unseal(EMAIL, r.text(0))
    }

    /// When `user`'s digest for `day` went out, if it did.
    pub async fn digest_sent(&self, user: Id, day: NaiveDate) -> Result<Option<String>> {
        let rows = self
            .db
            .query(
                "SELECT sent_at FROM reminder_digests WHERE user_id = $1 AND day = $2",
                &[user.into(), date_text(day).into()],
            )
            .await?;
        Ok(rows.first().map(|r| r.text(0)))
    }

    /// Record that `user`'s digest for `day` went out (again, when forced), with its
    /// audit entry, in one transaction.
    pub async fn record_digest(
        &self,
        user: Id,
        day: NaiveDate,
        actions: &[Id],
        audit: AuditEntry,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let now = self.now_text();
        let n = tx
            .execute(
                "UPDATE reminder_digests SET sent_at = $1, actions = $2 WHERE user_id = $3 AND day = $4",
                &[
                    now.clone().into(),
                    (actions.len() as i64).into(),
                    user.into(),
                    date_text(day).into(),
                ],
            )
            .await?;
        if n == 0 {
            tx.execute(
                "INSERT INTO reminder_digests (user_id, day, sent_at, actions) VALUES ($1, $2, $3, $4)",
                &[
                    user.into(),
                    date_text(day).into(),
                    now.into(),
                    (actions.len() as i64).into(),
                ],
            )
            .await?;
        }
        let e = audit
            .id(user)
            .with("day", date_text(day))
            .with("actions", actions.to_vec());
        self.audit_in(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- authorising layer

impl Access {
    fn require_protection(&self) -> Result<()> {
        if self.can(Permission::ManageCases) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, "permission denied: detentions");
            Err(StoreError::Forbidden)
        }
    }

    fn protection_entry(&self, action: Action, entity: &str) -> AuditEntry {
        AuditEntry::new(action, entity).by(self.actor())
    }

    fn protection_today(&self) -> NaiveDate {
        self.store().clock().now().date_naive()
    }

    /// A case's detentions (for the case page; the case read itself is audited).
    pub async fn case_detentions(&self, case: Id) -> Result<Vec<Detention>> {
        self.require_protection()?;
        self.store().case_detentions(case).await
    }

    /// One detention with its hearings and its case's title. Audited (place, charges).
    pub async fn detention(&self, id: Id) -> Result<(Detention, String)> {
        self.require_protection()?;
        let d = self.store().detention(id).await?;
        self.store()
            .audit(&self.protection_entry(Action::Read, "case_detention").id(id))
            .await?;
        Ok(d)
    }

    /// Everyone currently detained, longest first, with the next hearing. Audited.
    pub async fn detained(&self) -> Result<Vec<Detained>> {
        self.require_protection()?;
        let today = self.protection_today();
        let list = self.store().detained_now().await?;
        if !list.is_empty() {
            let ids: Vec<Id> = list.iter().map(|(d, _)| d.id).collect();
            self.store()
                .audit(
                    &self
                        .protection_entry(Action::List, "case_detention")
                        .with("ids", ids),
                )
                .await?;
        }
        Ok(list
            .into_iter()
            .map(|(detention, case_title)| Detained {
                next_hearing: detention
                    .hearings
                    .iter()
                    .find(|h| h.held_on >= today)
                    .cloned(),
                detention,
                case_title,
            })
            .collect())
    }

    pub async fn add_detention(&self, case: Id, input: &DetentionInput) -> Result<Id> {
        self.require_protection()?;
        self.store().case(case).await?;
        let valid = input.validate(self.protection_today())?;
        let audit = self.protection_entry(Action::Create, "case_detention");
        self.store()
            .add_detention(self.actor().user_id, case, &valid, Some(audit))
            .await
    }

    pub async fn update_detention(
        &self,
        id: Id,
        expected: i64,
        input: &DetentionInput,
    ) -> Result<()> {
        self.require_protection()?;
        self.store().detention(id).await?;
        let valid = input.validate(self.protection_today())?;
        let audit = self.protection_entry(Action::Update, "case_detention");
        self.store()
            .update_detention(self.actor().user_id, id, expected, &valid, Some(audit))
            .await
    }

    pub async fn add_hearing(&self, detention: Id, input: &HearingInput) -> Result<Id> {
        self.require_protection()?;
        self.store().detention(detention).await?;
        let valid = input.validate()?;
        let audit = self.protection_entry(Action::Create, "case_hearing");
        self.store()
            .add_hearing(self.actor().user_id, detention, &valid, Some(audit))
            .await
    }

    /// Remove a hearing; returns its detention's id.
    pub async fn remove_hearing(&self, id: Id) -> Result<Id> {
        self.require_protection()?;
        let audit = self.protection_entry(Action::Update, "case_hearing");
        self.store().remove_hearing(id, Some(audit)).await
    }

    /// The hearings calendar of this actor: hearings from [`FEED_PAST_DAYS`] ago on,
    /// in the cases they may see. Each fetch is audited (`read`, `hearing_feed`).
    pub async fn hearing_feed(&self) -> Result<Vec<FeedEvent>> {
        self.require_protection()?;
        let from = self.protection_today() - chrono::Duration::days(FEED_PAST_DAYS);
        let events = self.store().feed_events(from).await?;
        self.store()
            .audit(
                &self
                    .protection_entry(Action::Read, "hearing_feed")
                    .with("events", events.len()),
            )
            .await?;
        Ok(events)
    }

    // ------------------------------------------------------------ own feed tokens

    pub async fn own_feed_tokens(&self) -> Result<Vec<FeedToken>> {
        self.require_protection()?;
        self.store().feed_tokens(self.actor().user_id).await
    }

    /// A new feed token for this actor; the secret is returned once.
    pub async fn create_own_feed_token(&self) -> Result<(FeedToken, String)> {
        self.require_protection()?;
        let audit = self.protection_entry(Action::TokenCreate, "feed_token");
        self.store()
            .create_feed_token(self.actor().user_id, Some(audit))
            .await
    }

    pub async fn revoke_own_feed_token(&self, id: Id) -> Result<()> {
        let audit = self.protection_entry(Action::TokenRevoke, "feed_token");
        self.store()
            .revoke_feed_token(self.actor().user_id, id, Some(audit))
            .await
    }

    // ------------------------------------------------------------ e-mail addresses

    /// Set a user's e-mail address (administrators only).
    pub async fn set_user_email(&self, user: Id, email: &str) -> Result<()> {
        if !self.can(Permission::Administer) {
            return Err(StoreError::Forbidden);
        }
        let audit = self.protection_entry(Action::Update, "user");
        self.store().set_user_email(user, email, Some(audit)).await
    }

    /// Every user's address, for the administrators' page: (id, address).
    pub async fn user_emails(&self) -> Result<Vec<(Id, String)>> {
        if !self.can(Permission::Administer) {
            return Err(StoreError::Forbidden);
        }
        self.store().user_emails().await
    }

    /// The actions assigned to this actor (in cases they may see) that go into
    /// today's digest, with each case's subject code. Not audited here: sending the
    /// digest is (see `record_digest`).
    pub async fn digest_actions(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<vigil_domain::reminder::DigestItem>> {
        self.require_protection()?;
        let actions = self.store().actions_assigned(self.actor().user_id).await?;
        let mut codes = std::collections::HashMap::new();
        for a in &actions {
            if let std::collections::hash_map::Entry::Vacant(v) = codes.entry(a.case_id) {
                v.insert(self.store().case(a.case_id).await?.subject_label);
            }
        }
        Ok(vigil_domain::reminder::digest_items(&actions, today, |c| {
            codes.get(&c).cloned().unwrap_or_default()
        }))
    }
}
