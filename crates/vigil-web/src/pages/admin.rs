//! Vocabularies (every user reads them; administrators add and remove terms) and user
//! administration. Authorisation stays in the store's `Access`: these handlers only
//! hide buttons a role cannot use, and never decide on their own what is allowed.
//! A refused change re-renders the page with the reason and changes nothing.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{ResolutionVerb, SdgCategory, Term, TermAttrs, VocabKind, Vocabularies};
use vigil_domain::{Permission, Role};
use vigil_store::auth::User;
use vigil_store::{NewUser, StoreError};

use super::{respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::Opt;
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vocabularies", get(vocabularies))
        .route("/vocabularies/{kind}/terms", post(add_term))
        .route(
            "/vocabularies/{kind}/terms/{code}/delete",
            post(delete_term),
        )
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/users/{id}/reset-2fa", post(reset_two_factor))
}

// ------------------------------------------------------------------ shared helpers

/// `?done=…` after a redirect. Only known values show a notice: the URL never
/// chooses the text.
#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

impl Done {
    /// The translated notice for `done`, looked up in `table` (`done` value → message id).
    pub(super) fn notice(&self, t: &I18n, table: &[(&str, &str)]) -> Option<String> {
        table
            .iter()
            .find(|(k, _)| *k == self.done)
            .map(|(_, key)| t.get(key))
    }
}

/// Field errors of a small form, translated: by field, plus those no field shows.
#[derive(Default)]
pub(super) struct FormErrors {
    by_field: HashMap<String, String>,
    pub other: Vec<String>,
}

impl FormErrors {
    /// `fields` are the names the form shows beside an input; other errors are listed apart.
    pub(super) fn new(errs: &FieldErrors, t: &I18n, fields: &[&str]) -> Self {
        let mut out = FormErrors::default();
        for e in &errs.0 {
            let msg = t.error(e);
            if fields.contains(&e.field.as_str()) {
                out.by_field.entry(e.field.clone()).or_insert(msg);
            } else {
                out.other.push(msg);
            }
        }
        out
    }

    pub(super) fn get(&self, field: &str) -> Option<&String> {
        self.by_field.get(field)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.other.is_empty()
    }
}

/// One refusal as field errors (for re-rendering a form).
pub(super) fn field_error(field: &str, key: &str, arg: Option<String>) -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    e
}

pub(super) fn role_options(t: &I18n, selected: &str) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt {
            value: r.code().to_owned(),
            label: t.code("role", r.code()),
            selected: r.code() == selected,
        })
        .collect()
}

/// The interface languages a user may choose; `""` follows the browser.
pub(super) const LANGUAGE_CHOICES: [&str; 3] = ["", "en", "es"];

pub(super) fn language_options(t: &I18n, selected: &str) -> Vec<Opt> {
    LANGUAGE_CHOICES
        .iter()
        .map(|l| Opt {
            value: (*l).to_owned(),
            label: language_label(t, l),
            selected: *l == selected,
        })
        .collect()
}

pub(super) fn language_label(t: &I18n, code: &str) -> String {
    if code.is_empty() {
        t.get("language-browser")
    } else {
        t.code("language", code)
    }
}

/// Render with a status (a refused form comes back as 422 or 403, not 200).
pub(super) fn render_with<T: Template>(status: StatusCode, p: &T) -> WebResult<Response> {
    Ok((status, Html(p.render()?)).into_response())
}

// ------------------------------------------------------------------ vocabularies

/// SDG 16.10.1 categories and resolution verbs, in the order forms offer them.
const SDG_CATEGORIES: [SdgCategory; 6] = [
    SdgCategory::Killing,
    SdgCategory::EnforcedDisappearance,
    SdgCategory::Kidnapping,
    SdgCategory::ArbitraryDetention,
    SdgCategory::Torture,
    SdgCategory::OtherHarmfulAct,
];
const VERBS: [ResolutionVerb; 3] = [
    ResolutionVerb::Killing,
    ResolutionVerb::Criminalisation,
    ResolutionVerb::Curtailing,
];

/// The stable code of a domain enum (its serde name, e.g. `other_harmful_act`).
fn serde_code<T: serde::Serialize>(v: T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn from_code<T: serde::de::DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

/// `state`, `non_state` or `unknown`: the perpetrator-type flag as a form value.
fn actor_code(state: Option<bool>) -> &'static str {
    match state {
        Some(true) => "state",
        Some(false) => "non_state",
        None => "unknown",
    }
}

fn parse_actor(v: &str) -> Option<Option<bool>> {
    match v {
        "state" => Some(Some(true)),
        "non_state" => Some(Some(false)),
        "unknown" | "" => Some(None),
        _ => None,
    }
}

/// One term as a table row, already translated.
struct TermRow {
    code: String,
    label_en: String,
    label_es: String,
    builtin: bool,
    sdg: String,
    verb: String,
    actor: String,
}

/// The add-a-term form of one vocabulary.
struct TermFormView {
    open: bool,
    code: String,
    label_en: String,
    label_es: String,
    sdg: Vec<Opt>,
    verbs: Vec<Opt>,
    actors: Vec<Opt>,
    errors: FormErrors,
}

impl TermFormView {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

struct Section {
    /// Position on the page, for element ids.
    n: usize,
    kind: &'static str,
    title: String,
    violation: bool,
    perpetrator: bool,
    rows: Vec<TermRow>,
    form: TermFormView,
}

#[derive(Template)]
#[template(path = "vocabularies.html")]
struct VocabPage {
    l: Layout,
    admin: bool,
    notice: Option<String>,
    problem: Option<String>,
    sections: Vec<Section>,
}

/// What was typed into an add-a-term form.
#[derive(Deserialize, Default, Debug, Clone)]
struct TermForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    sdg_category: String,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    state_actor: String,
}

impl TermForm {
    /// The term to add, or the errors of fields the store does not check itself.
    fn term(&self, kind: VocabKind) -> Result<Term, FieldErrors> {
        let mut errs = FieldErrors::default();
        let mut attrs = TermAttrs::default();
        if kind == VocabKind::ViolationType {
            let sdg = self.sdg_category.trim();
            if !sdg.is_empty() {
                attrs.sdg_category = from_code(sdg);
                if attrs.sdg_category.is_none() {
                    errs.add("sdg_category", "err-unknown-code", Some(sdg.to_owned()));
                }
            }
            let verb = self.verb.trim();
            if !verb.is_empty() {
                attrs.verb = from_code(verb);
                if attrs.verb.is_none() {
                    errs.add("verb", "err-unknown-code", Some(verb.to_owned()));
                }
            }
        }
        if kind == VocabKind::PerpetratorType {
            match parse_actor(self.state_actor.trim()) {
                Some(s) => attrs.state_actor = s,
                None => errs.add(
                    "state_actor",
                    "err-unknown-code",
                    Some(self.state_actor.clone()),
                ),
            }
        }
        errs.into_result(Term {
            kind,
            code: self.code.trim().to_owned(),
            label_en: self.label_en.trim().to_owned(),
            label_es: self.label_es.trim().to_owned(),
            builtin: false,
            attrs,
        })
    }
}

fn kind_title(t: &I18n, kind: VocabKind) -> String {
    t.code("vocab-kind", kind.code())
}

fn term_row(t: &I18n, term: &Term) -> TermRow {
    let a = &term.attrs;
    TermRow {
        code: term.code.clone(),
        label_en: term.label_en.clone(),
        label_es: term.label_es.clone(),
        builtin: term.builtin,
        sdg: a
            .sdg_category
            .map(|c| t.code("vocab-sdg", serde_code(c)))
            .unwrap_or_default(),
        verb: a
            .verb
            .map(|v| t.code("vocab-verb", serde_code(v)))
            .unwrap_or_default(),
        actor: t.code("vocab-actor", actor_code(a.state_actor)),
    }
}

fn term_form(t: &I18n, kind: VocabKind, typed: Option<(&TermForm, &FieldErrors)>) -> TermFormView {
    let empty = TermForm::default();
    let none = FieldErrors::default();
    let (f, errs) = typed.unwrap_or((&empty, &none));
    let blank = |label: String, selected: &str| Opt {
        value: String::new(),
        label,
        selected: selected.is_empty(),
    };
    let mut sdg = vec![blank(t.get("none-chosen"), &f.sdg_category)];
    sdg.extend(SDG_CATEGORIES.iter().map(|c| {
        let code = serde_code(*c);
        Opt {
            label: t.code("vocab-sdg", &code),
            selected: code == f.sdg_category,
            value: code,
        }
    }));
    let mut verbs = vec![blank(t.get("none-chosen"), &f.verb)];
    verbs.extend(VERBS.iter().map(|v| {
        let code = serde_code(*v);
        Opt {
            label: t.code("vocab-verb", &code),
            selected: code == f.verb,
            value: code,
        }
    }));
    let actor = if f.state_actor.is_empty() {
        "unknown"
    } else {
        f.state_actor.as_str()
    };
    let actors = ["state", "non_state", "unknown"]
        .iter()
        .map(|c| Opt {
            value: (*c).to_owned(),
            label: t.code("vocab-actor", c),
            selected: *c == actor,
        })
        .collect();
    let fields = match kind {
        VocabKind::ViolationType => &["code", "label_en", "label_es", "sdg_category", "verb"][..],
        VocabKind::PerpetratorType => &["code", "label_en", "label_es", "state_actor"][..],
        _ => &["code", "label_en", "label_es"][..],
    };
    TermFormView {
        open: typed.is_some(),
        code: f.code.clone(),
        label_en: f.label_en.clone(),
        label_es: f.label_es.clone(),
        sdg,
        verbs,
        actors,
        errors: FormErrors::new(errs, t, fields),
    }
}

/// What to show besides the lists: a notice, a refusal, or a form sent back with errors.
#[derive(Default)]
struct VocabState<'a> {
    notice: Option<String>,
    problem: Option<String>,
    typed: Option<(VocabKind, &'a TermForm, &'a FieldErrors)>,
}

fn vocab_page(
    ctx: &Ctx,
    vocab: &Vocabularies,
    status: StatusCode,
    s: VocabState<'_>,
) -> WebResult<Response> {
    let t = &ctx.t;
    let sections = VocabKind::ALL
        .into_iter()
        .enumerate()
        .map(|(n, kind)| Section {
            n,
            kind: kind.code(),
            title: kind_title(t, kind),
            violation: kind == VocabKind::ViolationType,
            perpetrator: kind == VocabKind::PerpetratorType,
            rows: vocab.of(kind).map(|term| term_row(t, term)).collect(),
            form: term_form(
                t,
                kind,
                s.typed
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, f, e)| (f, e)),
            ),
        })
        .collect();
    let p = VocabPage {
        l: Layout::of(ctx, "vocabularies"),
        admin: ctx.access.can(Permission::Administer),
        notice: s.notice,
        problem: s.problem,
        sections,
    };
    render_with(status, &p)
}

const VOCAB_DONE: [(&str, &str); 2] = [
    ("added", "vocab-term-added"),
    ("removed", "vocab-term-removed"),
];

async fn vocabularies(ctx: Ctx, Query(q): Query<Done>) -> Response {
    let r = async {
        let vocab = ctx.access.vocabularies().await?;
        let notice = q.notice(&ctx.t, &VOCAB_DONE);
        vocab_page(
            &ctx,
            &vocab,
            StatusCode::OK,
            VocabState {
                notice,
                ..Default::default()
            },
        )
    }
    .await;
    respond(&ctx, r)
}

fn parse_kind(kind: &str) -> WebResult<VocabKind> {
    kind.parse().map_err(|_| WebError::NotFound)
}

async fn add_term(ctx: Ctx, Path(kind): Path<String>, Form(f): Form<TermForm>) -> Response {
    let r = async {
        let kind = parse_kind(&kind)?;
        if !ctx.access.can(Permission::Administer) {
            return Err(WebError::Forbidden);
        }
        let errs = match f.term(kind) {
            Ok(term) => match ctx.access.add_term(term).await {
                Ok(()) => {
                    return Ok(
                        Redirect::to(&format!("/vocabularies?done=added#{}", kind.code()))
                            .into_response(),
                    )
                }
                Err(StoreError::Invalid(e)) => e,
                Err(e) => return Err(e.into()),
            },
            Err(e) => e,
        };
        let vocab = ctx.access.vocabularies().await?;
        let state = VocabState {
            typed: Some((kind, &f, &errs)),
            ..Default::default()
        };
        vocab_page(&ctx, &vocab, StatusCode::UNPROCESSABLE_ENTITY, state)
    }
    .await;
    respond(&ctx, r)
}

async fn delete_term(ctx: Ctx, Path((kind, code)): Path<(String, String)>) -> Response {
    let r = async {
        let kind = parse_kind(&kind)?;
        match ctx.access.delete_term(kind, &code).await {
            Ok(()) => Ok(
                Redirect::to(&format!("/vocabularies?done=removed#{}", kind.code()))
                    .into_response(),
            ),
            Err(StoreError::Invalid(e)) => {
                let vocab = ctx.access.vocabularies().await?;
                let problem =
                    e.0.iter()
                        .map(|x| ctx.t.error(x))
                        .collect::<Vec<_>>()
                        .join(" ");
                vocab_page(
                    &ctx,
                    &vocab,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    VocabState {
                        problem: Some(problem),
                        ..Default::default()
                    },
                )
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

// ------------------------------------------------------------------ users

struct UserRow {
    id: Id,
    username: String,
    display_name: String,
    role: String,
    roles: Vec<Opt>,
    disabled: bool,
    created: String,
    is_self: bool,
    two_factor: bool,
}

/// The add-a-user form as typed (never the password).
struct NewUserView {
    username: String,
    display_name: String,
    roles: Vec<Opt>,
    languages: Vec<Opt>,
    errors: FormErrors,
}

impl NewUserView {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    notice: Option<String>,
    problem: Option<String>,
    users: Vec<UserRow>,
    new: NewUserView,
    min_password: usize,
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    language: String,
}

fn user_row(t: &I18n, u: &User, me: Id) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: t.code("role", u.role.code()),
        roles: role_options(t, u.role.code()),
        disabled: u.disabled,
        created: u.created_at.format("%Y-%m-%d").to_string(),
        is_self: u.id == me,
        two_factor: false,
    }
}

#[derive(Default)]
struct UsersState<'a> {
    notice: Option<String>,
    problem: Option<String>,
    typed: Option<(&'a NewUserForm, &'a FieldErrors)>,
}

async fn users_page(ctx: &Ctx, status: StatusCode, s: UsersState<'_>) -> WebResult<Response> {
    let t = &ctx.t;
    let list = ctx.access.users().await?;
    let with_two_factor = ctx.access.users_with_two_factor().await?;
    let me = ctx.session.user.id;
    let empty = NewUserForm {
        role: Role::Documenter.code().to_owned(),
        ..Default::default()
    };
    let none = FieldErrors::default();
    let (f, errs) = s.typed.unwrap_or((&empty, &none));
    let p = UsersPage {
        l: Layout::of(ctx, "users"),
        notice: s.notice,
        problem: s.problem,
        users: list
            .iter()
            .map(|u| UserRow {
                two_factor: with_two_factor.contains(&u.id),
                ..user_row(t, u, me)
            })
            .collect(),
        new: NewUserView {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            roles: role_options(t, &f.role),
            languages: language_options(t, &f.language),
            errors: FormErrors::new(
                errs,
                t,
                &["username", "display_name", "role", "password", "language"],
            ),
        },
        min_password: vigil_store::auth::MIN_PASSWORD_LEN,
    };
    render_with(status, &p)
}

const USERS_DONE: [(&str, &str); 5] = [
    ("created", "users-created-notice"),
    ("2fa-reset", "users-2fa-reset-notice"),
    ("role", "users-role-changed"),
    ("disabled", "users-disabled-notice"),
    ("enabled", "users-enabled-notice"),
];

async fn users(ctx: Ctx, Query(q): Query<Done>) -> Response {
    let notice = q.notice(&ctx.t, &USERS_DONE);
    let r = users_page(
        &ctx,
        StatusCode::OK,
        UsersState {
            notice,
            ..Default::default()
        },
    )
    .await;
    respond(&ctx, r)
}

async fn create_user(ctx: Ctx, Form(f): Form<NewUserForm>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Administer) {
            return Err(WebError::Forbidden);
        }
        let password = Zeroizing::new(f.password.clone());
        let errs = match f.role.parse::<Role>() {
            Err(_) => field_error("role", "err-unknown-code", Some(f.role.clone())),
            Ok(role) => {
                let new = NewUser {
                    username: f.username.clone(),
                    password,
                    role,
                    display_name: f.display_name.clone(),
                    language: f.language.clone(),
                };
                match ctx.access.create_user(new).await {
                    Ok(u) => {
                        tracing::info!(admin = ctx.session.user.id, user = u.id, "user created");
                        return Ok(Redirect::to("/admin/users?done=created").into_response());
                    }
                    Err(StoreError::Invalid(e)) => e,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let typed = NewUserForm {
            password: String::new(),
            ..f
        };
        users_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            UsersState {
                typed: Some((&typed, &errs)),
                ..Default::default()
            },
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

/// An administrator acting on their own account is refused by the store; say why,
/// instead of the generic "not allowed".
async fn refused_on_self(ctx: &Ctx, id: Id, e: StoreError) -> WebResult<Response> {
    if matches!(e, StoreError::Forbidden)
        && id == ctx.session.user.id
        && ctx.access.can(Permission::Administer)
    {
        let problem = Some(ctx.t.get("users-self-refused"));
        return users_page(
            ctx,
            StatusCode::FORBIDDEN,
            UsersState {
                problem,
                ..Default::default()
            },
        )
        .await;
    }
    Err(e.into())
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(ctx: Ctx, Path(id): Path<Id>, Form(f): Form<RoleForm>) -> Response {
    let r = async {
        let role: Role = f
            .role
            .parse()
            .map_err(|_| WebError::BadRequest("role".into()))?;
        match ctx.access.set_user_role(id, role).await {
            Ok(()) => {
                tracing::info!(
                    admin = ctx.session.user.id,
                    user = id,
                    role = role.code(),
                    "role changed"
                );
                Ok(Redirect::to("/admin/users?done=role").into_response())
            }
            Err(e) => refused_on_self(&ctx, id, e).await,
        }
    }
    .await;
    respond(&ctx, r)
}

async fn set_disabled(ctx: &Ctx, id: Id, disabled: bool) -> WebResult<Response> {
    match ctx.access.set_user_disabled(id, disabled).await {
        Ok(()) => {
            tracing::info!(
                admin = ctx.session.user.id,
                user = id,
                disabled,
                "account state changed"
            );
            Ok(Redirect::to(if disabled {
                "/admin/users?done=disabled"
            } else {
                "/admin/users?done=enabled"
            })
            .into_response())
        }
        Err(e) => refused_on_self(ctx, id, e).await,
    }
}

async fn disable_user(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = set_disabled(&ctx, id, true).await;
    respond(&ctx, r)
}

async fn enable_user(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = set_disabled(&ctx, id, false).await;
    respond(&ctx, r)
}

/// Remove a user's second factor (a lost phone): their sessions end, and they enrol
/// again at their next login — at once, if their role requires one.
async fn reset_two_factor(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        match ctx.access.reset_two_factor(id).await {
            Ok(()) => {
                tracing::info!(
                    admin = ctx.session.user.id,
                    user = id,
                    "second factor reset"
                );
                Ok(Redirect::to("/admin/users?done=2fa-reset").into_response())
            }
            Err(e) => refused_on_self(&ctx, id, e).await,
        }
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;

    /// Messages looked up by a computed id are invisible to the catalogue test; check
    /// them here, in both languages.
    #[test]
    fn every_computed_message_exists() {
        for lang in ["en", "es"] {
            let t = I18n::new(lang);
            let mut keys: Vec<String> = VocabKind::ALL
                .iter()
                .map(|k| format!("vocab-kind-{}", k.code()))
                .collect();
            keys.extend(
                SDG_CATEGORIES
                    .iter()
                    .map(|c| format!("vocab-sdg-{}", serde_code(*c))),
            );
            keys.extend(
                VERBS
                    .iter()
                    .map(|v| format!("vocab-verb-{}", serde_code(*v))),
            );
            keys.extend(
                ["state", "non_state", "unknown"]
                    .iter()
                    .map(|a| format!("vocab-actor-{a}")),
            );
            keys.extend(Role::ALL.iter().map(|r| format!("role-{}", r.code())));
            keys.extend(["language-browser", "language-en", "language-es"].map(String::from));
            keys.extend(
                VOCAB_DONE
                    .iter()
                    .chain(USERS_DONE.iter())
                    .map(|(_, k)| (*k).to_owned()),
            );
            keys.extend(
                super::super::account::DONE
                    .iter()
                    .map(|(_, k)| (*k).to_owned()),
            );
            for k in keys {
                assert_ne!(t.get(&k), k, "{lang}: message {k} is missing");
            }
        }
    }

    #[test]
    fn codes_of_categories_and_verbs_round_trip() {
        for c in SDG_CATEGORIES {
            assert_eq!(from_code::<SdgCategory>(&serde_code(c)), Some(c));
        }
        for v in VERBS {
            assert_eq!(from_code::<ResolutionVerb>(&serde_code(v)), Some(v));
        }
        assert_eq!(
            serde_code(SdgCategory::OtherHarmfulAct),
            "other_harmful_act"
        );
        assert_eq!(from_code::<SdgCategory>("murder"), None);
    }

    #[test]
    fn term_form_reads_attributes_per_vocabulary() {
        let f = TermForm {
            code: " eviction ".into(),
            label_en: "Forced eviction".into(),
            label_es: "Desalojo forzoso".into(),
            sdg_category: "other_harmful_act".into(),
            verb: "curtailing".into(),
            state_actor: "state".into(),
        };
        let vt = f.term(VocabKind::ViolationType).unwrap();
        assert_eq!(vt.code, "eviction");
        assert_eq!(vt.attrs.sdg_category, Some(SdgCategory::OtherHarmfulAct));
        assert_eq!(vt.attrs.verb, Some(ResolutionVerb::Curtailing));
        assert_eq!(
            vt.attrs.state_actor, None,
            "only perpetrator types carry the flag"
        );
        let pt = f.term(VocabKind::PerpetratorType).unwrap();
        assert_eq!(pt.attrs.state_actor, Some(true));
        assert_eq!(pt.attrs.sdg_category, None);
        let plain = f.term(VocabKind::Sex).unwrap();
        assert_eq!(plain.attrs, TermAttrs::default());
        assert!(!plain.builtin);
    }

    #[test]
    fn term_form_refuses_unknown_attribute_codes() {
        let f = TermForm {
            code: "x".into(),
            label_en: "X".into(),
            sdg_category: "murder".into(),
            verb: "jailing".into(),
            state_actor: "maybe".into(),
            ..Default::default()
        };
        let e = f.term(VocabKind::ViolationType).unwrap_err();
        assert!(e.for_field("sdg_category").is_some());
        assert!(e.for_field("verb").is_some());
        assert!(f
            .term(VocabKind::PerpetratorType)
            .unwrap_err()
            .for_field("state_actor")
            .is_some());
        let unknown = TermForm {
            state_actor: String::new(),
            ..f
        };
        assert_eq!(
            unknown
                .term(VocabKind::PerpetratorType)
                .unwrap()
                .attrs
                .state_actor,
            None
        );
    }

    #[test]
    fn notices_come_only_from_the_table() {
        let t = I18n::new("en");
        let q = |d: &str| Done { done: d.to_owned() };
        assert_eq!(
            q("added").notice(&t, &VOCAB_DONE),
            Some(t.get("vocab-term-added"))
        );
        assert_eq!(q("err-term-builtin").notice(&t, &VOCAB_DONE), None);
        assert_eq!(q("").notice(&t, &VOCAB_DONE), None);
    }

    #[test]
    fn errors_split_between_fields_and_the_rest() {
        let t = I18n::new("en");
        let mut e = FieldErrors::default();
        e.add("code", "err-code-taken", Some("raid".into()));
        e.add("somewhere", "err-required", None);
        let fe = FormErrors::new(&e, &t, &["code"]);
        assert!(fe.get("code").is_some_and(|m| m.contains("raid")));
        assert_eq!(fe.other.len(), 1);
        assert!(!fe.is_empty());
    }

    /// The pages driven through the whole router, as a browser would: log in, follow
    /// forms with their CSRF token, read the HTML that comes back.
    mod web {
        use std::sync::Arc;

        use axum::body::Body;
        use axum::http::{header, Request, StatusCode};
        use axum::Router;
        use http_body_util::BodyExt as _;
        use tower::ServiceExt as _;
        use zeroize::Zeroizing;

        use vigil_domain::Role;
        use vigil_store::{NewUser, Store, StoreConfig};

        use crate::WebConfig;

        const PASSWORD: &str = "correct horse battery";
        /// DESIGN.md §6: any page weighs at most 30 KB of HTML.
        const MAX_PAGE: usize = 30 * 1024;

        struct Reply {
            status: StatusCode,
            location: String,
            body: String,
        }

        async fn send(app: &Router, req: Request<Body>) -> Reply {
            let res = app.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            Reply {
                status,
                location,
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        }

        fn hidden_csrf(html: &str) -> String {
            let rest = html
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .expect("a csrf field");
            rest.split('"').next().unwrap().to_owned()
        }

        /// A signed-in browser: its session cookie and the CSRF token of its forms.
        struct Browser {
            app: Router,
            cookie: String,
            csrf: String,
        }

        impl Browser {
            async fn login(app: &Router, username: &str) -> Browser {
                let res = app
                    .clone()
                    .oneshot(Request::get("/login").body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let pre = res
                    .headers()
                    .get(header::SET_COOKIE)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned();
                let html =
                    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                        .unwrap();
                let form = serde_urlencoded::to_string([
                    ("csrf", hidden_csrf(&html).as_str()),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/"),
                ])
                .unwrap();
                let req = Request::post("/login")
                    .header(header::COOKIE, &pre)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap();
                let res = app.clone().oneshot(req).await.unwrap();
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {username}");
                let cookie = res
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
                    .find(|c| c.starts_with("vigil_session="))
                    .unwrap();
                let mut b = Browser {
                    app: app.clone(),
                    cookie,
                    csrf: String::new(),
                };
                let home = b.get("/account").await;
                b.csrf = hidden_csrf(&home.body);
                b
            }

            async fn get(&self, path: &str) -> Reply {
                send(
                    &self.app,
                    Request::get(path)
                        .header(header::COOKIE, &self.cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
            }

            async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
                let mut all = vec![("csrf", self.csrf.as_str())];
                all.extend_from_slice(fields);
                let req = Request::post(path)
                    .header(header::COOKIE, &self.cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
                    .unwrap();
                send(&self.app, req).await
            }
        }

        async fn app() -> (Router, Store, tempfile::TempDir) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(
                StoreConfig::Sqlite {
                    path: dir.path().join("vigil.db"),
                    key: Zeroizing::new([7u8; 32]),
                },
                Arc::new(vigil_domain::SystemClock),
            )
            .await
            .unwrap();
            for (name, role) in [("ada", Role::Admin), ("vic", Role::Viewer)] {
                let new = NewUser {
                    username: name.into(),
                    password: Zeroizing::new(PASSWORD.into()),
                    role,
                    display_name: format!("{name} display"),
                    language: String::new(),
                };
                store.create_user(new, None).await.unwrap();
            }
            (
                crate::router(store.clone(), WebConfig::default()),
                store,
                dir,
            )
        }

        #[tokio::test]
        async fn administrator_manages_vocabularies_and_users() {
            let (app, store, _dir) = app().await;
            let admin = Browser::login(&app, "ada").await;

            // Every vocabulary is listed, with the add form for an administrator.
            let page = admin.get("/vocabularies").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                page.body.len() < MAX_PAGE,
                "vocabularies page weighs {} bytes",
                page.body.len()
            );
            assert!(page.body.contains("Violation types") && page.body.contains("Group types"));
            assert!(
                page.body.contains("enforced_disappearance")
                    && page.body.contains("Other harmful act")
                    && page.body.contains("Criminalisation")
            );
            assert!(page.body.contains("Non-state"));
            assert!(page
                .body
                .contains("action=\"/vocabularies/violation_type/terms\""));

            // Add a term.
            let term = [
                ("code", "eviction"),
                ("label_en", "Forced eviction"),
                ("label_es", "Desalojo forzoso"),
                ("sdg_category", "other_harmful_act"),
                ("verb", "curtailing"),
            ];
            let added = admin
                .post("/vocabularies/violation_type/terms", &term)
                .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER);
            assert!(added.location.starts_with("/vocabularies?done=added"));
            let page = admin.get(&added.location).await;
            assert!(page.body.contains("Term added."));
            assert!(page.body.contains("Desalojo forzoso"));
            assert!(page
                .body
                .contains("action=\"/vocabularies/violation_type/terms/eviction/delete\""));

            // The same code again, and a malformed one: refused beside the field.
            let again = admin
                .post("/vocabularies/violation_type/terms", &term)
                .await;
            assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(again.body.contains("exists already"));
            let bad = admin
                .post(
                    "/vocabularies/perpetrator_type/terms",
                    &[
                        ("code", "Bad Code"),
                        ("label_en", "Bad"),
                        ("state_actor", "state"),
                    ],
                )
                .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(bad
                .body
                .contains("id=\"f1-code\" name=\"code\" value=\"Bad Code\""));
            assert!(bad.body.contains("aria-invalid=\"true\""));
            assert!(bad.body.contains("<details open>"));

            // A built-in term stays.
            let builtin = admin
                .post("/vocabularies/violation_type/terms/killing/delete", &[])
                .await;
            assert_eq!(builtin.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(builtin.body.contains("Built-in terms cannot be removed"));
            let vocab = store.vocabularies().await.unwrap();
            assert!(vocab.contains(vigil_domain::vocab::VocabKind::ViolationType, "killing"));

            // An added term can go.
            let removed = admin
                .post("/vocabularies/violation_type/terms/eviction/delete", &[])
                .await;
            assert_eq!(removed.status, StatusCode::SEE_OTHER);
            assert!(!store
                .vocabularies()
                .await
                .unwrap()
                .contains(vigil_domain::vocab::VocabKind::ViolationType, "eviction"));
            assert_eq!(
                admin
                    .post("/vocabularies/nonsense/terms", &term)
                    .await
                    .status,
                StatusCode::NOT_FOUND
            );

            // Users: list, add (the password policy is shown beside the field), change.
            let users = admin.get("/admin/users").await;
            assert_eq!(users.status, StatusCode::OK);
            assert!(users.body.len() < MAX_PAGE);
            assert!(users.body.contains("vic display") && users.body.contains("Viewer"));
            let short = admin
                .post(
                    "/admin/users",
                    &[
                        ("username", "doc"),
                        ("display_name", "Doc"),
                        ("role", "documenter"),
                        ("password", "short"),
                        ("language", "es"),
                    ],
                )
                .await;
            assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(short.body.contains("id=\"password-err\""));
            assert!(short.body.contains("at least 12 characters"));
            assert!(
                short.body.contains("value=\"doc\""),
                "what was typed comes back"
            );
            assert!(
                !short.body.contains("value=\"short\""),
                "the password never comes back"
            );
            let created = admin
                .post(
                    "/admin/users",
                    &[
                        ("username", "doc"),
                        ("display_name", "Doc"),
                        ("role", "documenter"),
                        ("password", PASSWORD),
                        ("language", "es"),
                    ],
                )
                .await;
            assert_eq!(created.status, StatusCode::SEE_OTHER);
            let doc = store.user_by_name("doc").await.unwrap();
            assert_eq!((doc.role, doc.language.as_str()), (Role::Documenter, "es"));

            let path = |what: &str| format!("/admin/users/{}/{what}", doc.id);
            assert_eq!(
                admin
                    .post(&path("role"), &[("role", "analyst")])
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
            assert_eq!(
                admin.post(&path("disable"), &[]).await.status,
                StatusCode::SEE_OTHER
            );
            let doc = store.user(doc.id).await.unwrap();
            assert!(doc.disabled);
            assert_eq!(doc.role, Role::Analyst);
            let users = admin.get("/admin/users?done=disabled").await;
            assert!(
                users.body.contains("Account disabled")
                    && users
                        .body
                        .contains(&format!("action=\"/admin/users/{}/enable\"", doc.id))
            );

            // Not on oneself: a clear message, nothing changed.
            let me = store.user_by_name("ada").await.unwrap();
            let own = admin
                .post(&format!("/admin/users/{}/disable", me.id), &[])
                .await;
            assert_eq!(own.status, StatusCode::FORBIDDEN);
            assert!(own.body.contains("You cannot disable your own account"));
            let own = admin
                .post(
                    &format!("/admin/users/{}/role", me.id),
                    &[("role", "viewer")],
                )
                .await;
            assert_eq!(own.status, StatusCode::FORBIDDEN);
            let me = store.user(me.id).await.unwrap();
            assert!(!me.disabled && me.role == Role::Admin);

            // Without the form's token nothing happens.
            let req = Request::post("/admin/users")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    "username=eve&password=correct+horse+battery&role=admin",
                ))
                .unwrap();
            assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
            assert!(store.user_by_name("eve").await.is_err());
        }

        #[tokio::test]
        async fn a_viewer_reads_vocabularies_and_manages_only_their_account() {
            let (app, store, _dir) = app().await;
            let viewer = Browser::login(&app, "vic").await;

            let page = viewer.get("/vocabularies").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("arbitrary_detention"));
            assert!(!page.body.contains("/terms\""), "no add form for a viewer");
            assert!(!page.body.contains("/delete\""));
            assert!(
                !page.body.contains("href=\"/admin/users\""),
                "no link to user administration"
            );

            assert_eq!(
                viewer.get("/admin/users").await.status,
                StatusCode::FORBIDDEN
            );
            let term = viewer
                .post(
                    "/vocabularies/violation_type/terms",
                    &[("code", "eviction"), ("label_en", "Forced eviction")],
                )
                .await;
            assert_eq!(term.status, StatusCode::FORBIDDEN);
            assert!(!store
                .vocabularies()
                .await
                .unwrap()
                .contains(vigil_domain::vocab::VocabKind::ViolationType, "eviction"));
            assert_eq!(
                viewer
                    .post("/vocabularies/violation_type/terms/killing/delete", &[])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
            let ada = store.user_by_name("ada").await.unwrap();
            assert_eq!(
                viewer
                    .post(&format!("/admin/users/{}/disable", ada.id), &[])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
            assert!(!store.user(ada.id).await.unwrap().disabled);

            // The account page.
            let account = viewer.get("/account").await;
            assert_eq!(account.status, StatusCode::OK);
            assert!(account.body.len() < MAX_PAGE);
            assert!(
                account.body.contains("vic")
                    && account.body.contains("Viewer")
                    && account.body.contains("You have no API tokens.")
            );

            // A token's secret is shown once, in the response to its creation.
            let created = viewer
                .post("/account/tokens", &[("name", "partner sync")])
                .await;
            assert_eq!(created.status, StatusCode::OK);
            assert!(
                created.location.is_empty(),
                "the secret is never sent to a URL"
            );
            let secret: String = created
                .body
                .split("id=\"secret\" readonly rows=\"2\" spellcheck=\"false\" autocapitalize=\"none\">")
                .nth(1)
                .unwrap()
                .chars()
                .take_while(|c| *c != '<')
                .collect();
            assert!(secret.starts_with("vgl_") && secret.len() > 40);
            assert!(created.body.contains("will not be shown again"));
            assert_eq!(
                store.token_user(&secret).await.unwrap().map(|u| u.username),
                Some("vic".to_owned())
            );
            let later = viewer.get("/account").await;
            assert!(later.body.contains("partner sync"));
            assert!(
                !later.body.contains(&secret),
                "the secret is shown only once"
            );
            let empty = viewer.post("/account/tokens", &[("name", "  ")]).await;
            assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(empty.body.contains("id=\"token-name-err\""));

            // Revoking.
            let id = later
                .body
                .split("action=\"/account/tokens/")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_owned();
            let revoked = viewer
                .post(&format!("/account/tokens/{id}/revoke"), &[])
                .await;
            assert_eq!(revoked.status, StatusCode::SEE_OTHER);
            assert!(viewer
                .get(&revoked.location)
                .await
                .body
                .contains("Token revoked."));
            assert_eq!(store.token_user(&secret).await.unwrap(), None);
            assert_eq!(
                viewer
                    .post("/account/tokens/999999/revoke", &[])
                    .await
                    .status,
                StatusCode::NOT_FOUND
            );

            // Switching to Spanish changes the pages' language.
            assert_eq!(
                viewer
                    .post("/account/language", &[("language", "fr")])
                    .await
                    .status,
                StatusCode::UNPROCESSABLE_ENTITY
            );
            let switched = viewer
                .post("/account/language", &[("language", "es")])
                .await;
            assert_eq!(switched.status, StatusCode::SEE_OTHER);
            let es = viewer.get(&switched.location).await;
            assert!(es.body.contains("<html lang=\"es\">"));
            assert!(es.body.contains("Su cuenta") && es.body.contains("Idioma guardado."));
            assert!(viewer
                .get("/vocabularies")
                .await
                .body
                .contains("Tipos de violación"));
            assert_eq!(
                viewer
                    .post("/account/language", &[("language", "")])
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
            assert!(viewer
                .get("/account")
                .await
                .body
                .contains("<html lang=\"en\">"));
        }
    }
}
