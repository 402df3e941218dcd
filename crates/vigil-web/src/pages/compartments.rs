//! Compartments administration (`/admin/compartments`): create compartments, join
//! and leave them, put users in them at a level and take them out. Everything goes
//! through `Access`, which checks the administrator's role and writes the audit
//! entry; this page never shows a record, only names, members and counts.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use vigil_domain::model::Id;
use vigil_domain::Permission;
use vigil_store::{Level, StoreError};

use super::admin::render_with;
use super::{respond, Layout};
use crate::error::WebError;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/compartments", get(list).post(create))
        .route("/admin/compartments/{id}/join", post(join))
        .route("/admin/compartments/{id}/leave", post(leave))
        .route("/admin/compartments/{id}/members", post(add_member))
        .route(
            "/admin/compartments/{id}/members/{user}/remove",
            post(remove_member),
        )
}

struct Row {
    id: Id,
    name: String,
    /// The viewing administrator's level here, as a label.
    mine: Option<String>,
    members: Vec<MemberRow>,
}

struct MemberRow {
    user_id: Id,
    username: String,
    level: String,
    is_self: bool,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "admin_compartments.html")]
struct CompartmentsPage {
    l: Layout,
    notice: Option<String>,
    problem: Option<String>,
    name: String,
    rows: Vec<Row>,
    users: Vec<Choice>,
    levels: Vec<Choice>,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    user_id: Id,
    #[serde(default)]
    level: String,
}

fn level_label(ctx: &Ctx, level: Level) -> String {
    ctx.t.get(&format!("compartments-level-{}", level.code()))
}

async fn render(
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
    name: String,
) -> Result<Response, WebError> {
    let me = ctx.access.actor().user_id;
    let mut rows = Vec::new();
    for c in ctx.access.all_compartments().await? {
        let members = ctx
            .access
            .compartment_members(c.id)
            .await?
            .into_iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                is_self: m.user_id == me,
                level: level_label(ctx, m.level),
                username: m.username,
            })
            .collect();
        rows.push(Row {
            id: c.id,
            name: c.name,
            mine: c.level.map(|l| level_label(ctx, l)),
            members,
        });
    }
    let users = ctx
        .access
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.username,
        })
        .collect();
    let levels = [Level::Full, Level::AggregateOnly]
        .into_iter()
        .map(|l| Choice {
            value: l.code().into(),
            label: level_label(ctx, l),
        })
        .collect();
    render_with(
        status,
        &CompartmentsPage {
            l: Layout::of(ctx, "users"),
            notice,
            problem,
            name,
            rows,
            users,
            levels,
        },
    )
}

async fn list(ctx: Ctx, Query(q): Query<Done>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Administer) {
            return Err(WebError::Forbidden);
        }
        let notice = match q.done.as_str() {
            "created" | "joined" | "left" | "added" | "removed" => {
                Some(ctx.t.get(&format!("compartments-done-{}", q.done)))
            }
            _ => None,
        };
        render(&ctx, StatusCode::OK, notice, None, String::new()).await
    }
    .await;
    respond(&ctx, r)
}

async fn create(ctx: Ctx, Form(f): Form<NameForm>) -> Response {
    let r = async {
        match ctx.access.create_compartment(&f.name).await {
            Ok(_) => Ok(Redirect::to("/admin/compartments?done=created").into_response()),
            Err(StoreError::Invalid(e)) => {
                let problem =
                    e.0.iter()
                        .map(|fe| ctx.t.error(fe))
                        .collect::<Vec<_>>()
                        .join(" ");
                render(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(problem),
                    f.name.clone(),
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

async fn join(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        ctx.access.join_compartment(id).await?;
        Ok(Redirect::to("/admin/compartments?done=joined").into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn leave(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        ctx.access.leave_compartment(id).await?;
        Ok(Redirect::to("/admin/compartments?done=left").into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn add_member(ctx: Ctx, Path(id): Path<Id>, Form(f): Form<MemberForm>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Administer) {
            return Err(WebError::Forbidden);
        }
        let level: Level = f.level.parse().map_err(|_| WebError::NotFound)?;
        ctx.access.add_member(id, f.user_id, level).await?;
        Ok(Redirect::to("/admin/compartments?done=added").into_response())
    }
    .await;
    respond(&ctx, r)
}

async fn remove_member(ctx: Ctx, Path((id, user)): Path<(Id, Id)>) -> Response {
    let r = async {
        ctx.access.remove_member(id, user).await?;
        Ok(Redirect::to("/admin/compartments?done=removed").into_response())
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- in record forms

/// The compartment select of a new record's form: the compartments the writer may
/// write into, when there is a choice (none shown for one; edits keep theirs).
pub(super) async fn choices(
    ctx: &Ctx,
    action: &str,
    chosen: &str,
) -> Result<Vec<crate::forms::Opt>, WebError> {
    if !action.ends_with("/new") {
        return Ok(Vec::new());
    }
    let list = ctx.access.writable_compartments().await?;
    if list.len() < 2 {
        return Ok(Vec::new());
    }
    Ok(list
        .into_iter()
        .map(|c| crate::forms::Opt {
            selected: c.id.to_string() == chosen,
            value: c.id.to_string(),
            label: c.name,
        })
        .collect())
}

/// The writer's view for a submitted new-record form: into the chosen compartment
/// (the store refuses one the writer is not a full member of), else their first.
pub(super) fn writer(ctx: &Ctx, f: &crate::forms::Fields) -> vigil_store::Access {
    match f.get("compartment").parse::<Id>() {
        Ok(id) => ctx.access.clone().in_compartment(id),
        Err(_) => ctx.access.clone(),
    }
}
