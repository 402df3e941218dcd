//! Persons over the API: defenders, relatives, witnesses and named perpetrators.
//! Legal names, contacts and addresses are `null` for callers who may not see them.

use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use vigil_domain::model::{Person, PersonInput, Version, VictimRef, VictimViolation};
use vigil_domain::search::{Page, PersonFilter};

use super::auth::Caller;
use super::created;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

/// An edit: the version the client read, and the whole person as they should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonUpdate {
    pub version: i64,
    pub person: PersonInput,
}

/// List persons matching a filter, by code. `q` matches legal names only for callers
/// who may read them.
#[utoipa::path(
    get, path = "/api/v1/persons", tag = "persons",
    params(PersonFilter),
    responses((status = 200, description = "OK", body = Page<Person>), (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody))
)]
pub(super) async fn list_persons(
    c: Caller,
    Query(f): Query<PersonFilter>,
) -> ApiResult<Json<Page<Person>>> {
    Ok(Json(c.access.persons(&f).await?))
}

/// Record a person; Vigil gives them a pseudonymous code (`HRD-2024-0001`).
#[utoipa::path(
    post, path = "/api/v1/persons", tag = "persons",
    params(("compartment" = Option<i64>, Query, description = "Compartment to record it in (one the caller is a full member of; default: their first)")),
    responses(
        (status = 201, description = "Recorded; `Location` names it", body = Person),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 413, description = "Body larger than 2 MB", body = ErrorBody),
    )
)]
pub(super) async fn create_person(
    c: Caller,
    Query(t): Query<super::target::Target>,
    Json(input): Json<PersonInput>,
) -> ApiResult<Response> {
    let p = t.writer(&c.access).create_person(&input).await?;
    // Read back through the caller's access, so the answer is redacted like any read.
    let p = c.access.person(p.id).await?;
    Ok(created(format!("/api/v1/persons/{}", p.id), p))
}

/// One person.
#[utoipa::path(
    get, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, description = "OK", body = Person), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_person(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Person>> {
    Ok(Json(c.access.person(id).await?))
}

/// Replace a person's record, given the version read.
#[utoipa::path(
    put, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path, description = "Person id")),
    responses(
        (status = 200, description = "Saved", body = Person),
        (status = 400, description = "Invalid (`fields`) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_person(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<PersonUpdate>,
) -> ApiResult<Json<Person>> {
    c.access.update_person(id, u.version, &u.person).await?;
    Ok(Json(c.access.person(id).await?))
}

/// Every violation this person suffered, newest first.
#[utoipa::path(
    get, path = "/api/v1/persons/{id}/violations", tag = "persons",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, description = "OK", body = Vec<VictimViolation>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn person_violations(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<VictimViolation>>> {
    c.access.person(id).await?;
    Ok(Json(
        c.access.violations_against(VictimRef::Person(id)).await?,
    ))
}

/// Every saved version of a person's record.
#[utoipa::path(
    get, path = "/api/v1/persons/{id}/history", tag = "persons",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, description = "OK", body = Vec<Version>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn person_history(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Version>>> {
    Ok(Json(c.access.history("person", id).await?))
}
