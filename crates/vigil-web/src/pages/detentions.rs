//! Detention tracker pages (issue 6 point 5), calendar feed tokens and the hearings
//! feed, and the administrators' page of e-mail addresses for reminder digests (point
//! 4). Authorisation is in the `Access` layer; forms carry the CSRF token.
//!
//! The feed (`/calendar/{token}/hearings.ics`) is the one page here served without a
//! session: calendar clients cannot sign in, so the URL carries a revocable secret.
//! It shows only codes, case numbers, dates and courts — never a legal name.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use vigil_domain::detention::*;
use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_store::detentions::FeedToken;
use vigil_store::{Access, Actor, StoreError};

use super::persons::{form_status, FormErrors, SavedQuery};
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::Fields;
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/detained", get(detained))
        .route("/cases/{id}/detentions/new", get(new_form).post(create))
        .route("/cases/detentions/{id}", get(show).post(update))
        .route("/cases/detentions/{id}/hearings", post(add_hearing))
        .route("/cases/hearings/{id}/remove", post(remove_hearing))
        .route(
            "/account/calendar",
            get(calendar_page).post(calendar_create),
        )
        .route("/account/calendar/{id}/revoke", post(calendar_revoke))
        .route("/calendar/{token}/hearings.ics", get(feed))
        .route("/admin/emails", get(emails_page))
        .route("/admin/users/{id}/email", post(set_email))
}

/// A form's values and the errors to show beside its fields.
pub struct FormState {
    f: Fields,
    pub errors: FormErrors,
}

impl FormState {
    fn new(f: Fields, errs: &FieldErrors, t: &I18n) -> Self {
        FormState {
            errors: FormErrors::new(errs, t, field_label),
            f,
        }
    }
    pub fn val(&self, field: &str) -> &str {
        self.f.get(field)
    }
    pub fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
    pub fn bad(&self, field: &str) -> bool {
        self.errors.has(field)
    }
}

fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "place" => ("place", "detention-place"),
        "since" => ("since", "detention-since"),
        "charges" => ("charges", "detention-charges"),
        "released_on" => ("released_on", "detention-released"),
        "held_on" => ("held_on", "hearing-date"),
        "held_at" => ("held_at", "hearing-time"),
        "court" => ("court", "hearing-court"),
        "note" => ("note", "hearing-note"),
        "email" => ("email", "emails-address"),
        _ => ("save", "version"),
    }
}

fn detention_input(f: &Fields) -> DetentionInput {
    DetentionInput {
        place: f.get("place").to_owned(),
        since: f.get("since").to_owned(),
        charges: f.get("charges").to_owned(),
        released_on: f.get("released_on").to_owned(),
    }
}

fn detention_fields(d: &Detention) -> Fields {
    let mut f = Fields::default();
    f.set("place", &d.place);
    f.set("since", d.since.format("%Y-%m-%d").to_string());
    f.set("charges", &d.charges);
    f.set(
        "released_on",
        d.released_on
            .map(|r| r.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    );
    f.set("version", d.version.to_string());
    f
}

fn hearing_input(f: &Fields) -> HearingInput {
    HearingInput {
        held_on: f.get("held_on").to_owned(),
        held_at: f.get("held_at").to_owned(),
        court: f.get("court").to_owned(),
        note: f.get("note").to_owned(),
    }
}

// ---------------------------------------------------------------- detained list

#[derive(Template)]
#[template(path = "detained.html")]
struct DetainedPage {
    l: Layout,
    list: Vec<Detained>,
    today: chrono::NaiveDate,
}

async fn detained(ctx: Ctx) -> Response {
    let r = async {
        let list = ctx.access.detained().await?;
        page(&DetainedPage {
            l: Layout::of(&ctx, "cases"),
            list,
            today: ctx.access.case_today(),
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- record a detention

#[derive(Template)]
#[template(path = "detention_new.html")]
struct NewPage {
    l: Layout,
    case_id: Id,
    case_title: String,
    subject: String,
    v: FormState,
}

async fn render_new(ctx: &Ctx, case: Id, f: Fields, errs: &FieldErrors) -> WebResult<Response> {
    let c = ctx.access.case(case).await?;
    let html = NewPage {
        l: Layout::of(ctx, "cases"),
        case_id: c.id,
        case_title: c.title,
        subject: c.subject_label,
        v: FormState::new(f, errs, &ctx.t),
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn new_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = render_new(&ctx, id, Fields::default(), &FieldErrors::default()).await;
    respond(&ctx, r)
}

async fn create(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.add_detention(id, &detention_input(&f)).await {
            Ok(d) => Ok(Redirect::to(&format!("/cases/detentions/{d}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => render_new(&ctx, id, f, &e).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one detention

#[derive(Template)]
#[template(path = "detention.html")]
struct ShowPage {
    l: Layout,
    d: Detention,
    case_title: String,
    saved: bool,
    today: chrono::NaiveDate,
    v: FormState,
    h: FormState,
}

async fn render_show(
    ctx: &Ctx,
    id: Id,
    saved: bool,
    edit: Option<(Fields, FieldErrors)>,
    hearing: Option<(Fields, FieldErrors)>,
) -> WebResult<Response> {
    let (d, case_title) = ctx.access.detention(id).await?;
    let (ef, ee) = edit.unwrap_or_else(|| (detention_fields(&d), FieldErrors::default()));
    let (hf, he) = hearing.unwrap_or_default();
    let status = if ee.is_empty() && he.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = ShowPage {
        l: Layout::of(ctx, "cases"),
        d,
        case_title,
        saved,
        today: ctx.access.case_today(),
        v: FormState::new(ef, &ee, &ctx.t),
        h: FormState::new(hf, &he, &ctx.t),
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = render_show(&ctx, id, q.saved.is_some(), None, None).await;
    respond(&ctx, r)
}

async fn update(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        ctx.access.detention(id).await?;
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let mut errs = FieldErrors::default();
        match ctx
            .access
            .update_detention(id, version, &detention_input(&f))
            .await
        {
            Ok(()) => {
                return Ok(Redirect::to(&format!("/cases/detentions/{id}?saved=1")).into_response())
            }
            Err(StoreError::Invalid(e)) => errs = e,
            Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
            Err(e) => return Err(e.into()),
        }
        render_show(&ctx, id, false, Some((f, errs)), None).await
    }
    .await;
    respond(&ctx, r)
}

async fn add_hearing(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.add_hearing(id, &hearing_input(&f)).await {
            Ok(_) => Ok(
                Redirect::to(&format!("/cases/detentions/{id}?saved=1#hearings")).into_response(),
            ),
            Err(StoreError::Invalid(e)) => render_show(&ctx, id, false, None, Some((f, e))).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn remove_hearing(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let d = ctx.access.remove_hearing(id).await?;
        Ok(Redirect::to(&format!("/cases/detentions/{d}?saved=1#hearings")).into_response())
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- calendar feed

#[derive(Template)]
#[template(path = "account_calendar.html")]
struct CalendarPage {
    l: Layout,
    tokens: Vec<FeedToken>,
    /// The URL with a new token's secret: shown once, right after it is made.
    new_url: Option<String>,
}

/// The address users reach Vigil at: `--public-url`, else this request's host.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

async fn render_calendar(ctx: &Ctx, new_url: Option<String>) -> WebResult<Response> {
    let tokens = ctx.access.own_feed_tokens().await?;
    page(&CalendarPage {
        l: Layout::of(ctx, "account"),
        tokens,
        new_url,
    })
}

async fn calendar_page(ctx: Ctx) -> Response {
    let r = render_calendar(&ctx, None).await;
    respond(&ctx, r)
}

async fn calendar_create(ctx: Ctx, State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let (_, secret) = ctx.access.create_own_feed_token().await?;
        let url = format!(
            "{}/calendar/{secret}/hearings.ics",
            base_url(&state, &headers)
        );
        render_calendar(&ctx, Some(url)).await
    }
    .await;
    respond(&ctx, r)
}

async fn calendar_revoke(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        ctx.access.revoke_own_feed_token(id).await?;
        Ok(Redirect::to("/account/calendar").into_response())
    }
    .await;
    respond(&ctx, r)
}

/// The hearings calendar for the token's user. An unknown, revoked or disabled
/// user's token, or a user who may no longer manage cases, gets a bare 404: nothing
/// tells a guesser which.
async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    if !token.starts_with("vgf_") || token.len() > 100 {
        return not_found();
    }
    let user = match state.store.feed_user(&token).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            tracing::debug!("calendar feed: unknown or revoked token");
            return not_found();
        }
        Err(e) => {
            tracing::error!(error = %e, "calendar feed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response();
        }
    };
    let access = Access::new(state.store.clone(), Actor::from(&user));
    let events = match access.hearing_feed().await {
        Ok(e) => e,
        Err(StoreError::Forbidden) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response();
        }
    };
    let t = I18n::new(if user.language == "es" { "es" } else { "en" });
    let base = base_url(&state, &headers);
    let host = state
        .config
        .public_url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "vigil.invalid".to_owned());
    let body = calendar(
        &events,
        &host,
        &base,
        &t.get("feed-title"),
        &t.get("feed-hearing"),
        state.store.clock().now(),
    );
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------- e-mail addresses

#[derive(Template)]
#[template(path = "admin_emails.html")]
struct EmailsPage {
    l: Layout,
    rows: Vec<EmailRow>,
    saved: bool,
}

pub struct EmailRow {
    pub id: Id,
    pub username: String,
    pub role: String,
    pub email: String,
    pub error: Option<String>,
}

async fn render_emails(
    ctx: &Ctx,
    saved: bool,
    bad: Option<(Id, String, String)>,
) -> WebResult<Response> {
    let users = ctx.access.users().await?;
    let emails: std::collections::HashMap<Id, String> =
        ctx.access.user_emails().await?.into_iter().collect();
    let rows = users
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            let (email, error) = match &bad {
                Some((id, value, msg)) if *id == u.id => (value.clone(), Some(msg.clone())),
                _ => (emails.get(&u.id).cloned().unwrap_or_default(), None),
            };
            EmailRow {
                id: u.id,
                role: ctx.t.code("role", u.role.code()),
                username: u.username,
                email,
                error,
            }
        })
        .collect();
    let status = if bad.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = EmailsPage {
        l: Layout::of(ctx, "users"),
        rows,
        saved,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn emails_page(ctx: Ctx, Query(q): Query<SavedQuery>) -> Response {
    let r = render_emails(&ctx, q.saved.is_some(), None).await;
    respond(&ctx, r)
}

async fn set_email(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.set_user_email(id, f.get("email")).await {
            Ok(()) => Ok(Redirect::to("/admin/emails?saved=1").into_response()),
            Err(StoreError::Invalid(e)) => {
                let msg = e.0.first().map(|x| ctx.t.error(x)).unwrap_or_default();
                render_emails(&ctx, false, Some((id, f.get("email").to_owned(), msg))).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}
