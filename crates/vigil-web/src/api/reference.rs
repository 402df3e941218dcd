//! The rest of the API: vocabularies (read; administrators add terms), countries,
//! full-text search across incidents and persons, and the caller's own account.

use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use vigil_domain::country::{Countries, Country};
use vigil_domain::model::{IncidentSummary, Person};
use vigil_domain::search::{IncidentFilter, Page, PersonFilter};
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{Term, TermAttrs, VocabKind};
use vigil_domain::{Permission, Role};

use super::auth::Caller;
use super::created;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Json, Path, Query};

/// A vocabulary kind named in the path; unknown kinds are not found.
fn kind(code: &str) -> ApiResult<VocabKind> {
    code.parse().map_err(|_| ApiError::NotFound)
}

/// Every vocabulary term, built-in and added, with English and Spanish labels.
#[utoipa::path(
    get, path = "/api/v1/vocabularies", tag = "vocabularies",
    responses((status = 200, description = "OK", body = Vec<Term>), (status = 401, description = "No live bearer token", body = ErrorBody))
)]
pub(super) async fn all_vocabularies(c: Caller) -> ApiResult<Json<Vec<Term>>> {
    Ok(Json(c.access.vocabularies().await?.all().to_vec()))
}

/// The terms of one vocabulary.
#[utoipa::path(
    get, path = "/api/v1/vocabularies/{kind}", tag = "vocabularies",
    params(("kind" = VocabKind, Path, description = "Which vocabulary")),
    responses((status = 200, description = "OK", body = Vec<Term>), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No such record", body = ErrorBody))
)]
pub(super) async fn vocabulary(c: Caller, Path(k): Path<String>) -> ApiResult<Json<Vec<Term>>> {
    let k = kind(&k)?;
    Ok(Json(
        c.access.vocabularies().await?.of(k).cloned().collect(),
    ))
}

/// A term to add to a vocabulary.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerm {
    /// Lower-case letters, digits and `_`, starting with a letter; at most 64.
    pub code: String,
    pub label_en: String,
    #[serde(default)]
    pub label_es: String,
    #[serde(default)]
    pub attrs: TermAttrs,
}

/// Add a term to a vocabulary (administrators only). Codes are permanent.
#[utoipa::path(
    post, path = "/api/v1/vocabularies/{kind}/terms", tag = "vocabularies",
    params(("kind" = VocabKind, Path, description = "Which vocabulary")),
    responses(
        (status = 201, description = "Added", body = Term),
        (status = 400, description = "Bad or taken code, missing label", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such vocabulary", body = ErrorBody),
    )
)]
pub(super) async fn add_term(
    c: Caller,
    Path(k): Path<String>,
    Json(t): Json<NewTerm>,
) -> ApiResult<Response> {
    let k = kind(&k)?;
    let code = t.code.trim().to_owned();
    c.access
        .add_term(Term {
            kind: k,
            code: code.clone(),
            label_en: t.label_en,
            label_es: t.label_es,
            builtin: false,
            attrs: t.attrs,
        })
        .await?;
    let vocab = c.access.vocabularies().await?;
    let term = vocab.get(k, &code).cloned().ok_or(ApiError::NotFound)?;
    Ok(created(format!("/api/v1/vocabularies/{}", k.code()), term))
}

/// Every country Vigil knows (ISO 3166-1), with M49 regions.
#[utoipa::path(
    get, path = "/api/v1/countries", tag = "countries",
    responses((status = 200, description = "OK", body = Vec<Country>), (status = 401, description = "No live bearer token", body = ErrorBody))
)]
pub(super) async fn countries(_c: Caller) -> Json<Vec<Country>> {
    Json(Countries::get().all().to_vec())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ResolveQuery {
    /// A code (`LA`, `LAO`, `418`) or a name in English or Spanish (`Laos`).
    pub q: String,
}

/// The country a code or name stands for.
#[utoipa::path(
    get, path = "/api/v1/countries/resolve", tag = "countries",
    params(ResolveQuery),
    responses((status = 200, description = "OK", body = Country), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 404, description = "No country by that code or name", body = ErrorBody))
)]
pub(super) async fn resolve_country(
    _c: Caller,
    Query(q): Query<ResolveQuery>,
) -> ApiResult<Json<Country>> {
    Countries::get()
        .resolve(&q.q)
        .cloned()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct SearchQuery {
    /// Words to find in titles, narratives, codes and names the caller may see.
    pub q: String,
    /// 1-based page number (of each list).
    pub page: Option<u32>,
}

/// What a search found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub incidents: Page<IncidentSummary>,
    pub persons: Page<Person>,
}

/// Full-text search over incidents and persons. Words are matched only in fields the
/// caller may read, in the same query as the permission check: a narrative or legal
/// name the caller cannot see never makes a record turn up.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "OK", body = SearchResults),
        (status = 400, description = "`q` is empty", body = ErrorBody),
        (status = 401, description = "No live bearer token", body = ErrorBody),
    )
)]
pub(super) async fn search(
    c: Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let words = q.q.trim();
    if words.is_empty() {
        let mut e = FieldErrors::default();
        e.add("q", "err-required", None);
        return Err(e.into());
    }
    let incidents = c
        .access
        .incidents(&IncidentFilter {
            q: words.to_owned(),
            page: q.page,
            ..Default::default()
        })
        .await?;
    let persons = c
        .access
        .persons(&PersonFilter {
            q: words.to_owned(),
            page: q.page,
            ..Default::default()
        })
        .await?;
    Ok(Json(SearchResults { incidents, persons }))
}

/// The account a token belongs to, and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Interface language (`en`, `es`), empty for none chosen.
    pub language: String,
    /// May read legal names, contacts, addresses, coordinates and narratives.
    pub sees_sensitive: bool,
    pub can_write: bool,
    pub can_export: bool,
    pub can_administer: bool,
}

/// The caller's own account.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "account",
    responses((status = 200, description = "OK", body = Me), (status = 401, description = "No live bearer token", body = ErrorBody))
)]
pub(super) async fn me(c: Caller) -> Json<Me> {
    let a = &c.access;
    Json(Me {
        id: c.user.id,
        username: c.user.username.clone(),
        display_name: c.user.display_name.clone(),
        role: c.user.role,
        language: c.user.language.clone(),
        sees_sensitive: a.sees_sensitive(),
        can_write: a.can(Permission::Write),
        can_export: a.can(Permission::Export),
        can_administer: a.can(Permission::Administer),
    })
}
