//! Versioned releases (issue 5 point 6): statistics frozen on a day with their
//! methodology, stored raw and after disclosure control; corrections as new revisions
//! of the same series with a reason; publication on the public portal.
//!
//! Releases are not records: they hold codes and counts only, belong to no
//! compartment, and are counted over what their author may count (`Access::statistics`).
//! The raw counts are for analysts; the public reads through [`Store::public_releases`]
//! and friends, which return only published releases and only their published form.
//!
//! The authorising methods on [`Access`] are at the end: every one needs
//! [`Permission::PublishReleases`] (analysts and administrators).

use chrono::NaiveDate;
use vigil_domain::disclosure::Policy;
use vigil_domain::model::Id;
use vigil_domain::release::*;
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::backend::Row;
use crate::{parse_time, Result, Store, StoreError};

const COLS: &str = "r.id, r.series_id, r.revision, r.title, r.kind, r.query, r.period, r.methodology,
    r.reason, r.threshold, r.frozen_on, r.published_at, COALESCE(u.username, ''), r.created_at, r.raw, r.figures";
const FROM: &str = "releases r LEFT JOIN users u ON u.id = r.created_by";

fn invalid(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Backend(crate::BackendError::Db(format!("release JSON: {e}")))
}

/// A release about to be stored.
pub struct NewRelease<'a> {
    pub valid: &'a ValidRelease,
    /// `(series, revision)` of a correction; `None` for a new series.
    pub revision_of: Option<(Id, i64)>,
    pub reason: &'a str,
    pub period: String,
    pub frozen_on: NaiveDate,
    pub raw: &'a [RawTable],
    pub tables: &'a [PublishedTable],
}

impl Store {
    fn release_from(&self, r: &Row, full: bool) -> Result<Release> {
        Ok(Release {
            id: r.int(0),
            series_id: r.opt_int(1).unwrap_or(r.int(0)),
            revision: r.int(2),
            title: r.text(3),
            kind: r.text(4).parse().unwrap_or(ReleaseKind::Statistics),
            query: serde_json::from_str(&r.text(5)).map_err(json_err)?,
            period: r.text(6),
            methodology: r.text(7),
            reason: r.text(8),
            threshold: r.int(9),
            frozen_on: NaiveDate::parse_from_str(&r.text(10), "%Y-%m-%d").unwrap_or_default(),
            published_at: r.opt_text(11).map(|t| parse_time(&t)),
            created_by: r.text(12),
            created_at: parse_time(&r.text(13)),
            raw: if full {
                serde_json::from_str(&r.text(14)).map_err(json_err)?
            } else {
                Vec::new()
            },
            tables: if full {
                serde_json::from_str(&r.text(15)).map_err(json_err)?
            } else {
                Vec::new()
            },
        })
    }

    /// Store a release (a new series, or the next revision of one) in one transaction
    /// with its audit entry.
    pub async fn create_release(
        &self,
        user: Option<Id>,
        n: &NewRelease<'_>,
        audit: Option<AuditEntry>,
    ) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let (series, revision) = match n.revision_of {
            Some((series, _)) => {
                // The next number is taken inside the transaction; the unique index
                // on (series, revision) refuses a concurrent duplicate.
                let rows = tx
                    .query(
                        "SELECT COALESCE(max(revision), 0) FROM releases WHERE series_id = $1",
                        &[series.into()],
                    )
                    .await?;
                let last = rows.first().map_or(0, |r| r.int(0));
                if last == 0 {
                    return Err(StoreError::NotFound);
                }
                (Some(series), last + 1)
            }
            None => (None, 1),
        };
        let rows = tx
            .query(
                "INSERT INTO releases (series_id, revision, title, kind, query, period, methodology, reason,
                   threshold, frozen_on, raw, figures, published_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14) RETURNING id",
                &[
                    series.into(),
                    revision.into(),
                    n.valid.title.clone().into(),
                    n.valid.kind.code().into(),
                    serde_json::to_string(&n.valid.query)
                        .map_err(json_err)?
                        .into(),
                    n.period.clone().into(),
                    n.valid.methodology.clone().into(),
                    n.reason.to_owned().into(),
                    n.valid.policy.threshold.into(),
                    n.frozen_on.format("%Y-%m-%d").to_string().into(),
                    serde_json::to_string(n.raw).map_err(json_err)?.into(),
                    serde_json::to_string(n.tables).map_err(json_err)?.into(),
                    user.into(),
                    self.now_text().into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        if series.is_none() {
            tx.execute(
                "UPDATE releases SET series_id = $1 WHERE id = $1",
                &[id.into()],
            )
            .await?;
        }
        let series = series.unwrap_or(id);
        self.audit_opt_in(
            &mut tx,
            audit.map(|a| {
                a.with("series_id", series)
                    .with("revision", revision)
                    .with("kind", n.valid.kind.code())
                    .with("threshold", n.valid.policy.threshold)
            }),
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One release with its tables (raw and published), published or not.
    pub async fn release(&self, id: Id) -> Result<Release> {
        let rows = self
            .db
            .query(
                &format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"),
                &[id.into()],
            )
            .await?;
        self.release_from(rows.first().ok_or(StoreError::NotFound)?, true)
    }

    /// Every release, newest series first, revisions in order; without tables.
    pub async fn releases(&self) -> Result<Vec<Release>> {
        self.db
            .query(
                &format!("SELECT {COLS} FROM {FROM} ORDER BY r.series_id DESC, r.revision"),
                &[],
            )
            .await?
            .iter()
            .map(|r| self.release_from(r, false))
            .collect()
    }

    /// Every revision of a series, oldest first, with tables.
    pub async fn release_series(&self, series: Id) -> Result<Vec<Release>> {
        self.db
            .query(
                &format!("SELECT {COLS} FROM {FROM} WHERE r.series_id = $1 ORDER BY r.revision"),
                &[series.into()],
            )
            .await?
            .iter()
            .map(|r| self.release_from(r, true))
            .collect()
    }

    /// Publish (now) or withdraw a release.
    pub async fn set_release_published(
        &self,
        id: Id,
        published: bool,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let at: Option<String> = published.then(|| self.now_text());
        let n = tx
            .execute(
                "UPDATE releases SET published_at = $1 WHERE id = $2",
                &[at.into(), id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_opt_in(&mut tx, audit.map(|a| a.with("published", published)), id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------------ public

    /// Published releases, the latest published revision of each series, newest
    /// first. Only the published form.
    pub async fn public_releases(&self) -> Result<Vec<PublicRelease>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE r.published_at IS NOT NULL
                       AND r.revision = (SELECT max(x.revision) FROM releases x
                                         WHERE x.series_id = r.series_id AND x.published_at IS NOT NULL)
                     ORDER BY r.published_at DESC, r.id DESC"
                ),
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| Ok(self.release_from(r, true)?.public()))
            .filter_map(|r| r.transpose())
            .collect()
    }

    /// One published release and every published revision of its series (oldest
    /// first). `NotFound` unless this release is published.
    pub async fn public_release(&self, id: Id) -> Result<(PublicRelease, Vec<PublicRelease>)> {
        let rel = self.release(id).await?;
        let public = rel.public().ok_or(StoreError::NotFound)?;
        let series = self
            .release_series(rel.series_id)
            .await?
            .iter()
            .filter_map(Release::public)
            .collect();
        Ok((public, series))
    }
}

// ---------------------------------------------------------------- authorising

impl Access {
    fn require_releases(&self) -> Result<()> {
        if self.can(Permission::PublishReleases) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    fn release_entry(&self, action: Action) -> AuditEntry {
        AuditEntry::new(action, "release").by(self.actor())
    }

    /// Every release (staff list).
    pub async fn releases(&self) -> Result<Vec<Release>> {
        self.require_releases()?;
        self.store().releases().await
    }

    /// One release with raw and published tables.
    pub async fn release(&self, id: Id) -> Result<Release> {
        self.require_releases()?;
        self.store().release(id).await
    }

    /// Every revision of the release's series, oldest first.
    pub async fn release_series(&self, id: Id) -> Result<Vec<Release>> {
        self.require_releases()?;
        let r = self.store().release(id).await?;
        self.store().release_series(r.series_id).await
    }

    /// Count the figures of a release's query now, over what this actor may count.
    /// Returns the query as frozen (SDG: the resolved period), the period in words and
    /// the raw tables.
    async fn count_release(
        &self,
        v: &ValidRelease,
    ) -> Result<(ReleaseQuery, String, Vec<RawTable>)> {
        let mut query = v.query.clone();
        match v.kind {
            ReleaseKind::Statistics => {
                let vocab = self.store().vocabularies().await?;
                let q = query.stats.parse(&vocab)?;
                let t = self.statistics(&q).await?;
                // A sub-national region is published only when it holds enough.
                if !q.filter.region.trim().is_empty() && !v.policy.region_allowed(t.total) {
                    return Err(invalid(
                        "region",
                        "err-release-region",
                        Some(v.policy.region_threshold.to_string()),
                    ));
                }
                let period = match (q.from, q.until) {
                    (None, None) => String::new(),
                    (f, u) => format!(
                        "{} – {}",
                        f.map(|d| d.to_string()).unwrap_or_default(),
                        u.and_then(|d| d.pred_opt())
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    ),
                };
                query.sdg = Default::default();
                Ok((query, period, vec![raw_from_stats(&t)]))
            }
            ReleaseKind::Sdg => {
                let today = self.store().clock().now().date_naive();
                let (period, country) = query.sdg.parse(today)?;
                let r = self.sdg_16_10_1(period, country.as_deref()).await?;
                query.sdg.from = period.from.format("%Y-%m").to_string();
                query.sdg.to = period.last().format("%Y-%m").to_string();
                query.stats = Default::default();
                Ok((query, period.to_string(), raw_from_sdg(&r)))
            }
        }
    }

    async fn freeze(
        &self,
        v: &ValidRelease,
        revision_of: Option<(Id, i64)>,
        reason: &str,
    ) -> Result<Id> {
        let (query, period, raw) = self.count_release(v).await?;
        check_size(&raw)?;
        let tables = publish_tables(&raw, &v.policy);
        let valid = ValidRelease { query, ..v.clone() };
        let audit = self.release_entry(Action::Create);
        self.store()
            .create_release(
                Some(self.actor().user_id),
                &NewRelease {
                    valid: &valid,
                    revision_of,
                    reason,
                    period,
                    frozen_on: self.store().clock().now().date_naive(),
                    raw: &raw,
                    tables: &tables,
                },
                Some(audit),
            )
            .await
    }

    /// Freeze a new release (revision 1 of a new series). Not published yet.
    pub async fn create_release(&self, input: &ReleaseInput) -> Result<Id> {
        self.require_releases()?;
        let v = input.validate()?;
        self.freeze(&v, None, "").await
    }

    /// Correct a release: count its query again now and store the result as the next
    /// revision of its series, with a reason (mandatory) and, if given, a new
    /// methodology text. Not published yet.
    pub async fn revise_release(&self, id: Id, reason: &str, methodology: &str) -> Result<Id> {
        self.require_releases()?;
        let reason = check_reason(reason)?;
        let old = self.store().release(id).await?;
        let methodology = if methodology.trim().is_empty() {
            old.methodology.clone()
        } else {
            methodology.trim().to_owned()
        };
        let v = ValidRelease {
            title: old.title.clone(),
            kind: old.kind,
            query: old.query.clone(),
            methodology,
            policy: Policy {
                threshold: old.threshold,
                ..Policy::default()
            },
        };
        self.freeze(&v, Some((old.series_id, old.revision)), &reason)
            .await
    }

    /// Publish a release on the public portal, or withdraw it.
    pub async fn publish_release(&self, id: Id, published: bool) -> Result<()> {
        self.require_releases()?;
        let audit = self.release_entry(Action::Update);
        self.store()
            .set_release_published(id, published, Some(audit))
            .await
    }
}
