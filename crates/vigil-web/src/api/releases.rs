//! Versioned releases over the API (issue 5 point 6): freeze a statistics query or SDG
//! 16.10.1 for a period as a dated release, correct it as a new revision with a reason,
//! publish or withdraw it. Every route needs a token whose user may publish releases
//! (analysts and administrators). The public reads published releases on
//! `/public/releases`, never through these routes.

use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use vigil_domain::release::{Release, ReleaseInput};

use super::auth::Caller;
use super::created;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Path};

/// A correction: why (mandatory) and, optionally, a new methodology text.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RevisionInput {
    pub reason: String,
    /// Empty: keep the previous revision's text.
    pub methodology: String,
}

/// Publish (`true`) or withdraw (`false`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishInput {
    pub published: bool,
}

/// Every release (all revisions, without their tables), newest series first.
#[utoipa::path(
    get, path = "/api/v1/releases", tag = "releases",
    responses((status = 200, description = "OK", body = Vec<Release>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn list_releases(c: Caller) -> ApiResult<Json<Vec<Release>>> {
    Ok(Json(c.access.releases().await?))
}

/// Freeze a new release (revision 1 of a new series), counted now over what the
/// caller may count, after disclosure control. Not published.
#[utoipa::path(
    post, path = "/api/v1/releases", tag = "releases",
    request_body = ReleaseInput,
    responses(
        (status = 201, description = "Frozen; `Location` names it", body = Release),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
    )
)]
pub(super) async fn create_release(
    c: Caller,
    Json(input): Json<ReleaseInput>,
) -> ApiResult<Response> {
    let id = c.access.create_release(&input).await?;
    Ok(created(
        format!("/api/v1/releases/{id}"),
        c.access.release(id).await?,
    ))
}

/// One release: raw tables (`raw`, analysts only) and published tables (`tables`).
#[utoipa::path(
    get, path = "/api/v1/releases/{id}", tag = "releases",
    params(("id" = i64, Path, description = "Release id")),
    responses((status = 200, description = "OK", body = Release), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such release", body = ErrorBody))
)]
pub(super) async fn get_release(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Release>> {
    Ok(Json(c.access.release(id).await?))
}

/// Correct a release: count its query again and store the next revision of its series
/// with the reason. Not published.
#[utoipa::path(
    post, path = "/api/v1/releases/{id}/revisions", tag = "releases",
    params(("id" = i64, Path, description = "Release id (any revision of the series)")),
    request_body = RevisionInput,
    responses(
        (status = 201, description = "The new revision; `Location` names it", body = Release),
        (status = 400, description = "No reason, or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(super) async fn revise_release(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<RevisionInput>,
) -> ApiResult<Response> {
    let new = c
        .access
        .revise_release(id, &input.reason, &input.methodology)
        .await?;
    Ok(created(
        format!("/api/v1/releases/{new}"),
        c.access.release(new).await?,
    ))
}

/// Publish a release on `/public/releases`, or withdraw it.
#[utoipa::path(
    post, path = "/api/v1/releases/{id}/publish", tag = "releases",
    params(("id" = i64, Path, description = "Release id")),
    request_body = PublishInput,
    responses(
        (status = 200, description = "Done", body = Release),
        (status = 400, description = "Malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(super) async fn publish_release(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<PublishInput>,
) -> ApiResult<Json<Release>> {
    c.access.publish_release(id, input.published).await?;
    Ok(Json(c.access.release(id).await?))
}
