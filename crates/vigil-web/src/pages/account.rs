//! The signed-in user's own account: who they are, their interface language and their
//! API tokens. A new token's secret is shown once, in the response to the POST that
//! created it — never in a URL, a redirect or a later page (the store keeps its hash).

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_store::auth::ApiToken;
use vigil_store::StoreError;

use super::admin::{
    field_error, language_label, language_options, render_with, Done, FormErrors, LANGUAGE_CHOICES,
};
use super::{respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::Opt;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/language", post(set_language))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// `?done=…` values and their notices.
pub(super) const DONE: [(&str, &str); 2] = [
    ("language", "account-language-saved"),
    ("revoked", "token-revoked-notice"),
];

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
        created: t.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        last_used: t
            .last_used
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()),
        revoked: t.revoked,
    }
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
    let p = AccountPage {
        l: Layout::of(ctx, "account"),
        notice: s.notice,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: t.code("role", u.role.code()),
        language: language_label(t, &u.language),
        languages: language_options(t, &u.language),
        tokens: tokens.iter().map(token_row).collect(),
        new_token: s.new_token,
        token_name: s.token_name,
        errors: FormErrors::new(&s.errors, t, &["name", "language"]),
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

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    language: String,
}

async fn set_language(ctx: Ctx, Form(f): Form<LanguageForm>) -> Response {
    let r = async {
        if !LANGUAGE_CHOICES.contains(&f.language.as_str()) {
            let errors = field_error("language", "err-unknown-code", Some(f.language.clone()));
            return account_page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                State {
                    errors,
                    ..Default::default()
                },
            )
            .await;
        }
        ctx.access.set_own_language(&f.language).await?;
        Ok(Redirect::to("/account?done=language").into_response())
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
