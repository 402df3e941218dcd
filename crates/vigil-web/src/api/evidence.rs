//! Evidence files over the API: upload (multipart, the same checks as the page), list
//! an incident's files, download one. Downloads are always attachments of type
//! `application/octet-stream`; every listing with details and every download is in the
//! chain of custody and the audit log (done by `Access`).

use axum::body::to_bytes;
use axum::extract::Request;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use vigil_store::evidence::EvidenceItem;

use super::auth::Caller;
use super::created;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path};

/// An evidence file. For roles that may not see sensitive fields, `sha256`,
/// `filename`, the capture details and `uploaded_by` are `null`: they see that a file
/// exists, its size and type, and cannot download it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceFile {
    pub id: i64,
    pub incident_id: i64,
    /// Bytes.
    pub size: i64,
    /// Recognised from the file's contents on arrival.
    pub media_type: String,
    pub uploaded_at: String,
    /// SHA-256 of the file (hex), computed on arrival and checked on every download.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    pub captured_at: Option<String>,
    pub captured_by: Option<String>,
    pub capture_notes: Option<String>,
    pub uploaded_by: Option<String>,
}

impl From<EvidenceItem> for EvidenceFile {
    fn from(e: EvidenceItem) -> Self {
        EvidenceFile {
            id: e.id,
            incident_id: e.incident_id,
            size: e.size,
            media_type: e.media_type,
            uploaded_at: e.uploaded_at,
            sha256: e.sha256,
            filename: e.filename,
            captured_at: e.captured_at,
            captured_by: e.captured_by,
            capture_notes: e.capture_notes,
            uploaded_by: e.uploaded_by,
        }
    }
}

/// The upload form (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documents the request body; the handler reads the parts itself.
pub struct EvidenceUpload {
    /// The file, with its filename. PDF, JPEG, PNG, WebP, MP4, MP3, OGG, WAV, plain
    /// text, ODT or DOCX, recognised by content; a declared type that disagrees is refused.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// When (and where) it was captured, free text.
    pub captured_at: Option<String>,
    /// Who or what captured it (person, device).
    pub captured_by: Option<String>,
    pub capture_notes: Option<String>,
}

/// Attach a file to an incident. Checked for size (default limit 25 MB) and type (by
/// content) before anything is stored; stored encrypted.
#[utoipa::path(
    post, path = "/api/v1/incidents/{id}/evidence", tag = "evidence",
    params(("id" = i64, Path, description = "Incident id")),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; `Location` names the download", body = EvidenceFile),
        (status = 400, description = "Refused: empty, wrong or unknown type (`fields`), or no `file` part", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not write", body = ErrorBody),
        (status = 404, description = "No such incident", body = ErrorBody),
        (status = 413, description = "Larger than the evidence limit", body = ErrorBody),
    )
)]
pub(super) async fn upload_evidence(
    c: Caller,
    Path(id): Path<i64>,
    req: Request,
) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let limit = crate::security::body_limit(
        &parts.method,
        parts.uri.path(),
        c.access.evidence_max_size(),
    );
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::TooLarge)?;
    let new = crate::pages::evidence::read_upload(&parts.headers, &bytes)
        .map_err(|_| ApiError::malformed("a multipart/form-data body with a `file` part"))?;
    let item = c.access.upload_evidence(id, new).await?;
    Ok(created(
        format!("/api/v1/evidence/{}/download", item.id),
        EvidenceFile::from(item),
    ))
}

/// An incident's evidence files. Listing them with details is recorded in each file's
/// chain of custody and in the audit log.
#[utoipa::path(
    get, path = "/api/v1/incidents/{id}/evidence", tag = "evidence",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "OK", body = Vec<EvidenceFile>),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 404, description = "No such incident", body = ErrorBody),
    )
)]
pub(super) async fn list_evidence(
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<EvidenceFile>>> {
    let items = c.access.evidence_for_incident(id).await?;
    Ok(Json(items.into_iter().map(EvidenceFile::from).collect()))
}

/// Download a file: always `application/octet-stream` as an attachment, with
/// `nosniff`. Its SHA-256 is checked first; a file that fails is not served (500).
#[utoipa::path(
    get, path = "/api/v1/evidence/{id}/download", tag = "evidence",
    params(("id" = i64, Path, description = "Evidence file id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not open evidence", body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody),
        (status = 500, description = "The stored file failed its integrity check", body = ErrorBody),
    )
)]
pub(super) async fn download_evidence(c: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    let (item, bytes) = c.access.download_evidence(id).await?;
    Ok(crate::pages::evidence::attachment(&item, bytes))
}
