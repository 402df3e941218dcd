//! The server-rendered pages. Every route here sits behind [`crate::session::guard`]:
//! unless public, it has a signed-in user, and if it changes state, a valid CSRF token.

mod account;
mod admin;
mod alerts;
mod audit;
mod cases;
mod compartments;
mod detentions;
pub mod evidence;
mod groups;
pub(crate) mod incidents;
mod lockdown;
mod persons;
mod public;
mod public_releases;
mod releases;
mod resolutions;
mod second_factor;
mod stats;
pub(crate) mod un_comms;
pub(crate) mod webauthn;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use zeroize::Zeroizing;

use vigil_domain::Permission;
use vigil_store::auth::{LoginOutcome, User};

use crate::error::WebError;
use crate::i18n::I18n;
use crate::session::{
    cookie, set_cookie, AnonCtx, ClientIp, Ctx, CHALLENGE_COOKIE, PRE_COOKIE, SESSION_COOKIE,
};
use crate::AppState;

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(stylesheet))
        .route("/favicon.ico", get(favicon))
        .merge(incidents::routes())
        .merge(persons::routes())
        .merge(groups::routes())
        .merge(cases::routes())
        .merge(detentions::routes())
        .merge(alerts::routes())
        .merge(public::routes())
        .merge(un_comms::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .merge(compartments::routes())
        .merge(account::routes())
        .merge(second_factor::routes())
        .merge(lockdown::routes())
        .merge(evidence::routes())
        .merge(stats::routes())
        .merge(releases::routes())
        .merge(public_releases::routes())
        .merge(resolutions::routes())
        .merge(webauthn::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::session::guard,
        ))
        .with_state(state)
}

/// What every page's frame needs.
pub struct Layout {
    pub t: I18n,
    pub user: Option<User>,
    pub csrf: String,
    pub demo: bool,
    pub nav: &'static str,
}

impl Layout {
    pub fn of(ctx: &Ctx, nav: &'static str) -> Self {
        Layout {
            t: ctx.t.clone(),
            user: Some(ctx.session.user.clone()),
            csrf: ctx.csrf.clone(),
            demo: ctx.demo,
            nav,
        }
    }
}

/// Render a template as a page.
pub fn page<T: Template>(t: &T) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    l: Layout,
    title: String,
    message: String,
    back: String,
}

/// A translated error page for a signed-in user.
pub fn error_page(ctx: &Ctx, e: WebError) -> Response {
    let status = e.status();
    if let WebError::Internal(m) = &e {
        tracing::error!(error = %m, "internal error");
    } else {
        tracing::debug!(error = ?e, "request refused");
    }
    let p = MessagePage {
        l: Layout::of(ctx, ""),
        title: ctx.t.get(e.key()),
        message: ctx.t.get(&format!("{}-detail", e.key())),
        back: "/".into(),
    };
    match p.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => e.into_response(),
    }
}

/// Turn a handler result into a response, rendering errors as pages.
pub fn respond(ctx: &Ctx, r: Result<Response, WebError>) -> Response {
    r.unwrap_or_else(|e| error_page(ctx, e))
}

pub fn csrf_failure(lang: &'static str) -> Response {
    let t = I18n::new(lang);
    let p = MessagePage {
        l: Layout {
            t: t.clone(),
            user: None,
            csrf: String::new(),
            demo: false,
            nav: "",
        },
        title: t.get("csrf-title"),
        message: t.get("csrf-detail"),
        back: "/".into(),
    };
    (StatusCode::FORBIDDEN, Html(p.render().unwrap_or_default())).into_response()
}

async fn not_found(ctx: Ctx) -> Response {
    error_page(&ctx, WebError::NotFound)
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.store.healthy().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

async fn favicon() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    incidents: i64,
    persons: i64,
    groups: i64,
    can_write: bool,
}

async fn home(ctx: Ctx) -> Response {
    let r = async {
        let (incidents, persons, groups) = ctx.access.counts().await?;
        page(&HomePage {
            l: Layout::of(&ctx, "home"),
            incidents,
            persons,
            groups,
            can_write: ctx.access.can(Permission::Write),
        })
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    failed: bool,
    /// The second step was abandoned, took too long or had too many wrong codes.
    expired: bool,
    next: String,
    username: String,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
    /// Set when a half-signed-in login ended: the page says to start again.
    #[serde(default)]
    expired: Option<String>,
}

/// Only local paths may be redirected to after login.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

async fn login_form(
    State(state): State<AppState>,
    anon: AnonCtx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    if anon.info.as_ref().is_some_and(|i| i.session.is_some()) {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    // A pre-session token for the login form (double-submit, SameSite=Strict cookie).
    let pre = cookie(&headers, PRE_COOKIE)
        .filter(|c| c.len() == 64 && c.chars().all(|c| c.is_ascii_hexdigit()));
    let (token, set) = match pre {
        Some(t) => (t, None),
        None => {
            let t = random_hex();
            (
                t.clone(),
                Some(set_cookie(
                    PRE_COOKIE,
                    &t,
                    state.config.secure_cookies,
                    None,
                )),
            )
        }
    };
    let p = LoginPage {
        l: Layout {
            t: anon.t.clone(),
            user: None,
            csrf: token,
            demo: state.config.demo,
            nav: "",
        },
        failed: false,
        expired: q.expired.is_some(),
        next: safe_next(&q.next),
        username: String::new(),
    };
    let mut res = match p.render() {
        Ok(h) => Html(h).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Some(c) = set {
        if let Ok(v) = c.parse() {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    res
}

pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The first step: username and password. Every refusal (unknown user, wrong password,
/// disabled, throttled) gets the same page. With a second factor, the login waits for
/// it under a short-lived cookie that opens nothing else (`second_factor.rs`).
async fn login(
    State(state): State<AppState>,
    anon: AnonCtx,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let outcome = state
        .store
        .login(&f.username, Zeroizing::new(f.password), ip)
        .await;
    if let Ok(o) = &outcome {
        // Every login, accepted or refused, is in the audit log (never the password).
        if let Err(e) = state.store.audit_login(&f.username, o, ip).await {
            return WebError::from(e).into_response();
        }
    }
    match outcome {
        Ok(LoginOutcome::SignedIn(user)) => sign_in(&state, &user, &f.next).await,
        Ok(LoginOutcome::SecondFactor { user, challenge }) => {
            tracing::info!(user = user.id, "password accepted, second factor awaited");
            let to = format!(
                "/login/2fa?next={}",
                crate::forms::url_encode(&safe_next(&f.next))
            );
            let mut res = Redirect::to(&to).into_response();
            let age = vigil_store::auth::LOGIN_CHALLENGE_TTL.num_seconds();
            if let Ok(v) = set_cookie(
                CHALLENGE_COOKIE,
                &challenge,
                state.config.secure_cookies,
                Some(age),
            )
            .parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Ok(LoginOutcome::Refused) => {
            tracing::info!("failed login");
            let csrf = anon
                .info
                .as_ref()
                .map(|i| i.csrf.clone())
                .unwrap_or_default();
            let p = LoginPage {
                l: Layout {
                    t: anon.t.clone(),
                    user: None,
                    csrf,
                    demo: state.config.demo,
                    nav: "",
                },
                failed: true,
                expired: false,
                next: safe_next(&f.next),
                username: f.username,
            };
            (
                StatusCode::UNAUTHORIZED,
                Html(p.render().unwrap_or_default()),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Start a full session for a user who passed every step: a new session secret (never
/// one chosen before login), the login cookies cleared. A user whose role requires a
/// second factor they lack goes to enrolment, the only place such a session may go.
pub(super) async fn sign_in(state: &AppState, user: &User, next: &str) -> Response {
    let token = match state.store.create_session(user.id).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).into_response(),
    };
    tracing::info!(user = user.id, "login");
    let must_enrol = state.store.auth_policy().requires_two_factor(user.role)
        && !state.store.has_two_factor(user.id).await.unwrap_or(false);
    let to = if must_enrol {
        "/account/2fa".to_owned()
    } else {
        safe_next(next)
    };
    let mut res = Redirect::to(&to).into_response();
    let secure = state.config.secure_cookies;
    let h = res.headers_mut();
    for c in [
        set_cookie(SESSION_COOKIE, &token, secure, None),
        set_cookie(PRE_COOKIE, "", secure, Some(0)),
        set_cookie(CHALLENGE_COOKIE, "", secure, Some(0)),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&token).await;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_redirects_after_login() {
        assert_eq!(safe_next("/incidents?q=x"), "/incidents?q=x");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }
}
