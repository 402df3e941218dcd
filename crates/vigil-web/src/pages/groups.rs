//! Group pages: organisations, communities and movements, which can be victims too.
//! The list (search by name or code), one group with the violations against it, the
//! form for registering or editing, and the history. Group names are not sensitive.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_domain::model::*;
use vigil_domain::search::Page;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_domain::Permission;
use vigil_store::StoreError;

use super::incidents::HistoryPage;
use super::persons::{form_status, FormErrors, Names, SavedQuery};
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::{url_encode, vocab_options, Fields, Opt};
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list))
        .route("/groups/new", get(new_form).post(create))
        .route("/groups/{id}", get(show))
        .route("/groups/{id}/edit", get(edit_form).post(update))
        .route("/groups/{id}/history", get(history))
}

/// The group list's search, as a shareable query string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    pub q: String,
    pub page: Option<u32>,
}

impl GroupQuery {
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// The query string for this search at another page.
    pub fn query_for_page(&self, page: u32) -> String {
        let mut parts = Vec::new();
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", url_encode(self.q.trim())));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// Read a group form into the domain's input.
pub fn group_input(f: &Fields) -> GroupInput {
    GroupInput {
        name: f.get("name").to_owned(),
        group_type: f.get("group_type").to_owned(),
        country: f.get("country").to_owned(),
        description: f.get("description").to_owned(),
    }
}

/// Fill a form from a stored group (for editing).
pub fn group_fields(g: &Group) -> Fields {
    let mut f = Fields::default();
    f.set("name", &g.name);
    f.set("group_type", &g.group_type);
    f.set("country", g.country.clone().unwrap_or_default());
    f.set("description", &g.description);
    f.set("version", g.version.to_string());
    f
}

/// Where each field's error points, and the message that names the field.
fn group_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "name" => ("name", "group-name"),
        "group_type" => ("group_type", "group-type"),
        "country" => ("country", "country"),
        "description" => ("description", "description"),
        _ => ("save", "version"),
    }
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "groups.html")]
struct ListPage {
    l: Layout,
    q: GroupQuery,
    p: Page<Group>,
    names: Names,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
}

async fn list(ctx: Ctx, Query(q): Query<GroupQuery>) -> Response {
    let r = async {
        let p = ctx.access.groups(&q.q, q.page()).await?;
        let vocab = ctx.access.vocabularies().await?;
        let pages = p.pages();
        page(&ListPage {
            l: Layout::of(&ctx, "groups"),
            names: Names {
                vocab,
                lang: ctx.t.lang,
            },
            prev: (p.page > 1).then(|| q.query_for_page(p.page - 1)),
            next: (p.page < pages).then(|| q.query_for_page(p.page + 1)),
            can_write: ctx.access.can(Permission::Write),
            q,
            p,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one group

#[derive(Template)]
#[template(path = "group.html")]
struct ShowPage {
    l: Layout,
    g: Group,
    names: Names,
    violations: Vec<VictimViolation>,
    can_write: bool,
    saved: bool,
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = async {
        let g = ctx.access.group(id).await?;
        let violations = ctx.access.violations_against(VictimRef::Group(id)).await?;
        let vocab = ctx.access.vocabularies().await?;
        page(&ShowPage {
            l: Layout::of(&ctx, "groups"),
            names: Names {
                vocab,
                lang: ctx.t.lang,
            },
            violations,
            can_write: ctx.access.can(Permission::Write),
            saved: q.saved.is_some(),
            g,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- form

pub(super) struct GroupFormView {
    f: Fields,
    pub errors: FormErrors,
    pub types: Vec<Opt>,
}

impl GroupFormView {
    fn new(f: Fields, errs: &FieldErrors, vocab: &Vocabularies, t: &I18n) -> Self {
        GroupFormView {
            errors: FormErrors::new(errs, t, group_label),
            types: vocab_options(
                vocab,
                VocabKind::GroupType,
                t.lang,
                f.get("group_type"),
                Some(t.get("choose")),
            ),
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

#[derive(Template)]
#[template(path = "group_form.html")]
struct FormPage {
    l: Layout,
    /// The compartment select (new records, writers with a choice).
    compartments: Vec<crate::forms::Opt>,
    v: GroupFormView,
    action: String,
    heading: String,
    cancel: String,
}

async fn render_form(
    ctx: &Ctx,
    f: Fields,
    errs: &FieldErrors,
    vocab: &Vocabularies,
    action: String,
    heading: String,
    cancel: String,
) -> WebResult<Response> {
    let compartments = super::compartments::choices(ctx, &action, f.get("compartment")).await?;
    let html = FormPage {
        l: Layout::of(ctx, "groups"),
        compartments,
        v: GroupFormView::new(f, errs, vocab, &ctx.t),
        action,
        heading,
        cancel,
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn new_form(ctx: Ctx) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let vocab = ctx.access.vocabularies().await?;
        render_form(
            &ctx,
            Fields::default(),
            &FieldErrors::default(),
            &vocab,
            "/groups/new".into(),
            ctx.t.get("group-new"),
            "/groups".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let f = Fields::parse(pairs);
        let vocab = ctx.access.vocabularies().await?;
        let errs = match super::compartments::writer(&ctx, &f)
            .create_group(&group_input(&f))
            .await
        {
            Ok(g) => return Ok(Redirect::to(&format!("/groups/{}?saved=1", g.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        };
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            "/groups/new".into(),
            ctx.t.get("group-new"),
            "/groups".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let g = ctx.access.group(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        render_form(
            &ctx,
            group_fields(&g),
            &FieldErrors::default(),
            &vocab,
            format!("/groups/{id}/edit"),
            ctx.t.arg("group-edit", &g.name),
            format!("/groups/{id}"),
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
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let f = Fields::parse(pairs);
        let current = ctx.access.group(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let mut errs = FieldErrors::default();
        match ctx.access.update_group(id, version, &group_input(&f)).await {
            Ok(_) => return Ok(Redirect::to(&format!("/groups/{id}?saved=1")).into_response()),
            Err(StoreError::Invalid(e)) => errs = e,
            // The input passed validation before the version was compared.
            Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
            Err(e) => return Err(e.into()),
        }
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            format!("/groups/{id}/edit"),
            ctx.t.arg("group-edit", &current.name),
            format!("/groups/{id}"),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- history

async fn history(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (title, versions) = ctx.access.history_labelled("group", id).await?;
        page(&HistoryPage {
            l: Layout::of(&ctx, "groups"),
            title,
            back: format!("/groups/{id}"),
            versions,
        })
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_makes_shareable_page_links() {
        let q = GroupQuery {
            q: " Guardia indígena ".into(),
            page: Some(2),
        };
        assert_eq!(q.query_for_page(3), "q=Guardia%20ind%C3%ADgena&page=3");
        assert_eq!(q.query_for_page(1), "q=Guardia%20ind%C3%ADgena");
        assert_eq!(GroupQuery::default().query_for_page(1), "");
        assert_eq!(
            GroupQuery {
                page: Some(0),
                ..Default::default()
            }
            .page(),
            1
        );
    }

    #[test]
    fn a_stored_group_fills_the_form_and_reads_back_the_same() {
        let now = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let g = Group {
            id: 3,
            code: "GRP-2020-0003".into(),
            name: "Guardia Indígena".into(),
            group_type: "community".into(),
            country: Some("CO".into()),
            description: "Northern Cauca".into(),
            version: 2,
            created_at: now,
            updated_at: now,
        };
        let f = group_fields(&g);
        assert_eq!(f.get("version"), "2");
        let input = group_input(&f);
        assert_eq!(
            (
                input.name.as_str(),
                input.group_type.as_str(),
                input.country.as_str()
            ),
            ("Guardia Indígena", "community", "CO")
        );
    }

    #[test]
    fn every_field_label_is_translated() {
        for lang in crate::i18n::LANGUAGES {
            let t = I18n::new(lang);
            for field in ["name", "group_type", "country", "description", "version"] {
                let (_, key) = group_label(field);
                assert_ne!(t.get(key), key, "{lang}: {key}");
            }
        }
    }
}

#[cfg(test)]
mod http_tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use axum::http::StatusCode;
    use vigil_domain::model::*;
    use vigil_domain::Role;

    use super::super::persons::harness::*;

    #[tokio::test]
    async fn a_group_is_registered_searched_edited_and_shows_violations_against_it() {
        let app = app().await;
        let doc = app.login(Role::Documenter, "en").await;

        let form = app.get(&doc, "/groups/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("name=\"csrf\""));
        let bad = app
            .post(
                &doc,
                "/groups/new",
                &[
                    ("name", ""),
                    ("group_type", "club"),
                    ("country", "Atlantis"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["name", "group_type", "country"] {
            assert!(bad.body.contains(&format!("href=\"#{field}\"")), "{field}");
            assert!(bad.body.contains(&format!("{field}-err")), "{field}");
        }
        assert!(bad.body.contains("aria-invalid=\"true\""));
        assert!(bad.body.contains("value=\"Atlantis\""));
        assert_eq!(app.store.counts().await.unwrap().2, 0);

        let saved = app
            .post(
                &doc,
                "/groups/new",
                &[
                    ("name", "Consejo Comunitario La Toma"),
                    ("group_type", "community"),
                    ("country", "co"),
                    ("description", "Afro-descendant community council"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let gid = id_in(&saved.location);
        let incident = IncidentInput {
            title: "Council threatened after mining complaint".into(),
            start_date: "2024-05".into(),
            country: "CO".into(),
            violations: vec![ViolationInput {
                violation_type: "death_threat".into(),
                victim: Some(VictimRef::Group(gid)),
                ..Default::default()
            }],
            ..Default::default()
        };
        app.access(&doc).create_incident(&incident).await.unwrap();

        let page = app.get(&doc, &saved.location).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_small(&page);
        for text in [
            "Consejo Comunitario La Toma",
            "Colombia",
            "Community",
            "Council threatened after mining complaint",
            "Death threat",
            "2024-05",
            "role=\"status\"",
        ] {
            assert!(page.body.contains(text), "{text}");
        }

        let found = app.get(&doc, "/groups?q=la+toma").await;
        assert!(found.body.contains(&format!("href=\"/groups/{gid}\"")));
        assert!(found.body.contains("href=\"/groups/new\""));
        assert_small(&found);
        assert!(!app
            .get(&doc, "/groups?q=nothing-like-this")
            .await
            .body
            .contains(&format!("/groups/{gid}\"")));

        let edit = app.get(&doc, &format!("/groups/{gid}/edit")).await;
        assert!(edit.body.contains("name=\"version\" value=\"1\""));
        assert!(edit.body.contains("value=\"community\" selected"));
        let fields = [
            ("name", "Consejo Comunitario de La Toma"),
            ("group_type", "community"),
            ("country", "CO"),
            ("description", ""),
        ];
        let mut stale = fields.to_vec();
        stale.push(("version", "7"));
        let conflict = app.post(&doc, &format!("/groups/{gid}/edit"), &stale).await;
        assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(conflict.body.contains("Someone saved this record"));
        let mut fresh = fields.to_vec();
        fresh.push(("version", "1"));
        let updated = app.post(&doc, &format!("/groups/{gid}/edit"), &fresh).await;
        assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
        assert_eq!(
            app.access(&doc).group(gid).await.unwrap().name,
            "Consejo Comunitario de La Toma"
        );

        let history = app.get(&doc, &format!("/groups/{gid}/history")).await;
        assert_eq!(history.status, StatusCode::OK);
        assert!(history.body.contains("<td>2</td>"), "{}", history.body);
        assert_eq!(
            app.get(&doc, "/groups/424242").await.status,
            StatusCode::NOT_FOUND
        );

        let viewer = app.login(Role::Analyst, "en").await;
        let list = app.get(&viewer, "/groups").await;
        assert!(list.body.contains("Consejo Comunitario de La Toma"));
        assert!(!list.body.contains("href=\"/groups/new\""));
        assert_eq!(
            app.get(&viewer, "/groups/new").await.status,
            StatusCode::FORBIDDEN
        );
        let refused = app
            .post(&viewer, &format!("/groups/{gid}/edit"), &fresh)
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}
