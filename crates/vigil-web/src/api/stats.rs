//! Statistics over the API: grouped counts, rates and SDG indicator 16.10.1, as JSON
//! (with the counting rule) or CSV. Counts come from the caller's `Access`, so they
//! cover exactly what the caller may count, aggregate-only compartments included.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use vigil_domain::stats::{Rates, SdgParams, SdgReport, StatsParams, StatsQuery, StatsTable};

use super::auth::Caller;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Query};
use super::lang;
use crate::i18n::I18n;
use crate::stats_report::{self, StatsLabels};

/// Where the full counting rules are written.
const METHODOLOGY: &str = "docs/methodology.md";

/// Grouped counts with the rule they were counted by.
#[derive(Serialize, ToSchema)]
pub struct StatisticsBody {
    #[serde(flatten)]
    pub table: StatsTable,
    /// The counting rule of the measure, in the caller's language.
    pub rule: String,
    /// Where every rule is written in full.
    pub methodology: &'static str,
}

/// Rates with the rule they were computed by.
#[derive(Serialize, ToSchema)]
pub struct RatesBody {
    #[serde(flatten)]
    pub rates: Rates,
    pub rule: String,
    pub counting_rule: String,
    pub methodology: &'static str,
}

/// SDG 16.10.1 with its definition and counting rule.
#[derive(Serialize, ToSchema)]
pub struct SdgBody {
    #[serde(flatten)]
    pub report: SdgReport,
    pub definition: String,
    pub rule: String,
    pub methodology: &'static str,
}

async fn query(c: &Caller, p: &StatsParams) -> ApiResult<(StatsQuery, StatsLabels)> {
    let vocab = c.access.vocabularies().await?;
    let q = p.parse(&vocab)?;
    Ok((q, StatsLabels::new(I18n::new(lang(&c.user)), vocab)))
}

fn csv(body: String, name: &str) -> Response {
    (
        StatusCode::OK,
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

/// Counts of incidents, violations or victims, grouped by up to two dimensions
/// (`by`, `by2`) and filtered. Rows are ordered (time by time, others largest first,
/// unknown last); `total` counts each record once. Rejected incidents are never
/// counted.
#[utoipa::path(
    get, path = "/api/v1/statistics", tag = "statistics",
    params(StatsParams),
    responses(
        (status = 200, description = "OK", body = StatisticsBody),
        (status = 400, description = "Bad parameters (`fields` names them)", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn statistics(
    c: Caller,
    Query(p): Query<StatsParams>,
) -> ApiResult<Json<StatisticsBody>> {
    let (q, labels) = query(&c, &p).await?;
    let table = c.access.statistics(&q).await?;
    Ok(Json(StatisticsBody {
        rule: labels.rule(q.measure),
        table,
        methodology: METHODOLOGY,
    }))
}

/// The same counts as CSV: codes and labels of each dimension, the count, and a
/// last line with the distinct total.
#[utoipa::path(
    get, path = "/api/v1/statistics.csv", tag = "statistics",
    params(StatsParams),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 400, description = "Bad parameters", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn statistics_csv(c: Caller, Query(p): Query<StatsParams>) -> ApiResult<Response> {
    let (q, labels) = query(&c, &p).await?;
    let table = c.access.statistics(&q).await?;
    Ok(csv(
        stats_report::table_csv(&table, &labels),
        "vigil-statistics.csv",
    ))
}

/// "One every N days" and yearly rates for the filter over its period (`from`,
/// `to`); without a period, from 1 January of the first year counted to today.
/// `by`/`by2` are ignored.
#[utoipa::path(
    get, path = "/api/v1/statistics/rates", tag = "statistics",
    params(StatsParams),
    responses(
        (status = 200, description = "OK", body = RatesBody),
        (status = 400, description = "Bad parameters", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn rates(c: Caller, Query(p): Query<StatsParams>) -> ApiResult<Json<RatesBody>> {
    let (q, labels) = query(&c, &p).await?;
    let rates = c.access.rates(&q).await?;
    Ok(Json(RatesBody {
        rates,
        rule: labels.t.get("stats-rate-rule"),
        counting_rule: labels.rule(q.measure),
        methodology: METHODOLOGY,
    }))
}

/// SDG indicator 16.10.1 for a period (default: the 12 months before this month),
/// optionally in one country: totals by category and disaggregated by victim group,
/// sex, perpetrator (state / non-state / unknown) and country.
#[utoipa::path(
    get, path = "/api/v1/indicators/sdg-16-10-1", tag = "statistics",
    params(SdgParams),
    responses(
        (status = 200, description = "OK", body = SdgBody),
        (status = 400, description = "Bad parameters", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn sdg(c: Caller, Query(p): Query<SdgParams>) -> ApiResult<Json<SdgBody>> {
    let today = c.access.rules_context().await?.1;
    let (period, country) = p.parse(today)?;
    let report = c.access.sdg_16_10_1(period, country.as_deref()).await?;
    let t = I18n::new(lang(&c.user));
    Ok(Json(SdgBody {
        report,
        definition: t.get("stats-sdg-definition"),
        rule: t.get("stats-sdg-rule"),
        methodology: METHODOLOGY,
    }))
}

/// SDG indicator 16.10.1 as CSV: `section,code,label,count`.
#[utoipa::path(
    get, path = "/api/v1/indicators/sdg-16-10-1.csv", tag = "statistics",
    params(SdgParams),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 400, description = "Bad parameters", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn sdg_csv(c: Caller, Query(p): Query<SdgParams>) -> ApiResult<Response> {
    let today = c.access.rules_context().await?.1;
    let (period, country) = p.parse(today)?;
    let report = c.access.sdg_16_10_1(period, country.as_deref()).await?;
    let labels = StatsLabels::new(I18n::new(lang(&c.user)), c.access.vocabularies().await?);
    Ok(csv(
        stats_report::sdg_csv(&report, &labels),
        "vigil-sdg-16-10-1.csv",
    ))
}
