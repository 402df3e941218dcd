//! Groups over the API: organisations, communities and movements (victims too).

use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use vigil_domain::model::{Group, GroupInput, Version, VictimRef, VictimViolation};
use vigil_domain::search::Page;

use super::auth::Caller;
use super::created;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct GroupQuery {
    /// Words in the name or code.
    pub q: String,
    /// 1-based page number.
    pub page: Option<u32>,
}

/// An edit: the version the client read, and the whole group as it should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GroupUpdate {
    pub version: i64,
    pub group: GroupInput,
}

/// List groups, by name.
#[utoipa::path(
    get, path = "/api/v1/groups", tag = "groups",
    params(GroupQuery),
    responses((status = 200, description = "OK", body = Page<Group>), (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody))
)]
pub(super) async fn list_groups(
    c: Caller,
    Query(q): Query<GroupQuery>,
) -> ApiResult<Json<Page<Group>>> {
    Ok(Json(
        c.access.groups(&q.q, q.page.unwrap_or(1).max(1)).await?,
    ))
}

/// Record a group.
#[utoipa::path(
    post, path = "/api/v1/groups", tag = "groups",
    params(("compartment" = Option<i64>, Query, description = "Compartment to record it in (one the caller is a full member of; default: their first)")),
    responses(
        (status = 201, description = "Recorded; `Location` names it", body = Group),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 413, description = "Body larger than 2 MB", body = ErrorBody),
    )
)]
pub(super) async fn create_group(
    c: Caller,
    Query(t): Query<super::target::Target>,
    Json(input): Json<GroupInput>,
) -> ApiResult<Response> {
    let g = t.writer(&c.access).create_group(&input).await?;
    Ok(created(format!("/api/v1/groups/{}", g.id), g))
}

/// One group.
#[utoipa::path(
    get, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, description = "OK", body = Group), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_group(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Group>> {
    Ok(Json(c.access.group(id).await?))
}

/// Replace a group's record, given the version read.
#[utoipa::path(
    put, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses(
        (status = 200, description = "Saved", body = Group),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_group(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<GroupUpdate>,
) -> ApiResult<Json<Group>> {
    Ok(Json(c.access.update_group(id, u.version, &u.group).await?))
}

/// Every violation this group suffered, newest first.
#[utoipa::path(
    get, path = "/api/v1/groups/{id}/violations", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, description = "OK", body = Vec<VictimViolation>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn group_violations(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<VictimViolation>>> {
    c.access.group(id).await?;
    Ok(Json(
        c.access.violations_against(VictimRef::Group(id)).await?,
    ))
}

/// Every saved version of a group's record.
#[utoipa::path(
    get, path = "/api/v1/groups/{id}/history", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, description = "OK", body = Vec<Version>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn group_history(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Vec<Version>>> {
    Ok(Json(c.access.history("group", id).await?))
}
