//! Resolutions and state commitments (issue 7): resolutions with their topics,
//! sponsors, roll calls and votes, operative paragraphs; imports of roll-call votes
//! (the UN General Assembly voting data set's layout), of resolution lists and of
//! sponsor lists, each in one transaction; state scorecards and sponsor comparisons.
//!
//! Resolutions are public record: not compartmented, nothing sealed. Reading needs
//! [`Permission::Read`], every change [`Permission::EditResolutions`] and writes an
//! audit entry. Incident counts beside a state's record never come from here: they go
//! through [`Access::statistics`], which carries the reader's compartment condition.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde_json::json;
use vigil_domain::country::Countries;
use vigil_domain::model::Id;
use vigil_domain::resolution::*;
use vigil_domain::stats::{Dimension, Measure, StatsQuery};
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::ResolutionVerb;
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::backend::{BackendError, Row, Tx, Val};
use crate::{Result, Store, StoreError};

const RES_COLS: &str = "r.id, r.symbol, r.title, r.body, r.session, r.adopted_on, r.adoption";

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn invalid(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(BackendError::Db(format!("unreadable {what}")))
}

fn resolution_from(r: &Row) -> Result<Resolution> {
    Ok(Resolution {
        id: r.int(0),
        symbol: r.text(1),
        title: r.text(2),
        body: r.text(3).parse().map_err(|_| corrupt("resolutions.body"))?,
        session: r.opt_int(4),
        adopted_on: parse_date(r.opt_text(5)),
        adoption: r
            .text(6)
            .parse()
            .map_err(|_| corrupt("resolutions.adoption"))?,
        topics: Vec::new(),
    })
}

/// Which resolutions a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionFilter {
    /// A topic tag; empty: all.
    pub topic: String,
    /// Adopted in this year.
    pub year: Option<i32>,
}

/// A row of a resolution list (CSV) with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionRow {
    pub line: u64,
    pub resolution: ValidResolution,
    /// Replace the stored sponsor lists (the row names sponsors).
    pub replace_sponsors: bool,
}

/// A row of a sponsor list (CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsorRow {
    pub line: u64,
    pub symbol: String,
    pub state: String,
    pub role: SponsorRole,
}

impl Store {
    async fn topics_of(&self, ids: &[Id]) -> Result<HashMap<Id, Vec<String>>> {
        let mut out: HashMap<Id, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let rows = self
                .db
                .query(
                    &format!("SELECT resolution_id, topic FROM resolution_topics WHERE resolution_id IN ({list}) ORDER BY topic"),
                    &[],
                )
                .await?;
            for r in rows {
                out.entry(r.int(0)).or_default().push(r.text(1));
            }
        }
        Ok(out)
    }

    async fn with_topics(&self, mut list: Vec<Resolution>) -> Result<Vec<Resolution>> {
        let ids: Vec<Id> = list.iter().map(|r| r.id).collect();
        let mut topics = self.topics_of(&ids).await?;
        for r in &mut list {
            r.topics = topics.remove(&r.id).unwrap_or_default();
        }
        Ok(list)
    }

    pub async fn resolution(&self, id: Id) -> Result<Resolution> {
        let rows = self
            .db
            .query(
                &format!("SELECT {RES_COLS} FROM resolutions r WHERE r.id = $1"),
                &[id.into()],
            )
            .await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        let list = self.with_topics(vec![resolution_from(r)?]).await?;
        list.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// The id of the resolution with this symbol (any spelling).
    pub async fn resolution_id(&self, symbol: &str) -> Result<Option<Id>> {
        let Some(s) = normalise_symbol(symbol) else {
            return Ok(None);
        };
        let rows = self
            .db
            .query("SELECT id FROM resolutions WHERE symbol = $1", &[s.into()])
            .await?;
        Ok(rows.first().map(|r| r.int(0)))
    }

    pub async fn resolutions(&self, f: &ResolutionFilter) -> Result<Vec<ResolutionSummary>> {
        let mut args: Vec<Val> = Vec::new();
        let mut wh = vec!["1=1".to_owned()];
        if !f.topic.trim().is_empty() {
            args.push(f.topic.trim().to_owned().into());
            wh.push(format!(
                "EXISTS (SELECT 1 FROM resolution_topics t WHERE t.resolution_id = r.id AND t.topic = ${})",
                args.len()
            ));
        }
        if let Some(y) = f.year {
            if (0..=9998).contains(&y) {
                args.push(format!("{y:04}-01-01").into());
                args.push(format!("{:04}-01-01", y + 1).into());
                wh.push(format!(
                    "r.adopted_on >= ${} AND r.adopted_on < ${}",
                    args.len() - 1,
                    args.len()
                ));
            } else {
                // No adoption date lies outside years 0–9998 (and `y + 1` must not
                // overflow): such a year matches nothing.
                wh.push("1=0".to_owned());
            }
        }
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {RES_COLS}, (SELECT COUNT(*) FROM resolution_sponsors s WHERE s.resolution_id = r.id)
                     FROM resolutions r WHERE {} ORDER BY r.adopted_on DESC, r.id DESC",
                    wh.join(" AND ")
                ),
                &args,
            )
            .await?;
        let mut list = Vec::with_capacity(rows.len());
        let mut sponsors = Vec::with_capacity(rows.len());
        for r in &rows {
            list.push(resolution_from(r)?);
            sponsors.push(r.int(7));
        }
        let list = self.with_topics(list).await?;
        let tallies = self.main_tallies().await?;
        Ok(list
            .into_iter()
            .zip(sponsors)
            .map(|(r, sponsors)| ResolutionSummary {
                tally: tallies.get(&r.id).copied(),
                resolution: r,
                sponsors,
            })
            .collect())
    }

    /// The tally of each resolution's vote on the whole text (the latest roll call).
    async fn main_tallies(&self) -> Result<HashMap<Id, Tally>> {
        let rows = self
            .db
            .query(
                "SELECT rc.resolution_id, v.vote, COUNT(*) FROM roll_calls rc JOIN roll_call_votes v ON v.roll_call_id = rc.id
                 WHERE rc.kind = 'resolution' AND rc.id = (SELECT x.id FROM roll_calls x WHERE x.resolution_id = rc.resolution_id
                   AND x.kind = 'resolution' ORDER BY x.voted_on DESC, x.id DESC LIMIT 1)
                 GROUP BY rc.resolution_id, v.vote",
                &[],
            )
            .await?;
        let mut out: HashMap<Id, Tally> = HashMap::new();
        for r in rows {
            let t = out.entry(r.int(0)).or_default();
            let n = r.int(2);
            match r.text(1).parse::<VoteChoice>() {
                Ok(VoteChoice::Yes) => t.yes = n,
                Ok(VoteChoice::No) => t.no = n,
                Ok(VoteChoice::Abstain) => t.abstain = n,
                Ok(VoteChoice::Absent) => t.absent = n,
                Err(_) => return Err(corrupt("roll_call_votes.vote")),
            }
        }
        Ok(out)
    }

    pub async fn resolution_file(&self, id: Id) -> Result<ResolutionFile> {
        let resolution = self.resolution(id).await?;
        let sponsors = self
            .db
            .query(
                "SELECT state, role FROM resolution_sponsors WHERE resolution_id = $1 ORDER BY role DESC, state",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Sponsor {
                    state: r.text(0),
                    role: r.text(1).parse().map_err(|_| corrupt("sponsor role"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let calls = self
            .db
            .query(
                "SELECT id, rcid, kind, voted_on, important, short, description FROM roll_calls
                 WHERE resolution_id = $1 ORDER BY CASE kind WHEN 'resolution' THEN 0 ELSE 1 END, voted_on, rcid, id",
                &[id.into()],
            )
            .await?;
        let votes = self
            .db
            .query(
                "SELECT v.roll_call_id, v.state, v.vote FROM roll_call_votes v JOIN roll_calls rc ON rc.id = v.roll_call_id
                 WHERE rc.resolution_id = $1 ORDER BY v.state",
                &[id.into()],
            )
            .await?;
        let mut by_call: HashMap<Id, Vec<StateVote>> = HashMap::new();
        for v in votes {
            by_call.entry(v.int(0)).or_default().push(StateVote {
                state: v.text(1),
                vote: v.text(2).parse().map_err(|_| corrupt("vote"))?,
            });
        }
        let mut roll_calls = Vec::with_capacity(calls.len());
        for c in calls {
            let votes = by_call.remove(&c.int(0)).unwrap_or_default();
            roll_calls.push(RollCall {
                id: c.int(0),
                rcid: c.opt_int(1),
                kind: c.text(2).parse().map_err(|_| corrupt("roll call kind"))?,
                voted_on: parse_date(c.opt_text(3)),
                important: c.bool(4),
                short: c.text(5),
                description: c.text(6),
                tally: Tally::of(&votes),
                votes,
            });
        }
        let paragraphs = self
            .db
            .query(
                "SELECT id, number, text, violation_types FROM resolution_paragraphs WHERE resolution_id = $1 ORDER BY id",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| Paragraph {
                id: r.int(0),
                number: r.text(1),
                text: r.text(2),
                violation_types: r
                    .text(3)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
            .collect();
        let same_topic = if resolution.topics.is_empty() {
            vec![resolution.clone()]
        } else {
            let list = resolution
                .topics
                .iter()
                .map(|t| format!("'{}'", t.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = self
                .db
                .query(
                    &format!(
                        "SELECT {RES_COLS} FROM resolutions r WHERE EXISTS (SELECT 1 FROM resolution_topics t
                         WHERE t.resolution_id = r.id AND t.topic IN ({list})) ORDER BY r.adopted_on, r.id"
                    ),
                    &[],
                )
                .await?;
            let list = rows
                .iter()
                .map(resolution_from)
                .collect::<Result<Vec<_>>>()?;
            self.with_topics(list).await?
        };
        Ok(ResolutionFile {
            resolution,
            sponsors,
            roll_calls,
            paragraphs,
            same_topic,
        })
    }

    /// Every topic tag in use, with how many resolutions carry it.
    pub async fn resolution_topics(&self) -> Result<Vec<(String, i64)>> {
        Ok(self
            .db
            .query(
                "SELECT topic, COUNT(*) FROM resolution_topics GROUP BY topic ORDER BY topic",
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.text(0), r.int(1)))
            .collect())
    }

    async fn write_topics_and_sponsors(
        &self,
        tx: &mut Box<dyn Tx>,
        id: Id,
        v: &ValidResolution,
        sponsors: bool,
    ) -> Result<()> {
        tx.execute(
            "DELETE FROM resolution_topics WHERE resolution_id = $1",
            &[id.into()],
        )
        .await?;
        for t in &v.topics {
            tx.execute(
                "INSERT INTO resolution_topics (resolution_id, topic) VALUES ($1, $2)",
                &[id.into(), t.clone().into()],
            )
            .await?;
        }
        if sponsors {
            self.replace_sponsors(tx, id, &v.sponsors).await?;
        }
        Ok(())
    }

    async fn replace_sponsors(
        &self,
        tx: &mut Box<dyn Tx>,
        id: Id,
        sponsors: &[(String, SponsorRole)],
    ) -> Result<()> {
        tx.execute(
            "DELETE FROM resolution_sponsors WHERE resolution_id = $1",
            &[id.into()],
        )
        .await?;
        for (state, role) in sponsors {
            tx.execute(
                "INSERT INTO resolution_sponsors (resolution_id, state, role) VALUES ($1, $2, $3)",
                &[id.into(), state.clone().into(), role.code().into()],
            )
            .await?;
        }
        Ok(())
    }

    /// The stored form of a resolution, to tell an unchanged row from a changed one.
    async fn stored_valid(&self, tx: &mut Box<dyn Tx>, id: Id) -> Result<ValidResolution> {
        let rows = tx
            .query(
                &format!("SELECT {RES_COLS} FROM resolutions r WHERE r.id = $1"),
                &[id.into()],
            )
            .await?;
        let r = resolution_from(rows.first().ok_or(StoreError::NotFound)?)?;
        let topics = tx
            .query(
                "SELECT topic FROM resolution_topics WHERE resolution_id = $1 ORDER BY topic",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| r.text(0))
            .collect();
        let sponsors = tx
            .query(
                "SELECT state, role FROM resolution_sponsors WHERE resolution_id = $1 ORDER BY role DESC, state",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| {
                let role = if r.text(1) == "main" {
                    SponsorRole::Main
                } else {
                    SponsorRole::Co
                };
                (r.text(0), role)
            })
            .collect();
        Ok(ValidResolution {
            symbol: r.symbol,
            title: r.title,
            body: r.body,
            session: r.session,
            adopted_on: r.adopted_on,
            adoption: r.adoption,
            topics,
            sponsors,
        })
    }

    async fn insert_resolution(
        &self,
        tx: &mut Box<dyn Tx>,
        user: Option<Id>,
        v: &ValidResolution,
    ) -> Result<Id> {
        let now = self.now_text();
        let rows = tx
            .query(
                "INSERT INTO resolutions (symbol, title, body, session, adopted_on, adoption, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                &[
                    v.symbol.clone().into(),
                    v.title.clone().into(),
                    v.body.code().into(),
                    v.session.into(),
                    v.adopted_on.map(date_text).into(),
                    v.adoption.code().into(),
                    user.into(),
                    now.into(),
                ],
            )
            .await
            .map_err(|e| match e {
                BackendError::Unique => invalid(
                    "symbol",
                    "err-resolution-exists",
                    Some(v.symbol.clone()),
                ),
                e => e.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.write_topics_and_sponsors(tx, id, v, true).await?;
        Ok(id)
    }

    async fn update_resolution_in(
        &self,
        tx: &mut Box<dyn Tx>,
        id: Id,
        v: &ValidResolution,
        sponsors: bool,
    ) -> Result<()> {
        tx.execute(
            "UPDATE resolutions SET symbol = $1, title = $2, body = $3, session = $4, adopted_on = $5, adoption = $6,
               updated_at = $7 WHERE id = $8",
            &[
                v.symbol.clone().into(),
                v.title.clone().into(),
                v.body.code().into(),
                v.session.into(),
                v.adopted_on.map(date_text).into(),
                v.adoption.code().into(),
                self.now_text().into(),
                id.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            BackendError::Unique => invalid(
                "symbol",
                "err-resolution-exists",
                Some(v.symbol.clone()),
            ),
            e => e.into(),
        })?;
        self.write_topics_and_sponsors(tx, id, v, sponsors).await
    }

    pub async fn create_resolution(
        &self,
        user: Option<Id>,
        v: &ValidResolution,
        audit: AuditEntry,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let id = self.insert_resolution(&mut tx, user, v).await?;
        self.audit_in(&mut tx, &audit.id(id).with("symbol", v.symbol.clone()))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replace a resolution's fields, topics and sponsors. Unchanged: no entry.
    pub async fn update_resolution(
        &self,
        id: Id,
        v: &ValidResolution,
        audit: AuditEntry,
    ) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let before = self.stored_valid(&mut tx, id).await?;
        if before == *v {
            return Ok(false);
        }
        self.update_resolution_in(&mut tx, id, v, true).await?;
        self.audit_in(
            &mut tx,
            &audit.id(id).with("symbol", v.symbol.clone()).with(
                "changed",
                json!({
                    "fields": before.title != v.title || before.symbol != v.symbol || before.body != v.body
                        || before.session != v.session || before.adopted_on != v.adopted_on || before.adoption != v.adoption,
                    "topics": before.topics != v.topics,
                    "sponsors": before.sponsors != v.sponsors,
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn add_paragraph(
        &self,
        resolution: Id,
        p: &ValidParagraph,
        audit: AuditEntry,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let found = tx
            .query(
                "SELECT id FROM resolutions WHERE id = $1",
                &[resolution.into()],
            )
            .await?;
        if found.is_empty() {
            return Err(StoreError::NotFound);
        }
        let rows = tx
            .query(
                "INSERT INTO resolution_paragraphs (resolution_id, number, text, violation_types) VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    resolution.into(),
                    p.number.clone().into(),
                    p.text.clone().into(),
                    p.violation_types.join(",").into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.audit_in(
            &mut tx,
            &audit
                .id(id)
                .with("resolution_id", resolution)
                .with("violation_types", p.violation_types.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_paragraph(&self, resolution: Id, id: Id, audit: AuditEntry) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "DELETE FROM resolution_paragraphs WHERE id = $1 AND resolution_id = $2",
                &[id.into(), resolution.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_in(
            &mut tx,
            &audit
                .id(resolution)
                .with("paragraph_id", id)
                .with("deleted", true),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Import roll calls and their votes in one transaction: a roll call is found by
    /// its `rcid` (updated if anything differs, its votes replaced), a resolution by
    /// its symbol (created when missing, from the roll call's text). Rows must have
    /// been checked ([`RollCallRow`], [`VoteRow`]); every vote's `rcid` is among the
    /// roll calls.
    pub async fn import_roll_calls(
        &self,
        calls: &[RollCallRow],
        votes: &[VoteRow],
        audit: AuditEntry,
    ) -> Result<ResolutionImportCounts> {
        let mut by_rcid: BTreeMap<i64, Vec<(String, VoteChoice)>> = BTreeMap::new();
        for v in votes {
            by_rcid
                .entry(v.rcid)
                .or_default()
                .push((v.state.clone(), v.vote));
        }
        for list in by_rcid.values_mut() {
            list.sort();
        }
        let mut counts = ResolutionImportCounts::default();
        let mut changed: Vec<i64> = Vec::new();
        let mut tx = self.db.begin().await?;
        for c in calls {
            let found = tx
                .query(
                    "SELECT id, adoption, adopted_on FROM resolutions WHERE symbol = $1",
                    &[c.symbol.clone().into()],
                )
                .await?;
            let resolution = match found.first() {
                Some(r) => {
                    let id = r.int(0);
                    if c.kind == RollCallKind::Resolution && r.text(1) == "unknown" {
                        tx.execute(
                            "UPDATE resolutions SET adoption = 'recorded_vote', adopted_on = COALESCE(adopted_on, $1), updated_at = $2 WHERE id = $3",
                            &[date_text(c.voted_on).into(), self.now_text().into(), id.into()],
                        )
                        .await?;
                    }
                    id
                }
                None => {
                    let title = if !c.short.trim().is_empty() {
                        c.short.trim().to_owned()
                    } else if !c.description.trim().is_empty() {
                        c.description.trim().chars().take(MAX_TITLE).collect()
                    } else {
                        c.symbol.clone()
                    };
                    let whole = c.kind == RollCallKind::Resolution;
                    let v = ValidResolution {
                        symbol: c.symbol.clone(),
                        title: title.chars().take(MAX_TITLE).collect(),
                        body: Body::GaPlenary,
                        session: c.session,
                        adopted_on: whole.then_some(c.voted_on),
                        adoption: if whole {
                            Adoption::RecordedVote
                        } else {
                            Adoption::Unknown
                        },
                        topics: Vec::new(),
                        sponsors: Vec::new(),
                    };
                    counts.resolutions_created += 1;
                    self.insert_resolution(&mut tx, audit.user_id, &v).await?
                }
            };
            let new_votes = by_rcid.remove(&c.rcid).unwrap_or_default();
            let existing = tx
                .query(
                    "SELECT id, resolution_id, kind, session, voted_on, important, short, description FROM roll_calls WHERE rcid = $1",
                    &[c.rcid.into()],
                )
                .await?;
            let fields: Vec<Val> = vec![
                resolution.into(),
                c.kind.code().into(),
                c.session.into(),
                date_text(c.voted_on).into(),
                c.important.into(),
                c.short.clone().into(),
                c.description.clone().into(),
            ];
            let call_id = match existing.first() {
                None => {
                    let mut args = vec![Val::from(c.rcid)];
                    args.extend(fields);
                    let rows = tx
                        .query(
                            "INSERT INTO roll_calls (rcid, resolution_id, kind, session, voted_on, important, short, description)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                            &args,
                        )
                        .await?;
                    counts.created += 1;
                    changed.push(c.rcid);
                    rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?
                }
                Some(e) => {
                    let id = e.int(0);
                    let stored_votes: Vec<(String, VoteChoice)> = tx
                        .query(
                            "SELECT state, vote FROM roll_call_votes WHERE roll_call_id = $1 ORDER BY state",
                            &[id.into()],
                        )
                        .await?
                        .iter()
                        .filter_map(|r| Some((r.text(0), r.text(1).parse().ok()?)))
                        .collect();
                    let same = e.int(1) == resolution
                        && e.text(2) == c.kind.code()
                        && e.opt_int(3) == c.session
                        && e.opt_text(4) == Some(date_text(c.voted_on))
                        && e.bool(5) == c.important
                        && e.text(6) == c.short
                        && e.text(7) == c.description
                        && stored_votes == new_votes;
                    if same {
                        counts.unchanged += 1;
                        continue;
                    }
                    let mut args = fields;
                    args.push(id.into());
                    tx.execute(
                        "UPDATE roll_calls SET resolution_id = $1, kind = $2, session = $3, voted_on = $4, important = $5,
                           short = $6, description = $7 WHERE id = $8",
                        &args,
                    )
                    .await?;
                    tx.execute(
                        "DELETE FROM roll_call_votes WHERE roll_call_id = $1",
                        &[id.into()],
                    )
                    .await?;
                    counts.updated += 1;
                    changed.push(c.rcid);
                    id
                }
            };
            for chunk in new_votes.chunks(100) {
                let mut args = Vec::with_capacity(chunk.len() * 3);
                let mut values = Vec::with_capacity(chunk.len());
                for (state, vote) in chunk {
                    let n = args.len();
                    values.push(format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
                    args.push(Val::from(call_id));
                    args.push(state.clone().into());
                    args.push(vote.code().into());
                }
                tx.execute(
                    &format!(
                        "INSERT INTO roll_call_votes (roll_call_id, state, vote) VALUES {}",
                        values.join(", ")
                    ),
                    &args,
                )
                .await?;
            }
        }
        self.audit_in(
            &mut tx,
            &audit
                .with("roll_calls", calls.len())
                .with("votes", votes.len())
                .with("resolutions_created", counts.resolutions_created)
                .with("created", counts.created)
                .with("updated", counts.updated)
                .with("unchanged", counts.unchanged)
                .with("rcids_changed", changed),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Import a resolution list in one transaction: created by symbol, or updated
    /// (sponsor lists replaced only by rows that name sponsors).
    pub async fn import_resolutions(
        &self,
        rows: &[ResolutionRow],
        audit: AuditEntry,
    ) -> Result<ResolutionImportCounts> {
        let mut counts = ResolutionImportCounts::default();
        let mut tx = self.db.begin().await?;
        for row in rows {
            let v = &row.resolution;
            let found = tx
                .query(
                    "SELECT id FROM resolutions WHERE symbol = $1",
                    &[v.symbol.clone().into()],
                )
                .await?;
            match found.first().map(|r| r.int(0)) {
                None => {
                    self.insert_resolution(&mut tx, audit.user_id, v).await?;
                    counts.created += 1;
                }
                Some(id) => {
                    let mut before = self.stored_valid(&mut tx, id).await?;
                    let mut wanted = v.clone();
                    if !row.replace_sponsors {
                        wanted.sponsors = std::mem::take(&mut before.sponsors);
                        before.sponsors = wanted.sponsors.clone();
                    }
                    if before == wanted {
                        counts.unchanged += 1;
                    } else {
                        self.update_resolution_in(&mut tx, id, &wanted, row.replace_sponsors)
                            .await?;
                        counts.updated += 1;
                    }
                }
            }
        }
        self.audit_in(
            &mut tx,
            &audit
                .with("rows", rows.len())
                .with("created", counts.created)
                .with("updated", counts.updated)
                .with("unchanged", counts.unchanged),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Import sponsor lists in one transaction: each resolution named in the file
    /// gets exactly the sponsors the file lists for it. A symbol not stored is an
    /// error naming its first line, and nothing is written.
    pub async fn import_sponsors(
        &self,
        rows: &[SponsorRow],
        audit: AuditEntry,
    ) -> Result<ResolutionImportCounts> {
        let mut by_symbol: BTreeMap<String, (u64, Vec<(String, SponsorRole)>)> = BTreeMap::new();
        for r in rows {
            let e = by_symbol
                .entry(r.symbol.clone())
                .or_insert_with(|| (r.line, Vec::new()));
            e.1.push((r.state.clone(), r.role));
        }
        let mut counts = ResolutionImportCounts::default();
        let mut tx = self.db.begin().await?;
        for (symbol, (line, mut list)) in by_symbol {
            let found = tx
                .query(
                    "SELECT id FROM resolutions WHERE symbol = $1",
                    &[symbol.clone().into()],
                )
                .await?;
            let Some(id) = found.first().map(|r| r.int(0)) else {
                return Err(invalid(
                    &format!("line {line}"),
                    "err-resolution-unknown",
                    Some(symbol),
                ));
            };
            list.sort_by(|a, b| {
                (b.1 == SponsorRole::Main, &a.0).cmp(&(a.1 == SponsorRole::Main, &b.0))
            });
            let before = self.stored_valid(&mut tx, id).await?.sponsors;
            let mut a = before.clone();
            let mut b = list.clone();
            a.sort();
            b.sort();
            if a == b {
                counts.unchanged += 1;
            } else {
                self.replace_sponsors(&mut tx, id, &list).await?;
                counts.updated += 1;
            }
        }
        self.audit_in(
            &mut tx,
            &audit
                .with("rows", rows.len())
                .with("updated", counts.updated)
                .with("unchanged", counts.unchanged),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// A state's lines on resolutions of a topic (all topics if empty), oldest first.
    pub async fn score_lines(&self, state: &str, topic: &str) -> Result<Vec<ScoreLine>> {
        let mut args: Vec<Val> = vec![state.to_owned().into()];
        let topic_cond = if topic.trim().is_empty() {
            String::new()
        } else {
            args.push(topic.trim().to_owned().into());
            "AND EXISTS (SELECT 1 FROM resolution_topics t WHERE t.resolution_id = r.id AND t.topic = $2)".to_owned()
        };
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT r.id, r.symbol, r.title, r.adopted_on, r.adoption, s.role,
                       (SELECT v.vote FROM roll_call_votes v WHERE v.state = $1 AND v.roll_call_id =
                          (SELECT rc.id FROM roll_calls rc WHERE rc.resolution_id = r.id AND rc.kind = 'resolution'
                           ORDER BY rc.voted_on DESC, rc.id DESC LIMIT 1))
                     FROM resolutions r LEFT JOIN resolution_sponsors s ON s.resolution_id = r.id AND s.state = $1
                     WHERE 1=1 {topic_cond} ORDER BY r.adopted_on, r.id"
                ),
                &args,
            )
            .await?;
        let member = Countries::get()
            .by_alpha2(state)
            .is_some_and(|c| c.un_member || UN_OBSERVER_STATES.contains(&state));
        rows.iter()
            .map(|r| {
                let adoption: Adoption = r
                    .text(4)
                    .parse()
                    .map_err(|_| corrupt("resolutions.adoption"))?;
                let vote = r.opt_text(6).and_then(|v| v.parse().ok());
                Ok(ScoreLine {
                    resolution_id: r.int(0),
                    symbol: r.text(1),
                    title: r.text(2),
                    adopted_on: parse_date(r.opt_text(3)),
                    adoption,
                    sponsor: r.opt_text(5).and_then(|s| s.parse().ok()),
                    position: position(adoption, vote, member),
                })
            })
            .collect()
    }
}

impl Access {
    fn require_resolutions(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, permission = ?p, "permission denied: resolutions");
            Err(StoreError::Forbidden)
        }
    }

    fn resolution_entry(&self, action: Action, entity: &str) -> AuditEntry {
        AuditEntry::new(action, entity).by(self.actor())
    }

    pub async fn resolutions(&self, f: &ResolutionFilter) -> Result<Vec<ResolutionSummary>> {
        self.require_resolutions(Permission::Read)?;
        self.store().resolutions(f).await
    }

    pub async fn resolution(&self, id: Id) -> Result<Resolution> {
        self.require_resolutions(Permission::Read)?;
        self.store().resolution(id).await
    }

    pub async fn resolution_file(&self, id: Id) -> Result<ResolutionFile> {
        self.require_resolutions(Permission::Read)?;
        self.store().resolution_file(id).await
    }

    pub async fn resolution_id(&self, symbol: &str) -> Result<Option<Id>> {
        self.require_resolutions(Permission::Read)?;
        self.store().resolution_id(symbol).await
    }

    pub async fn resolution_topics(&self) -> Result<Vec<(String, i64)>> {
        self.require_resolutions(Permission::Read)?;
        self.store().resolution_topics().await
    }

    pub async fn create_resolution(&self, input: &ResolutionInput) -> Result<Id> {
        self.require_resolutions(Permission::EditResolutions)?;
        let v = input.validate()?;
        self.store()
            .create_resolution(
                Some(self.actor().user_id),
                &v,
                self.resolution_entry(Action::Create, "resolution"),
            )
            .await
    }

    /// `Ok(false)`: nothing changed, nothing written.
    pub async fn update_resolution(&self, id: Id, input: &ResolutionInput) -> Result<bool> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store().resolution(id).await?;
        let v = input.validate()?;
        self.store()
            .update_resolution(id, &v, self.resolution_entry(Action::Update, "resolution"))
            .await
    }

    pub async fn add_paragraph(&self, resolution: Id, input: &ParagraphInput) -> Result<Id> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store().resolution(resolution).await?;
        let vocab = self.store().vocabularies().await?;
        let p = input.validate(&vocab)?;
        self.store()
            .add_paragraph(
                resolution,
                &p,
                self.resolution_entry(Action::Create, "resolution_paragraph"),
            )
            .await
    }

    pub async fn delete_paragraph(&self, resolution: Id, id: Id) -> Result<()> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store()
            .delete_paragraph(
                resolution,
                id,
                self.resolution_entry(Action::Update, "resolution"),
            )
            .await
    }

    /// May this actor change resolutions? (For showing forms; the writes check again.)
    pub fn can_edit_resolutions(&self) -> bool {
        self.can(Permission::EditResolutions)
    }

    pub async fn import_roll_calls(
        &self,
        calls: &[RollCallRow],
        votes: &[VoteRow],
        source: &str,
    ) -> Result<ResolutionImportCounts> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store()
            .import_roll_calls(
                calls,
                votes,
                self.resolution_entry(Action::Import, "roll_call")
                    .with("source", source.to_owned()),
            )
            .await
    }

    pub async fn import_resolution_list(
        &self,
        rows: &[ResolutionRow],
        source: &str,
    ) -> Result<ResolutionImportCounts> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store()
            .import_resolutions(
                rows,
                self.resolution_entry(Action::Import, "resolution")
                    .with("source", source.to_owned()),
            )
            .await
    }

    pub async fn import_sponsor_list(
        &self,
        rows: &[SponsorRow],
        source: &str,
    ) -> Result<ResolutionImportCounts> {
        self.require_resolutions(Permission::EditResolutions)?;
        self.store()
            .import_sponsors(
                rows,
                self.resolution_entry(Action::Import, "resolution_sponsor")
                    .with("source", source.to_owned()),
            )
            .await
    }

    /// A state's record on one topic beside the violations documented in its
    /// territory, by year and type, all and by state actors, within `[from, to]`
    /// years if given. The counts go through [`Access::statistics`]: compartment
    /// checked and audited like any statistics query.
    pub async fn scorecard(
        &self,
        state: &str,
        topic: &str,
        from: Option<i32>,
        to: Option<i32>,
    ) -> Result<Scorecard> {
        self.require_resolutions(Permission::Read)?;
        let Some(country) = Countries::get().resolve(state) else {
            return Err(invalid(
                "state",
                "err-unknown-country",
                Some(state.to_owned()),
            ));
        };
        let topic = if topic.trim().is_empty() {
            String::new()
        } else {
            normalise_topic(topic)
                .ok_or_else(|| invalid("topic", "err-resolution-topic", Some(topic.to_owned())))?
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(invalid("to", "err-end-before-start", None));
            }
        }
        let lines = self.store().score_lines(&country.alpha2, &topic).await?;
        let mut q = StatsQuery::new(
            Measure::Violations,
            &[Dimension::Year, Dimension::ViolationType],
        );
        q.filter.country = country.alpha2.clone();
        q.from = from.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
        q.until = to.and_then(|y| NaiveDate::from_ymd_opt(y.checked_add(1)?, 1, 1));
        let violations = self.statistics(&q).await?;
        q.victim.state_actor = "state".into();
        let by_state_actors = self.statistics(&q).await?;
        Ok(Scorecard {
            state: country.clone(),
            topic,
            totals: ScoreTotals::of(&lines),
            lines,
            violations,
            by_state_actors,
        })
    }

    /// Sponsors (main and co) of a resolution where incidents with a violation of
    /// `verb` (default `killing`) were documented in `year` (default: the year after
    /// adoption), with the incidents attributed to state actors; counted through the
    /// statistics layer.
    pub async fn sponsor_comparison(
        &self,
        resolution: Id,
        year: Option<i32>,
        verb: &str,
    ) -> Result<Comparison> {
        self.require_resolutions(Permission::Read)?;
        let file = self.store().resolution_file(resolution).await?;
        let verb_code = if verb.trim().is_empty() {
            "killing"
        } else {
            verb.trim()
        };
        let v = match verb_code {
            "killing" => ResolutionVerb::Killing,
            "criminalisation" => ResolutionVerb::Criminalisation,
            "curtailing" => ResolutionVerb::Curtailing,
            other => {
                return Err(invalid("verb", "err-unknown-code", Some(other.to_owned())));
            }
        };
        // The year after adoption; this year when no adoption date is recorded.
        let year = year.unwrap_or_else(|| match file.resolution.adopted_on {
            Some(d) => chrono::Datelike::year(&d) + 1,
            None => chrono::Datelike::year(&self.store().clock().now()),
        });
        let (Some(from), Some(until)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            year.checked_add(1)
                .and_then(|next| NaiveDate::from_ymd_opt(next, 1, 1)),
        ) else {
            return Err(invalid("year", "err-number", Some(year.to_string())));
        };
        let mut q = StatsQuery::new(Measure::Incidents, &[Dimension::Country]);
        q.victim.verb = Some(v);
        q.from = Some(from);
        q.until = Some(until);
        let all = self.statistics(&q).await?;
        q.victim.state_actor = "state".into();
        let state = self.statistics(&q).await?;
        let countries = Countries::get();
        let mut documented = Vec::new();
        let mut without = 0;
        for s in &file.sponsors {
            let n = all.get(&s.state);
            if n == 0 {
                without += 1;
                continue;
            }
            documented.push(ComparisonLine {
                name: countries
                    .by_alpha2(&s.state)
                    .map(|c| c.name_en.clone())
                    .unwrap_or_else(|| s.state.clone()),
                state: s.state.clone(),
                role: s.role,
                incidents: n,
                by_state_actors: state.get(&s.state),
            });
        }
        documented.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(a.name.cmp(&b.name)));
        Ok(Comparison {
            resolution: file.resolution,
            year,
            verb: verb_code.to_owned(),
            documented,
            without,
        })
    }
}
