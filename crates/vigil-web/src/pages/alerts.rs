//! Public alerts, staff side (issue 6 point 7): a protection officer drafts an alert
//! from a case page; an administrator reads it and approves it, which publishes it on
//! `/public/alerts`; anyone who manages cases can take it off again, with a reason.
//! Permissions are checked in the `Access` layer (`vigil-store/src/public.rs`); every
//! form carries the CSRF token; a refused form comes back with its errors.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use vigil_domain::model::Id;
use vigil_domain::public::{Alert, AlertFile, AlertInput, AlertStatus};
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;
use vigil_store::public::AlertList;
use vigil_store::StoreError;

use super::persons::{form_status, FormErrors, SavedQuery};
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::Fields;
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(list))
        .route("/admin/alerts", get(queue))
        .route("/cases/{id}/alerts/new", get(new_form).post(create))
        .route("/alerts/{id}", get(show))
        .route("/alerts/{id}/edit", get(edit_form).post(update))
        .route("/alerts/{id}/publish", post(publish))
        .route("/alerts/{id}/unpublish", post(unpublish))
}

/// Labels for the codes an alert page shows.
pub struct Names {
    t: I18n,
}

impl Names {
    pub fn status(&self, s: &AlertStatus) -> String {
        self.t.code("alert-status", s)
    }
}

/// Where each field's error points, and the message that names the field.
fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "title" => ("title", "alert-title"),
        "text" => ("text", "alert-text"),
        "person_code" => ("person_code", "alert-person"),
        "reason" => ("reason", "alert-withdraw-reason"),
        "status" => ("status", "status"),
        _ => ("version", "version"),
    }
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

// ---------------------------------------------------------------- lists

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    case: Option<Id>,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct ListPage {
    l: Layout,
    names: Names,
    heading: String,
    intro: String,
    alerts: Vec<Alert>,
}

async fn list(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let r = async {
        let status = match q.status.trim() {
            "" => None,
            s => Some(
                s.parse::<AlertStatus>()
                    .map_err(|_| WebError::BadRequest("status".into()))?,
            ),
        };
        let alerts = ctx
            .access
            .alerts(AlertList {
                status,
                case: q.case,
            })
            .await?;
        page(&ListPage {
            l: Layout::of(&ctx, "cases"),
            names: Names { t: ctx.t.clone() },
            heading: ctx.t.get("alerts"),
            intro: ctx.t.get("alerts-intro"),
            alerts,
        })
    }
    .await;
    respond(&ctx, r)
}

async fn queue(ctx: Ctx) -> Response {
    let r = async {
        let alerts = ctx.access.alerts_to_approve().await?;
        page(&ListPage {
            l: Layout::of(&ctx, "alerts"),
            names: Names { t: ctx.t.clone() },
            heading: ctx.t.get("alerts-queue"),
            intro: ctx.t.get("alerts-queue-intro"),
            alerts,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one alert

#[derive(Template)]
#[template(path = "alert.html")]
struct ShowPage {
    l: Layout,
    names: Names,
    file: AlertFile,
    saved: bool,
    may_publish: bool,
    /// The publish form's errors (consent refused, changed since read…).
    approve: FormState,
    withdraw: FormState,
}

async fn render_alert(
    ctx: &Ctx,
    id: Id,
    saved: bool,
    approve: (Fields, FieldErrors),
    withdraw: (Fields, FieldErrors),
) -> WebResult<Response> {
    let file = ctx.access.alert_file(id).await?;
    let status = if approve.1.is_empty() && withdraw.1.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = ShowPage {
        l: Layout::of(ctx, "cases"),
        names: Names { t: ctx.t.clone() },
        may_publish: ctx.access.can(Permission::Administer),
        approve: FormState::new(approve.0, &approve.1, &ctx.t),
        withdraw: FormState::new(withdraw.0, &withdraw.1, &ctx.t),
        file,
        saved,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

fn blank() -> (Fields, FieldErrors) {
    (Fields::default(), FieldErrors::default())
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = render_alert(&ctx, id, q.saved.is_some(), blank(), blank()).await;
    respond(&ctx, r)
}

/// Approve and publish, at the version the administrator read.
async fn publish(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        // Administrators only, and only alerts they can see: before reading the form.
        ctx.access.alert_for_approval(id).await?;
        let f = Fields::parse(pairs);
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let errs = match ctx.access.publish_alert(id, version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/alerts/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(StoreError::Conflict(_)) => {
                let mut e = FieldErrors::default();
                e.add("version", "err-alert-changed", None);
                e
            }
            Err(e) => return Err(e.into()),
        };
        render_alert(&ctx, id, false, (f, errs), blank()).await
    }
    .await;
    respond(&ctx, r)
}

async fn unpublish(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.unpublish_alert(id, f.get("reason")).await {
            Ok(()) => Ok(Redirect::to(&format!("/alerts/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => render_alert(&ctx, id, false, blank(), (f, e)).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- drafting

#[derive(Template)]
#[template(path = "alert_form.html")]
struct FormPage {
    l: Layout,
    v: FormState,
    heading: String,
    action: String,
    cancel: String,
}

fn alert_input(f: &Fields) -> AlertInput {
    AlertInput {
        title: f.get("title").to_owned(),
        text: f.get("text").to_owned(),
        person_code: f.get("person_code").to_owned(),
    }
}

fn render_form(
    ctx: &Ctx,
    f: Fields,
    errs: &FieldErrors,
    heading: String,
    action: String,
    cancel: String,
) -> WebResult<Response> {
    let html = FormPage {
        l: Layout::of(ctx, "cases"),
        v: FormState::new(f, errs, &ctx.t),
        heading,
        action,
        cancel,
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn new_form(ctx: Ctx, Path(case): Path<Id>) -> Response {
    let r = async {
        let c = ctx.access.case(case).await?;
        let mut f = Fields::default();
        // The case's subject, when a person, is the usual person concerned.
        if matches!(c.subject, vigil_domain::model::VictimRef::Person(_)) {
            f.set("person_code", &c.subject_label);
        }
        render_form(
            &ctx,
            f,
            &FieldErrors::default(),
            ctx.t.arg("alert-new", &c.title),
            format!("/cases/{case}/alerts/new"),
            format!("/cases/{case}"),
        )
    }
    .await;
    respond(&ctx, r)
}

async fn create(
    ctx: Ctx,
    Path(case): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let errs = match ctx.access.create_alert(case, &alert_input(&f)).await {
            Ok(id) => return Ok(Redirect::to(&format!("/alerts/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        };
        let c = ctx.access.case(case).await?;
        render_form(
            &ctx,
            f,
            &errs,
            ctx.t.arg("alert-new", &c.title),
            format!("/cases/{case}/alerts/new"),
            format!("/cases/{case}"),
        )
    }
    .await;
    respond(&ctx, r)
}

fn alert_fields(a: &Alert) -> Fields {
    let mut f = Fields::default();
    f.set("title", &a.title);
    f.set("text", &a.text);
    f.set("person_code", &a.person_code);
    f.set("version", a.version.to_string());
    f
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let a = ctx.access.alert(id).await?;
        let mut errs = FieldErrors::default();
        if a.status == AlertStatus::Published {
            errs.add("status", "err-alert-published", None);
        }
        render_form(
            &ctx,
            alert_fields(&a),
            &errs,
            ctx.t.arg("alert-edit", &a.title),
            format!("/alerts/{id}/edit"),
            format!("/alerts/{id}"),
        )
    }
    .await;
    respond(&ctx, r)
}

async fn update(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let current = ctx.access.alert(id).await?;
        let f = Fields::parse(pairs);
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let errs = match ctx.access.update_alert(id, version, &alert_input(&f)).await {
            Ok(()) => return Ok(Redirect::to(&format!("/alerts/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(StoreError::Conflict(_)) => {
                let mut e = FieldErrors::default();
                e.add("version", "err-conflict", None);
                e
            }
            Err(e) => return Err(e.into()),
        };
        render_form(
            &ctx,
            f,
            &errs,
            ctx.t.arg("alert-edit", &current.title),
            format!("/alerts/{id}/edit"),
            format!("/alerts/{id}"),
        )
    }
    .await;
    respond(&ctx, r)
}
