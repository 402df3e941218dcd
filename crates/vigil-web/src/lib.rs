//! Vigil's web layer: server-rendered pages that work without JavaScript, the JSON
//! API under `/api/v1` with its OpenAPI document, and the middleware that makes every
//! response safe (security headers), every state change deliberate (CSRF) and every
//! non-public route signed in — before any handler runs.
//!
//! Handlers never see the raw store: they receive an [`vigil_store::Access`] for the
//! signed-in user, which checks permissions and redacts sensitive fields itself.
//!
//! Error policy: handlers return [`error::WebError`], which renders a page (or JSON
//! under `/api`) with a generic message; details go to the log at debug level only.

pub mod api;
pub mod chart;
pub mod csv_export;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod map;
pub mod multipart;
pub mod pages;
pub mod release_report;
pub mod resolution_files;
pub mod security;
pub mod session;
pub mod stats_report;

use axum::Router;
use std::sync::Arc;
use vigil_store::Store;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix (behind HTTPS).
    pub secure_cookies: bool,
    /// Show the demo banner.
    pub demo: bool,
    /// A reverse proxy whose `X-Forwarded-For` names the client (for login throttling).
    /// Without it, the client is the connection's peer.
    pub trusted_proxy: Option<std::net::IpAddr>,
    /// The address users reach Vigil at (`--public-url`): the WebAuthn relying party
    /// (its host is the RP id, the URL's origin the only origin accepted). Without
    /// it, security keys are off and the pages say so.
    pub public_url: Option<url::Url>,
}

/// Shared state. The store is private to this crate's session and API middleware;
/// handlers get an `Access` instead.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) config: Arc<WebConfig>,
    /// The WebAuthn relying party, from [`WebConfig::public_url`].
    pub(crate) webauthn: Option<Arc<webauthn_rs::Webauthn>>,
}

/// Parse `--public-url`: http(s) with a host name (the WebAuthn relying party id; an
/// IP address cannot be one), nothing after the host but an optional port.
pub fn parse_public_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    if pages::webauthn::relying_party(&url).is_none() {
        return Err(format!(
            "{s:?}: give http(s)://host.name[:port], with a host name (not an IP address)"
        ));
    }
    Ok(url)
}

/// The whole application: pages, API, static files, middleware.
pub fn router(store: Store, config: WebConfig) -> Router {
    let upload_max = store.evidence_max_size();
    let webauthn = config
        .public_url
        .as_ref()
        .and_then(pages::webauthn::relying_party)
        .map(Arc::new);
    let state = AppState {
        store,
        config: Arc::new(config),
        webauthn,
    };
    let api = api::routes(state.clone());
    pages::routes(state.clone())
        .merge(api)
        .layer(axum::middleware::from_fn(security::headers))
        // 2 MB for every body but evidence uploads, which get the evidence limit.
        .layer(axum::middleware::from_fn_with_state(
            upload_max,
            security::limit_body,
        ))
}
