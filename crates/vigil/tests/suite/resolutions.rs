//! Resolutions and state commitments (issue 7) on both databases: the roll-call
//! sample (`tests/data/resolutions/`, the UN General Assembly voting data set's
//! layout) imported and imported again without change, symbols in several spellings,
//! COW codes, a bad line refused with its file and line and nothing written, the
//! tally, consensus lists and sponsor lists, permissions and audit entries, the
//! scorecard and the sponsor comparison on a hand-built data set (counts through the
//! compartment-checked statistics layer), and the pages and upload form.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use vigil_domain::model::*;
use vigil_domain::resolution::*;
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::compartments::{Level, DEFAULT_COMPARTMENT};
use vigil_store::{Access, StoreError};
use vigil_web::resolution_files::{self, ImportError};

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    roll_call_sample_imports_once_and_again_without_change,
    cow_codes_and_changed_votes_update_the_roll_call,
    a_bad_line_is_named_and_nothing_is_written,
    symbols_in_any_spelling_are_one_resolution,
    consensus_lists_and_sponsor_lists_import,
    only_editors_change_resolutions_and_every_change_is_audited,
    scorecard_and_comparison_on_a_hand_built_data_set,
    extreme_years_match_nothing_instead_of_failing,
);

fn data(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/resolutions")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn import_sample(a: &Access) -> resolution_files::ImportOutcome {
    resolution_files::import_roll_calls(
        a,
        ("rollcalls.csv", &data("rollcalls.csv")),
        ("votes.csv", &data("votes.csv")),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let rows = db
        .store
        .backend()
        .query(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
        .unwrap();
    rows[0].int(0)
}

async fn imports_audited(db: &TestDb) -> usize {
    db.store
        .audit_entries(
            &AuditFilter {
                action: "import".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items
        .len()
}

async fn roll_call_sample_imports_once_and_again_without_change(db: TestDb) {
    let a = db.access(Role::Analyst).await;
    let first = import_sample(&a).await;
    assert_eq!(first.counts.resolutions_created, 1);
    assert_eq!(first.counts.created, 3);
    assert_eq!(first.skipped, 1, "the procedural vote has no symbol");
    assert_eq!(
        first.votes, 18,
        "the Holy See's 9 (not a member) is no vote"
    );

    let id = a.resolution_id("A/RES/70/161").await.unwrap().unwrap();
    let f = a.resolution_file(id).await.unwrap();
    assert_eq!(f.resolution.symbol, "A/RES/70/161");
    assert_eq!(f.resolution.adoption, Adoption::RecordedVote);
    assert_eq!(f.resolution.adopted_on.unwrap().to_string(), "2015-12-17");
    assert_eq!(f.resolution.session, Some(70));
    // The tally is computed from the stored votes of the vote on the whole text.
    let main = f.main_vote().unwrap();
    assert_eq!(main.rcid, Some(5826));
    assert!(main.important);
    assert_eq!(
        main.tally,
        Tally {
            yes: 5,
            no: 3,
            abstain: 2,
            absent: 1
        }
    );
    let iran = main.votes.iter().find(|v| v.state == "IR").unwrap();
    assert_eq!(iran.vote, VoteChoice::No);
    // Amendment and paragraph votes are kept apart.
    let others = f.other_votes();
    assert_eq!(others.len(), 2);
    assert_eq!(others[0].kind, RollCallKind::Amendment);
    assert_eq!(others[0].tally.record(), "2-2-0");
    assert_eq!(others[1].kind, RollCallKind::Paragraph);
    let listed = a.resolutions(&Default::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].tally, Some(main.tally));

    // Again: nothing changes.
    let votes_before = count(&db, "roll_call_votes").await;
    let again = import_sample(&a).await;
    assert_eq!(again.counts.resolutions_created, 0);
    assert_eq!((again.counts.created, again.counts.updated), (0, 0));
    assert_eq!(again.counts.unchanged, 3);
    assert_eq!(count(&db, "roll_call_votes").await, votes_before);
    assert_eq!(count(&db, "resolutions").await, 1);
    assert_eq!(count(&db, "roll_calls").await, 3);
    assert_eq!(a.resolution_file(id).await.unwrap(), f);
    assert_eq!(imports_audited(&db).await, 2);
}

async fn cow_codes_and_changed_votes_update_the_roll_call(db: TestDb) {
    let a = db.access(Role::Admin).await;
    import_sample(&a).await;
    // Older releases: `Country` is a COW code (NOR, SWD, NIG…), `Countryname` the
    // name; AUS is Austria there (Australia in ISO), which the name decides.
    let calls = "rcid,session,importantvote,date,unres,amend,para,short,descr\n\
        5826,70,1,2015-12-17,A/RES/70/161,0,0,HUMAN RIGHTS DEFENDERS,\"TO ADOPT THE DRAFT RESOLUTION\"\n";
    let out = resolution_files::import_roll_calls(
        &a,
        ("rc-5826.csv", calls.as_bytes()),
        ("votes_cow.csv", &data("votes_cow.csv")),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.counts.created, out.counts.updated), (0, 1));
    let id = a.resolution_id("R/70/161").await.unwrap().unwrap();
    let f = a.resolution_file(id).await.unwrap();
    let main = f.main_vote().unwrap();
    assert_eq!(main.tally.yes, 6, "Austria joins the yes votes");
    assert!(main.votes.iter().any(|v| v.state == "AT"));
    assert!(!main.votes.iter().any(|v| v.state == "AU"));
    assert!(main
        .votes
        .iter()
        .any(|v| v.state == "SE" && v.vote == VoteChoice::Yes));
    assert!(main
        .votes
        .iter()
        .any(|v| v.state == "NG" && v.vote == VoteChoice::Abstain));
    // The amendment and paragraph votes were not in this file pair: untouched.
    assert_eq!(f.other_votes().len(), 2);
    assert_eq!(f.other_votes()[0].votes.len(), 4);
}

async fn a_bad_line_is_named_and_nothing_is_written(db: TestDb) {
    let a = db.access(Role::Analyst).await;
    let mut votes = String::from_utf8(data("votes.csv")).unwrap();
    votes.push_str("5826,Atlantis,XX,1\n5826,Norway,NO,1\n5826,Chile,CL,5\n");
    let err = resolution_files::import_roll_calls(
        &a,
        ("rollcalls.csv", &data("rollcalls.csv")),
        ("votes.csv", votes.as_bytes()),
    )
    .await
    .unwrap_err();
    let ImportError::Rows(list) = err else {
        panic!("expected row errors");
    };
    let text: Vec<String> = list.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(
        text[0].starts_with("votes.csv:22: column country_code: unknown state"),
        "{text:?}"
    );
    assert!(
        text[1].starts_with("votes.csv:23: column country: a second vote of NO"),
        "{text:?}"
    );
    assert!(
        text[2].starts_with("votes.csv:24: column vote:"),
        "{text:?}"
    );
    for t in ["resolutions", "roll_calls", "roll_call_votes"] {
        assert_eq!(count(&db, t).await, 0, "{t}");
    }
    assert_eq!(imports_audited(&db).await, 0);

    // A missing column is named on the header line.
    let err = resolution_files::import_roll_calls(
        &a,
        (
            "rc.csv",
            b"rcid,session,date,unres\n1,70,2015-12-17,R/70/161\n",
        ),
        ("votes.csv", &data("votes.csv")),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("rc.csv:1: column importantvote"),
        "{err}"
    );

    // A sponsor list naming a resolution not stored: its line, nothing written.
    import_sample(&a).await;
    let sponsors = "symbol,country,role\nA/RES/70/161,Norway,main\nA/RES/99/999,Sweden,co\n";
    let err = resolution_files::import_sponsor_list(&a, "sp.csv", sponsors.as_bytes())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("sp.csv:3: column symbol: no resolution A/RES/99/999"),
        "{err}"
    );
    assert_eq!(count(&db, "resolution_sponsors").await, 0);
}

async fn symbols_in_any_spelling_are_one_resolution(db: TestDb) {
    let a = db.access(Role::Analyst).await;
    let input = ResolutionInput {
        symbol: "R/72/247".into(),
        title: "Human rights defenders".into(),
        adoption: "without_vote".into(),
        adopted_on: "2017-12-24".into(),
        topics: "Defenders".into(),
        main_sponsors: "Norway".into(),
        co_sponsors: "Sweden\nMexico".into(),
        ..Default::default()
    };
    let id = a.create_resolution(&input).await.unwrap();
    for spelling in [
        "A/RES/72/247",
        "A/RES/72/247 ",
        "a/res/72/247",
        "RES/72/247",
    ] {
        assert_eq!(
            a.resolution_id(spelling).await.unwrap(),
            Some(id),
            "{spelling}"
        );
    }
    let again = ResolutionInput {
        symbol: " A/RES/72/247".into(),
        ..input.clone()
    };
    match a.create_resolution(&again).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.for_field("symbol").unwrap().key, "err-resolution-exists")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let bad = ResolutionInput {
        symbol: "seventy-two".into(),
        ..input.clone()
    };
    match a.create_resolution(&bad).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.for_field("symbol").unwrap().key, "err-resolution-symbol")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(count(&db, "resolutions").await, 1);
    let f = a.resolution_file(id).await.unwrap();
    assert_eq!(f.resolution.topics, vec!["defenders".to_owned()]);
    assert_eq!(f.sponsors.len(), 3);
    assert_eq!(
        f.sponsors
            .iter()
            .filter(|s| s.role == SponsorRole::Main)
            .count(),
        1
    );
}

async fn consensus_lists_and_sponsor_lists_import(db: TestDb) {
    let a = db.access(Role::Analyst).await;
    let out = resolution_files::import_resolution_list(&a, "consensus.csv", &data("consensus.csv"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.counts.created, 2);
    let again =
        resolution_files::import_resolution_list(&a, "consensus.csv", &data("consensus.csv"))
            .await
            .unwrap();
    assert_eq!(
        (
            again.counts.created,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, 2)
    );
    let hrc = a.resolution_id("A/HRC/RES/31/32").await.unwrap().unwrap();
    let f = a.resolution_file(hrc).await.unwrap();
    assert_eq!(f.resolution.body, vigil_domain::resolution::Body::Hrc);
    assert_eq!(f.resolution.adoption, Adoption::Consensus);
    assert_eq!(
        f.resolution.topics,
        vec!["defenders".to_owned(), "esc_rights".to_owned()]
    );
    // The same topic over the years, oldest first.
    let symbols: Vec<&str> = f.same_topic.iter().map(|r| r.symbol.as_str()).collect();
    assert_eq!(symbols, ["A/HRC/RES/31/32", "A/RES/72/247"]);

    import_sample(&a).await;
    let s = resolution_files::import_sponsor_list(&a, "sponsors.csv", &data("sponsors.csv"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.counts.updated, s.counts.unchanged), (1, 0));
    let s = resolution_files::import_sponsor_list(&a, "sponsors.csv", &data("sponsors.csv"))
        .await
        .unwrap();
    assert_eq!((s.counts.updated, s.counts.unchanged), (0, 1));
    let id = a.resolution_id("A/RES/70/161").await.unwrap().unwrap();
    let f = a.resolution_file(id).await.unwrap();
    assert_eq!(f.sponsors.len(), 5);
    // A row of a list without sponsor columns leaves the sponsors alone.
    let list = "symbol,title,body,session,adopted_on,adoption,topics\n\
        A/RES/70/161,Protecting human rights defenders,ga_plenary,70,2015-12-17,recorded_vote,defenders\n";
    let out = resolution_files::import_resolution_list(&a, "l.csv", list.as_bytes())
        .await
        .unwrap();
    assert_eq!(out.counts.updated, 1);
    let f = a.resolution_file(id).await.unwrap();
    assert_eq!(f.sponsors.len(), 5);
    assert_eq!(f.resolution.topics, vec!["defenders".to_owned()]);
    assert_eq!(f.main_vote().unwrap().tally.yes, 5);
}

async fn only_editors_change_resolutions_and_every_change_is_audited(db: TestDb) {
    let input = ResolutionInput {
        symbol: "A/RES/72/247".into(),
        title: "Human rights defenders".into(),
        adoption: "consensus".into(),
        ..Default::default()
    };
    for role in [Role::Viewer, Role::Documenter, Role::ProtectionOfficer] {
        let a = db.access(role).await;
        assert!(
            matches!(
                a.create_resolution(&input).await,
                Err(StoreError::Forbidden)
            ),
            "{role}"
        );
        let r = resolution_files::import_roll_calls(
            &a,
            ("rollcalls.csv", &data("rollcalls.csv")),
            ("votes.csv", &data("votes.csv")),
        )
        .await;
        assert!(
            matches!(r, Err(ImportError::Store(StoreError::Forbidden))),
            "{role}"
        );
        // Reading is for everyone.
        assert!(a.resolutions(&Default::default()).await.is_ok());
    }
    assert_eq!(count(&db, "resolutions").await, 0);
    let a = db.access(Role::Analyst).await;
    let id = a.create_resolution(&input).await.unwrap();
    let changed = ResolutionInput {
        topics: "defenders".into(),
        ..input.clone()
    };
    assert!(a.update_resolution(id, &changed).await.unwrap());
    assert!(
        !a.update_resolution(id, &changed).await.unwrap(),
        "an edit that changes nothing writes nothing"
    );
    let p = a
        .add_paragraph(
            id,
            &ParagraphInput {
                number: "2".into(),
                text: "Condemns the killing of human rights defenders".into(),
                violation_types: "killing, death_threat".into(),
            },
        )
        .await
        .unwrap();
    match a
        .add_paragraph(
            id,
            &ParagraphInput {
                number: "3".into(),
                text: "x".into(),
                violation_types: "not_a_type".into(),
            },
        )
        .await
    {
        Err(StoreError::Invalid(e)) => assert!(e.for_field("violation_types").is_some()),
        other => panic!("{other:?}"),
    }
    let f = a.resolution_file(id).await.unwrap();
    assert_eq!(f.paragraphs.len(), 1);
    assert_eq!(f.paragraphs[0].violation_types, ["killing", "death_threat"]);
    a.delete_paragraph(id, p).await.unwrap();
    let entries = db
        .store
        .audit_entries(
            &AuditFilter {
                entity: "resolution".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<String> = entries.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        actions.iter().filter(|x| *x == "create").count(),
        1,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|x| *x == "update").count(),
        2,
        "{actions:?}"
    );
}

/// One incident in Colombia on `date` with one violation of `vtype` by `perp`.
fn incident(person: Id, group: Id, date: &str, vtype: &str, perp: &str) -> IncidentInput {
    let mut i = support::killing_in_cauca(person, group);
    i.title = format!("{vtype} {date}");
    i.start_date = date.into();
    i.violations.truncate(1);
    i.violations[0].violation_type = vtype.into();
    i.violations[0].perpetrators[0].perpetrator_type = perp.into();
    i
}

async fn scorecard_and_comparison_on_a_hand_built_data_set(db: TestDb) {
    let analyst = db.access(Role::Analyst).await;
    import_sample(&analyst).await;
    resolution_files::import_resolution_list(&analyst, "consensus.csv", &data("consensus.csv"))
        .await
        .unwrap();
    resolution_files::import_sponsor_list(&analyst, "sponsors.csv", &data("sponsors.csv"))
        .await
        .unwrap();
    let list = "symbol,title,body,session,adopted_on,adoption,topics\n\
        A/RES/70/161,Protecting human rights defenders,ga_plenary,70,2015-12-17,recorded_vote,defenders\n";
    resolution_files::import_resolution_list(&analyst, "l.csv", list.as_bytes())
        .await
        .unwrap();

    // Incidents in Colombia the analyst may count…
    let doc = db.access(Role::Documenter).await;
    let s = support::seed(&doc).await; // 2024: a killing and a death threat
    let (p, g) = (s.person.id, s.group.id);
    for (date, vtype, perp) in [
        ("2016-05-02", "killing", "police"),
        ("2016-08-20", "killing", "hired_killers"),
        ("2018-01-10", "death_threat", "military"),
    ] {
        doc.create_incident(&incident(p, g, date, vtype, perp))
            .await
            .unwrap();
    }
    // … and one in a compartment the analyst is not in.
    let elsewhere = db
        .store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    let outsider = db.user(Role::Documenter).await;
    db.store
        .set_membership(elsewhere, outsider.id, Some(Level::Full), None)
        .await
        .unwrap();
    db.store
        .set_membership(DEFAULT_COMPARTMENT, outsider.id, None, None)
        .await
        .unwrap();
    let out = db
        .access_for(&vigil_store::Actor::from(&outsider))
        .in_compartment(elsewhere);
    let hidden_person = support::create_person(&out, "Hidden Person").await;
    let hidden_group = support::create_group(&out, "Hidden Group").await;
    out.create_incident(&incident(
        hidden_person.id,
        hidden_group.id,
        "2016-06-01",
        "killing",
        "military",
    ))
    .await
    .unwrap();

    let card = analyst
        .scorecard("Colombia", "defenders", Some(2015), Some(2020))
        .await
        .unwrap();
    assert_eq!(card.state.alpha2, "CO");
    let lines: Vec<(&str, Option<SponsorRole>, Position)> = card
        .lines
        .iter()
        .map(|l| (l.symbol.as_str(), l.sponsor, l.position))
        .collect();
    assert_eq!(
        lines,
        [
            ("A/RES/70/161", Some(SponsorRole::Co), Position::Yes),
            ("A/HRC/RES/31/32", None, Position::Consensus),
            ("A/RES/72/247", Some(SponsorRole::Co), Position::Consensus),
        ]
    );
    assert_eq!(card.totals.co_sponsored, 2);
    assert_eq!(card.totals.yes, 1);
    assert_eq!(card.totals.consensus, 2);
    let cells = resolution_files::violation_cells(&card);
    assert_eq!(
        cells,
        [
            ("2016".to_owned(), "killing".to_owned(), 2, 1),
            ("2018".to_owned(), "death_threat".to_owned(), 1, 1),
        ],
        "the compartment's killing is not counted; 2024 is outside the years"
    );
    // China voted no and sponsored nothing.
    let cn = analyst
        .scorecard("CN", "defenders", None, None)
        .await
        .unwrap();
    assert_eq!(cn.lines[0].position, Position::No);
    assert_eq!(cn.totals.no, 1);
    // Bad input names the field.
    match analyst.scorecard("Atlantis", "", None, None).await {
        Err(StoreError::Invalid(e)) => assert!(e.for_field("state").is_some()),
        other => panic!("{other:?}"),
    }

    // Co-sponsors of A/RES/70/161 where killings were documented the following year.
    let id = analyst
        .resolution_id("A/RES/70/161")
        .await
        .unwrap()
        .unwrap();
    let c = analyst.sponsor_comparison(id, None, "").await.unwrap();
    assert_eq!((c.year, c.verb.as_str()), (2016, "killing"));
    assert_eq!(c.documented.len(), 1);
    assert_eq!(c.documented[0].state, "CO");
    assert_eq!(c.documented[0].incidents, 2);
    assert_eq!(c.documented[0].by_state_actors, 1);
    assert_eq!(c.without, 4);
    // The outsider counts their own compartment's killing.
    let theirs = out.sponsor_comparison(id, None, "killing").await.unwrap();
    assert_eq!(theirs.documented[0].incidents, 1);

    // The CSV has both tables.
    let csv = resolution_files::scorecard_csv(&card);
    assert!(csv.starts_with("section,state,topic,symbol"));
    assert!(csv.contains("resolution,CO,defenders,A/RES/70/161,"));
    assert!(csv.contains("violations,CO,defenders,,,,,,,2016,killing,2,1"));
}

// ---------------------------------------------------------------- pages

fn multipart(csrf: &str, files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let b = "vigilresolutionsboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn upload(b: &mut Browser, path: &str, files: &[(&str, &str, &[u8])]) -> crate::web::Page {
    let csrf = b.get("/resolutions/import").await.csrf();
    let (ct, body) = multipart(&csrf, files);
    let req = Request::post(path)
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    b.send(req).await
}

#[tokio::test]
async fn pages_forms_and_uploads_without_javascript() {
    let db = support::sqlite().await;
    let analyst = db.user(Role::Analyst).await;
    let mut b = Browser::new(&db);
    assert_eq!(
        b.login(&analyst.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // A refused upload lists file:line problems and writes nothing.
    let mut votes = data("votes.csv");
    votes.extend_from_slice(b"5826,Atlantis,XX,1\n");
    let refused = upload(
        &mut b,
        "/resolutions/import/rollcalls",
        &[
            ("rollcalls", "rollcalls.csv", &data("rollcalls.csv")),
            ("votes", "votes.csv", &votes),
        ],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("votes.csv:22: column country_code"));
    assert_eq!(count(&db, "roll_calls").await, 0);

    let ok = upload(
        &mut b,
        "/resolutions/import/rollcalls",
        &[
            ("rollcalls", "rollcalls.csv", &data("rollcalls.csv")),
            ("votes", "votes.csv", &data("votes.csv")),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("3 created"), "{}", ok.body);
    let ok = upload(
        &mut b,
        "/resolutions/import/sponsors",
        &[("file", "sponsors.csv", &data("sponsors.csv"))],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    // Without the token: refused.
    let (ct, body) = multipart("wrong", &[("file", "sponsors.csv", &data("sponsors.csv"))]);
    let req = Request::post("/resolutions/import/sponsors")
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(b.send(req).await.status, StatusCode::FORBIDDEN);

    // Manual entry: errors name the field; then saved.
    let csrf = b.get("/resolutions/new").await.csrf();
    let bad = b
        .post(
            "/resolutions/new",
            &[
                ("csrf", &csrf),
                ("symbol", "nonsense"),
                ("title", ""),
                ("adoption", "consensus"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#symbol\""), "{}", bad.body);
    assert!(bad.body.contains("href=\"#title\""));
    let saved = b
        .post(
            "/resolutions/new",
            &[
                ("csrf", &csrf),
                ("symbol", "R/72/247"),
                ("title", "Human rights defenders"),
                ("body", "ga_plenary"),
                ("adoption", "without_vote"),
                ("adopted_on", "2017-12-24"),
                ("topics", "defenders"),
                ("main_sponsors", "Norway"),
                ("co_sponsors", "Sweden; Colombia"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // The resolution page: tally, sponsors, every state's vote, the same topic.
    let a = db.access_for(&vigil_store::Actor::from(&analyst));
    let id = a.resolution_id("A/RES/70/161").await.unwrap().unwrap();
    let viewer = db.user(Role::Viewer).await;
    let mut v = Browser::new(&db);
    v.login(&viewer.username, PASSWORD).await;
    let page = v.get(&format!("/resolutions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("A/RES/70/161"));
    assert!(page.body.contains("id=\"tally\""));
    assert!(
        page.body.contains("Yes 5 · No 3 · Abstain 2 · Absent 1"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Norway"));
    assert!(page.body.contains("Amendment"));
    assert!(
        page.body
            .contains(&format!("src=\"/resolutions/{id}/map.svg\"")),
        "the vote map"
    );
    let svg = v.get(&format!("/resolutions/{id}/map.svg")).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.body.contains("<title>Votes on A/RES/70/161</title>"));
    assert!(
        svg.body.contains("<title>Norway: Yes</title>"),
        "{}",
        svg.body
    );
    assert!(svg.body.contains("<title>China: No</title>"));
    assert!(page.body.contains("id=\"vote-list\""));
    assert!(!page.body.contains("/edit\""), "a viewer gets no edit link");
    assert!(!page.body.contains("<script"));
    for path in [
        "/resolutions".to_owned(),
        "/resolutions?topic=defenders".to_owned(),
        format!("/resolutions/{id}/compare"),
        "/scorecards".to_owned(),
        "/scorecards?state=CO&topic=defenders".to_owned(),
    ] {
        let p = v.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        assert!(p.body.len() < 30_000, "{path} weighs {}", p.body.len());
    }
    let csv = v.get("/scorecards.csv?state=CO&topic=defenders").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("resolution,CO,defenders,A/RES/72/247"),
        "{}",
        csv.body
    );
    // Viewers may not edit or import.
    assert_eq!(
        v.get("/resolutions/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        v.get("/resolutions/import").await.status,
        StatusCode::FORBIDDEN
    );
    // A full roll call (every member and observer) stays within the page budget.
    let mut all = String::from("rcid,country,country_code,vote\n");
    for c in un_states() {
        all.push_str(&format!("5826,,{},1\n", c.alpha2));
    }
    let calls = "rcid,session,importantvote,date,unres,amend,para,short,descr\n\
        5826,70,1,2015-12-17,A/RES/70/161,0,0,HUMAN RIGHTS DEFENDERS,x\n";
    resolution_files::import_roll_calls(
        &a,
        ("rc.csv", calls.as_bytes()),
        ("all.csv", all.as_bytes()),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let full = v.get(&format!("/resolutions/{id}")).await;
    let css = v.get("/static/style.css").await;
    assert!(un_states().len() >= 193);
    assert!(
        full.body.len() + css.body.len() <= 30 * 1024,
        "page {} + css {} bytes",
        full.body.len(),
        css.body.len()
    );
    // The list page shows at most 50; filters narrow it.
    let mut many = String::from("symbol,title,adoption,adopted_on,topics\n");
    for n in 1..=101 {
        many.push_str(&format!(
            "A/RES/50/{n},Resolution {n},consensus,1995-12-20,bulk\n"
        ));
    }
    resolution_files::import_resolution_list(&a, "many.csv", many.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let capped = v.get("/resolutions").await;
    assert!(
        capped
            .body
            .contains("The 50 most recent of 103 resolutions"),
        "{}",
        capped.body
    );
    assert!(
        capped.body.len() + css.body.len() <= 30 * 1024,
        "{}",
        capped.body.len()
    );
    let narrowed = v.get("/resolutions?topic=defenders").await;
    assert!(!narrowed.body.contains("most recent of"));
    // Spanish.
    v.lang = Some("es");
    let es = v.get(&format!("/resolutions/{id}")).await;
    assert!(es.body.contains("Votaciones"), "{}", es.body);
}

async fn api(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, String) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
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
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_api_imports_reads_and_scores() {
    use serde_json::{json, Value};
    let db = support::sqlite().await;
    let analyst = db.user(Role::Analyst).await;
    let (_, token) = db
        .store
        .create_api_token(analyst.id, "res", None)
        .await
        .unwrap();
    let viewer = db.user(Role::Viewer).await;
    let (_, viewer_token) = db
        .store
        .create_api_token(viewer.id, "v", None)
        .await
        .unwrap();
    let app = vigil_web::router(db.store.clone(), vigil_web::WebConfig::default());
    let files = json!({
        "rollcalls": String::from_utf8(data("rollcalls.csv")).unwrap(),
        "votes": String::from_utf8(data("votes.csv")).unwrap(),
    });
    let (st, _) = api(
        &app,
        "POST",
        "/api/v1/resolutions/import/rollcalls",
        &viewer_token,
        Some(files.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let mut bad = files.clone();
    bad["votes"] = Value::String(format!(
        "{}5826,Atlantis,XX,1\n",
        files["votes"].as_str().unwrap()
    ));
    let (st, body) = api(
        &app,
        "POST",
        "/api/v1/resolutions/import/rollcalls",
        &token,
        Some(bad),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("votes:22:country_code"), "{body}");
    assert_eq!(count(&db, "roll_calls").await, 0);
    let (st, body) = api(
        &app,
        "POST",
        "/api/v1/resolutions/import/rollcalls",
        &token,
        Some(files.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["counts"]["created"], 3);
    let (_, body) = api(
        &app,
        "POST",
        "/api/v1/resolutions/import/rollcalls",
        &token,
        Some(files),
    )
    .await;
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["counts"]["unchanged"], 3);

    let (st, body) = api(&app, "GET", "/api/v1/resolutions", &viewer_token, None).await;
    assert_eq!(st, StatusCode::OK);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list[0]["symbol"], "A/RES/70/161");
    assert_eq!(list[0]["tally"]["yes"], 5);
    let id = list[0]["id"].as_i64().unwrap();
    let (st, body) = api(
        &app,
        "GET",
        &format!("/api/v1/resolutions/{id}"),
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let f: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(f["roll_calls"][0]["kind"], "resolution");
    assert_eq!(f["roll_calls"][0]["tally"]["no"], 3);

    let (st, body) = api(
        &app,
        "POST",
        "/api/v1/resolutions",
        &token,
        Some(json!({"symbol": "R/72/247", "title": "Defenders", "adoption": "without_vote", "adopted_on": "2017-12-24", "topics": "defenders", "co_sponsors": "Colombia"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = api(
        &app,
        "POST",
        "/api/v1/resolutions",
        &token,
        Some(json!({"symbol": "A/RES/72/247", "title": "Again", "adoption": "consensus"})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.contains("err-resolution-exists"), "{body}");

    let (st, body) = api(
        &app,
        "GET",
        "/api/v1/scorecards?state=CO&topic=defenders",
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let card: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(card["lines"][0]["symbol"], "A/RES/72/247");
    assert_eq!(card["lines"][0]["position"], "consensus");
    assert_eq!(card["lines"][0]["sponsor"], "co");
    let (st, _) = api(
        &app,
        "GET",
        "/api/v1/scorecards?state=Atlantis",
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, body) = api(
        &app,
        "GET",
        "/api/v1/scorecards.csv?state=CO",
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("resolution,CO,,A/RES/70/161"), "{body}");
    let (st, body) = api(
        &app,
        "GET",
        &format!("/api/v1/resolutions/{id}/comparison?verb=killing&year=2016"),
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, _) = api(
        &app,
        "GET",
        &format!("/api/v1/resolutions/{id}/comparison?verb=maiming"),
        &viewer_token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// `vigil resolutions …` on an initialised instance: import (twice, the second
/// changing nothing), a refused file naming its line with exit code 2, show, list,
/// scorecard and compare.
#[test]
fn the_command_line_imports_shows_and_scores() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let d = dir.path().join("vigil");
    let (d, key) = (d.to_str().unwrap(), key.to_str().unwrap());
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(args)
            .args(["--data", d, "--key-file", key])
            .env_remove("VIGIL_MASTER_KEY")
            .env_remove("VIGIL_DATA")
            .env("VIGIL_LOG", "warn")
            .env("VIGIL_NEW_PASSWORD", "a long admin password")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), text)
    };
    let (code, out) = run(&["init"]);
    assert_eq!(code, Some(0), "{out}");
    let dir_data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/resolutions");
    let f = |n: &str| dir_data.join(n).to_str().unwrap().to_owned();
    let (rc, votes) = (f("rollcalls.csv"), f("votes.csv"));
    let (code, out) = run(&[
        "resolutions",
        "import",
        "--rollcalls",
        &rc,
        "--votes",
        &votes,
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("3 created"), "{out}");
    let (_, out) = run(&[
        "resolutions",
        "import",
        "--rollcalls",
        &rc,
        "--votes",
        &votes,
    ]);
    assert!(out.contains("0 created, 0 updated, 3 unchanged"), "{out}");
    let bad = dir.path().join("bad-votes.csv");
    std::fs::write(
        &bad,
        "rcid,country,country_code,vote\n5826,Norway,NO,1\n5826,Atlantis,XX,1\n",
    )
    .unwrap();
    let (code, out) = run(&[
        "resolutions",
        "import",
        "--rollcalls",
        &rc,
        "--votes",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("bad-votes.csv:3: column country_code"),
        "{out}"
    );
    assert!(out.contains("nothing was imported"), "{out}");
    let (code, out) = run(&["resolutions", "import-list", &f("consensus.csv")]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["resolutions", "import-sponsors", &f("sponsors.csv")]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["resolutions", "show", "R/70/161"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("vote on resolution (rcid 5826): yes 5 no 3 abstain 2 absent 1"),
        "{out}"
    );
    assert!(out.contains("main sponsors (1): Norway"), "{out}");
    let (_, out) = run(&["resolutions", "list", "--topic", "defenders"]);
    assert!(
        out.contains("A/RES/72/247") && out.contains("A/HRC/RES/31/32"),
        "{out}"
    );
    let (code, out) = run(&[
        "resolutions",
        "scorecard",
        "--state",
        "Colombia",
        "--format",
        "csv",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("resolution,CO,,A/RES/70/161,"), "{out}");
    let (code, out) = run(&["resolutions", "compare", "A/RES/70/161"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("sponsors with killing documented in 2016 (0 of 5)"),
        "{out}"
    );
}

/// Found by schemathesis: a year filter of `i32::MAX` overflowed computing the next
/// year (a 500). Years no adoption can have match nothing; scorecard periods ending
/// there are an open end.
async fn extreme_years_match_nothing_instead_of_failing(db: TestDb) {
    let a = db.access(Role::Analyst).await;
    for year in [i32::MAX, i32::MIN, -1, 10_000] {
        let found = a
            .resolutions(&vigil_store::resolutions::ResolutionFilter {
                year: Some(year),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(found.is_empty(), "{year}");
    }
    let topics = a.resolutions(&Default::default()).await.unwrap();
    assert!(topics.is_empty());
    let card = a
        .scorecard("Colombia", "defenders", Some(2015), Some(i32::MAX))
        .await;
    assert!(
        !matches!(card, Err(StoreError::Backend(_))),
        "no engine error: {card:?}"
    );
}
