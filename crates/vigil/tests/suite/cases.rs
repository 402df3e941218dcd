//! Protection cases (issue 6): the storage story on both databases (cases versioned
//! and audited, assessments with the trend, actions with money, linked incidents, the
//! timeline, open cases by risk, "my actions" and "overdue" with a fixed clock),
//! compartments, permissions per role, sealed fields on PostgreSQL, the pages as every
//! role with the no-JavaScript forms, and the JSON API round trip.

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

use vigil_domain::case::*;
use vigil_domain::model::Id;
use vigil_domain::{Permission, Role};
use vigil_store::audit::AuditFilter;
use vigil_store::cases::CaseList;
use vigil_store::compartments::{Level, DEFAULT_COMPARTMENT};
use vigil_store::{Access, StoreError};
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    a_case_is_versioned_audited_and_tells_its_story,
    risk_trend_and_open_cases_by_risk,
    actions_overdue_and_mine_follow_the_clock,
    cases_stay_in_their_compartment,
    only_protection_roles_manage_cases,
    bad_input_names_the_field_and_writes_nothing,
    sensitive_case_text_is_sealed_at_rest,
);

fn case_input(title: &str, subject: &str) -> CaseInput {
    CaseInput {
        title: title.into(),
        subject_code: subject.into(),
        summary: "Threatened after denouncing the mine; sleeps away from home.".into(),
        ..Default::default()
    }
}

fn assessment(on: &str, level: &str) -> AssessmentInput {
    AssessmentInput {
        assessed_on: on.into(),
        threats: "Death threats by phone from an armed group.".into(),
        vulnerabilities: "Lives alone on a remote farm.".into(),
        capacities: "Community guard accompanies him.".into(),
        level: level.into(),
        reasoning: "Threats are specific and repeated.".into(),
    }
}

fn action(kind: &str, due: &str) -> ActionInput {
    ActionInput {
        kind: kind.into(),
        due_on: due.into(),
        ..Default::default()
    }
}

async fn officer(db: &TestDb) -> Access {
    db.access(Role::ProtectionOfficer).await
}

async fn entries(db: &TestDb, entity: &str) -> Vec<vigil_store::audit::AuditRecord> {
    db.store
        .audit_entries(
            &AuditFilter {
                entity: entity.into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items
}

async fn a_case_is_versioned_audited_and_tells_its_story(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let id = po
        .create_case(&case_input("Protection of a Toribío guard", &s.person.code))
        .await
        .unwrap();
    let c = po.case(id).await.unwrap();
    assert_eq!(c.status, CaseStatus::Open);
    assert_eq!(
        c.owner_id,
        po.actor().user_id,
        "the opener owns it by default"
    );
    assert_eq!(c.subject_label, s.person.code);
    assert_eq!(c.compartment_id, DEFAULT_COMPARTMENT);
    assert_eq!((c.version, c.risk), (1, None));

    // Link the incident, assess, act: each is recorded.
    po.link_case_incident(id, s.incident, true).await.unwrap();
    po.add_assessment(id, &assessment("2026-11-20", "high"))
        .await
        .unwrap();
    let grant = po
        .add_action(
            id,
            &ActionInput {
                amount: "1500.5".into(),
                currency: "usd".into(),
                assignee_id: Some(po.actor().user_id),
                ..action("emergency_grant", "2026-12-01")
            },
        )
        .await
        .unwrap();

    // Close it, with a reason; the group becomes the subject.
    let mut input = case_input("Protection of a Toribío guard", &s.group.code);
    input.status = "closed".into();
    input.closed_reason = "Relocated; threats stopped".into();
    po.update_case(id, 2, &input).await.unwrap();
    // A stale version is a conflict, and nothing changes.
    assert!(matches!(
        po.update_case(id, 2, &case_input("Stale", &s.person.code))
            .await,
        Err(StoreError::Conflict(3))
    ));
    // Saving the same again makes no version.
    po.update_case(id, 3, &input).await.unwrap();

    let file = po.case_file(id).await.unwrap();
    assert_eq!(file.case.status, CaseStatus::Closed);
    assert_eq!(file.case.closed_reason, "Relocated; threats stopped");
    assert_eq!(file.case.subject_label, s.group.code);
    assert_eq!(file.case.version, 3);
    assert_eq!(file.case.risk, Some(RiskLevel::High));
    assert_eq!(file.incidents.len(), 1);
    assert_eq!(file.incidents[0].id, s.incident);
    let a = &file.actions[0];
    assert_eq!(a.id, grant);
    assert_eq!(a.cost.map(|m| m.to_string()), Some("1500.50 USD".into()));
    assert_eq!(a.assignee.as_deref(), Some(po.actor().username.as_str()));

    // The timeline: incident (2024), opened (today), assessment (Nov 20), action (Dec 1)
    // — in date order.
    let kinds: Vec<&str> = file.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["incident", "assessment", "opened", "action"]);
    assert!(file.timeline.windows(2).all(|w| w[0].date <= w[1].date));

    // Versions: created, incident linked, closed.
    let (title, versions) = po.case_history(id).await.unwrap();
    assert_eq!(title, "Protection of a Toribío guard");
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert!(versions[1].changed.contains(&"incidents".to_owned()));
    assert!(versions[0].changed.contains(&"status".to_owned()));

    // Audit: create, link, update (not the no-op), reads; the assessment and the action.
    let case_entries = entries(&db, "case").await;
    let actions: Vec<&str> = case_entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "create").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "update").count(), 2);
    assert!(actions.contains(&"read"));
    assert!(case_entries.iter().all(|e| e.entity_id == Some(id)));
    assert!(
        case_entries.iter().all(|e| !e.detail.contains("Relocated")),
        "no sensitive value in the audit log"
    );
    let assessed = entries(&db, "case_assessment").await;
    assert_eq!(assessed.len(), 1);
    assert!(assessed[0].detail.contains("\"level\":\"high\""));
    assert_eq!(entries(&db, "case_action").await.len(), 1);

    // Unlinking is a version too.
    po.link_case_incident(id, s.incident, false).await.unwrap();
    assert!(po.case_file(id).await.unwrap().incidents.is_empty());
    assert_eq!(po.case(id).await.unwrap().version, 4);
}

async fn risk_trend_and_open_cases_by_risk(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let rising = po
        .create_case(&case_input("Rising", &s.person.code))
        .await
        .unwrap();
    let falling = po
        .create_case(&case_input("Falling", &s.group.code))
        .await
        .unwrap();
    let never = po
        .create_case(&case_input("Never assessed", &s.person.code))
        .await
        .unwrap();
    let mut closed_input = case_input("Closed", &s.person.code);
    closed_input.status = "closed".into();
    closed_input.closed_reason = "Resolved".into();
    let closed = po.create_case(&closed_input).await.unwrap();
    po.add_assessment(closed, &assessment("2026-11-01", "critical"))
        .await
        .unwrap();

    // Entered out of order: the date decides which is current.
    po.add_assessment(rising, &assessment("2026-11-10", "critical"))
        .await
        .unwrap();
    po.add_assessment(rising, &assessment("2026-10-01", "medium"))
        .await
        .unwrap();
    po.add_assessment(falling, &assessment("2026-09-01", "high"))
        .await
        .unwrap();
    po.add_assessment(falling, &assessment("2026-11-01", "low"))
        .await
        .unwrap();

    let r = po.case(rising).await.unwrap();
    assert_eq!(
        (r.previous_risk, r.risk),
        (Some(RiskLevel::Medium), Some(RiskLevel::Critical))
    );
    assert_eq!(r.trend(), Some(Trend::Rising));
    let f = po.case(falling).await.unwrap();
    assert_eq!(f.trend(), Some(Trend::Falling));
    assert_eq!(po.case(never).await.unwrap().trend(), None);
    // Assessments come newest first.
    let file = po.case_file(rising).await.unwrap();
    assert_eq!(file.assessments[0].assessed_on.to_string(), "2026-11-10");
    assert_eq!(
        file.assessments[0].threats,
        "Death threats by phone from an armed group."
    );

    let order: Vec<Id> = po
        .cases(CaseList::ByRisk)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        order,
        [rising, falling, never],
        "critical first, closed left out, unassessed last"
    );
    let only_closed = po
        .cases(CaseList::Status(CaseStatus::Closed))
        .await
        .unwrap();
    assert_eq!(
        only_closed.iter().map(|c| c.id).collect::<Vec<_>>(),
        [closed]
    );
    assert_eq!(po.cases(CaseList::All).await.unwrap().len(), 4);

    // An assessment dated in the future is refused.
    let e = po
        .add_assessment(rising, &assessment("2026-11-29", "low"))
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(f)) if f.for_field("assessed_on").is_some()));
}

async fn actions_overdue_and_mine_follow_the_clock(db: TestDb) {
    let po = officer(&db).await;
    let other = officer(&db).await;
    let s = support::seed(&po).await;
    let id = po
        .create_case(&case_input("Deadlines", &s.person.code))
        .await
        .unwrap();
    let me = po.actor().user_id;
    let mine = |kind: &str, due: &str| ActionInput {
        assignee_id: Some(me),
        ..action(kind, due)
    };
    // Today is 2026-11-28 (the suite's fixed clock).
    let yesterday = po
        .add_action(id, &mine("urgent_appeal", "2026-11-27"))
        .await
        .unwrap();
    let today = po
        .add_action(id, &mine("legal_aid", "2026-11-28"))
        .await
        .unwrap();
    let later = po
        .add_action(id, &mine("relocation", "2026-12-15"))
        .await
        .unwrap();
    let undated = po.add_action(id, &mine("medical", "")).await.unwrap();
    let theirs = po
        .add_action(
            id,
            &ActionInput {
                assignee_id: Some(other.actor().user_id),
                ..action("embassy_contact", "2026-11-01")
            },
        )
        .await
        .unwrap();
    let done = po
        .add_action(
            id,
            &ActionInput {
                status: "done".into(),
                outcome: "Sent".into(),
                ..mine("letter_to_authorities", "2026-11-02")
            },
        )
        .await
        .unwrap();

    let ids = |v: Vec<CaseAction>| v.iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(po.overdue_actions().await.unwrap()),
        [theirs, yesterday]
    );
    assert_eq!(
        ids(po.my_actions().await.unwrap()),
        [yesterday, today, later, undated]
    );
    assert_eq!(ids(other.my_actions().await.unwrap()), [theirs]);
    assert!(!ids(po.my_actions().await.unwrap()).contains(&done));

    // A day later, today's action is overdue too.
    db.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        ids(po.overdue_actions().await.unwrap()),
        [theirs, yesterday, today]
    );

    // Done: no longer overdue; the edit is versioned against the version read.
    let a = po.action(yesterday).await.unwrap();
    let edit = ActionInput {
        status: "done".into(),
        outcome: "Appeal published".into(),
        ..mine("urgent_appeal", "2026-11-27")
    };
    po.update_action(yesterday, a.version, &edit).await.unwrap();
    assert!(matches!(
        po.update_action(yesterday, a.version, &edit).await,
        Err(StoreError::Conflict(2))
    ));
    assert_eq!(ids(po.overdue_actions().await.unwrap()), [theirs, today]);
    assert_eq!(
        po.action(yesterday).await.unwrap().outcome,
        "Appeal published"
    );

    // Only users who may manage cases can be assigned.
    let documenter = db.user(Role::Documenter).await;
    let e = po
        .add_action(
            id,
            &ActionInput {
                assignee_id: Some(documenter.id),
                ..action("medical", "")
            },
        )
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(f)) if f.for_field("assignee_id").is_some()));
}

async fn cases_stay_in_their_compartment(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let id = po
        .create_case(&case_input("Need to know", &s.person.code))
        .await
        .unwrap();
    po.add_action(
        id,
        &ActionInput {
            assignee_id: Some(po.actor().user_id),
            ..action("relocation", "2026-11-01")
        },
    )
    .await
    .unwrap();
    let action_id = po.case_file(id).await.unwrap().actions[0].id;

    // Another officer, only in another compartment.
    let elsewhere = db
        .store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    let outsider = db.user(Role::ProtectionOfficer).await;
    db.store
        .set_membership(elsewhere, outsider.id, Some(Level::Full), None)
        .await
        .unwrap();
    db.store
        .set_membership(DEFAULT_COMPARTMENT, outsider.id, None, None)
        .await
        .unwrap();
    let out = db.access_for(&vigil_store::Actor::from(&outsider));

    assert!(matches!(out.case(id).await, Err(StoreError::NotFound)));
    assert!(matches!(out.case_file(id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        out.case_history(id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        out.action(action_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        out.update_case(id, 1, &case_input("Taken", &s.person.code))
            .await,
        Err(StoreError::NotFound | StoreError::Invalid(_))
    ));
    assert!(matches!(
        out.add_assessment(id, &assessment("2026-11-01", "low"))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        out.add_action(id, &action("medical", "")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        out.update_action(action_id, 1, &action("medical", ""))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(out.cases(CaseList::All).await.unwrap().is_empty());
    assert!(out.cases(CaseList::ByRisk).await.unwrap().is_empty());
    assert!(out.overdue_actions().await.unwrap().is_empty());
    // The subject and the incident are not theirs to use either.
    let e = out
        .create_case(&case_input("Elsewhere", &s.person.code))
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(f)) if f.for_field("subject_code").is_some()));
    assert_eq!(po.case(id).await.unwrap().version, 1, "nothing changed");

    // A case opened elsewhere is invisible to the first officer.
    let theirs_person = support::create_person(&out, "Ana Elsewhere").await;
    let theirs = out
        .create_case(&case_input("Theirs", &theirs_person.code))
        .await
        .unwrap();
    assert_eq!(out.case(theirs).await.unwrap().compartment_id, elsewhere);
    assert!(matches!(po.case(theirs).await, Err(StoreError::NotFound)));
    let e = out.link_case_incident(theirs, s.incident, true).await;
    assert!(matches!(e, Err(StoreError::Invalid(f)) if f.for_field("incident_id").is_some()));
}

async fn only_protection_roles_manage_cases(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let id = po
        .create_case(&case_input("Roles", &s.person.code))
        .await
        .unwrap();
    for role in Role::ALL {
        let a = db.access(role).await;
        let allowed = role.can(Permission::ManageCases);
        assert_eq!(
            allowed,
            matches!(role, Role::Admin | Role::ProtectionOfficer)
        );
        let read = a.case_file(id).await;
        let list = a.cases(CaseList::All).await;
        let create = a.create_case(&case_input("By role", &s.person.code)).await;
        let assess = a.add_assessment(id, &assessment("2026-11-01", "low")).await;
        let act = a.add_action(id, &action("medical", "")).await;
        let mine = a.my_actions().await;
        let overdue = a.overdue_actions().await;
        if allowed {
            assert!(read.is_ok() && list.is_ok() && create.is_ok(), "{role:?}");
            assert!(
                assess.is_ok() && act.is_ok() && mine.is_ok() && overdue.is_ok(),
                "{role:?}"
            );
        } else {
            for r in [
                read.map(|_| ()),
                list.map(|_| ()),
                create.map(|_| ()),
                assess.map(|_| ()),
                act.map(|_| ()),
                mine.map(|_| ()),
                overdue.map(|_| ()),
            ] {
                assert!(matches!(r, Err(StoreError::Forbidden)), "{role:?}");
            }
        }
    }
    // Two cases by allowed roles (admin, officer) plus the first.
    assert_eq!(po.cases(CaseList::All).await.unwrap().len(), 3);
}

async fn bad_input_names_the_field_and_writes_nothing(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let field = |r: Result<Id, StoreError>, f: &str| match r {
        Err(StoreError::Invalid(e)) => assert!(e.for_field(f).is_some(), "{f}: {e:?}"),
        other => panic!("{f}: {other:?}"),
    };
    field(
        po.create_case(&case_input("", &s.person.code)).await,
        "title",
    );
    field(
        po.create_case(&case_input("Unknown", "HRD-1999-9999"))
            .await,
        "subject_code",
    );
    let mut closed = case_input("Closed", &s.person.code);
    closed.status = "closed".into();
    field(po.create_case(&closed).await, "closed_reason");
    let documenter = db.user(Role::Documenter).await;
    let mut owned = case_input("Owner", &s.person.code);
    owned.owner_id = Some(documenter.id);
    field(po.create_case(&owned).await, "owner_id");
    assert!(
        po.cases(CaseList::All).await.unwrap().is_empty(),
        "nothing half-written"
    );

    let id = po
        .create_case(&case_input("Valid", &s.person.code))
        .await
        .unwrap();
    field(
        po.add_assessment(id, &assessment("2026-11-01", "extreme"))
            .await,
        "level",
    );
    field(
        po.add_assessment(id, &assessment("yesterday", "low")).await,
        "assessed_on",
    );
    let mut no_reason = assessment("2026-11-01", "low");
    no_reason.reasoning = " ".into();
    field(po.add_assessment(id, &no_reason).await, "reasoning");
    field(po.add_action(id, &action("pray", "")).await, "kind");
    field(
        po.add_action(id, &action("medical", "2026-13-01")).await,
        "due_on",
    );
    let money = |kind: &str, amount: &str, currency: &str| ActionInput {
        amount: amount.into(),
        currency: currency.into(),
        ..action(kind, "")
    };
    field(
        po.add_action(id, &money("urgent_appeal", "10", "USD"))
            .await,
        "amount",
    );
    field(
        po.add_action(id, &money("emergency_grant", "10", "ZZZ"))
            .await,
        "currency",
    );
    field(
        po.add_action(id, &money("emergency_grant", "10.123", "USD"))
            .await,
        "amount",
    );
    field(
        po.add_action(id, &money("emergency_grant", "10.5", "JPY"))
            .await,
        "amount",
    );
    field(
        po.add_action(id, &money("emergency_grant", "10", "")).await,
        "currency",
    );
    let file = po.case_file(id).await.unwrap();
    assert!(file.assessments.is_empty() && file.actions.is_empty());
    assert_eq!(file.case.version, 1);
    // A well-formed grant in yen has no decimals.
    po.add_action(id, &money("security_measures", "250000", "jpy"))
        .await
        .unwrap();
    let a = &po.case_file(id).await.unwrap().actions[0];
    assert_eq!(
        a.cost.map(|m| (m.minor, m.to_string())),
        Some((250_000, "250000 JPY".into()))
    );
}

/// On PostgreSQL the sensitive columns hold sealed values; SQLite is encrypted whole
/// (the suite's at-rest tests read its file).
async fn sensitive_case_text_is_sealed_at_rest(db: TestDb) {
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let mut input = case_input("Sealed", &s.person.code);
    input.summary = "CANARY-SUMMARY-7731".into();
    let id = po.create_case(&input).await.unwrap();
    let mut a = assessment("2026-11-01", "high");
    a.threats = "CANARY-THREATS-7731".into();
    a.reasoning = "CANARY-REASONING-7731".into();
    po.add_assessment(id, &a).await.unwrap();
    po.add_action(
        id,
        &ActionInput {
            description: "CANARY-DESCRIPTION-7731".into(),
            outcome: "CANARY-OUTCOME-7731".into(),
            ..action("relocation", "")
        },
    )
    .await
    .unwrap();
    // Read back in clear through the store.
    let file = po.case_file(id).await.unwrap();
    assert_eq!(file.case.summary, "CANARY-SUMMARY-7731");
    assert_eq!(file.actions[0].outcome, "CANARY-OUTCOME-7731");
    if !db.store.encrypts_fields() {
        return;
    }
    let raw = db
        .store
        .backend()
        .query(
            "SELECT c.summary || a.threats || a.reasoning || x.description || x.outcome || (SELECT string_agg(snapshot, '') FROM versions WHERE entity = 'case')
             FROM cases c JOIN case_assessments a ON a.case_id = c.id JOIN case_actions x ON x.case_id = c.id",
            &[],
        )
        .await
        .unwrap();
    let text = raw[0].text(0);
    assert!(!text.is_empty());
    assert!(
        !text.contains("CANARY"),
        "a sensitive value is stored in clear"
    );
    // And a reopened store (same key) reads them.
    let again = Access::new(db.reopen().await, po.actor().clone());
    assert_eq!(
        again.case_file(id).await.unwrap().assessments[0].threats,
        "CANARY-THREATS-7731"
    );
}

// ---------------------------------------------------------------- pages

async fn browser_as(db: &TestDb, role: Role) -> (Browser, vigil_store::User) {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (b, user)
}

/// Every case page, as every role: 200 for those who manage cases, 403 for the rest;
/// small, no script, nothing from another host.
#[tokio::test]
async fn case_pages_answer_every_role_as_expected() {
    let db = support::sqlite().await;
    let po = officer(&db).await;
    let s = support::seed(&po).await;
    let id = po
        .create_case(&case_input("Pages", &s.person.code))
        .await
        .unwrap();
    po.link_case_incident(id, s.incident, true).await.unwrap();
    po.add_assessment(id, &assessment("2026-11-01", "medium"))
        .await
        .unwrap();
    po.add_assessment(id, &assessment("2026-11-20", "critical"))
        .await
        .unwrap();
    let action_id = po
        .add_action(
            id,
            &ActionInput {
                amount: "300".into(),
                currency: "EUR".into(),
                assignee_id: Some(po.actor().user_id),
                ..action("emergency_grant", "2026-11-01")
            },
        )
        .await
        .unwrap();
    let pages = [
        "/cases".to_owned(),
        "/cases?status=open".to_owned(),
        "/cases/risk".to_owned(),
        "/cases/actions/mine".to_owned(),
        "/cases/actions/overdue".to_owned(),
        "/cases/new".to_owned(),
        format!("/cases/{id}"),
        format!("/cases/{id}/edit"),
        format!("/cases/{id}/history"),
        format!("/cases/actions/{action_id}/edit"),
    ];
    for role in Role::ALL {
        let (mut b, _) = browser_as(&db, role).await;
        let allowed = role.can(Permission::ManageCases);
        let home = b.get("/").await.body;
        assert_eq!(
            home.contains("href=\"/cases\""),
            allowed,
            "{role:?}: nav link"
        );
        for path in &pages {
            let p = b.get(path).await;
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(p.status, want, "{role:?} GET {path}");
            assert!(
                p.body.len() <= 30 * 1024,
                "{role:?} {path}: {} bytes",
                p.body.len()
            );
            assert!(!p.body.contains("<script"), "{role:?} {path}");
            assert!(
                !p.body.contains("href=\"http") && !p.body.contains("src=\"http"),
                "{path}"
            );
            if !allowed {
                assert!(!p.body.contains("Pages"), "{role:?} {path} shows the case");
            }
        }
    }
    // What the officer sees: the trend, the overdue grant, the timeline.
    let (mut b, _) = browser_as(&db, Role::ProtectionOfficer).await;
    let page = b.get(&format!("/cases/{id}")).await.body;
    assert!(page.contains("Medium → Critical"), "{page}");
    assert!(page.contains("300.00 EUR"));
    assert!(page.contains("overdue"));
    assert!(page.contains(&format!("href=\"/incidents/{}\"", s.incident)));
    let risk = b.get("/cases/risk").await.body;
    assert!(risk.contains("Critical"));
    b.lang = Some("es");
    let es = b.get(&format!("/cases/{id}")).await.body;
    assert!(es.contains("Cronología") && es.contains("Subvención de emergencia"));
    assert!(b
        .get("/cases/actions/overdue")
        .await
        .body
        .contains("vencida"));
}

/// The no-JavaScript forms: open a case, fail then record an assessment, plan and
/// finish an action, link an incident; refused forms come back with the errors.
#[tokio::test]
async fn a_protection_officer_works_a_case_through_the_forms() {
    let db = support::sqlite().await;
    let (mut b, user) = browser_as(&db, Role::ProtectionOfficer).await;
    let po = db.access_for(&vigil_store::Actor::from(&user));
    let s = support::seed(&po).await;

    let csrf = b.get("/cases/new").await.csrf();
    let bad = b
        .post(
            "/cases/new",
            &[
                ("csrf", &csrf),
                ("title", "Guard"),
                ("subject_code", "NOPE-1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("NOPE-1") && bad.body.contains("aria-invalid=\"true\""));
    assert!(po.cases(CaseList::All).await.unwrap().is_empty());
    let ok = b
        .post(
            "/cases/new",
            &[
                ("csrf", &csrf),
                ("title", "Guard"),
                ("subject_code", &s.person.code),
                ("status", "open"),
                ("owner_id", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let id: Id = ok
        .location()
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let path = format!("/cases/{id}/assessments");
    let refused = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("assessed_on", "2026-11-01"),
                ("level", "high"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("id=\"threats\" name=\"threats\" aria-invalid=\"true\""));
    let saved = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("assessed_on", "2026-11-01"),
                ("level", "high"),
                ("threats", "Armed men asked for him"),
                ("reasoning", "Specific"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let path = format!("/cases/{id}/actions");
    let refused = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "legal_aid"),
                ("amount", "10"),
                ("currency", "USD"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("Only emergency grants and security measures carry an amount."));
    let me = user.id.to_string();
    let planned = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "legal_aid"),
                ("assignee_id", &me),
                ("due_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER);
    let mine = b.get("/cases/actions/mine").await.body;
    assert!(mine.contains("Legal aid") && mine.contains("overdue"));
    // The timeline speaks words, not codes.
    let page = b.get(&format!("/cases/{id}")).await.body;
    assert!(page.contains("Risk assessed: High") && page.contains("Action: Legal aid (planned)"));
    assert!(!page.contains("legal_aid (planned)"));
    let action_id = po.my_actions().await.unwrap()[0].id;
    let edit = format!("/cases/actions/{action_id}/edit");
    let done = b
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("kind", "legal_aid"),
                ("assignee_id", &me),
                ("due_on", "2026-11-20"),
                ("status", "done"),
                ("outcome", "Lawyer assigned"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(b
        .get("/cases/actions/overdue")
        .await
        .body
        .contains("No action is overdue."));

    let link = format!("/cases/{id}/incidents");
    let refused = b
        .post(&link, &[("csrf", &csrf), ("incident_id", "999999")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let inc = s.incident.to_string();
    let linked = b
        .post(&link, &[("csrf", &csrf), ("incident_id", &inc)])
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);

    let page = b.get(&format!("/cases/{id}")).await.body;
    assert!(page.contains("Lawyer assigned") && page.contains("Armed men asked for him"));
    // Closing without a reason is refused beside the field; with one, saved.
    let edit = format!("/cases/{id}/edit");
    let refused = b
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("version", "2"),
                ("title", "Guard"),
                ("subject_code", &s.person.code),
                ("status", "closed"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Say why the case is closed."));
    let closed = b
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("version", "2"),
                ("title", "Guard"),
                ("subject_code", &s.person.code),
                ("status", "closed"),
                ("closed_reason", "Safe"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(po.case(id).await.unwrap().status, CaseStatus::Closed);
    // Without the CSRF token nothing is done.
    let forged = b
        .post(&format!("/cases/{id}/actions"), &[("kind", "medical")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(po.case_file(id).await.unwrap().actions.len(), 1);
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

#[tokio::test]
async fn the_api_round_trips_a_case() {
    use serde_json::json;
    let db = support::sqlite().await;
    let user = db.user(Role::ProtectionOfficer).await;
    let po = db.access_for(&vigil_store::Actor::from(&user));
    let s = support::seed(&po).await;
    let (_, token) = db
        .store
        .create_api_token(user.id, "cases", None)
        .await
        .unwrap();
    let viewer = db.user(Role::Viewer).await;
    let (_, viewer_token) = db
        .store
        .create_api_token(viewer.id, "v", None)
        .await
        .unwrap();
    let app = vigil_web::router(db.store.clone(), WebConfig::default());

    let (st, _) = api(&app, "GET", "/api/v1/cases", &viewer_token, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = api(
        &app,
        "POST",
        "/api/v1/cases",
        &token,
        Some(json!({"title": "API", "subject_code": "nope"})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("subject_code"));
    let (st, file) = api(
        &app,
        "POST",
        "/api/v1/cases",
        &token,
        Some(json!({"title": "API", "subject_code": s.person.code, "summary": "In danger"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{file}");
    let id = file["case"]["id"].as_i64().unwrap();
    assert_eq!(file["case"]["status"], "open");

    let (st, file) = api(&app, "POST", &format!("/api/v1/cases/{id}/assessments"), &token,
        Some(json!({"assessed_on": "2026-11-02", "threats": "Calls", "level": "critical", "reasoning": "Repeated"}))).await;
    assert_eq!(st, StatusCode::CREATED, "{file}");
    assert_eq!(file["case"]["risk"], "critical");
    let (st, a) = api(&app, "POST", &format!("/api/v1/cases/{id}/actions"), &token,
        Some(json!({"kind": "emergency_grant", "amount": "99.90", "currency": "EUR", "due_on": "2026-11-10", "assignee_id": user.id}))).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert_eq!(a["cost"], json!({"minor": 9990, "currency": "EUR"}));
    let aid = a["id"].as_i64().unwrap();
    let (st, list) = api(&app, "GET", "/api/v1/cases/actions/overdue", &token, None).await;
    assert_eq!((st, list.as_array().unwrap().len()), (StatusCode::OK, 1));
    let (st, list) = api(&app, "GET", "/api/v1/cases/actions/mine", &token, None).await;
    assert_eq!((st, list[0]["id"].as_i64()), (StatusCode::OK, Some(aid)));
    let (st, a) = api(&app, "PUT", &format!("/api/v1/cases/actions/{aid}"), &token,
        Some(json!({"version": 1, "action": {"kind": "emergency_grant", "amount": "99.90", "currency": "EUR", "due_on": "2026-11-10", "status": "done", "outcome": "Paid"}}))).await;
    assert_eq!((st, &a["status"]), (StatusCode::OK, &json!("done")), "{a}");
    let (st, _) = api(
        &app,
        "PUT",
        &format!("/api/v1/cases/{id}/incidents/{}", s.incident),
        &token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, file) = api(&app, "PUT", &format!("/api/v1/cases/{id}"), &token,
        Some(json!({"version": 2, "case": {"title": "API", "subject_code": s.person.code, "status": "monitoring"}}))).await;
    assert_eq!(st, StatusCode::OK, "{file}");
    assert_eq!(file["case"]["status"], "monitoring");
    assert_eq!(file["incidents"][0]["id"].as_i64(), Some(s.incident));
    let kinds: Vec<&str> = file["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["incident", "assessment", "action", "opened"]);
    let (st, _) = api(
        &app,
        "PUT",
        &format!("/api/v1/cases/{id}"),
        &token,
        Some(json!({"version": 2, "case": {"title": "Stale", "subject_code": s.person.code}})),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, list) = api(&app, "GET", "/api/v1/cases?order=risk", &token, None).await;
    assert_eq!((st, list[0]["id"].as_i64()), (StatusCode::OK, Some(id)));
    let (st, _) = api(&app, "GET", "/api/v1/cases?status=archived", &token, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = api(
        &app,
        "DELETE",
        &format!("/api/v1/cases/{id}/incidents/{}", s.incident),
        &token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, file) = api(&app, "GET", &format!("/api/v1/cases/{id}"), &token, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(file["incidents"].as_array().unwrap().is_empty());
    let (st, _) = api(&app, "GET", "/api/v1/cases/999999", &token, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// `vigil demo` gives the case pages something to show: three cases with linked
/// incidents, a rising critical risk, an overdue grant assigned to the seeding user.
#[tokio::test]
async fn demo_data_includes_protection_cases() {
    let db = support::sqlite().await;
    let admin = db.access(Role::Admin).await;
    vigil::demo::seed(
        &admin,
        &vigil::demo::DemoOptions {
            incidents: 40,
            seed: 7,
        },
    )
    .await
    .unwrap();
    let all = admin.cases(CaseList::All).await.unwrap();
    assert_eq!(all.len(), 3);
    let by_risk = admin.cases(CaseList::ByRisk).await.unwrap();
    assert_eq!(by_risk.len(), 2, "the closed case is not listed by risk");
    assert_eq!(by_risk[0].risk, Some(RiskLevel::Critical));
    assert_eq!(by_risk[0].trend(), Some(Trend::Rising));
    assert_eq!(by_risk[1].trend(), Some(Trend::Falling));
    let file = admin.case_file(by_risk[0].id).await.unwrap();
    assert!(
        !file.incidents.is_empty(),
        "the defender's incidents are linked"
    );
    let overdue = admin.overdue_actions().await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].kind, ActionKind::EmergencyGrant);
    assert_eq!(
        overdue[0].cost.map(|m| m.to_string()),
        Some("1500.00 USD".into())
    );
    assert_eq!(admin.my_actions().await.unwrap().len(), 5);
}
