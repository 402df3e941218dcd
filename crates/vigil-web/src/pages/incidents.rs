//! Incident pages: the filtered list (shareable URLs, pagination, CSV export), one
//! incident, the one-page form for recording or editing, and the history.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use vigil_domain::country::Countries;
use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, Page};
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_domain::Permission;
use vigil_store::StoreError;

use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::{
    incident_fields, incident_input, status_options, vocab_options, Fields, IncidentFormView, Opt,
};
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/incidents.csv", get(export_csv))
        .route("/incidents/new", get(new_form).post(create))
        .route("/incidents/{id}", get(show))
        .route("/incidents/{id}/edit", get(edit_form).post(update))
        .route("/incidents/{id}/history", get(history))
}

/// Display helpers shared by incident templates.
pub struct Labels {
    pub vocab: Vocabularies,
    pub lang: &'static str,
}

impl Labels {
    pub fn vt(&self, code: &str) -> String {
        self.vocab
            .label(VocabKind::ViolationType, code, self.lang)
            .to_owned()
    }
    pub fn pt(&self, code: &str) -> String {
        self.vocab
            .label(VocabKind::PerpetratorType, code, self.lang)
            .to_owned()
    }
    pub fn st(&self, code: &str) -> String {
        self.vocab
            .label(VocabKind::SourceType, code, self.lang)
            .to_owned()
    }
    pub fn rel(&self, code: &str) -> String {
        self.vocab
            .label(VocabKind::Reliability, code, self.lang)
            .to_owned()
    }
    pub fn sector(&self, code: &str) -> String {
        self.vocab
            .label(VocabKind::BusinessSector, code, self.lang)
            .to_owned()
    }
    pub fn country(&self, a2: &str) -> String {
        Countries::get()
            .by_alpha2(a2)
            .map_or_else(|| a2.to_owned(), |c| c.name(self.lang).to_owned())
    }
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    l: Layout,
    f: IncidentFilter,
    p: Page<IncidentSummary>,
    labels: Labels,
    types: Vec<Opt>,
    statuses: Vec<Opt>,
    perpetrators: Vec<Opt>,
    sectors: Vec<Opt>,
    characteristics: Vec<Opt>,
    year: String,
    prev: Option<String>,
    next: Option<String>,
    export: String,
    can_write: bool,
    can_export: bool,
}

async fn list(ctx: Ctx, Query(f): Query<IncidentFilter>) -> Response {
    let r = async {
        let p = ctx.access.incidents(&f).await?;
        let vocab = ctx.access.vocabularies().await?;
        let lang = ctx.t.lang;
        let any = || Some(ctx.t.get("any"));
        let pages = p.pages();
        page(&ListPage {
            types: vocab_options(
                &vocab,
                VocabKind::ViolationType,
                lang,
                &f.violation_type,
                any(),
            ),
            statuses: status_options(&ctx.t, &f.status, true),
            perpetrators: vocab_options(
                &vocab,
                VocabKind::PerpetratorType,
                lang,
                &f.perpetrator_type,
                any(),
            ),
            sectors: vocab_options(&vocab, VocabKind::BusinessSector, lang, &f.sector, any()),
            characteristics: vocab_options(
                &vocab,
                VocabKind::Characteristic,
                lang,
                &f.characteristic,
                any(),
            ),
            year: f.year.map(|y| y.to_string()).unwrap_or_default(),
            prev: (p.page > 1).then(|| f.query_for_page(p.page - 1)),
            next: (p.page < pages).then(|| f.query_for_page(p.page + 1)),
            export: f.query_for_page(1),
            can_write: ctx.access.can(Permission::Write),
            can_export: ctx.access.can(Permission::Export),
            labels: Labels { vocab, lang },
            l: Layout::of(&ctx, "incidents"),
            f,
            p,
        })
    }
    .await;
    respond(&ctx, r)
}

async fn export_csv(ctx: Ctx, Query(f): Query<IncidentFilter>) -> Response {
    let r: WebResult<Response> = async {
        let list = ctx.access.export_incidents(&f).await?;
        let vocab = ctx.access.vocabularies().await?;
        tracing::info!(
            user = ctx.access.actor().user_id,
            rows = list.len(),
            "export"
        );
        let body = crate::csv_export::incidents_csv(&list, &vocab, ctx.t.lang);
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"vigil-incidents.csv\"",
                ),
            ],
            body,
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "incident.html")]
struct ShowPage {
    l: Layout,
    i: Incident,
    labels: Labels,
    independent: usize,
    can_write: bool,
    saved: bool,
    evidence: super::evidence::EvidenceSection,
}

#[derive(serde::Deserialize, Default)]
struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<ShowQuery>) -> Response {
    let r = async {
        let i = ctx.access.incident(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        let evidence = super::evidence::section(&ctx, id).await?;
        page(&ShowPage {
            evidence,
            independent: independent_sources(i.sources.iter().map(|s| s.origin.as_str())),
            can_write: ctx.access.can(Permission::Write),
            labels: Labels {
                vocab,
                lang: ctx.t.lang,
            },
            l: Layout::of(&ctx, "incidents"),
            saved: q.saved.is_some(),
            i,
        })
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    l: Layout,
    /// The compartment select (new records, writers with a choice).
    compartments: Vec<crate::forms::Opt>,
    v: IncidentFormView,
    action: String,
    heading: String,
    can_override: bool,
    sensitive: bool,
    regions: Vec<String>,
}

async fn render_form(
    ctx: &Ctx,
    f: Fields,
    errs: &FieldErrors,
    vocab: &Vocabularies,
    action: String,
    heading: String,
    extra: (bool, bool, Option<usize>),
) -> WebResult<Response> {
    let compartments = super::compartments::choices(ctx, &action, f.get("compartment")).await?;
    let regions = Countries::get()
        .resolve(f.get("country"))
        .map(|c| c.subdivisions.clone())
        .unwrap_or_default();
    let v = IncidentFormView::new(f, errs, vocab, &ctx.t, extra.0, extra.1, extra.2);
    let status = if errs.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = FormPage {
        l: Layout::of(ctx, "incidents"),
        compartments,
        v,
        action,
        heading,
        can_override: ctx.access.can(Permission::OverrideVerification),
        sensitive: ctx.access.sees_sensitive(),
        regions,
    }
    .render()?;
    Ok((status, axum::response::Html(html)).into_response())
}

async fn new_form(ctx: Ctx) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let vocab = ctx.access.vocabularies().await?;
        let mut f = Fields::default();
        f.set("status", "reported");
        render_form(
            &ctx,
            f,
            &FieldErrors::default(),
            &vocab,
            "/incidents/new".into(),
            ctx.t.get("incident-new"),
            (false, false, None),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

/// Rows an "add another" button asks for (violation, source, perpetrator of violation
/// N); `None` when the form was submitted to be saved.
fn extra_rows(f: &Fields) -> Option<(bool, bool, Option<usize>)> {
    match f.get("action") {
        "add_violation" => Some((true, false, None)),
        "add_source" => Some((false, true, None)),
        a => a
            .strip_prefix("add_perpetrator_")
            .and_then(|n| n.parse().ok())
            .map(|n| (false, false, Some(n))),
    }
}

/// Read the form, resolving typed codes into persons and groups.
async fn read_form(ctx: &Ctx, f: &Fields) -> WebResult<(IncidentInput, FieldErrors)> {
    let (mut input, codes, mut errs) = incident_input(f);
    for c in codes {
        let found = ctx.access.party_by_code(&c.code).await?;
        // field is `violations[i].victim` or `violations[i].perpetrators[j].party`
        let Some(party) = found else {
            errs.add(c.field.clone(), "err-unknown-code", Some(c.code.clone()));
            continue;
        };
        let idx =
            |s: &str| -> Option<usize> { s.split('[').nth(1)?.split(']').next()?.parse().ok() };
        let Some(vi) = idx(&c.field) else { continue };
        let Some(v) = input.violations.get_mut(vi) else {
            continue;
        };
        if c.field.ends_with(".victim") {
            v.victim = Some(party.victim);
        } else if let Some(pj) = c
            .field
            .split("perpetrators[")
            .nth(1)
            .and_then(|s| s.split(']').next()?.parse::<usize>().ok())
        {
            if let Some(p) = v.perpetrators.get_mut(pj) {
                match party.victim {
                    VictimRef::Person(id) => p.person_id = Some(id),
                    VictimRef::Group(id) => p.group_id = Some(id),
                }
            }
        }
    }
    Ok((input, errs))
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let vocab = ctx.access.vocabularies().await?;
        let heading = ctx.t.get("incident-new");
        let action = "/incidents/new".to_owned();
        if let Some(extra) = extra_rows(&f) {
            return render_form(
                &ctx,
                f,
                &FieldErrors::default(),
                &vocab,
                action,
                heading,
                extra,
            )
            .await;
        }
        let (input, mut errs) = read_form(&ctx, &f).await?;
        if errs.is_empty() {
            match super::compartments::writer(&ctx, &f)
                .create_incident(&input)
                .await
            {
                Ok(id) => {
                    return Ok(Redirect::to(&format!("/incidents/{id}?saved=1")).into_response())
                }
                Err(StoreError::Invalid(e)) => errs = e,
                Err(e) => return Err(e.into()),
            }
        } else if let Err(StoreError::Invalid(e)) = validate_only(&ctx, &input).await {
            errs.0.extend(
                e.0.into_iter()
                    .filter(|x| !x.field.ends_with(".victim") || x.key != "err-required"),
            );
        }
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            action,
            heading,
            (false, false, None),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

/// Validate without saving, so that every error shows at once.
async fn validate_only(ctx: &Ctx, input: &IncidentInput) -> Result<(), StoreError> {
    let (vocab, today) = ctx.access.rules_context().await?;
    let rules = vigil_domain::validate::Rules {
        vocab: &vocab,
        today,
        may_override_verification: ctx.access.can(Permission::OverrideVerification),
    };
    input
        .validate(&rules)
        .map(|_| ())
        .map_err(StoreError::Invalid)
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let i = ctx.access.incident(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        render_form(
            &ctx,
            incident_fields(&i),
            &FieldErrors::default(),
            &vocab,
            format!("/incidents/{id}/edit"),
            ctx.t.arg("incident-edit", &i.title),
            (false, false, None),
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
        let vocab = ctx.access.vocabularies().await?;
        let heading = ctx.t.arg("incident-edit", f.get("title"));
        let action = format!("/incidents/{id}/edit");
        if let Some(extra) = extra_rows(&f) {
            return render_form(
                &ctx,
                f,
                &FieldErrors::default(),
                &vocab,
                action,
                heading,
                extra,
            )
            .await;
        }
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let (input, mut errs) = read_form(&ctx, &f).await?;
        if errs.is_empty() {
            match ctx.access.update_incident(id, version, &input).await {
                Ok(()) => {
                    return Ok(Redirect::to(&format!("/incidents/{id}?saved=1")).into_response())
                }
                Err(StoreError::Invalid(e)) => errs = e,
                Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
                Err(e) => return Err(e.into()),
            }
        }
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            action,
            heading,
            (false, false, None),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub l: Layout,
    pub title: String,
    pub back: String,
    pub versions: Vec<Version>,
}

async fn history(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (title, versions) = ctx.access.history_labelled("incident", id).await?;
        page(&HistoryPage {
            l: Layout::of(&ctx, "incidents"),
            title,
            back: format!("/incidents/{id}"),
            versions,
        })
    }
    .await;
    respond(&ctx, r)
}
