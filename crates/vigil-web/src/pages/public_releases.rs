//! Published releases on the public portal (issue 5 points 6 and 8):
//! `/public/releases` lists the latest published revision of each series,
//! `/public/releases/{id}` shows one revision — tables after disclosure control,
//! charts, a map for tables by country, the methodology and the revision history —
//! and prints cleanly (the stylesheet's print rules).
//!
//! No session, no cookie, nothing that depends on the visitor but the language (from
//! `?lang=`, else `Accept-Language`), so pages are cacheable by shared caches. They read
//! only [`vigil_store::Store::public_releases`] / `public_release`, which return
//! published releases and their published form only: unpublished releases are 404 and
//! raw counts never leave.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_domain::model::Id;
use vigil_store::StoreError;

use crate::i18n::{negotiate, I18n, LANGUAGES};
use crate::release_report::{self, ReportView};
use crate::stats_report::StatsLabels;
use crate::AppState;

/// Shared caches may keep a page five minutes (withdrawing a release takes at most
/// that long to reach every reader).
const CACHE: &str = "public, max-age=300";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/releases", get(list))
        .route("/public/releases/{id}", get(show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangQuery {
    lang: String,
}

/// The frame `public_base.html` expects: language, the `?lang=` carried by links,
/// the language switch, the current section.
struct Frame {
    t: I18n,
    q: String,
    switch: Vec<(&'static str, String, String)>,
    nav: &'static str,
}

fn frame(q: &LangQuery, headers: &HeaderMap, path: &str) -> Frame {
    let lang = LANGUAGES
        .iter()
        .copied()
        .find(|l| *l == q.lang.trim())
        .unwrap_or_else(|| {
            negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        });
    Frame {
        t: I18n::new(lang),
        q: format!("?lang={lang}"),
        switch: LANGUAGES
            .iter()
            .copied()
            .filter(|l| *l != lang)
            .map(|l| {
                (
                    l,
                    I18n::new(l).get(&format!("language-{l}")),
                    format!("{path}?lang={l}"),
                )
            })
            .collect(),
        nav: "releases",
    }
}

fn cached(status: StatusCode, html: String) -> Response {
    let mut res = (status, Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    res
}

/// A plain failure page (no detail: the public learns nothing from errors).
fn failure(e: StoreError, t: &I18n) -> Response {
    let (status, key) = match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, "release-not-found"),
        other => {
            tracing::error!(error = %other, "public release page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "release-unavailable")
        }
    };
    let mut res = (status, Html(format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>Vigil</title><link rel=\"stylesheet\" href=\"/static/style.css?v=1\"><main id=\"main\"><h1>{}</h1><p><a href=\"/public/releases\">{}</a></p></main></html>",
        t.lang,
        t.get(key),
        t.get("public-releases")
    )))
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

struct Item {
    id: Id,
    title: String,
    subtitle: String,
    period: String,
    published: String,
    revision: i64,
}

#[derive(Template)]
#[template(path = "public_releases.html")]
struct ListPage {
    p: Frame,
    items: Vec<Item>,
}

async fn list(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let p = frame(&q, &headers, "/public/releases");
    let items = match state.store.public_releases().await {
        Ok(list) => list
            .into_iter()
            .map(|r| Item {
                id: r.id,
                subtitle: p.t.code("release-kind", r.kind.code().replace('_', "-")),
                title: r.title,
                period: r.period,
                published: r.published_at.date_naive().to_string(),
                revision: r.revision,
            })
            .collect(),
        Err(e) => return failure(e, &p.t),
    };
    match (ListPage { p, items }).render() {
        Ok(html) => cached(StatusCode::OK, html),
        Err(e) => {
            tracing::error!(error = %e, "template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "public_release.html")]
struct ShowPage {
    p: Frame,
    r: ReportView,
    base: &'static str,
    q: String,
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let p = frame(&q, &headers, &format!("/public/releases/{id}"));
    let built = async {
        let (rel, series) = state.store.public_release(id).await?;
        let vocab = state.store.vocabularies().await?;
        let labels = StatsLabels::new(p.t.clone(), vocab);
        Ok::<_, StoreError>(release_report::report(&labels, &rel, &series))
    }
    .await;
    let r = match built {
        Ok(r) => r,
        Err(e) => return failure(e, &p.t),
    };
    let qs = p.q.clone();
    match (ShowPage {
        p,
        r,
        base: "/public/releases",
        q: qs,
    })
    .render()
    {
        Ok(html) => cached(StatusCode::OK, html),
        Err(e) => {
            tracing::error!(error = %e, "template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
