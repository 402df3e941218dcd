//! The JSON API under `/api/v1`, for machine clients, and its OpenAPI document at
//! `/api/v1/openapi.json`, generated from the handlers' own annotations.
//!
//! Every route but the document needs a bearer token ([`auth`]); handlers reach records
//! only through the token user's `Access`, which checks permissions and redacts, so the
//! API can show no more than the pages do. The API never reads cookies, so CSRF does
//! not apply to it. Errors are JSON ([`error`]) and never echo what the client sent.
//! Every route is listed once in [`endpoints`]; a test fails if one is undocumented.

mod alerts;
pub mod auth;
mod cases;
mod detentions;
pub mod error;
mod evidence;
pub mod extract;
mod groups;
mod incidents;
mod persons;
mod reference;
mod releases;
mod resolutions;
mod stats;
mod target;
#[cfg(test)]
mod tests;
mod un_comms;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, on, MethodFilter, MethodRouter};
use axum::Router;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use vigil_store::auth::User;

use self::error::{ApiError, ErrorBody};
use self::extract::Json;
use crate::AppState;

/// Paths served without a token.
const PUBLIC: &[&str] = &["/api/v1/openapi.json"];

/// One route of the API.
struct Endpoint {
    /// The router takes the method from `service`; this copy is what the test compares
    /// with the document.
    #[cfg_attr(not(test), allow(dead_code))]
    method: Method,
    path: &'static str,
    service: MethodRouter<AppState>,
}

impl Endpoint {
    fn public(&self) -> bool {
        PUBLIC.contains(&self.path)
    }
}

/// Declare the routes as `METHOD "path" => handler`. The same list builds the router
/// and is checked against the OpenAPI document in the tests, so a route cannot go
/// undocumented.
macro_rules! endpoints {
    ($($method:ident $path:literal => $handler:path,)*) => {
        vec![$(Endpoint { method: Method::$method, path: $path, service: on(MethodFilter::$method, $handler) },)*]
    };
}

fn endpoints() -> Vec<Endpoint> {
    endpoints![
        GET "/api/v1/openapi.json" => openapi_json,
        GET "/api/v1/me" => reference::me,
        GET "/api/v1/search" => reference::search,
        GET "/api/v1/incidents" => incidents::list_incidents,
        POST "/api/v1/incidents" => incidents::create_incident,
        GET "/api/v1/incidents.csv" => incidents::export_incidents_csv,
        GET "/api/v1/incidents/{id}" => incidents::get_incident,
        PUT "/api/v1/incidents/{id}" => incidents::update_incident,
        GET "/api/v1/incidents/{id}/violations" => incidents::incident_violations,
        GET "/api/v1/incidents/{id}/sources" => incidents::incident_sources,
        GET "/api/v1/incidents/{id}/history" => incidents::incident_history,
        POST "/api/v1/incidents/{id}/evidence" => evidence::upload_evidence,
        GET "/api/v1/incidents/{id}/evidence" => evidence::list_evidence,
        GET "/api/v1/evidence/{id}/download" => evidence::download_evidence,
        GET "/api/v1/persons" => persons::list_persons,
        POST "/api/v1/persons" => persons::create_person,
        GET "/api/v1/persons/{id}" => persons::get_person,
        PUT "/api/v1/persons/{id}" => persons::update_person,
        GET "/api/v1/persons/{id}/violations" => persons::person_violations,
        GET "/api/v1/persons/{id}/history" => persons::person_history,
        GET "/api/v1/groups" => groups::list_groups,
        POST "/api/v1/groups" => groups::create_group,
        GET "/api/v1/groups/{id}" => groups::get_group,
        PUT "/api/v1/groups/{id}" => groups::update_group,
        GET "/api/v1/groups/{id}/violations" => groups::group_violations,
        GET "/api/v1/groups/{id}/history" => groups::group_history,
        GET "/api/v1/cases" => cases::list_cases,
        POST "/api/v1/cases" => cases::create_case,
        GET "/api/v1/cases/actions/mine" => cases::my_actions,
        GET "/api/v1/cases/actions/overdue" => cases::overdue_actions,
        PUT "/api/v1/cases/actions/{id}" => cases::update_action,
        GET "/api/v1/cases/{id}" => cases::get_case,
        PUT "/api/v1/cases/{id}" => cases::update_case,
        POST "/api/v1/cases/{id}/assessments" => cases::add_assessment,
        POST "/api/v1/cases/{id}/actions" => cases::add_action,
        PUT "/api/v1/cases/{id}/incidents/{incident}" => cases::link_incident,
        DELETE "/api/v1/cases/{id}/incidents/{incident}" => cases::unlink_incident,
        GET "/api/v1/resolutions" => resolutions::list_resolutions,
        POST "/api/v1/resolutions" => resolutions::create_resolution,
        POST "/api/v1/resolutions/import/rollcalls" => resolutions::import_rollcalls,
        POST "/api/v1/resolutions/import/list" => resolutions::import_list,
        POST "/api/v1/resolutions/import/sponsors" => resolutions::import_sponsors,
        GET "/api/v1/resolutions/{id}" => resolutions::get_resolution,
        PUT "/api/v1/resolutions/{id}" => resolutions::update_resolution,
        POST "/api/v1/resolutions/{id}/paragraphs" => resolutions::add_paragraph,
        DELETE "/api/v1/resolutions/{id}/paragraphs/{paragraph}" => resolutions::delete_paragraph,
        GET "/api/v1/resolutions/{id}/comparison" => resolutions::comparison,
        GET "/api/v1/scorecards" => resolutions::scorecard,
        GET "/api/v1/scorecards.csv" => resolutions::scorecard_csv,
        POST "/api/v1/cases/{id}/alerts" => alerts::create_alert,
        GET "/api/v1/alerts" => alerts::list_alerts,
        GET "/api/v1/alerts/{id}" => alerts::get_alert,
        PUT "/api/v1/alerts/{id}" => alerts::update_alert,
        POST "/api/v1/alerts/{id}/publish" => alerts::publish_alert,
        POST "/api/v1/alerts/{id}/unpublish" => alerts::unpublish_alert,
        GET "/api/v1/cases/detained" => detentions::detained,
        POST "/api/v1/cases/{id}/detentions" => detentions::add_detention,
        GET "/api/v1/cases/detentions/{id}" => detentions::get_detention,
        PUT "/api/v1/cases/detentions/{id}" => detentions::update_detention,
        POST "/api/v1/cases/detentions/{id}/hearings" => detentions::add_hearing,
        DELETE "/api/v1/cases/hearings/{id}" => detentions::remove_hearing,
        POST "/api/v1/cases/{id}/un-communications" => un_comms::generate,
        GET "/api/v1/cases/{id}/un-communications" => un_comms::list,
        GET "/api/v1/vocabularies" => reference::all_vocabularies,
        GET "/api/v1/vocabularies/{kind}" => reference::vocabulary,
        POST "/api/v1/vocabularies/{kind}/terms" => reference::add_term,
        GET "/api/v1/countries" => reference::countries,
        GET "/api/v1/countries/resolve" => reference::resolve_country,
        GET "/api/v1/statistics" => stats::statistics,
        GET "/api/v1/statistics.csv" => stats::statistics_csv,
        GET "/api/v1/statistics/rates" => stats::rates,
        GET "/api/v1/indicators/sdg-16-10-1" => stats::sdg,
        GET "/api/v1/indicators/sdg-16-10-1.csv" => stats::sdg_csv,
        GET "/api/v1/releases" => releases::list_releases,
        POST "/api/v1/releases" => releases::create_release,
        GET "/api/v1/releases/{id}" => releases::get_release,
        POST "/api/v1/releases/{id}/revisions" => releases::revise_release,
        POST "/api/v1/releases/{id}/publish" => releases::publish_release,
    ]
}

/// The API router, merged into the application beside the pages. It has no session
/// middleware: the bearer-token guard covers every route but the public ones, including
/// the catch-all that answers unknown `/api/v1` paths with a JSON 404.
pub fn routes(state: AppState) -> Router {
    let (public, protected): (Vec<Endpoint>, Vec<Endpoint>) =
        endpoints().into_iter().partition(Endpoint::public);
    let protected = protected
        .into_iter()
        .fold(Router::new(), |r, e| r.route(e.path, e.service))
        .route("/api/v1", any(not_found))
        .route("/api/v1/", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ));
    public
        .into_iter()
        .fold(Router::new(), |r, e| r.route(e.path, e.service))
        .merge(protected)
        .layer(axum::middleware::map_response(json_method_not_allowed))
        .layer(axum::middleware::from_fn(auth::no_cookies))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// axum answers a known path with an unserved method by an empty 405; give it the
/// API's JSON body (keeping the `Allow` header).
async fn json_method_not_allowed(res: Response) -> Response {
    if res.status() != StatusCode::METHOD_NOT_ALLOWED
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut json = ApiError::MethodNotAllowed.into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}

/// 201 Created with a `Location` and the record as the caller may see it.
fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The language for labels in exports: the user's choice, else English.
fn lang(user: &User) -> &'static str {
    if user.language == "es" {
        "es"
    } else {
        "en"
    }
}

/// Registers the bearer-token scheme every operation (but the document) requires.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token made on the account page: `Authorization: Bearer vgl_…`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, assembled from the handlers' `#[utoipa::path]` annotations
/// and the domain types' schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigil API",
        description = "Documenting attacks on human rights defenders. Every operation needs \
            `Authorization: Bearer <token>`; what a token may read and change is its user's role, \
            exactly as in the web interface, and sensitive fields the role may not see are `null`. \
            Cookies are ignored. Edits carry the version they were based on and are refused \
            with 409 if the record changed since. Errors are JSON: `{\"error\": \"<code>\", …}`."
    ),
    paths(
        openapi_json,
        reference::me,
        reference::search,
        incidents::list_incidents,
        incidents::create_incident,
        incidents::export_incidents_csv,
        incidents::get_incident,
        incidents::update_incident,
        incidents::incident_violations,
        incidents::incident_sources,
        incidents::incident_history,
        evidence::upload_evidence,
        evidence::list_evidence,
        evidence::download_evidence,
        persons::list_persons,
        persons::create_person,
        persons::get_person,
        persons::update_person,
        persons::person_violations,
        persons::person_history,
        groups::list_groups,
        groups::create_group,
        groups::get_group,
        groups::update_group,
        groups::group_violations,
        groups::group_history,
        cases::list_cases,
        cases::create_case,
        cases::my_actions,
        cases::overdue_actions,
        cases::update_action,
        cases::get_case,
        cases::update_case,
        cases::add_assessment,
        cases::add_action,
        cases::link_incident,
        cases::unlink_incident,
        resolutions::list_resolutions,
        resolutions::create_resolution,
        resolutions::import_rollcalls,
        resolutions::import_list,
        resolutions::import_sponsors,
        resolutions::get_resolution,
        resolutions::update_resolution,
        resolutions::add_paragraph,
        resolutions::delete_paragraph,
        resolutions::comparison,
        resolutions::scorecard,
        resolutions::scorecard_csv,
        alerts::create_alert,
        alerts::list_alerts,
        alerts::get_alert,
        alerts::update_alert,
        alerts::publish_alert,
        alerts::unpublish_alert,
        detentions::detained,
        detentions::add_detention,
        detentions::get_detention,
        detentions::update_detention,
        detentions::add_hearing,
        detentions::remove_hearing,
        un_comms::generate,
        un_comms::list,
        reference::all_vocabularies,
        reference::vocabulary,
        reference::add_term,
        reference::countries,
        reference::resolve_country,
        stats::statistics,
        stats::statistics_csv,
        stats::rates,
        stats::sdg,
        stats::sdg_csv,
        releases::list_releases,
        releases::create_release,
        releases::get_release,
        releases::revise_release,
        releases::publish_release,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "incidents", description = "Events: who did what to whom, when and where"),
        (name = "evidence", description = "Files attached to incidents, encrypted at rest, downloaded only as attachments"),
        (name = "persons", description = "Defenders, relatives, witnesses, named perpetrators"),
        (name = "groups", description = "Organisations, communities, movements"),
        (name = "cases", description = "Protection cases: risk assessments, actions, linked incidents (administrators and protection officers)"),
        (name = "alerts", description = "Public alerts: drafted about a case, published on /public/alerts only after an administrator approves and only while the person consents to be named"),
        (name = "resolutions", description = "UN resolutions: sponsors, roll-call votes, operative paragraphs; imports of the UN General Assembly voting data set; state scorecards beside documented incidents (public record; changes by analysts and administrators)"),
        (name = "vocabularies", description = "Classified lists with stable codes"),
        (name = "countries", description = "ISO 3166-1 countries with M49 regions"),
        (name = "releases", description = "Versioned releases: figures frozen with their methodology after disclosure control, corrected as revisions with a reason, published on /public/releases (analysts and administrators)"),
        (name = "statistics", description = "Counts, rates and SDG indicator 16.10.1 over what the caller may count; rules in docs/methodology.md"),
        (name = "search", description = "Full-text search within what the caller may see"),
        (name = "account", description = "The token's own account"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// This document (OpenAPI 3.1). Served without a token.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}
