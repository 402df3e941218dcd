//! Sessions and CSRF, enforced in middleware before any page handler runs:
//! - every path except the public ones needs a live session, else it redirects to
//!   the login page;
//! - every request that changes state (any method but GET/HEAD) must carry the CSRF
//!   token bound to its session (or, before login, the pre-session cookie's token) in
//!   a `csrf` form field (urlencoded, or a text part of a multipart upload); otherwise
//!   it is refused with 403 and nothing runs.
//!
//! - a session whose user must have a second factor and has none (the instance
//!   requires one for their role) reaches only the enrolment pages and sign-out.
//!
//! Handlers then take a [`Ctx`], which holds the user's [`Access`] and language.

use axum::body::{to_bytes, Body};
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use vigil_store::auth::Session;
use vigil_store::{Access, Actor};

use crate::i18n::{negotiate, I18n};
use crate::security::MAX_BODY;
use crate::AppState;

pub const SESSION_COOKIE: &str = "vigil_session";
pub const PRE_COOKIE: &str = "vigil_pre";
/// The half-signed-in login between password and second factor (5 minutes).
pub const CHALLENGE_COOKIE: &str = "vigil_2fa";

/// Paths served without a session.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/login/2fa" | "/login/2fa/key" | "/healthz" | "/favicon.ico"
    ) || path.starts_with("/static/")
        // The public portal: published material only, through `PublicReader`.
        || path == "/public"
        || path.starts_with("/public/")
        // Hearing calendars: the URL's secret token is the credential (detentions.rs).
        || (path.starts_with("/calendar/") && path.ends_with("/hearings.ics"))
}

/// Paths open to a session that must enrol a second factor before anything else.
fn is_enrolment(path: &str) -> bool {
    path == "/logout" || path == "/account/2fa" || path.starts_with("/account/2fa/")
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name || k.strip_prefix("__Host-") == Some(name))
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure and `__Host-` when asked.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = if secure {
        format!("__Host-{name}={value}; Path=/; HttpOnly; SameSite=Strict; Secure")
    } else {
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict")
    };
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The language for a request: the user's setting, else `Accept-Language`.
fn language(session: Option<&Session>, headers: &HeaderMap) -> &'static str {
    match session.map(|s| s.user.language.as_str()) {
        Some("es") => "es",
        Some("en") => "en",
        _ => negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        ),
    }
}

/// What the middleware learned about the request.
#[derive(Clone)]
pub struct RequestInfo {
    pub session: Option<Session>,
    pub lang: &'static str,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let session = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => state.store.session(&token).await.ok().flatten(),
        None => None,
    };
    let lang = language(session.as_ref(), &parts.headers);
    let pre = cookie(&parts.headers, PRE_COOKIE);
    let csrf = session
        .as_ref()
        .map(|s| s.csrf.clone())
        .or_else(|| pre.clone())
        .unwrap_or_default();

    if session.as_ref().is_some_and(|s| s.must_enrol) && !is_public(&path) && !is_enrolment(&path) {
        tracing::debug!(path = %path, "second factor required first");
        return Redirect::to("/account/2fa").into_response();
    }

    if session.is_none() && !is_public(&path) {
        if parts.method == Method::GET || parts.method == Method::HEAD {
            let next_path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            return Redirect::to(&format!(
                "/login?next={}",
                crate::forms::url_encode(next_path)
            ))
            .into_response();
        }
        return Redirect::to("/login").into_response();
    }

    let body = if parts.method == Method::GET || parts.method == Method::HEAD {
        body
    } else {
        let limit =
            crate::security::body_limit(&parts.method, &path, state.store.evidence_max_size());
        let Ok(bytes) = to_bytes(body, limit.max(MAX_BODY)).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response();
        };
        // Multipart forms (evidence uploads) carry the token as a text part; every
        // other body is read as urlencoded, as before.
        let sent = match crate::multipart::boundary(&parts.headers) {
            Some(b) => crate::multipart::parse(&bytes, &b)
                .and_then(|p| crate::multipart::field(&p, "csrf")),
            None => form_field(&bytes, "csrf"),
        };
        let ok = !csrf.is_empty()
            && sent
                .as_deref()
                .is_some_and(|s| bool::from(s.as_bytes().ct_eq(csrf.as_bytes())));
        if !ok {
            tracing::debug!(path = %path, "CSRF token missing or wrong");
            return crate::pages::csrf_failure(lang);
        }
        Body::from(bytes)
    };
    parts.extensions.insert(RequestInfo {
        session,
        lang,
        csrf,
    });
    next.run(Request::from_parts(parts, body)).await
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The client's address: the connection's peer, or — only when the peer is the
/// configured trusted proxy — the last address in `X-Forwarded-For` (the one that proxy
/// appended). `None` when the server was not started with connection info (tests).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            state.config.trusted_proxy,
        )))
    }
}

pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    proxy: Option<IpAddr>,
) -> Option<IpAddr> {
    let peer = peer?;
    if proxy != Some(peer) {
        return Some(peer);
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .or(Some(peer))
}

/// A signed-in request: the user's access to records, language and CSRF token.
pub struct Ctx {
    pub access: Access,
    pub session: Session,
    pub t: I18n,
    pub csrf: String,
    pub demo: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<RequestInfo>().cloned();
        match info {
            Some(RequestInfo {
                session: Some(session),
                lang,
                csrf,
            }) => Ok(Ctx {
                access: Access::new(state.store.clone(), Actor::from(&session.user)),
                t: I18n::new(lang),
                session,
                csrf,
                demo: state.config.demo,
            }),
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// A request that may be anonymous (the login page).
pub struct AnonCtx {
    pub info: Option<RequestInfo>,
    pub t: I18n,
}

impl FromRequestParts<AppState> for AnonCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<RequestInfo>().cloned();
        let lang = info.as_ref().map_or("en", |i| i.lang);
        Ok(AnonCtx {
            info,
            t: I18n::new(lang),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_the_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "198.51.100.7".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(client_ip(Some(proxy), &h, Some(proxy)), Some(client));
        // Anyone else's header is ignored: the peer is the client.
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(Some(other), &h, Some(proxy)), Some(other));
        assert_eq!(client_ip(Some(proxy), &h, None), Some(proxy));
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), Some(proxy)),
            Some(proxy)
        );
        assert_eq!(client_ip(None, &h, Some(proxy)), None);
    }

    #[test]
    fn enrolment_opens_only_its_own_pages() {
        assert!(is_enrolment("/account/2fa"));
        assert!(is_enrolment("/account/2fa/qr.svg"));
        assert!(is_enrolment("/logout"));
        assert!(!is_enrolment("/account"));
        assert!(!is_enrolment("/account/2fa-x"));
        assert!(!is_enrolment("/incidents"));
        assert!(is_public("/login/2fa"));
    }
}
