//! A release as people read it (issue 5 points 6 and 8): its published tables with
//! labels, a chart (and a map for tables by country) beside each, the methodology, the
//! disclosure note, and the revision history of every figure that changed. Shared by
//! the public page (`/public/releases/{id}`), the analyst's printable report
//! (`/releases/{id}/report`) and `vigil release show`; built from the published form
//! only, so nothing suppressed can slip into it.

use vigil_domain::release::{
    changed_figures, PublicRelease, PublishedTable, Release, ReleaseKind, TOTAL,
};
use vigil_domain::stats::{Dimension, Measure};

use crate::chart;
use crate::i18n::I18n;
use crate::map;
use crate::stats_report::StatsLabels;

/// How a hidden figure is shown (the note under each table explains it).
pub const HIDDEN: &str = "x";

/// One line of a table: its label and its figures, formatted.
pub struct ViewLine {
    pub label: String,
    pub cells: Vec<String>,
}

/// One table, ready to print.
pub struct TableView {
    pub title: String,
    /// Column headings after the first (label) column.
    pub head: Vec<String>,
    pub first: String,
    pub lines: Vec<ViewLine>,
    /// Column totals (two-way tables) or the total (one-way).
    pub foot: ViewLine,
    pub chart: String,
    /// Some groups are withheld and so not drawn.
    pub chart_partial: bool,
    pub map: String,
    pub hidden: bool,
    /// "Distinct total: N" when the cells may count a unit more than once.
    pub distinct: Option<String>,
}

/// A revision in the history.
pub struct RevisionView {
    pub id: i64,
    pub revision: i64,
    pub frozen_on: String,
    pub published_on: String,
    pub reason: String,
    pub current: bool,
}

/// One figure that changed between revisions.
pub struct ChangeView {
    pub label: String,
    pub values: Vec<String>,
}

/// A whole release, every string translated.
pub struct ReportView {
    pub t: I18n,
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub revision: i64,
    pub latest: Option<(i64, i64)>,
    pub frozen_on: String,
    pub period: String,
    pub methodology: Vec<String>,
    pub reason: String,
    pub hidden_note: String,
    pub tables: Vec<TableView>,
    pub revisions: Vec<RevisionView>,
    pub changes: Vec<ChangeView>,
    /// Revision numbers heading the changes table.
    pub change_head: Vec<String>,
}

fn cell(v: Option<i64>) -> String {
    v.map_or_else(|| HIDDEN.to_owned(), |n| n.to_string())
}

/// The label of one key of a release table's dimension (a statistics dimension code,
/// or `sdg_category`).
pub fn key_label(labels: &StatsLabels, dim: &str, key: &str) -> String {
    if key == TOTAL {
        return labels.t.get("release-total");
    }
    if dim == "sdg_category" {
        return labels.sdg_category(key);
    }
    match dim.parse::<Dimension>() {
        Ok(d) => labels.key(d, key),
        Err(_) => key.to_owned(),
    }
}

fn dim_label(labels: &StatsLabels, dim: &str) -> String {
    if dim == "sdg_category" {
        return labels.t.get("stats-sdg-category");
    }
    dim.parse::<Dimension>()
        .map(|d| labels.dimension(d))
        .unwrap_or_else(|_| dim.to_owned())
}

fn table_title(labels: &StatsLabels, r: &PublicRelease, t: &PublishedTable) -> String {
    let dims: Vec<String> = t.dims.iter().map(|d| dim_label(labels, d)).collect();
    match (r.kind, t.key.as_str()) {
        (ReleaseKind::Sdg, "sdg_category_group") => labels.t.get("stats-sdg-category-group"),
        (ReleaseKind::Sdg, "sdg_sex") => labels.t.get("stats-sdg-by-sex"),
        (ReleaseKind::Sdg, "sdg_perpetrator") => labels.t.get("stats-sdg-by-perpetrator"),
        (ReleaseKind::Sdg, "sdg_country") => labels.t.get("stats-sdg-by-country"),
        _ => {
            let m = r
                .measure
                .parse::<Measure>()
                .map(|m| labels.measure(m))
                .unwrap_or_default();
            if dims.is_empty() {
                m
            } else {
                format!("{m} × {}", dims.join(" × "))
            }
        }
    }
}

fn table_view(
    labels: &StatsLabels,
    r: &PublicRelease,
    t: &PublishedTable,
    figures: bool,
) -> TableView {
    let title = table_title(labels, r, t);
    let d1 = t.dims.first().cloned().unwrap_or_default();
    let d2 = t.dims.get(1).cloned().unwrap_or_default();
    let two = !t.cols.is_empty();
    let mut head: Vec<String> = if two {
        t.cols.iter().map(|c| key_label(labels, &d2, c)).collect()
    } else {
        vec![labels.t.get("release-count")]
    };
    let sum_key = if t.additive {
        "release-total"
    } else {
        "release-sum"
    };
    if two {
        head.push(labels.t.get(sum_key));
    }
    let lines: Vec<ViewLine> = t
        .rows
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut cells: Vec<String> = t
                .cells
                .get(i)
                .map(|l| l.iter().map(|v| cell(*v)).collect())
                .unwrap_or_default();
            if two {
                cells.push(cell(t.row_totals.get(i).copied().flatten()));
            }
            ViewLine {
                label: key_label(labels, &d1, k),
                cells,
            }
        })
        .collect();
    let mut foot_cells: Vec<String> = t.col_totals.iter().map(|v| cell(*v)).collect();
    // With units in several groups, the sums are not the distinct total: it is said
    // apart, under the table.
    if t.additive || !two {
        foot_cells.push(cell(t.total));
    } else {
        foot_cells.push(String::new());
    }
    let distinct = (!t.additive).then(|| labels.t.arg("release-distinct-total", &cell(t.total)));
    // Chart: the first dimension's groups that are shown (a one-way table's cells, a
    // two-way table's row totals); hidden ones are left out and the note says so.
    let values: Vec<(String, Option<i64>)> = t
        .rows
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let v = if two {
                t.row_totals.get(i).copied().flatten()
            } else {
                t.cells.get(i).and_then(|l| l.first()).copied().flatten()
            };
            (k.clone(), v)
        })
        .collect();
    let shown: Vec<(String, i64)> = values
        .iter()
        .filter_map(|(k, v)| v.map(|n| (key_label(labels, &d1, k), n)))
        .collect();
    let is_time = d1.parse::<Dimension>().is_ok_and(|d| d.is_time());
    let chart_partial = shown.len() < values.len();
    let chart = if !shown.iter().any(|(_, n)| *n > 0) || !figures {
        String::new()
    } else if is_time && shown.len() == values.len() && shown.len() > 1 {
        let xs: Vec<String> = shown.iter().map(|(k, _)| k.clone()).collect();
        let ys: Vec<i64> = shown.iter().map(|(_, n)| *n).collect();
        chart::lines(&title, &xs, &[(labels.t.get("release-count"), ys)])
    } else {
        chart::bars(&title, shown.get(..shown.len().min(20)).unwrap_or(&shown))
    };
    let map = if figures && d1 == "country" && !t.rows.is_empty() {
        let withheld = labels.t.get("release-hidden-short");
        let no_data = labels.t.get("release-no-data");
        let text = map::MapText {
            title: &title,
            lang: labels.lang(),
            no_data: &no_data,
            withheld: &withheld,
        };
        let vals: Vec<(String, map::Value)> = values
            .iter()
            .map(|(k, v)| (k.clone(), v.map_or(map::Value::Withheld, map::Value::Count)))
            .collect();
        map::counts(&text, &vals)
    } else {
        String::new()
    };
    TableView {
        first: dim_label(labels, &d1),
        hidden: t.has_hidden(),
        title,
        head,
        lines,
        foot: ViewLine {
            label: labels.t.get(if two { sum_key } else { "release-total" }),
            cells: foot_cells,
        },
        distinct,
        chart,
        chart_partial,
        map,
    }
}

/// The view of `r`, with `series` its published revisions (oldest first).
pub fn report(labels: &StatsLabels, r: &PublicRelease, series: &[PublicRelease]) -> ReportView {
    let t = &labels.t;
    let latest = series
        .last()
        .filter(|l| l.id != r.id)
        .map(|l| (l.id, l.revision));
    // Changes up to and including this revision.
    let upto: Vec<PublicRelease> = series
        .iter()
        .filter(|x| x.revision <= r.revision)
        .cloned()
        .collect();
    let changes = changed_figures(&upto)
        .into_iter()
        .map(|f| {
            let table = r.tables.iter().find(|x| x.key == f.table);
            let dim = |i: usize| {
                table
                    .and_then(|x| x.dims.get(i).cloned())
                    .unwrap_or_default()
            };
            let mut label = match table {
                Some(x) if r.tables.len() > 1 => format!("{}: ", table_title(labels, r, x)),
                _ => String::new(),
            };
            label.push_str(&key_label(labels, &dim(0), &f.row));
            // A one-way table's total is one figure ("Total"), not "Total × Total".
            let one_way = table.is_some_and(|x| x.dims.len() < 2);
            let no_second = f.col.is_empty() || (one_way && f.col == TOTAL);
            if !no_second {
                label.push_str(" × ");
                label.push_str(&key_label(labels, &dim(1), &f.col));
            }
            ChangeView {
                label,
                values: f.values.iter().map(|(_, v)| cell(*v)).collect(),
            }
        })
        .collect();
    ReportView {
        t: t.clone(),
        id: r.id,
        title: r.title.clone(),
        subtitle: t.code("release-kind", r.kind.code().replace('_', "-")),
        revision: r.revision,
        latest,
        frozen_on: r.frozen_on.to_string(),
        period: r.period.clone(),
        methodology: r
            .methodology
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        reason: r.reason.clone(),
        hidden_note: t.arg("release-hidden-note", &r.threshold.to_string()),
        tables: r
            .tables
            .iter()
            .map(|x| table_view(labels, r, x, true))
            .collect(),
        change_head: upto
            .iter()
            .map(|x| t.arg("release-revision-n", &x.revision.to_string()))
            .collect(),
        revisions: upto
            .iter()
            .map(|x| RevisionView {
                id: x.id,
                revision: x.revision,
                frozen_on: x.frozen_on.to_string(),
                published_on: x.published_at.date_naive().to_string(),
                reason: x.reason.clone(),
                current: x.id == r.id,
            })
            .collect(),
        changes,
    }
}

/// The raw counts of a release as tables (analysts only; no chart).
pub fn raw_views(labels: &StatsLabels, rel: &Release) -> Vec<TableView> {
    let r = rel.preview();
    rel.raw
        .iter()
        .map(|t| {
            let cells: Vec<Vec<Option<i64>>> = t
                .cells
                .iter()
                .map(|l| l.iter().map(|n| Some(*n)).collect())
                .collect();
            let two = !t.cols.is_empty();
            let table = PublishedTable {
                key: t.key.clone(),
                dims: t.dims.clone(),
                rows: t.rows.clone(),
                cols: t.cols.clone(),
                row_totals: if two {
                    t.cells.iter().map(|l| Some(l.iter().sum())).collect()
                } else {
                    Vec::new()
                },
                col_totals: (0..t.cols.len())
                    .map(|j| Some(t.cells.iter().filter_map(|l| l.get(j)).sum()))
                    .collect(),
                cells,
                total: Some(t.total),
                additive: t.additive,
            };
            table_view(labels, &r, &table, false)
        })
        .collect()
}

/// A release as plain text (the command line).
pub fn report_text(v: &ReportView) -> String {
    let mut out = format!(
        "{} — {}\n{} {}\n",
        v.title,
        v.subtitle,
        v.t.arg("release-revision-n", &v.revision.to_string()),
        v.frozen_on
    );
    if !v.period.is_empty() {
        out.push_str(&format!("{}: {}\n", v.t.get("release-period"), v.period));
    }
    for tb in &v.tables {
        out.push_str(&format!("\n{}\n", tb.title));
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut h = vec![tb.first.clone()];
        h.extend(tb.head.iter().cloned());
        rows.push(h);
        for l in tb.lines.iter().chain(std::iter::once(&tb.foot)) {
            let mut r = vec![l.label.clone()];
            r.extend(l.cells.iter().cloned());
            rows.push(r);
        }
        let widths: Vec<usize> = (0..rows.iter().map(Vec::len).max().unwrap_or(0))
            .map(|i| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for r in rows {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let w = widths.get(i).copied().unwrap_or(0);
                    if i == 0 {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        if let Some(d) = &tb.distinct {
            out.push_str(d);
            out.push('\n');
        }
        if tb.hidden {
            out.push_str(&v.hidden_note);
            out.push('\n');
        }
    }
    out.push_str(&format!("\n{}\n", v.t.get("release-methodology")));
    for p in &v.methodology {
        out.push_str(p);
        out.push_str("\n\n");
    }
    out
}
