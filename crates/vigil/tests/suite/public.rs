//! The public portal (issue 5 point 7) and public alerts (issue 6 point 7), on both
//! databases: the memorial names only defenders killed in verified incidents who
//! consented to be named (canary names for everyone else must never appear); alerts
//! reach `/public` only after an administrator's approval and only while the person
//! consents, and unpublishing keeps their history; the pages work anonymously, set no
//! cookie and may be cached publicly; every step through pages (CSRF) and the API.

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
use vigil_domain::public::{AlertInput, AlertStatus};
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::compartments::{Level, DEFAULT_COMPARTMENT};
use vigil_store::public::{AlertList, PublicReader};
use vigil_store::{Access, StoreError};
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::{Browser, Page};

backend_tests!(
    the_memorial_names_only_verified_killings_of_consenting_defenders,
    alerts_are_public_only_after_approval_and_keep_their_history,
    alerts_refuse_persons_who_have_not_consented,
    public_pages_work_anonymously_set_no_cookie_and_cache_publicly,
    the_alert_workflow_through_the_pages,
    the_api_drafts_approves_and_withdraws_alerts,
    the_home_page_headlines_the_latest_published_release,
);

/// Narrative, contacts and coordinates of every fixture: never on a public page.
const SECRET_NARRATIVE: &str = "Canarynarrative seen from the ridge";
const SECRET_LOCALITY_COORDS: [&str; 2] = ["2.9551", "-76.2701"];

fn person(name: &str, consent: PublishConsent) -> PersonInput {
    let mut p = support::defender(name);
    p.consent_publish = consent;
    p
}

fn source(origin: &str, kind: &str) -> SourceInput {
    SourceInput {
        source_type: kind.into(),
        reliability: "high".into(),
        origin: origin.into(),
        description: String::new(),
    }
}

/// One violation of `kind` against `victim`, dated `date`, in `country`.
fn incident(
    title: &str,
    date: &str,
    country: &str,
    victim: Id,
    kind: &str,
    status: IncidentStatus,
) -> IncidentInput {
    IncidentInput {
        title: title.into(),
        narrative: SECRET_NARRATIVE.into(),
        start_date: date.into(),
        country: country.into(),
        locality: "Toribío".into(),
        latitude: Some(2.9551),
        longitude: Some(-76.2701),
        status: Some(status),
        violations: vec![ViolationInput {
            violation_type: kind.into(),
            victim: Some(VictimRef::Person(victim)),
            ..Default::default()
        }],
        sources: vec![
            source("Brother of the victim", "relative"),
            source("Radio Comunitaria", "media"),
        ],
        ..Default::default()
    }
}

async fn add_person(a: &Access, name: &str, consent: PublishConsent) -> Person {
    a.create_person(&person(name, consent)).await.unwrap()
}

async fn killed(a: &Access, p: &Person, date: &str, country: &str, status: IncidentStatus) {
    a.create_incident(&incident(
        &format!("Killing of {}", p.code),
        date,
        country,
        p.id,
        "killing",
        status,
    ))
    .await
    .unwrap();
}

async fn get(app: &axum::Router, path: &str, headers: &[(&str, &str)]) -> Page {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn app(db: &TestDb) -> axum::Router {
    vigil_web::router(db.store.clone(), WebConfig::default())
}

/// A public answer: no cookie set, cacheable by anyone, varies by language only.
fn assert_public(at: &str, p: &Page) {
    assert!(
        p.headers.get(header::SET_COOKIE).is_none(),
        "{at}: sets a cookie"
    );
    let cache = p
        .headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cache.starts_with("public, max-age="),
        "{at}: Cache-Control {cache:?}"
    );
    assert_eq!(
        p.headers.get(header::VARY).and_then(|v| v.to_str().ok()),
        Some("Accept-Language"),
        "{at}"
    );
    for secret in [SECRET_NARRATIVE, "+57 300", "Vereda La Esperanza", "HRD-"]
        .into_iter()
        .chain(SECRET_LOCALITY_COORDS)
    {
        assert!(!p.body.contains(secret), "{at}: shows {secret:?}");
    }
    for attr in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "<script",
    ] {
        assert!(!p.body.contains(attr), "{at}: {attr}");
    }
}

// ---------------------------------------------------------------- memorial

async fn the_memorial_names_only_verified_killings_of_consenting_defenders(db: TestDb) {
    use IncidentStatus::*;
    use PublishConsent::*;
    let a = db.access(Role::Documenter).await;
    // Named and killed in verified incidents: on the memorial, most recent first.
    let older = add_person(&a, "Berta Canary Cáceres", Named).await;
    killed(&a, &older, "2016-03", "HN", Verified).await;
    let newer = add_person(&a, "Isidro Canary Baldenegro", Named).await;
    killed(&a, &newer, "2024-01-15", "MX", Verified).await;
    // Killed twice over (two verified incidents about one killing): listed once, at
    // the earliest date.
    killed(&a, &newer, "2024-02-01", "MX", Verified).await;
    // Everyone else is a canary: never on the memorial.
    let aggregate = add_person(&a, "Canaryaggregate Onlycount", AggregateOnly).await;
    killed(&a, &aggregate, "2023-05-05", "CO", Verified).await;
    let refused = add_person(&a, "Canaryrefused Noconsent", No).await;
    killed(&a, &refused, "2023-05-06", "CO", Verified).await;
    let unverified = add_person(&a, "Canaryunverified Pending", Named).await;
    killed(&a, &unverified, "2023-05-07", "CO", UnderVerification).await;
    let rejected = add_person(&a, "Canaryrejected Doubtful", Named).await;
    killed(&a, &rejected, "2023-05-07", "CO", Rejected).await;
    let threatened = add_person(&a, "Canarythreatened Alive", Named).await;
    a.create_incident(&incident(
        "Threat",
        "2023-06-01",
        "CO",
        threatened.id,
        "death_threat",
        Verified,
    ))
    .await
    .unwrap();
    let survived = add_person(&a, "Canarysurvived Attempt", Named).await;
    a.create_incident(&incident(
        "Attempt",
        "2023-06-02",
        "CO",
        survived.id,
        "attempted_killing",
        Verified,
    ))
    .await
    .unwrap();
    let mut relative = person("Canaryrelative Notdefender", Named);
    relative.kind = PersonKind::Relative;
    let relative = a.create_person(&relative).await.unwrap();
    killed(&a, &relative, "2023-06-03", "CO", Verified).await;
    // A named defender in another compartment: consent is the person's, so the
    // memorial draws on every compartment (docs/security.md, "The public portal").
    let elsewhere = db
        .store
        .create_compartment("Confidential", None)
        .await
        .unwrap();
    let other = db.user(Role::Documenter).await;
    db.store
        .set_membership(elsewhere, other.id, Some(Level::Full), None)
        .await
        .unwrap();
    db.store
        .set_membership(DEFAULT_COMPARTMENT, other.id, None, None)
        .await
        .unwrap();
    let b = db.access_for(&vigil_store::Actor::from(&other));
    let hidden = add_person(&b, "Marielle Canary Franco", Named).await;
    killed(&b, &hidden, "2018", "BR", Verified).await;
    // Consent withdrawn after the killing was verified: off the memorial at once.
    let withdrawn = add_person(&a, "Canarywithdrawn Consent", Named).await;
    killed(&a, &withdrawn, "2022-02-02", "PE", Verified).await;
    let mut p = person("Canarywithdrawn Consent", No);
    p.external_id = String::new();
    a.update_person(withdrawn.id, withdrawn.version, &p)
        .await
        .unwrap();

    let reader = PublicReader::new(&db.store);
    let page = reader.memorial(1).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Isidro Canary Baldenegro",
            "Marielle Canary Franco",
            "Berta Canary Cáceres"
        ],
        "{}",
        db.backend_name
    );
    let isidro = &page.items[0];
    assert_eq!(isidro.date.to_string(), "2024-01-15");
    assert_eq!(isidro.country, "MX");
    assert_eq!(isidro.sectors, ["environment", "land_territory"]);
    assert_eq!(page.items[1].date.precision, Precision::Year);
    assert_eq!(page.items[2].date.to_string(), "2016-03");
    assert!(!page.total_capped, "one page");

    // The page, anonymously, in both languages.
    let app = app(&db);
    let en = get(&app, "/public/memorial", &[]).await;
    assert_eq!(en.status, StatusCode::OK);
    assert_public("memorial", &en);
    assert!(en.body.contains("Isidro Canary Baldenegro"));
    assert!(en.body.contains("15 January 2024") && en.body.contains("Mexico"));
    assert!(en.body.contains("March 2016") && en.body.contains("Honduras"));
    assert!(en.body.contains("Environment"), "sector labels");
    assert!(
        en.body.find("Isidro").unwrap() < en.body.find("Berta").unwrap(),
        "most recent first"
    );
    for canary in [
        "Canaryaggregate",
        "Canaryrefused",
        "Canaryunverified",
        "Canaryrejected",
        "Canarythreatened",
        "Canarysurvived",
        "Canaryrelative",
        "Canarywithdrawn",
    ] {
        assert!(!en.body.contains(canary), "memorial names {canary}");
        assert!(
            !page.items.iter().any(|e| e.name.contains(canary)),
            "{canary}"
        );
    }
    let es = get(&app, "/public/memorial?lang=es", &[]).await;
    assert!(es.body.contains("15 de enero de 2024") && es.body.contains("México"));
    assert!(es.body.contains("lang=\"es\""));
    let negotiated = get(&app, "/public/memorial", &[("accept-language", "es-CO,es")]).await;
    assert!(negotiated.body.contains("marzo de 2016"));
    // Past the last page: not found (not an empty memorial).
    let past = get(&app, "/public/memorial?page=2", &[]).await;
    assert_eq!(past.status, StatusCode::NOT_FOUND);
    assert!(past.headers.get(header::SET_COOKIE).is_none());
}

// ---------------------------------------------------------------- alerts

/// A protection officer's case about a person who consents to be named.
async fn case_about(db: &TestDb, consent: PublishConsent) -> (Access, Person, Id) {
    let po = db.access(Role::ProtectionOfficer).await;
    let p = add_person(&po, "Canaryalert Defensora Maya", consent).await;
    let case = po
        .create_case(&CaseInput {
            title: "Protection of a Maya defender".into(),
            subject_code: p.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    (po, p, case)
}

fn alert(person: &Person) -> AlertInput {
    AlertInput {
        title: "Canaryheadline: defender detained in Huehuetenango".into(),
        text: "Canarytext. She was detained on 20 November; write to the authorities.".into(),
        person_code: person.code.clone(),
    }
}

async fn entries(db: &TestDb, action: &str) -> Vec<vigil_store::audit::AuditRecord> {
    db.store
        .audit_entries(
            &AuditFilter {
                entity: "alert".into(),
                action: action.into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items
}

async fn alerts_are_public_only_after_approval_and_keep_their_history(db: TestDb) {
    let (po, p, case) = case_about(&db, PublishConsent::Named).await;
    let admin = db.access(Role::Admin).await;
    let reader = PublicReader::new(&db.store);
    let app = app(&db);

    let id = po.create_alert(case, &alert(&p)).await.unwrap();
    let a = po.alert(id).await.unwrap();
    assert_eq!((a.status, a.version), (AlertStatus::Draft, 1));
    assert_eq!(a.person_name, "Canaryalert Defensora Maya");
    // A draft is nowhere public.
    assert!(reader.alerts().await.unwrap().is_empty());
    assert!(matches!(reader.alert(id).await, Err(StoreError::NotFound)));
    let page = get(&app, &format!("/public/alerts/{id}"), &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Canaryheadline"));
    assert!(!get(&app, "/public/alerts", &[])
        .await
        .body
        .contains("Canaryheadline"));
    assert!(!get(&app, "/public", &[])
        .await
        .body
        .contains("Canaryheadline"));

    // Only administrators approve; at the version they read.
    assert!(matches!(
        po.publish_alert(id, 1).await,
        Err(StoreError::Forbidden)
    ));
    for role in [Role::Documenter, Role::Analyst, Role::Viewer] {
        let x = db.access(role).await;
        assert!(matches!(
            x.publish_alert(id, 1).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(x.alert(id).await, Err(StoreError::Forbidden)));
    }
    let mut edited = alert(&p);
    edited.text.push_str(" Second version.");
    po.update_alert(id, 1, &edited).await.unwrap();
    assert!(matches!(
        admin.publish_alert(id, 1).await,
        Err(StoreError::Conflict(2))
    ));
    assert!(admin
        .alerts_to_approve()
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == id));
    admin.publish_alert(id, 2).await.unwrap();
    assert!(admin.alerts_to_approve().await.unwrap().is_empty());

    let public = reader.alerts().await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].person_name, "Canaryalert Defensora Maya");
    assert!(public[0].text.ends_with("Second version."));
    assert_eq!(public[0].published_on.to_string(), "2026-11-28");
    let page = get(&app, &format!("/public/alerts/{id}"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_public("alert", &page);
    assert!(
        page.body.contains("Canaryheadline") && page.body.contains("Canaryalert Defensora Maya")
    );
    assert!(page.body.contains("28 November 2026"));
    assert!(
        !page.body.contains("Protection of a Maya defender"),
        "no case title"
    );
    let list = get(&app, "/public/alerts", &[]).await;
    assert_public("alerts", &list);
    assert!(list.body.contains("Canaryheadline"));
    let home = get(&app, "/public", &[]).await;
    assert_public("home", &home);
    assert!(home.body.contains("Canaryheadline"));

    // What the public reads is what was approved: no edit while published.
    let refused = po.update_alert(id, 3, &alert(&p)).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(e)) if e.0[0].key == "err-alert-published"),
        "{refused:?}"
    );
    // Unpublishing needs a reason; anyone who manages cases may do it.
    let refused = po.unpublish_alert(id, "  ").await;
    assert!(matches!(&refused, Err(StoreError::Invalid(e)) if e.0[0].field == "reason"));
    assert!(matches!(
        db.access(Role::Documenter)
            .await
            .unpublish_alert(id, "x")
            .await,
        Err(StoreError::Forbidden)
    ));
    po.unpublish_alert(id, "Her family asked us to wait")
        .await
        .unwrap();
    assert!(reader.alerts().await.unwrap().is_empty());
    assert_eq!(
        get(&app, &format!("/public/alerts/{id}"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!get(&app, "/public/alerts", &[])
        .await
        .body
        .contains("Canaryheadline"));

    // The history stays, for staff: four versions, each step audited.
    let file = po.alert_file(id).await.unwrap();
    assert_eq!(file.alert.status, AlertStatus::Withdrawn);
    assert_eq!(
        file.alert.withdrawn_reason.as_deref(),
        Some("Her family asked us to wait")
    );
    assert!(file.alert.approved_by.is_some() && file.alert.withdrawn_by.is_some());
    let versions: Vec<i64> = file.history.iter().map(|v| v.version).collect();
    assert_eq!(versions, [4, 3, 2, 1]);
    assert!(file.history[0].changed.contains(&"status".to_owned()));
    assert_eq!(entries(&db, "create").await.len(), 1);
    assert_eq!(entries(&db, "update").await.len(), 1);
    assert_eq!(entries(&db, "alert_publish").await.len(), 1);
    let unpub = entries(&db, "alert_unpublish").await;
    assert_eq!(unpub.len(), 1);
    assert_eq!(unpub[0].entity_id, Some(id));
    for e in entries(&db, "").await {
        let detail = e.detail.to_string();
        assert!(
            !detail.contains("Canary") && !detail.contains("family"),
            "no alert text in the audit log: {detail}"
        );
    }
    // Edited again, it is a draft needing approval again; approved, public again.
    po.update_alert(id, 4, &alert(&p)).await.unwrap();
    assert!(reader.alerts().await.unwrap().is_empty());
    admin.publish_alert(id, 5).await.unwrap();
    assert_eq!(reader.alerts().await.unwrap().len(), 1);
    assert_eq!(po.alert_file(id).await.unwrap().history.len(), 6);

    // Staff in another compartment do not find it.
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
    let outsider = db.access_for(&vigil_store::Actor::from(&outsider));
    assert!(matches!(
        outsider.alert(id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        outsider.unpublish_alert(id, "x").await,
        Err(StoreError::NotFound)
    ));
    assert!(outsider
        .alerts(AlertList::default())
        .await
        .unwrap()
        .is_empty());

    // Sealed at rest on PostgreSQL.
    if db.store.encrypts_fields() {
        let rows = db
            .store
            .backend()
            .query(
                "SELECT title, body, COALESCE(withdrawn_reason, '') FROM alerts",
                &[],
            )
            .await
            .unwrap();
        for r in rows {
            for i in 0..3 {
                assert!(!r.text(i).contains("Canary") && !r.text(i).contains("family"));
            }
        }
    }
}

async fn alerts_refuse_persons_who_have_not_consented(db: TestDb) {
    for consent in [PublishConsent::No, PublishConsent::AggregateOnly] {
        let (po, p, case) = case_about(&db, consent).await;
        let refused = po.create_alert(case, &alert(&p)).await;
        match refused {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(e.0.len(), 1);
                assert_eq!(e.0[0].field, "person_code");
                assert_eq!(e.0[0].key, "err-alert-consent");
                assert_eq!(e.0[0].arg.as_deref(), Some(p.code.as_str()));
            }
            other => panic!("{consent:?}: {other:?}"),
        }
    }
    // Nothing written, nothing audited.
    let admin = db.access(Role::Admin).await;
    assert!(admin.alerts(AlertList::default()).await.unwrap().is_empty());
    assert!(entries(&db, "create").await.is_empty());

    // A person not concerned by the case is refused too, naming the field.
    let (po, p, case) = case_about(&db, PublishConsent::Named).await;
    let stranger = add_person(&po, "Canarystranger Elsewhere", PublishConsent::Named).await;
    let mut other = alert(&p);
    other.person_code = stranger.code.clone();
    let refused = po.create_alert(case, &other).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(e)) if e.0[0].key == "err-alert-person-case"),
        "{refused:?}"
    );
    let mut unknown = alert(&p);
    unknown.person_code = "HRD-1999-9999".into();
    assert!(matches!(
        po.create_alert(case, &unknown).await,
        Err(StoreError::Invalid(e)) if e.0[0].key == "err-alert-person"
    ));
    // A victim in a linked incident may be the person concerned.
    let inc = po
        .create_incident(&incident(
            "Raid",
            "2026-10-01",
            "GT",
            stranger.id,
            "raid",
            IncidentStatus::Reported,
        ))
        .await
        .unwrap();
    po.link_case_incident(case, inc, true).await.unwrap();
    po.create_alert(case, &other).await.unwrap();

    // Consent withdrawn after drafting: approval is refused with the reason.
    let id = po.create_alert(case, &alert(&p)).await.unwrap();
    let mut no = person("Canaryalert Defensora Maya", PublishConsent::No);
    no.external_id = String::new();
    let current = po.person(p.id).await.unwrap();
    po.update_person(p.id, current.version, &no).await.unwrap();
    let refused = admin.publish_alert(id, 1).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(e)) if e.0[0].key == "err-alert-consent"),
        "{refused:?}"
    );
    assert_eq!(po.alert(id).await.unwrap().status, AlertStatus::Draft);
    // Consent given again, published; withdrawn again later: gone from the public
    // site at once, though the alert itself is still "published" for staff.
    let mut yes = person("Canaryalert Defensora Maya", PublishConsent::Named);
    yes.external_id = String::new();
    let current = po.person(p.id).await.unwrap();
    po.update_person(p.id, current.version, &yes).await.unwrap();
    admin.publish_alert(id, 1).await.unwrap();
    let reader = PublicReader::new(&db.store);
    assert!(reader.alert(id).await.is_ok());
    let current = po.person(p.id).await.unwrap();
    po.update_person(p.id, current.version, &no).await.unwrap();
    assert!(matches!(reader.alert(id).await, Err(StoreError::NotFound)));
    assert!(reader.alerts().await.unwrap().iter().all(|a| a.id != id));
    assert!(!po.alert(id).await.unwrap().person_consents);
}

// ---------------------------------------------------------------- pages

async fn public_pages_work_anonymously_set_no_cookie_and_cache_publicly(db: TestDb) {
    let (po, p, case) = case_about(&db, PublishConsent::Named).await;
    let id = po.create_alert(case, &alert(&p)).await.unwrap();
    db.access(Role::Admin)
        .await
        .publish_alert(id, 1)
        .await
        .unwrap();
    let app = app(&db);
    let css = get(&app, "/static/style.css", &[]).await.body.len();
    let pages = [
        "/public".to_owned(),
        "/public/memorial".to_owned(),
        "/public/alerts".to_owned(),
        format!("/public/alerts/{id}"),
        "/public?lang=es".to_owned(),
    ];
    // A signed-in user's session changes nothing on a public page: same page, no
    // cookie, no name of theirs.
    let (user, token) = db.session(Role::Admin).await;
    for path in &pages {
        let anon = get(&app, path, &[]).await;
        assert_eq!(anon.status, StatusCode::OK, "{path}");
        assert_public(path, &anon);
        assert!(anon.body.len() + css <= 30 * 1024, "{path}: too heavy");
        assert!(
            anon.body.contains("/public/releases"),
            "{path}: links the releases"
        );
        let signed = get(&app, path, &[("cookie", &format!("vigil_session={token}"))]).await;
        assert_public(path, &signed);
        assert_eq!(signed.body, anon.body, "{path}");
        assert!(!signed.body.contains(&user.username));
        // HEAD too (caches revalidate with it).
        let head = app
            .clone()
            .oneshot(Request::head(path.as_str()).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::OK);
    }
    let es = get(&app, "/public?lang=es", &[]).await;
    assert!(es.body.contains("<html lang=\"es\">") && es.body.contains("Memorial"));
    assert!(
        es.body.contains("href=\"/public/alerts?lang=es\""),
        "choice carried"
    );
    assert!(es.body.contains("href=\"/public?lang=en\""), "switch back");
    let en = get(&app, "/public", &[]).await;
    assert!(en.body.contains("href=\"/public?lang=es\"") && en.body.contains("Español"));
    // Unknown or unpublished alerts: a public 404, never the login page.
    for path in [
        "/public/alerts/999999",
        "/public/alerts/abc",
        "/public/no/such/page",
    ] {
        let missing = get(&app, path, &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert!(missing.headers.get(header::SET_COOKIE).is_none());
        assert!(missing.body.contains("href=\"/public?lang=en\""));
    }
    // No state change on the public site: a POST is refused before any handler.
    let req = Request::post("/public/alerts")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("x=1"))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert!(
        matches!(
            res.status(),
            StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
        ),
        "{:?}",
        res.status()
    );
    // Staff pages stay behind the login.
    let staff = get(&app, &format!("/alerts/{id}"), &[]).await;
    assert_eq!(staff.status, StatusCode::SEE_OTHER);
    assert!(staff.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}

async fn signed_in(db: &TestDb, role: Role) -> (Browser, vigil_store::auth::User) {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (b, user)
}

async fn the_alert_workflow_through_the_pages(db: TestDb) {
    let (mut officer, user) = signed_in(&db, Role::ProtectionOfficer).await;
    let po = db.access_for(&vigil_store::Actor::from(&user));
    let p = add_person(&po, "Canaryalert Defensora Maya", PublishConsent::Named).await;
    let refusing = add_person(&po, "Canarynoconsent Person", PublishConsent::No).await;
    let case = po
        .create_case(&CaseInput {
            title: "Maya defender".into(),
            subject_code: p.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    // The case page offers to draft an alert; the form starts with the subject.
    let page = officer.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains(&format!("/cases/{case}/alerts/new")));
    let form = officer.get(&format!("/cases/{case}/alerts/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&format!("value=\"{}\"", p.code)));
    let csrf = form.csrf();
    let action = format!("/cases/{case}/alerts/new");
    // Without the token: refused, nothing written.
    let forged = officer
        .post(
            &action,
            &[("title", "T"), ("text", "X"), ("person_code", &p.code)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Empty: every field named. No consent: the reason in words.
    let empty = officer.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("href=\"#title\"") && empty.body.contains("href=\"#text\""));
    let mut other_case = CaseInput {
        title: "Other".into(),
        subject_code: refusing.code.clone(),
        ..Default::default()
    };
    other_case.summary = String::new();
    let case2 = po.create_case(&other_case).await.unwrap();
    let refused = officer
        .post(
            &format!("/cases/{case2}/alerts/new"),
            &[
                ("csrf", &csrf),
                ("title", "Urgent"),
                ("text", "Text"),
                ("person_code", &refusing.code),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("has not consented to be named in public"),
        "{}",
        refused.body
    );
    assert!(po.alerts(AlertList::default()).await.unwrap().is_empty());
    let saved = officer
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("title", "Canaryheadline"),
                ("text", "Detained since Friday."),
                ("person_code", &p.code),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let at = saved.location().split('?').next().unwrap().to_owned();
    let id: Id = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = officer.get(&at).await;
    assert!(page.body.contains("Canaryheadline") && page.body.contains("Draft"));
    assert!(!page.body.contains("/publish"), "officers cannot approve");
    // The officer's POST to the approval route is refused.
    let denied = officer
        .post(
            &format!("/alerts/{id}/publish"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // The administrator's queue, the alert page, approval.
    let (mut admin, _) = signed_in(&db, Role::Admin).await;
    let queue = admin.get("/admin/alerts").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/alerts/{id}")));
    let page = admin.get(&format!("/alerts/{id}")).await;
    assert!(page.body.contains(&format!("/alerts/{id}/publish")));
    let acsrf = page.csrf();
    let stale = admin
        .post(
            &format!("/alerts/{id}/publish"),
            &[("csrf", &acsrf), ("version", "7")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("changed after you opened it"));
    let ok = admin
        .post(
            &format!("/alerts/{id}/publish"),
            &[("csrf", &acsrf), ("version", "1")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let mut anon = Browser::new(&db);
    assert!(anon
        .get("/public/alerts")
        .await
        .body
        .contains("Canaryheadline"));
    assert!(admin.get("/admin/alerts").await.body.contains("No alerts."));

    // The officer takes it down, with a reason (without one: refused, still public).
    let page = officer.get(&format!("/alerts/{id}")).await;
    assert!(page.body.contains("/unpublish"));
    let no_reason = officer
        .post(&format!("/alerts/{id}/unpublish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(anon
        .get("/public/alerts")
        .await
        .body
        .contains("Canaryheadline"));
    let down = officer
        .post(
            &format!("/alerts/{id}/unpublish"),
            &[("csrf", &csrf), ("reason", "Family request")],
        )
        .await;
    assert_eq!(down.status, StatusCode::SEE_OTHER);
    assert!(!anon
        .get("/public/alerts")
        .await
        .body
        .contains("Canaryheadline"));
    let page = officer.get(&format!("/alerts/{id}")).await;
    assert!(page.body.contains("Withdrawn") && page.body.contains("Family request"));
    let list = officer.get(&format!("/alerts?case={case}")).await;
    assert!(list.body.contains("Canaryheadline"));
    // Other roles: no alert pages.
    let (mut viewer, _) = signed_in(&db, Role::Viewer).await;
    assert_eq!(
        viewer.get(&format!("/alerts/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/admin/alerts").await.status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------- API

async fn api(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
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
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

async fn the_api_drafts_approves_and_withdraws_alerts(db: TestDb) {
    use serde_json::json;
    let (po, p, case) = case_about(&db, PublishConsent::Named).await;
    let officer = db
        .store
        .create_api_token(po.actor().user_id, "po", None)
        .await
        .unwrap()
        .1;
    let admin = db.user(Role::Admin).await;
    let admin = db
        .store
        .create_api_token(admin.id, "admin", None)
        .await
        .unwrap()
        .1;
    let app = app(&db);
    let (st, body) = api(
        &app,
        "POST",
        &format!("/api/v1/cases/{case}/alerts"),
        &officer,
        Some(json!({"title": "Canaryheadline"})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("person_code"));
    let (st, file) = api(
        &app,
        "POST",
        &format!("/api/v1/cases/{case}/alerts"),
        &officer,
        Some(json!({"title": "Canaryheadline", "text": "Write to the prosecutor.", "person_code": p.code})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{file}");
    let id = file["alert"]["id"].as_i64().unwrap();
    assert_eq!(file["alert"]["status"], "draft");
    assert_eq!(file["history"].as_array().unwrap().len(), 1);
    let (st, _) = api(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/publish"),
        &officer,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = api(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/publish"),
        &admin,
        Some(json!({"version": 9})),
    )
    .await;
    assert_eq!((st, &body["version"]), (StatusCode::CONFLICT, &json!(1)));
    let (st, file) = api(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/publish"),
        &admin,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{file}");
    assert_eq!(file["alert"]["status"], "published");
    let (st, list) = api(
        &app,
        "GET",
        "/api/v1/alerts?status=published",
        &officer,
        None,
    )
    .await;
    assert_eq!((st, list[0]["id"].as_i64()), (StatusCode::OK, Some(id)));
    let (st, _) = api(&app, "GET", "/api/v1/alerts?status=gone", &officer, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, &format!("/public/alerts/{id}"), &[]).await.status,
        StatusCode::OK
    );
    let (st, body) = api(
        &app,
        "PUT",
        &format!("/api/v1/alerts/{id}"),
        &officer,
        Some(json!({"version": 2, "alert": {"title": "X", "text": "Y", "person_code": p.code}})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("err-alert-published"));
    let (st, body) = api(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/unpublish"),
        &officer,
        Some(json!({})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("reason"));
    let (st, file) = api(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/unpublish"),
        &officer,
        Some(json!({"reason": "Safety"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{file}");
    assert_eq!(file["alert"]["status"], "withdrawn");
    assert_eq!(file["history"].as_array().unwrap().len(), 3);
    assert_eq!(
        get(&app, &format!("/public/alerts/{id}"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let (st, file) = api(&app, "GET", &format!("/api/v1/alerts/{id}"), &officer, None).await;
    assert_eq!(
        (st, &file["alert"]["withdrawn_reason"]),
        (StatusCode::OK, &json!("Safety"))
    );
    // In the OpenAPI document.
    let doc = get(&app, "/api/v1/openapi.json", &[]).await.body;
    for path in [
        "/api/v1/alerts",
        "/api/v1/alerts/{id}/publish",
        "/api/v1/alerts/{id}/unpublish",
        "/api/v1/cases/{id}/alerts",
    ] {
        assert!(doc.contains(&format!("\"{path}\"")), "{path}");
    }
}

// ---------------------------------------------------------------- releases

fn release(title: &str) -> vigil_domain::release::ReleaseInput {
    use vigil_domain::release::{ReleaseInput, ReleaseQuery};
    use vigil_domain::stats::StatsParams;
    ReleaseInput {
        title: title.into(),
        kind: "statistics".into(),
        methodology: "Incidents by year of their start date.".into(),
        query: ReleaseQuery {
            stats: StatsParams {
                by: "year".into(),
                from: "2022".into(),
                to: "2024".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The home page shows the latest *published* release (through the releases' own
/// public read), links to it, and shows nothing of a release not yet published.
async fn the_home_page_headlines_the_latest_published_release(db: TestDb) {
    let app = app(&db);
    let home = get(&app, "/public", &[]).await;
    assert!(home.body.contains("href=\"/public/releases?lang=en\""));
    let analyst = db.access(Role::Analyst).await;
    let first = analyst
        .create_release(&release("Canaryrelease one: incidents by year"))
        .await
        .unwrap();
    analyst.publish_release(first, true).await.unwrap();
    let draft = analyst
        .create_release(&release("Canarydraft release, not published"))
        .await
        .unwrap();
    let home = get(&app, "/public", &[]).await;
    assert_public("home", &home);
    assert!(home.body.contains("Canaryrelease one: incidents by year"));
    assert!(home
        .body
        .contains(&format!("href=\"/public/releases/{first}?lang=en\"")));
    assert!(home.body.contains("28 November 2026"));
    assert!(
        !home.body.contains("Canarydraft"),
        "unpublished release shown"
    );
    assert!(!home.body.contains(&format!("/public/releases/{draft}")));
    let reader = PublicReader::new(&db.store);
    assert_eq!(
        reader.latest_release().await.unwrap().map(|r| r.id),
        Some(first)
    );
    // Taken off the portal: gone from the home page too.
    analyst.publish_release(first, false).await.unwrap();
    let home = get(&app, "/public", &[]).await;
    assert!(!home.body.contains("Canaryrelease"));
}
