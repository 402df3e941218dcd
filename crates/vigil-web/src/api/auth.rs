//! Bearer-token authentication for the API, in middleware before any handler runs.
//!
//! A request carries `Authorization: Bearer <token>` (a token made on the account
//! page); the middleware resolves it to its user and leaves a [`Caller`] — that user's
//! [`Access`] — in the request. Handlers take the `Caller`; the `Access` checks every
//! permission and redacts sensitive fields, so a handler cannot skip authorisation.
//!
//! Cookies are never read here: the API router removes the `Cookie` header before
//! anything else sees the request. A browser's ambient session therefore grants nothing
//! under `/api/v1`, which is why CSRF tokens — a defence for cookie-authenticated
//! requests — do not apply to the API: a cross-site page cannot make the browser attach
//! a bearer token.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use vigil_store::auth::User;
use vigil_store::{Access, Actor};

use super::error::ApiError;
use crate::AppState;

/// Longest token accepted; real ones are `vgl_` and 64 hex digits.
const MAX_TOKEN_LEN: usize = 256;

/// The user a bearer token stands for, and their view of the store.
#[derive(Clone)]
pub struct Caller {
    pub access: Access,
    pub user: User,
}

/// The token in `Authorization: Bearer <token>`, if the header is there and well formed.
/// Several `Authorization` headers are refused rather than guessed between.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let value = all.next()?;
    if all.next().is_some() {
        return None;
    }
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|b| b.is_ascii_graphic());
    well_formed.then_some(token)
}

/// Strip cookies from every API request: nothing under `/api/v1` may act on them.
pub async fn no_cookies(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(header::COOKIE);
    next.run(req).await
}

/// Refuse requests without a live token (401, `WWW-Authenticate: Bearer`); otherwise
/// put the token's [`Caller`] in the request.
pub async fn require_bearer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let token_sent = req.headers().contains_key(header::AUTHORIZATION);
    let Some(token) = bearer(req.headers()) else {
        tracing::debug!(token_sent, "API request without a usable bearer token");
        return ApiError::Unauthorized { token_sent }.into_response();
    };
    match state.store.token_user(token).await {
        Ok(Some(user)) => {
            let access = Access::new(state.store.clone(), Actor::from(&user));
            req.extensions_mut().insert(Caller { access, user });
            next.run(req).await
        }
        Ok(None) => {
            tracing::debug!("API token unknown, revoked or of a disabled account");
            ApiError::Unauthorized { token_sent: true }.into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Only `require_bearer` puts a Caller here; without it, nobody is signed in.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthorized { token_sent: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_one_well_formed_bearer_header_counts() {
        assert_eq!(bearer(&headers(&["Bearer vgl_abc"])), Some("vgl_abc"));
        assert_eq!(bearer(&headers(&["bearer  vgl_abc "])), Some("vgl_abc"));
        assert_eq!(bearer(&headers(&[])), None);
        assert_eq!(bearer(&headers(&["Basic dXNlcjpwYXNz"])), None);
        assert_eq!(bearer(&headers(&["Bearer "])), None);
        assert_eq!(bearer(&headers(&["Bearer a b"])), None);
        assert_eq!(bearer(&headers(&["Bearer a", "Bearer b"])), None);
    }
}
