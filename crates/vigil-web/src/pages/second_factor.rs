//! The second step of a login: after the right password, a user with a second factor
//! holds only a short-lived challenge cookie, which opens nothing but this form. A
//! TOTP code or a recovery code turns it into a full session; too many wrong codes,
//! five minutes, or account throttling end it and the login starts again.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_store::auth::SecondFactorOutcome;

use super::{safe_next, sign_in, Layout};
use crate::error::WebError;
use crate::session::{cookie, set_cookie, AnonCtx, ClientIp, CHALLENGE_COOKIE};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/login/2fa", get(form).post(submit))
}

#[derive(Template)]
#[template(path = "login_2fa.html")]
struct SecondFactorPage {
    l: Layout,
    wrong: bool,
    next: String,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn page(state: &AppState, anon: &AnonCtx, status: StatusCode, wrong: bool, next: &str) -> Response {
    let p = SecondFactorPage {
        l: Layout {
            t: anon.t.clone(),
            user: None,
            csrf: anon
                .info
                .as_ref()
                .map(|i| i.csrf.clone())
                .unwrap_or_default(),
            demo: state.config.demo,
            nav: "",
        },
        wrong,
        next: safe_next(next),
    };
    match p.render() {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Back to the password form, the challenge cookie cleared; `expired` says why.
fn restart(state: &AppState, expired: bool) -> Response {
    let mut res = Redirect::to(if expired {
        "/login?expired=1"
    } else {
        "/login"
    })
    .into_response();
    if let Ok(v) = set_cookie(CHALLENGE_COOKIE, "", state.config.secure_cookies, Some(0)).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

async fn form(
    State(state): State<AppState>,
    anon: AnonCtx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let Some(challenge) = cookie(&headers, CHALLENGE_COOKIE) else {
        return restart(&state, false);
    };
    match state.store.pending_login(&challenge).await {
        Ok(Some(_)) => page(&state, &anon, StatusCode::OK, false, &q.next),
        Ok(None) => restart(&state, true),
        Err(e) => WebError::from(e).into_response(),
    }
}

async fn submit(
    State(state): State<AppState>,
    anon: AnonCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(challenge) = cookie(&headers, CHALLENGE_COOKIE) else {
        return restart(&state, true);
    };
    match state.store.complete_login(&challenge, &f.code, ip).await {
        Ok(SecondFactorOutcome::SignedIn(user)) => sign_in(&state, &user, &f.next).await,
        Ok(SecondFactorOutcome::Retry) => {
            tracing::info!("second factor refused");
            page(&state, &anon, StatusCode::UNAUTHORIZED, true, &f.next)
        }
        Ok(SecondFactorOutcome::Expired) => {
            tracing::info!("half-signed-in login ended");
            restart(&state, true)
        }
        Err(e) => WebError::from(e).into_response(),
    }
}
