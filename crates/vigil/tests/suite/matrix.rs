//! The authorisation matrix (issue 3, point 4): every route the router serves, as
//! nobody and as every role — each both inside and outside the compartment the
//! fixtures' records are in — against the rule written for it here.
//!
//! axum cannot list its routes at run time, so the inventory is read from the source
//! that builds the router: every `.route("…", get(…).post(…))` in
//! `crates/vigil-web/src/pages/` and every line of the `endpoints!` table (and the
//! catch-all routes) in `crates/vigil-web/src/api/mod.rs`. A route served without a
//! rule in [`PAGE_RULES`] or [`API_RULES`] fails [`every_route_has_a_rule`]; a rule for
//! a route that is no longer served fails it too. Adding a route therefore means
//! writing down who may use it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use vigil_domain::{Permission, Role};
use vigil_store::compartments::{Level, DEFAULT_COMPARTMENT};
use vigil_store::evidence::{EvidenceFiles, NewEvidence};
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::{Browser, Page};

backend_tests!(
    every_page_route_answers_every_role_as_its_rule_says,
    every_api_route_answers_every_role_as_its_rule_says,
);

// ---------------------------------------------------------------- the rules

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Served to anyone, signed in or not (the login form, health, static files).
    Public,
    /// The second step of a login: needs the half-signed-in cookie, which nobody in
    /// this test has, so every request is sent back to the password form.
    SecondStep,
    /// Any signed-in user (their own account, the home page, logging out).
    SignedIn,
    /// A signed-in user whose role has this permission.
    Can(Permission),
}

/// What an allowed request gets, and how a POST is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Allowed {
    /// 200 (a POST: anything but 403 and 5xx).
    Page,
    /// 204 (the favicon: none).
    Empty,
    /// 200 for nobody; signed-in users are sent on (303, not to the login form).
    FormOrHome,
    /// 200 or 404: the route serves something only in a state the matrix does not set
    /// up (the QR code of an enrolment in progress).
    PageOrAbsent,
    /// A POST sent as `multipart/form-data` with a small text file (evidence uploads).
    Upload,
    /// 404 for everyone: a public catch-all ("not found" rather than the login form).
    Absent,
}

/// (method, route as written in the router, path to request, rule, what "allowed"
/// means). Placeholders in the path to request: `{incident}`, `{person}`, `{group}`,
/// `{evidence}`, `{user}` (an account other than the caller's), `{kind}`, `{code}` (a
/// vocabulary kind and a term), `{session}`, `{token}`, `{compartment}` (an empty
/// compartment, not the records' one).
type PageRule = (&'static str, &'static str, &'static str, Rule, Allowed);

#[rustfmt::skip]
const PAGE_RULES: &[PageRule] = &[
    ("GET", "/", "/", Rule::SignedIn, Allowed::Page),
    ("GET", "/login", "/login", Rule::Public, Allowed::FormOrHome),
    ("POST", "/login", "/login", Rule::Public, Allowed::Page),
    ("POST", "/logout", "/logout", Rule::SignedIn, Allowed::Page),
    ("GET", "/healthz", "/healthz", Rule::Public, Allowed::Page),
    ("GET", "/static/style.css", "/static/style.css", Rule::Public, Allowed::Page),
    ("GET", "/static/webauthn.js", "/static/webauthn.js", Rule::Public, Allowed::Page),
    ("GET", "/favicon.ico", "/favicon.ico", Rule::Public, Allowed::Empty),
    ("GET", "/login/2fa", "/login/2fa", Rule::SecondStep, Allowed::Page),
    ("POST", "/login/2fa", "/login/2fa", Rule::SecondStep, Allowed::Page),
    ("POST", "/login/2fa/key", "/login/2fa/key", Rule::SecondStep, Allowed::Page),
    // Incidents, and their evidence files (downloads: roles that see sensitive fields).
    ("GET", "/incidents", "/incidents?q=cauca", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/incidents.csv", "/incidents.csv", Rule::Can(Permission::Export), Allowed::Page),
    ("GET", "/incidents/new", "/incidents/new", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/incidents/new", "/incidents/new", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/incidents/{id}", "/incidents/{incident}", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/incidents/{id}/edit", "/incidents/{incident}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/incidents/{id}/edit", "/incidents/{incident}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/incidents/{id}/history", "/incidents/{incident}/history", Rule::Can(Permission::Read), Allowed::Page),
    ("POST", "/incidents/{id}/evidence", "/incidents/{incident}/evidence", Rule::Can(Permission::Write), Allowed::Upload),
    ("GET", "/evidence/{id}/download", "/evidence/{evidence}/download", Rule::Can(Permission::ReadSensitive), Allowed::Page),
    // Persons.
    ("GET", "/persons", "/persons", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/persons/new", "/persons/new", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/persons/new", "/persons/new", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/persons/{id}", "/persons/{person}", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/persons/{id}/edit", "/persons/{person}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/persons/{id}/edit", "/persons/{person}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/persons/{id}/history", "/persons/{person}/history", Rule::Can(Permission::Read), Allowed::Page),
    // Groups.
    ("GET", "/groups", "/groups", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/groups/new", "/groups/new", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/groups/new", "/groups/new", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/groups/{id}", "/groups/{group}", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/groups/{id}/edit", "/groups/{group}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("POST", "/groups/{id}/edit", "/groups/{group}/edit", Rule::Can(Permission::Write), Allowed::Page),
    ("GET", "/groups/{id}/history", "/groups/{group}/history", Rule::Can(Permission::Read), Allowed::Page),
    // Protection cases: administrators and protection officers.
    ("GET", "/cases", "/cases", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/risk", "/cases/risk", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/actions/mine", "/cases/actions/mine", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/actions/overdue", "/cases/actions/overdue", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/actions/{id}/edit", "/cases/actions/{action}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/actions/{id}/edit", "/cases/actions/{action}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/new", "/cases/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/new", "/cases/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/{id}", "/cases/{case}", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/{id}/edit", "/cases/{case}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/edit", "/cases/{case}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/{id}/history", "/cases/{case}/history", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/assessments", "/cases/{case}/assessments", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/actions", "/cases/{case}/actions", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/incidents", "/cases/{case}/incidents", Rule::Can(Permission::ManageCases), Allowed::Page),
    // UN communications: ManageCases and ReadSensitive (every role with the first has
    // the second); the fixture's person has not consented, so a POST is refused (422).
    ("GET", "/cases/{id}/un-communication", "/cases/{case}/un-communication", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/un-communication", "/cases/{case}/un-communication", Rule::Can(Permission::ManageCases), Allowed::Page),
    // The public portal: anyone, signed in or not; published material only
    // (`{public_alert}` is a published alert, which even non-members of its case's
    // compartment read there).
    ("GET", "/public", "/public", Rule::Public, Allowed::Page),
    ("GET", "/public/memorial", "/public/memorial", Rule::Public, Allowed::Page),
    ("GET", "/public/alerts", "/public/alerts", Rule::Public, Allowed::Page),
    ("GET", "/public/alerts/{id}", "/public/alerts/{public_alert}", Rule::Public, Allowed::Page),
    ("GET", "/public/{*rest}", "/public/no/such/page", Rule::Public, Allowed::Absent),
    // Versioned releases (issue 5 point 6): published ones on the portal for anyone;
    // freezing, revising and publishing for analysts and administrators. `{release}` is
    // published, `{draft_release}` is not (POSTs go to it so publication stays put).
    ("GET", "/public/releases", "/public/releases", Rule::Public, Allowed::Page),
    ("GET", "/public/releases/{id}", "/public/releases/{release}", Rule::Public, Allowed::Page),
    ("GET", "/releases", "/releases", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("GET", "/releases/new", "/releases/new?by=year", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("POST", "/releases/new", "/releases/new", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("GET", "/releases/{id}", "/releases/{release}", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("GET", "/releases/{id}/report", "/releases/{release}/report", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("POST", "/releases/{id}/revise", "/releases/{draft_release}/revise", Rule::Can(Permission::PublishReleases), Allowed::Page),
    ("POST", "/releases/{id}/publish", "/releases/{draft_release}/publish", Rule::Can(Permission::PublishReleases), Allowed::Page),
    // Public alerts, staff side: drafted and taken down by those who manage cases,
    // approved by administrators. `{alert}` is a draft.
    ("GET", "/alerts", "/alerts", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/admin/alerts", "/admin/alerts", Rule::Can(Permission::Administer), Allowed::Page),
    ("GET", "/cases/{id}/alerts/new", "/cases/{case}/alerts/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/alerts/new", "/cases/{case}/alerts/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/alerts/{id}", "/alerts/{alert}", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/alerts/{id}/edit", "/alerts/{alert}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/alerts/{id}/edit", "/alerts/{alert}/edit", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/alerts/{id}/publish", "/alerts/{alert}/publish", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/alerts/{id}/unpublish", "/alerts/{alert}/unpublish", Rule::Can(Permission::ManageCases), Allowed::Page),
    // Vocabularies: everyone reads them, administrators change them.
    ("GET", "/vocabularies", "/vocabularies", Rule::Can(Permission::Read), Allowed::Page),
    ("POST", "/vocabularies/{kind}/terms", "/vocabularies/{kind}/terms", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/vocabularies/{kind}/terms/{code}/delete", "/vocabularies/{kind}/terms/{code}/delete", Rule::Can(Permission::Administer), Allowed::Page),
    // Statistics: counts only, for every reader (over what each may count).
    ("GET", "/statistics", "/statistics?measure=victims&by=year&by2=sex", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/statistics.csv", "/statistics.csv?by=country", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/statistics/map.svg", "/statistics/map.svg?by=country", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/statistics/sdg-16-10-1", "/statistics/sdg-16-10-1?from=2024-01", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/statistics/sdg-16-10-1.csv", "/statistics/sdg-16-10-1.csv?from=2024-01", Rule::Can(Permission::Read), Allowed::Page),
    // Resolutions and state commitments (issue 7): public record, read by every role;
    // entered, edited and imported by those with EditResolutions (administrators and
    // analysts). Scorecard counts go through the compartment-checked statistics.
    ("GET", "/resolutions", "/resolutions", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/resolutions/new", "/resolutions/new", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("POST", "/resolutions/new", "/resolutions/new", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("GET", "/resolutions/import", "/resolutions/import", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("POST", "/resolutions/import/rollcalls", "/resolutions/import/rollcalls", Rule::Can(Permission::EditResolutions), Allowed::Upload),
    ("POST", "/resolutions/import/list", "/resolutions/import/list", Rule::Can(Permission::EditResolutions), Allowed::Upload),
    ("POST", "/resolutions/import/sponsors", "/resolutions/import/sponsors", Rule::Can(Permission::EditResolutions), Allowed::Upload),
    ("GET", "/resolutions/{id}", "/resolutions/{resolution}", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/resolutions/{id}/edit", "/resolutions/{resolution}/edit", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("POST", "/resolutions/{id}/edit", "/resolutions/{resolution}/edit", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("POST", "/resolutions/{id}/paragraphs", "/resolutions/{resolution}/paragraphs", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("POST", "/resolutions/{id}/paragraphs/{paragraph}/delete", "/resolutions/{resolution}/paragraphs/{paragraph}/delete", Rule::Can(Permission::EditResolutions), Allowed::Page),
    ("GET", "/resolutions/{id}/compare", "/resolutions/{resolution}/compare", Rule::Can(Permission::Read), Allowed::Page),
    // The fixture's resolution has no roll call: its vote map is absent (404).
    ("GET", "/resolutions/{id}/map.svg", "/resolutions/{resolution}/map.svg", Rule::Can(Permission::Read), Allowed::PageOrAbsent),
    ("GET", "/scorecards", "/scorecards?state=CO&topic=defenders", Rule::Can(Permission::Read), Allowed::Page),
    ("GET", "/scorecards.csv", "/scorecards.csv?state=CO", Rule::Can(Permission::Read), Allowed::Page),
    // Users, audit log, lock-down: administrators.
    ("GET", "/admin/users", "/admin/users", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users", "/admin/users", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users/{id}/role", "/admin/users/{user}/role", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users/{id}/disable", "/admin/users/{user}/disable", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users/{id}/enable", "/admin/users/{user}/enable", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users/{id}/reset-2fa", "/admin/users/{user}/reset-2fa", Rule::Can(Permission::Administer), Allowed::Page),
    ("GET", "/admin/audit", "/admin/audit", Rule::Can(Permission::Administer), Allowed::Page),
    ("GET", "/admin/audit.csv", "/admin/audit.csv", Rule::Can(Permission::Administer), Allowed::Page),
    ("GET", "/admin/lockdown", "/admin/lockdown", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/lockdown", "/admin/lockdown", Rule::Can(Permission::Administer), Allowed::Page),
    // Compartments: administrators. `{compartment}` is an empty one, so that no
    // administrator of the matrix leaves the compartment its records are in.
    ("GET", "/admin/compartments", "/admin/compartments", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/compartments", "/admin/compartments", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/compartments/{id}/join", "/admin/compartments/{compartment}/join", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/compartments/{id}/leave", "/admin/compartments/{compartment}/leave", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/compartments/{id}/members", "/admin/compartments/{compartment}/members", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/compartments/{id}/members/{user}/remove", "/admin/compartments/{compartment}/members/{user}/remove", Rule::Can(Permission::Administer), Allowed::Page),
    // One's own account.
    ("GET", "/account", "/account", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/language", "/account/language", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/password", "/account/password", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/sessions/{id}/revoke", "/account/sessions/{session}/revoke", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/tokens", "/account/tokens", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/tokens/{id}/revoke", "/account/tokens/{token}/revoke", Rule::SignedIn, Allowed::Page),
    ("GET", "/account/2fa", "/account/2fa", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/start", "/account/2fa/start", Rule::SignedIn, Allowed::Page),
    ("GET", "/account/2fa/qr.svg", "/account/2fa/qr.svg", Rule::SignedIn, Allowed::PageOrAbsent),
    ("POST", "/account/2fa/confirm", "/account/2fa/confirm", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/recovery", "/account/2fa/recovery", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/off", "/account/2fa/off", Rule::SignedIn, Allowed::Page),
    ("GET", "/account/2fa/keys", "/account/2fa/keys", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/keys/start", "/account/2fa/keys/start", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/keys/finish", "/account/2fa/keys/finish", Rule::SignedIn, Allowed::Page),
    ("POST", "/account/2fa/keys/{id}/remove", "/account/2fa/keys/999999/remove", Rule::SignedIn, Allowed::Page),
    // Detention tracker (issue 6 point 5): those who manage cases. `{detention}` is on
    // the fixtures' case, `{hearing}` one of its hearings.
    ("GET", "/cases/detained", "/cases/detained", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/{id}/detentions/new", "/cases/{case}/detentions/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/{id}/detentions/new", "/cases/{case}/detentions/new", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("GET", "/cases/detentions/{id}", "/cases/detentions/{detention}", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/detentions/{id}", "/cases/detentions/{detention}", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/detentions/{id}/hearings", "/cases/detentions/{detention}/hearings", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/cases/hearings/{id}/remove", "/cases/hearings/{hearing}/remove", Rule::Can(Permission::ManageCases), Allowed::Page),
    // Hearing calendars: feed addresses for those who manage cases; revoking one's own
    // (`{token}` is nobody's: 404). The feed itself needs no session, its URL's token
    // is the credential (`{feed}`, a protection officer's); lock-down, which the
    // matrix performs as an administrator, revokes it, hence "or absent" afterwards.
    ("GET", "/account/calendar", "/account/calendar", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/account/calendar", "/account/calendar", Rule::Can(Permission::ManageCases), Allowed::Page),
    ("POST", "/account/calendar/{id}/revoke", "/account/calendar/{token}/revoke", Rule::SignedIn, Allowed::Page),
    ("GET", "/calendar/{token}/hearings.ics", "/calendar/{feed}/hearings.ics", Rule::Public, Allowed::PageOrAbsent),
    // E-mail addresses for reminder digests (issue 6 point 4): administrators.
    ("GET", "/admin/emails", "/admin/emails", Rule::Can(Permission::Administer), Allowed::Page),
    ("POST", "/admin/users/{id}/email", "/admin/users/{user}/email", Rule::Can(Permission::Administer), Allowed::Page),
];

/// Who may use an API route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApiRule {
    /// No token needed (the OpenAPI document).
    Public,
    /// A token whose user's role has this permission.
    Can(Permission),
    /// The catch-all: a JSON 404 with a token, 401 without.
    NotFound,
}

/// (method, route as written, path to request, rule). `ANY` is a route for every
/// method (the catch-alls). Placeholders as in [`PAGE_RULES`]; request bodies come
/// from [`api_body`].
type ApiRuleRow = (&'static str, &'static str, &'static str, ApiRule);

#[rustfmt::skip]
const API_RULES: &[ApiRuleRow] = &[
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", ApiRule::Public),
    ("GET", "/api/v1/me", "/api/v1/me", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/search", "/api/v1/search?q=cauca", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/incidents", "/api/v1/incidents", ApiRule::Can(Permission::Read)),
    ("POST", "/api/v1/incidents", "/api/v1/incidents", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/incidents.csv", "/api/v1/incidents.csv", ApiRule::Can(Permission::Export)),
    ("GET", "/api/v1/incidents/{id}", "/api/v1/incidents/{incident}", ApiRule::Can(Permission::Read)),
    ("PUT", "/api/v1/incidents/{id}", "/api/v1/incidents/{incident}", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/incidents/{id}/violations", "/api/v1/incidents/{incident}/violations", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/incidents/{id}/sources", "/api/v1/incidents/{incident}/sources", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/incidents/{id}/history", "/api/v1/incidents/{incident}/history", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/persons", "/api/v1/persons", ApiRule::Can(Permission::Read)),
    ("POST", "/api/v1/persons", "/api/v1/persons", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/persons/{id}", "/api/v1/persons/{person}", ApiRule::Can(Permission::Read)),
    ("PUT", "/api/v1/persons/{id}", "/api/v1/persons/{person}", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/persons/{id}/violations", "/api/v1/persons/{person}/violations", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/persons/{id}/history", "/api/v1/persons/{person}/history", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/groups", "/api/v1/groups", ApiRule::Can(Permission::Read)),
    ("POST", "/api/v1/groups", "/api/v1/groups", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/groups/{id}", "/api/v1/groups/{group}", ApiRule::Can(Permission::Read)),
    ("PUT", "/api/v1/groups/{id}", "/api/v1/groups/{group}", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/groups/{id}/violations", "/api/v1/groups/{group}/violations", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/groups/{id}/history", "/api/v1/groups/{group}/history", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/cases", "/api/v1/cases?order=risk", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases", "/api/v1/cases", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/actions/mine", "/api/v1/cases/actions/mine", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/actions/overdue", "/api/v1/cases/actions/overdue", ApiRule::Can(Permission::ManageCases)),
    ("PUT", "/api/v1/cases/actions/{id}", "/api/v1/cases/actions/{action}", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/{id}", "/api/v1/cases/{case}", ApiRule::Can(Permission::ManageCases)),
    ("PUT", "/api/v1/cases/{id}", "/api/v1/cases/{case}", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/{id}/assessments", "/api/v1/cases/{case}/assessments", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/{id}/actions", "/api/v1/cases/{case}/actions", ApiRule::Can(Permission::ManageCases)),
    ("PUT", "/api/v1/cases/{id}/incidents/{incident}", "/api/v1/cases/{case}/incidents/{incident}", ApiRule::Can(Permission::ManageCases)),
    ("DELETE", "/api/v1/cases/{id}/incidents/{incident}", "/api/v1/cases/{case}/incidents/{incident}", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/detained", "/api/v1/cases/detained", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/{id}/detentions", "/api/v1/cases/{case}/detentions", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/detentions/{id}", "/api/v1/cases/detentions/{detention}", ApiRule::Can(Permission::ManageCases)),
    ("PUT", "/api/v1/cases/detentions/{id}", "/api/v1/cases/detentions/{detention}", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/detentions/{id}/hearings", "/api/v1/cases/detentions/{detention}/hearings", ApiRule::Can(Permission::ManageCases)),
    ("DELETE", "/api/v1/cases/hearings/{id}", "/api/v1/cases/hearings/{hearing}", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/{id}/un-communications", "/api/v1/cases/{case}/un-communications", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/cases/{id}/un-communications", "/api/v1/cases/{case}/un-communications", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/cases/{id}/alerts", "/api/v1/cases/{case}/alerts", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/alerts", "/api/v1/alerts", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/alerts/{id}", "/api/v1/alerts/{alert}", ApiRule::Can(Permission::ManageCases)),
    ("PUT", "/api/v1/alerts/{id}", "/api/v1/alerts/{alert}", ApiRule::Can(Permission::ManageCases)),
    ("POST", "/api/v1/alerts/{id}/publish", "/api/v1/alerts/{alert}/publish", ApiRule::Can(Permission::Administer)),
    ("POST", "/api/v1/alerts/{id}/unpublish", "/api/v1/alerts/{alert}/unpublish", ApiRule::Can(Permission::ManageCases)),
    ("GET", "/api/v1/vocabularies", "/api/v1/vocabularies", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/vocabularies/{kind}", "/api/v1/vocabularies/{kind}", ApiRule::Can(Permission::Read)),
    ("POST", "/api/v1/vocabularies/{kind}/terms", "/api/v1/vocabularies/{kind}/terms", ApiRule::Can(Permission::Administer)),
    ("GET", "/api/v1/countries", "/api/v1/countries", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/statistics", "/api/v1/statistics?by=year", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/statistics.csv", "/api/v1/statistics.csv?by=country", ApiRule::Can(Permission::Read)),
    // Resolutions (issue 7): read by every role, changed by EditResolutions.
    ("GET", "/api/v1/resolutions", "/api/v1/resolutions?topic=defenders", ApiRule::Can(Permission::Read)),
    ("POST", "/api/v1/resolutions", "/api/v1/resolutions", ApiRule::Can(Permission::EditResolutions)),
    ("POST", "/api/v1/resolutions/import/rollcalls", "/api/v1/resolutions/import/rollcalls", ApiRule::Can(Permission::EditResolutions)),
    ("POST", "/api/v1/resolutions/import/list", "/api/v1/resolutions/import/list", ApiRule::Can(Permission::EditResolutions)),
    ("POST", "/api/v1/resolutions/import/sponsors", "/api/v1/resolutions/import/sponsors", ApiRule::Can(Permission::EditResolutions)),
    ("GET", "/api/v1/resolutions/{id}", "/api/v1/resolutions/{resolution}", ApiRule::Can(Permission::Read)),
    ("PUT", "/api/v1/resolutions/{id}", "/api/v1/resolutions/{resolution}", ApiRule::Can(Permission::EditResolutions)),
    ("POST", "/api/v1/resolutions/{id}/paragraphs", "/api/v1/resolutions/{resolution}/paragraphs", ApiRule::Can(Permission::EditResolutions)),
    ("DELETE", "/api/v1/resolutions/{id}/paragraphs/{paragraph}", "/api/v1/resolutions/{resolution}/paragraphs/{paragraph}", ApiRule::Can(Permission::EditResolutions)),
    ("GET", "/api/v1/resolutions/{id}/comparison", "/api/v1/resolutions/{resolution}/comparison", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/scorecards", "/api/v1/scorecards?state=CO&topic=defenders", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/scorecards.csv", "/api/v1/scorecards.csv?state=CO", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/statistics/rates", "/api/v1/statistics/rates", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/indicators/sdg-16-10-1", "/api/v1/indicators/sdg-16-10-1?from=2024-01", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/indicators/sdg-16-10-1.csv", "/api/v1/indicators/sdg-16-10-1.csv", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/releases", "/api/v1/releases", ApiRule::Can(Permission::PublishReleases)),
    ("POST", "/api/v1/releases", "/api/v1/releases", ApiRule::Can(Permission::PublishReleases)),
    ("GET", "/api/v1/releases/{id}", "/api/v1/releases/{release}", ApiRule::Can(Permission::PublishReleases)),
    ("POST", "/api/v1/releases/{id}/revisions", "/api/v1/releases/{draft_release}/revisions", ApiRule::Can(Permission::PublishReleases)),
    ("POST", "/api/v1/releases/{id}/publish", "/api/v1/releases/{draft_release}/publish", ApiRule::Can(Permission::PublishReleases)),
    ("POST", "/api/v1/incidents/{id}/evidence", "/api/v1/incidents/{incident}/evidence", ApiRule::Can(Permission::Write)),
    ("GET", "/api/v1/incidents/{id}/evidence", "/api/v1/incidents/{incident}/evidence", ApiRule::Can(Permission::Read)),
    ("GET", "/api/v1/evidence/{id}/download", "/api/v1/evidence/{evidence}/download", ApiRule::Can(Permission::ReadSensitive)),
    ("GET", "/api/v1/countries/resolve", "/api/v1/countries/resolve?q=Colombia", ApiRule::Can(Permission::Read)),
    ("ANY", "/api/v1", "/api/v1", ApiRule::NotFound),
    ("ANY", "/api/v1/", "/api/v1/", ApiRule::NotFound),
    ("ANY", "/api/v1/{*rest}", "/api/v1/no/such/route", ApiRule::NotFound),
];

/// Who calls: nobody (`None`), then every role as a member of the compartment the
/// fixtures' records are in, then every role as a non-member (`false`).
fn callers() -> Vec<(Option<Role>, bool)> {
    std::iter::once((None, false))
        .chain(Role::ALL.map(|r| (Some(r), true)))
        .chain(Role::ALL.map(|r| (Some(r), false)))
        .collect()
}

/// Routes about one of the fixtures' records: for a non-member of its compartment the
/// record does not exist (404), whatever the role.
fn about_a_record(template: &str) -> bool {
    [
        "{incident}",
        "{person}",
        "{group}",
        "{evidence}",
        "{case}",
        "{action}",
        "{detention}",
        "{hearing}",
        "{alert}",
    ]
    .iter()
    .any(|p| template.contains(p))
}

/// Text of the fixtures' records that no non-member may see on any page or in any
/// API answer (titles and names, not only sensitive fields).
const RECORD_TEXT: [&str; 4] = [
    "Indigenous guard killed near Toribío",
    "Matrix case",
    "Guardia Indígena Toribío",
    "testimony.txt",
];

fn assert_nothing_of_the_records(at: &str, body: &str) {
    for t in RECORD_TEXT {
        assert!(!body.contains(t), "{at}: a non-member sees {t:?}");
    }
}

// ---------------------------------------------------------------- the inventory

fn web_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigil-web/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text of a call's arguments: from just after `(` to its matching `)`.
fn call_args(s: &str) -> &str {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced .route( call")
}

/// The methods a method router expression serves: `get(h).post(h)` → GET, POST.
fn methods_of(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = expr.as_bytes();
    for m in [
        "get", "post", "put", "patch", "delete", "head", "options", "any",
    ] {
        let pat = format!("{m}(");
        let mut from = 0;
        while let Some(at) = expr[from..].find(&pat) {
            let at = from + at;
            let before = if at == 0 { b' ' } else { bytes[at - 1] };
            if !(before.is_ascii_alphanumeric() || before == b'_') {
                found.push(m.to_uppercase());
            }
            from = at + pat.len();
        }
    }
    found
}

/// Every (method, route) the page routers serve, read from `.route(` calls.
fn page_routes() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&web_src().join("pages"), &mut files);
    let mut routes = BTreeSet::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        for bad in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !src.contains(bad),
                "{}: `{bad}` adds routes this inventory cannot read; extend matrix.rs",
                f.display()
            );
        }
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            let args = call_args(&rest[at + 7..]);
            let (path, service) = args
                .trim_start()
                .strip_prefix('"')
                .and_then(|a| a.split_once('"'))
                .unwrap_or_else(|| panic!("{}: .route( without a literal path", f.display()));
            let methods = methods_of(service);
            assert!(!methods.is_empty(), "{}: no method for {path}", f.display());
            for m in methods {
                routes.insert((m, path.to_owned()));
            }
            rest = &rest[at + 7..];
        }
    }
    routes
}

/// Every (method, route) of the API: the `endpoints!` table and the catch-alls.
fn api_routes() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(web_src().join("api/mod.rs")).unwrap();
    let table = src
        .split_once("endpoints![")
        .expect("the endpoints! table")
        .1;
    let table = table.split_once(']').unwrap().0;
    let mut routes = BTreeSet::new();
    for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (method, rest) = line.split_once(' ').unwrap();
        let path = rest
            .trim()
            .strip_prefix('"')
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        routes.insert((method.to_owned(), path.to_owned()));
    }
    let mut rest = src.as_str();
    while let Some(at) = rest.find(".route(") {
        let args = call_args(&rest[at + 7..]);
        if let Some((path, service)) = args
            .trim_start()
            .strip_prefix('"')
            .and_then(|a| a.split_once('"'))
        {
            for m in methods_of(service) {
                routes.insert((m, path.to_owned()));
            }
        }
        rest = &rest[at + 7..];
    }
    assert!(
        routes.len() > 20,
        "the API inventory looks wrong: {routes:?}"
    );
    routes
}

#[test]
fn every_route_has_a_rule() {
    let served = page_routes();
    let ruled: BTreeSet<(String, String)> = PAGE_RULES
        .iter()
        .map(|(m, r, ..)| ((*m).to_owned(), (*r).to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "page routes without a rule in matrix.rs PAGE_RULES: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "PAGE_RULES for routes no longer served: {stale:?}"
    );

    let served = api_routes();
    let ruled: BTreeSet<(String, String)> = API_RULES
        .iter()
        .map(|(m, r, ..)| ((*m).to_owned(), (*r).to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "API routes without a rule in matrix.rs API_RULES: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "API_RULES for routes no longer served: {stale:?}"
    );
}

// ---------------------------------------------------------------- the fixtures

/// The router under test (with an evidence store), and concrete values for the
/// placeholders of the paths to request.
struct Fixtures {
    app: axum::Router,
    values: HashMap<&'static str, String>,
    person: vigil_domain::model::Id,
    /// Where non-members of the records' compartment are members.
    elsewhere: vigil_domain::model::Id,
    _evidence_dir: tempfile::TempDir,
}

impl Fixtures {
    async fn new(db: &TestDb) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = db.store.clone().with_evidence(EvidenceFiles::new(
            dir.path().join("files"),
            zeroize::Zeroizing::new([7; 32]),
            1 << 20,
        ));
        let a = vigil_store::Access::new(store.clone(), db.actor(Role::Documenter).await);
        let s = support::seed(&a).await;
        let evidence = a
            .upload_evidence(
                s.incident,
                NewEvidence {
                    filename: "testimony.txt".to_owned(),
                    declared_type: "text/plain".to_owned(),
                    captured_at: None,
                    captured_by: None,
                    capture_notes: None,
                    bytes: b"A witness statement.\n".to_vec(),
                },
            )
            .await
            .unwrap();
        let other = db.user(Role::Viewer).await;
        // A protection case about the seeded person, with one action (issue 6).
        let po = vigil_store::Access::new(store.clone(), db.actor(Role::ProtectionOfficer).await);
        let case = po
            .create_case(&vigil_domain::case::CaseInput {
                title: "Matrix case".into(),
                subject_code: s.person.code.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let action = po
            .add_action(
                case,
                &vigil_domain::case::ActionInput {
                    kind: "medical".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut values = HashMap::new();
        values.insert("{incident}", s.incident.to_string());
        values.insert("{person}", s.person.id.to_string());
        values.insert("{group}", s.group.id.to_string());
        values.insert("{user}", other.id.to_string());
        values.insert("{kind}", "source_type".to_owned());
        values.insert("{code}", "matrix_term_that_does_not_exist".to_owned());
        // Not the caller's: the handler must refuse without a 403 hint, or as 404.
        values.insert("{session}", "0000000000000000".to_owned());
        values.insert("{token}", "999999".to_owned());
        values.insert("{evidence}", evidence.id.to_string());
        values.insert("{case}", case.to_string());
        values.insert("{action}", action.to_string());
        // A detention of the case's person with a hearing, and a calendar feed token.
        let detention = po
            .add_detention(
                case,
                &vigil_domain::detention::DetentionInput {
                    place: "Matrix prison".into(),
                    since: "2026-11-01".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let hearing = po
            .add_hearing(
                detention,
                &vigil_domain::detention::HearingInput {
                    held_on: "2026-12-10".into(),
                    court: "Matrix court".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (_, feed) = po.create_own_feed_token().await.unwrap();
        values.insert("{detention}", detention.to_string());
        values.insert("{hearing}", hearing.to_string());
        values.insert("{feed}", feed);
        // Public alerts (issue 6 point 7) about a defender who consents to be named:
        // a draft, and a published one.
        let mut named = support::defender("Matrix Named Defender");
        named.consent_publish = vigil_domain::model::PublishConsent::Named;
        let named = a.create_person(&named).await.unwrap();
        let alert_case = po
            .create_case(&vigil_domain::case::CaseInput {
                title: "Matrix alert case".into(),
                subject_code: named.code.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let alert = vigil_domain::public::AlertInput {
            title: "Matrix alert".into(),
            text: "Matrix alert text".into(),
            person_code: named.code.clone(),
        };
        let draft = po.create_alert(alert_case, &alert).await.unwrap();
        let published = po.create_alert(alert_case, &alert).await.unwrap();
        vigil_store::Access::new(store.clone(), db.actor(Role::Admin).await)
            .publish_alert(published, 1)
            .await
            .unwrap();
        values.insert("{alert}", draft.to_string());
        values.insert("{public_alert}", published.to_string());
        let compartment = db.store.create_compartment("Matrix", None).await.unwrap();
        values.insert("{compartment}", compartment.to_string());
        // A resolution with one operative paragraph (issue 7), entered by an analyst.
        let ra = vigil_store::Access::new(store.clone(), db.actor(Role::Analyst).await);
        let resolution = ra
            .create_resolution(&vigil_domain::resolution::ResolutionInput {
                symbol: "A/RES/70/161".into(),
                title: "Matrix resolution".into(),
                adoption: "recorded_vote".into(),
                topics: "defenders".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let paragraph = ra
            .add_paragraph(
                resolution,
                &vigil_domain::resolution::ParagraphInput {
                    number: "1".into(),
                    text: "Matrix paragraph".into(),
                    violation_types: String::new(),
                },
            )
            .await
            .unwrap();
        values.insert("{resolution}", resolution.to_string());
        // Releases (issue 5 point 6), frozen by the analyst: one published, one draft.
        let release_input = vigil_domain::release::ReleaseInput {
            title: "Matrix release".into(),
            kind: "statistics".into(),
            methodology: "Counted by year.".into(),
            query: vigil_domain::release::ReleaseQuery {
                stats: vigil_domain::stats::StatsParams {
                    by: "year".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        };
        let release = ra.create_release(&release_input).await.unwrap();
        ra.publish_release(release, true).await.unwrap();
        let draft_release = ra.create_release(&release_input).await.unwrap();
        values.insert("{release}", release.to_string());
        values.insert("{draft_release}", draft_release.to_string());
        values.insert("{paragraph}", paragraph.to_string());
        let elsewhere = db
            .store
            .create_compartment("Elsewhere", None)
            .await
            .unwrap();
        Fixtures {
            app: vigil_web::router(store, WebConfig::default()),
            values,
            person: s.person.id,
            elsewhere,
            _evidence_dir: dir,
        }
    }

    fn path(&self, template: &str) -> String {
        let mut p = template.to_owned();
        for (k, v) in &self.values {
            p = p.replace(k, v);
        }
        assert!(
            !p.contains('{'),
            "no fixture for a placeholder in {template}"
        );
        p
    }
}

/// A signed-in browser for `role` (a new account each time), in the records'
/// compartment (where every new account starts) or moved to another one.
async fn sign_in(db: &TestDb, fx: &Fixtures, role: Role, member: bool) -> Browser {
    let user = db.user(role).await;
    if !member {
        leave_the_records_compartment(db, fx, user.id).await;
    }
    let mut b = Browser::on(fx.app.clone());
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "{role:?} login: {}",
        res.body
    );
    assert!(b.has_session());
    b
}

/// The fields of a form that would be accepted but for the caller's role, where an
/// empty one is refused before the role is checked.
fn page_form(route: &str, fx: &Fixtures) -> Vec<(&'static str, String)> {
    let user = fx.values["{user}"].clone();
    let fields: &[(&'static str, &str)] = match route {
        "/admin/compartments/{id}/members" => &[("user_id", &user), ("level", "full")],
        "/admin/compartments" => &[("name", "Matrix two")],
        "/admin/users/{id}/role" => &[("role", "analyst")],
        "/incidents/{id}/edit" | "/persons/{id}/edit" | "/groups/{id}/edit" => &[("version", "1")],
        _ => &[],
    };
    fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// A POST carrying the CSRF token or not: a form, or for [`Allowed::Upload`] a multipart
/// upload of a small text file.
async fn post(
    b: &mut Browser,
    fx: &Fixtures,
    route: &str,
    path: &str,
    csrf: Option<&str>,
    ok: Allowed,
) -> Page {
    if ok != Allowed::Upload {
        let fields = page_form(route, fx);
        let mut form: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
        form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        return b.post(path, &form).await;
    }
    let boundary = "matrixboundary7f3a";
    let mut body = String::new();
    if let Some(c) = csrf {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"matrix.txt\"\r\nContent-Type: text/plain\r\n\r\nmatrix\r\n--{boundary}--\r\n"
    ));
    let req = Request::post(path)
        .header(header::COOKIE, b.cookie_header())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    b.send(req).await
}

/// Move a user from the records' compartment to another (so they still have somewhere
/// to write: only their reading of the records' compartment is in question).
async fn leave_the_records_compartment(db: &TestDb, fx: &Fixtures, user: vigil_domain::model::Id) {
    db.store
        .set_membership(fx.elsewhere, user, Some(Level::Full), None)
        .await
        .unwrap();
    db.store
        .set_membership(DEFAULT_COMPARTMENT, user, None, None)
        .await
        .unwrap();
}

fn is_login_redirect(p: &Page) -> bool {
    p.status == StatusCode::SEE_OTHER && p.location().starts_with("/login")
}

// ---------------------------------------------------------------- pages

/// Every page route, as nobody and as every role: GETs get their page, a 403, or the
/// login form; POSTs without the CSRF token are refused (403) for everyone signed in
/// (and sent to the login form for nobody), and with it, refused (403) exactly for the
/// roles the rule excludes.
async fn every_page_route_answers_every_role_as_its_rule_says(db: TestDb) {
    let fx = Fixtures::new(&db).await;
    for (who, member) in callers() {
        let mut b = match who {
            Some(role) => sign_in(&db, &fx, role, member).await,
            None => Browser::on(fx.app.clone()),
        };
        // The control for the non-members' checks: members do see the records.
        if who.is_some() {
            let list = b.get("/incidents").await.body;
            assert_eq!(
                list.contains(RECORD_TEXT[0]),
                member,
                "{who:?} (member: {member})"
            );
        }
        for (method, route, template, rule, ok) in PAGE_RULES {
            let path = fx.path(template);
            let allowed = match (rule, who) {
                (Rule::Public | Rule::SecondStep, _) => true,
                (_, None) => false,
                (Rule::SignedIn, Some(_)) => true,
                (Rule::Can(p), Some(role)) => role.can(*p),
            };
            let at = format!("{who:?} (member: {member}) {method} {route} ({path})");
            let hidden = who.is_some() && !member && allowed && about_a_record(template);
            if *method == "GET" {
                let page = b.get(&path).await;
                if who.is_some() && !member {
                    assert_nothing_of_the_records(&at, &page.body);
                }
                if hidden {
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{at}");
                    continue;
                }
                match (rule, who) {
                    (Rule::SecondStep, _) => {
                        assert!(is_login_redirect(&page), "{at}: {:?}", page.status)
                    }
                    (Rule::Public, Some(_)) if *ok == Allowed::FormOrHome => {
                        assert_eq!(page.status, StatusCode::SEE_OTHER, "{at}");
                        assert!(!page.location().starts_with("/login"), "{at}");
                    }
                    (Rule::Public, _) if *ok == Allowed::Absent => {
                        assert_eq!(page.status, StatusCode::NOT_FOUND, "{at}")
                    }
                    (Rule::Public, _) if *ok == Allowed::Empty => {
                        assert_eq!(page.status, StatusCode::NO_CONTENT, "{at}")
                    }
                    (Rule::Public, _) if *ok == Allowed::PageOrAbsent => assert!(
                        matches!(page.status, StatusCode::OK | StatusCode::NOT_FOUND),
                        "{at}: {:?}",
                        page.status
                    ),
                    (Rule::Public, _) => assert_eq!(page.status, StatusCode::OK, "{at}"),
                    (_, None) => {
                        assert!(is_login_redirect(&page), "{at}: {:?}", page.status);
                        assert!(page.location().starts_with("/login?next="), "{at}");
                    }
                    _ if !allowed => assert_eq!(page.status, StatusCode::FORBIDDEN, "{at}"),
                    _ if *ok == Allowed::PageOrAbsent => assert!(
                        matches!(page.status, StatusCode::OK | StatusCode::NOT_FOUND),
                        "{at}: {:?}",
                        page.status
                    ),
                    _ => assert_eq!(page.status, StatusCode::OK, "{at}"),
                }
                continue;
            }

            // Without the CSRF token: refused before any handler runs.
            let bare = post(&mut b, &fx, route, &path, None, *ok).await;
            if who.is_none() && !matches!(rule, Rule::Public | Rule::SecondStep) {
                assert!(
                    is_login_redirect(&bare),
                    "{at} without a session: {:?}",
                    bare.status
                );
                continue;
            }
            assert_eq!(
                bare.status,
                StatusCode::FORBIDDEN,
                "{at} without the CSRF token"
            );

            // With it: refused (403) exactly when the rule excludes the role.
            let csrf = match who {
                Some(_) => b.get("/account").await.csrf(),
                None => b.get("/login").await.csrf(),
            };
            let res = post(&mut b, &fx, route, &path, Some(&csrf), *ok).await;
            if who.is_some() && !member {
                assert_nothing_of_the_records(&at, &res.body);
            }
            if hidden {
                // Not found — or, for a form the handler checks before it looks the
                // record up, refused as invalid: never done.
                assert!(
                    matches!(
                        res.status,
                        StatusCode::NOT_FOUND
                            | StatusCode::BAD_REQUEST
                            | StatusCode::UNPROCESSABLE_ENTITY
                    ),
                    "{at}: {:?}",
                    res.status
                );
            } else if allowed {
                assert_ne!(res.status, StatusCode::FORBIDDEN, "{at}: {}", res.body);
                assert!(res.status.as_u16() < 500, "{at}: {:?}", res.status);
            } else {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{at}");
            }
            // Logging out and locking down end the session: sign in again.
            if let Some(role) = who {
                if b.get("/account").await.status != StatusCode::OK {
                    b = sign_in(&db, &fx, role, member).await;
                }
            }
        }
    }
}

// ---------------------------------------------------------------- API

/// A body that would be valid but for the caller's role (updates name a stale version,
/// so even an allowed role changes nothing): the permission is checked, not the JSON.
fn api_body(method: &str, route: &str, fx: &Fixtures) -> (String, String) {
    use serde_json::json;
    if route == "/api/v1/incidents/{id}/evidence" && method == "POST" {
        let boundary = "matrixboundary7f3a";
        return (
            format!("multipart/form-data; boundary={boundary}"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"matrix.txt\"\r\nContent-Type: text/plain\r\n\r\nmatrix\r\n--{boundary}--\r\n"),
        );
    }
    let incident = || {
        serde_json::to_value(support::simple_incident("Matrix", "2024-01-01", fx.person)).unwrap()
    };
    let person = || serde_json::to_value(support::defender("Matrix Person")).unwrap();
    let group = || serde_json::to_value(support::organisation("Matrix Group")).unwrap();
    let json = match (method, route) {
        ("POST", "/api/v1/incidents") => incident(),
        ("PUT", "/api/v1/incidents/{id}") => json!({"version": 999, "incident": incident()}),
        ("POST", "/api/v1/persons") => person(),
        ("PUT", "/api/v1/persons/{id}") => json!({"version": 999, "person": person()}),
        ("POST", "/api/v1/groups") => group(),
        ("PUT", "/api/v1/groups/{id}") => json!({"version": 999, "group": group()}),
        ("PUT", "/api/v1/cases/{id}") => json!({"version": 999, "case": {}}),
        ("PUT", "/api/v1/cases/actions/{id}") => json!({"version": 999, "action": {}}),
        ("PUT", "/api/v1/cases/detentions/{id}") => json!({"version": 999, "detention": {}}),
        ("PUT", "/api/v1/alerts/{id}") => json!({"version": 999, "alert": {}}),
        ("POST", "/api/v1/alerts/{id}/publish") => json!({"version": 999}),
        ("POST", "/api/v1/releases/{id}/publish") => json!({"published": false}),
        ("POST", "/api/v1/vocabularies/{kind}/terms") => {
            json!({"code": "matrix_term", "label_en": "Matrix", "label_es": "Matriz"})
        }
        _ => json!({}),
    };
    ("application/json".to_owned(), json.to_string())
}

async fn api_call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    (content_type, content): &(String, String),
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = if matches!(method, "POST" | "PUT") {
        req = req.header(header::CONTENT_TYPE, content_type);
        Body::from(content.clone())
    } else {
        Body::empty()
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Every API route, without a token (401 but for the public document) and with the
/// token of every role: readers get 200, writes a refusal (403) exactly for the roles
/// without the permission — for the others, an empty body is invalid, not forbidden.
async fn every_api_route_answers_every_role_as_its_rule_says(db: TestDb) {
    let fx = Fixtures::new(&db).await;
    let app = fx.app.clone();
    for (who, member) in callers() {
        let token = match who {
            Some(role) => {
                let user = db.user(role).await;
                if !member {
                    leave_the_records_compartment(&db, &fx, user.id).await;
                }
                Some(
                    db.store
                        .create_api_token(user.id, "matrix", None)
                        .await
                        .unwrap()
                        .1,
                )
            }
            None => None,
        };
        for (method, route, template, rule) in API_RULES {
            let path = fx.path(template);
            let methods: &[&str] = if *method == "ANY" {
                &["GET", "POST", "PUT", "DELETE"]
            } else {
                std::slice::from_ref(method)
            };
            for m in methods {
                let at = format!("{who:?} (member: {member}) {m} {route} ({path})");
                let json = api_body(m, route, &fx);
                let (status, body) = api_call(&app, m, &path, token.as_deref(), &json).await;
                if who.is_some() && !member {
                    assert_nothing_of_the_records(&at, &body);
                }
                let hidden = match (rule, who) {
                    (ApiRule::Can(p), Some(role)) => {
                        !member && role.can(*p) && about_a_record(template)
                    }
                    _ => false,
                };
                if hidden {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{at}: {body}");
                    continue;
                }
                match (rule, who) {
                    (ApiRule::Public, _) => assert_eq!(status, StatusCode::OK, "{at}"),
                    (_, None) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{at}"),
                    (ApiRule::NotFound, Some(_)) => {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{at}")
                    }
                    (ApiRule::Can(p), Some(role)) if !role.can(*p) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{at}: {body}")
                    }
                    (ApiRule::Can(_), Some(_)) if *m == "GET" => {
                        assert_eq!(status, StatusCode::OK, "{at}: {body}")
                    }
                    (ApiRule::Can(_), Some(_)) => {
                        assert_ne!(status, StatusCode::FORBIDDEN, "{at}: {body}");
                        assert!(status.as_u16() < 500, "{at}: {status:?} {body}");
                    }
                }
            }
        }
    }
}
