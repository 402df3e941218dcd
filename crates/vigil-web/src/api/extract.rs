//! Extractors for API handlers. They have axum's names (`Json`, `Query`, `Path`) so that
//! utoipa's axum support recognises them and documents bodies and parameters from the
//! handler signatures, but they refuse bad input with a JSON [`ApiError`] — never the
//! plain-text rejection axum would send, and never with the offending value in it.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{without_input, ApiError};

/// A JSON request body (`Content-Type: application/json`), or a JSON response.
pub struct Json<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Only characters a field path is made of (`violations[0].perpetrators[1].type`);
/// anything else came from the client and is dropped.
fn safe_field(path: String) -> Option<String> {
    let ok = path != "."
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
    ok.then_some(path)
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::malformed(
                "the body must be JSON, sent with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::malformed("the body could not be read")
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = safe_field(e.path().to_string());
            let inner = e.inner();
            let detail = format!(
                "{} (line {}, column {})",
                without_input(&inner.to_string()),
                inner.line(),
                inner.column()
            );
            ApiError::Malformed { field, detail }
        })?;
        de.end().map_err(|e| {
            ApiError::malformed(format!(
                "{} (line {}, column {})",
                without_input(&e.to_string()),
                e.line(),
                e.column()
            ))
        })?;
        Ok(Json(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string parameters.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q).map(Query).map_err(|e| {
            ApiError::malformed(format!("query string: {}", without_input(&e.to_string())))
        })
    }
}

/// Parameters in the URL path (`/incidents/{id}`).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| ApiError::malformed("a parameter in the URL path is not valid"))
    }
}
