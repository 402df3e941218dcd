//! Resolutions and state commitments (issue 7): the list, a resolution's page (its
//! adoption, the tally computed from the stored votes, every state's vote, sponsors,
//! operative paragraphs, the same topic over the years), the entry form for
//! resolutions adopted without a vote and their sponsor lists, the uploads (roll
//! calls, resolution lists, sponsor lists), the comparison with documented incidents
//! and the state scorecard. Reading needs `Read`; every change `EditResolutions`,
//! checked in `Access`. Plain forms with the CSRF token; no script.

use askama::Template;
use axum::body::to_bytes;
use axum::extract::{Form, Path, Query, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use vigil_domain::country::Countries;
use vigil_domain::model::Id;
use vigil_domain::resolution::*;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_store::resolutions::ResolutionFilter;
use vigil_store::StoreError;

use super::persons::{FormErrors, SavedQuery};
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::{Fields, Opt};
use crate::i18n::I18n;
use crate::map;
use crate::resolution_files::{self, ImportError, ImportOutcome};
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resolutions", get(list))
        .route("/resolutions/new", get(new_form).post(create))
        .route("/resolutions/import", get(import_page))
        .route("/resolutions/import/rollcalls", post(import_rollcalls))
        .route("/resolutions/import/list", post(import_list))
        .route("/resolutions/import/sponsors", post(import_sponsors))
        .route("/resolutions/{id}", get(show))
        .route("/resolutions/{id}/edit", get(edit_form).post(update))
        .route("/resolutions/{id}/paragraphs", post(add_paragraph))
        .route(
            "/resolutions/{id}/paragraphs/{paragraph}/delete",
            post(delete_paragraph),
        )
        .route("/resolutions/{id}/compare", get(compare))
        .route("/resolutions/{id}/map.svg", get(map_svg))
        .route("/scorecards", get(scorecard))
        .route("/scorecards.csv", get(scorecard_csv))
}

/// Labels for the codes the pages show.
pub struct Names {
    t: I18n,
    vocab: Vocabularies,
}

impl Names {
    pub fn body(&self, b: &Body) -> String {
        self.t.code("res-body", b)
    }
    pub fn adoption(&self, a: &Adoption) -> String {
        self.t.code("res-adoption", a)
    }
    pub fn vote(&self, v: &VoteChoice) -> String {
        self.t.code("res-vote", v)
    }
    pub fn role(&self, r: &SponsorRole) -> String {
        self.t.code("res-role", r)
    }
    pub fn position(&self, p: &Position) -> String {
        self.t.code("res-position", p)
    }
    pub fn kind(&self, k: &RollCallKind) -> String {
        self.t.code("res-kind", k)
    }
    pub fn state(&self, alpha2: &str) -> String {
        Countries::get()
            .by_alpha2(alpha2)
            .map(|c| c.name(self.t.lang).to_owned())
            .unwrap_or_else(|| alpha2.to_owned())
    }
    pub fn violation(&self, code: &str) -> String {
        if code.is_empty() {
            return self.t.get("stats-unknown");
        }
        self.vocab
            .label(VocabKind::ViolationType, code, self.t.lang)
            .to_owned()
    }
    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
}

async fn names(ctx: &Ctx) -> WebResult<Names> {
    Ok(Names {
        t: ctx.t.clone(),
        vocab: ctx.access.vocabularies().await?,
    })
}

fn code_options<T: Copy + std::fmt::Display>(
    all: &[T],
    label: impl Fn(&T) -> String,
    selected: &str,
) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            value: v.to_string(),
            label: label(v),
            selected: v.to_string() == selected,
        })
        .collect()
}

fn state_options(t: &I18n, selected: &str) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: t.get("choose"),
        selected: selected.is_empty(),
    }];
    let mut states: Vec<(String, String)> = un_states()
        .into_iter()
        .map(|c| (c.alpha2.clone(), c.name(t.lang).to_owned()))
        .collect();
    states.sort_by(|a, b| a.1.cmp(&b.1));
    out.extend(states.into_iter().map(|(value, label)| Opt {
        selected: value == selected,
        value,
        label,
    }));
    out
}

fn topic_options(t: &I18n, topics: &[(String, i64)], selected: &str) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: t.get("res-topics-all"),
        selected: selected.is_empty(),
    }];
    out.extend(topics.iter().map(|(code, n)| Opt {
        value: code.clone(),
        label: format!("{code} ({n})"),
        selected: code == selected,
    }));
    out
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    topic: String,
    year: String,
}

#[derive(Template)]
#[template(path = "resolutions.html")]
struct ListPage {
    l: Layout,
    names: Names,
    list: Vec<ResolutionSummary>,
    /// How many match (the page shows at most [`LIST_MAX`]).
    total: usize,
    topics: Vec<Opt>,
    year: String,
    can_edit: bool,
}

/// Resolutions shown at most on the list page (the whole voting data set holds
/// thousands); the filters narrow it, the API and `vigil resolutions list` give all.
const LIST_MAX: usize = 50;

async fn list(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let r = async {
        let year = match q.year.trim() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .map_err(|_| WebError::BadRequest("year".into()))?,
            ),
        };
        let list = ctx
            .access
            .resolutions(&ResolutionFilter {
                topic: q.topic.trim().to_owned(),
                year,
            })
            .await?;
        let topics = ctx.access.resolution_topics().await?;
        let total = list.len();
        let mut list = list;
        list.truncate(LIST_MAX);
        page(&ListPage {
            l: Layout::of(&ctx, "resolutions"),
            names: names(&ctx).await?,
            list,
            total,
            topics: topic_options(&ctx.t, &topics, q.topic.trim()),
            year: q.year.trim().to_owned(),
            can_edit: ctx.access.can_edit_resolutions(),
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one resolution

/// The states that voted one way on the whole text, for the list beside the map.
pub struct VoteGroup {
    pub vote: VoteChoice,
    pub colour: &'static str,
    pub names: Vec<String>,
}

/// Colours of the vote map (Okabe–Ito, from the map's categorical palette): yes blue,
/// no vermilion, abstain yellow, absent reddish purple.
fn vote_colour(v: VoteChoice) -> &'static str {
    let [blue, vermilion, _, purple, yellow, _] = map::CATEGORY_COLOURS;
    match v {
        VoteChoice::Yes => blue,
        VoteChoice::No => vermilion,
        VoteChoice::Abstain => yellow,
        VoteChoice::Absent => purple,
    }
}

/// The vote on the whole text as a world map (server-side SVG, categorical).
fn vote_map(t: &I18n, symbol: &str, votes: &[StateVote]) -> String {
    let labels: Vec<String> = VoteChoice::ALL
        .iter()
        .map(|v| t.code("res-vote", v))
        .collect();
    let categories: Vec<map::Category> = VoteChoice::ALL
        .iter()
        .zip(&labels)
        .map(|(v, label)| map::Category {
            label,
            colour: vote_colour(*v),
        })
        .collect();
    let assigned: Vec<(String, usize)> = votes
        .iter()
        .filter_map(|v| {
            VoteChoice::ALL
                .iter()
                .position(|c| *c == v.vote)
                .map(|i| (v.state.clone(), i))
        })
        .collect();
    let title = t.arg("res-map-title", symbol);
    let no_data = t.get("res-map-no-vote");
    let withheld = t.get("map-withheld");
    map::categories(
        &map::MapText {
            title: &title,
            lang: t.lang,
            no_data: &no_data,
            withheld: &withheld,
        },
        &categories,
        &assigned,
    )
}

#[derive(Template)]
#[template(path = "resolution.html")]
struct ShowPage {
    l: Layout,
    names: Names,
    file: ResolutionFile,
    /// The vote on the whole text and its lines, sorted by state name.
    main: Option<RollCall>,
    /// The states by vote on the whole text (the map beside them is an image: at
    /// 193 states its SVG alone is two thirds of a page's budget).
    vote_groups: Vec<VoteGroup>,
    others: Vec<RollCall>,
    main_sponsors: Vec<String>,
    co_sponsors: Vec<String>,
    saved: bool,
    can_edit: bool,
    p: ParagraphForm,
    violation_types: Vec<Opt>,
}

pub struct ParagraphForm {
    f: Fields,
    pub errors: FormErrors,
}

impl ParagraphForm {
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

fn paragraph_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "number" => ("number", "res-paragraph-number"),
        "text" => ("ptext", "res-paragraph-text"),
        _ => ("violation_types", "res-paragraph-types"),
    }
}

async fn render_show(
    ctx: &Ctx,
    id: Id,
    saved: bool,
    f: Fields,
    errs: FieldErrors,
) -> WebResult<Response> {
    let file = ctx.access.resolution_file(id).await?;
    let names = names(ctx).await?;
    let main = file.main_vote().cloned();
    let vote_groups: Vec<VoteGroup> = VoteChoice::ALL
        .iter()
        .map(|c| {
            let mut names: Vec<String> = main
                .iter()
                .flat_map(|m| m.votes.iter())
                .filter(|v| v.vote == *c)
                .map(|v| names.state(&v.state))
                .collect();
            names.sort();
            VoteGroup {
                vote: *c,
                colour: vote_colour(*c),
                names,
            }
        })
        .filter(|g| !g.names.is_empty())
        .collect();
    let others = file.other_votes().into_iter().cloned().collect();
    let mut main_sponsors = Vec::new();
    let mut co_sponsors = Vec::new();
    for s in &file.sponsors {
        let n = names.state(&s.state);
        match s.role {
            SponsorRole::Main => main_sponsors.push(n),
            SponsorRole::Co => co_sponsors.push(n),
        }
    }
    main_sponsors.sort();
    co_sponsors.sort();
    let chosen = f.all("violation_types");
    let violation_types = names
        .vocab
        .of(VocabKind::ViolationType)
        .map(|t| Opt {
            selected: chosen.contains(&t.code),
            value: t.code.clone(),
            label: t.label(ctx.t.lang).to_owned(),
        })
        .collect();
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = ShowPage {
        l: Layout::of(ctx, "resolutions"),
        p: ParagraphForm {
            errors: FormErrors::new(&errs, &ctx.t, paragraph_label),
            f,
        },
        violation_types,
        names,
        file,
        main,
        vote_groups,
        others,
        main_sponsors,
        co_sponsors,
        saved,
        can_edit: ctx.access.can_edit_resolutions(),
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = render_show(
        &ctx,
        id,
        q.saved.is_some(),
        Fields::default(),
        FieldErrors::default(),
    )
    .await;
    respond(&ctx, r)
}

async fn add_paragraph(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let input = ParagraphInput {
            number: f.get("number").to_owned(),
            text: f.get("text").to_owned(),
            violation_types: f.all("violation_types").join(","),
        };
        match ctx.access.add_paragraph(id, &input).await {
            Ok(_) => {
                Ok(Redirect::to(&format!("/resolutions/{id}?saved=1#paragraphs")).into_response())
            }
            Err(StoreError::Invalid(e)) => render_show(&ctx, id, false, f, e).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn delete_paragraph(ctx: Ctx, Path((id, paragraph)): Path<(Id, Id)>) -> Response {
    let r = async {
        ctx.access.delete_paragraph(id, paragraph).await?;
        Ok(Redirect::to(&format!("/resolutions/{id}?saved=1#paragraphs")).into_response())
    }
    .await;
    respond(&ctx, r)
}

/// The map of the vote on the whole text, as an SVG image (404 without one).
async fn map_svg(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r: WebResult<Response> = async {
        let file = ctx.access.resolution_file(id).await?;
        let main = file.main_vote().ok_or(WebError::NotFound)?;
        let svg = vote_map(&ctx.t, &file.resolution.symbol, &main.votes);
        Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n"),
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- entry form

pub struct FormState {
    f: Fields,
    pub errors: FormErrors,
}

impl FormState {
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
        "symbol" => ("symbol", "res-symbol"),
        "title" => ("title", "res-title"),
        "body" => ("body", "res-body"),
        "session" => ("session", "res-session"),
        "adopted_on" => ("adopted_on", "res-adopted-on"),
        "adoption" => ("adoption", "res-adoption"),
        "topics" => ("topics", "res-topics"),
        "main_sponsors" => ("main_sponsors", "res-main-sponsors"),
        _ => ("co_sponsors", "res-co-sponsors"),
    }
}

#[derive(Template)]
#[template(path = "resolution_form.html")]
struct FormPage {
    l: Layout,
    heading: String,
    action: String,
    cancel: String,
    v: FormState,
    bodies: Vec<Opt>,
    adoptions: Vec<Opt>,
}

fn input_of(f: &Fields) -> ResolutionInput {
    ResolutionInput {
        symbol: f.get("symbol").to_owned(),
        title: f.get("title").to_owned(),
        body: f.get("body").to_owned(),
        session: f.get("session").to_owned(),
        adopted_on: f.get("adopted_on").to_owned(),
        adoption: f.get("adoption").to_owned(),
        topics: f.get("topics").to_owned(),
        main_sponsors: f.get("main_sponsors").to_owned(),
        co_sponsors: f.get("co_sponsors").to_owned(),
    }
}

fn render_form(
    ctx: &Ctx,
    heading: String,
    action: String,
    cancel: String,
    f: Fields,
    errs: &FieldErrors,
) -> WebResult<Response> {
    let t = &ctx.t;
    let adoptions: Vec<Adoption> = Adoption::ALL
        .iter()
        .copied()
        .filter(|a| *a != Adoption::Unknown)
        .collect();
    let html = FormPage {
        l: Layout::of(ctx, "resolutions"),
        heading,
        action,
        cancel,
        bodies: code_options(Body::ALL, |b| t.code("res-body", b), f.get("body")),
        adoptions: code_options(&adoptions, |a| t.code("res-adoption", a), f.get("adoption")),
        v: FormState {
            errors: FormErrors::new(errs, t, field_label),
            f,
        },
    }
    .render()?;
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(html)).into_response())
}

fn require_edit(ctx: &Ctx) -> WebResult<()> {
    if ctx.access.can_edit_resolutions() {
        Ok(())
    } else {
        Err(StoreError::Forbidden.into())
    }
}

async fn new_form(ctx: Ctx) -> Response {
    let r = async {
        require_edit(&ctx)?;
        let mut f = Fields::default();
        f.set("body", "ga_plenary");
        f.set("adoption", "consensus");
        render_form(
            &ctx,
            ctx.t.get("res-new"),
            "/resolutions/new".into(),
            "/resolutions".into(),
            f,
            &FieldErrors::default(),
        )
    }
    .await;
    respond(&ctx, r)
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        match ctx.access.create_resolution(&input_of(&f)).await {
            Ok(id) => Ok(Redirect::to(&format!("/resolutions/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => render_form(
                &ctx,
                ctx.t.get("res-new"),
                "/resolutions/new".into(),
                "/resolutions".into(),
                f,
                &e,
            ),
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        require_edit(&ctx)?;
        let file = ctx.access.resolution_file(id).await?;
        let res = &file.resolution;
        let mut f = Fields::default();
        f.set("symbol", res.symbol.clone());
        f.set("title", res.title.clone());
        f.set("body", res.body.code());
        f.set(
            "session",
            res.session.map(|s| s.to_string()).unwrap_or_default(),
        );
        f.set(
            "adopted_on",
            res.adopted_on.map(|d| d.to_string()).unwrap_or_default(),
        );
        f.set("adoption", res.adoption.code());
        f.set("topics", res.topics.join(", "));
        let list = |role: SponsorRole| {
            file.sponsors
                .iter()
                .filter(|s| s.role == role)
                .map(|s| s.state.clone())
                .collect::<Vec<_>>()
                .join("; ")
        };
        f.set("main_sponsors", list(SponsorRole::Main));
        f.set("co_sponsors", list(SponsorRole::Co));
        render_form(
            &ctx,
            ctx.t.arg("res-edit", &res.symbol),
            format!("/resolutions/{id}/edit"),
            format!("/resolutions/{id}"),
            f,
            &FieldErrors::default(),
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
        let f = Fields::parse(pairs);
        match ctx.access.update_resolution(id, &input_of(&f)).await {
            Ok(_) => Ok(Redirect::to(&format!("/resolutions/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => {
                let sym = f.get("symbol").to_owned();
                render_form(
                    &ctx,
                    ctx.t.arg("res-edit", &sym),
                    format!("/resolutions/{id}/edit"),
                    format!("/resolutions/{id}"),
                    f,
                    &e,
                )
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- imports

#[derive(Template)]
#[template(path = "resolution_import.html")]
struct ImportPage {
    l: Layout,
    /// Problems of a refused upload (`FILE:LINE: column COL: reason`).
    problems: Vec<String>,
    /// What a successful upload did.
    done: Option<String>,
}

async fn import_page(ctx: Ctx) -> Response {
    let r = async {
        require_edit(&ctx)?;
        page(&ImportPage {
            l: Layout::of(&ctx, "resolutions"),
            problems: Vec::new(),
            done: None,
        })
    }
    .await;
    respond(&ctx, r)
}

/// The uploaded files of a multipart form: (field name, file name, bytes).
async fn uploaded(req: Request) -> Result<Vec<(String, String, Vec<u8>)>, WebError> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, crate::security::MAX_BODY)
        .await
        .map_err(|_| WebError::BadRequest("body".into()))?;
    let boundary = crate::multipart::boundary(&parts.headers)
        .ok_or_else(|| WebError::BadRequest("multipart".into()))?;
    let list = crate::multipart::parse(&bytes, &boundary)
        .ok_or_else(|| WebError::BadRequest("multipart".into()))?;
    Ok(list
        .into_iter()
        .filter_map(|p| {
            let name = p.filename.clone()?;
            let name: String = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect();
            Some((p.name.clone(), name, p.data.to_vec()))
        })
        .collect())
}

fn file_of<'a>(files: &'a [(String, String, Vec<u8>)], field: &str) -> Option<(&'a str, &'a [u8])> {
    files
        .iter()
        .find(|(n, f, _)| n == field && !f.is_empty())
        .map(|(_, f, b)| (f.as_str(), b.as_slice()))
}

fn import_result(ctx: &Ctx, r: Result<ImportOutcome, ImportError>) -> WebResult<Response> {
    let (status, problems, done) = match r {
        Ok(o) => (StatusCode::OK, Vec::new(), Some(o.to_string())),
        Err(ImportError::Rows(list)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            list.iter().map(ToString::to_string).collect(),
            None,
        ),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    let html = ImportPage {
        l: Layout::of(ctx, "resolutions"),
        problems,
        done,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

fn missing_file(ctx: &Ctx, field: &str) -> WebResult<Response> {
    import_result(
        ctx,
        Err(ImportError::Rows(vec![resolution_files::RowError {
            file: field.to_owned(),
            line: 0,
            column: None,
            reason: ctx.t.get("res-import-no-file"),
        }])),
    )
}

async fn import_rollcalls(ctx: Ctx, req: Request) -> Response {
    let r = async {
        require_edit(&ctx)?;
        let files = uploaded(req).await?;
        let (Some(calls), Some(votes)) = (file_of(&files, "rollcalls"), file_of(&files, "votes"))
        else {
            return missing_file(&ctx, "rollcalls, votes");
        };
        let out = resolution_files::import_roll_calls(&ctx.access, calls, votes).await;
        import_result(&ctx, out)
    }
    .await;
    respond(&ctx, r)
}

async fn import_list(ctx: Ctx, req: Request) -> Response {
    let r = async {
        require_edit(&ctx)?;
        let files = uploaded(req).await?;
        let Some((name, bytes)) = file_of(&files, "file") else {
            return missing_file(&ctx, "file");
        };
        let out = resolution_files::import_resolution_list(&ctx.access, name, bytes).await;
        import_result(&ctx, out)
    }
    .await;
    respond(&ctx, r)
}

async fn import_sponsors(ctx: Ctx, req: Request) -> Response {
    let r = async {
        require_edit(&ctx)?;
        let files = uploaded(req).await?;
        let Some((name, bytes)) = file_of(&files, "file") else {
            return missing_file(&ctx, "file");
        };
        let out = resolution_files::import_sponsor_list(&ctx.access, name, bytes).await;
        import_result(&ctx, out)
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- comparison

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompareQuery {
    year: String,
    verb: String,
}

#[derive(Template)]
#[template(path = "resolution_compare.html")]
struct ComparePage {
    l: Layout,
    names: Names,
    c: Comparison,
    verbs: Vec<Opt>,
    summary: String,
}

async fn compare(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<CompareQuery>) -> Response {
    let r = async {
        let year = match q.year.trim() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .map_err(|_| WebError::BadRequest("year".into()))?,
            ),
        };
        let c = match ctx.access.sponsor_comparison(id, year, &q.verb).await {
            Ok(c) => c,
            Err(StoreError::Invalid(_)) => return Err(WebError::BadRequest("verb".into())),
            Err(e) => return Err(e.into()),
        };
        let verbs = ["killing", "criminalisation", "curtailing"]
            .iter()
            .map(|v| Opt {
                value: (*v).to_owned(),
                label: ctx.t.code("stats-verb", v),
                selected: *v == c.verb,
            })
            .collect();
        page(&ComparePage {
            l: Layout::of(&ctx, "resolutions"),
            names: names(&ctx).await?,
            summary: ctx.t.args(
                "res-compare-summary",
                &[
                    ("documented", c.documented.len().to_string()),
                    ("sponsors", (c.documented.len() + c.without).to_string()),
                    ("year", c.year.to_string()),
                ],
            ),
            verbs,
            c,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- scorecard

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScoreQuery {
    state: String,
    topic: String,
    from: String,
    to: String,
}

/// One line of the violations table: year, type, all, by state actors.
pub struct ViolationLine {
    pub year: String,
    pub vtype: String,
    pub count: i64,
    pub by_state: i64,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct ScorePage {
    l: Layout,
    names: Names,
    states: Vec<Opt>,
    topics: Vec<Opt>,
    from: String,
    to: String,
    card: Option<Scorecard>,
    violations: Vec<ViolationLine>,
    query: String,
    errors: Vec<String>,
}

fn year_param(v: &str, field: &str, errs: &mut FieldErrors) -> Option<i32> {
    match v.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(n) if (1900..=2200).contains(&n) => Some(n),
            _ => {
                errs.add(field, "err-number", None);
                None
            }
        },
    }
}

async fn scorecard(ctx: Ctx, Query(q): Query<ScoreQuery>) -> Response {
    let r = async {
        let topics = ctx.access.resolution_topics().await?;
        let mut errs = FieldErrors::default();
        let from = year_param(&q.from, "from", &mut errs);
        let to = year_param(&q.to, "to", &mut errs);
        let state = q.state.trim();
        let card = if state.is_empty() || !errs.is_empty() {
            None
        } else {
            match ctx.access.scorecard(state, &q.topic, from, to).await {
                Ok(c) => Some(c),
                Err(StoreError::Invalid(e)) => {
                    errs = e;
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        let violations = card
            .as_ref()
            .map(|c| {
                resolution_files::violation_cells(c)
                    .into_iter()
                    .map(|(year, vtype, count, by_state)| ViolationLine {
                        year,
                        vtype,
                        count,
                        by_state,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let selected = card
            .as_ref()
            .map(|c| c.state.alpha2.clone())
            .unwrap_or_else(|| state.to_owned());
        let errors = errs
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, ctx.t.error(e)))
            .collect();
        let status = if errs.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let html = ScorePage {
            l: Layout::of(&ctx, "resolutions"),
            names: names(&ctx).await?,
            states: state_options(&ctx.t, &selected),
            topics: topic_options(&ctx.t, &topics, q.topic.trim()),
            from: q.from.trim().to_owned(),
            to: q.to.trim().to_owned(),
            query: format!(
                "state={}&topic={}&from={}&to={}",
                crate::forms::url_encode(&selected),
                crate::forms::url_encode(q.topic.trim()),
                crate::forms::url_encode(q.from.trim()),
                crate::forms::url_encode(q.to.trim())
            ),
            card,
            violations,
            errors,
        }
        .render()?;
        Ok((status, Html(html)).into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn scorecard_csv(ctx: Ctx, Query(q): Query<ScoreQuery>) -> Response {
    let r = async {
        let mut errs = FieldErrors::default();
        let from = year_param(&q.from, "from", &mut errs);
        let to = year_param(&q.to, "to", &mut errs);
        if !errs.is_empty() {
            return Err(WebError::BadRequest("from/to".into()));
        }
        let card = match ctx.access.scorecard(&q.state, &q.topic, from, to).await {
            Ok(c) => c,
            Err(StoreError::Invalid(_)) => return Err(WebError::BadRequest("state".into())),
            Err(e) => return Err(e.into()),
        };
        let name = format!("vigil-scorecard-{}.csv", card.state.alpha2);
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            resolution_files::scorecard_csv(&card),
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}
