//! Lock-down (journey 4: an office raided, a laptop lost): one administrator action
//! that ends every session and revokes every API token of every user — the
//! administrator's own session included — after a confirmation page.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use vigil_domain::Permission;

use super::admin::render_with;
use super::{respond, Layout};
use crate::error::WebError;
use crate::session::{set_cookie, Ctx, SESSION_COOKIE};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/lockdown", get(confirm).post(lock_down))
}

#[derive(Template)]
#[template(path = "admin_lockdown.html")]
struct LockdownPage {
    l: Layout,
    /// After the lock-down: sessions and tokens ended.
    done: Option<(u64, u64)>,
}

async fn confirm(ctx: Ctx) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Administer) {
            return Err(WebError::Forbidden);
        }
        render_with(
            StatusCode::OK,
            &LockdownPage {
                l: Layout::of(&ctx, "users"),
                done: None,
            },
        )
    }
    .await;
    respond(&ctx, r)
}

async fn lock_down(State(state): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let report = ctx.access.lockdown().await?;
        tracing::warn!(
            admin = ctx.session.user.id,
            sessions = report.sessions,
            api_tokens = report.api_tokens,
            "lock-down"
        );
        // The administrator's own session has ended too: the page is shown signed out.
        let page = LockdownPage {
            l: Layout {
                user: None,
                csrf: String::new(),
                ..Layout::of(&ctx, "")
            },
            done: Some((report.sessions, report.api_tokens)),
        };
        let mut res = render_with(StatusCode::OK, &page)?;
        if let Ok(v) = set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)).parse()
        {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
        Ok(res)
    }
    .await;
    respond(&ctx, r)
}
