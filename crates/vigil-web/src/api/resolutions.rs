//! Resolutions and state commitments over the API (issue 7): resolutions with their
//! sponsors, roll calls and paragraphs, the imports (CSV text in JSON), the sponsor
//! comparison and state scorecards. Reading needs `Read`; every change
//! `EditResolutions` (administrators and analysts), checked in `Access` and audited.
//! Import problems name the file, line and column and describe the cell: these are
//! public-record files, not case material.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use vigil_domain::resolution::{
    Comparison, ParagraphInput, ResolutionFile, ResolutionImportCounts, ResolutionInput,
    ResolutionSummary, Scorecard,
};
use vigil_domain::validate::FieldErrors;
use vigil_store::resolutions::ResolutionFilter;

use super::auth::Caller;
use super::created;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};
use crate::resolution_files::{self, ImportError, ImportOutcome};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ResolutionQuery {
    /// Only resolutions with this topic tag.
    pub topic: Option<String>,
    /// Only resolutions adopted in this year.
    pub year: Option<i32>,
}

/// List resolutions, newest first, with the tally of the vote on the whole text.
#[utoipa::path(
    get, path = "/api/v1/resolutions", tag = "resolutions",
    params(ResolutionQuery),
    responses((status = 200, description = "OK", body = Vec<ResolutionSummary>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn list_resolutions(
    c: Caller,
    Query(q): Query<ResolutionQuery>,
) -> ApiResult<Json<Vec<ResolutionSummary>>> {
    Ok(Json(
        c.access
            .resolutions(&ResolutionFilter {
                topic: q.topic.unwrap_or_default(),
                year: q.year,
            })
            .await?,
    ))
}

/// Enter a resolution (typically one adopted without a vote) with its sponsors.
#[utoipa::path(
    post, path = "/api/v1/resolutions", tag = "resolutions",
    request_body = ResolutionInput,
    responses(
        (status = 201, description = "Saved; `Location` names it", body = ResolutionFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn create_resolution(
    c: Caller,
    Json(input): Json<ResolutionInput>,
) -> ApiResult<Response> {
    let id = c.access.create_resolution(&input).await?;
    Ok(created(
        format!("/api/v1/resolutions/{id}"),
        c.access.resolution_file(id).await?,
    ))
}

/// One resolution: adoption, sponsors, every roll call with its votes and tally,
/// operative paragraphs, the same topic over the years.
#[utoipa::path(
    get, path = "/api/v1/resolutions/{id}", tag = "resolutions",
    params(("id" = i64, Path, description = "Resolution id")),
    responses((status = 200, description = "OK", body = ResolutionFile), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_resolution(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResolutionFile>> {
    Ok(Json(c.access.resolution_file(id).await?))
}

/// Replace a resolution's fields, topics and sponsor lists.
#[utoipa::path(
    put, path = "/api/v1/resolutions/{id}", tag = "resolutions",
    params(("id" = i64, Path, description = "Resolution id")),
    request_body = ResolutionInput,
    responses(
        (status = 200, description = "Saved", body = ResolutionFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn update_resolution(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ResolutionInput>,
) -> ApiResult<Json<ResolutionFile>> {
    c.access.update_resolution(id, &input).await?;
    Ok(Json(c.access.resolution_file(id).await?))
}

/// Add an operative paragraph tagged with the violation types it addresses.
#[utoipa::path(
    post, path = "/api/v1/resolutions/{id}/paragraphs", tag = "resolutions",
    params(("id" = i64, Path, description = "Resolution id")),
    request_body = ParagraphInput,
    responses(
        (status = 201, description = "Added", body = ResolutionFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn add_paragraph(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ParagraphInput>,
) -> ApiResult<Response> {
    c.access.add_paragraph(id, &input).await?;
    Ok(created(
        format!("/api/v1/resolutions/{id}"),
        c.access.resolution_file(id).await?,
    ))
}

/// Remove an operative paragraph.
#[utoipa::path(
    delete, path = "/api/v1/resolutions/{id}/paragraphs/{paragraph}", tag = "resolutions",
    params(("id" = i64, Path, description = "Resolution id"), ("paragraph" = i64, Path, description = "Paragraph id")),
    responses((status = 204, description = "Removed"), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn delete_paragraph(
    c: Caller,
    Path((id, paragraph)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    c.access.delete_paragraph(id, paragraph).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ComparisonQuery {
    /// Year the incidents started in (default: the year after adoption).
    pub year: Option<i32>,
    /// `killing` (default), `criminalisation` or `curtailing`.
    pub verb: Option<String>,
}

/// Sponsors of the resolution where incidents of a kind were documented in a year,
/// with those attributed to state actors (counted over what the caller may count).
#[utoipa::path(
    get, path = "/api/v1/resolutions/{id}/comparison", tag = "resolutions",
    params(("id" = i64, Path, description = "Resolution id"), ComparisonQuery),
    responses((status = 200, description = "OK", body = Comparison), (status = 400, description = "Unknown verb", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn comparison(
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ComparisonQuery>,
) -> ApiResult<Json<Comparison>> {
    Ok(Json(
        c.access
            .sponsor_comparison(id, q.year, q.verb.as_deref().unwrap_or(""))
            .await?,
    ))
}

/// Two CSV files as text, in the layout of the UN General Assembly voting data set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RollCallImport {
    /// `rcid, session, importantvote, date, unres, amend, para, short, descr`.
    pub rollcalls: String,
    /// `rcid, country, country_code, vote` (1 yes, 2 abstain, 3 no, 8 absent, 9 not a member).
    pub votes: String,
}

/// One CSV file as text.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ListImport {
    pub csv: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub counts: ResolutionImportCounts,
    pub rows: usize,
    pub votes: usize,
    /// Roll calls without a resolution symbol, left out with their votes.
    pub skipped: usize,
}

fn import_result(r: Result<ImportOutcome, ImportError>) -> ApiResult<Json<ImportResult>> {
    match r {
        Ok(o) => Ok(Json(ImportResult {
            counts: o.counts,
            rows: o.rows,
            votes: o.votes,
            skipped: o.skipped,
        })),
        Err(ImportError::Rows(list)) => {
            let mut e = FieldErrors::default();
            for r in list {
                let at = match &r.column {
                    Some(c) => format!("{}:{}:{c}", r.file, r.line),
                    None => format!("{}:{}", r.file, r.line),
                };
                e.add(at, "err-import-row", Some(r.reason));
            }
            Err(ApiError::Invalid(e))
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

/// Import roll calls and their votes; importing the same files again changes
/// nothing. Problems are `fields` named `FILE:LINE:COLUMN` (files `rollcalls` and
/// `votes`), and then nothing is written.
#[utoipa::path(
    post, path = "/api/v1/resolutions/import/rollcalls", tag = "resolutions",
    request_body = RollCallImport,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "Problems in the files (`fields`); nothing written", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn import_rollcalls(
    c: Caller,
    Json(b): Json<RollCallImport>,
) -> ApiResult<Json<ImportResult>> {
    import_result(
        resolution_files::import_roll_calls(
            &c.access,
            ("rollcalls", b.rollcalls.as_bytes()),
            ("votes", b.votes.as_bytes()),
        )
        .await,
    )
}

/// Import a resolution list (`symbol, title, body, session, adopted_on, adoption,
/// topics[, main_sponsors, co_sponsors]`); file name in problems: `csv`.
#[utoipa::path(
    post, path = "/api/v1/resolutions/import/list", tag = "resolutions",
    request_body = ListImport,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "Problems in the file (`fields`); nothing written", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn import_list(
    c: Caller,
    Json(b): Json<ListImport>,
) -> ApiResult<Json<ImportResult>> {
    import_result(
        resolution_files::import_resolution_list(&c.access, "csv", b.csv.as_bytes()).await,
    )
}

/// Import sponsor lists (`symbol, country, role`): each resolution named gets exactly
/// the sponsors listed for it.
#[utoipa::path(
    post, path = "/api/v1/resolutions/import/sponsors", tag = "resolutions",
    request_body = ListImport,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "Problems in the file (`fields`); nothing written", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn import_sponsors(
    c: Caller,
    Json(b): Json<ListImport>,
) -> ApiResult<Json<ImportResult>> {
    import_result(resolution_files::import_sponsor_list(&c.access, "csv", b.csv.as_bytes()).await)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ScorecardQuery {
    /// State: name or ISO code.
    pub state: String,
    /// Topic tag; empty: every topic.
    pub topic: String,
    /// First year of incidents counted.
    pub from: Option<i32>,
    /// Last year of incidents counted.
    pub to: Option<i32>,
}

/// A state's record on a topic's resolutions beside the violations documented in its
/// territory by year and type, all and by state actors (over what the caller may count).
#[utoipa::path(
    get, path = "/api/v1/scorecards", tag = "resolutions",
    params(ScorecardQuery),
    responses((status = 200, description = "OK", body = Scorecard), (status = 400, description = "Unknown state or topic", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn scorecard(
    c: Caller,
    Query(q): Query<ScorecardQuery>,
) -> ApiResult<Json<Scorecard>> {
    Ok(Json(
        c.access.scorecard(&q.state, &q.topic, q.from, q.to).await?,
    ))
}

/// The same scorecard as CSV (a `section` column: `resolution` and `violations` lines).
#[utoipa::path(
    get, path = "/api/v1/scorecards.csv", tag = "resolutions",
    params(ScorecardQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = String), (status = 400, description = "Unknown state or topic", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn scorecard_csv(
    c: Caller,
    Query(q): Query<ScorecardQuery>,
) -> ApiResult<Response> {
    let card = c.access.scorecard(&q.state, &q.topic, q.from, q.to).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"vigil-scorecard-{}.csv\"",
                    card.state.alpha2
                ),
            ),
        ],
        resolution_files::scorecard_csv(&card),
    )
        .into_response())
}
