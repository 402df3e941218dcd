//! Statistics pages: grouped counts with a chart and its table, rates, and SDG
//! indicator 16.10.1, each with its counting rule beside the figures and a CSV
//! download. Plain GET forms, no script. Counts come from `Access::statistics`, which
//! counts only what the reader may count (aggregate-only compartments included).

use askama::Template;
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;

use vigil_domain::stats::*;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};

use super::{respond, Layout};
use crate::chart;
use crate::error::{WebError, WebResult};
use crate::forms::{status_options, vocab_options, Opt};
use crate::i18n::I18n;
use crate::map;
use crate::session::Ctx;
use crate::stats_report::{self, fmt_num, StatsLabels};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/statistics", get(show))
        .route("/statistics.csv", get(export_csv))
        .route("/statistics/map.svg", get(map_svg))
        .route("/statistics/sdg-16-10-1", get(sdg))
        .route("/statistics/sdg-16-10-1.csv", get(sdg_csv))
}

/// Bars drawn at most; the table beside the chart has every group.
const MAX_BARS: usize = 20;
/// Lines drawn at most in a two-way time chart.
const MAX_SERIES: usize = 5;

fn opts(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// One line of a table: label cells and the count.
pub struct Line {
    pub cells: Vec<String>,
    pub count: i64,
}

struct RateLine {
    label: String,
    period: String,
    days: i64,
    count: i64,
    every: String,
    per_year: String,
}

struct Results {
    total: String,
    rule: String,
    multi: Option<String>,
    chart: String,
    chart_note: Option<String>,
    /// The world map when the counts are grouped by country first, and its note.
    map: String,
    map_note: String,
    head: Vec<String>,
    lines: Vec<Line>,
    measure: String,
    rates: Vec<RateLine>,
    every: String,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    l: Layout,
    p: StatsParams,
    measures: Vec<Opt>,
    dims1: Vec<Opt>,
    dims2: Vec<Opt>,
    types: Vec<Opt>,
    verbs: Vec<Opt>,
    statuses: Vec<Opt>,
    perpetrators: Vec<Opt>,
    states: Vec<Opt>,
    sectors: Vec<Opt>,
    characteristics: Vec<Opt>,
    sexes: Vec<Opt>,
    sdg_groups: Vec<Opt>,
    defence_sectors: Vec<Opt>,
    errors: Vec<String>,
    r: Option<Results>,
    csv: String,
    /// Any filter set (the filter panel opens).
    filtered: bool,
}

fn field_errors(t: &I18n, e: &FieldErrors) -> Vec<String> {
    e.0.iter()
        .map(|x| format!("{}: {}", x.field, t.error(x)))
        .collect()
}

/// Years or months from the first to the last key, gaps filled, so a line chart's
/// x axis is even.
fn time_axis(d: Dimension, keys: &[String]) -> Vec<String> {
    let known: Vec<&String> = keys.iter().filter(|k| !k.is_empty()).collect();
    let (Some(first), Some(last)) = (known.iter().min(), known.iter().max()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if d == Dimension::Year {
        if let (Ok(a), Ok(b)) = (first.parse::<i32>(), last.parse::<i32>()) {
            out.extend((a..=b).map(|y| y.to_string()));
        }
    } else {
        let parse = |k: &str| NaiveDate::parse_from_str(&format!("{k}-01"), "%Y-%m-%d").ok();
        if let (Some(mut m), Some(end)) = (parse(first), parse(last)) {
            while m <= end && out.len() < 1200 {
                out.push(m.format("%Y-%m").to_string());
                m = m
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(end.succ_opt().unwrap_or(end));
            }
        }
    }
    out
}

/// The chart for a table: a line over time, or bars of the first dimension's groups
/// (`one_way` is the first dimension alone, counted exactly).
fn chart_for(
    t: &StatsTable,
    one_way: Option<&StatsTable>,
    labels: &StatsLabels,
) -> (String, Option<String>) {
    let Some(d1) = t.dimensions.first().copied() else {
        return (String::new(), None);
    };
    let title = format!("{} × {}", labels.measure(t.measure), labels.dimension(d1));
    if d1.is_time() {
        let xs = time_axis(d1, &t.keys(0));
        if xs.is_empty() {
            return (String::new(), None);
        }
        match t.dimensions.get(1).copied() {
            None => {
                let values = xs.iter().map(|x| t.get(x)).collect();
                (
                    chart::lines(&title, &xs, &[(labels.measure(t.measure), values)]),
                    None,
                )
            }
            Some(d2) => {
                let mut keys = t.keys(1);
                let mut totals: Vec<(String, i64)> = keys
                    .drain(..)
                    .map(|k| {
                        let n = t
                            .rows
                            .iter()
                            .filter(|r| r.keys.get(1) == Some(&k))
                            .map(|r| r.count)
                            .sum();
                        (k, n)
                    })
                    .collect();
                totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let note = (totals.len() > MAX_SERIES)
                    .then(|| labels.t.n("stats-chart-series", MAX_SERIES as i64));
                let series: Vec<(String, Vec<i64>)> = totals
                    .iter()
                    .take(MAX_SERIES)
                    .map(|(k, _)| (labels.key(d2, k), xs.iter().map(|x| t.cell(x, k)).collect()))
                    .collect();
                let title = format!("{title} × {}", labels.dimension(d2));
                (chart::lines(&title, &xs, &series), note)
            }
        }
    } else {
        let src = one_way.unwrap_or(t);
        let items: Vec<(String, i64)> = src
            .rows
            .iter()
            .take(MAX_BARS)
            .map(|r| {
                let k = r.keys.first().map_or("", String::as_str);
                (labels.key(d1, k), r.count)
            })
            .collect();
        let note =
            (src.rows.len() > MAX_BARS).then(|| labels.t.n("stats-chart-top", MAX_BARS as i64));
        (chart::bars(&title, &items), note)
    }
}

/// The world map of a table grouped by country alone, and a note naming what it cannot
/// draw; empty for any other grouping (a two-way table's rows would not fit in the
/// page's weight beside a map). Groups without a shape (unknown country, a code
/// outside the map) stay in the table only.
fn map_for(t: &StatsTable, labels: &StatsLabels) -> (String, String) {
    if t.dimensions != [Dimension::Country] {
        return (String::new(), String::new());
    }
    let world = map::World::get();
    let values: Vec<(String, map::Value)> = t
        .rows
        .iter()
        .filter_map(|r| {
            r.keys
                .first()
                .map(|k| (k.clone(), map::Value::Count(r.count)))
        })
        .collect();
    let off = values
        .iter()
        .filter(|(k, _)| world.shape(k).is_none())
        .count();
    let title = format!(
        "{} × {}",
        labels.measure(t.measure),
        labels.dimension(Dimension::Country)
    );
    let no_data = labels.t.get("map-no-data");
    let withheld = labels.t.get("map-withheld");
    let svg = map::counts(
        &map::MapText {
            title: &title,
            lang: labels.lang(),
            no_data: &no_data,
            withheld: &withheld,
        },
        &values,
    );
    let mut note = labels.t.get("map-note");
    if off > 0 {
        note.push(' ');
        note.push_str(&labels.t.n("map-off", off as i64));
    }
    (svg, note)
}

fn dimension_opts(labels: &StatsLabels, selected: &str) -> Vec<Opt> {
    let mut v = vec![(String::new(), labels.t.get("stats-no-dimension"))];
    v.extend(
        Dimension::ALL
            .iter()
            .map(|d| (d.code().to_owned(), labels.dimension(*d))),
    );
    opts(v, selected)
}

async fn show(ctx: Ctx, Query(p): Query<StatsParams>) -> Response {
    let r: WebResult<Response> = async {
        let vocab = ctx.access.vocabularies().await?;
        let labels = StatsLabels::new(ctx.t.clone(), vocab.clone());
        let lang = ctx.t.lang;
        let any = || Some(ctx.t.get("any"));
        let (errors, results) = match p.parse(&vocab) {
            Err(e) => (field_errors(&ctx.t, &e), None),
            Ok(q) => (Vec::new(), Some(results(&ctx, &q, &labels).await?)),
        };
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = StatsPage {
            measures: opts(
                Measure::ALL
                    .iter()
                    .map(|m| (m.code().to_owned(), labels.measure(*m))),
                if p.measure.is_empty() {
                    "incidents"
                } else {
                    &p.measure
                },
            ),
            dims1: dimension_opts(&labels, &p.by),
            dims2: dimension_opts(&labels, &p.by2),
            types: vocab_options(
                &vocab,
                VocabKind::ViolationType,
                lang,
                &p.violation_type,
                any(),
            ),
            verbs: opts(
                std::iter::once((String::new(), ctx.t.get("any"))).chain(
                    ["killing", "criminalisation", "curtailing"]
                        .iter()
                        .map(|v| ((*v).to_owned(), ctx.t.code("stats-verb", v))),
                ),
                &p.verb,
            ),
            statuses: status_options(&ctx.t, &p.status, true),
            perpetrators: vocab_options(
                &vocab,
                VocabKind::PerpetratorType,
                lang,
                &p.perpetrator_type,
                any(),
            ),
            states: opts(
                std::iter::once((String::new(), ctx.t.get("any"))).chain(
                    ["state", "non_state", "unknown"]
                        .iter()
                        .map(|v| ((*v).to_owned(), labels.key(Dimension::StateActor, v))),
                ),
                &p.state_actor,
            ),
            sectors: vocab_options(&vocab, VocabKind::BusinessSector, lang, &p.sector, any()),
            characteristics: vocab_options(
                &vocab,
                VocabKind::Characteristic,
                lang,
                &p.characteristic,
                any(),
            ),
            sexes: vocab_options(&vocab, VocabKind::Sex, lang, &p.sex, any()),
            sdg_groups: vocab_options(&vocab, VocabKind::SdgGroup, lang, &p.sdg_group, any()),
            defence_sectors: vocab_options(
                &vocab,
                VocabKind::SectorOfDefence,
                lang,
                &p.defence_sector,
                any(),
            ),
            errors,
            r: results,
            csv: p.to_query(),
            filtered: StatsParams {
                measure: String::new(),
                by: String::new(),
                by2: String::new(),
                ..p.clone()
            } != StatsParams::default(),
            l: Layout::of(&ctx, "statistics"),
            p,
        };
        Ok((status, Html(body.render()?)).into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn results(ctx: &Ctx, q: &StatsQuery, labels: &StatsLabels) -> WebResult<Results> {
    let t = ctx.access.statistics(q).await?;
    let one_way = match (q.dims.first(), q.dims.len()) {
        (Some(d), 2) if !d.is_time() => {
            let mut q1 = q.clone();
            q1.dims.truncate(1);
            Some(ctx.access.statistics(&q1).await?)
        }
        _ => None,
    };
    let (chart, chart_note) = chart_for(&t, one_way.as_ref(), labels);
    let (map, map_note) = map_for(&t, labels);
    let rates = ctx.access.rates(q).await?;
    let rate_line = |r: &Rate, label: String| RateLine {
        label,
        period: format!("{} – {}", r.from, r.to),
        days: r.days,
        count: r.count,
        every: labels.every(r),
        per_year: fmt_num(r.per_year),
    };
    let mut rate_lines = vec![rate_line(&rates.total, ctx.t.get("stats-rate-all"))];
    rate_lines.extend(
        rates
            .years
            .iter()
            .map(|r| rate_line(r, r.year.map(|y| y.to_string()).unwrap_or_default())),
    );
    let multi = q
        .dims
        .iter()
        .find(|d| d.multi_valued())
        .map(|d| ctx.t.arg("stats-multi-note", &labels.dimension(*d)));
    let mut head: Vec<String> = t.dimensions.iter().map(|d| labels.dimension(*d)).collect();
    head.push(labels.measure(t.measure));
    Ok(Results {
        total: format!(
            "{} — {}",
            labels.measure(t.measure),
            ctx.t.n("stats-total", t.total)
        ),
        rule: labels.rule(q.measure),
        multi,
        chart,
        chart_note,
        map,
        map_note,
        head,
        lines: t
            .rows
            .iter()
            .map(|r| Line {
                cells: t
                    .dimensions
                    .iter()
                    .zip(&r.keys)
                    .map(|(d, k)| labels.key(*d, k))
                    .collect(),
                count: r.count,
            })
            .collect(),
        measure: labels.measure(t.measure),
        every: labels.every(&rates.total),
        rates: rate_lines,
    })
}

fn csv_response(body: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn export_csv(ctx: Ctx, Query(p): Query<StatsParams>) -> Response {
    let r: WebResult<Response> = async {
        let vocab = ctx.access.vocabularies().await?;
        let q = p
            .parse(&vocab)
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        let t = ctx.access.statistics(&q).await?;
        let labels = StatsLabels::new(ctx.t.clone(), vocab);
        Ok(csv_response(
            stats_report::table_csv(&t, &labels),
            "vigil-statistics.csv",
        ))
    }
    .await;
    respond(&ctx, r)
}

/// The world map of the counts by country, alone, as an SVG file (the page's filters;
/// the grouping is always by country).
async fn map_svg(ctx: Ctx, Query(p): Query<StatsParams>) -> Response {
    let r: WebResult<Response> = async {
        let vocab = ctx.access.vocabularies().await?;
        let mut q = match p.parse(&vocab) {
            Ok(q) => q,
            // A bad filter is named, in plain text (an image has no form to show it in).
            Err(e) => {
                return Ok((
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    field_errors(&ctx.t, &e).join("\n"),
                )
                    .into_response())
            }
        };
        q.dims = vec![Dimension::Country];
        let t = ctx.access.statistics(&q).await?;
        let labels = StatsLabels::new(ctx.t.clone(), vocab);
        let (svg, _) = map_for(&t, &labels);
        Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n"),
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}

struct SdgSection {
    title: String,
    chart: String,
    lines: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "stats_sdg.html")]
struct SdgPage {
    l: Layout,
    p: SdgParams,
    errors: Vec<String>,
    period: String,
    total: String,
    sections: Vec<SdgSection>,
    matrix_head: Vec<String>,
    matrix: Vec<Line>,
    csv: String,
}

fn sdg_sections(r: &SdgReport, labels: &StatsLabels) -> Vec<SdgSection> {
    let section = |key: &str, lines: &[SdgLine], label: &dyn Fn(&str) -> String, chart: bool| {
        let lines: Vec<(String, i64)> = lines.iter().map(|x| (label(&x.code), x.count)).collect();
        let title = labels.t.get(key);
        SdgSection {
            chart: if chart {
                chart::bars(&title, &lines)
            } else {
                String::new()
            },
            title,
            lines,
        }
    };
    vec![
        section(
            "stats-sdg-by-category",
            &r.by_category,
            &|c| labels.sdg_category(c),
            true,
        ),
        section(
            "stats-sdg-by-group",
            &r.by_group,
            &|c| labels.sdg_group(c),
            false,
        ),
        section("stats-sdg-by-sex", &r.by_sex, &|c| labels.sex(c), false),
        section(
            "stats-sdg-by-perpetrator",
            &r.by_perpetrator,
            &|c| labels.actor(c),
            false,
        ),
        section(
            "stats-sdg-by-country",
            &r.by_country,
            &|c| labels.country(c),
            false,
        ),
    ]
}

async fn sdg(ctx: Ctx, Query(p): Query<SdgParams>) -> Response {
    let r: WebResult<Response> = async {
        let vocab: Vocabularies = ctx.access.vocabularies().await?;
        let labels = StatsLabels::new(ctx.t.clone(), vocab);
        let today = ctx.access.rules_context().await?.1;
        let mut page_ = SdgPage {
            l: Layout::of(&ctx, "statistics"),
            errors: Vec::new(),
            period: String::new(),
            total: String::new(),
            sections: Vec::new(),
            matrix_head: Vec::new(),
            matrix: Vec::new(),
            csv: serde_urlencoded::to_string([
                ("from", &p.from),
                ("to", &p.to),
                ("country", &p.country),
            ])
            .unwrap_or_default(),
            p: SdgParams::default(),
        };
        match p.parse(today) {
            Err(e) => page_.errors = field_errors(&ctx.t, &e),
            Ok((period, country)) => {
                let r = ctx.access.sdg_16_10_1(period, country.as_deref()).await?;
                page_.period = period.to_string();
                page_.total = ctx.t.n("stats-sdg-total", r.total);
                page_.sections = sdg_sections(&r, &labels);
                let groups: Vec<String> = {
                    let mut g: Vec<String> = r
                        .by_category_and_group
                        .iter()
                        .filter_map(|x| x.keys.get(1).cloned())
                        .collect();
                    g.sort();
                    g.dedup();
                    g
                };
                page_.matrix_head = std::iter::once(ctx.t.get("stats-sdg-category"))
                    .chain(groups.iter().map(|g| labels.sdg_group(g)))
                    .collect();
                page_.matrix = SDG_CATEGORIES
                    .iter()
                    .map(|c| {
                        let code = sdg_category_code(*c);
                        let counts: Vec<String> = groups
                            .iter()
                            .map(|g| {
                                r.by_category_and_group
                                    .iter()
                                    .find(|x| x.keys == [code.to_owned(), g.clone()])
                                    .map_or(0, |x| x.count)
                                    .to_string()
                            })
                            .collect();
                        Line {
                            cells: std::iter::once(labels.sdg_category(code))
                                .chain(counts)
                                .collect(),
                            count: r.category(code),
                        }
                    })
                    .collect();
            }
        }
        let status = if page_.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        page_.p = p;
        Ok((status, Html(page_.render()?)).into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn sdg_csv(ctx: Ctx, Query(p): Query<SdgParams>) -> Response {
    let r: WebResult<Response> = async {
        let today = ctx.access.rules_context().await?.1;
        let (period, country) = p
            .parse(today)
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        let rep = ctx.access.sdg_16_10_1(period, country.as_deref()).await?;
        let labels = StatsLabels::new(ctx.t.clone(), ctx.access.vocabularies().await?);
        Ok(csv_response(
            stats_report::sdg_csv(&rep, &labels),
            "vigil-sdg-16-10-1.csv",
        ))
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_axes_fill_gaps_and_skip_unknown() {
        let keys = vec!["2021".to_owned(), "".to_owned(), "2023".to_owned()];
        assert_eq!(
            time_axis(Dimension::Year, &keys),
            vec!["2021", "2022", "2023"]
        );
        let months = vec!["2023-11".to_owned(), "2024-02".to_owned()];
        assert_eq!(
            time_axis(Dimension::Month, &months),
            vec!["2023-11", "2023-12", "2024-01", "2024-02"]
        );
    }
}
