//! UN communications from a case (issue 6, point 6): the form the officer fills in
//! (type of letter, steps taken by the authorities, the submitting organisation), and
//! the submission it generates — a printable page or a plain-text download. The
//! `Access` layer decides who may generate one and refuses a person who has not
//! consented to sharing with the UN; these handlers only show the outcome.

use askama::Template;
use axum::extract::{Form, Path};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use vigil_domain::model::Id;
use vigil_domain::un_comm::{UnCommunication, UnFormat, UnInput, UnKind, UnRecord};
use vigil_domain::validate::FieldErrors;
use vigil_store::un_comms::UnEligibility;
use vigil_store::StoreError;

use super::persons::{form_status, FormErrors};
use super::{page, respond, Layout};
use crate::error::WebResult;
use crate::forms::{Fields, Opt};
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/cases/{id}/un-communication", get(form).post(generate))
}

/// Where each field's error points, and the message that names the field.
fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "kind" => ("kind", "un-kind"),
        "authorities_steps" => ("authorities_steps", "un-steps"),
        "organisation" => ("organisation", "un-organisation"),
        "contact" => ("contact", "un-contact"),
        _ => ("consent", "un-consent"),
    }
}

#[derive(Template)]
#[template(path = "un_comm_form.html")]
struct FormPage {
    l: Layout,
    case_id: Id,
    case_title: String,
    subject: String,
    eligibility: &'static str,
    f: Fields,
    errors: FormErrors,
    kinds: Vec<Opt>,
    records: Vec<UnRecord>,
}

impl FormPage {
    fn kind_label(&self, r: &UnRecord) -> String {
        self.l.t.code("un-kind", r.kind)
    }
    fn format_label(&self, r: &UnRecord) -> String {
        self.l.t.code("un-format", r.format.code())
    }
    fn short_sha<'a>(&self, r: &'a UnRecord) -> &'a str {
        r.text_sha256.get(..12).unwrap_or_default()
    }
}

async fn render_form(ctx: &Ctx, id: Id, f: Fields, errs: &FieldErrors) -> WebResult<Response> {
    let eligibility = ctx.access.un_eligibility(id).await?;
    let case = ctx.access.case(id).await?;
    let records = ctx.access.un_records(id).await?;
    let kinds = UnKind::ALL
        .iter()
        .map(|k| Opt {
            value: k.code().to_owned(),
            label: ctx.t.code("un-kind", k),
            selected: f.get("kind") == k.code(),
        })
        .collect();
    let html = FormPage {
        l: Layout::of(ctx, "cases"),
        case_id: id,
        case_title: case.title,
        subject: case.subject_label,
        eligibility: match eligibility {
            UnEligibility::Consented => "consented",
            UnEligibility::NoConsent => "no_consent",
            UnEligibility::Group => "group",
        },
        errors: FormErrors::new(errs, &ctx.t, field_label),
        f,
        kinds,
        records,
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

async fn form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        // The last generation's answers, to start from (the officer checks them).
        let mut f = Fields::default();
        match ctx.access.last_un_input(id).await? {
            Some(last) => {
                f.set("kind", last.kind);
                f.set("authorities_steps", last.authorities_steps);
                f.set("organisation", last.organisation);
                f.set("contact", last.contact);
            }
            None => f.set("kind", UnKind::UrgentAppeal.code()),
        }
        render_form(&ctx, id, f, &FieldErrors::default()).await
    }
    .await;
    respond(&ctx, r)
}

#[derive(Template)]
#[template(path = "un_comm.html")]
struct PrintPage {
    l: Layout,
    c: UnCommunication,
    record: UnRecord,
}

impl PrintPage {
    fn kind_words(&self) -> &'static str {
        self.c.kind.words()
    }
    fn when_where(&self, e: &vigil_domain::un_comm::UnEvent) -> String {
        UnCommunication::when_where(e)
    }
    fn date(&self, d: &vigil_domain::model::PartialDate) -> String {
        vigil_domain::un_comm::date_words(d)
    }
    fn responsible(&self, p: &vigil_domain::un_comm::UnPerpetrator) -> String {
        p.words()
    }
}

async fn generate(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let f = Fields::parse(pairs);
        let format = match f.get("format") {
            "text" => UnFormat::Text,
            _ => UnFormat::Html,
        };
        let input = UnInput {
            kind: f.get("kind").to_owned(),
            authorities_steps: f.get("authorities_steps").to_owned(),
            organisation: f.get("organisation").to_owned(),
            contact: f.get("contact").to_owned(),
        };
        match ctx
            .access
            .generate_un_communication(id, &input, format)
            .await
        {
            Ok((c, _)) if format == UnFormat::Text => Ok(text_download(&c)),
            Ok((c, record)) => page(&PrintPage {
                l: Layout::of(&ctx, "cases"),
                c,
                record,
            }),
            Err(StoreError::Invalid(e)) => render_form(&ctx, id, f, &e).await,
            Err(e) => Err(e.into()),
        }
    }
    .await;
    respond(&ctx, r)
}

/// The plain text as a download: no name in the file name, never cached.
pub(crate) fn text_download(c: &UnCommunication) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", c.file_name()),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        c.to_text(),
    )
        .into_response()
}
