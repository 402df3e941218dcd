//! Detention tracker, hearing calendar feeds and reminder digests (issue 6 points 4
//! and 5), on both databases: days in detention against a fixed clock, the list of
//! everyone detained (longest first), detentions and hearings in the case timeline,
//! bad input naming the field and writing nothing, sealed fields at rest; the
//! iCalendar feed read line by line (folding, UIDs, no legal name), refused for bad,
//! revoked and locked-down tokens; digests received by a real SMTP listener on
//! localhost (recipients, due and overdue actions, no legal name, once a day); the
//! pages without JavaScript and the API with its OpenAPI document.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use http_body_util::BodyExt as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tower::ServiceExt as _;

use vigil::reminders::{send_digests, Mailer, SmtpArgs, TlsMode};
use vigil_domain::case::{ActionInput, CaseInput};
use vigil_domain::detention::{DetentionInput, HearingInput};
use vigil_domain::model::Id;
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::{Access, Actor, StoreError};
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    detentions_count_days_and_list_the_longest_first,
    bad_detention_input_names_the_field_and_writes_nothing,
    detention_text_is_sealed_at_rest,
    the_hearings_feed_is_a_calendar_without_names,
    feed_tokens_die_when_revoked_locked_down_or_disabled,
    digests_reach_a_local_smtp_listener_once_a_day,
    detention_pages_and_api_work_without_javascript,
);

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn held(place: &str, since: &str) -> DetentionInput {
    DetentionInput {
        place: place.into(),
        since: since.into(),
        charges: "Usurpation (art. 227)".into(),
        released_on: String::new(),
    }
}

fn hearing(on: &str, at: &str, court: &str) -> HearingInput {
    HearingInput {
        held_on: on.into(),
        held_at: at.into(),
        court: court.into(),
        note: "Bring the defence's witness list".into(),
    }
}

/// A protection officer, as a user and as the store they see.
async fn officer(db: &TestDb) -> (vigil_store::auth::User, Access) {
    let u = db.user(Role::ProtectionOfficer).await;
    let a = db.access_for(&Actor::from(&u));
    (u, a)
}

async fn case_for(po: &Access, title: &str, code: &str) -> Id {
    po.create_case(&CaseInput {
        title: title.into(),
        subject_code: code.into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn audit_count(db: &TestDb, entity: &str, action: &str) -> usize {
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
        .iter()
        .filter(|e| e.action == action)
        .count()
}

// ---------------------------------------------------------------- detentions

async fn detentions_count_days_and_list_the_longest_first(db: TestDb) {
    let (_, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let other = support::create_person(&po, "Berta Flores Test").await;
    let third = support::create_person(&po, "Carla Mejía Test").await;
    let a = case_for(&po, "Journalist jailed in Olancho", &s.person.code).await;
    let b = case_for(&po, "Land defender arrested", &other.code).await;
    let c = case_for(&po, "Released last month", &third.code).await;

    // "Today" is 2026-11-28 (support::now).
    let da = po
        .add_detention(a, &held("Támara prison", "2026-10-01"))
        .await
        .unwrap();
    let db_ = po
        .add_detention(b, &held("Police station 3", "2026-11-20"))
        .await
        .unwrap();
    let mut released = held("Women's prison", "2026-09-01");
    released.released_on = "2026-10-15".into();
    let dc = po.add_detention(c, &released).await.unwrap();

    let (d, title) = po.detention(da).await.unwrap();
    assert_eq!(title, "Journalist jailed in Olancho");
    assert_eq!((d.days, d.open(), d.version), (58, true, 1));
    assert_eq!(d.person_code, s.person.code);
    assert_eq!(
        po.detention(dc).await.unwrap().0.days,
        44,
        "closed: to release"
    );

    // Everyone held now, longest first; the released one is not there.
    let list = po.detained().await.unwrap();
    let ids: Vec<Id> = list.iter().map(|x| x.detention.id).collect();
    assert_eq!(ids, vec![da, db_]);
    assert_eq!(list[1].detention.days, 8);

    // Hearings: the next one is shown; the case timeline has them in date order.
    po.add_hearing(da, &hearing("2026-10-03", "", "Juzgado de Letras"))
        .await
        .unwrap();
    let next = po
        .add_hearing(
            da,
            &hearing("2026-12-08", "09:30", "Juzgado de Letras, sala 2"),
        )
        .await
        .unwrap();
    let list = po.detained().await.unwrap();
    assert_eq!(list[0].next_hearing.as_ref().map(|h| h.id), Some(next));
    let file = po.case_file(a).await.unwrap();
    assert_eq!(file.detentions.len(), 1);
    assert_eq!(file.detentions[0].hearings.len(), 2);
    let kinds: Vec<(String, String)> = file
        .timeline
        .iter()
        .filter(|e| matches!(e.kind.as_str(), "detention" | "hearing" | "released"))
        .map(|e| (e.date.to_string(), e.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("2026-10-01".into(), "detention".into()),
            ("2026-10-03".into(), "hearing".into()),
            ("2026-12-08".into(), "hearing".into()),
        ]
    );
    let dates: Vec<NaiveDate> = file.timeline.iter().map(|e| e.date).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "the timeline stays in date order");

    // Three days later the count has moved with the clock.
    db.clock.advance(chrono::Duration::days(3));
    assert_eq!(po.detention(da).await.unwrap().0.days, 61);

    // The release closes it: 47 days counted, off the list, in the timeline.
    let mut input = held("Police station 3", "2026-11-20");
    input.released_on = "2026-11-30".into();
    po.update_detention(db_, 1, &input).await.unwrap();
    let (closed, _) = po.detention(db_).await.unwrap();
    assert_eq!((closed.days, closed.open(), closed.version), (10, false, 2));
    let ids: Vec<Id> = po
        .detained()
        .await
        .unwrap()
        .iter()
        .map(|x| x.detention.id)
        .collect();
    assert_eq!(ids, vec![da]);
    let tl = po.case_file(b).await.unwrap().timeline;
    assert!(tl
        .iter()
        .any(|e| e.kind == "released" && e.date == day("2026-11-30")));

    // A stale version is a conflict and changes nothing.
    assert!(matches!(
        po.update_detention(db_, 1, &held("Elsewhere", "2026-11-20"))
            .await,
        Err(StoreError::Conflict(2))
    ));
    // Removing a hearing.
    po.remove_hearing(next).await.unwrap();
    assert_eq!(po.detention(da).await.unwrap().0.hearings.len(), 1);

    // Audited: creations, the edit, reads of a detention, the list.
    assert_eq!(audit_count(&db, "case_detention", "create").await, 3);
    assert_eq!(audit_count(&db, "case_detention", "update").await, 1);
    assert!(audit_count(&db, "case_detention", "read").await >= 4);
    assert!(audit_count(&db, "case_detention", "list").await >= 3);
    assert_eq!(audit_count(&db, "case_hearing", "create").await, 2);

    // Only the roles that manage cases; compartments hold.
    for role in [Role::Viewer, Role::Documenter, Role::Analyst] {
        let x = db.access(role).await;
        assert!(matches!(x.detained().await, Err(StoreError::Forbidden)));
        assert!(matches!(x.detention(da).await, Err(StoreError::Forbidden)));
        assert!(matches!(
            x.add_detention(a, &held("X", "2026-11-01")).await,
            Err(StoreError::Forbidden)
        ));
    }
    let (outsider_user, _) = officer(&db).await;
    let elsewhere = db
        .store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    db.store
        .set_membership(
            elsewhere,
            outsider_user.id,
            Some(vigil_store::compartments::Level::Full),
            None,
        )
        .await
        .unwrap();
    db.store
        .set_membership(
            vigil_store::compartments::DEFAULT_COMPARTMENT,
            outsider_user.id,
            None,
            None,
        )
        .await
        .unwrap();
    let outsider = db.access_for(&Actor::from(&outsider_user));
    assert!(outsider.detained().await.unwrap().is_empty());
    assert!(matches!(
        outsider.detention(da).await,
        Err(StoreError::NotFound)
    ));
}

async fn bad_detention_input_names_the_field_and_writes_nothing(db: TestDb) {
    let (_, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let a = case_for(&po, "Case", &s.person.code).await;
    let field = |r: Result<Id, StoreError>| match r {
        Err(StoreError::Invalid(e)) => e.0.iter().map(|x| x.field.clone()).collect::<Vec<_>>(),
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(
        field(po.add_detention(a, &held("Prison", "2026-12-01")).await),
        vec!["since"],
        "in the future"
    );
    assert_eq!(
        field(po.add_detention(a, &held("", "2026-11-01")).await),
        vec!["place"]
    );
    assert_eq!(
        field(po.add_detention(a, &held("Prison", "1 Nov")).await),
        vec!["since"]
    );
    let mut early = held("Prison", "2026-11-01");
    early.released_on = "2026-10-01".into();
    assert_eq!(
        field(po.add_detention(a, &early).await),
        vec!["released_on"]
    );
    // A group's case has no detained person.
    let g = case_for(&po, "Group case", &s.group.code).await;
    assert_eq!(
        field(po.add_detention(g, &held("Prison", "2026-11-01")).await),
        vec!["place"]
    );
    assert!(po.detained().await.unwrap().is_empty(), "nothing written");
    assert_eq!(audit_count(&db, "case_detention", "create").await, 0);

    let d = po
        .add_detention(a, &held("Prison", "2026-11-01"))
        .await
        .unwrap();
    assert_eq!(
        field(po.add_hearing(d, &hearing("2026-10-30", "", "Court")).await),
        vec!["held_on"],
        "before the detention"
    );
    assert_eq!(
        field(
            po.add_hearing(d, &hearing("2026-12-01", "9h", "Court"))
                .await
        ),
        vec!["held_at"]
    );
    assert_eq!(
        field(po.add_hearing(d, &hearing("2026-12-01", "", " ")).await),
        vec!["court"]
    );
    assert!(po.detention(d).await.unwrap().0.hearings.is_empty());
    assert!(matches!(
        po.add_detention(999_999, &held("Prison", "2026-11-01"))
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn detention_text_is_sealed_at_rest(db: TestDb) {
    let (_, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let a = case_for(&po, "Sealed", &s.person.code).await;
    let mut input = held("CANARY-PLACE-5501", "2026-11-01");
    input.charges = "CANARY-CHARGES-5501".into();
    let d = po.add_detention(a, &input).await.unwrap();
    let mut h = hearing("2026-12-01", "10:00", "CANARY-COURT-5501");
    h.note = "CANARY-NOTE-5501".into();
    po.add_hearing(d, &h).await.unwrap();
    let u = db.user(Role::Viewer).await;
    db.store
        .set_user_email(u.id, "canary-5501@example.org", None)
        .await
        .unwrap();
    let (back, _) = po.detention(d).await.unwrap();
    assert_eq!(back.place, "CANARY-PLACE-5501");
    assert_eq!(back.hearings[0].note, "CANARY-NOTE-5501");
    assert_eq!(
        db.store.user_email(u.id).await.unwrap(),
        "canary-5501@example.org"
    );
    if !db.store.encrypts_fields() {
        return;
    }
    let raw = db
        .store
        .backend()
        .query(
            "SELECT d.place || d.charges || h.court || h.note || (SELECT string_agg(email, '') FROM users)
               || (SELECT string_agg(snapshot, '') FROM versions WHERE entity = 'detention')
             FROM case_detentions d JOIN case_hearings h ON h.detention_id = d.id",
            &[],
        )
        .await
        .unwrap();
    let text = raw[0].text(0);
    assert!(!text.is_empty());
    assert!(!text.contains("CANARY"), "sealed on PostgreSQL: {text}");
    assert!(!text.contains("canary"), "e-mail sealed");
}

// ---------------------------------------------------------------- calendar feed

async fn fetch(app: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let res = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

/// Check RFC 5545's framing (CRLF, lines of at most 75 octets) and unfold.
fn unfold(ics: &str) -> Vec<String> {
    assert!(ics.ends_with("\r\n"), "ends with CRLF");
    for raw in ics.split("\r\n") {
        assert!(raw.len() <= 75, "line over 75 octets: {raw:?}");
        assert!(
            !raw.contains('\n') && !raw.contains('\r'),
            "bare newline in {raw:?}"
        );
    }
    ics.trim_end_matches("\r\n")
        .replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// The events of a calendar: each a list of (property with parameters, value).
fn events(lines: &[String]) -> Vec<Vec<(String, String)>> {
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.iter().any(|l| l == "VERSION:2.0"));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut out = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for l in lines {
        let (k, v) = l.split_once(':').unwrap_or_else(|| panic!("no colon: {l}"));
        match (k, v) {
            ("BEGIN", "VEVENT") => current = Some(Vec::new()),
            ("END", "VEVENT") => out.push(current.take().unwrap()),
            _ => {
                if let Some(c) = current.as_mut() {
                    c.push((k.to_owned(), v.to_owned()));
                }
            }
        }
    }
    out
}

fn prop<'a>(e: &'a [(String, String)], k: &str) -> &'a str {
    e.iter()
        .find(|(p, _)| p == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {k} in {e:?}"))
}

fn app(db: &TestDb) -> axum::Router {
    vigil_web::router(
        db.store.clone(),
        WebConfig {
            public_url: Some(url::Url::parse("https://vigil.example.org").unwrap()),
            ..WebConfig::default()
        },
    )
}

async fn the_hearings_feed_is_a_calendar_without_names(db: TestDb) {
    let (_, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let a = case_for(&po, "Journalist jailed in Olancho", &s.person.code).await;
    let d = po
        .add_detention(a, &held("Támara prison, módulo 4", "2026-10-01"))
        .await
        .unwrap();
    let long_court = "Juzgado de Letras Penal de la Sección Judicial de Tegucigalpa, sala 2; edificio \"Morazán\", piso 3";
    let h1 = po
        .add_hearing(d, &hearing("2026-12-08", "09:30", long_court))
        .await
        .unwrap();
    let h2 = po
        .add_hearing(d, &hearing("2026-12-15", "", "Corte de Apelaciones"))
        .await
        .unwrap();
    // Long past: left out of the feed (it keeps 30 days back).
    po.add_hearing(d, &hearing("2026-10-02", "", "Old court"))
        .await
        .unwrap();
    let (_, secret) = po.create_own_feed_token().await.unwrap();
    assert!(secret.starts_with("vgf_"));

    let app = app(&db);
    let path = format!("/calendar/{secret}/hearings.ics");
    let (status, ctype, ics) = fetch(&app, &path).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert!(ctype.starts_with("text/calendar"), "{ctype}");
    let lines = unfold(&ics);
    let ev = events(&lines);
    assert_eq!(ev.len(), 2, "{lines:#?}");
    assert_eq!(
        prop(&ev[0], "UID"),
        format!("hearing-{h1}@vigil.example.org")
    );
    assert_eq!(prop(&ev[0], "DTSTART"), "20261208T093000");
    assert_eq!(prop(&ev[0], "DTEND"), "20261208T103000");
    assert!(prop(&ev[0], "DTSTAMP").ends_with('Z'));
    assert_eq!(
        prop(&ev[0], "LOCATION"),
        "Juzgado de Letras Penal de la Sección Judicial de Tegucigalpa\\, sala 2\\; edificio \"Morazán\"\\, piso 3"
    );
    let summary = prop(&ev[0], "SUMMARY");
    assert!(summary.contains(&s.person.code), "{summary}");
    assert!(summary.contains(&format!("case {a}")), "{summary}");
    assert_eq!(
        prop(&ev[0], "URL"),
        format!("https://vigil.example.org/cases/{a}")
    );
    assert_eq!(
        prop(&ev[1], "UID"),
        format!("hearing-{h2}@vigil.example.org")
    );
    assert_eq!(prop(&ev[1], "DTSTART;VALUE=DATE"), "20261215");
    assert_eq!(prop(&ev[1], "DTEND;VALUE=DATE"), "20261216");

    // No legal name, case title, place of detention, charges or notes.
    for secret_text in [
        "José",
        "Ramírez",
        "Tombé",
        "Olancho",
        "Támara",
        "Usurpation",
        "witness list",
    ] {
        assert!(!ics.contains(secret_text), "the feed shows {secret_text:?}");
    }
    // The same UIDs at the next fetch; every fetch is recorded.
    let (_, _, again) = fetch(&app, &path).await;
    assert_eq!(
        events(&unfold(&again))
            .iter()
            .map(|e| prop(e, "UID").to_owned())
            .collect::<Vec<_>>(),
        ev.iter()
            .map(|e| prop(e, "UID").to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(audit_count(&db, "hearing_feed", "read").await, 2);
    assert!(po.own_feed_tokens().await.unwrap()[0].last_used.is_some());

    // A hearing in a compartment the token's user does not read stays out.
    let elsewhere = db
        .store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    let (other_user, _) = officer(&db).await;
    db.store
        .set_membership(
            elsewhere,
            other_user.id,
            Some(vigil_store::compartments::Level::Full),
            None,
        )
        .await
        .unwrap();
    db.store
        .set_membership(
            vigil_store::compartments::DEFAULT_COMPARTMENT,
            other_user.id,
            None,
            None,
        )
        .await
        .unwrap();
    let other = db.access_for(&Actor::from(&other_user));
    let (_, other_secret) = other.create_own_feed_token().await.unwrap();
    let (status, _, ics) = fetch(&app, &format!("/calendar/{other_secret}/hearings.ics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(events(&unfold(&ics)).is_empty(), "{ics}");
}

async fn feed_tokens_die_when_revoked_locked_down_or_disabled(db: TestDb) {
    let (user, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let a = case_for(&po, "Case", &s.person.code).await;
    let d = po
        .add_detention(a, &held("Prison", "2026-11-01"))
        .await
        .unwrap();
    po.add_hearing(d, &hearing("2026-12-01", "", "Court"))
        .await
        .unwrap();
    let app = app(&db);
    let get = |secret: String| {
        let app = app.clone();
        async move {
            fetch(&app, &format!("/calendar/{secret}/hearings.ics"))
                .await
                .0
        }
    };
    let (t1, s1) = po.create_own_feed_token().await.unwrap();
    assert_eq!(get(s1.clone()).await, StatusCode::OK);
    // Wrong, malformed and altered tokens.
    assert_eq!(get("vgf_0000".into()).await, StatusCode::NOT_FOUND);
    assert_eq!(get("nonsense".into()).await, StatusCode::NOT_FOUND);
    let mut altered = s1.clone();
    altered.pop();
    altered.push(if s1.ends_with('0') { '1' } else { '0' });
    assert_eq!(get(altered).await, StatusCode::NOT_FOUND);
    // Stored hashed: the secret is nowhere in the table.
    let raw = db
        .store
        .backend()
        .query("SELECT token_hash FROM feed_tokens", &[])
        .await
        .unwrap();
    assert!(raw.iter().all(|r| !r.text(0).contains(&s1[4..])));

    // Revoked one by one (only one's own).
    let intruder = db.access(Role::ProtectionOfficer).await;
    assert!(matches!(
        intruder.revoke_own_feed_token(t1.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(get(s1.clone()).await, StatusCode::OK);
    po.revoke_own_feed_token(t1.id).await.unwrap();
    assert_eq!(get(s1).await, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&db, "feed_token", "token_revoke").await, 1);

    // Lock-down revokes every feed token.
    let (_, s2) = po.create_own_feed_token().await.unwrap();
    assert_eq!(get(s2.clone()).await, StatusCode::OK);
    db.store.lockdown(None).await.unwrap();
    assert_eq!(get(s2).await, StatusCode::NOT_FOUND);

    // Disabling the user does too.
    let (_, s3) = po.create_own_feed_token().await.unwrap();
    assert_eq!(get(s3.clone()).await, StatusCode::OK);
    db.store
        .set_user_disabled(user.id, true, None)
        .await
        .unwrap();
    assert_eq!(get(s3).await, StatusCode::NOT_FOUND);

    // A role that does not manage cases gets no feed token.
    let viewer = db.access(Role::Viewer).await;
    assert!(matches!(
        viewer.create_own_feed_token().await,
        Err(StoreError::Forbidden)
    ));
}

// ---------------------------------------------------------------- SMTP

/// One message as the listener received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A small SMTP server on localhost: enough of RFC 5321 for one client at a time
/// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeping what arrives.
async fn smtp_listener() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
    let store = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let inbox = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 localhost test SMTP\r\n").await.unwrap();
                let (mut from, mut to) = (String::new(), Vec::new());
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_owned();
                    let upper = cmd.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-localhost\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("HELO") || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        from = cmd[10..].trim().to_owned();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(cmd[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 OK\r\n"
                    } else if upper == "RSET" {
                        (from, to) = (String::new(), Vec::new());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await
                            .unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        }
                        inbox.lock().unwrap().push(Received {
                            from: std::mem::take(&mut from),
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 OK queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 Bye\r\n").await;
                        return;
                    } else {
                        b"502 Command not implemented\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

/// The text of a message's body, decoded from quoted-printable or base64.
fn body_text(data: &str) -> (String, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        unfolded
            .split("\r\n")
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let text = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => {
            use base64::Engine as _;
            let b: String = body.split_whitespace().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap()).unwrap()
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
        _ => body.to_owned(),
    };
    (header("Subject"), text.replace("\r\n", "\n"))
}

fn mailer(port: u16) -> Mailer {
    Mailer::from_args(&SmtpArgs {
        smtp_server: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_from: Some("Vigil <vigil@example.org>".into()),
        smtp_tls: TlsMode::None,
        smtp_user: None,
        smtp_password: None,
    })
    .unwrap()
    .unwrap()
}

async fn digests_reach_a_local_smtp_listener_once_a_day(db: TestDb) {
    let (port, inbox) = smtp_listener().await;
    let smtp = mailer(port);
    let (ana, po) = officer(&db).await;
    let (ben, po2) = officer(&db).await;
    let (nobody, _) = officer(&db).await; // no address: no digest
    let viewer = db.user(Role::Viewer).await; // may not manage cases
    for (u, addr) in [
        (&ana, "ana@example.org"),
        (&ben, "ben@example.org"),
        (&viewer, "viewer@example.org"),
    ] {
        db.store.set_user_email(u.id, addr, None).await.unwrap();
    }
    let s = support::seed(&po).await;
    let case = case_for(&po, "Protection of a Toribío guard", &s.person.code).await;
    let group_case = case_for(&po, "Guard organisation", &s.group.code).await;
    let act = |kind: &str, due: &str, who: Id, status: &str| ActionInput {
        kind: kind.into(),
        due_on: due.into(),
        assignee_id: Some(who),
        status: status.into(),
        description: "Call the prosecutor about José's file".into(),
        ..Default::default()
    };
    // Today is 2026-11-28.
    let overdue = po
        .add_action(case, &act("legal_aid", "2026-11-20", ana.id, "in_progress"))
        .await
        .unwrap();
    let today = po
        .add_action(case, &act("urgent_appeal", "2026-11-28", ana.id, ""))
        .await
        .unwrap();
    let soon = po
        .add_action(group_case, &act("medical", "2026-12-01", ana.id, ""))
        .await
        .unwrap();
    let later = po
        .add_action(case, &act("relocation", "2026-12-30", ana.id, ""))
        .await
        .unwrap();
    let done = po
        .add_action(case, &act("medical", "2026-11-10", ana.id, "done"))
        .await
        .unwrap();
    let bens = po2
        .add_action(case, &act("embassy_contact", "2026-11-27", ben.id, ""))
        .await
        .unwrap();
    po.add_action(case, &act("medical", "2026-11-27", nobody.id, ""))
        .await
        .unwrap();

    let base = "https://vigil.example.org/";
    let day = day("2026-11-28");
    let report = send_digests(&db.store, &smtp, day, base, false)
        .await
        .unwrap();
    assert!(report.failed.is_empty(), "{report}");
    let mut sent = report.sent.clone();
    sent.sort();
    assert_eq!(
        sent,
        vec![(ana.username.clone(), 3), (ben.username.clone(), 1)]
    );
    assert!(report.no_address.contains(&nobody.username));
    let mail = inbox.lock().unwrap().clone();
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let to_ana = mail.iter().find(|m| m.to == ["ana@example.org"]).unwrap();
    assert!(to_ana.from.contains("vigil@example.org"));
    assert!(mail.iter().any(|m| m.to == ["ben@example.org"]));
    assert!(!mail
        .iter()
        .any(|m| m.to.iter().any(|t| t.contains("viewer"))));

    let (subject, text) = body_text(&to_ana.data);
    assert!(subject.contains('3'), "{subject}");
    for id in [overdue, today, soon] {
        assert!(
            text.contains(&format!(
                "https://vigil.example.org/cases/actions/{id}/edit"
            )),
            "action {id} missing:\n{text}"
        );
    }
    for id in [later, done, bens] {
        assert!(
            !text.contains(&format!("/cases/actions/{id}/edit")),
            "action {id} should not be in Ana's digest:\n{text}"
        );
    }
    assert!(text.contains("OVERDUE by 8 days"), "{text}");
    assert!(text.contains("due today"), "{text}");
    assert!(text.contains("due in 3 days"), "{text}");
    assert!(
        text.contains(&s.person.code) && text.contains(&s.group.code),
        "{text}"
    );
    assert!(text.contains(&format!("Case {case}")), "{text}");
    // Names no one: no legal name, no case title, no description.
    for hidden in [
        "José",
        "Ramírez",
        "Tombé",
        "Toribío",
        "prosecutor",
        "Guard organisation",
    ] {
        assert!(
            !text.contains(hidden),
            "the digest shows {hidden:?}:\n{text}"
        );
        assert!(!to_ana.data.contains(hidden));
    }
    // The overdue one comes first.
    let first = text
        .find(&format!("/cases/actions/{overdue}/edit"))
        .unwrap();
    assert!(first < text.find(&format!("/cases/actions/{soon}/edit")).unwrap());

    // Each send is in the audit log, with the actions listed.
    assert_eq!(audit_count(&db, "reminder_digest", "export").await, 2);

    // A second run the same day sends nothing.
    let again = send_digests(&db.store, &smtp, day, base, false)
        .await
        .unwrap();
    assert!(again.sent.is_empty(), "{again}");
    assert_eq!(again.already.len(), 2);
    assert_eq!(inbox.lock().unwrap().len(), 2);
    // Unless forced; and the next day it goes again.
    let forced = send_digests(&db.store, &smtp, day, base, true)
        .await
        .unwrap();
    assert_eq!(forced.sent.len(), 2);
    let next = send_digests(&db.store, &smtp, day.succ_opt().unwrap(), base, false)
        .await
        .unwrap();
    assert_eq!(next.sent.len(), 2);
    assert_eq!(inbox.lock().unwrap().len(), 6);
    assert_eq!(audit_count(&db, "reminder_digest", "export").await, 6);

    // A digest that cannot be delivered is reported, and not recorded as sent.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let failing = send_digests(
        &db.store,
        &mailer(dead),
        day.succ_opt().unwrap().succ_opt().unwrap(),
        base,
        false,
    )
    .await
    .unwrap();
    assert_eq!(failing.failed.len(), 2, "{failing}");
    assert!(db
        .store
        .digest_sent(ana.id, day.succ_opt().unwrap().succ_opt().unwrap())
        .await
        .unwrap()
        .is_none());

    // Addresses are checked; a bad one names the field and changes nothing.
    match db
        .store
        .set_user_email(ana.id, "ana at example", None)
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "email"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        db.store.user_email(ana.id).await.unwrap(),
        "ana@example.org"
    );
}

// ---------------------------------------------------------------- pages and API

async fn detention_pages_and_api_work_without_javascript(db: TestDb) {
    let (user, po) = officer(&db).await;
    let s = support::seed(&po).await;
    let case = case_for(&po, "Journalist jailed", &s.person.code).await;
    let mut b = Browser::on(app(&db));
    assert_eq!(
        b.login(&user.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let form = b.get(&format!("/cases/{case}/detentions/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    // A refused form comes back with the error beside the field, and nothing saved.
    let bad = b
        .post(
            &format!("/cases/{case}/detentions/new"),
            &[("csrf", &csrf), ("place", ""), ("since", "2026-11-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"place-err\""), "{}", bad.body);
    assert!(po.detained().await.unwrap().is_empty());
    let ok = b
        .post(
            &format!("/cases/{case}/detentions/new"),
            &[
                ("csrf", &csrf),
                ("place", "Támara prison"),
                ("since", "2026-11-01"),
                ("charges", "Usurpation"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page_path = ok.location().split('?').next().unwrap().to_owned();
    let d: Id = page_path.rsplit('/').next().unwrap().parse().unwrap();
    let page = b.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("27 days"), "{}", page.body);
    assert!(!page.body.contains("<script"), "no JavaScript");
    // A hearing, then the release.
    let h = b
        .post(
            &format!("/cases/detentions/{d}/hearings"),
            &[
                ("csrf", &csrf),
                ("held_on", "2026-12-08"),
                ("held_at", "09:30"),
                ("court", "Juzgado de Letras"),
            ],
        )
        .await;
    assert_eq!(h.status, StatusCode::SEE_OTHER, "{}", h.body);
    let list = b.get("/cases/detained").await;
    assert!(list.body.contains(&s.person.code) && list.body.contains("2026-12-08"));
    let case_page = b.get(&format!("/cases/{case}")).await;
    assert!(case_page.body.contains(&format!("/cases/detentions/{d}")));
    assert!(
        case_page.body.contains("Hearing: Juzgado de Letras"),
        "timeline entry: {}",
        case_page.body
    );
    let release = b
        .post(
            &format!("/cases/detentions/{d}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("place", "Támara prison"),
                ("since", "2026-11-01"),
                ("released_on", "2026-11-17"),
            ],
        )
        .await;
    assert_eq!(release.status, StatusCode::SEE_OTHER, "{}", release.body);
    assert!(b
        .get("/cases/detained")
        .await
        .body
        .contains("Nobody is recorded as detained"));
    assert_eq!(po.detention(d).await.unwrap().0.days, 16);

    // Each page stays within the page-weight budget, with nothing from another host.
    let css = b.get("/static/style.css").await.body.len();
    for path in [
        page_path.clone(),
        "/cases/detained".to_owned(),
        format!("/cases/{case}/detentions/new"),
        "/account/calendar".to_owned(),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(
            p.body.len() + css <= 30 * 1024,
            "{path}: {} bytes",
            p.body.len()
        );
        assert!(
            !p.body.contains("src=\"http") && !p.body.contains("href=\"http"),
            "{path}"
        );
    }

    // The calendar page shows a new feed address once.
    let cal = b.post("/account/calendar", &[("csrf", &csrf)]).await;
    assert_eq!(cal.status, StatusCode::OK);
    assert!(cal.body.contains("https://vigil.example.org/calendar/vgf_"));
    assert!(!b
        .get("/account/calendar")
        .await
        .body
        .contains("/calendar/vgf_"));

    // Administrators set addresses; a bad one is refused beside its field.
    let admin = db.user(Role::Admin).await;
    let mut ab = Browser::on(app(&db));
    ab.login(&admin.username, PASSWORD).await;
    let emails = ab.get("/admin/emails").await;
    assert_eq!(emails.status, StatusCode::OK);
    let acsrf = emails.csrf();
    let refused = ab
        .post(
            &format!("/admin/users/{}/email", user.id),
            &[("csrf", &acsrf), ("email", "not an address")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(&format!("email-{}-err", user.id)));
    let saved = ab
        .post(
            &format!("/admin/users/{}/email", user.id),
            &[("csrf", &acsrf), ("email", "po@example.org")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        db.store.user_email(user.id).await.unwrap(),
        "po@example.org"
    );
    // A protection officer may not.
    assert_eq!(b.get("/admin/emails").await.status, StatusCode::FORBIDDEN);

    // The API: record, add a hearing, list, release; in the OpenAPI document.
    let token = db
        .store
        .create_api_token(user.id, "test", None)
        .await
        .unwrap()
        .1;
    let api = app(&db);
    let call = |method: &str, path: String, body: Option<serde_json::Value>| {
        let api = api.clone();
        let token = token.clone();
        let method = method.to_owned();
        async move {
            let mut req = Request::builder()
                .method(method.as_str())
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            let body = match body {
                Some(j) => {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                    Body::from(j.to_string())
                }
                None => Body::empty(),
            };
            let res = api.oneshot(req.body(body).unwrap()).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            )
        }
    };
    let other = support::create_person(&po, "Dora Test").await;
    let case2 = case_for(&po, "Second", &other.code).await;
    let (st, det) = call(
        "POST",
        format!("/api/v1/cases/{case2}/detentions"),
        Some(serde_json::json!({"place": "Cell 4", "since": "2026-11-18"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{det}");
    assert_eq!(det["days"], 10);
    let did = det["id"].as_i64().unwrap();
    let (st, bad) = call(
        "POST",
        format!("/api/v1/cases/detentions/{did}/hearings"),
        Some(serde_json::json!({"held_on": "2026-11-01", "court": "Court"})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    let (st, with) = call(
        "POST",
        format!("/api/v1/cases/detentions/{did}/hearings"),
        Some(serde_json::json!({"held_on": "2026-12-02", "held_at": "14:00", "court": "Court"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(with["hearings"][0]["held_at"], "14:00:00");
    let (st, list) = call("GET", "/api/v1/cases/detained".into(), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list[0]["detention"]["id"], did);
    let (st, file) = call("GET", format!("/api/v1/cases/{case2}"), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(file["detentions"][0]["id"], did);
    let (st, _) = call(
        "PUT",
        format!("/api/v1/cases/detentions/{did}"),
        Some(serde_json::json!({"version": 1, "detention": {"place": "Cell 4", "since": "2026-11-18", "released_on": "2026-11-25"}})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, one) = call("GET", format!("/api/v1/cases/detentions/{did}"), None).await;
    assert_eq!(
        (one["days"].as_i64(), one["version"].as_i64()),
        (Some(7), Some(2))
    );
    let hid = one["hearings"][0]["id"].as_i64().unwrap();
    let (st, _) = call("DELETE", format!("/api/v1/cases/hearings/{hid}"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);

    let (_, doc) = call("GET", "/api/v1/openapi.json".into(), None).await;
    for p in [
        "/api/v1/cases/detained",
        "/api/v1/cases/{id}/detentions",
        "/api/v1/cases/detentions/{id}",
        "/api/v1/cases/detentions/{id}/hearings",
        "/api/v1/cases/hearings/{id}",
    ] {
        assert!(
            doc["paths"][p].is_object(),
            "{p} not in the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Detention"].is_object());
}

/// `vigil demo` shows the tracker: the monitored case's person was held 47 days, with
/// a trial hearing ahead (in the calendar feed). It also fills the public portal
/// (journey 3, issue 6 point 7): one release with a revision (three killings added,
/// with the reason) and one published alert about a person who consents to be named.
#[tokio::test]
async fn demo_data_includes_a_detention_with_hearings() {
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
    let monitored = admin
        .cases(vigil_store::cases::CaseList::Status(
            vigil_domain::case::CaseStatus::Monitoring,
        ))
        .await
        .unwrap();
    let file = admin.case_file(monitored[0].id).await.unwrap();
    let d = &file.detentions[0];
    assert_eq!((d.days, d.open()), (47, false));
    assert_eq!(d.hearings.len(), 3);
    assert!(admin.detained().await.unwrap().is_empty(), "released");
    let feed = admin.hearing_feed().await.unwrap();
    assert_eq!(
        feed.len(),
        1,
        "only the trial is ahead (or within 30 days back)"
    );
    assert_eq!(feed[0].person_code, d.person_code);

    let reader = vigil_store::public::PublicReader::new(&db.store);
    let releases = db.store.public_releases().await.unwrap();
    assert_eq!(releases.len(), 1, "one release series on the portal");
    assert_eq!(releases[0].revision, 2, "the list shows the revision");
    assert!(releases[0].reason.contains("three more killings"));
    let (_, series) = db.store.public_release(releases[0].id).await.unwrap();
    assert_eq!(
        series.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [1, 2],
        "the figure's history: both revisions published"
    );
    let raw = admin.release_series(releases[0].id).await.unwrap();
    assert_eq!(
        raw[1].raw[0].total - raw[0].raw[0].total,
        3,
        "the revision counts the three killings documented after the freeze"
    );
    assert_eq!(
        reader.latest_release().await.unwrap().map(|r| r.id),
        Some(releases[0].id)
    );
    let alerts = reader.alerts().await.unwrap();
    assert_eq!(alerts.len(), 1, "one published alert");
    assert_eq!(reader.alert(alerts[0].id).await.unwrap(), alerts[0]);
}
