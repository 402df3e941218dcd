//! Compartments (need-to-know), as stories run on both engines: a user sees only the
//! records of compartments they are a full member of — by id, in lists, in search, in
//! exports, through a typed code, through the API — and a record elsewhere is simply
//! "not found", never "forbidden" (its existence is not revealed). Administrators
//! join before they read, and joining is audited. Aggregate-only members count but
//! never read. Writes go only into one's own compartments.

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

use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::compartments::DEFAULT_COMPARTMENT;
use vigil_store::{Access, Actor, Level, StoreError};

use crate::support::{
    self, backend_tests, create_group, create_person, killing_in_cauca, simple_incident, TestDb,
};

backend_tests!(
    a_documenter_sees_nothing_of_another_compartment,
    writes_go_only_into_ones_own_compartments,
    administrators_join_before_they_read_and_joining_is_audited,
    aggregate_only_members_count_but_never_read,
    imports_go_into_a_chosen_compartment_of_the_importer,
    the_api_respects_compartments,
    a_victim_from_another_compartment_stays_hidden,
    search_counts_only_what_the_reader_may_see_whether_or_not_every_compartment_is_theirs,
);

/// Team B: a compartment "Central America team" with a documenter who belongs to it
/// alone, and the records that documenter created there.
struct TeamB {
    compartment: Id,
    documenter: Access,
    person: Person,
    group: Group,
    incident: Id,
}

/// The title word, narrative word and legal name of team B's records, which no
/// outsider's search may find.
const B_TITLE_WORD: &str = "Toribío";
const B_NARRATIVE_WORD: &str = "motorbike";
const B_LEGAL_NAME: &str = "Berta Lenca Cáceres";

async fn team_b(db: &TestDb, admin: &Access) -> TeamB {
    let compartment = admin
        .create_compartment("Central America team")
        .await
        .expect("create compartment");
    let user = db.user(Role::Documenter).await;
    admin
        .add_member(compartment, user.id, Level::Full)
        .await
        .unwrap();
    admin
        .remove_member(DEFAULT_COMPARTMENT, user.id)
        .await
        .unwrap();
    let documenter = db.access_for(&Actor::from(&user));
    // Their only compartment: new records go there without choosing.
    let person = create_person(&documenter, B_LEGAL_NAME).await;
    let group = create_group(&documenter, "Consejo Lenca Ulúa").await;
    let incident = documenter
        .create_incident(&killing_in_cauca(person.id, group.id))
        .await
        .expect("team B records its incident");
    TeamB {
        compartment,
        documenter,
        person,
        group,
        incident,
    }
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound (existence not revealed), got {other:?}"),
    }
}

fn q(words: &str) -> IncidentFilter {
    IncidentFilter {
        q: words.into(),
        ..Default::default()
    }
}

async fn incident_ids(a: &Access, f: &IncidentFilter) -> (Vec<Id>, i64) {
    let page = a.incidents(f).await.unwrap();
    (page.items.iter().map(|i| i.id).collect(), page.total)
}

async fn a_documenter_sees_nothing_of_another_compartment(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    // Team A: a documenter in the default compartment only, with records of their own.
    let a = db.access(Role::Documenter).await;
    let mine = create_person(&a, "Ana Popayán Ruiz").await;
    let my_incident = a
        .create_incident(&simple_incident("Threat in Popayán", "2024-01-02", mine.id))
        .await
        .unwrap();

    // By id: not found, as if the id had never been used.
    not_found(a.incident(b.incident).await);
    not_found(a.person(b.person.id).await);
    not_found(a.group(b.group.id).await);
    not_found(a.history("incident", b.incident).await);
    not_found(a.history("person", b.person.id).await);
    not_found(a.history("group", b.group.id).await);
    not_found(a.violations_against(VictimRef::Person(b.person.id)).await);
    not_found(a.violations_against(VictimRef::Group(b.group.id)).await);

    // Lists and search, even by a title word or a narrative word.
    assert_eq!(
        incident_ids(&a, &IncidentFilter::default()).await,
        (vec![my_incident], 1)
    );
    for word in [B_TITLE_WORD, B_NARRATIVE_WORD, "Lenca", "Indigenous guard"] {
        assert_eq!(incident_ids(&a, &q(word)).await, (vec![], 0), "{word}");
    }
    let country = IncidentFilter {
        country: "CO".into(),
        ..Default::default()
    };
    assert_eq!(incident_ids(&a, &country).await.0, vec![my_incident]);

    // Export.
    let exported = a
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(
        exported.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![my_incident]
    );
    assert!(a
        .export_incidents(&q(B_TITLE_WORD))
        .await
        .unwrap()
        .is_empty());

    // Persons and groups, listed and searched.
    let persons = a.persons(&PersonFilter::default()).await.unwrap();
    assert_eq!(
        persons.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![mine.id]
    );
    for word in ["Berta", &b.person.code] {
        let f = PersonFilter {
            q: word.to_string(),
            ..Default::default()
        };
        assert_eq!(a.persons(&f).await.unwrap().total, 0, "{word}");
    }
    assert_eq!(a.groups("", 1).await.unwrap().total, 0);
    assert_eq!(a.groups("Lenca", 1).await.unwrap().total, 0);

    // A typed code from another compartment is an unknown code.
    assert_eq!(a.party_by_code(&b.person.code).await.unwrap(), None);
    assert_eq!(a.party_by_code(&b.group.code).await.unwrap(), None);
    assert!(a.party_by_code(&mine.code).await.unwrap().is_some());

    // Counts on the front page leave team B out.
    assert_eq!(a.counts().await.unwrap(), (1, 1, 0));

    // Team B sees its own records and none of team A's.
    let bd = &b.documenter;
    assert_eq!(bd.incident(b.incident).await.unwrap().id, b.incident);
    assert_eq!(
        incident_ids(bd, &q(B_TITLE_WORD)).await,
        (vec![b.incident], 1)
    );
    not_found(bd.incident(my_incident).await);
    not_found(bd.person(mine.id).await);
    assert_eq!(bd.party_by_code(&mine.code).await.unwrap(), None);
    assert_eq!(bd.counts().await.unwrap(), (1, 1, 1));
    // The unscoped store (command line, backups) holds both.
    assert_eq!(db.counts().await, (2, 2, 1));
}

async fn writes_go_only_into_ones_own_compartments(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let a = db.access(Role::Documenter).await;
    let mine = create_person(&a, "Ana Popayán Ruiz").await;
    let before = db.counts().await;

    // Choosing a compartment one is not in is refused, for every kind of record.
    let into_b = a.clone().in_compartment(b.compartment);
    assert!(matches!(
        into_b.create_person(&support::defender("X")).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        into_b.create_group(&support::organisation("Y")).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        into_b
            .create_incident(&simple_incident("Z", "2024-01-02", mine.id))
            .await,
        Err(StoreError::Forbidden)
    ));
    // A compartment that does not exist is refused the same way.
    assert!(matches!(
        a.clone()
            .in_compartment(9999)
            .create_person(&support::defender("X"))
            .await,
        Err(StoreError::Forbidden)
    ));

    // A victim or a named perpetrator the writer cannot see is an unknown victim.
    let mut named_victim = simple_incident("Threat", "2024-01-02", b.person.id);
    assert!(matches!(
        a.create_incident(&named_victim).await,
        Err(StoreError::Invalid(_))
    ));
    named_victim.violations[0].victim = Some(VictimRef::Person(mine.id));
    named_victim.violations[0].perpetrators = vec![PerpetratorInput {
        perpetrator_type: "paramilitary".into(),
        person_id: None,
        group_id: Some(b.group.id),
    }];
    assert!(matches!(
        a.create_incident(&named_victim).await,
        Err(StoreError::Invalid(_))
    ));
    // A membership in a group one cannot see is refused too.
    let mut member = support::defender("W");
    member.memberships = vec![b.group.id];
    assert!(matches!(
        a.create_person(&member).await,
        Err(StoreError::Invalid(_))
    ));

    // Editing another compartment's records: not found.
    not_found(
        a.update_incident(
            b.incident,
            1,
            &simple_incident("Mine now", "2024-01-02", mine.id),
        )
        .await,
    );
    not_found(
        a.update_person(b.person.id, 1, &support::defender("Renamed"))
            .await,
    );
    not_found(
        a.update_group(b.group.id, 1, &support::organisation("Renamed"))
            .await,
    );
    assert_eq!(db.counts().await, before);
    assert_eq!(
        b.documenter.incident(b.incident).await.unwrap().version,
        1,
        "untouched"
    );

    // A member of several compartments chooses; the record lands where chosen.
    let both = db.user(Role::Documenter).await;
    admin
        .add_member(b.compartment, both.id, Level::Full)
        .await
        .unwrap();
    let both = db.access_for(&Actor::from(&both));
    assert_eq!(both.writable_compartments().await.unwrap().len(), 2);
    let p = both
        .clone()
        .in_compartment(b.compartment)
        .create_person(&support::defender("Chosen B"))
        .await
        .unwrap();
    not_found(a.person(p.id).await);
    assert_eq!(b.documenter.person(p.id).await.unwrap().id, p.id);
    // Without a choice: their first compartment (the default one).
    let p = both
        .create_person(&support::defender("Default"))
        .await
        .unwrap();
    assert_eq!(a.person(p.id).await.unwrap().id, p.id);
    not_found(b.documenter.person(p.id).await);
}

async fn administrators_join_before_they_read_and_joining_is_audited(db: TestDb) {
    let admin_user = db.user(Role::Admin).await;
    let admin = db.access_for(&Actor::from(&admin_user));
    let b = team_b(&db, &admin).await;

    // The administrator created B and put someone in it, but is not a member.
    not_found(admin.incident(b.incident).await);
    not_found(admin.person(b.person.id).await);
    assert_eq!(incident_ids(&admin, &q(B_TITLE_WORD)).await.1, 0);
    assert!(admin
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap()
        .is_empty());
    let listed = admin.all_compartments().await.unwrap();
    let entry = listed.iter().find(|c| c.id == b.compartment).unwrap();
    assert_eq!((entry.members, entry.level), (1, None));

    admin.join_compartment(b.compartment).await.unwrap();
    assert_eq!(admin.incident(b.incident).await.unwrap().id, b.incident);
    assert_eq!(
        incident_ids(&admin, &q(B_TITLE_WORD)).await,
        (vec![b.incident], 1)
    );

    admin.leave_compartment(b.compartment).await.unwrap();
    not_found(admin.incident(b.incident).await);

    // Every step is in the audit log, by the administrator, about the compartment.
    let log = db
        .store
        .audit_export(&AuditFilter::default(), 1000)
        .await
        .unwrap();
    let compartment_entries: Vec<(String, Option<Id>, String)> = log
        .iter()
        .rev()
        .filter(|e| e.entity == "compartment")
        .map(|e| (e.action.clone(), e.entity_id, e.username.clone()))
        .collect();
    let who = admin_user.username.clone();
    let c = Some(b.compartment);
    assert_eq!(
        compartment_entries,
        vec![
            ("compartment_create".to_string(), c, who.clone()),
            ("compartment_member_add".to_string(), c, who.clone()),
            (
                "compartment_member_remove".to_string(),
                Some(DEFAULT_COMPARTMENT),
                who.clone()
            ),
            ("compartment_join".to_string(), c, who.clone()),
            ("compartment_leave".to_string(), c, who),
        ]
    );
    assert!(db.store.verify_audit().await.unwrap().intact());

    // Only administrators manage compartments; nobody joins by themselves.
    let d = db.access(Role::Documenter).await;
    for r in [
        d.join_compartment(b.compartment).await,
        d.add_member(b.compartment, d.actor().user_id, Level::Full)
            .await,
        d.create_compartment("Mine").await.map(|_| ()),
    ] {
        assert!(matches!(r, Err(StoreError::Forbidden)), "{r:?}");
    }
    assert!(matches!(
        d.all_compartments().await,
        Err(StoreError::Forbidden)
    ));
    not_found(d.incident(b.incident).await);
    // Names are unique.
    assert!(matches!(
        admin.create_compartment(" central america TEAM ").await,
        Err(StoreError::Invalid(_))
    ));
}

async fn aggregate_only_members_count_but_never_read(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let analyst_user = db.user(Role::Analyst).await;
    admin
        .remove_member(DEFAULT_COMPARTMENT, analyst_user.id)
        .await
        .unwrap();
    admin
        .add_member(b.compartment, analyst_user.id, Level::AggregateOnly)
        .await
        .unwrap();
    let analyst = db.access_for(&Actor::from(&analyst_user));

    not_found(analyst.incident(b.incident).await);
    not_found(analyst.person(b.person.id).await);
    not_found(analyst.group(b.group.id).await);
    assert_eq!(
        incident_ids(&analyst, &IncidentFilter::default()).await,
        (vec![], 0)
    );
    assert_eq!(incident_ids(&analyst, &q(B_TITLE_WORD)).await.1, 0);
    assert!(analyst
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        analyst
            .persons(&PersonFilter::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(analyst.party_by_code(&b.person.code).await.unwrap(), None);
    // Counting is what aggregate-only is for.
    assert_eq!(analyst.counts().await.unwrap(), (1, 1, 1));
    assert_eq!(
        analyst.aggregate_compartments().await.unwrap(),
        vec![b.compartment]
    );

    // A documenter with aggregate-only membership cannot write there either.
    let d = db.user(Role::Documenter).await;
    admin
        .add_member(b.compartment, d.id, Level::AggregateOnly)
        .await
        .unwrap();
    let d = db.access_for(&Actor::from(&d));
    assert!(matches!(
        d.clone()
            .in_compartment(b.compartment)
            .create_person(&support::defender("X"))
            .await,
        Err(StoreError::Forbidden)
    ));
    assert_eq!(d.writable_compartments().await.unwrap().len(), 1);
    not_found(d.incident(b.incident).await);

    // Raised to full: now they read.
    admin
        .add_member(b.compartment, analyst_user.id, Level::Full)
        .await
        .unwrap();
    assert_eq!(analyst.incident(b.incident).await.unwrap().id, b.incident);
}

async fn imports_go_into_a_chosen_compartment_of_the_importer(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let mut row = simple_incident("Imported threat in Tegucigalpa", "2024-05-06", 0);
    row.external_id = "HN-9".into();
    row.violations[0].victim = None;
    let mut person = support::defender("Imported Person");
    person.external_id = "P-HN-9".into();
    let person = support::valid_person(&admin, &person).await;
    let rows = vec![(vec![person], row)];

    // Not a member of B: refused, nothing written.
    let before = db.counts().await;
    assert!(matches!(
        admin
            .clone()
            .in_compartment(b.compartment)
            .import_batch(&[], &rows)
            .await,
        Err(StoreError::Forbidden)
    ));
    assert_eq!(db.counts().await, before);

    admin.join_compartment(b.compartment).await.unwrap();
    let counts = admin
        .clone()
        .in_compartment(b.compartment)
        .import_batch(&[], &rows)
        .await
        .unwrap();
    assert_eq!(counts.created, 1);
    let found = incident_ids(&b.documenter, &q("Tegucigalpa")).await;
    assert_eq!(found.1, 1, "the rows landed in B");
    let outsider = db.access(Role::Documenter).await;
    assert_eq!(incident_ids(&outsider, &q("Tegucigalpa")).await.1, 0);
    assert_eq!(
        outsider
            .persons(&PersonFilter::default())
            .await
            .unwrap()
            .total,
        0
    );
}

async fn the_api_respects_compartments(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let a = db.user(Role::Documenter).await;
    let (_, token) = db.store.create_api_token(a.id, "t", None).await.unwrap();
    let app = vigil_web::router(db.store.clone(), vigil_web::WebConfig::default());
    let get = |path: String| {
        let app = app.clone();
        let token = token.clone();
        async move {
            let res = app
                .oneshot(
                    Request::get(path)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    for path in [
        format!("/api/v1/incidents/{}", b.incident),
        format!("/api/v1/incidents/{}/violations", b.incident),
        format!("/api/v1/incidents/{}/history", b.incident),
        format!("/api/v1/persons/{}", b.person.id),
        format!("/api/v1/persons/{}/violations", b.person.id),
        format!("/api/v1/groups/{}", b.group.id),
    ] {
        assert_eq!(get(path.clone()).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/api/v1/incidents".to_string(),
        "/api/v1/incidents?q=Torib%C3%ADo".to_string(),
        "/api/v1/incidents?q=motorbike".to_string(),
        "/api/v1/incidents.csv".to_string(),
        "/api/v1/persons".to_string(),
        "/api/v1/persons?q=Berta".to_string(),
        "/api/v1/groups".to_string(),
        "/api/v1/search?q=Berta".to_string(),
        "/api/v1/search?q=Torib%C3%ADo".to_string(),
        format!("/api/v1/search?q={}", b.person.code),
    ] {
        let (status, body) = get(path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for secret in [B_TITLE_WORD, B_LEGAL_NAME, &b.person.code, "Lenca"] {
            assert!(!body.contains(secret), "{path} shows {secret}: {body}");
        }
    }
    // Team B's own token sees its incident.
    let (_, token_b) = db
        .store
        .create_api_token(b.documenter.actor().user_id, "b", None)
        .await
        .unwrap();
    let res = app
        .clone()
        .oneshot(
            Request::get(format!("/api/v1/incidents/{}", b.incident))
                .header(header::AUTHORIZATION, format!("Bearer {token_b}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Creating: `?compartment=` must name one of the caller's; default, their first.
    let post = |path: String, token: String| {
        let app = app.clone();
        async move {
            app.oneshot(
                Request::post(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({"name": "Red Ulúa", "group_type": "organisation"})
                            .to_string(),
                    ))
                    .unwrap(),
            )
            .await
            .unwrap()
            .status()
        }
    };
    let before = db.counts().await;
    let into_b = format!("/api/v1/groups?compartment={}", b.compartment);
    assert_eq!(
        post(into_b.clone(), token.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            format!("/api/v1/groups?compartment={DEFAULT_COMPARTMENT}"),
            token_b.clone()
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(db.counts().await, before);
    assert_eq!(post(into_b, token_b.clone()).await, StatusCode::CREATED);
    assert_eq!(
        post("/api/v1/groups".into(), token_b).await,
        StatusCode::CREATED
    );
    assert_eq!(b.documenter.groups("Red", 1).await.unwrap().total, 2);
    assert_eq!(
        db.access(Role::Documenter)
            .await
            .groups("Red", 1)
            .await
            .unwrap()
            .total,
        0
    );
}

/// The administration page: create, join (audited), add a member, leave; other roles
/// get 403.
#[tokio::test]
async fn administrators_manage_compartments_on_their_page() {
    use crate::web::Browser;
    let db = support::sqlite().await;
    let admin = db.user(Role::Admin).await;
    let documenter = db.user(Role::Documenter).await;
    let mut b = Browser::new(&db);
    b.login(&admin.username, support::PASSWORD).await;
    let users = b.get("/admin/users").await;
    assert!(users.body.contains("href=\"/admin/compartments\""));
    let page = b.get("/admin/compartments").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("General"));
    let csrf = page.csrf();

    let res = b
        .post(
            "/admin/compartments",
            &[("csrf", &csrf), ("name", "Colombia team")],
        )
        .await;
    assert_eq!(res.location(), "/admin/compartments?done=created");
    let c = db.store.compartment_by_name("colombia TEAM").await.unwrap();
    assert_eq!(c.members, 0);
    // A duplicate name comes back with the form and a message.
    let res = b
        .post(
            "/admin/compartments",
            &[("csrf", &csrf), ("name", "Colombia team")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("already exists"), "{}", res.body);

    let res = b
        .post(
            &format!("/admin/compartments/{}/join", c.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.location(), "/admin/compartments?done=joined");
    let uid = documenter.id.to_string();
    let res = b
        .post(
            &format!("/admin/compartments/{}/members", c.id),
            &[
                ("csrf", &csrf),
                ("user_id", &uid),
                ("level", "aggregate_only"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/admin/compartments?done=added");
    let members = db.store.compartment_members(c.id).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.user_id, m.level))
            .collect::<Vec<_>>(),
        vec![
            (admin.id, Level::Full),
            (documenter.id, Level::AggregateOnly)
        ]
    );
    let page = b.get("/admin/compartments?done=added").await;
    assert!(page.body.contains("Aggregate only"));
    let res = b
        .post(
            &format!(
                "/admin/compartments/{}/members/{}/remove",
                c.id, documenter.id
            ),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.location(), "/admin/compartments?done=removed");
    let res = b
        .post(
            &format!("/admin/compartments/{}/leave", c.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.location(), "/admin/compartments?done=left");
    assert!(db.store.compartment_members(c.id).await.unwrap().is_empty());
    let log = db
        .store
        .audit_export(&AuditFilter::default(), 100)
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .iter()
        .rev()
        .filter(|e| e.entity == "compartment")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "compartment_create",
            "compartment_join",
            "compartment_member_add",
            "compartment_member_remove",
            "compartment_leave"
        ]
    );

    let mut d = Browser::new(&db);
    d.login(&documenter.username, support::PASSWORD).await;
    assert_eq!(
        d.get("/admin/compartments").await.status,
        StatusCode::FORBIDDEN
    );
}

/// `vigil compartment add / grant / revoke / list`, recorded as `(cli)`.
#[test]
fn the_command_line_creates_compartments_and_grants_them() {
    use std::process::Command;
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("master.key");
    std::fs::write(&key, "5a".repeat(32)).unwrap();
    let d = data.path().join("vigil");
    let (d, key) = (d.to_str().unwrap(), key.to_str().unwrap());
    let vigil = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(args)
            .args(["--data", d, "--key-file", key])
            .env_remove("VIGIL_MASTER_KEY")
            .env_remove("VIGIL_PASSPHRASE")
            .env_remove("VIGIL_DATA")
            .env("VIGIL_LOG", "warn")
            .env("VIGIL_NEW_PASSWORD", "a long enough password")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    assert!(vigil(&["init"]).0);
    assert!(vigil(&["user", "add", "ana", "--role", "analyst"]).0);
    let (ok, out) = vigil(&["compartment", "add", "Colombia team"]);
    assert!(
        ok && out.contains("Created compartment Colombia team"),
        "{out}"
    );
    let (ok, out) = vigil(&["compartment", "add", "colombia TEAM"]);
    assert!(!ok && out.contains("err-compartment-taken"), "{out}");
    let (ok, out) = vigil(&[
        "compartment",
        "grant",
        "ana",
        "Colombia team",
        "--aggregate-only",
    ]);
    assert!(ok && out.contains("aggregate_only"), "{out}");
    let (ok, out) = vigil(&["compartment", "grant", "nobody", "Colombia team"]);
    assert!(!ok && out.contains("no user nobody"), "{out}");
    let (ok, out) = vigil(&["compartment", "grant", "ana", "Nowhere"]);
    assert!(!ok && out.contains("no compartment Nowhere"), "{out}");
    let (ok, out) = vigil(&["compartment", "list"]);
    assert!(ok, "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("Colombia team") && l.contains("ana (aggregate only)")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("General") && l.contains("admin") && l.contains("ana")),
        "{out}"
    );
    assert!(vigil(&["compartment", "revoke", "ana", "General"]).0);
    let (_, out) = vigil(&["compartment", "list"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("1\tGeneral\t") && !l.contains("ana")),
        "{out}"
    );
    let (ok, out) = vigil(&["audit", "verify"]);
    assert!(ok && out.contains("intact"), "{out}");
}

/// New-record forms offer a compartment select to writers with a choice, and the
/// record lands where chosen; writers with one compartment see no select.
#[tokio::test]
async fn forms_offer_a_compartment_when_there_is_a_choice() {
    use crate::web::Browser;
    let db = support::sqlite().await;
    let admin = db.access(Role::Admin).await;
    let b = admin
        .create_compartment("Central America team")
        .await
        .unwrap();
    let single = db.user(Role::Documenter).await;
    let double = db.user(Role::Documenter).await;
    admin.add_member(b, double.id, Level::Full).await.unwrap();

    let mut one = Browser::new(&db);
    one.login(&single.username, support::PASSWORD).await;
    for path in ["/groups/new", "/persons/new", "/incidents/new"] {
        let page = one.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("name=\"compartment\""), "{path}");
    }

    let mut two = Browser::new(&db);
    two.login(&double.username, support::PASSWORD).await;
    for path in ["/groups/new", "/persons/new", "/incidents/new"] {
        let page = two.get(path).await;
        assert!(page.body.contains("name=\"compartment\""), "{path}");
        assert!(page.body.contains("Central America team"), "{path}");
    }
    let form = two.get("/groups/new").await;
    let csrf = form.csrf();
    let bs = b.to_string();
    let res = two
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("compartment", &bs),
                ("name", "Consejo Lenca"),
                ("group_type", "organisation"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: Id = res
        .location()
        .trim_start_matches("/groups/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let single = db.access_for(&Actor::from(&single));
    not_found(single.group(id).await);
    let double = db.access_for(&Actor::from(&double));
    assert_eq!(double.group(id).await.unwrap().name, "Consejo Lenca");
    // The single-compartment writer cannot pick B by sending the field anyway.
    let csrf_one = one.get("/groups/new").await.csrf();
    let res = one
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf_one),
                ("compartment", &bs),
                ("name", "Smuggled"),
                ("group_type", "organisation"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(db.counts().await.2, 1);
}

/// A writer in two compartments may name, in an incident of one, a victim of the
/// other. Readers of the incident who cannot see that victim get the violation
/// without the victim's code or name, and cannot find the incident by that name.
async fn a_victim_from_another_compartment_stays_hidden(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let both = db.user(Role::Documenter).await;
    admin
        .add_member(b.compartment, both.id, Level::Full)
        .await
        .unwrap();
    let both = db.access_for(&Actor::from(&both));
    // Into the default compartment (their first), naming team B's person and group.
    let id = both
        .create_incident(&killing_in_cauca(b.person.id, b.group.id))
        .await
        .unwrap();
    let full = both.incident(id).await.unwrap();
    assert_eq!(
        full.violations[0].victim.name.as_deref(),
        Some(B_LEGAL_NAME)
    );
    // The name is not in the incident's search text (only team B's own incident,
    // whose compartment the victim shares, is found by it).
    assert_eq!(incident_ids(&both, &q("Berta")).await.0, vec![b.incident]);

    let a = db.access(Role::Documenter).await;
    let seen = a.incident(id).await.unwrap();
    for v in &seen.violations {
        assert_eq!(v.victim.code, "", "{v:?}");
        assert_eq!(v.victim.name, None, "{v:?}");
    }
    for word in ["Berta", "Lenca", &b.person.code, &b.group.code] {
        assert_eq!(incident_ids(&a, &q(word)).await.1, 0, "{word}");
    }
    // The incident itself is theirs to find.
    assert_eq!(incident_ids(&a, &q(B_TITLE_WORD)).await.0, vec![id]);
}

/// A search's total counts only incidents the reader may read, by the per-match check
/// and by the shortcut that skips it when no incident lies outside the reader's
/// compartments (`Store::incidents`): a word shared by team B's incident and the
/// reader's own, before and after the reader joins team B's compartment, and with
/// aggregate-only membership (counts statistics, never search results).
async fn search_counts_only_what_the_reader_may_see_whether_or_not_every_compartment_is_theirs(
    db: TestDb,
) {
    let admin = db.access(Role::Admin).await;
    let b = team_b(&db, &admin).await;
    let user = db.user(Role::Documenter).await;
    let a = db.access_for(&Actor::from(&user));
    let mine = create_person(&a, "Ana Popayán Ruiz").await;
    let my_incident = a
        .create_incident(&simple_incident(
            "Guard threatened near Toribío",
            "2024-01-02",
            mine.id,
        ))
        .await
        .unwrap();
    // The plain list counts what it shows, whether or not the reader is a full member
    // of every compartment that holds incidents (then the count skips the check).
    let listed = |(ids, total): (Vec<Id>, i64), with_b: bool| {
        assert_eq!(ids.len() as i64, total, "{ids:?}");
        assert_eq!(ids.contains(&b.incident), with_b, "{ids:?}");
        ids
    };
    let all = IncidentFilter::default();
    assert!(listed(incident_ids(&a, &all).await, false).contains(&my_incident));
    // Team B's compartment holds an incident the reader may not see: checked per match.
    assert_eq!(
        incident_ids(&a, &q(B_TITLE_WORD)).await,
        (vec![my_incident], 1)
    );
    admin
        .add_member(b.compartment, user.id, Level::AggregateOnly)
        .await
        .unwrap();
    assert_eq!(
        incident_ids(&a, &q(B_TITLE_WORD)).await,
        (vec![my_incident], 1)
    );
    // A full member of every compartment that holds incidents: the index alone counts.
    admin.remove_member(b.compartment, user.id).await.unwrap();
    admin
        .add_member(b.compartment, user.id, Level::Full)
        .await
        .unwrap();
    let a = db.access_for(&Actor::from(&user));
    assert_eq!(
        incident_ids(&a, &q(B_TITLE_WORD)).await,
        (vec![my_incident, b.incident], 2)
    );
    assert!(listed(incident_ids(&a, &all).await, true).contains(&my_incident));
    // Team B's documenter, outside the default compartment, still counts only theirs.
    assert_eq!(
        incident_ids(&b.documenter, &q(B_TITLE_WORD)).await,
        (vec![b.incident], 1)
    );
    assert!(!listed(incident_ids(&b.documenter, &all).await, true).contains(&my_incident));
}
