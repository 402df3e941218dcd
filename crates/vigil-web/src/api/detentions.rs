//! The detention tracker over the API (issue 6 point 5): detentions on a case, their
//! hearings, and everyone currently detained. Same permission as cases
//! (administrators and protection officers); detentions in cases the caller does not
//! read are 404. The hearings calendar is not here: calendar clients use the feed URL
//! made on the account page (`/calendar/{token}/hearings.ics`, see docs/api.md).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use vigil_domain::detention::{Detained, Detention, DetentionInput, HearingInput};

use super::auth::Caller;
use super::created;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Path};

/// A detention edit (or release): the version read and the whole detention as it
/// should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DetentionUpdate {
    pub version: i64,
    pub detention: DetentionInput,
}

/// Everyone currently detained (no release date), longest held first, with days in
/// detention and the next hearing.
#[utoipa::path(
    get, path = "/api/v1/cases/detained", tag = "cases",
    responses((status = 200, description = "OK", body = Vec<Detained>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn detained(c: Caller) -> ApiResult<Json<Vec<Detained>>> {
    Ok(Json(c.access.detained().await?))
}

/// Record a detention of the case's person.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/detentions", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 201, description = "Recorded; `Location` names it", body = Detention),
        (status = 400, description = "Invalid (`fields`), malformed, or the case protects a group", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn add_detention(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<DetentionInput>,
) -> ApiResult<Response> {
    let d = c.access.add_detention(id, &input).await?;
    Ok(created(
        format!("/api/v1/cases/detentions/{d}"),
        c.access.detention(d).await?.0,
    ))
}

/// One detention with its hearings and days in detention.
#[utoipa::path(
    get, path = "/api/v1/cases/detentions/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Detention id")),
    responses((status = 200, description = "OK", body = Detention), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_detention(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Detention>> {
    Ok(Json(c.access.detention(id).await?.0))
}

/// Replace a detention (a release sets `released_on`), given the version read.
#[utoipa::path(
    put, path = "/api/v1/cases/detentions/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Detention id")),
    responses(
        (status = 200, description = "Saved", body = Detention),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_detention(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<DetentionUpdate>,
) -> ApiResult<Json<Detention>> {
    c.access
        .update_detention(id, u.version, &u.detention)
        .await?;
    Ok(Json(c.access.detention(id).await?.0))
}

/// Add a court hearing to a detention.
#[utoipa::path(
    post, path = "/api/v1/cases/detentions/{id}/hearings", tag = "cases",
    params(("id" = i64, Path, description = "Detention id")),
    responses(
        (status = 201, description = "Added; the detention as it now is", body = Detention),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn add_hearing(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<HearingInput>,
) -> ApiResult<Response> {
    c.access.add_hearing(id, &input).await?;
    Ok(created(
        format!("/api/v1/cases/detentions/{id}"),
        c.access.detention(id).await?.0,
    ))
}

/// Remove a hearing (cancelled, or entered by mistake).
#[utoipa::path(
    delete, path = "/api/v1/cases/hearings/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Hearing id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn remove_hearing(c: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    c.access.remove_hearing(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
