//! UN communications over the API (issue 6, point 6): generate a submission to the UN
//! Special Rapporteur on human rights defenders from a case, as JSON (with its plain
//! text) or as the plain text alone, and list the generations recorded. Needs a token
//! whose user may manage cases and read sensitive fields; refused (400, field
//! `consent`) when the person has not consented to sharing with the UN.

use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use vigil_domain::un_comm::{UnCommunication, UnFormat, UnInput, UnRecord};
use vigil_domain::validate::FieldErrors;

use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct UnQuery {
    /// `json` (default): the submission's parts and its text; `text`: the plain text
    /// alone (`text/plain`, as a download).
    pub format: Option<String>,
}

/// A generated submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnGenerated {
    /// What was recorded of this generation.
    pub record: UnRecord,
    /// The submission's parts.
    pub communication: UnCommunication,
    /// The submission as plain text (wrapped at 72 characters), as the download has it.
    pub text: String,
}

/// Generate a submission to the UN Special Rapporteur on human rights defenders.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/un-communications", tag = "cases",
    params(("id" = i64, Path, description = "Case id"), UnQuery),
    request_body = UnInput,
    responses(
        (status = 200, description = "Generated and recorded", content(
            (UnGenerated = "application/json"),
            (String = "text/plain"),
        )),
        (status = 400, description = "Invalid form (`fields`), or refused: field `consent` with `err-un-no-consent` (the person has not consented to sharing with the UN), `err-un-group`, `err-un-no-name` or `err-un-no-incident`", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow this", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
    )
)]
pub(super) async fn generate(
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<UnQuery>,
    Json(input): Json<UnInput>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None | Some("json") => UnFormat::Json,
        Some("text") => UnFormat::Text,
        Some(other) => {
            let mut e = FieldErrors::default();
            e.add("format", "err-unknown-code", Some(other.to_owned()));
            return Err(ApiError::Invalid(e));
        }
    };
    let (communication, record) = c
        .access
        .generate_un_communication(id, &input, format)
        .await?;
    if format == UnFormat::Text {
        return Ok(crate::pages::un_comms::text_download(&communication));
    }
    let text = communication.to_text();
    Ok(Json(UnGenerated {
        record,
        communication,
        text,
    })
    .into_response())
}

/// The submissions generated from a case, newest first (who, when, which format; not
/// their text).
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/un-communications", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "OK", body = Vec<UnRecord>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn list(c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Vec<UnRecord>>> {
    Ok(Json(c.access.un_records(id).await?))
}
