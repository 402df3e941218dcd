//! Incidents over the API: list and filter, record, read, edit (with the version read,
//! so concurrent edits are refused rather than lost), their violations, sources and
//! history, and the CSV export. Everything goes through the caller's `Access`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use vigil_domain::model::{Incident, IncidentInput, IncidentSummary, Source, Version, Violation};
use vigil_domain::search::{IncidentFilter, Page};

use super::auth::Caller;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};
use super::{created, lang};

/// An edit: the version the client read, and the whole incident as it should now be.
/// If someone saved in between, the answer is 409 with the current version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentUpdate {
    pub version: i64,
    pub incident: IncidentInput,
}

/// List incidents matching a filter, newest first, one page at a time. The full-text
/// query `q` searches narratives only for callers who may read them.
#[utoipa::path(
    get, path = "/api/v1/incidents", tag = "incidents",
    params(IncidentFilter),
    responses(
        (status = 200, description = "OK", body = Page<IncidentSummary>),
        (status = 400, description = "Bad query parameters", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn list_incidents(
    c: Caller,
    Query(f): Query<IncidentFilter>,
) -> ApiResult<Json<Page<IncidentSummary>>> {
    Ok(Json(c.access.incidents(&f).await?))
}

/// Record an incident with its violations and sources. Victims and named
/// perpetrators refer to persons and groups that exist (`{"kind": "person", "id": 3}`).
/// Nothing is saved unless everything validates.
#[utoipa::path(
    post, path = "/api/v1/incidents", tag = "incidents",
    params(("compartment" = Option<i64>, Query, description = "Compartment to record it in (one the caller is a full member of; default: their first)")),
    responses(
        (status = 201, description = "Recorded; `Location` names it", body = Incident),
        (status = 400, description = "Invalid (`fields`) or malformed body", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not write", body = ErrorBody),
        (status = 413, description = "Body larger than 2 MB", body = ErrorBody),
    )
)]
pub(super) async fn create_incident(
    c: Caller,
    Query(t): Query<super::target::Target>,
    Json(input): Json<IncidentInput>,
) -> ApiResult<Response> {
    let id = t.writer(&c.access).create_incident(&input).await?;
    let incident = c.access.incident(id).await?;
    Ok(created(format!("/api/v1/incidents/{id}"), incident))
}

/// One incident with its violations and sources. Sensitive fields (narrative,
/// coordinates, victims' names) are `null` for callers who may not see them, and
/// `redacted` is `true`.
#[utoipa::path(
    get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "OK", body = Incident), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_incident(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Incident>> {
    Ok(Json(c.access.incident(id).await?))
}

/// Replace an incident (all fields, violations and sources), given the version read.
#[utoipa::path(
    put, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "Saved", body = Incident),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_incident(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<IncidentUpdate>,
) -> ApiResult<Json<Incident>> {
    c.access.update_incident(id, u.version, &u.incident).await?;
    Ok(Json(c.access.incident(id).await?))
}

/// The violations of one incident (redacted like the incident).
#[utoipa::path(
    get, path = "/api/v1/incidents/{id}/violations", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "OK", body = Vec<Violation>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn incident_violations(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Violation>>> {
    Ok(Json(c.access.incident(id).await?.violations))
}

/// The sources of one incident.
#[utoipa::path(
    get, path = "/api/v1/incidents/{id}/sources", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "OK", body = Vec<Source>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn incident_sources(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Source>>> {
    Ok(Json(c.access.incident(id).await?.sources))
}

/// Every saved version of an incident: when, by whom, which fields changed.
#[utoipa::path(
    get, path = "/api/v1/incidents/{id}/history", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "OK", body = Vec<Version>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn incident_history(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Version>>> {
    Ok(Json(c.access.history("incident", id).await?))
}

/// Every incident matching the filter as CSV, one row per violation (needs the export
/// right). Sensitive columns are empty for callers who may not see them; cells a
/// spreadsheet would run as formulas are neutralised.
#[utoipa::path(
    get, path = "/api/v1/incidents.csv", tag = "incidents",
    params(IncidentFilter),
    responses(
        (status = 200, description = "CSV, UTF-8, header row first", content_type = "text/csv", body = String),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not export", body = ErrorBody),
    )
)]
pub(super) async fn export_incidents_csv(
    c: Caller,
    Query(f): Query<IncidentFilter>,
) -> ApiResult<Response> {
    let list = c.access.export_incidents(&f).await?;
    let vocab = c.access.vocabularies().await?;
    tracing::info!(
        user = c.access.actor().user_id,
        rows = list.len(),
        "API export"
    );
    let body = crate::csv_export::incidents_csv(&list, &vocab, lang(&c.user));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"vigil-incidents.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
