//! The second step of a login: after the right password, a user with a second factor
//! holds only a short-lived challenge cookie, which opens nothing but this form. A
//! TOTP code or a recovery code turns it into a full session; too many wrong codes,
//! five minutes, or account throttling end it and the login starts again. A user with
//! security keys may instead answer with one (see `webauthn.rs`): the page then carries
//! the ceremony's options and Vigil's script, and still offers codes without it.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_store::auth::{SecondFactorOutcome, User};

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
    /// The security-key ceremony's options, when the user has keys and keys are on.
    key_options: Option<String>,
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

pub(super) async fn page(
    state: &AppState,
    anon: &AnonCtx,
    challenge: &str,
    user: &User,
    status: StatusCode,
    wrong: bool,
    next: &str,
) -> Response {
    let key_options = super::webauthn::login_options(state, challenge, user).await;
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
        key_options,
    };
    match p.render() {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Back to the password form, the challenge cookie cleared; `expired` says why.
pub(super) fn restart(state: &AppState, expired: bool) -> Response {
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
        Ok(Some(user)) => {
            page(
                &state,
                &anon,
                &challenge,
                &user,
                StatusCode::OK,
                false,
                &q.next,
            )
            .await
        }
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
            match state.store.pending_login(&challenge).await {
                Ok(Some(user)) => {
                    page(
                        &state,
                        &anon,
                        &challenge,
                        &user,
                        StatusCode::UNAUTHORIZED,
                        true,
                        &f.next,
                    )
                    .await
                }
                Ok(None) => restart(&state, true),
                Err(e) => WebError::from(e).into_response(),
            }
        }
        Ok(SecondFactorOutcome::Expired) => {
            tracing::info!("half-signed-in login ended");
            restart(&state, true)
        }
        Err(e) => WebError::from(e).into_response(),
    }
}
