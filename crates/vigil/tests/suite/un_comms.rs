//! UN communications (issue 6, point 6): a submission to the Special Rapporteur on
//! human rights defenders generated from a hand-built case carries each section with
//! the case's data (both databases); it is refused, with only the refusal recorded,
//! for a person who did not consent to sharing with the UN; each generation is in the
//! audit log and the case timeline; only roles that manage cases and see sensitive
//! fields generate; the no-JavaScript form, the printable page and the plain-text
//! download; the JSON API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use vigil_domain::case::CaseInput;
use vigil_domain::model::*;
use vigil_domain::un_comm::{UnFormat, UnInput};
use vigil_domain::{Permission, Role};
use vigil_store::audit::{AuditFilter, AuditRecord};
use vigil_store::compartments::{Level, DEFAULT_COMPARTMENT};
use vigil_store::{Access, StoreError};
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    a_submission_carries_every_section_with_the_cases_data,
    no_consent_no_submission_and_only_the_refusal_is_recorded,
    only_case_roles_that_see_sensitive_fields_generate,
);

const NAME: &str = "Ana Lucía Mejía Castro";
const OTHER: &str = "Pedro Other Victim";
const STEPS: &str = "A complaint was filed with the Public Prosecutor in La Ceiba on 20 June 2025 \
(file 0801-2025-114). No investigator has contacted her; protection requested from the national \
protection mechanism was refused on 2 July 2025.";

/// The case at the heart of these tests: a woman defending water and women's rights in
/// Atlántida, Honduras, member of a network; two incidents (a death threat known to
/// the month, a detention known to the day), state and non-state perpetrators, and a
/// second victim who must not appear.
struct Fixture {
    case: Id,
    person: Person,
    other: Person,
}

fn ana(consent_share: bool) -> PersonInput {
    PersonInput {
        kind: PersonKind::Defender,
        legal_name: NAME.into(),
        contacts: "+504 9999 0000".into(),
        address: "Barrio El Centro, Arizona".into(),
        sex: "female".into(),
        birth_year: Some(1988),
        characteristics: vec!["community_leader".into()],
        sectors: vec!["environment".into(), "womens_rights".into()],
        sdg_group: "human_rights_defender".into(),
        memberships: Vec::new(),
        consent_record: true,
        consent_share,
        consent_publish: PublishConsent::Named,
        external_id: String::new(),
    }
}

async fn fixture(po: &Access, consent_share: bool) -> Fixture {
    let network = po
        .create_group(&GroupInput {
            name: "Red de Defensoras del Agua".into(),
            group_type: "organisation".into(),
            country: "Honduras".into(),
            description: String::new(),
        })
        .await
        .unwrap();
    let company = po
        .create_group(&GroupInput {
            name: "Minera del Norte S.A.".into(),
            group_type: "organisation".into(),
            country: "Honduras".into(),
            description: String::new(),
        })
        .await
        .unwrap();
    let mut input = ana(consent_share);
    input.memberships = vec![network.id];
    let person = po.create_person(&input).await.unwrap();
    let other = po.create_person(&support::defender(OTHER)).await.unwrap();
    let threat = po
        .create_incident(&IncidentInput {
            title: "Death threats after a community assembly".into(),
            narrative: "Two men in a company pick-up told her she would be killed if she kept opposing the mine."
                .into(),
            start_date: "2025-06".into(),
            country: "Honduras".into(),
            region: "Atlántida".into(),
            locality: "Arizona".into(),
            violations: vec![
                ViolationInput {
                    violation_type: "death_threat".into(),
                    victim: Some(VictimRef::Person(person.id)),
                    outcome: "She left home for two weeks".into(),
                    perpetrators: vec![
                        PerpetratorInput {
                            perpetrator_type: "private_security".into(),
                            group_id: Some(company.id),
                            ..Default::default()
                        },
                        PerpetratorInput {
                            perpetrator_type: "police".into(),
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                },
                ViolationInput {
                    violation_type: "threat".into(),
                    victim: Some(VictimRef::Person(other.id)),
                    outcome: "Other victim's own outcome".into(),
                    perpetrators: vec![PerpetratorInput {
                        perpetrator_type: "armed_group".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    let detention = po
        .create_incident(&IncidentInput {
            title: "Detained at a checkpoint after meeting UN staff".into(),
            narrative: "Held for nine hours without charge at the La Ceiba police station.".into(),
            start_date: "2025-08-14".into(),
            country: "HN".into(),
            region: "Atlántida".into(),
            locality: "La Ceiba".into(),
            violations: vec![ViolationInput {
                violation_type: "arbitrary_detention".into(),
                victim: Some(VictimRef::Person(person.id)),
                reprisal_un: true,
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "police".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    let case = po
        .create_case(&CaseInput {
            title: "Protection of a water defender".into(),
            subject_code: person.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    po.link_case_incident(case, threat, true).await.unwrap();
    po.link_case_incident(case, detention, true).await.unwrap();
    Fixture {
        case,
        person,
        other,
    }
}

fn form() -> UnInput {
    UnInput {
        kind: "urgent_appeal".into(),
        authorities_steps: STEPS.into(),
        organisation: "Centro de Derechos de Mujeres".into(),
        contact: "proteccion@example.org, +504 2222 0000".into(),
    }
}

async fn un_entries(db: &TestDb) -> Vec<AuditRecord> {
    db.store
        .audit_entries(
            &AuditFilter {
                entity: "un_communication".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items
}

/// The text between a section's heading and the next one.
fn section<'a>(text: &'a str, heading: &str, next: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("{heading}\n{text}"));
    let end = text[start..].find(next).map_or(text.len(), |e| start + e);
    &text[start..end]
}

/// Lines of the text joined back into prose (the wrapping may split any phrase).
fn prose(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn a_submission_carries_every_section_with_the_cases_data(db: TestDb) {
    let po = db.access(Role::ProtectionOfficer).await;
    let f = fixture(&po, true).await;
    let (c, record) = po
        .generate_un_communication(f.case, &form(), UnFormat::Text)
        .await
        .unwrap();
    let text = c.to_text();

    // The sections, in the mandate's order.
    let headings = [
        "SUBMISSION TO THE UN SPECIAL RAPPORTEUR",
        "1. IDENTITY OF THE ALLEGED VICTIM AND THEIR HUMAN RIGHTS WORK",
        "2. WHAT HAPPENED, WHEN AND WHERE",
        "3. WHO IS BELIEVED RESPONSIBLE",
        "4. STEPS TAKEN BY THE AUTHORITIES",
        "5. CONSENT OF THE ALLEGED VICTIM",
        "6. SUBMITTED BY (TO BE KEPT CONFIDENTIAL)",
    ];
    let at: Vec<usize> = headings
        .iter()
        .map(|h| text.find(h).unwrap_or_else(|| panic!("{h}\n{text}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    let head = prose(&text[..at[1]]);
    assert!(head.starts_with(
        "SUBMISSION TO THE UN SPECIAL RAPPORTEUR ON THE SITUATION OF HUMAN RIGHTS DEFENDERS To:"
    ));
    assert!(head.contains("hrc-sr-defenders@un.org"), "{head}");
    assert!(
        head.contains("Type of communication: Urgent appeal"),
        "{head}"
    );
    assert!(head.contains("Date: 2026-11-28"), "{head}");
    assert!(
        head.contains(&format!(
            "Reference: Vigil case {}, {}",
            f.case, f.person.code
        )),
        "{head}"
    );

    // 1. The victim and their work.
    let who = prose(section(&text, headings[1], headings[2]));
    for expected in [
        format!("Full name: {NAME}"),
        "Sex: Female".into(),
        "Age group: 30 to 44 years".into(),
        "Defends (sectors): Environment; Women's rights".into(),
        "Works as: Human rights defender".into(),
        "Characteristics: Community leader".into(),
        "Organisation(s): Red de Defensoras del Agua (organisation)".into(),
    ] {
        assert!(who.contains(&expected), "{expected}\n{who}");
    }

    // 2. What happened, when and where: dates at their precision, places, the
    // narratives, each violation against her with who is believed responsible.
    let what = prose(section(&text, headings[2], headings[3]));
    for expected in [
        "2.1 Death threats after a community assembly",
        "When: June 2025 (day not known)",
        "Where: Arizona, Atlántida, Honduras",
        "Death threat, June 2025 (day not known). Outcome: She left home for two weeks.",
        "Believed responsible: Private security (Non-state actor): Minera del Norte S.A.; Police (State actor).",
        "Two men in a company pick-up told her she would be killed if she kept opposing the mine.",
        "2.2 Detained at a checkpoint after meeting UN staff",
        "When: 14 August 2025",
        "Where: La Ceiba, Atlántida, Honduras",
        "Arbitrary detention, 14 August 2025. Reported as a reprisal for cooperation with the United Nations. Believed responsible: Police (State actor).",
        "Held for nine hours without charge at the La Ceiba police station.",
    ] {
        assert!(what.contains(expected), "{expected}\n{what}");
    }
    // The other victim of the first incident did not consent to this: not named,
    // their violation left out.
    assert!(
        !text.contains(OTHER) && !text.contains(&f.other.code),
        "{text}"
    );
    assert!(!text.contains("Other victim's own outcome"));
    assert!(!text.contains("Armed group"));

    // 3. Who is believed responsible: each once.
    let resp = prose(section(&text, headings[3], headings[4]));
    assert_eq!(resp.matches("Police (State actor)").count(), 1, "{resp}");
    assert!(resp.contains("Private security (Non-state actor): Minera del Norte S.A."));

    // 4. The officer's account of the authorities' steps, 5. consent, 6. contact.
    assert!(prose(section(&text, headings[4], headings[5])).contains(&prose(STEPS)));
    let consent = prose(section(&text, headings[5], headings[6]));
    assert!(consent.contains("sent to the Special Rapporteur and, if the case is taken up, in a letter to the Government or other actor concerned: Yes"), "{consent}");
    assert!(
        consent.contains("public reports and communications database: Yes"),
        "{consent}"
    );
    let by = prose(section(&text, headings[6], "\u{0}"));
    assert!(
        by.contains("Organisation: Centro de Derechos de Mujeres"),
        "{by}"
    );
    assert!(
        by.contains("Contact: proteccion@example.org, +504 2222 0000"),
        "{by}"
    );
    assert!(by.contains(&format!("Prepared by: {} (Vigil)", po.actor().username)));

    // Plain text: wrapped at 72 characters, and stable (the same data, the same text).
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
    let (again, _) = po
        .generate_un_communication(f.case, &form(), UnFormat::Html)
        .await
        .unwrap();
    assert_eq!(again.to_text(), text);
    assert_eq!(
        record.text_sha256,
        vigil_store::un_comms::text_digest(&text)
    );

    // Publication consent `aggregate_only` answers "No" to the public-report question.
    let mut p = ana(true);
    p.consent_publish = PublishConsent::AggregateOnly;
    let version = po.person(f.person.id).await.unwrap().version;
    po.update_person(f.person.id, version, &p).await.unwrap();
    let (c, _) = po
        .generate_un_communication(f.case, &form(), UnFormat::Json)
        .await
        .unwrap();
    assert!(!c.consent.named_in_public_reports);
    assert!(prose(&c.to_text()).contains("public reports and communications database: No"));

    // Each generation recorded: the table (newest first), the audit log (who, which
    // case, which format), the case's timeline.
    let records = po.un_records(f.case).await.unwrap();
    let formats: Vec<UnFormat> = records.iter().map(|r| r.format).collect();
    assert_eq!(formats, [UnFormat::Json, UnFormat::Html, UnFormat::Text]);
    assert!(records
        .iter()
        .all(|r| r.created_by.as_deref() == Some(po.actor().username.as_str())));
    let log = un_entries(&db).await;
    assert_eq!(log.len(), 3);
    for (e, format) in log.iter().zip(["json", "html", "text"]) {
        assert_eq!(e.action, "export");
        assert_eq!(e.username, po.actor().username);
        let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(d["case_id"], f.case);
        assert_eq!(d["person_id"], f.person.id);
        assert_eq!(d["format"], format);
        // No sensitive value in the entry.
        assert!(!e.detail.contains("Ana") && !e.detail.contains("Prosecutor"));
    }
    let file = po.case_file(f.case).await.unwrap();
    let un: Vec<_> = file
        .timeline
        .iter()
        .filter(|e| e.kind == "un_communication")
        .collect();
    assert_eq!(un.len(), 3);
    assert!(un.iter().all(|e| e.label == "urgent_appeal"));
    assert!(db.store.verify_audit().await.unwrap().intact());

    // On PostgreSQL the officer's steps and the contact are sealed at rest, and the
    // record opens again (the form starts from it).
    if db.store.encrypts_fields() {
        let raw = db
            .store
            .backend()
            .query(
                "SELECT string_agg(authorities_steps || contact, '') FROM un_communications",
                &[],
            )
            .await
            .unwrap();
        let raw = raw[0].text(0);
        assert!(!raw.is_empty());
        assert!(
            !raw.contains("Prosecutor") && !raw.contains("proteccion@"),
            "stored in clear"
        );
    }
    let last = po.last_un_input(f.case).await.unwrap().unwrap();
    assert_eq!(
        (last.authorities_steps.as_str(), last.contact.as_str()),
        (STEPS, form().contact.as_str())
    );
}

async fn no_consent_no_submission_and_only_the_refusal_is_recorded(db: TestDb) {
    let po = db.access(Role::ProtectionOfficer).await;
    let f = fixture(&po, false).await;
    let refused = |r: Result<_, StoreError>, field: &str, key: &str| match r {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(
                e.for_field(field).map(|e| e.key.as_str()),
                Some(key),
                "{e:?}"
            )
        }
        Ok(_) => panic!("{key}: generated"),
        Err(other) => panic!("{key}: {other:?}"),
    };
    // Refused whatever the form says, before the form is even read.
    for input in [form(), UnInput::default()] {
        refused(
            po.generate_un_communication(f.case, &input, UnFormat::Html)
                .await,
            "consent",
            "err-un-no-consent",
        );
    }
    assert!(po.un_records(f.case).await.unwrap().is_empty());
    let log = un_entries(&db).await;
    assert_eq!(log.len(), 2, "one entry per refusal");
    assert!(log.iter().all(|e| e.action == "export_refused"));
    let d: serde_json::Value = serde_json::from_str(&log[0].detail).unwrap();
    assert_eq!(d["case_id"], f.case);
    assert_eq!(d["reason"], "no_consent_share");
    assert!(po
        .case_file(f.case)
        .await
        .unwrap()
        .timeline
        .iter()
        .all(|e| e.kind != "un_communication"));

    // With consent recorded, it goes through.
    let version = po.person(f.person.id).await.unwrap().version;
    po.update_person(f.person.id, version, &ana(true))
        .await
        .unwrap();
    // A bad form names each field, and writes nothing.
    let mut bad = form();
    bad.kind = "press_release".into();
    bad.authorities_steps = "  ".into();
    match po
        .generate_un_communication(f.case, &bad, UnFormat::Html)
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert!(e.for_field("kind").is_some() && e.for_field("authorities_steps").is_some())
        }
        other => panic!("{other:?}"),
    }
    assert!(po.un_records(f.case).await.unwrap().is_empty());
    po.generate_un_communication(f.case, &form(), UnFormat::Html)
        .await
        .unwrap();
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 1);

    // A case about a group, and a case without incidents: refused, nothing written.
    let group = po
        .create_group(&support::organisation("Colectivo"))
        .await
        .unwrap();
    let about_group = po
        .create_case(&CaseInput {
            title: "Group".into(),
            subject_code: group.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    refused(
        po.generate_un_communication(about_group, &form(), UnFormat::Text)
            .await,
        "consent",
        "err-un-group",
    );
    let mut consenting = support::defender("Sin Incidentes");
    consenting.consent_share = true;
    let lone = po.create_person(&consenting).await.unwrap();
    let bare = po
        .create_case(&CaseInput {
            title: "No incidents".into(),
            subject_code: lone.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    refused(
        po.generate_un_communication(bare, &form(), UnFormat::Text)
            .await,
        "consent",
        "err-un-no-incident",
    );
    assert!(po.un_records(about_group).await.unwrap().is_empty());
    assert!(po.un_records(bare).await.unwrap().is_empty());
    assert_eq!(
        un_entries(&db).await.len(),
        3,
        "two refusals and one export"
    );
}

async fn only_case_roles_that_see_sensitive_fields_generate(db: TestDb) {
    let po = db.access(Role::ProtectionOfficer).await;
    let f = fixture(&po, true).await;
    for role in Role::ALL {
        let a = db.access(role).await;
        let allowed = role.can(Permission::ManageCases) && role.can(Permission::ReadSensitive);
        assert_eq!(
            allowed,
            matches!(role, Role::Admin | Role::ProtectionOfficer)
        );
        let made = a
            .generate_un_communication(f.case, &form(), UnFormat::Text)
            .await;
        let listed = a.un_records(f.case).await;
        let eligible = a.un_eligibility(f.case).await;
        if allowed {
            assert!(
                made.is_ok() && listed.is_ok() && eligible.is_ok(),
                "{role:?}"
            );
        } else {
            assert!(matches!(made, Err(StoreError::Forbidden)), "{role:?}");
            assert!(matches!(listed, Err(StoreError::Forbidden)), "{role:?}");
            assert!(matches!(eligible, Err(StoreError::Forbidden)), "{role:?}");
        }
    }
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 2);

    // An officer outside the case's compartment: not found, nothing written.
    let outsider = db.user(Role::ProtectionOfficer).await;
    let elsewhere = db
        .store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    db.store
        .set_membership(elsewhere, outsider.id, Some(Level::Full), None)
        .await
        .unwrap();
    db.store
        .set_membership(DEFAULT_COMPARTMENT, outsider.id, None, None)
        .await
        .unwrap();
    let a = db.access_for(&vigil_store::Actor::from(&outsider));
    assert!(matches!(
        a.generate_un_communication(f.case, &form(), UnFormat::Text)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 2);
}

// ---------------------------------------------------------------- pages and API

async fn browser_as(db: &TestDb, role: Role) -> Browser {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    b
}

/// The case page links to the form; the form generates the printable page and the
/// plain text; a refusal says why; roles without the rights get 403.
#[tokio::test]
async fn the_form_prints_and_downloads_without_javascript() {
    let db = support::sqlite().await;
    let po = db.access(Role::ProtectionOfficer).await;
    let f = fixture(&po, true).await;
    let mut b = browser_as(&db, Role::ProtectionOfficer).await;
    let path = format!("/cases/{}/un-communication", f.case);

    let case_page = b.get(&format!("/cases/{}", f.case)).await.body;
    assert!(case_page.contains(&format!("href=\"{path}\"")));
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    for field in [
        "name=\"kind\"",
        "name=\"authorities_steps\"",
        "name=\"organisation\"",
        "name=\"contact\"",
        "value=\"html\"",
        "value=\"text\"",
    ] {
        assert!(page.body.contains(field), "{field}");
    }
    assert!(!page.body.contains("<script"));
    let csrf = page.csrf();
    let form_page = page.body.clone();

    // Without the CSRF token: refused, nothing generated.
    let forged = b
        .post(&path, &[("kind", "urgent_appeal"), ("format", "html")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(po.un_records(f.case).await.unwrap().is_empty());

    // A form with a field missing comes back with the error beside it.
    let bad = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "urgent_appeal"),
                ("organisation", "Centro"),
                ("contact", "x@example.org"),
                ("format", "html"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("authorities_steps-err"), "{}", bad.body);

    let fields = |format: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "allegation_letter".to_owned()),
            ("authorities_steps", STEPS.to_owned()),
            ("organisation", "Centro de Derechos de Mujeres".to_owned()),
            ("contact", "proteccion@example.org".to_owned()),
            ("format", format.to_owned()),
        ]
    };
    let html_form = fields("html");
    let pairs: Vec<(&str, &str)> = html_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let printable = b.post(&path, &pairs).await;
    assert_eq!(printable.status, StatusCode::OK, "{}", printable.body);
    let body = &printable.body;
    for expected in [
        NAME,
        "1. Identity of the alleged victim and their human rights work",
        "2. What happened, when and where",
        "3. Who is believed responsible",
        "4. Steps taken by the authorities",
        "5. Consent of the alleged victim",
        "6. Submitted by (to be kept confidential)",
        "Allegation letter",
        "June 2025 (day not known)",
        "Arizona, Atlántida, Honduras",
        "Police (State actor)",
        "Centro de Derechos de Mujeres",
    ] {
        assert!(body.contains(expected), "{expected}");
    }
    assert!(!body.contains("<script") && !body.contains("http://") && !body.contains("https://"));
    let css = b.get("/static/style.css").await.body;
    assert!(css.contains("@media print"));
    assert!(
        body.len() + css.len() <= 30 * 1024,
        "{} bytes",
        body.len() + css.len()
    );
    // For looking at it (screenshots, print to PDF): the page with its stylesheet inline.
    if let Ok(dir) = std::env::var("VIGIL_UN_PRINT_DIR") {
        let inline = body.replace(
            "<link rel=\"stylesheet\" href=\"/static/style.css?v=1\">",
            &format!("<style>{css}</style>"),
        );
        std::fs::write(std::path::Path::new(&dir).join("un_comm.html"), inline).unwrap();
        let inline = form_page.replace(
            "<link rel=\"stylesheet\" href=\"/static/style.css?v=1\">",
            &format!("<style>{css}</style>"),
        );
        std::fs::write(std::path::Path::new(&dir).join("un_comm_form.html"), inline).unwrap();
    }

    let text_form = fields("text");
    let pairs: Vec<(&str, &str)> = text_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = b.post(&path, &pairs).await;
    assert_eq!(text.status, StatusCode::OK);
    let h = |name: header::HeaderName| text.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(h(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(
        h(header::CONTENT_DISPOSITION),
        format!(
            "attachment; filename=\"un-communication-case-{}-2026-11-28.txt\"",
            f.case
        )
    );
    assert_eq!(h(header::CACHE_CONTROL), "no-store");
    assert!(text
        .body
        .starts_with("SUBMISSION TO THE UN SPECIAL RAPPORTEUR"));
    assert!(text.body.contains(&format!("Full name: {NAME}")));

    // Both generations recorded and listed on the form; the case timeline says so.
    let records = po.un_records(f.case).await.unwrap();
    assert_eq!(
        records.iter().map(|r| r.format).collect::<Vec<_>>(),
        [UnFormat::Text, UnFormat::Html]
    );
    let listed = b.get(&path).await.body;
    assert!(listed.contains(&records[0].text_sha256[..12]));
    assert!(b
        .get(&format!("/cases/{}", f.case))
        .await
        .body
        .contains("UN communication generated"));

    // Consent withdrawn: the form says so and offers nothing; a POST is refused (422)
    // with the reason, and nothing more is generated.
    let version = po.person(f.person.id).await.unwrap().version;
    po.update_person(f.person.id, version, &ana(false))
        .await
        .unwrap();
    let page = b.get(&path).await;
    assert!(page
        .body
        .contains("has not consented to sharing with the United Nations"));
    assert!(!page.body.contains("name=\"authorities_steps\""));
    let html_form = fields("html");
    let pairs: Vec<(&str, &str)> = html_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post(&path, &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("has not consented to sharing with the United Nations"));
    assert!(!refused.body.contains(NAME));
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 2);

    // Roles without the rights: 403 on the form and on a generation.
    for role in [Role::Documenter, Role::Analyst, Role::Viewer] {
        let mut b = browser_as(&db, role).await;
        assert_eq!(b.get(&path).await.status, StatusCode::FORBIDDEN, "{role:?}");
        let csrf = b.get("/account").await.csrf();
        let res = b.post(&path, &[("csrf", &csrf), ("format", "text")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 2);
}

async fn api(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(
            body.map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty),
        )
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn the_api_generates_json_or_text_and_refuses_without_consent() {
    let db = support::sqlite().await;
    let user = db.user(Role::ProtectionOfficer).await;
    let po = db.access_for(&vigil_store::Actor::from(&user));
    let f = fixture(&po, true).await;
    let (_, token) = db
        .store
        .create_api_token(user.id, "un", None)
        .await
        .unwrap();
    let documenter = db.user(Role::Documenter).await;
    let (_, doc_token) = db
        .store
        .create_api_token(documenter.id, "d", None)
        .await
        .unwrap();
    let app = vigil_web::router(db.store.clone(), WebConfig::default());
    let path = format!("/api/v1/cases/{}/un-communications", f.case);
    let body = serde_json::to_value(form()).unwrap();

    let (st, _, _) = api(&app, "POST", &path, &doc_token, Some(body.clone())).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, out) = api(&app, "POST", &path, &token, Some(body.clone())).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["communication"]["victim"]["name"], NAME);
    assert_eq!(v["communication"]["kind"], "urgent_appeal");
    assert_eq!(v["record"]["format"], "json");
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("4. STEPS TAKEN BY THE AUTHORITIES"));
    assert_eq!(
        v["record"]["text_sha256"],
        vigil_store::un_comms::text_digest(text)
    );

    let (st, headers, plain) = api(
        &app,
        "POST",
        &format!("{path}?format=text"),
        &token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(plain, text);
    let (st, _, out) = api(
        &app,
        "POST",
        &format!("{path}?format=pdf"),
        &token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{out}");

    let (st, _, list) = api(&app, "GET", &path, &token, None).await;
    assert_eq!(st, StatusCode::OK);
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list.iter()
            .map(|r| r["format"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["text", "json"]
    );
    let (st, _, _) = api(&app, "GET", &path, &doc_token, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Without consent: 400 naming `consent`, with the key, and nothing generated.
    let version = po.person(f.person.id).await.unwrap().version;
    po.update_person(f.person.id, version, &ana(false))
        .await
        .unwrap();
    let (st, _, out) = api(&app, "POST", &path, &token, Some(body)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{out}");
    assert!(
        out.contains("\"field\":\"consent\"") && out.contains("err-un-no-consent"),
        "{out}"
    );
    assert!(!out.contains(NAME));
    assert_eq!(po.un_records(f.case).await.unwrap().len(), 2);
}
