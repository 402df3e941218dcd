//! Public alerts over the API (issue 6 point 7): draft about a case, edit, approve and
//! publish (administrators), take off the public site with a reason. Drafting, reading
//! and unpublishing need a token whose user manages cases; alerts about cases in
//! compartments the caller does not read are 404, as everywhere.

use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use vigil_domain::public::{Alert, AlertFile, AlertInput, AlertStatus};
use vigil_domain::validate::FieldErrors;
use vigil_store::public::AlertList;

use super::auth::Caller;
use super::created;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct AlertQuery {
    /// Only alerts with this status (`draft`, `published`, `withdrawn`).
    pub status: Option<String>,
    /// Only alerts about this case.
    pub case: Option<i64>,
}

/// An edit: the version the client read, and the whole alert as it should now be.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AlertUpdate {
    pub version: i64,
    pub alert: AlertInput,
}

/// An approval: the version the administrator read (a later edit is refused with 409).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AlertApproval {
    pub version: i64,
}

/// Taking an alert off the public site: why (required, kept in its history).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AlertWithdrawal {
    #[serde(default)]
    pub reason: String,
}

/// List alerts about the cases the caller sees, most recently changed first.
#[utoipa::path(
    get, path = "/api/v1/alerts", tag = "alerts",
    params(AlertQuery),
    responses((status = 200, description = "OK", body = Vec<Alert>), (status = 400, description = "Unknown status", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody))
)]
pub(super) async fn list_alerts(
    c: Caller,
    Query(q): Query<AlertQuery>,
) -> ApiResult<Json<Vec<Alert>>> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(s.parse::<AlertStatus>().map_err(|_| {
            let mut e = FieldErrors::default();
            e.add("status", "err-unknown-code", Some(s.to_owned()));
            ApiError::Invalid(e)
        })?),
    };
    Ok(Json(
        c.access
            .alerts(AlertList {
                status,
                case: q.case,
            })
            .await?,
    ))
}

/// Draft an alert about a case.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/alerts", tag = "alerts",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 201, description = "Drafted; `Location` names it", body = AlertFile),
        (status = 400, description = "Invalid (`fields`: e.g. `person_code` with `err-alert-consent` when the person has not consented to be named) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn create_alert(
    c: Caller,
    Path(id): Path<i64>,
    Json(input): Json<AlertInput>,
) -> ApiResult<Response> {
    let a = c.access.create_alert(id, &input).await?;
    Ok(created(
        format!("/api/v1/alerts/{a}"),
        c.access.alert_file(a).await?,
    ))
}

/// One alert with its history.
#[utoipa::path(
    get, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, description = "OK", body = AlertFile), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn get_alert(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<AlertFile>> {
    Ok(Json(c.access.alert_file(id).await?))
}

/// Replace a draft or withdrawn alert, given the version read; it becomes a draft.
#[utoipa::path(
    put, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    responses(
        (status = 200, description = "Saved (a draft)", body = AlertFile),
        (status = 400, description = "Invalid (`fields`; `status` with `err-alert-published` for a published alert) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn update_alert(
    c: Caller,
    Path(id): Path<i64>,
    Json(u): Json<AlertUpdate>,
) -> ApiResult<Json<AlertFile>> {
    c.access.update_alert(id, u.version, &u.alert).await?;
    Ok(Json(c.access.alert_file(id).await?))
}

/// Approve and publish an alert (administrators), at the version read.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/publish", tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    responses(
        (status = 200, description = "Published on /public/alerts/{id}", body = AlertFile),
        (status = 400, description = "Refused (`fields`: `person_code` with `err-alert-consent` or `err-alert-no-name`, `status` when already published) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Changed since read; `version` is the current one", body = ErrorBody),
    )
)]
pub(super) async fn publish_alert(
    c: Caller,
    Path(id): Path<i64>,
    Json(a): Json<AlertApproval>,
) -> ApiResult<Json<AlertFile>> {
    c.access.publish_alert(id, a.version).await?;
    Ok(Json(c.access.alert_file(id).await?))
}

/// Take a published alert off the public site, with a reason; its history stays.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/unpublish", tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    responses(
        (status = 200, description = "Withdrawn", body = AlertFile),
        (status = 400, description = "Invalid (`fields`: `reason` required; `status` when not published) or malformed input", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn unpublish_alert(
    c: Caller,
    Path(id): Path<i64>,
    Json(w): Json<AlertWithdrawal>,
) -> ApiResult<Json<AlertFile>> {
    c.access.unpublish_alert(id, &w.reason).await?;
    Ok(Json(c.access.alert_file(id).await?))
}
