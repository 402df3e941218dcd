//! The protection officer's workspace (issue 6): cases, their risk assessments,
//! actions and linked incidents, the timeline, and the lists across cases — open
//! cases by risk, "my actions", overdue actions. Every page needs the
//! `ManageCases` permission, checked in the `Access` layer; forms post back with the
//! CSRF token like every other form, and a refused form comes back with its errors.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use vigil_domain::case::*;
use vigil_domain::model::{Id, VictimRef};
use vigil_domain::validate::FieldErrors;
use vigil_store::cases::CaseList;
use vigil_store::StoreError;

use super::incidents::HistoryPage;
use super::persons::{form_status, FormErrors, SavedQuery};
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::{Fields, Opt};
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/risk", get(by_risk))
        .route("/cases/actions/mine", get(my_actions))
        .route("/cases/actions/overdue", get(overdue))
        .route(
            "/cases/actions/{id}/edit",
            get(action_form).post(action_update),
        )
        .route("/cases/new", get(new_form).post(create))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/edit", get(edit_form).post(update))
        .route("/cases/{id}/history", get(history))
        .route("/cases/{id}/assessments", post(add_assessment))
        .route("/cases/{id}/actions", post(add_action))
        .route("/cases/{id}/incidents", post(link_incident))
}

/// Labels for the codes a case page shows.
pub struct Labels {
    t: I18n,
}

impl Labels {
    pub fn status(&self, s: &CaseStatus) -> String {
        self.t.code("case-status", s)
    }
    pub fn risk(&self, r: &RiskLevel) -> String {
        self.t.code("risk", r)
    }
    pub fn trend(&self, c: &Case) -> String {
        match c.trend() {
            Some(t) => self.t.code("trend", t.code()),
            None => String::new(),
        }
    }
    pub fn kind(&self, k: &ActionKind) -> String {
        self.t.code("action-kind", k)
    }
    pub fn action_status(&self, s: &ActionStatus) -> String {
        self.t.code("action-status", s)
    }
    pub fn entry(&self, e: &TimelineEntry) -> String {
        self.t.code("timeline", &e.kind)
    }
    /// The entry's label in words (the API keeps the codes).
    pub fn entry_label(&self, e: &TimelineEntry) -> String {
        match (e.kind.as_str(), &e.status) {
            ("assessment", _) => self.t.code("risk", &e.label),
            ("un_communication", _) => self.t.code("un-kind", &e.label),
            ("action", Some(status)) => format!(
                "{} ({})",
                self.t.code("action-kind", &e.label),
                self.t.code("action-status", status).to_lowercase()
            ),
            _ => e.label.clone(),
        }
    }
    pub fn subject_link(&self, c: &Case) -> String {
        match c.subject {
            VictimRef::Person(id) => format!("/persons/{id}"),
            VictimRef::Group(id) => format!("/groups/{id}"),
        }
    }
}

fn labels(ctx: &Ctx) -> Labels {
    Labels { t: ctx.t.clone() }
}

fn options<T: Copy + PartialEq + std::fmt::Display>(
    all: &[T],
    label: impl Fn(&T) -> String,
    selected: &str,
    blank: Option<String>,
) -> Vec<Opt> {
    let mut out = Vec::new();
    if let Some(b) = blank {
        out.push(Opt {
            value: String::new(),
            label: b,
            selected: selected.is_empty(),
        });
    }
    out.extend(all.iter().map(|v| Opt {
        value: v.to_string(),
        label: label(v),
        selected: v.to_string() == selected,
    }));
    out
}

fn user_options(users: &[(Id, String)], selected: &str, blank: Option<String>) -> Vec<Opt> {
    let mut out = Vec::new();
    if let Some(b) = blank {
        out.push(Opt {
            value: String::new(),
            label: b,
            selected: selected.is_empty(),
        });
    }
    out.extend(users.iter().map(|(id, name)| Opt {
        value: id.to_string(),
        label: name.clone(),
        selected: id.to_string() == selected,
    }));
    out
}

/// An optional id from a form field: empty is none, anything else must be a number.
fn opt_id(f: &Fields, field: &str, errs: &mut FieldErrors) -> Option<Id> {
    let v = f.get(field).trim();
    if v.is_empty() {
        return None;
    }
    match v.parse() {
        Ok(id) => Some(id),
        Err(_) => {
            errs.add(field, "err-number", None);
            None
        }
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

/// Where each field's error points, and the message that names the field.
fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "title" => ("title", "case-title"),
        "subject_code" => ("subject_code", "case-subject"),
        "status" => ("status", "status"),
        "closed_reason" => ("closed_reason", "case-closed-reason"),
        "summary" => ("summary", "case-summary"),
        "owner_id" => ("owner_id", "case-owner"),
        "assessed_on" => ("assessed_on", "assessment-date"),
        "threats" => ("threats", "assessment-threats"),
        "vulnerabilities" => ("vulnerabilities", "assessment-vulnerabilities"),
        "capacities" => ("capacities", "assessment-capacities"),
        "level" => ("level", "risk-level"),
        "reasoning" => ("reasoning", "assessment-reasoning"),
        "kind" => ("kind", "action-type"),
        "description" => ("description", "description"),
        "assignee_id" => ("assignee_id", "action-assignee"),
        "due_on" => ("due_on", "action-due"),
        "outcome" => ("outcome", "action-outcome"),
        "amount" => ("amount", "action-amount"),
        "currency" => ("currency", "action-currency"),
        "incident_id" => ("incident_id", "incident"),
        _ => ("save", "version"),
    }
}

// ---------------------------------------------------------------- lists

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    l: Layout,
    names: Labels,
    heading: String,
    cases: Vec<Case>,
    statuses: Vec<Opt>,
    by_risk: bool,
}

async fn list(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let r = async {
        let which = match q.status.trim() {
            "" => CaseList::All,
            s => CaseList::Status(
                s.parse()
                    .map_err(|_| WebError::BadRequest("status".into()))?,
            ),
        };
        let cases = ctx.access.cases(which).await?;
        let names = labels(&ctx);
        page(&ListPage {
            statuses: options(
                CaseStatus::ALL,
                |s| names.status(s),
                q.status.trim(),
                Some(ctx.t.get("cases-all")),
            ),
            l: Layout::of(&ctx, "cases"),
            heading: ctx.t.get("cases"),
            cases,
            names,
            by_risk: false,
        })
    }
    .await;
    respond(&ctx, r)
}

async fn by_risk(ctx: Ctx) -> Response {
    let r = async {
        let cases = ctx.access.cases(CaseList::ByRisk).await?;
        page(&ListPage {
            l: Layout::of(&ctx, "cases"),
            names: labels(&ctx),
            heading: ctx.t.get("cases-by-risk"),
            cases,
            statuses: Vec::new(),
            by_risk: true,
        })
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "case_actions.html")]
struct ActionsPage {
    l: Layout,
    names: Labels,
    heading: String,
    empty: String,
    actions: Vec<CaseAction>,
    today: chrono::NaiveDate,
}

async fn my_actions(ctx: Ctx) -> Response {
    let r = async {
        let actions = ctx.access.my_actions().await?;
        page(&ActionsPage {
            l: Layout::of(&ctx, "cases"),
            names: labels(&ctx),
            heading: ctx.t.get("actions-mine"),
            empty: ctx.t.get("actions-mine-none"),
            actions,
            today: ctx.access.case_today(),
        })
    }
    .await;
    respond(&ctx, r)
}

async fn overdue(ctx: Ctx) -> Response {
    let r = async {
        let actions = ctx.access.overdue_actions().await?;
        page(&ActionsPage {
            l: Layout::of(&ctx, "cases"),
            names: labels(&ctx),
            heading: ctx.t.get("actions-overdue"),
            empty: ctx.t.get("actions-overdue-none"),
            actions,
            today: ctx.access.case_today(),
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one case

#[derive(Template)]
#[template(path = "case.html")]
struct ShowPage {
    l: Layout,
    names: Labels,
    file: vigil_domain::case::CaseFile,
    saved: bool,
    today: chrono::NaiveDate,
    assess: FormState,
    /// The new-action form (named `v` for `case_action_fields.html`).
    v: FormState,
    link: FormState,
    levels: Vec<Opt>,
    kinds: Vec<Opt>,
    assignees: Vec<Opt>,
}

async fn render_case(
    ctx: &Ctx,
    id: Id,
    saved: bool,
    forms: [(Fields, FieldErrors); 3],
) -> WebResult<Response> {
    let file = ctx.access.case_file(id).await?;
    let users = ctx.access.case_users().await?;
    let names = labels(ctx);
    let [(af, ae), (xf, xe), (lf, le)] = forms;
    let status = if ae.is_empty() && xe.is_empty() && le.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = ShowPage {
        levels: options(
            RiskLevel::ALL,
            |r| names.risk(r),
            af.get("level"),
            Some(ctx.t.get("choose")),
        ),
        kinds: options(
            ActionKind::ALL,
            |k| names.kind(k),
            xf.get("kind"),
            Some(ctx.t.get("choose")),
        ),
        assignees: user_options(
            &users,
            xf.get("assignee_id"),
            Some(ctx.t.get("action-unassigned")),
        ),
        assess: FormState::new(af, &ae, &ctx.t),
        v: FormState::new(xf, &xe, &ctx.t),
        link: FormState::new(lf, &le, &ctx.t),
        l: Layout::of(ctx, "cases"),
        names,
        file,
        saved,
        today: ctx.access.case_today(),
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

fn blank_forms(ctx: &Ctx) -> [(Fields, FieldErrors); 3] {
    let mut a = Fields::default();
    a.set(
        "assessed_on",
        ctx.access.case_today().format("%Y-%m-%d").to_string(),
    );
    [
        (a, FieldErrors::default()),
        (Fields::default(), FieldErrors::default()),
        (Fields::default(), FieldErrors::default()),
    ]
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = render_case(&ctx, id, q.saved.is_some(), blank_forms(&ctx)).await;
    respond(&ctx, r)
}

fn assessment_input(f: &Fields) -> AssessmentInput {
    AssessmentInput {
        assessed_on: f.get("assessed_on").to_owned(),
        threats: f.get("threats").to_owned(),
        vulnerabilities: f.get("vulnerabilities").to_owned(),
        capacities: f.get("capacities").to_owned(),
        level: f.get("level").to_owned(),
        reasoning: f.get("reasoning").to_owned(),
    }
}

async fn add_assessment(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.add_assessment(id, &assessment_input(&f)).await {
            Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?saved=1#risk")).into_response()),
            Err(StoreError::Invalid(e)) => {
                let [_, x, l] = blank_forms(&ctx);
                render_case(&ctx, id, false, [(f, e), x, l]).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

fn action_input(f: &Fields, errs: &mut FieldErrors) -> ActionInput {
    ActionInput {
        kind: f.get("kind").to_owned(),
        description: f.get("description").to_owned(),
        assignee_id: opt_id(f, "assignee_id", errs),
        due_on: f.get("due_on").to_owned(),
        status: f.get("status").to_owned(),
        outcome: f.get("outcome").to_owned(),
        amount: f.get("amount").to_owned(),
        currency: f.get("currency").to_owned(),
    }
}

async fn add_action(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let mut errs = FieldErrors::default();
        let input = action_input(&f, &mut errs);
        let result = if errs.is_empty() {
            ctx.access.add_action(id, &input).await.map(|_| ())
        } else {
            ctx.access.case(id).await?;
            Err(StoreError::Invalid(errs))
        };
        match result {
            Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?saved=1#actions")).into_response()),
            Err(StoreError::Invalid(e)) => {
                let [a, _, l] = blank_forms(&ctx);
                render_case(&ctx, id, false, [a, (f, e), l]).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn link_incident(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let mut errs = FieldErrors::default();
        let incident = opt_id(&f, "incident_id", &mut errs);
        let unlink = f.get("unlink") == "1";
        let result = match incident {
            Some(i) if errs.is_empty() => ctx.access.link_case_incident(id, i, !unlink).await,
            _ => {
                ctx.access.case(id).await?;
                if errs.is_empty() {
                    errs.add("incident_id", "err-required", None);
                }
                Err(StoreError::Invalid(errs))
            }
        };
        match result {
            Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?saved=1#incidents")).into_response()),
            Err(StoreError::Invalid(e)) => {
                let [a, x, _] = blank_forms(&ctx);
                render_case(&ctx, id, false, [a, x, (f, e)]).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn history(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (title, versions) = ctx.access.case_history(id).await?;
        page(&HistoryPage {
            l: Layout::of(&ctx, "cases"),
            title,
            back: format!("/cases/{id}"),
            versions,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- case form

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseFormPage {
    l: Layout,
    compartments: Vec<Opt>,
    v: FormState,
    statuses: Vec<Opt>,
    owners: Vec<Opt>,
    action: String,
    heading: String,
    cancel: String,
}

fn case_input(f: &Fields, errs: &mut FieldErrors) -> CaseInput {
    CaseInput {
        title: f.get("title").to_owned(),
        subject_code: f.get("subject_code").to_owned(),
        status: f.get("status").to_owned(),
        closed_reason: f.get("closed_reason").to_owned(),
        summary: f.get("summary").to_owned(),
        owner_id: opt_id(f, "owner_id", errs),
    }
}

fn case_fields(c: &Case) -> Fields {
    let mut f = Fields::default();
    f.set("title", &c.title);
    f.set("subject_code", &c.subject_label);
    f.set("status", c.status.code());
    f.set("closed_reason", &c.closed_reason);
    f.set("summary", &c.summary);
    f.set("owner_id", c.owner_id.to_string());
    f.set("version", c.version.to_string());
    f
}

async fn render_case_form(
    ctx: &Ctx,
    f: Fields,
    errs: &FieldErrors,
    action: String,
    heading: String,
    cancel: String,
) -> WebResult<Response> {
    let compartments = super::compartments::choices(ctx, &action, f.get("compartment")).await?;
    let users = ctx.access.case_users().await?;
    let names = labels(ctx);
    let html = CaseFormPage {
        l: Layout::of(ctx, "cases"),
        compartments,
        statuses: options(CaseStatus::ALL, |s| names.status(s), f.get("status"), None),
        owners: user_options(&users, f.get("owner_id"), Some(ctx.t.get("case-owner-me"))),
        v: FormState::new(f, errs, &ctx.t),
        action,
        heading,
        cancel,
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn new_form(ctx: Ctx) -> Response {
    let r = async {
        let mut f = Fields::default();
        f.set("status", "open");
        render_case_form(
            &ctx,
            f,
            &FieldErrors::default(),
            "/cases/new".into(),
            ctx.t.get("case-new"),
            "/cases".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let mut errs = FieldErrors::default();
        let input = case_input(&f, &mut errs);
        let result = if errs.is_empty() {
            super::compartments::writer(&ctx, &f)
                .create_case(&input)
                .await
        } else {
            Err(StoreError::Invalid(errs))
        };
        let errs = match result {
            Ok(id) => return Ok(Redirect::to(&format!("/cases/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        };
        render_case_form(
            &ctx,
            f,
            &errs,
            "/cases/new".into(),
            ctx.t.get("case-new"),
            "/cases".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let c = ctx.access.case(id).await?;
        render_case_form(
            &ctx,
            case_fields(&c),
            &FieldErrors::default(),
            format!("/cases/{id}/edit"),
            ctx.t.arg("case-edit", &c.title),
            format!("/cases/{id}"),
        )
        .await
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
        let f = Fields::parse(pairs);
        let current = ctx.access.case(id).await?;
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let mut errs = FieldErrors::default();
        let input = case_input(&f, &mut errs);
        if errs.is_empty() {
            match ctx.access.update_case(id, version, &input).await {
                Ok(()) => return Ok(Redirect::to(&format!("/cases/{id}?saved=1")).into_response()),
                Err(StoreError::Invalid(e)) => errs = e,
                Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
                Err(e) => return Err(e.into()),
            }
        }
        render_case_form(
            &ctx,
            f,
            &errs,
            format!("/cases/{id}/edit"),
            ctx.t.arg("case-edit", &current.title),
            format!("/cases/{id}"),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- action form

#[derive(Template)]
#[template(path = "case_action_form.html")]
struct ActionFormPage {
    l: Layout,
    v: FormState,
    a: CaseAction,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    assignees: Vec<Opt>,
}

fn action_fields(a: &CaseAction) -> Fields {
    let mut f = Fields::default();
    f.set("kind", a.kind.code());
    f.set("description", &a.description);
    f.set(
        "assignee_id",
        a.assignee_id.map(|u| u.to_string()).unwrap_or_default(),
    );
    f.set(
        "due_on",
        a.due_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    );
    f.set("status", a.status.code());
    f.set("outcome", &a.outcome);
    if let Some(m) = a.cost {
        f.set("amount", m.amount());
        f.set("currency", m.currency.code());
    }
    f.set("version", a.version.to_string());
    f
}

async fn render_action_form(
    ctx: &Ctx,
    a: CaseAction,
    f: Fields,
    errs: &FieldErrors,
) -> WebResult<Response> {
    let users = ctx.access.case_users().await?;
    let names = labels(ctx);
    let html = ActionFormPage {
        l: Layout::of(ctx, "cases"),
        kinds: options(ActionKind::ALL, |k| names.kind(k), f.get("kind"), None),
        statuses: options(
            ActionStatus::ALL,
            |s| names.action_status(s),
            f.get("status"),
            None,
        ),
        assignees: user_options(
            &users,
            f.get("assignee_id"),
            Some(ctx.t.get("action-unassigned")),
        ),
        v: FormState::new(f, errs, &ctx.t),
        a,
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn action_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let a = ctx.access.action(id).await?;
        let f = action_fields(&a);
        render_action_form(&ctx, a, f, &FieldErrors::default()).await
    }
    .await;
    respond(&ctx, r)
}

async fn action_update(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let a = ctx.access.action(id).await?;
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let mut errs = FieldErrors::default();
        let input = action_input(&f, &mut errs);
        if errs.is_empty() {
            match ctx.access.update_action(id, version, &input).await {
                Ok(()) => {
                    return Ok(
                        Redirect::to(&format!("/cases/{}?saved=1#actions", a.case_id))
                            .into_response(),
                    )
                }
                Err(StoreError::Invalid(e)) => errs = e,
                Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
                Err(e) => return Err(e.into()),
            }
        }
        render_action_form(&ctx, a, f, &errs).await
    }
    .await;
    respond(&ctx, r)
}
