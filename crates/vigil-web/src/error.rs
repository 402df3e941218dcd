//! Errors as the user sees them: a status and a generic, translated message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vigil_store::StoreError;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    BadRequest(String),
    Conflict(i64),
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Forbidden => WebError::Forbidden,
            StoreError::Conflict(v) => WebError::Conflict(v),
            StoreError::Invalid(errs) => WebError::BadRequest(errs.to_string()),
            StoreError::Backend(b) => WebError::Internal(b.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message key shown to the user.
    pub fn key(&self) -> &'static str {
        match self {
            WebError::NotFound => "error-not-found",
            WebError::Forbidden => "error-forbidden",
            WebError::BadRequest(_) => "error-bad-request",
            WebError::Conflict(_) => "error-conflict",
            WebError::Internal(_) => "error-internal",
        }
    }

    fn log(&self) {
        match self {
            WebError::Internal(m) => tracing::error!(error = %m, "internal error"),
            other => tracing::debug!(error = ?other, "request refused"),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        // The page layer renders a translated page when it can (see pages::error_page);
        // this fallback is plain text without detail.
        (
            status,
            [("content-type", "text/plain; charset=utf-8")],
            format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            ),
        )
            .into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;
