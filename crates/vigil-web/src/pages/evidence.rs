//! Evidence files on the incident page: the list, the upload form (multipart, works
//! without JavaScript; the CSRF token travels as a form part, checked by the session
//! guard) and downloads. A file is never rendered inline: every download is an
//! attachment of type `application/octet-stream` with `nosniff` and a safe name.

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use askama::Template;
use vigil_domain::model::Id;
use vigil_domain::Permission;
use vigil_store::evidence::{EvidenceItem, NewEvidence};
use vigil_store::StoreError;

use super::{error_page, respond, Layout};
use crate::error::WebError;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/evidence", post(upload))
        .route("/evidence/{id}/download", get(download))
}

/// What the incident page shows about its files.
pub struct EvidenceSection {
    pub items: Vec<EvidenceItem>,
    pub can_upload: bool,
    pub can_download: bool,
    /// The size limit, for people.
    pub max_size: String,
}

/// The evidence part of an incident page (recorded as a view for roles that see
/// the details).
pub async fn section(ctx: &Ctx, incident: Id) -> Result<EvidenceSection, WebError> {
    let max = ctx.access.evidence_max_size();
    Ok(EvidenceSection {
        items: ctx.access.evidence_for_incident(incident).await?,
        can_upload: max > 0 && ctx.access.can(Permission::Write),
        can_download: ctx.access.sees_sensitive(),
        max_size: human_size(&i64::try_from(max).unwrap_or(i64::MAX)),
    })
}

pub fn human_size(n: &i64) -> String {
    vigil_store::evidence::human_size(*n)
}

/// The fields of an upload form or API request, from a buffered multipart body.
pub fn read_upload(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<NewEvidence, &'static str> {
    let boundary = crate::multipart::boundary(headers).ok_or("evidence-no-file")?;
    let parts = crate::multipart::parse(body, &boundary).ok_or("evidence-no-file")?;
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.is_some())
        .ok_or("evidence-no-file")?;
    let text = |name: &str| crate::multipart::field(&parts, name).filter(|s| !s.trim().is_empty());
    Ok(NewEvidence {
        filename: file.filename.clone().unwrap_or_default(),
        declared_type: file.content_type.clone().unwrap_or_default(),
        captured_at: text("captured_at"),
        captured_by: text("captured_by"),
        capture_notes: text("capture_notes"),
        bytes: file.data.to_vec(),
    })
}

#[derive(Template)]
#[template(path = "message.html")]
struct RefusedPage {
    l: Layout,
    title: String,
    message: String,
    back: String,
}

fn refused(ctx: &Ctx, incident: Id, message: String) -> Response {
    let p = RefusedPage {
        l: Layout::of(ctx, "incidents"),
        title: ctx.t.get("evidence-refused"),
        message,
        back: format!("/incidents/{incident}#evidence"),
    };
    match p.render() {
        Ok(html) => (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response(),
        Err(e) => error_page(ctx, e.into()),
    }
}

async fn upload(ctx: Ctx, Path(id): Path<Id>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let limit = crate::security::body_limit(
        &parts.method,
        parts.uri.path(),
        ctx.access.evidence_max_size(),
    );
    let Ok(bytes) = to_bytes(body, limit).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response();
    };
    let new = match read_upload(&parts.headers, &bytes) {
        Ok(n) => n,
        Err(key) => return refused(&ctx, id, ctx.t.get(key)),
    };
    match ctx.access.upload_evidence(id, new).await {
        Ok(_) => Redirect::to(&format!("/incidents/{id}?saved=1#evidence")).into_response(),
        Err(StoreError::Invalid(errs)) => {
            let msg = errs
                .0
                .iter()
                .map(|e| ctx.t.error(e))
                .collect::<Vec<_>>()
                .join(" ");
            refused(&ctx, id, msg)
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

/// Headers every evidence download carries: never inline, never sniffed.
pub fn attachment(item: &EvidenceItem, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", item.safe_filename());
    let mut res = Body::from(bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    } else {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn download(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (item, bytes) = ctx.access.download_evidence(id).await?;
        Ok(attachment(&item, bytes))
    }
    .await;
    respond(&ctx, r)
}
