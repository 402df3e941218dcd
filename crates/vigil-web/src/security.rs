//! Security headers on every response, in one place. Nothing may be loaded from any
//! other origin, no inline script runs, the page cannot be framed, no referrer leaks.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Largest request body accepted (forms and API). Imports run on the command line.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if is_static {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Room for the form fields and boundaries around an uploaded file.
pub const UPLOAD_OVERHEAD: usize = 64 * 1024;

/// Is this request an evidence upload (the only one allowed a body above [`MAX_BODY`])?
/// `POST /incidents/{id}/evidence` or `POST /api/v1/incidents/{id}/evidence`.
pub fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    if method != axum::http::Method::POST {
        return false;
    }
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    rest.strip_prefix("/incidents/")
        .and_then(|r| r.strip_suffix("/evidence"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The largest body this request may carry: the evidence limit (plus form overhead)
/// for uploads, [`MAX_BODY`] for everything else.
pub fn body_limit(method: &axum::http::Method, path: &str, upload_max: usize) -> usize {
    if is_upload(method, path) {
        upload_max.saturating_add(UPLOAD_OVERHEAD).max(MAX_BODY)
    } else {
        MAX_BODY
    }
}

/// Refuse bodies above [`body_limit`]: at once when `Content-Length` says so, and
/// while reading otherwise (the body is wrapped so that reading past it fails).
pub async fn limit_body(
    axum::extract::State(upload_max): axum::extract::State<usize>,
    req: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let limit = body_limit(req.method(), req.uri().path(), upload_max);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}
