//! The signed-in user's own account: who they are, their interface language, their
//! password, their sessions, their second factor and their API tokens.
//!
//! Secrets made here — a new API token, recovery codes — are shown once, in the
//! response to the POST that made them: never in a URL, a redirect or a later page (the
//! store keeps only their hashes). The TOTP secret being enrolled is shown (as text and
//! as a QR code drawn here, by Vigil, as SVG) only until it is confirmed.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_store::auth::{ApiToken, MIN_PASSWORD_LEN};
use vigil_store::StoreError;

use super::admin::{
    field_error, language_label, language_options, render_with, Done, FormErrors, LANGUAGE_CHOICES,
};
use super::{respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::Opt;
use crate::i18n::I18n;
use crate::session::{cookie, Ctx, SESSION_COOKIE};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/language", post(set_language))
        .route("/account/password", post(change_password))
        .route("/account/sessions/{id}/revoke", post(revoke_session))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/2fa", get(two_factor))
        .route("/account/2fa/start", post(start_two_factor))
        .route("/account/2fa/qr.svg", get(qr_code))
        .route("/account/2fa/confirm", post(confirm_two_factor))
        .route("/account/2fa/recovery", post(new_recovery_codes))
        .route("/account/2fa/off", post(turn_off_two_factor))
}

/// `?done=…` values and their notices.
pub(super) const DONE: [(&str, &str); 5] = [
    ("language", "account-language-saved"),
    ("revoked", "token-revoked-notice"),
    ("password", "password-changed-notice"),
    ("session", "session-revoked-notice"),
    ("2fa-off", "twofa-off-notice"),
];

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A duration in the largest whole unit: "7 days", "8 hours", "90 minutes".
fn human_duration(t: &I18n, d: Duration) -> String {
    let minutes = d.num_minutes();
    if minutes > 0 && minutes % (24 * 60) == 0 {
        t.n("duration-days", minutes / (24 * 60))
    } else if minutes > 0 && minutes % 60 == 0 {
        t.n("duration-hours", minutes / 60)
    } else {
        t.n("duration-minutes", minutes)
    }
}

struct TokenRow {
    id: Id,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: bool,
}

fn token_row(t: &ApiToken) -> TokenRow {
    TokenRow {
        id: t.id,
        name: t.name.clone(),
        created: when(t.created_at),
        last_used: t.last_used.map(when),
        revoked: t.revoked,
    }
}

struct SessionRow {
    id: String,
    created: String,
    last_seen: String,
    current: bool,
}

/// A token just created: its name and the secret, for this one response.
struct NewToken {
    name: String,
    secret: Zeroizing<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    notice: Option<String>,
    username: String,
    display_name: String,
    role: String,
    language: String,
    languages: Vec<Opt>,
    /// "On since …", or `None` when off.
    two_factor: Option<String>,
    two_factor_required: bool,
    sessions: Vec<SessionRow>,
    session_limits: String,
    min_password: usize,
    tokens: Vec<TokenRow>,
    new_token: Option<NewToken>,
    token_name: String,
    errors: FormErrors,
}

impl AccountPage {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Default)]
struct State {
    notice: Option<String>,
    new_token: Option<NewToken>,
    token_name: String,
    errors: FieldErrors,
}

async fn account_page(ctx: &Ctx, status: StatusCode, s: State) -> WebResult<Response> {
    let t = &ctx.t;
    let u = &ctx.session.user;
    let tokens = ctx.access.own_api_tokens().await?;
    let sessions = ctx.access.own_sessions().await?;
    let two_factor = ctx.access.own_two_factor().await?;
    let policy = ctx.access.auth_policy();
    let p = AccountPage {
        l: Layout::of(ctx, "account"),
        notice: s.notice,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: t.code("role", u.role.code()),
        language: language_label(t, &u.language),
        languages: language_options(t, &u.language),
        two_factor: two_factor.map(|f| t.arg("twofa-on-since", &when(f.since))),
        two_factor_required: ctx.access.two_factor_required(),
        sessions: sessions
            .iter()
            .map(|s| SessionRow {
                id: s.id.clone(),
                created: when(s.created_at),
                last_seen: when(s.last_seen),
                current: s.id == ctx.session.id,
            })
            .collect(),
        session_limits: format!(
            "{} {}",
            t.arg(
                "sessions-idle-limit",
                &human_duration(t, policy.session_idle)
            ),
            t.arg("sessions-max-limit", &human_duration(t, policy.session_max))
        ),
        min_password: MIN_PASSWORD_LEN,
        tokens: tokens.iter().map(token_row).collect(),
        new_token: s.new_token,
        token_name: s.token_name,
        errors: FormErrors::new(
            &s.errors,
            t,
            &[
                "name",
                "language",
                "current_password",
                "password",
                "password_again",
            ],
        ),
    };
    render_with(status, &p)
}

async fn show(ctx: Ctx, Query(q): Query<Done>) -> Response {
    let notice = q.notice(&ctx.t, &DONE);
    let r = account_page(
        &ctx,
        StatusCode::OK,
        State {
            notice,
            ..Default::default()
        },
    )
    .await;
    respond(&ctx, r)
}

async fn refused(ctx: &Ctx, errors: FieldErrors) -> WebResult<Response> {
    account_page(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        State {
            errors,
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    language: String,
}

async fn set_language(ctx: Ctx, Form(f): Form<LanguageForm>) -> Response {
    let r = async {
        if !LANGUAGE_CHOICES.contains(&f.language.as_str()) {
            let errors = field_error("language", "err-unknown-code", Some(f.language.clone()));
            return refused(&ctx, errors).await;
        }
        ctx.access.set_own_language(&f.language).await?;
        Ok(Redirect::to("/account?done=language").into_response())
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

/// Change one's password: the current one is needed, and every other session ends.
async fn change_password(ctx: Ctx, headers: HeaderMap, Form(f): Form<PasswordForm>) -> Response {
    let r = async {
        let current = Zeroizing::new(f.current_password);
        let new = Zeroizing::new(f.password);
        let again = Zeroizing::new(f.password_again);
        if *new != *again {
            return refused(
                &ctx,
                field_error("password_again", "err-password-again", None),
            )
            .await;
        }
        let keep = cookie(&headers, SESSION_COOKIE);
        match ctx
            .access
            .change_own_password(current, new, keep.as_deref())
            .await
        {
            Ok(()) => {
                tracing::info!(user = ctx.session.user.id, "password changed");
                Ok(Redirect::to("/account?done=password").into_response())
            }
            Err(StoreError::Invalid(errors)) => refused(&ctx, errors).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn revoke_session(ctx: Ctx, Path(id): Path<String>) -> Response {
    let r = async {
        ctx.access.revoke_own_session(&id).await?;
        tracing::info!(user = ctx.session.user.id, "session revoked");
        if id == ctx.session.id {
            // Ending the session in use is signing out.
            return Ok(Redirect::to("/login").into_response());
        }
        Ok(Redirect::to("/account?done=session").into_response())
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(ctx: Ctx, Form(f): Form<TokenForm>) -> Response {
    let r = async {
        match ctx.access.create_own_api_token(&f.name).await {
            Ok((token, secret)) => {
                tracing::info!(
                    user = ctx.session.user.id,
                    token = token.id,
                    "API token created"
                );
                let new_token = Some(NewToken {
                    name: token.name,
                    secret: Zeroizing::new(secret),
                });
                account_page(
                    &ctx,
                    StatusCode::OK,
                    State {
                        new_token,
                        ..Default::default()
                    },
                )
                .await
            }
            Err(StoreError::Invalid(errors)) => {
                account_page(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    State {
                        errors,
                        token_name: f.name,
                        ..Default::default()
                    },
                )
                .await
            }
            Err(e) => Err(WebError::from(e)),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn revoke_token(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        ctx.access.revoke_own_api_token(id).await?;
        tracing::info!(user = ctx.session.user.id, token = id, "API token revoked");
        Ok(Redirect::to("/account?done=revoked").into_response())
    }
    .await;
    respond(&ctx, r)
}

// ------------------------------------------------------------------ second factor

/// What the second-factor page shows.
enum TwoFactorView {
    /// Off, and no enrolment begun.
    Off,
    /// Enrolment begun: scan or type the secret, then confirm with a code.
    Enrolling { secret: String },
    /// On.
    On { since: String, left: i64 },
    /// Recovery codes just made, shown this once.
    Codes(Vec<Zeroizing<String>>),
}

#[derive(Template)]
#[template(path = "account_2fa.html")]
struct TwoFactorPage {
    l: Layout,
    view: TwoFactorView,
    required: bool,
    /// The user must enrol before anything else (their role requires it).
    must_enrol: bool,
    errors: FormErrors,
}

impl TwoFactorPage {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// The secret in groups of four, easier to type.
fn grouped(secret: &str) -> String {
    secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn two_factor_page(
    ctx: &Ctx,
    status: StatusCode,
    codes: Option<Vec<Zeroizing<String>>>,
    errors: FieldErrors,
) -> WebResult<Response> {
    let view = match codes {
        Some(c) => TwoFactorView::Codes(c),
        None => match ctx.access.own_two_factor().await? {
            Some(f) => TwoFactorView::On {
                since: when(f.since),
                left: f.recovery_codes_left,
            },
            None => match ctx.access.own_pending_totp().await? {
                Some(setup) => TwoFactorView::Enrolling {
                    secret: grouped(&setup.secret),
                },
                None => TwoFactorView::Off,
            },
        },
    };
    let must_enrol = ctx.session.must_enrol && !matches!(view, TwoFactorView::Codes(_));
    let p = TwoFactorPage {
        l: Layout::of(ctx, "account"),
        view,
        required: ctx.access.two_factor_required(),
        must_enrol,
        errors: FormErrors::new(&errors, &ctx.t, &["code", "current_password"]),
    };
    render_with(status, &p)
}

async fn two_factor(ctx: Ctx) -> Response {
    let r = two_factor_page(&ctx, StatusCode::OK, None, FieldErrors::default()).await;
    respond(&ctx, r)
}

/// Begin (or begin again) enrolling: a new secret, not yet active.
async fn start_two_factor(ctx: Ctx) -> Response {
    let r = async {
        ctx.access.start_own_totp().await?;
        tracing::info!(user = ctx.session.user.id, "second factor enrolment begun");
        Ok(Redirect::to("/account/2fa").into_response())
    }
    .await;
    respond(&ctx, r)
}

/// The secret being enrolled as a QR code, drawn here: no third party sees it.
async fn qr_code(ctx: Ctx) -> Response {
    let r = async {
        let setup = ctx
            .access
            .own_pending_totp()
            .await?
            .ok_or(WebError::NotFound)?;
        let code =
            qrcode::QrCode::with_error_correction_level(setup.uri.as_bytes(), qrcode::EcLevel::M)
                .map_err(|e| WebError::Internal(e.to_string()))?;
        let svg = code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(232, 232)
            .quiet_zone(true)
            .build();
        Ok((
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn confirm_two_factor(ctx: Ctx, Form(f): Form<CodeForm>) -> Response {
    let r = async {
        match ctx.access.confirm_own_totp(&f.code).await {
            Ok(codes) => {
                tracing::info!(user = ctx.session.user.id, "second factor enrolled");
                two_factor_page(&ctx, StatusCode::OK, Some(codes), FieldErrors::default()).await
            }
            Err(StoreError::Invalid(errors)) => {
                two_factor_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn new_recovery_codes(ctx: Ctx, Form(f): Form<CodeForm>) -> Response {
    let r = async {
        match ctx.access.new_own_recovery_codes(&f.code).await {
            Ok(codes) => {
                tracing::info!(user = ctx.session.user.id, "new recovery codes");
                two_factor_page(&ctx, StatusCode::OK, Some(codes), FieldErrors::default()).await
            }
            Err(StoreError::Invalid(errors)) => {
                two_factor_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

#[derive(Deserialize)]
struct TurnOffForm {
    #[serde(default)]
    current_password: String,
}

async fn turn_off_two_factor(ctx: Ctx, Form(f): Form<TurnOffForm>) -> Response {
    let r = async {
        let password = Zeroizing::new(f.current_password);
        match ctx.access.turn_off_own_two_factor(password).await {
            Ok(()) => {
                tracing::info!(user = ctx.session.user.id, "second factor turned off");
                Ok(Redirect::to("/account?done=2fa-off").into_response())
            }
            Err(StoreError::Invalid(errors)) => {
                two_factor_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_largest_whole_unit() {
        let t = I18n::new("en");
        assert_eq!(human_duration(&t, Duration::days(7)), "7 days");
        assert_eq!(human_duration(&t, Duration::hours(8)), "8 hours");
        assert_eq!(human_duration(&t, Duration::minutes(90)), "90 minutes");
        assert_eq!(human_duration(&t, Duration::hours(24)), "1 day");
    }

    #[test]
    fn secrets_are_grouped_by_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
