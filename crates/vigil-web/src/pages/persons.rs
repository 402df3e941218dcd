//! Person pages: the filtered list, one person with every violation against them, the
//! form for registering or editing, and the history. Sensitive fields (legal name,
//! contacts, address) are shown only as the store returned them: `None` means the
//! reader may not see them, and the page says so. A page title never carries a legal
//! name (titles end up in browser history); the pseudonymous code stands in for it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use vigil_domain::country::Countries;
use vigil_domain::model::*;
use vigil_domain::search::{Page, PersonFilter};
use vigil_domain::validate::{FieldErrors, Rules};
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_domain::Permission;
use vigil_store::StoreError;

use super::incidents::HistoryPage;
use super::{page, respond, Layout};
use crate::error::{WebError, WebResult};
use crate::forms::{vocab_options, Fields, Opt};
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(list))
        .route("/persons/new", get(new_form).post(create))
        .route("/persons/{id}", get(show))
        .route("/persons/{id}/edit", get(edit_form).post(update))
        .route("/persons/{id}/history", get(history))
}

// ---------------------------------------------------------------- shared with groups

/// Vocabulary labels in the reader's language, for person and group templates.
pub(super) struct Names {
    pub vocab: Vocabularies,
    pub lang: &'static str,
}

impl Names {
    fn term(&self, kind: VocabKind, code: &str) -> String {
        self.vocab.label(kind, code, self.lang).to_owned()
    }
    pub fn characteristic(&self, code: &str) -> String {
        self.term(VocabKind::Characteristic, code)
    }
    pub fn sector(&self, code: &str) -> String {
        self.term(VocabKind::SectorOfDefence, code)
    }
    pub fn sdg(&self, code: &str) -> String {
        self.term(VocabKind::SdgGroup, code)
    }
    pub fn sex(&self, code: &str) -> String {
        self.term(VocabKind::Sex, code)
    }
    pub fn group_type(&self, code: &str) -> String {
        self.term(VocabKind::GroupType, code)
    }
    pub fn vt(&self, code: &str) -> String {
        self.term(VocabKind::ViolationType, code)
    }
    pub fn country(&self, a2: &str) -> String {
        Countries::get()
            .by_alpha2(a2)
            .map_or_else(|| a2.to_owned(), |c| c.name(self.lang).to_owned())
    }
    /// The page of a person or group.
    pub fn href(&self, r: &PartyRef) -> String {
        match r.victim {
            VictimRef::Person(id) => format!("/persons/{id}"),
            VictimRef::Group(id) => format!("/groups/{id}"),
        }
    }
}

/// One line of the error summary at the top of a form: it links to the field.
pub(super) struct ErrorLine {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

/// A submission's field errors, ready for a template: the messages beside each field,
/// and every message in the summary.
#[derive(Default)]
pub(super) struct FormErrors {
    by_field: HashMap<String, String>,
    pub list: Vec<ErrorLine>,
}

impl FormErrors {
    /// `label` maps a field path to the id of its input and the message naming it.
    pub fn new(
        errs: &FieldErrors,
        t: &I18n,
        label: fn(&str) -> (&'static str, &'static str),
    ) -> Self {
        let mut out = FormErrors::default();
        for e in &errs.0 {
            let message = t.error(e);
            let (anchor, name) = label(&e.field);
            out.list.push(ErrorLine {
                anchor: anchor.to_owned(),
                label: t.get(name),
                message: message.clone(),
            });
            // Beside the field, every problem with it (e.g. two unknown codes).
            out.by_field
                .entry(e.field.clone())
                .and_modify(|m| {
                    m.push(' ');
                    m.push_str(&message);
                })
                .or_insert(message);
        }
        out
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.by_field.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// 422 when the form comes back with errors, 200 otherwise.
pub(super) fn form_status(errs: &FieldErrors) -> StatusCode {
    if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[derive(serde::Deserialize, Default)]
pub(super) struct SavedQuery {
    #[serde(default)]
    pub saved: Option<String>,
}

/// Validate without saving, so that every problem shows at once.
async fn validate_only(ctx: &Ctx, input: &PersonInput) -> WebResult<FieldErrors> {
    let (vocab, today) = ctx.access.rules_context().await?;
    let rules = Rules {
        vocab: &vocab,
        today,
        may_override_verification: ctx.access.can(Permission::OverrideVerification),
    };
    Ok(input.validate(&rules).err().unwrap_or_default())
}

// ---------------------------------------------------------------- reading the form

/// Most group codes one person form accepts (bounds the look-ups per request).
pub const MAX_MEMBERSHIPS: usize = 50;

/// The group codes typed into the memberships field: separated by commas, semicolons
/// or white space, upper-cased, each once, in the order typed.
pub fn membership_codes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let c = c.trim().to_uppercase();
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Read a person form into the domain's input, plus the membership codes to resolve
/// and the errors found while reading (fields that are not even the right shape).
pub fn person_input(f: &Fields) -> (PersonInput, Vec<String>, FieldErrors) {
    let mut errs = FieldErrors::default();
    let kind = match f.get("kind").parse::<PersonKind>() {
        Ok(k) => k,
        Err(_) => {
            if f.get("kind").is_empty() {
                errs.add("kind", "err-required", None);
            } else {
                errs.add("kind", "err-unknown-code", Some(f.get("kind").to_owned()));
            }
            PersonKind::Defender
        }
    };
    let year = f.get("birth_year").trim();
    let birth_year = if year.is_empty() {
        None
    } else {
        match year.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                errs.add("birth_year", "err-number", None);
                None
            }
        }
    };
    let publish = f.get("consent_publish");
    let consent_publish = if publish.is_empty() {
        PublishConsent::No
    } else {
        publish.parse().unwrap_or_else(|_| {
            errs.add(
                "consent_publish",
                "err-unknown-code",
                Some(publish.to_owned()),
            );
            PublishConsent::No
        })
    };
    let mut codes = membership_codes(f.get("memberships"));
    if codes.len() > MAX_MEMBERSHIPS {
        errs.add(
            "memberships",
            "err-too-many",
            Some(MAX_MEMBERSHIPS.to_string()),
        );
        codes.truncate(MAX_MEMBERSHIPS);
    }
    let input = PersonInput {
        kind,
        legal_name: f.get("legal_name").to_owned(),
        contacts: f.get("contacts").to_owned(),
        address: f.get("address").to_owned(),
        sex: f.get("sex").to_owned(),
        birth_year,
        characteristics: f.all("characteristics"),
        sectors: f.all("sectors"),
        sdg_group: f.get("sdg_group").to_owned(),
        memberships: Vec::new(),
        consent_record: !f.get("consent_record").is_empty(),
        consent_share: !f.get("consent_share").is_empty(),
        consent_publish,
        external_id: f.get("external_id").to_owned(),
    };
    (input, codes, errs)
}

/// Fill a form from a stored person (for editing).
pub fn person_fields(p: &Person) -> Fields {
    let mut pairs: Vec<(String, String)> = vec![
        ("kind".into(), p.kind.code().into()),
        (
            "legal_name".into(),
            p.legal_name.clone().unwrap_or_default(),
        ),
        ("contacts".into(), p.contacts.clone().unwrap_or_default()),
        ("address".into(), p.address.clone().unwrap_or_default()),
        ("sex".into(), p.sex.clone().unwrap_or_default()),
        (
            "birth_year".into(),
            p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        ("sdg_group".into(), p.sdg_group.clone().unwrap_or_default()),
        (
            "memberships".into(),
            p.memberships
                .iter()
                .map(|m| m.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("consent_publish".into(), p.consent_publish.code().into()),
        (
            "external_id".into(),
            p.external_id.clone().unwrap_or_default(),
        ),
        ("version".into(), p.version.to_string()),
    ];
    if p.consent_record {
        pairs.push(("consent_record".into(), "on".into()));
    }
    if p.consent_share {
        pairs.push(("consent_share".into(), "on".into()));
    }
    pairs.extend(
        p.characteristics
            .iter()
            .map(|c| ("characteristics".to_owned(), c.clone())),
    );
    pairs.extend(p.sectors.iter().map(|c| ("sectors".to_owned(), c.clone())));
    Fields::parse(pairs)
}

/// Resolve typed group codes into ids; a code that names nothing, or a person, is a
/// field error.
async fn resolve_memberships(
    ctx: &Ctx,
    codes: &[String],
    input: &mut PersonInput,
    errs: &mut FieldErrors,
) -> WebResult<()> {
    for code in codes {
        match ctx.access.party_by_code(code).await? {
            Some(PartyRef {
                victim: VictimRef::Group(id),
                ..
            }) => input.memberships.push(id),
            Some(_) => errs.add("memberships", "person-err-not-group", Some(code.clone())),
            None => errs.add("memberships", "err-unknown-code", Some(code.clone())),
        }
    }
    Ok(())
}

/// Where each field's error points, and the message that names the field.
fn person_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "kind" => ("kind", "person-kind"),
        "legal_name" => ("legal_name", "person-legal-name"),
        "contacts" => ("contacts", "person-contacts"),
        "address" => ("address", "person-address"),
        "sex" => ("sex", "person-sex"),
        "birth_year" => ("birth_year", "person-birth-year"),
        "characteristics" => ("characteristics", "person-characteristics"),
        "sectors" => ("sectors", "person-sectors"),
        "sdg_group" => ("sdg_group", "person-sdg-group"),
        "memberships" => ("memberships", "person-memberships"),
        "consent_record" => ("consent_record", "person-consent-record"),
        "consent_share" => ("consent_share", "person-consent-share"),
        "consent_publish" => ("consent_publish", "person-consent-publish"),
        "external_id" => ("external_id", "external-id"),
        _ => ("save", "version"),
    }
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "persons.html")]
struct ListPage {
    l: Layout,
    f: PersonFilter,
    p: Page<Person>,
    names: Names,
    kinds: Vec<Opt>,
    characteristics: Vec<Opt>,
    sectors: Vec<Opt>,
    sdg_groups: Vec<Opt>,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
    sensitive: bool,
}

fn kind_options(t: &I18n, selected: &str, blank: Option<String>) -> Vec<Opt> {
    let mut out = Vec::new();
    if let Some(b) = blank {
        out.push(Opt {
            value: String::new(),
            label: b,
            selected: selected.is_empty(),
        });
    }
    out.extend(PersonKind::ALL.iter().map(|k| Opt {
        value: k.code().to_owned(),
        label: t.code("person-kind", k),
        selected: k.code() == selected,
    }));
    out
}

async fn list(ctx: Ctx, Query(f): Query<PersonFilter>) -> Response {
    let r = async {
        let p = ctx.access.persons(&f).await?;
        let vocab = ctx.access.vocabularies().await?;
        let lang = ctx.t.lang;
        let any = || Some(ctx.t.get("any"));
        let pages = p.pages();
        page(&ListPage {
            kinds: kind_options(&ctx.t, &f.kind, any()),
            characteristics: vocab_options(
                &vocab,
                VocabKind::Characteristic,
                lang,
                &f.characteristic,
                any(),
            ),
            sectors: vocab_options(&vocab, VocabKind::SectorOfDefence, lang, &f.sector, any()),
            sdg_groups: vocab_options(&vocab, VocabKind::SdgGroup, lang, &f.sdg_group, any()),
            prev: (p.page > 1).then(|| f.query_for_page(p.page - 1)),
            next: (p.page < pages).then(|| f.query_for_page(p.page + 1)),
            can_write: ctx.access.can(Permission::Write),
            sensitive: ctx.access.sees_sensitive(),
            names: Names { vocab, lang },
            l: Layout::of(&ctx, "persons"),
            f,
            p,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- one person

#[derive(Template)]
#[template(path = "person.html")]
struct ShowPage {
    l: Layout,
    p: Person,
    names: Names,
    violations: Vec<VictimViolation>,
    can_write: bool,
    saved: bool,
}

async fn show(ctx: Ctx, Path(id): Path<Id>, Query(q): Query<SavedQuery>) -> Response {
    let r = async {
        let p = ctx.access.person(id).await?;
        let violations = ctx.access.violations_against(VictimRef::Person(id)).await?;
        let vocab = ctx.access.vocabularies().await?;
        page(&ShowPage {
            l: Layout::of(&ctx, "persons"),
            names: Names {
                vocab,
                lang: ctx.t.lang,
            },
            violations,
            can_write: may_edit(&ctx),
            saved: q.saved.is_some(),
            p,
        })
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- form

/// The person form: values as typed, options, and errors.
pub(super) struct PersonFormView {
    f: Fields,
    pub errors: FormErrors,
    pub kinds: Vec<Opt>,
    pub sexes: Vec<Opt>,
    pub sdg_groups: Vec<Opt>,
    pub characteristics: Vec<Opt>,
    pub sectors: Vec<Opt>,
    pub publish: Vec<Opt>,
}

impl PersonFormView {
    fn new(f: Fields, errs: &FieldErrors, vocab: &Vocabularies, t: &I18n) -> Self {
        let lang = t.lang;
        let checks = |kind: VocabKind, field: &str| -> Vec<Opt> {
            let chosen = f.all(field);
            vocab
                .of(kind)
                .map(|term| Opt {
                    value: term.code.clone(),
                    label: term.label(lang).to_owned(),
                    selected: chosen.contains(&term.code),
                })
                .collect()
        };
        let publish = PublishConsent::ALL
            .iter()
            .map(|c| Opt {
                value: c.code().to_owned(),
                label: t.code("person-publish", c),
                selected: c.code() == f.get("consent_publish")
                    || (f.get("consent_publish").is_empty() && *c == PublishConsent::No),
            })
            .collect();
        PersonFormView {
            errors: FormErrors::new(errs, t, person_label),
            kinds: kind_options(t, f.get("kind"), Some(t.get("choose"))),
            sexes: vocab_options(
                vocab,
                VocabKind::Sex,
                lang,
                f.get("sex"),
                Some(t.get("person-not-recorded")),
            ),
            sdg_groups: vocab_options(
                vocab,
                VocabKind::SdgGroup,
                lang,
                f.get("sdg_group"),
                Some(t.get("none-chosen")),
            ),
            characteristics: checks(VocabKind::Characteristic, "characteristics"),
            sectors: checks(VocabKind::SectorOfDefence, "sectors"),
            publish,
            f,
        }
    }

    pub fn val(&self, field: &str) -> &str {
        self.f.get(field)
    }

    pub fn checked(&self, field: &str) -> bool {
        !self.f.get(field).is_empty()
    }

    pub fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn bad(&self, field: &str) -> bool {
        self.errors.has(field)
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    l: Layout,
    /// The compartment select (new records, writers with a choice).
    compartments: Vec<crate::forms::Opt>,
    v: PersonFormView,
    action: String,
    heading: String,
    cancel: String,
    sensitive: bool,
}

async fn render_form(
    ctx: &Ctx,
    f: Fields,
    errs: &FieldErrors,
    vocab: &Vocabularies,
    action: String,
    heading: String,
    cancel: String,
) -> WebResult<Response> {
    let compartments = super::compartments::choices(ctx, &action, f.get("compartment")).await?;
    let html = FormPage {
        l: Layout::of(ctx, "persons"),
        compartments,
        v: PersonFormView::new(f, errs, vocab, &ctx.t),
        action,
        heading,
        cancel,
        sensitive: ctx.access.sees_sensitive(),
    }
    .render()?;
    Ok((form_status(errs), Html(html)).into_response())
}

/// Read and check a submitted form: shape, membership codes, then the domain rules,
/// so that every problem is reported in one round.
async fn read_form(ctx: &Ctx, f: &Fields) -> WebResult<(PersonInput, FieldErrors)> {
    let (mut input, codes, mut errs) = person_input(f);
    resolve_memberships(ctx, &codes, &mut input, &mut errs).await?;
    if !errs.is_empty() {
        errs.0.extend(validate_only(ctx, &input).await?.0);
    }
    Ok((input, errs))
}

async fn new_form(ctx: Ctx) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let vocab = ctx.access.vocabularies().await?;
        let f = Fields::parse(vec![
            ("kind".into(), PersonKind::Defender.code().into()),
            ("consent_publish".into(), PublishConsent::No.code().into()),
        ]);
        render_form(
            &ctx,
            f,
            &FieldErrors::default(),
            &vocab,
            "/persons/new".into(),
            ctx.t.get("person-new"),
            "/persons".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn create(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let r = async {
        if !ctx.access.can(Permission::Write) {
            return Err(WebError::Forbidden);
        }
        let f = Fields::parse(pairs);
        let vocab = ctx.access.vocabularies().await?;
        let (input, mut errs) = read_form(&ctx, &f).await?;
        if errs.is_empty() {
            match super::compartments::writer(&ctx, &f)
                .create_person(&input)
                .await
            {
                Ok(p) => {
                    return Ok(Redirect::to(&format!("/persons/{}?saved=1", p.id)).into_response())
                }
                Err(StoreError::Invalid(e)) => errs = e,
                Err(e) => return Err(e.into()),
            }
        }
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            "/persons/new".into(),
            ctx.t.get("person-new"),
            "/persons".into(),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

/// May this user edit a stored person? Only if they also see the sensitive fields:
/// otherwise the form would save them empty. (Every role that may write sees them
/// today; this keeps it so if roles change.)
fn may_edit(ctx: &Ctx) -> bool {
    ctx.access.can(Permission::Write) && ctx.access.sees_sensitive()
}

async fn edit_form(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        if !may_edit(&ctx) {
            return Err(WebError::Forbidden);
        }
        let p = ctx.access.person(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        render_form(
            &ctx,
            person_fields(&p),
            &FieldErrors::default(),
            &vocab,
            format!("/persons/{id}/edit"),
            ctx.t.arg("person-edit", &p.code),
            format!("/persons/{id}"),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

async fn update(
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        if !may_edit(&ctx) {
            return Err(WebError::Forbidden);
        }
        let f = Fields::parse(pairs);
        let current = ctx.access.person(id).await?;
        let vocab = ctx.access.vocabularies().await?;
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))?;
        let (input, mut errs) = read_form(&ctx, &f).await?;
        if errs.is_empty() {
            match ctx.access.update_person(id, version, &input).await {
                Ok(_) => return Ok(Redirect::to(&format!("/persons/{id}?saved=1")).into_response()),
                Err(StoreError::Invalid(e)) => errs = e,
                Err(StoreError::Conflict(_)) => errs.add("version", "err-conflict", None),
                Err(e) => return Err(e.into()),
            }
        }
        render_form(
            &ctx,
            f,
            &errs,
            &vocab,
            format!("/persons/{id}/edit"),
            ctx.t.arg("person-edit", &current.code),
            format!("/persons/{id}"),
        )
        .await
    }
    .await;
    respond(&ctx, r)
}

// ---------------------------------------------------------------- history

async fn history(ctx: Ctx, Path(id): Path<Id>) -> Response {
    let r = async {
        let (title, versions) = ctx.access.history_labelled("person", id).await?;
        page(&HistoryPage {
            l: Layout::of(&ctx, "persons"),
            title,
            back: format!("/persons/{id}"),
            versions,
        })
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Fields {
        Fields::parse(
            p.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn membership_codes_are_split_normalised_and_deduplicated() {
        assert_eq!(
            membership_codes(" grp-2020-0001, GRP-2021-0007;GRP-2020-0001\nGRP-2022-0003 ,, "),
            vec!["GRP-2020-0001", "GRP-2021-0007", "GRP-2022-0003"]
        );
        assert!(membership_codes(" , ; ").is_empty());
    }

    #[test]
    fn a_complete_form_becomes_a_person_input() {
        let f = pairs(&[
            ("kind", "relative"),
            ("legal_name", "Ana Pérez"),
            ("sex", "female"),
            ("birth_year", " 1990 "),
            ("characteristics", "indigenous"),
            ("characteristics", "lawyer"),
            ("sectors", "environment"),
            ("sdg_group", "human_rights_defender"),
            ("memberships", "GRP-2020-0001, grp-2020-0002"),
            ("consent_record", "on"),
            ("consent_publish", "aggregate_only"),
        ]);
        let (input, codes, errs) = person_input(&f);
        assert!(errs.is_empty(), "{errs}");
        assert_eq!(input.kind, PersonKind::Relative);
        assert_eq!(input.birth_year, Some(1990));
        assert_eq!(input.characteristics, vec!["indigenous", "lawyer"]);
        assert_eq!(input.sectors, vec!["environment"]);
        assert!(input.consent_record && !input.consent_share);
        assert_eq!(input.consent_publish, PublishConsent::AggregateOnly);
        assert_eq!(codes, vec!["GRP-2020-0001", "GRP-2020-0002"]);
        assert!(
            input.memberships.is_empty(),
            "codes are resolved by the handler"
        );
    }

    #[test]
    fn malformed_fields_are_reported_not_guessed() {
        let (input, _, errs) = person_input(&pairs(&[
            ("kind", "spy"),
            ("birth_year", "nineteen"),
            ("consent_publish", "everywhere"),
        ]));
        assert_eq!(
            errs.for_field("kind").map(|e| e.key.as_str()),
            Some("err-unknown-code")
        );
        assert_eq!(
            errs.for_field("birth_year").map(|e| e.key.as_str()),
            Some("err-number")
        );
        assert!(errs.for_field("consent_publish").is_some());
        assert_eq!(
            (input.birth_year, input.consent_publish),
            (None, PublishConsent::No)
        );
        let (_, _, errs) = person_input(&pairs(&[]));
        assert_eq!(
            errs.for_field("kind").map(|e| e.key.as_str()),
            Some("err-required")
        );
    }

    #[test]
    fn too_many_memberships_are_refused() {
        let many: Vec<String> = (0..=MAX_MEMBERSHIPS)
            .map(|i| format!("GRP-2020-{i:04}"))
            .collect();
        let (_, codes, errs) = person_input(&pairs(&[
            ("kind", "defender"),
            ("memberships", &many.join(",")),
        ]));
        assert!(errs.for_field("memberships").is_some());
        assert_eq!(codes.len(), MAX_MEMBERSHIPS);
    }

    #[test]
    fn a_stored_person_fills_the_form_and_reads_back_the_same() {
        let now = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let p = Person {
            id: 7,
            code: "HRD-2019-0113".into(),
            kind: PersonKind::Defender,
            legal_name: Some("José Tumiñá".into()),
            contacts: Some("+57 300".into()),
            address: None,
            sex: Some("male".into()),
            birth_year: Some(1981),
            characteristics: vec!["community_leader".into(), "indigenous".into()],
            sectors: vec!["land_territory".into()],
            sdg_group: Some("human_rights_defender".into()),
            memberships: vec![PartyRef {
                victim: VictimRef::Group(3),
                code: "GRP-2020-0003".into(),
                name: Some("Guardia".into()),
            }],
            consent_record: true,
            consent_share: true,
            consent_publish: PublishConsent::Named,
            external_id: None,
            version: 4,
            created_at: now,
            updated_at: now,
            redacted: false,
        };
        let f = person_fields(&p);
        assert_eq!(f.get("version"), "4");
        let (input, codes, errs) = person_input(&f);
        assert!(errs.is_empty());
        assert_eq!(codes, vec!["GRP-2020-0003"]);
        assert_eq!(input.legal_name, "José Tumiñá");
        assert_eq!(input.characteristics, p.characteristics);
        assert_eq!(input.sectors, p.sectors);
        assert_eq!(
            (
                input.consent_record,
                input.consent_share,
                input.consent_publish
            ),
            (true, true, PublishConsent::Named)
        );
        assert_eq!(
            (
                input.sex.as_str(),
                input.birth_year,
                input.sdg_group.as_str()
            ),
            ("male", Some(1981), "human_rights_defender")
        );
    }

    #[test]
    fn every_field_label_and_code_label_is_translated() {
        for lang in crate::i18n::LANGUAGES {
            let t = I18n::new(lang);
            let fields = [
                "kind",
                "legal_name",
                "contacts",
                "address",
                "sex",
                "birth_year",
                "characteristics",
                "sectors",
                "sdg_group",
                "memberships",
                "consent_record",
                "consent_share",
                "consent_publish",
                "external_id",
                "version",
            ];
            for field in fields {
                let (_, key) = person_label(field);
                assert_ne!(t.get(key), key, "{lang}: {key}");
            }
            for k in PersonKind::ALL {
                let key = format!("person-kind-{k}");
                assert_ne!(t.get(&key), key, "{lang}");
            }
            for c in PublishConsent::ALL {
                let key = format!("person-publish-{c}");
                assert_ne!(t.get(&key), key, "{lang}");
            }
        }
    }
}

/// The whole router over a fresh SQLCipher store, driven in-process: sign in through
/// the login form as a browser would, then GET and POST pages.
#[cfg(test)]
pub(super) mod harness {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use axum::Router;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    use zeroize::Zeroizing;

    use vigil_domain::{Role, SystemClock};
    use vigil_store::{Access, Actor, NewUser, Store, StoreConfig};

    pub const PASSWORD: &str = "correct horse battery";

    pub struct App {
        pub router: Router,
        pub store: Store,
        _dir: tempfile::TempDir,
    }

    /// A signed-in browser: its session cookie and the CSRF token its forms carry.
    pub struct Browser {
        pub cookie: String,
        pub csrf: String,
        pub actor: Actor,
    }

    pub struct Reply {
        pub status: StatusCode,
        pub location: String,
        pub body: String,
    }

    pub async fn app() -> App {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open(
            StoreConfig::Sqlite {
                path: dir.path().join("vigil.db"),
                key: Zeroizing::new([7u8; 32]),
            },
            Arc::new(SystemClock),
        )
        .await
        .expect("open store");
        App {
            router: crate::router(store.clone(), crate::WebConfig::default()),
            store,
            _dir: dir,
        }
    }

    fn csrf_in(html: &str) -> String {
        let at = html.find("name=\"csrf\" value=\"").expect("a csrf field")
            + "name=\"csrf\" value=\"".len();
        html[at..].split('"').next().unwrap_or_default().to_owned()
    }

    fn cookie_from(res: &axum::response::Response, name: &str) -> String {
        res.headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .expect("cookie set")
            .to_owned()
    }

    async fn reply(res: axum::response::Response) -> Reply {
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    impl App {
        /// A new user with this role, signed in through the login form.
        pub async fn login(&self, role: Role, language: &str) -> Browser {
            let username = format!(
                "{}-{}",
                role.code().replace('_', "-"),
                rand::random::<u32>()
            );
            let user = self
                .store
                .create_user(
                    NewUser {
                        username: username.clone(),
                        password: Zeroizing::new(PASSWORD.to_owned()),
                        role,
                        display_name: username.clone(),
                        language: language.to_owned(),
                    },
                    None,
                )
                .await
                .expect("create user");
            let res = self
                .router
                .clone()
                .oneshot(Request::get("/login").body(Body::empty()).unwrap())
                .await
                .unwrap();
            let pre = cookie_from(&res, crate::session::PRE_COOKIE);
            let token = csrf_in(&reply(res).await.body);
            let form = serde_urlencoded::to_string([
                ("csrf", token.as_str()),
                ("username", &username),
                ("password", PASSWORD),
            ])
            .unwrap();
            let req = Request::post("/login")
                .header(header::COOKIE, &pre)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap();
            let res = self.router.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "login");
            let cookie = cookie_from(&res, crate::session::SESSION_COOKIE);
            let mut b = Browser {
                cookie,
                csrf: String::new(),
                actor: Actor::from(&user),
            };
            b.csrf = csrf_in(&self.get(&b, "/").await.body);
            b
        }

        pub fn access(&self, b: &Browser) -> Access {
            Access::new(self.store.clone(), b.actor.clone())
        }

        pub async fn get(&self, b: &Browser, path: &str) -> Reply {
            let req = Request::get(path)
                .header(header::COOKIE, &b.cookie)
                .body(Body::empty())
                .unwrap();
            reply(self.router.clone().oneshot(req).await.unwrap()).await
        }

        /// Submit a form as the browser would, with its CSRF token.
        pub async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
            let mut all = vec![("csrf", b.csrf.as_str())];
            all.extend_from_slice(fields);
            self.post_raw(b, path, &all).await
        }

        pub async fn post_raw(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
            let req = Request::post(path)
                .header(header::COOKIE, &b.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
                .unwrap();
            reply(self.router.clone().oneshot(req).await.unwrap()).await
        }
    }

    /// The id at the end of a redirect to `/persons/7?saved=1`.
    pub fn id_in(location: &str) -> i64 {
        location
            .split('/')
            .nth(2)
            .and_then(|s| s.split('?').next())
            .and_then(|s| s.parse().ok())
            .expect("an id in the location")
    }

    /// Pages must stay light for slow links.
    pub fn assert_small(r: &Reply) {
        assert!(r.body.len() < 30_000, "page is {} bytes", r.body.len());
    }
}

#[cfg(test)]
mod http_tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use axum::http::StatusCode;
    use vigil_domain::model::*;
    use vigil_domain::Role;

    use super::harness::*;

    async fn register_group(app: &App, b: &Browser, name: &str) -> (i64, String) {
        let r = app
            .post(
                b,
                "/groups/new",
                &[
                    ("name", name),
                    ("group_type", "community"),
                    ("country", "Colombia"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = id_in(&r.location);
        let g = app.access(b).group(id).await.unwrap();
        (id, g.code)
    }

    fn killing_of(person: Id) -> IncidentInput {
        IncidentInput {
            title: "Land defender shot near Toribío".into(),
            start_date: "2024-03-15".into(),
            country: "CO".into(),
            violations: vec![ViolationInput {
                violation_type: "killing".into(),
                victim: Some(VictimRef::Person(person)),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_documenter_registers_finds_and_edits_a_defender() {
        let app = app().await;
        let doc = app.login(Role::Documenter, "en").await;
        let (gid, gcode) = register_group(&app, &doc, "Guardia Indígena del Cauca").await;

        // The empty form: every field, the CSRF token, checkboxes from the vocabularies.
        let form = app.get(&doc, "/persons/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert_small(&form);
        assert!(form
            .body
            .contains(&format!("name=\"csrf\" value=\"{}\"", doc.csrf)));
        assert!(form
            .body
            .contains("name=\"characteristics\" value=\"indigenous\""));
        assert!(form.body.contains("id=\"legal_name\""));

        // Mistakes come back beside each field and in the summary; nothing is saved.
        let bad = app
            .post(
                &doc,
                "/persons/new",
                &[
                    ("kind", "defender"),
                    ("legal_name", "José Tumiñá"),
                    ("birth_year", "abc"),
                    ("memberships", "GRP-1999-9999, GRP-1999-9998"),
                    ("sex", "robot"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_small(&bad);
        for field in ["birth_year", "memberships", "consent_record", "sex"] {
            assert!(
                bad.body
                    .contains(&format!("aria-describedby=\"{field}-err\""))
                    || bad.body.contains(&format!(" {field}-err\"")),
                "{field}"
            );
            assert!(
                bad.body.contains(&format!("href=\"#{field}\"")),
                "summary links {field}"
            );
        }
        // Both unknown codes are named beside the field.
        assert!(bad.body.contains(
            "id=\"memberships-err\">Unknown value “GRP-1999-9999”. Unknown value “GRP-1999-9998”."
        ));
        assert!(
            bad.body.contains("value=\"José Tumiñá\""),
            "what was typed is kept"
        );
        assert_eq!(app.store.counts().await.unwrap().1, 0);

        // A person's code is not a group's.
        let ok = [
            ("kind", "defender"),
            ("legal_name", "José Tumiñá"),
            ("contacts", "+57 300 000 0000"),
            ("sex", "male"),
            ("birth_year", "1981"),
            ("characteristics", "indigenous"),
            ("characteristics", "community_leader"),
            ("sectors", "land_territory"),
            ("sdg_group", "human_rights_defender"),
            ("memberships", &gcode.to_lowercase()),
            ("consent_record", "on"),
            ("consent_publish", "aggregate_only"),
        ];
        let saved = app.post(&doc, "/persons/new", &ok).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert!(saved.location.ends_with("?saved=1"));
        let pid = id_in(&saved.location);
        let person = app.access(&doc).person(pid).await.unwrap();
        assert_eq!(
            person
                .memberships
                .iter()
                .map(|m| m.victim)
                .collect::<Vec<_>>(),
            vec![VictimRef::Group(gid)]
        );
        let not_group = app
            .post(
                &doc,
                "/persons/new",
                &[
                    ("kind", "relative"),
                    ("consent_record", "on"),
                    ("memberships", &person.code),
                ],
            )
            .await;
        assert_eq!(not_group.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            not_group
                .body
                .contains("is a person&#39;s code, not a group&#39;s"),
            "{}",
            not_group.body
        );

        // The record: code first, sensitive fields for this role, every violation.
        app.access(&doc)
            .create_incident(&killing_of(pid))
            .await
            .unwrap();
        let page = app.get(&doc, &saved.location).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_small(&page);
        assert!(page.body.contains("role=\"status\""));
        assert!(
            page.body
                .contains(&format!("<title>{} · Vigil</title>", person.code)),
            "no name in the title"
        );
        for text in [
            "José Tumiñá",
            "+57 300 000 0000",
            "Indigenous",
            "Land and territory",
            "Human rights defender",
            "Only inside aggregate counts",
            &gcode,
            &format!("/groups/{gid}"),
            "Land defender shot near Toribío",
            "Killing",
        ] {
            assert!(page.body.contains(text), "{text}");
        }
        let group_page = app.get(&doc, &format!("/groups/{gid}")).await;
        assert!(group_page.body.contains("No violation against this group"));

        // Found by filters in a shareable URL.
        let found = app
            .get(
                &doc,
                "/persons?characteristic=indigenous&sdg_group=human_rights_defender",
            )
            .await;
        assert!(found.body.contains(&person.code));
        assert!(found.body.contains("href=\"/persons/new\""));
        assert_small(&found);
        let none = app.get(&doc, "/persons?kind=witness").await;
        assert!(!none.body.contains(&person.code));

        // Edit: the form holds the record; a stale version is refused, not overwritten.
        let edit = app.get(&doc, &format!("/persons/{pid}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("name=\"version\" value=\"1\""));
        assert!(edit.body.contains("value=\"community_leader\" checked"));
        assert!(edit.body.contains(&format!("value=\"{gcode}\"")));
        let mut changed: Vec<(&str, &str)> = ok.to_vec();
        changed.retain(|(k, _)| *k != "consent_publish");
        changed.push(("consent_publish", "named"));
        changed.push(("consent_share", "on"));
        let mut stale = changed.clone();
        stale.push(("version", "0"));
        let conflict = app
            .post(&doc, &format!("/persons/{pid}/edit"), &stale)
            .await;
        assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(conflict.body.contains("Someone saved this record"));
        changed.push(("version", "1"));
        let updated = app
            .post(&doc, &format!("/persons/{pid}/edit"), &changed)
            .await;
        assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
        let person = app.access(&doc).person(pid).await.unwrap();
        assert_eq!(
            (person.version, person.consent_publish, person.consent_share),
            (2, PublishConsent::Named, true)
        );

        let history = app.get(&doc, &format!("/persons/{pid}/history")).await;
        assert_eq!(history.status, StatusCode::OK);
        assert!(
            history
                .body
                .contains("<span class=\"code\">consent_publish</span>"),
            "{}",
            history.body
        );
        assert_eq!(
            app.get(&doc, "/persons/9999").await.status,
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn a_viewer_sees_codes_and_never_names() {
        let app = app().await;
        let doc = app.login(Role::Documenter, "en").await;
        let saved = app
            .post(
                &doc,
                "/persons/new",
                &[
                    ("kind", "witness"),
                    ("legal_name", "María Secreta"),
                    ("address", "Calle 1"),
                    ("consent_record", "on"),
                ],
            )
            .await;
        let pid = id_in(&saved.location);
        let viewer = app.login(Role::Viewer, "en").await;

        let list = app.get(&viewer, "/persons").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.body.contains("María"));
        assert!(list.body.contains("Legal names are hidden"));
        assert!(!list.body.contains("href=\"/persons/new\""));
        let page = app.get(&viewer, &format!("/persons/{pid}")).await;
        assert!(!page.body.contains("María") && !page.body.contains("Calle 1"));
        assert!(page
            .body
            .contains("Hidden: your role cannot see this field."));
        assert!(!page.body.contains("/edit\""));
        let searched = app.get(&viewer, "/persons?q=Secreta").await;
        assert!(!searched.body.contains("María"));

        assert_eq!(
            app.get(&viewer, "/persons/new").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&viewer, &format!("/persons/{pid}/edit"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let refused = app
            .post(
                &viewer,
                "/persons/new",
                &[("kind", "witness"), ("consent_record", "on")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.store.counts().await.unwrap().1, 1);
    }

    #[tokio::test]
    async fn forms_without_the_csrf_token_change_nothing() {
        let app = app().await;
        let doc = app.login(Role::Documenter, "en").await;
        let r = app
            .post_raw(
                &doc,
                "/persons/new",
                &[("kind", "witness"), ("consent_record", "on")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post_raw(
                &doc,
                "/groups/new",
                &[("name", "X"), ("group_type", "community")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(app.store.counts().await.unwrap(), (0, 0, 0));
    }

    #[tokio::test]
    async fn pages_speak_the_users_language() {
        let app = app().await;
        let doc = app.login(Role::Documenter, "es").await;
        let form = app.get(&doc, "/persons/new").await;
        assert!(
            form.body.contains("Nombre legal")
                && form.body.contains("Indígena")
                && form.body.contains("Tierra y territorio")
        );
        let groups = app.get(&doc, "/groups/new").await;
        assert!(groups.body.contains("Comunidad"));
    }
}
