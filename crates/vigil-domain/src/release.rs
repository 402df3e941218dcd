//! Versioned releases (issue 5 point 6): a set of figures frozen on a date with its
//! methodology, after disclosure control. A correction is a new **revision** of the
//! same series, with a mandatory reason; the public sees every published revision of
//! each figure and why it changed.
//!
//! A release holds tables. Each is stored twice: the **raw** counts (for analysts) and
//! the **published** form, where [`crate::disclosure`] has hidden what may not be
//! shown (`None`). Only the published form ever leaves to the public.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure::{self, Mark, Policy};
use crate::model::Id;
use crate::stats::{SdgParams, SdgReport, StatsParams, StatsTable};
use crate::validate::FieldErrors;

/// Largest table a release may freeze (rows × columns of a two-way table).
pub const MAX_CELLS: usize = 5_000;
/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest methodology text or reason.
pub const MAX_TEXT: usize = 20_000;

/// What a release counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    /// A statistics query: measure, up to two dimensions, filters, period.
    Statistics,
    /// SDG indicator 16.10.1 for a period.
    #[serde(rename = "sdg_16_10_1")]
    Sdg,
}

impl ReleaseKind {
    pub fn code(self) -> &'static str {
        match self {
            ReleaseKind::Statistics => "statistics",
            ReleaseKind::Sdg => "sdg_16_10_1",
        }
    }
}

impl fmt::Display for ReleaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for ReleaseKind {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "statistics" => Ok(ReleaseKind::Statistics),
            "sdg_16_10_1" => Ok(ReleaseKind::Sdg),
            other => Err(crate::DomainError::Unknown {
                what: "release kind",
                value: other.to_owned(),
            }),
        }
    }
}

/// The question a release answers, kept so a revision can ask it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReleaseQuery {
    /// For `statistics`.
    pub stats: StatsParams,
    /// For `sdg_16_10_1`.
    pub sdg: SdgParams,
}

/// A new release (or a revision) as entered. Text, as from a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReleaseInput {
    pub title: String,
    /// `statistics` or `sdg_16_10_1`.
    pub kind: String,
    pub query: ReleaseQuery,
    /// How the figures were counted and protected (shown with them).
    pub methodology: String,
    /// Disclosure threshold (counts from 1 to threshold − 1 are hidden); default 5.
    pub threshold: String,
}

/// A checked input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRelease {
    pub title: String,
    pub kind: ReleaseKind,
    pub query: ReleaseQuery,
    pub methodology: String,
    pub policy: Policy,
}

impl ReleaseInput {
    /// Check the fields that do not need the database (the query is checked when it
    /// is run, against the vocabularies).
    pub fn validate(&self) -> Result<ValidRelease, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            e.add("title", "err-required", None);
        } else if title.chars().count() > MAX_TITLE {
            e.add("title", "err-too-long", Some(MAX_TITLE.to_string()));
        }
        let kind = self.kind.parse::<ReleaseKind>().unwrap_or_else(|_| {
            e.add("kind", "err-unknown-code", Some(self.kind.clone()));
            ReleaseKind::Statistics
        });
        let methodology = self.methodology.trim().to_owned();
        if methodology.is_empty() {
            e.add("methodology", "err-required", None);
        } else if methodology.chars().count() > MAX_TEXT {
            e.add("methodology", "err-too-long", Some(MAX_TEXT.to_string()));
        }
        let mut policy = Policy::default();
        if !self.threshold.trim().is_empty() {
            match self.threshold.trim().parse::<i64>() {
                Ok(t) if (disclosure::MIN_THRESHOLD..=disclosure::MAX_THRESHOLD).contains(&t) => {
                    policy.threshold = t
                }
                _ => e.add(
                    "threshold",
                    "err-release-threshold",
                    Some(self.threshold.clone()),
                ),
            }
        }
        e.into_result(ValidRelease {
            title,
            kind,
            query: self.query.clone(),
            methodology,
            policy,
        })
    }
}

/// Check a revision's reason: mandatory, bounded.
pub fn check_reason(reason: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let r = reason.trim();
    if r.is_empty() {
        e.add("reason", "err-required", None);
    } else if r.chars().count() > MAX_TEXT {
        e.add("reason", "err-too-long", Some(MAX_TEXT.to_string()));
    }
    e.into_result(r.to_owned())
}

/// One frozen table of raw counts. `dims` names what the rows (and columns) are:
/// a statistics dimension code, or `sdg_category`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawTable {
    /// Which table of the release (`main`, `sdg_category_group`, `sdg_sex`, …).
    pub key: String,
    pub dims: Vec<String>,
    /// Keys of the first dimension, in order.
    pub rows: Vec<String>,
    /// Keys of the second dimension (empty for a one-way table).
    pub cols: Vec<String>,
    /// `rows × max(1, cols)` counts.
    pub cells: Vec<Vec<i64>>,
    /// The distinct total (every unit once).
    pub total: i64,
    /// Do the cells add up to the total (each unit in exactly one cell)?
    pub additive: bool,
}

/// One table as published: hidden entries are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedTable {
    pub key: String,
    pub dims: Vec<String>,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<Vec<Option<i64>>>,
    /// Two-way tables: each row's sum (`None` if hidden); empty for one-way tables.
    pub row_totals: Vec<Option<i64>>,
    /// Two-way tables: each column's sum.
    pub col_totals: Vec<Option<i64>>,
    /// The table's total: the distinct total (every unit once).
    pub total: Option<i64>,
    /// Do the cells add up to the total? If not (a unit in several groups), the row
    /// and column totals are sums of cells, not distinct counts.
    #[serde(default = "yes")]
    pub additive: bool,
}

fn yes() -> bool {
    true
}

impl PublishedTable {
    /// Is anything hidden?
    pub fn has_hidden(&self) -> bool {
        self.total.is_none()
            || self.cells.iter().flatten().any(Option::is_none)
            || self.row_totals.iter().any(Option::is_none)
            || self.col_totals.iter().any(Option::is_none)
    }

    /// A figure by its address: `(row key, col key)`; an empty row key is the total,
    /// an empty col key in a two-way table the row total, `("", col)` the column total.
    pub fn figure(&self, row: &str, col: &str) -> Option<Option<i64>> {
        figure_of(
            &self.rows,
            &self.cols,
            &self.cells,
            &self.row_totals,
            &self.col_totals,
            self.total,
            row,
            col,
        )
    }

    /// Every figure's address, in reading order (cells, row totals, column totals,
    /// total).
    pub fn addresses(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for r in &self.rows {
            if self.cols.is_empty() {
                out.push((r.clone(), String::new()));
            } else {
                for c in &self.cols {
                    out.push((r.clone(), c.clone()));
                }
                out.push((r.clone(), TOTAL.to_owned()));
            }
        }
        for c in &self.cols {
            out.push((TOTAL.to_owned(), c.clone()));
        }
        out.push((TOTAL.to_owned(), TOTAL.to_owned()));
        out
    }
}

/// The key that stands for "total" in a figure's address (never a real key: real
/// keys are codes, and the unknown group is the empty string).
pub const TOTAL: &str = "*";

#[allow(clippy::too_many_arguments)]
fn figure_of(
    rows: &[String],
    cols: &[String],
    cells: &[Vec<Option<i64>>],
    row_totals: &[Option<i64>],
    col_totals: &[Option<i64>],
    total: Option<i64>,
    row: &str,
    col: &str,
) -> Option<Option<i64>> {
    let ri = rows.iter().position(|r| r == row);
    let ci = cols.iter().position(|c| c == col);
    match (
        row == TOTAL,
        col == TOTAL || (cols.is_empty() && col.is_empty()),
    ) {
        (true, true) => Some(total),
        (true, false) => ci.and_then(|c| col_totals.get(c).copied()),
        (false, true) if !cols.is_empty() => ri.and_then(|r| row_totals.get(r).copied()),
        (false, _) => {
            let r = ri?;
            let c = if cols.is_empty() { 0 } else { ci? };
            cells.get(r).and_then(|l| l.get(c)).copied()
        }
    }
}

/// Apply disclosure control to a release's tables. Tables of one release that share
/// a total (SDG disaggregations) hide it together: if one must hide it, all do.
pub fn publish_tables(raw: &[RawTable], policy: &Policy) -> Vec<PublishedTable> {
    let mut force = false;
    loop {
        let out: Vec<(PublishedTable, bool)> =
            raw.iter().map(|t| publish_one(t, policy, force)).collect();
        let any_hidden = out.iter().any(|(_, h)| *h);
        if any_hidden && !force && raw.len() > 1 {
            force = true;
            continue;
        }
        return out.into_iter().map(|(t, _)| t).collect();
    }
}

/// One table; the bool says whether its total is hidden.
fn publish_one(t: &RawTable, policy: &Policy, force_total: bool) -> (PublishedTable, bool) {
    if t.cols.is_empty() {
        let cells: Vec<i64> = t
            .cells
            .iter()
            .map(|r| r.first().copied().unwrap_or(0))
            .collect();
        // A distinct total smaller than the sum is still treated as the line's sum:
        // stricter, never weaker.
        let o = disclosure::protect_one_way(&cells, t.total, policy, force_total);
        let published = PublishedTable {
            key: t.key.clone(),
            dims: t.dims.clone(),
            rows: t.rows.clone(),
            cols: Vec::new(),
            cells: cells
                .iter()
                .zip(&o.cells)
                .map(|(n, m)| vec![disclosure::publish(*n, *m)])
                .collect(),
            row_totals: Vec::new(),
            col_totals: Vec::new(),
            total: disclosure::publish(t.total, o.total),
            additive: t.additive,
        };
        (published, o.total.hidden())
    } else {
        let full = disclosure::with_margins(&t.cells);
        let two = disclosure::protect_two_way(&full, policy, force_total);
        let nr = t.rows.len();
        let nc = t.cols.len();
        let at = |i: usize, j: usize| -> Option<i64> {
            let v = full.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            let m = two
                .marks
                .get(i)
                .and_then(|r| r.get(j))
                .copied()
                .unwrap_or(Mark::Primary);
            disclosure::publish(v, m)
        };
        let corner_hidden = at(nr, nc).is_none();
        // With cells in several groups the distinct total is not the corner; it is
        // shown only when the corner is, and reaches the threshold itself.
        let total = if t.additive {
            at(nr, nc)
        } else if corner_hidden || policy.is_small(t.total) {
            None
        } else {
            Some(t.total)
        };
        let published = PublishedTable {
            key: t.key.clone(),
            dims: t.dims.clone(),
            rows: t.rows.clone(),
            cols: t.cols.clone(),
            cells: (0..nr)
                .map(|i| (0..nc).map(|j| at(i, j)).collect())
                .collect(),
            row_totals: (0..nr).map(|i| at(i, nc)).collect(),
            col_totals: (0..nc).map(|j| at(nr, j)).collect(),
            total,
            additive: t.additive,
        };
        (published, corner_hidden || total.is_none())
    }
}

/// A statistics table frozen as a raw table (missing combinations are zero).
pub fn raw_from_stats(t: &StatsTable) -> RawTable {
    let dims: Vec<String> = t.dimensions.iter().map(|d| d.code().to_owned()).collect();
    let additive = t.dimensions.iter().all(|d| !d.multi_valued());
    match t.dimensions.len() {
        0 => RawTable {
            key: "main".into(),
            dims,
            rows: Vec::new(),
            cols: Vec::new(),
            cells: Vec::new(),
            total: t.total,
            additive: true,
        },
        1 => {
            let rows = t.keys(0);
            RawTable {
                key: "main".into(),
                cells: rows.iter().map(|k| vec![t.get(k)]).collect(),
                rows,
                cols: Vec::new(),
                dims,
                total: t.total,
                additive,
            }
        }
        _ => {
            let rows = t.keys(0);
            let cols = t.keys(1);
            RawTable {
                key: "main".into(),
                cells: rows
                    .iter()
                    .map(|r| cols.iter().map(|c| t.cell(r, c)).collect())
                    .collect(),
                rows,
                cols,
                dims,
                total: t.total,
                additive,
            }
        }
    }
}

/// The SDG report as raw tables: category × victim group (its margins are the
/// disaggregations by category and by group), then sex, perpetrator and country.
/// Every one is a partition of the same total.
pub fn raw_from_sdg(r: &SdgReport) -> Vec<RawTable> {
    let cats: Vec<String> = r.by_category.iter().map(|l| l.code.clone()).collect();
    let groups: Vec<String> = r.by_group.iter().map(|l| l.code.clone()).collect();
    let cell = |c: &str, g: &str| {
        r.by_category_and_group
            .iter()
            .find(|x| {
                x.keys.first().map(String::as_str) == Some(c)
                    && x.keys.get(1).map(String::as_str) == Some(g)
            })
            .map_or(0, |x| x.count)
    };
    let mut out = vec![RawTable {
        key: "sdg_category_group".into(),
        dims: vec!["sdg_category".into(), "sdg_group".into()],
        cells: cats
            .iter()
            .map(|c| groups.iter().map(|g| cell(c, g)).collect())
            .collect(),
        rows: cats,
        cols: groups.clone(),
        total: r.total,
        additive: true,
    }];
    if groups.is_empty() {
        // No group at all: the categories alone (a two-way table needs columns).
        if let Some(t) = out.first_mut() {
            t.cols = Vec::new();
            t.dims.truncate(1);
            t.cells = r.by_category.iter().map(|l| vec![l.count]).collect();
        }
    }
    for (key, dim, lines) in [
        ("sdg_sex", "sex", &r.by_sex),
        ("sdg_perpetrator", "state_actor", &r.by_perpetrator),
        ("sdg_country", "country", &r.by_country),
    ] {
        out.push(RawTable {
            key: key.into(),
            dims: vec![dim.into()],
            rows: lines.iter().map(|l| l.code.clone()).collect(),
            cols: Vec::new(),
            cells: lines.iter().map(|l| vec![l.count]).collect(),
            total: r.total,
            additive: true,
        });
    }
    out
}

/// Check a table is not too large to freeze.
pub fn check_size(tables: &[RawTable]) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    let cells: usize = tables
        .iter()
        .map(|t| t.rows.len() * t.cols.len().max(1))
        .sum();
    if cells > MAX_CELLS {
        e.add(
            "query",
            "err-release-too-large",
            Some(MAX_CELLS.to_string()),
        );
    }
    e.into_result(())
}

/// A release as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub id: Id,
    /// The id of the first release of the series (itself for the first).
    pub series_id: Id,
    /// 1 for the first release, then 2, 3… for each correction.
    pub revision: i64,
    pub title: String,
    pub kind: ReleaseKind,
    pub query: ReleaseQuery,
    /// The period the figures cover, in words (`2024-01-01 – 2024-12-31`), or empty.
    pub period: String,
    pub methodology: String,
    /// Why this revision was made (empty for the first).
    pub reason: String,
    pub threshold: i64,
    /// The day the figures were frozen.
    pub frozen_on: NaiveDate,
    /// When published (`None`: not visible to the public).
    pub published_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Raw counts: for analysts only, never public.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub raw: Vec<RawTable>,
    pub tables: Vec<PublishedTable>,
}

/// A release as the public sees it: no raw counts, no query, no author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicRelease {
    pub id: Id,
    pub series_id: Id,
    pub revision: i64,
    pub title: String,
    pub kind: ReleaseKind,
    /// What statistics count (`incidents`, `violations`, `victims`); empty for SDG.
    pub measure: String,
    pub period: String,
    pub methodology: String,
    pub reason: String,
    pub threshold: i64,
    pub frozen_on: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub tables: Vec<PublishedTable>,
}

impl Release {
    /// The public form, if published.
    pub fn public(&self) -> Option<PublicRelease> {
        self.published_at.map(|_| self.preview())
    }

    /// The form the public would see (for the analyst's preview and printout before
    /// publication: dated at creation while unpublished).
    pub fn preview(&self) -> PublicRelease {
        PublicRelease {
            id: self.id,
            series_id: self.series_id,
            revision: self.revision,
            title: self.title.clone(),
            kind: self.kind,
            measure: match self.kind {
                ReleaseKind::Statistics if self.query.stats.measure.trim().is_empty() => {
                    "incidents".to_owned()
                }
                ReleaseKind::Statistics => self.query.stats.measure.trim().to_owned(),
                ReleaseKind::Sdg => String::new(),
            },
            period: self.period.clone(),
            methodology: self.methodology.clone(),
            reason: self.reason.clone(),
            threshold: self.threshold,
            frozen_on: self.frozen_on,
            published_at: self.published_at.unwrap_or(self.created_at),
            tables: self.tables.clone(),
        }
    }
}

/// One figure across the published revisions of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FigureHistory {
    pub table: String,
    pub row: String,
    pub col: String,
    /// `(revision, value)` for each revision holding this figure; `None` if hidden.
    pub values: Vec<(i64, Option<i64>)>,
}

/// Figures whose published value differs between revisions (oldest first), for the
/// revision history of the latest: "2024: 197 → 207 → 201".
pub fn changed_figures(revisions: &[PublicRelease]) -> Vec<FigureHistory> {
    let Some(last) = revisions.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Addresses of every revision, the latest's first, each once.
    for table in &last.tables {
        let mut addrs = table.addresses();
        for r in revisions {
            if let Some(t) = r.tables.iter().find(|t| t.key == table.key) {
                for a in t.addresses() {
                    if !addrs.contains(&a) {
                        addrs.push(a);
                    }
                }
            }
        }
        for (row, col) in addrs {
            let values: Vec<(i64, Option<i64>)> = revisions
                .iter()
                .map(|r| {
                    let v = r
                        .tables
                        .iter()
                        .find(|t| t.key == table.key)
                        .and_then(|t| t.figure(&row, &col))
                        .unwrap_or(Some(0));
                    (r.revision, v)
                })
                .collect();
            if values
                .windows(2)
                .any(|w| w.first().map(|x| x.1) != w.get(1).map(|x| x.1))
            {
                out.push(FigureHistory {
                    table: table.key.clone(),
                    row,
                    col,
                    values,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn one_way(rows: &[(&str, i64)]) -> RawTable {
        RawTable {
            key: "main".into(),
            dims: vec!["year".into()],
            rows: rows.iter().map(|r| r.0.to_owned()).collect(),
            cols: Vec::new(),
            cells: rows.iter().map(|r| vec![r.1]).collect(),
            total: rows.iter().map(|r| r.1).sum(),
            additive: true,
        }
    }

    fn public(revision: i64, t: Vec<PublishedTable>) -> PublicRelease {
        PublicRelease {
            id: revision,
            series_id: 1,
            revision,
            title: "x".into(),
            kind: ReleaseKind::Statistics,
            measure: "incidents".into(),
            period: String::new(),
            methodology: "m".into(),
            reason: String::new(),
            threshold: 5,
            frozen_on: NaiveDate::default(),
            published_at: DateTime::default(),
            tables: t,
        }
    }

    #[test]
    fn revisions_show_changed_figures() {
        let p = Policy::default();
        let revs: Vec<PublicRelease> = [197, 207, 201]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                public(
                    i as i64 + 1,
                    publish_tables(&[one_way(&[("2023", 150), ("2024", *n)])], &p),
                )
            })
            .collect();
        let ch = changed_figures(&revs);
        let y2024 = ch
            .iter()
            .find(|f| f.row == "2024")
            .map(|f| f.values.clone());
        assert_eq!(
            y2024,
            Some(vec![(1, Some(197)), (2, Some(207)), (3, Some(201))])
        );
        assert!(ch.iter().all(|f| f.row != "2023"), "2023 did not change");
        assert!(ch.iter().any(|f| f.row == TOTAL), "the total changed");
    }

    #[test]
    fn shared_totals_hide_together() {
        let p = Policy::default();
        let a = one_way(&[("female", 3), ("male", 0)]);
        let mut b = one_way(&[("CO", 2), ("MX", 1)]);
        b.key = "b".into();
        let out = publish_tables(&[a, b], &p);
        assert!(out.iter().all(|t| t.total.is_none()));
        let a = one_way(&[("female", 30), ("male", 20)]);
        let mut b = one_way(&[("CO", 48), ("MX", 2)]);
        b.key = "b".into();
        let out = publish_tables(&[a, b], &p);
        // b's 2 hides 48 (one line), not the shared total.
        assert_eq!(out.get(1).map(|t| t.total), Some(Some(50)));
        assert_eq!(
            out.get(1).map(|t| t.cells.clone()),
            Some(vec![vec![None], vec![None]])
        );
    }

    #[test]
    fn non_additive_tables_show_the_distinct_total_only_beside_a_shown_sum() {
        let p = Policy::default();
        // Victims by year × characteristic: a victim with two characteristics is in
        // two cells, so the cells sum to more than the 30 victims.
        let t = RawTable {
            key: "main".into(),
            dims: vec!["year".into(), "characteristic".into()],
            rows: vec!["2023".into(), "2024".into()],
            cols: vec!["indigenous".into(), "woman".into()],
            cells: vec![vec![10, 8], vec![12, 9]],
            total: 30,
            additive: false,
        };
        let out = publish_tables(std::slice::from_ref(&t), &p);
        assert_eq!(out[0].total, Some(30));
        assert_eq!(out[0].row_totals, vec![Some(18), Some(21)]);
        assert!(!out[0].additive);
        let mut small = t.clone();
        small.cells = vec![vec![3, 8], vec![12, 9]];
        let out = publish_tables(&[small], &p);
        assert_eq!(out[0].cells[0][0], None);
        assert!(
            out[0]
                .cells
                .iter()
                .flatten()
                .filter(|c| c.is_none())
                .count()
                >= 4
        );
    }

    #[test]
    fn inputs_are_checked() {
        let e = ReleaseInput {
            kind: "poll".into(),
            threshold: "1".into(),
            ..Default::default()
        }
        .validate()
        .err()
        .unwrap_or_default();
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, vec!["title", "kind", "methodology", "threshold"]);
        assert!(check_reason("  ").is_err());
    }
}
