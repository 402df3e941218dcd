//! The analyst's release pages (issue 5 points 6 and 8): the list of releases, a form
//! that freezes a statistics query or SDG 16.10.1 for a period as a release, a release
//! with its published form, raw counts, revision form and publish switch, and a
//! printable report. Every page needs `PublishReleases` (analysts and administrators),
//! checked in the `Access` layer; every form carries the CSRF token.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use vigil_domain::model::Id;
use vigil_domain::release::{Release, ReleaseInput, ReleaseKind, ReleaseQuery};
use vigil_domain::stats::{Dimension, Measure, SdgParams, StatsParams};
use vigil_domain::validate::FieldErrors;
use vigil_store::StoreError;

use super::{page, respond, Layout};
use crate::error::WebResult;
use crate::forms::{Fields, Opt};
use crate::i18n::I18n;
use crate::release_report::{self, ReportView, TableView};
use crate::session::Ctx;
use crate::stats_report::StatsLabels;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/releases", get(list))
        .route("/releases/new", get(new_form).post(create))
        .route("/releases/{id}", get(show))
        .route("/releases/{id}/report", get(report))
        .route("/releases/{id}/revise", post(revise))
        .route("/releases/{id}/publish", post(publish))
}

/// Statistics filters the form does not show but carries when they come from the
/// statistics page ("freeze these figures").
const CARRIED: &[&str] = &[
    "year",
    "violation_type",
    "verb",
    "status",
    "perpetrator_type",
    "state_actor",
    "sector",
    "characteristic",
    "sex",
    "sdg_group",
    "defence_sector",
    "q",
];

struct Item {
    id: Id,
    title: String,
    kind: String,
    revision: i64,
    frozen_on: String,
    status: String,
    author: String,
}

#[derive(Template)]
#[template(path = "releases.html")]
struct ListPage {
    l: Layout,
    items: Vec<Item>,
}

fn status(t: &I18n, r: &Release) -> String {
    match r.published_at {
        Some(at) => t.arg("release-published-at", &at.date_naive().to_string()),
        None => t.get("release-unpublished"),
    }
}

async fn list(ctx: Ctx) -> Response {
    let r = async {
        let items = ctx
            .access
            .releases()
            .await?
            .iter()
            .map(|r| Item {
                id: r.id,
                title: r.title.clone(),
                kind: ctx.t.code("release-kind", r.kind.code().replace('_', "-")),
                revision: r.revision,
                frozen_on: r.frozen_on.to_string(),
                status: status(&ctx.t, r),
                author: r.created_by.clone(),
            })
            .collect();
        page(&ListPage {
            l: Layout::of(&ctx, "releases"),
            items,
        })
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "release_form.html")]
struct FormPage {
    l: Layout,
    sdg: bool,
    f: Fields,
    measures: Vec<Opt>,
    dims1: Vec<Opt>,
    dims2: Vec<Opt>,
    carried: Vec<(String, String)>,
    errors: Vec<String>,
}

fn opts(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// The default methodology text: the counting rule and the disclosure rule, for the
/// analyst to edit.
fn default_methodology(t: &I18n, sdg: bool, measure: &str) -> String {
    let rule = if sdg {
        t.get("stats-sdg-rule")
    } else {
        t.code(
            "stats-rule",
            measure
                .parse::<Measure>()
                .unwrap_or(Measure::Incidents)
                .code(),
        )
    };
    format!("{rule}\n\n{}", t.get("release-default-methodology"))
}

async fn render_form(
    ctx: &Ctx,
    f: Fields,
    errors: Vec<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let vocab = ctx.access.vocabularies().await?;
    let labels = StatsLabels::new(ctx.t.clone(), vocab);
    let sdg = f.get("kind") == ReleaseKind::Sdg.code();
    let dims = |sel: &str| {
        let mut v = vec![(String::new(), labels.t.get("stats-no-dimension"))];
        v.extend(
            Dimension::ALL
                .iter()
                .map(|d| (d.code().to_owned(), labels.dimension(*d))),
        );
        opts(v, sel)
    };
    let carried = CARRIED
        .iter()
        .filter(|k| !f.get(k).is_empty())
        .map(|k| ((*k).to_owned(), f.get(k).to_owned()))
        .collect();
    let body = FormPage {
        measures: opts(
            Measure::ALL
                .iter()
                .map(|m| (m.code().to_owned(), labels.measure(*m))),
            if f.get("measure").is_empty() {
                "incidents"
            } else {
                f.get("measure")
            },
        ),
        dims1: dims(f.get("by")),
        dims2: dims(f.get("by2")),
        carried,
        sdg,
        errors,
        f,
        l: Layout::of(ctx, "releases"),
    };
    Ok((status, Html(body.render()?)).into_response())
}

async fn new_form(ctx: Ctx, Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let r = async {
        // Only those who may freeze releases see the form.
        ctx.access.releases().await?;
        let mut f = Fields::parse(pairs);
        let sdg = f.get("kind") == ReleaseKind::Sdg.code();
        if f.get("methodology").is_empty() {
            let m = default_methodology(&ctx.t, sdg, f.get("measure"));
            f.set("methodology", m);
        }
        if f.get("threshold").is_empty() {
            f.set(
                "threshold",
                vigil_domain::disclosure::DEFAULT_THRESHOLD.to_string(),
            );
        }
        render_form(&ctx, f, Vec::new(), StatusCode::OK).await
    }
    .await;
    respond(&ctx, r)
}

fn input_of(f: &Fields) -> ReleaseInput {
    let g = |k: &str| f.get(k).to_owned();
    ReleaseInput {
        title: g("title"),
        kind: g("kind"),
        methodology: g("methodology"),
        threshold: g("threshold"),
        query: ReleaseQuery {
            stats: StatsParams {
                measure: g("measure"),
                by: g("by"),
                by2: g("by2"),
                q: g("q"),
                country: g("country"),
                region: g("region"),
                year: g("year"),
                from: g("from"),
                to: g("to"),
                violation_type: g("violation_type"),
                verb: g("verb"),
                status: g("status"),
                perpetrator_type: g("perpetrator_type"),
                state_actor: g("state_actor"),
                sector: g("sector"),
                characteristic: g("characteristic"),
                sex: g("sex"),
                sdg_group: g("sdg_group"),
                defence_sector: g("defence_sector"),
            },
            sdg: SdgParams {
                from: g("sdg_from"),
                to: g("sdg_to"),
                country: g("sdg_country"),
            },
        },
    }
}

fn field_errors(t: &I18n, e: &FieldErrors) -> Vec<String> {
    e.0.iter()
        .map(|x| format!("{}: {}", x.field, t.error(x)))
        .collect()
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.create_release(&input_of(&f)).await {
            Ok(id) => Ok(Redirect::to(&format!("/releases/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => {
                render_form(&ctx, f, field_errors(&ctx.t, &e), StatusCode::BAD_REQUEST).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Saved {
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "release.html")]
struct ShowPage {
    l: Layout,
    r: ReportView,
    base: &'static str,
    q: &'static str,
    saved: bool,
    published: bool,
    status: String,
    raw: Vec<TableView>,
    errors: Vec<String>,
    reason: String,
    methodology: String,
}

/// The report view of a release and its revisions, as analysts see them (revisions
/// whether published or not).
async fn view(ctx: &Ctx, id: Id) -> WebResult<(Release, ReportView, StatsLabels)> {
    let rel = ctx.access.release(id).await?;
    let series: Vec<_> = ctx
        .access
        .release_series(id)
        .await?
        .iter()
        .map(Release::preview)
        .collect();
    let labels = StatsLabels::new(ctx.t.clone(), ctx.access.vocabularies().await?);
    let v = release_report::report(&labels, &rel.preview(), &series);
    Ok((rel, v, labels))
}

async fn render_show(
    ctx: &Ctx,
    id: Id,
    saved: bool,
    errors: Vec<String>,
    reason: String,
    methodology: Option<String>,
) -> WebResult<Response> {
    let (rel, v, labels) = view(ctx, id).await?;
    let status_code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = ShowPage {
        l: Layout::of(ctx, "releases"),
        raw: release_report::raw_views(&labels, &rel),
        base: "/releases",
        q: "",
        saved,
        published: rel.published_at.is_some(),
        status: status(&ctx.t, &rel),
        errors,
        reason,
        methodology: methodology.unwrap_or_else(|| rel.methodology.clone()),
        r: v,
    };
    Ok((status_code, Html(body.render()?)).into_response())
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(s): Query<Saved>) -> Response {
    let r = render_show(&ctx, id, s.saved.is_some(), Vec::new(), String::new(), None).await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "release_print.html")]
struct PrintPage {
    l: Layout,
    r: ReportView,
    base: &'static str,
    q: &'static str,
}

async fn report(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (_, v, _) = view(&ctx, id).await?;
        page(&PrintPage {
            l: Layout::of(&ctx, "releases"),
            r: v,
            base: "/releases",
            q: "",
        })
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviseForm {
    reason: String,
    methodology: String,
}

async fn revise(ctx: Ctx, Path(id): Path<Id>, Form(f): Form<ReviseForm>) -> Response {
    let r = async {
        match ctx
            .access
            .revise_release(id, &f.reason, &f.methodology)
            .await
        {
            Ok(new) => Ok(Redirect::to(&format!("/releases/{new}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => {
                render_show(
                    &ctx,
                    id,
                    false,
                    field_errors(&ctx.t, &e),
                    f.reason.clone(),
                    Some(f.methodology.clone()),
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PublishForm {
    published: String,
}

async fn publish(ctx: Ctx, Path(id): Path<Id>, Form(f): Form<PublishForm>) -> Response {
    let r = async {
        ctx.access.publish_release(id, f.published == "1").await?;
        Ok(Redirect::to(&format!("/releases/{id}?saved=1")).into_response())
    }
    .await;
    respond(&ctx, r)
}
