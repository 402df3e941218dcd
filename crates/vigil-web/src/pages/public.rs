//! The public portal under `/public` (issue 5 point 7): a home page, the memorial of
//! killed defenders named with consent, and published alerts (issue 6 point 7).
//!
//! These pages need no session and must never depend on one: they read the database
//! only through [`PublicReader`], which returns published material and nothing else;
//! they set no cookie and ignore any sent, so one copy of a page is right for every
//! visitor and may be cached by shared caches (`Cache-Control: public`). The language
//! comes from `?lang=` (the switch on every page), else `Accept-Language` — never from
//! an account. No script, nothing from another host, a few kilobytes each.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_domain::country::Countries;
use vigil_domain::model::{Id, PartialDate, Precision};
use vigil_domain::public::{MemorialEntry, PublicAlert};
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_store::public::PublicReader;
use vigil_store::StoreError;

use crate::i18n::{negotiate, I18n, LANGUAGES};
use crate::AppState;

/// How long shared caches may keep a page. Alerts are short: unpublishing one must
/// take it off caches within a minute.
const CACHE_PAGES: &str = "public, max-age=300";
const CACHE_ALERTS: &str = "public, max-age=60";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public", get(home))
        .route("/public/memorial", get(memorial))
        .route("/public/alerts", get(alerts))
        .route("/public/alerts/{id}", get(alert))
        // Anything else under /public is a public "not found", never the staff login.
        .route("/public/{*rest}", get(absent))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PublicQuery {
    lang: String,
    page: Option<u32>,
}

/// The frame of every public page: language, and where the language switch points.
pub struct PublicLayout {
    pub t: I18n,
    /// `?lang=xx`, carried by every link so a visitor's choice sticks without a cookie.
    pub q: String,
    /// This page in the other language(s): (code, name, href).
    pub switch: Vec<(&'static str, String, String)>,
    pub nav: &'static str,
}

impl PublicLayout {
    fn new(q: &PublicQuery, headers: &HeaderMap, path: &str, nav: &'static str) -> Self {
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
        let t = I18n::new(lang);
        let switch = LANGUAGES
            .iter()
            .copied()
            .filter(|l| *l != lang)
            .map(|l| {
                let name = I18n::new(l).get(&format!("language-{l}"));
                (l, name, format!("{path}?lang={l}"))
            })
            .collect();
        PublicLayout {
            t,
            q: format!("?lang={lang}"),
            switch,
            nav,
        }
    }

    /// A date as precisely as it is known, in words: `15 March 2024`, `March 2024`, `2024`.
    pub fn date(&self, d: &PartialDate) -> String {
        use chrono::Datelike as _;
        let month = self.t.get(&format!("month-{}", d.date.month()));
        let year = d.date.year().to_string();
        match d.precision {
            Precision::Year => year,
            Precision::Month => self
                .t
                .args("date-month", &[("month", month), ("year", year)]),
            Precision::Day => self.t.args(
                "date-day",
                &[
                    ("day", d.date.day().to_string()),
                    ("month", month),
                    ("year", year),
                ],
            ),
        }
    }

    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.date(&PartialDate {
            date: *d,
            precision: Precision::Day,
        })
    }

    pub fn country(&self, code: &str) -> String {
        Countries::get()
            .by_alpha2(code)
            .map_or_else(|| code.to_owned(), |c| c.name(self.t.lang).to_owned())
    }
}

/// A page with the public cache policy, varying only by language.
fn cached(html: String, policy: &'static str) -> Response {
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    res
}

#[derive(Template)]
#[template(path = "public_message.html")]
struct MessagePage {
    p: PublicLayout,
    title: String,
    message: String,
}

/// A public error page: no detail, nothing cached.
fn failure(p: PublicLayout, e: StoreError) -> Response {
    let (status, key) = match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
        other => {
            tracing::error!(error = %other, "public page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
    };
    let page = MessagePage {
        title: p.t.get(key),
        message: p.t.get(&format!("{key}-detail")),
        p,
    };
    let body = page.render().unwrap_or_default();
    (status, Html(body)).into_response()
}

// ---------------------------------------------------------------- home

#[derive(Template)]
#[template(path = "public_home.html")]
struct HomePage {
    p: PublicLayout,
    release: Option<LatestRelease>,
    alerts: Vec<PublicAlert>,
    memorial: Vec<MemorialEntry>,
}

/// The latest published release's headline on the home page.
struct LatestRelease {
    id: Id,
    title: String,
    period: String,
    published: chrono::NaiveDate,
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PublicQuery>,
) -> Response {
    let p = PublicLayout::new(&q, &headers, "/public", "home");
    let reader = PublicReader::new(&state.store);
    let r = async {
        let mut alerts = reader.alerts().await?;
        alerts.truncate(3);
        let mut memorial = reader.memorial(1).await?.items;
        memorial.truncate(5);
        let release = reader.latest_release().await?.map(|r| LatestRelease {
            id: r.id,
            title: r.title,
            period: r.period,
            published: r.published_at.date_naive(),
        });
        Ok::<_, StoreError>((release, alerts, memorial))
    }
    .await;
    match r {
        Ok((release, alerts, memorial)) => render(
            &HomePage {
                p,
                release,
                alerts,
                memorial,
            },
            CACHE_ALERTS,
        ),
        Err(e) => failure(p, e),
    }
}

fn render<T: Template>(t: &T, policy: &'static str) -> Response {
    match t.render() {
        Ok(html) => cached(html, policy),
        Err(e) => {
            tracing::error!(error = %e, "public template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

// ---------------------------------------------------------------- memorial

/// One memorial line, in the reader's language.
pub struct MemorialLine {
    pub name: String,
    pub date: String,
    pub iso_date: String,
    pub country: String,
    pub sectors: String,
}

fn lines(p: &PublicLayout, vocab: &Vocabularies, items: Vec<MemorialEntry>) -> Vec<MemorialLine> {
    items
        .into_iter()
        .map(|e| MemorialLine {
            date: p.date(&e.date),
            iso_date: e.date.to_string(),
            country: p.country(&e.country),
            sectors: e
                .sectors
                .iter()
                .map(|s| vocab.label(VocabKind::SectorOfDefence, s, p.t.lang))
                .collect::<Vec<_>>()
                .join(", "),
            name: e.name,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "public_memorial.html")]
struct MemorialPage {
    p: PublicLayout,
    entries: Vec<MemorialLine>,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
}

async fn memorial(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PublicQuery>,
) -> Response {
    let p = PublicLayout::new(&q, &headers, "/public/memorial", "memorial");
    let reader = PublicReader::new(&state.store);
    let page = q.page.unwrap_or(1).max(1);
    let r = async {
        let list = reader.memorial(page).await?;
        let vocab = reader.vocabularies().await?;
        Ok::<_, StoreError>((list, vocab))
    }
    .await;
    let (list, vocab) = match r {
        Ok(x) => x,
        Err(e) => return failure(p, e),
    };
    // A page past the end is not found, not an empty memorial.
    if list.items.is_empty() && page > 1 {
        return failure(p, StoreError::NotFound);
    }
    let more = list.total_capped;
    let link = |n: u32| format!("/public/memorial{}&page={n}", p.q);
    let page_view = MemorialPage {
        prev: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        entries: lines(&p, &vocab, list.items),
        page,
        p,
    };
    render(&page_view, CACHE_PAGES)
}

// ---------------------------------------------------------------- alerts

#[derive(Template)]
#[template(path = "public_alerts.html")]
struct AlertsPage {
    p: PublicLayout,
    alerts: Vec<PublicAlert>,
}

async fn alerts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PublicQuery>,
) -> Response {
    let p = PublicLayout::new(&q, &headers, "/public/alerts", "alerts");
    match PublicReader::new(&state.store).alerts().await {
        Ok(alerts) => render(&AlertsPage { p, alerts }, CACHE_ALERTS),
        Err(e) => failure(p, e),
    }
}

#[derive(Template)]
#[template(path = "public_alert.html")]
struct AlertPage {
    p: PublicLayout,
    a: PublicAlert,
}

async fn alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PublicQuery>,
) -> Response {
    let Ok(id) = id.parse::<Id>() else {
        let p = PublicLayout::new(&q, &headers, "/public/alerts", "alerts");
        return failure(p, StoreError::NotFound);
    };
    let p = PublicLayout::new(&q, &headers, &format!("/public/alerts/{id}"), "alerts");
    match PublicReader::new(&state.store).alert(id).await {
        Ok(a) => render(&AlertPage { p, a }, CACHE_ALERTS),
        Err(e) => failure(p, e),
    }
}

async fn absent(headers: HeaderMap, Query(q): Query<PublicQuery>) -> Response {
    let p = PublicLayout::new(&q, &headers, "/public", "");
    failure(p, StoreError::NotFound)
}
