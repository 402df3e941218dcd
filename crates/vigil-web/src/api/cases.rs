//! Protection cases over the API (issue 6): cases, risk assessments, actions, linked
//! incidents and the lists across cases. Every route needs a token whose user may
//! manage cases (administrators and protection officers); cases in compartments the
//! caller does not read are 404, as everywhere.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use vigil_domain::case::{
    ActionInput, AssessmentInput, Case, CaseAction, CaseFile, CaseInput, CaseStatus,
};
use vigil_domain::validate::FieldErrors;
use vigil_store::cases::CaseList;

use super::auth::Caller;
use super::created;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CaseQuery {
    /// Only cases with this status (`open`, `monitoring`, `closed`).
    pub status: Option<String>,
    /// `risk`: cases not closed, highest current risk first (overrides `status`).
    pub order: Option<String>,
}

/// An edit: the version the client read, and the whole case as it should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseUpdate {
    pub version: i64,
    pub case: CaseInput,
}

/// An action edit: the version read and the whole action as it should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionUpdate {
    pub version: i64,
    pub action: ActionInput,
}

/// List cases, most recently changed first (or by risk).
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases",
    params(CaseQuery),
    responses((status = 200, description = "OK", body = Vec<Case>), (status = 400, description = "Unknown status or order", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn list_cases(
    c: Caller,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<Vec<Case>>> {
    let bad = |field: &str, value: &str| {
        let mut e = FieldErrors::default();
        e.add(field, "err-unknown-code", Some(value.to_owned()));
        ApiError::Invalid(e)
    };
    let list = match (q.order.as_deref(), q.status.as_deref()) {
        (Some("risk"), _) => CaseList::ByRisk,
        (Some(o), _) => return Err(bad("order", o)),
        (None, None) => CaseList::All,
        (None, Some(s)) => CaseList::Status(s.parse::<CaseStatus>().map_err(|_| bad("status", s))?),
    };
    Ok(Json(c.access.cases(list).await?))
}

/// Open a case.
#[utoipa::path(
    post, path = "/api/v1/cases", tag = "cases",
    params(("compartment" = Option<i64>, Query, description = "Compartment to open it in (one the caller is a full member of; default: their first)")),
    responses(
        (status = 201, description = "Opened; `Location` names it", body = CaseFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn create_case(
    c: Caller,
    Query(t): Query<super::target::Target>,
    Json(input): Json<CaseInput>,
) -> ApiResult<Response> {
    let id = t.writer(&c.access).create_case(&input).await?;
    Ok(created(
        format!("/api/v1/cases/{id}"),
        c.access.case_file(id).await?,
    ))
}

/// One case with its assessments, actions, linked incidents and timeline.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "OK", body = CaseFile), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_case(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseFile>> {
    Ok(Json(c.access.case_file(id).await?))
}

/// Replace a case's record, given the version read.
#[utoipa::path(
    put, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 200, description = "Saved", body = CaseFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_case(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<CaseUpdate>,
) -> ApiResult<Json<CaseFile>> {
    c.access.update_case(id, u.version, &u.case).await?;
    Ok(Json(c.access.case_file(id).await?))
}

/// Record a risk assessment.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/assessments", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 201, description = "Recorded; the case as it now is", body = CaseFile),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn add_assessment(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<AssessmentInput>,
) -> ApiResult<Response> {
    c.access.add_assessment(id, &input).await?;
    Ok(created(
        format!("/api/v1/cases/{id}"),
        c.access.case_file(id).await?,
    ))
}

/// Plan an action.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/actions", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 201, description = "Planned", body = CaseAction),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn add_action(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ActionInput>,
) -> ApiResult<Response> {
    let a = c.access.add_action(id, &input).await?;
    Ok(created(
        format!("/api/v1/cases/actions/{a}"),
        c.access.action(a).await?,
    ))
}

/// Replace an action (status, outcome, assignee…), given the version read.
#[utoipa::path(
    put, path = "/api/v1/cases/actions/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Action id")),
    responses(
        (status = 200, description = "Saved", body = CaseAction),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_action(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<ActionUpdate>,
) -> ApiResult<Json<CaseAction>> {
    c.access.update_action(id, u.version, &u.action).await?;
    Ok(Json(c.access.action(id).await?))
}

/// The caller's actions still to do, across cases.
#[utoipa::path(
    get, path = "/api/v1/cases/actions/mine", tag = "cases",
    responses((status = 200, description = "OK", body = Vec<CaseAction>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn my_actions(c: Caller) -> ApiResult<Json<Vec<CaseAction>>> {
    Ok(Json(c.access.my_actions().await?))
}

/// Actions still to do whose due date has passed, across cases.
#[utoipa::path(
    get, path = "/api/v1/cases/actions/overdue", tag = "cases",
    responses((status = 200, description = "OK", body = Vec<CaseAction>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn overdue_actions(c: Caller) -> ApiResult<Json<Vec<CaseAction>>> {
    Ok(Json(c.access.overdue_actions().await?))
}

/// Link an incident to the case.
#[utoipa::path(
    put, path = "/api/v1/cases/{id}/incidents/{incident}", tag = "cases",
    params(("id" = i64, Path, description = "Case id"), ("incident" = i64, Path, description = "Incident id")),
    responses(
        (status = 204, description = "Linked"),
        (status = 400, description = "No such incident the caller can see (`fields`)", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn link_incident(
    c: Caller,
    Path((id, incident)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    c.access.link_case_incident(id, incident, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unlink an incident from the case.
#[utoipa::path(
    delete, path = "/api/v1/cases/{id}/incidents/{incident}", tag = "cases",
    params(("id" = i64, Path, description = "Case id"), ("incident" = i64, Path, description = "Incident id")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 400, description = "No such incident the caller can see (`fields`)", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn unlink_incident(
    c: Caller,
    Path((id, incident)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    c.access.link_case_incident(id, incident, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
