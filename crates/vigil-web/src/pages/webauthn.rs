//! WebAuthn security keys (FIDO2 keys, passkeys) as a second factor beside TOTP.
//!
//! The relying party is `--public-url`: its host is the RP id and its origin the only
//! origin accepted (without it, keys are off and the pages say so). `webauthn-rs`
//! checks every ceremony (challenge, origin, RP id hash, signature, user presence);
//! the store keeps the server's half of a ceremony between the two requests and takes
//! it once, so a replayed response finds nothing (see `vigil_store::auth::webauthn`).
//!
//! No fetch, no JSON API: the options are written into the page (a `data-` attribute
//! of the form), `/static/webauthn.js` — Vigil's own file, the only script, loaded only
//! on the ceremony pages — calls `navigator.credentials` and submits the ordinary form
//! with the result in a hidden field, so CSRF and every other check run as for any
//! form. Without JavaScript the pages keep TOTP and recovery codes and say plainly that
//! security keys need JavaScript.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_store::auth::webauthn::{login_key, registration_key, Assertion, KeyInfo};
use vigil_store::auth::{SecondFactorOutcome, User};
use vigil_store::StoreError;
use webauthn_rs::prelude::{
    PublicKeyCredential, RegisterPublicKeyCredential, SecurityKey, SecurityKeyAuthentication,
    SecurityKeyRegistration, Url, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::admin::{render_with, FormErrors};
use super::{respond, Layout};
use crate::error::{WebError, WebResult};
use crate::session::{cookie, AnonCtx, ClientIp, Ctx, CHALLENGE_COOKIE};
use crate::AppState;

/// The script, served from Vigil's own origin (CSP `script-src 'self'`).
pub const SCRIPT: &str = include_str!("../../static/webauthn.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/webauthn.js", get(script))
        .route("/account/2fa/keys", get(keys))
        .route("/account/2fa/keys/start", post(start_registration))
        .route("/account/2fa/keys/finish", post(finish_registration))
        .route("/account/2fa/keys/{id}/remove", post(remove))
        .route("/login/2fa/key", post(finish_login))
}

/// The relying party of a public URL: `None` unless it is http(s) with a host name
/// (WebAuthn takes no IP address as RP id).
pub fn relying_party(url: &Url) -> Option<Webauthn> {
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let host = url.domain()?;
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(host, &origin)
        .ok()?
        .rp_name("Vigil")
        .build()
        .ok()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

fn user_handle(user_id: Id) -> Uuid {
    Uuid::from_u64_pair(0x7669_6769_6c00_0000, user_id as u64)
}

fn parse_keys(stored: &[vigil_store::auth::webauthn::StoredKey]) -> Vec<SecurityKey> {
    stored
        .iter()
        .filter_map(|k| serde_json::from_str(&k.credential).ok())
        .collect()
}

// ------------------------------------------------------------------ account pages

#[derive(Template)]
#[template(path = "account_keys.html")]
struct KeysPage {
    l: Layout,
    configured: bool,
    keys: Vec<KeyRow>,
    /// Recovery codes just made (the first second factor), shown this once.
    codes: Vec<Zeroizing<String>>,
    done: String,
    must_enrol: bool,
    errors: FormErrors,
    /// The key whose removal failed (its password field shows the error).
    failed_key: Id,
}

impl KeysPage {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

struct KeyRow {
    id: Id,
    name: String,
    added: String,
    used: String,
}

fn row(k: &KeyInfo) -> KeyRow {
    KeyRow {
        id: k.id,
        name: k.name.clone(),
        added: k.created_at.format("%Y-%m-%d").to_string(),
        used: k
            .last_used_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
    }
}

struct PageArgs {
    codes: Vec<Zeroizing<String>>,
    done: String,
    errors: FieldErrors,
    failed_key: Id,
}

async fn keys_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    a: PageArgs,
) -> WebResult<Response> {
    let keys = ctx.access.own_security_keys().await?;
    let p = KeysPage {
        l: Layout::of(ctx, "account"),
        configured: state.webauthn.is_some(),
        keys: keys.iter().map(row).collect(),
        must_enrol: ctx.session.must_enrol && a.codes.is_empty(),
        codes: a.codes,
        done: a.done,
        errors: FormErrors::new(
            &a.errors,
            &ctx.t,
            &["name", "current_password", "credential"],
        ),
        failed_key: a.failed_key,
    };
    render_with(status, &p)
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn keys(State(state): State<AppState>, ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    let done = match q.done.as_str() {
        "added" => "webauthn-added",
        "removed" => "webauthn-removed",
        _ => "",
    };
    let r = keys_page(
        &state,
        &ctx,
        StatusCode::OK,
        PageArgs {
            codes: Vec::new(),
            done: done.into(),
            errors: FieldErrors::default(),
            failed_key: 0,
        },
    )
    .await;
    respond(&ctx, r)
}

fn field_error(field: &str, key: &str) -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add(field, key, None);
    e
}

async fn refused(state: &AppState, ctx: &Ctx, errors: FieldErrors, key: Id) -> WebResult<Response> {
    keys_page(
        state,
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        PageArgs {
            codes: Vec::new(),
            done: String::new(),
            errors,
            failed_key: key,
        },
    )
    .await
}

/// The page that runs a ceremony: the options in the form, the script to use them.
#[derive(Template)]
#[template(path = "account_key_touch.html")]
struct TouchPage {
    l: Layout,
    name: String,
    options: String,
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    name: String,
}

async fn start_registration(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<StartForm>,
) -> Response {
    let r = async {
        let Some(rp) = &state.webauthn else {
            return Err(WebError::NotFound);
        };
        let name = f.name.trim().to_owned();
        if name.is_empty() {
            return refused(&state, &ctx, field_error("name", "err-key-name-empty"), 0).await;
        }
        if name.chars().count() > vigil_store::auth::webauthn::MAX_KEY_NAME {
            return refused(&state, &ctx, field_error("name", "err-key-name-long"), 0).await;
        }
        let user = &ctx.session.user;
        let existing = ctx.access.own_stored_keys().await?;
        let exclude = parse_keys(&existing)
            .iter()
            .map(|k| k.cred_id().clone())
            .collect::<Vec<_>>();
        let (options, reg) = rp
            .start_securitykey_registration(
                user_handle(user.id),
                &user.username,
                if user.display_name.is_empty() {
                    &user.username
                } else {
                    &user.display_name
                },
                Some(exclude),
                None,
                None,
            )
            .map_err(|e| WebError::Internal(format!("webauthn start: {e}")))?;
        let reg = serde_json::to_string(&reg).map_err(|e| WebError::Internal(e.to_string()))?;
        state
            .store
            .save_ceremony(&registration_key(user.id), user.id, &reg)
            .await?;
        let options =
            serde_json::to_string(&options).map_err(|e| WebError::Internal(e.to_string()))?;
        render_with(
            StatusCode::OK,
            &TouchPage {
                l: Layout::of(&ctx, "account"),
                name,
                options,
            },
        )
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct FinishForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    credential: String,
}

async fn finish_registration(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<FinishForm>,
) -> Response {
    let r = async {
        let Some(rp) = &state.webauthn else {
            return Err(WebError::NotFound);
        };
        let user_id = ctx.session.user.id;
        // Taken first, whatever follows: a ceremony is answered once.
        let Some(reg) = state
            .store
            .take_ceremony(&registration_key(user_id), user_id)
            .await?
        else {
            return refused(
                &state,
                &ctx,
                field_error("credential", "err-key-ceremony"),
                0,
            )
            .await;
        };
        let reg: SecurityKeyRegistration =
            serde_json::from_str(&reg).map_err(|e| WebError::Internal(e.to_string()))?;
        let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(&f.credential)
        else {
            return refused(
                &state,
                &ctx,
                field_error("credential", "err-key-refused"),
                0,
            )
            .await;
        };
        let key = match rp.finish_securitykey_registration(&credential, &reg) {
            Ok(k) => k,
            Err(e) => {
                tracing::info!(error = %e, "security key registration refused");
                return refused(
                    &state,
                    &ctx,
                    field_error("credential", "err-key-refused"),
                    0,
                )
                .await;
            }
        };
        let json = serde_json::to_string(&key).map_err(|e| WebError::Internal(e.to_string()))?;
        match ctx
            .access
            .add_own_security_key(&f.name, key.cred_id().as_ref(), &json)
            .await
        {
            Ok(codes) if codes.is_empty() => {
                tracing::info!(user = user_id, "security key added");
                Ok(Redirect::to("/account/2fa/keys?done=added").into_response())
            }
            Ok(codes) => {
                tracing::info!(user = user_id, "security key added, recovery codes made");
                keys_page(
                    &state,
                    &ctx,
                    StatusCode::OK,
                    PageArgs {
                        codes,
                        done: "webauthn-added".into(),
                        errors: FieldErrors::default(),
                        failed_key: 0,
                    },
                )
                .await
            }
            Err(StoreError::Invalid(errors)) => refused(&state, &ctx, errors, 0).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    current_password: String,
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(f): Form<RemoveForm>,
) -> Response {
    let r = async {
        let password = Zeroizing::new(f.current_password);
        match ctx.access.remove_own_security_key(id, password).await {
            Ok(()) => {
                tracing::info!(user = ctx.session.user.id, "security key removed");
                Ok(Redirect::to("/account/2fa/keys?done=removed").into_response())
            }
            Err(StoreError::Invalid(errors)) => refused(&state, &ctx, errors, id).await,
            Err(StoreError::Forbidden) => {
                refused(
                    &state,
                    &ctx,
                    field_error("current_password", "err-key-last-required"),
                    id,
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

// ------------------------------------------------------------------ login

/// For the second login step of `user`: start an authentication ceremony with their
/// keys (kept under the login's challenge) and return its options for the page.
/// `None` when keys are off or the user has none.
pub(super) async fn login_options(
    state: &AppState,
    challenge: &str,
    user: &User,
) -> Option<String> {
    let rp = state.webauthn.as_ref()?;
    let stored = state.store.stored_keys(user.id).await.ok()?;
    let keys = parse_keys(&stored);
    if keys.is_empty() {
        return None;
    }
    let (options, auth) = rp.start_securitykey_authentication(&keys).ok()?;
    let auth = serde_json::to_string(&auth).ok()?;
    state
        .store
        .save_ceremony(&login_key(challenge), user.id, &auth)
        .await
        .ok()?;
    serde_json::to_string(&options).ok()
}

#[derive(Deserialize)]
struct KeyLoginForm {
    #[serde(default)]
    credential: String,
    #[serde(default)]
    next: String,
}

/// Check an assertion against the ceremony this login started (taken once).
fn verify(
    rp: &Webauthn,
    stored: &[vigil_store::auth::webauthn::StoredKey],
    auth: &str,
    credential: &str,
) -> Option<Assertion> {
    let auth: SecurityKeyAuthentication = serde_json::from_str(auth).ok()?;
    let credential: PublicKeyCredential = serde_json::from_str(credential).ok()?;
    let result = match rp.finish_securitykey_authentication(&credential, &auth) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(error = %e, "security key assertion refused");
            return None;
        }
    };
    // The stored credential, its counter brought up to date.
    let updated = stored.iter().find_map(|k| {
        let mut key: SecurityKey = serde_json::from_str(&k.credential).ok()?;
        if key.cred_id() != result.cred_id() {
            return None;
        }
        key.update_credential(&result);
        serde_json::to_string(&key).ok()
    });
    let credential_id: &[u8] = result.cred_id().as_ref();
    Some(Assertion {
        credential_id: credential_id.to_vec(),
        counter: result.counter(),
        updated_credential: updated,
    })
}

async fn finish_login(
    State(state): State<AppState>,
    anon: AnonCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<KeyLoginForm>,
) -> Response {
    let Some(challenge) = cookie(&headers, CHALLENGE_COOKIE) else {
        return super::second_factor::restart(&state, true);
    };
    let user = match state.store.pending_login(&challenge).await {
        Ok(Some(u)) => u,
        Ok(None) => return super::second_factor::restart(&state, true),
        Err(e) => return WebError::from(e).into_response(),
    };
    let assertion = match &state.webauthn {
        None => None,
        Some(rp) => {
            let auth = state
                .store
                .take_ceremony(&login_key(&challenge), user.id)
                .await;
            let stored = state.store.stored_keys(user.id).await;
            match (auth, stored) {
                (Ok(Some(auth)), Ok(stored)) => verify(rp, &stored, &auth, &f.credential),
                (Err(e), _) | (_, Err(e)) => return WebError::from(e).into_response(),
                _ => None,
            }
        }
    };
    match state
        .store
        .finish_key_login(&challenge, assertion, ip)
        .await
    {
        Ok(SecondFactorOutcome::SignedIn(user)) => super::sign_in(&state, &user, &f.next).await,
        Ok(SecondFactorOutcome::Retry) => {
            tracing::info!("security key refused");
            super::second_factor::page(
                &state,
                &anon,
                &challenge,
                &user,
                StatusCode::UNAUTHORIZED,
                true,
                &f.next,
            )
            .await
        }
        Ok(SecondFactorOutcome::Expired) => super::second_factor::restart(&state, true),
        Err(e) => WebError::from(e).into_response(),
    }
}
