//! API errors: every failure is a JSON body `{"error": "<code>", …}` with a fitting
//! status. Bad input is always a 4xx; a 500 carries no detail (the log has it).
//! Messages never repeat values the client sent, so a narrative or a name cannot end
//! up in an error body, a proxy log or a bug report.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use vigil_domain::validate::{FieldError, FieldErrors};
use vigil_store::StoreError;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`,
    /// `invalid`, `malformed`, `too_large` or `internal`.
    pub error: String,
    /// For `invalid`: every field that failed validation, with a message key from the
    /// translation catalogue and its argument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// For `conflict`: the record's current version; fetch it again and reapply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// For `malformed`: what was wrong, without the values sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `malformed`: where in the body it went wrong (`violations[0].victim`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    /// No bearer token, or one that is unknown, revoked or belongs to a disabled user.
    Unauthorized {
        token_sent: bool,
    },
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict(i64),
    Invalid(FieldErrors),
    /// The request could not be read (not JSON, wrong shape, bad query or path).
    Malformed {
        field: Option<String>,
        detail: String,
    },
    TooLarge,
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden => ApiError::Forbidden,
            StoreError::Conflict(v) => ApiError::Conflict(v),
            StoreError::Invalid(errs) => ApiError::Invalid(errs),
            StoreError::Backend(b) => ApiError::Internal(b.to_string()),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Invalid(e)
    }
}

impl ApiError {
    pub fn malformed(detail: impl Into<String>) -> Self {
        ApiError::Malformed {
            field: None,
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Invalid(_) | ApiError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Invalid(_) => "invalid",
            ApiError::Malformed { .. } => "malformed",
            ApiError::TooLarge => "too_large",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let mut b = ErrorBody {
            error: self.code().to_owned(),
            fields: None,
            version: None,
            detail: None,
            field: None,
        };
        match self {
            ApiError::Invalid(errs) => b.fields = Some(errs.0.clone()),
            ApiError::Conflict(v) => b.version = Some(*v),
            ApiError::Malformed { field, detail } => {
                b.detail = Some(detail.clone());
                b.field = field.clone();
            }
            _ => {}
        }
        b
    }

    fn log(&self) {
        match self {
            ApiError::Internal(m) => tracing::error!(error = %m, "API internal error"),
            // Field errors name fields and message keys only; their arguments may be
            // values the client sent, so they stay out of the log.
            ApiError::Invalid(errs) => {
                let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
                tracing::debug!(?fields, "API input invalid");
            }
            other => tracing::debug!(error = other.code(), "API request refused"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut res = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::Unauthorized { token_sent } = self {
            // RFC 6750 §3: say which scheme, and whether the token itself was the problem.
            let challenge = if token_sent {
                "Bearer realm=\"vigil\", error=\"invalid_token\""
            } else {
                "Bearer realm=\"vigil\""
            };
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A deserialiser's message without the values the client sent. Serde puts the
/// offending input in quotes or back-quotes before `, expected …`; what follows comes
/// from our own types and stays, as does the name in `missing field`.
pub fn without_input(msg: &str) -> String {
    // serde_json appends the position; the caller reports it separately when useful.
    let msg = match msg.rfind(" at line ") {
        Some(i) if msg.get(i..).is_some_and(|tail| tail.contains(" column ")) => {
            msg.get(..i).unwrap_or(msg)
        }
        _ => msg,
    };
    let (head, tail) = match msg.find(", expected") {
        Some(i) => (msg.get(..i).unwrap_or(msg), msg.get(i..).unwrap_or("")),
        None => (msg, ""),
    };
    let head = if head.starts_with("missing field") {
        head.to_owned()
    } else {
        blank_quoted(head)
    };
    let mut out = format!("{head}{tail}");
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// Replace the inside of every `"…"` and `` `…` `` with an ellipsis.
fn blank_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut open: Option<char> = None;
    for c in s.chars() {
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_the_values_sent() {
        assert_eq!(
            without_input("invalid type: string \"Maria Lopez\", expected i64 at line 1 column 20"),
            "invalid type: string \"…\", expected i64"
        );
        assert_eq!(
            without_input("unknown variant `secret`, expected `person` or `group`"),
            "unknown variant `…`, expected `person` or `group`"
        );
        assert_eq!(
            without_input("missing field `title` at line 1 column 2"),
            "missing field `title`"
        );
        assert_eq!(
            without_input("invalid value: integer `1234`, expected u32"),
            "invalid value: integer `…`, expected u32"
        );
        assert_eq!(
            without_input("trailing characters at line 3 column 1"),
            "trailing characters"
        );
        assert_eq!(without_input("oops \"unterminated"), "oops \"…");
    }
}
