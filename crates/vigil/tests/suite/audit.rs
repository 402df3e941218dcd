//! The tamper-evident audit log (issue 3, point 5), run on SQLite and PostgreSQL:
//! what each action records, that nothing sensitive is ever recorded, that a refused
//! write records nothing, that concurrent appends keep one chain — and that changing,
//! deleting, reordering or adding entries directly in the database, as an insider
//! would, is reported at the first broken link. Also `vigil audit verify` and the
//! administrators' page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::StatusCode;
use serde_json::Value;
use zeroize::Zeroizing;

use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::vocab::{Term, TermAttrs, VocabKind};
use vigil_domain::Role;
use vigil_store::audit::{
    chain_hash, query_digest, AuditEntry, AuditFilter, AuditRecord, BrokenLink, Fields, Problem,
};
use vigil_store::{Backend as _, Dialect, NewUser, Row, StoreError, Val};

use crate::support::*;
use crate::web::Browser;

backend_tests!(
    actions_are_recorded_in_order_and_the_chain_verifies,
    no_sensitive_value_reaches_the_audit_log,
    refused_writes_leave_no_entry,
    concurrent_appends_keep_one_chain,
    tampering_is_reported_at_the_first_broken_link,
);

// ---------------------------------------------------------------- helpers

/// An entry as (action, entity, username, user id, entity id).
type Summary<'a> = (&'a str, &'a str, &'a str, Option<Id>, Option<Id>);

/// Every entry, oldest first.
async fn entries(db: &TestDb) -> Vec<AuditRecord> {
    let mut all = db
        .store
        .audit_export(&AuditFilter::default(), 100_000)
        .await
        .unwrap();
    all.reverse();
    all
}

fn detail(e: &AuditRecord) -> Value {
    serde_json::from_str(&e.detail).unwrap()
}

/// Run statements directly on the database, past the store, in one transaction.
async fn raw(db: &TestDb, statements: &[(&str, Vec<Val>)]) {
    let mut tx = db.store.backend().begin().await.unwrap();
    for (sql, args) in statements {
        tx.execute(sql, args).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The stored row of one entry, every column.
async fn row(db: &TestDb, seq: i64) -> Row {
    db.store
        .backend()
        .query(
            "SELECT seq, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash FROM audit_log WHERE seq = $1",
            &[seq.into()],
        )
        .await
        .unwrap()
        .pop()
        .expect("the entry exists")
}

const INSERT: &str = "INSERT INTO audit_log (seq, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// What an insider with database access does first: remove the append-only triggers.
async fn drop_append_only_guards(db: &TestDb) {
    let statements: &[&str] = match db.store.dialect() {
        Dialect::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Dialect::Postgres => &[
            "DROP TRIGGER audit_log_no_update ON audit_log",
            "DROP TRIGGER audit_log_no_delete ON audit_log",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ],
    };
    let list: Vec<(&str, Vec<Val>)> = statements.iter().map(|s| (*s, Vec::new())).collect();
    raw(db, &list).await;
}

async fn broken(db: &TestDb) -> Option<BrokenLink> {
    db.store.verify_audit().await.unwrap().broken
}

fn new_user(username: &str, password: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        password: Zeroizing::new(password.into()),
        role,
        display_name: String::new(),
        language: String::new(),
    }
}

fn term(kind: VocabKind, code: &str) -> Term {
    Term {
        kind,
        code: code.into(),
        label_en: "Fisher".into(),
        label_es: "Pescador".into(),
        builtin: false,
        attrs: TermAttrs::default(),
    }
}

/// A few entries of different kinds, by a documenter: creations, reads, a search.
async fn some_entries(db: &TestDb) -> Seeded {
    let documenter = db.access(Role::Documenter).await;
    let s = seed(&documenter).await;
    documenter.incident(s.incident).await.unwrap();
    documenter.person(s.person.id).await.unwrap();
    documenter
        .incidents(&IncidentFilter {
            q: "guard".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    s
}

// ---------------------------------------------------------------- stories

async fn actions_are_recorded_in_order_and_the_chain_verifies(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let (an, dn) = (
        admin.actor().username.clone(),
        documenter.actor().username.clone(),
    );
    let (an, dn) = (an.as_str(), dn.as_str());
    let (aid, did) = (admin.actor().user_id, documenter.actor().user_id);
    assert!(entries(&db).await.is_empty(), "fixtures are not audited");

    let s = seed(&documenter).await;
    documenter.incident(s.incident).await.unwrap();
    viewer.incident(s.incident).await.unwrap(); // sees no sensitive field: no entry
    documenter.person(s.person.id).await.unwrap();
    viewer.person(s.person.id).await.unwrap(); // no entry
    let hits = documenter
        .incidents(&IncidentFilter {
            q: "Toribío".into(),
            country: "CO".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hits.total, 1);
    // A list without a query shows nothing sensitive: no entry.
    documenter
        .incidents(&IncidentFilter {
            country: "CO".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    documenter
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap();
    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.narrative = "Shot by two men on a motorbike, at dusk.".into();
    documenter
        .update_incident(s.incident, 1, &edit)
        .await
        .unwrap();
    // Persons are listed with their legal names to a documenter: recorded.
    documenter.persons(&PersonFilter::default()).await.unwrap();
    viewer.persons(&PersonFilter::default()).await.unwrap(); // no entry

    let alice = admin
        .create_user(new_user("alice", "a long enough passphrase", Role::Viewer))
        .await
        .unwrap();
    admin.set_user_role(alice.id, Role::Analyst).await.unwrap();
    admin.set_user_disabled(alice.id, true).await.unwrap();
    admin.set_user_disabled(alice.id, false).await.unwrap();
    admin
        .add_term(term(VocabKind::Characteristic, "fisher"))
        .await
        .unwrap();
    admin
        .delete_term(VocabKind::Characteristic, "fisher")
        .await
        .unwrap();
    let (token, _) = documenter.create_own_api_token("laptop").await.unwrap();
    documenter.revoke_own_api_token(token.id).await.unwrap();
    let victim = valid_person(&admin, &defender("Imported Defender")).await;
    let counts = admin
        .import_batch(
            &[],
            &[(
                vec![victim],
                simple_incident("Imported threat", "2024-05-01", 0),
            )],
        )
        .await
        .unwrap();
    assert_eq!(counts.created, 1);

    // Logins through the login form: accepted, wrong password, unknown account.
    let mut b = Browser::new(&db);
    assert_eq!(b.login(dn, PASSWORD).await.status, StatusCode::SEE_OTHER);
    let mut b = Browser::new(&db);
    assert_eq!(
        b.login(dn, "not the password at all").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.login("nobody-here", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    let all = entries(&db).await;
    let got: Vec<Summary> = all
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.entity.as_str(),
                e.username.as_str(),
                e.user_id,
                e.entity_id,
            )
        })
        .collect();
    let (inc, per, grp) = (Some(s.incident), Some(s.person.id), Some(s.group.id));
    let expected: Vec<Summary> = vec![
        ("create", "person", dn, Some(did), per),
        ("create", "group", dn, Some(did), grp),
        ("create", "incident", dn, Some(did), inc),
        ("read", "incident", dn, Some(did), inc),
        ("read", "person", dn, Some(did), per),
        ("search", "incident", dn, Some(did), None),
        ("export", "incident", dn, Some(did), None),
        ("update", "incident", dn, Some(did), inc),
        ("list", "person", dn, Some(did), None),
        ("user_create", "user", an, Some(aid), Some(alice.id)),
        ("user_role", "user", an, Some(aid), Some(alice.id)),
        ("user_disable", "user", an, Some(aid), Some(alice.id)),
        ("user_enable", "user", an, Some(aid), Some(alice.id)),
        ("term_add", "vocab_term", an, Some(aid), None),
        ("term_delete", "vocab_term", an, Some(aid), None),
        ("token_create", "api_token", dn, Some(did), Some(token.id)),
        ("token_revoke", "api_token", dn, Some(did), Some(token.id)),
        ("import", "incident", an, Some(aid), None),
        ("login", "user", dn, Some(did), Some(did)),
        ("login_failed", "user", dn, Some(did), Some(did)),
        ("login_failed", "user", "", None, None),
    ];
    assert_eq!(got, expected);

    // The details say what happened without a sensitive value.
    let by = |action: &str| all.iter().find(|e| e.action == action).map(detail).unwrap();
    let search = by("search");
    assert_eq!(search["q_sha256"], query_digest("Toribío"));
    assert_eq!(search["filters"], serde_json::json!(["country"]));
    assert_eq!(search["total"], 1);
    assert_eq!(search["ids"], serde_json::json!([s.incident]));
    let update = by("update");
    assert_eq!(update["version"], 2);
    assert_eq!(update["changed"], serde_json::json!(["narrative"]));
    assert_eq!(by("create")["version"], 1);
    assert_eq!(by("export")["count"], 1);
    assert_eq!(by("user_create")["username"], "alice");
    assert_eq!(by("user_create")["role"], "viewer");
    assert_eq!(by("user_role")["role"], "analyst");
    assert_eq!(by("term_add")["code"], "fisher");
    assert_eq!(by("token_create")["name"], "laptop");
    assert_eq!(by("import")["created"], 1);
    assert_eq!(by("list")["ids"], serde_json::json!([s.person.id]));
    let unknown = all.last().map(detail).unwrap();
    assert_eq!(unknown["account"], "unknown");

    // A chain without gaps, each entry pointing at the one before.
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.expected_hash(), e.hash);
        if i > 0 {
            assert_eq!(e.prev_hash, all[i - 1].hash);
        }
        assert_eq!(e.time(), now(), "the store's clock dates every entry");
    }
    assert_eq!(all[0].prev_hash, vigil_store::audit::GENESIS);
    let report = db.store.verify_audit().await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 21);
    assert_eq!(report.head_seq, 21);
    assert_eq!(report.head_hash, all[20].hash);

    // Administrators read the log through Access, with filters; nobody else may.
    let page = admin
        .audit_log(
            &AuditFilter {
                user: dn.to_uppercase(),
                action: "read".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].entity, "person", "newest first");
    let today = now().date_naive();
    let dated = AuditFilter {
        from: Some(today),
        to: Some(today),
        ..Default::default()
    };
    assert_eq!(admin.audit_log(&dated, 1).await.unwrap().total, 21);
    let tomorrow = AuditFilter {
        from: today.succ_opt(),
        ..Default::default()
    };
    assert_eq!(admin.audit_log(&tomorrow, 1).await.unwrap().total, 0);
    for role in [
        Role::ProtectionOfficer,
        Role::Documenter,
        Role::Analyst,
        Role::Viewer,
    ] {
        let a = db.access(role).await;
        assert!(matches!(
            a.audit_log(&AuditFilter::default(), 1).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(a.verify_audit().await, Err(StoreError::Forbidden)));
        assert!(matches!(
            a.export_audit_log(&AuditFilter::default()).await,
            Err(StoreError::Forbidden)
        ));
    }
    // Exporting the log is itself recorded.
    assert_eq!(
        admin
            .export_audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .len(),
        21
    );
    let last = entries(&db).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("export", "audit_log")
    );
}

/// Distinctive values entered everywhere a sensitive value can go (legal name,
/// contacts, address, narrative, a source, a search, a password typed into the
/// username field) appear in no column of any entry.
async fn no_sensitive_value_reaches_the_audit_log(db: TestDb) {
    const CANARIES: [&str; 7] = [
        "Qzvlegalname",
        "Qzvcontact",
        "Qzvaddress",
        "Qzvnarrative",
        "Qzvorigin",
        "Qzvsecretpassword",
        "Qzvedited",
    ];
    let documenter = db.access(Role::Documenter).await;
    let mut person = defender("Ana Qzvlegalname Pérez");
    person.contacts = "+57 Qzvcontact".into();
    person.address = "Vereda Qzvaddress".into();
    let person = documenter.create_person(&person).await.unwrap();
    let group = create_group(&documenter, "Guardia").await;
    let mut incident = killing_in_cauca(person.id, group.id);
    incident.narrative = "Witnesses saw Qzvnarrative at the river.".into();
    incident.sources[0].origin = "Sister Qzvorigin".into();
    let id = documenter.create_incident(&incident).await.unwrap();
    documenter.incident(id).await.unwrap();
    documenter.person(person.id).await.unwrap();
    for q in ["Qzvlegalname", "Qzvnarrative"] {
        let hits = documenter
            .incidents(&IncidentFilter {
                q: q.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(hits.total, 1, "the search itself works");
        documenter
            .persons(&PersonFilter {
                q: q.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        documenter
            .export_incidents(&IncidentFilter {
                q: q.into(),
                region: "Qzvaddress".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    incident.narrative = "Qzvedited account".into();
    documenter.update_incident(id, 1, &incident).await.unwrap();
    // A password typed into the username field, and a wrong password.
    let mut b = Browser::new(&db);
    b.login("Qzvsecretpassword", "Qzvsecretpassword").await;
    b.login(&documenter.actor().username, "Qzvsecretpassword")
        .await;

    let rows = db
        .store
        .backend()
        .query("SELECT * FROM audit_log ORDER BY seq", &[])
        .await
        .unwrap();
    assert!(rows.len() >= 12, "{} entries", rows.len());
    for r in &rows {
        let text = format!("{:?}", r.0).to_lowercase();
        for c in CANARIES {
            assert!(
                !text.contains(&c.to_lowercase()),
                "{c} is in the audit log: {text}"
            );
        }
    }
    assert!(db.store.verify_audit().await.unwrap().intact());
}

/// A write that is refused — invalid, stale, forbidden, or a change of nothing —
/// leaves no entry: the entry commits with the change or not at all.
async fn refused_writes_leave_no_entry(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let s = seed(&documenter).await;
    let before = entries(&db).await.len();
    assert_eq!(before, 3);

    let mut bad = killing_in_cauca(s.person.id, s.group.id);
    bad.title = String::new();
    bad.start_date = "2999-01-01".into();
    assert!(matches!(
        documenter.create_incident(&bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        documenter.update_incident(s.incident, 1, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    let mut unknown_victim = killing_in_cauca(s.person.id, s.group.id);
    unknown_victim.violations[0].victim = Some(VictimRef::Person(s.person.id + 1000));
    assert!(documenter.create_incident(&unknown_victim).await.is_err());
    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.title = "A later title".into();
    documenter
        .update_incident(s.incident, 1, &edit)
        .await
        .unwrap();
    let after_edit = entries(&db).await.len();
    assert_eq!(after_edit, before + 1);
    // Stale, and unchanged.
    assert!(matches!(
        documenter.update_incident(s.incident, 1, &edit).await,
        Err(StoreError::Conflict(2))
    ));
    documenter
        .update_incident(s.incident, 2, &edit)
        .await
        .unwrap();
    assert!(matches!(
        viewer.create_person(&defender("Not Allowed")).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        admin
            .create_user(new_user("bob", "too short", Role::Viewer))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        admin
            .create_user(new_user(
                &documenter.actor().username,
                "a long enough passphrase",
                Role::Viewer
            ))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        admin.add_term(term(VocabKind::Sex, "Bad Code")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        admin.delete_term(VocabKind::ViolationType, "killing").await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        admin
            .set_user_role(admin.actor().user_id + 1000, Role::Viewer)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        documenter.revoke_own_api_token(999).await,
        Err(StoreError::NotFound)
    ));
    let import = admin.import_batch(&[], &[(Vec::new(), bad.clone())]).await;
    assert!(matches!(import, Err(StoreError::Invalid(_))));

    assert_eq!(
        entries(&db).await.len(),
        after_edit,
        "no refused write left an entry"
    );
    assert!(db.store.verify_audit().await.unwrap().intact());
}

/// Two application instances appending at once never fork the chain.
async fn concurrent_appends_keep_one_chain(db: TestDb) {
    let other = db.reopen().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24i64 {
        let store = if i % 2 == 0 {
            db.store.clone()
        } else {
            other.clone()
        };
        tasks.spawn(async move {
            store
                .audit(&AuditEntry::new(vigil_store::audit::Action::Read, "incident").id(i))
                .await
                .unwrap()
        });
    }
    let mut seqs = Vec::new();
    while let Some(seq) = tasks.join_next().await {
        seqs.push(seq.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<i64>>());
    let report = db.store.verify_audit().await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 24);
    other.close().await;
}

/// An insider with database access changes, deletes, reorders and adds entries;
/// each time `verify_audit` names the first broken link. Undoing the change makes
/// the chain verify again, which shows the report was about that change.
async fn tampering_is_reported_at_the_first_broken_link(db: TestDb) {
    some_entries(&db).await;
    let n = entries(&db).await.len() as i64;
    assert_eq!(n, 6);
    assert!(db.store.verify_audit().await.unwrap().intact());

    // The append-only guard refuses changes made through SQL…
    let mut tx = db.store.backend().begin().await.unwrap();
    assert!(tx
        .execute("UPDATE audit_log SET detail = '{}' WHERE seq = 3", &[])
        .await
        .is_err());
    drop(tx);
    let mut tx = db.store.backend().begin().await.unwrap();
    assert!(tx
        .execute("DELETE FROM audit_log WHERE seq = 3", &[])
        .await
        .is_err());
    drop(tx);
    // …until an insider removes it. The chain is what catches them then.
    drop_append_only_guards(&db).await;

    // 1. Modify an entry's detail.
    let original = row(&db, 3).await.text(7);
    raw(
        &db,
        &[(
            "UPDATE audit_log SET detail = $1 WHERE seq = 3",
            vec!["{\"version\":9}".into()],
        )],
    )
    .await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: 3,
            problem: Problem::Modified
        })
    );
    raw(
        &db,
        &[(
            "UPDATE audit_log SET detail = $1 WHERE seq = 3",
            vec![original.into()],
        )],
    )
    .await;
    assert_eq!(broken(&db).await, None);

    // 2. Modify an entry and recompute its hash: the next entry no longer links to it.
    let e3 = entries(&db).await[2].clone();
    let forged = Fields {
        seq: 3,
        at: &e3.at,
        user_id: e3.user_id,
        username: "someone-else",
        action: &e3.action,
        entity: &e3.entity,
        entity_id: e3.entity_id,
        detail: &e3.detail,
        ip: e3.ip.as_deref(),
    };
    let forged_hash = chain_hash(&e3.prev_hash, &forged);
    raw(
        &db,
        &[(
            "UPDATE audit_log SET username = $1, hash = $2 WHERE seq = 3",
            vec!["someone-else".into(), forged_hash.into()],
        )],
    )
    .await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: 4,
            problem: Problem::OutOfOrder
        })
    );
    raw(
        &db,
        &[(
            "UPDATE audit_log SET username = $1, hash = $2 WHERE seq = 3",
            vec![e3.username.clone().into(), e3.hash.clone().into()],
        )],
    )
    .await;
    assert_eq!(broken(&db).await, None);

    // 3. Reorder: swap the positions of entries 2 and 4.
    let swap = |a: i64, b: i64| -> Vec<(&'static str, Vec<Val>)> {
        vec![
            (
                "UPDATE audit_log SET seq = $1 WHERE seq = $2",
                vec![(-1i64).into(), a.into()],
            ),
            (
                "UPDATE audit_log SET seq = $1 WHERE seq = $2",
                vec![a.into(), b.into()],
            ),
            (
                "UPDATE audit_log SET seq = $1 WHERE seq = $2",
                vec![b.into(), (-1i64).into()],
            ),
        ]
    };
    raw(&db, &swap(2, 4)).await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: 2,
            problem: Problem::OutOfOrder
        })
    );
    raw(&db, &swap(2, 4)).await;
    assert_eq!(broken(&db).await, None);
    // Neighbours too.
    raw(&db, &swap(5, 6)).await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: 5,
            problem: Problem::OutOfOrder
        })
    );
    raw(&db, &swap(5, 6)).await;
    assert_eq!(broken(&db).await, None);

    // 4. Delete an entry in the middle, then the last one.
    for seq in [4, n] {
        let kept = row(&db, seq).await;
        raw(
            &db,
            &[("DELETE FROM audit_log WHERE seq = $1", vec![seq.into()])],
        )
        .await;
        assert_eq!(
            broken(&db).await,
            Some(BrokenLink {
                seq,
                problem: Problem::Missing
            }),
            "deleting entry {seq}"
        );
        raw(&db, &[(INSERT, kept.0)]).await;
        assert_eq!(broken(&db).await, None);
    }

    // 5. Add a well-formed entry at the end without moving the chain's head.
    let last = entries(&db).await.pop().unwrap();
    let extra = Fields {
        seq: n + 1,
        at: &last.at,
        user_id: None,
        username: "ghost",
        action: "read",
        entity: "incident",
        entity_id: Some(1),
        detail: "{}",
        ip: None,
    };
    let extra_hash = chain_hash(&last.hash, &extra);
    let args: Vec<Val> = vec![
        (n + 1).into(),
        last.at.clone().into(),
        Val::Int(None),
        "ghost".into(),
        "read".into(),
        "incident".into(),
        1i64.into(),
        "{}".into(),
        Val::Text(None),
        last.hash.clone().into(),
        extra_hash.into(),
    ];
    raw(&db, &[(INSERT, args)]).await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: n + 1,
            problem: Problem::Unrecorded
        })
    );
    raw(
        &db,
        &[("DELETE FROM audit_log WHERE seq = $1", vec![(n + 1).into()])],
    )
    .await;
    assert_eq!(broken(&db).await, None);

    // 6. Two faults: the first one is reported.
    raw(
        &db,
        &[
            ("DELETE FROM audit_log WHERE seq = $1", vec![5i64.into()]),
            (
                "UPDATE audit_log SET entity = $1 WHERE seq = $2",
                vec!["user".into(), 2i64.into()],
            ),
        ],
    )
    .await;
    assert_eq!(
        broken(&db).await,
        Some(BrokenLink {
            seq: 2,
            problem: Problem::Modified
        })
    );
}

// ---------------------------------------------------------------- CLI and page

fn vigil(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.args(args)
        .env_remove("VIGIL_MASTER_KEY")
        .env_remove("VIGIL_PASSPHRASE")
        .env_remove("VIGIL_DATA")
        .env("VIGIL_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::null()).output().unwrap()
}

/// `vigil audit verify` says the chain is intact, or names the first broken link and
/// exits with status 2.
#[tokio::test]
async fn the_command_line_verifies_the_chain() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("master.key");
    std::fs::write(&key_file, "5a".repeat(32)).unwrap();
    let d = data.path().join("vigil");
    let (d, k) = (d.to_str().unwrap(), key_file.to_str().unwrap());
    let db = ["--data", d, "--key-file", k];
    let pw = [("VIGIL_NEW_PASSWORD", "a long admin password")];
    assert!(vigil(&[&["init"], &db[..]].concat(), &pw).status.success());
    assert!(vigil(
        &[
            &["user", "add"],
            &db[..],
            &["maria", "--role", "documenter"]
        ]
        .concat(),
        &pw
    )
    .status
    .success());
    assert!(
        vigil(&[&["user", "disable"], &db[..], &["maria"]].concat(), &[])
            .status
            .success()
    );

    let ok = vigil(&[&["audit", "verify"], &db[..]].concat(), &[]);
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("audit chain intact: 3 entries"), "{out}");

    // Tamper with entry 2 (maria's creation) as an insider holding the key would.
    let master = Zeroizing::new([0x5au8; 32]);
    let key = vigil::keys::subkey(&master, vigil::keys::SQLCIPHER_LABEL);
    let backend =
        vigil_store::sqlite::SqliteBackend::open(&std::path::Path::new(d).join("vigil.db"), &key)
            .await
            .unwrap();
    let entries = backend
        .query("SELECT username, action FROM audit_log ORDER BY seq", &[])
        .await
        .unwrap();
    let got: Vec<(String, String)> = entries.iter().map(|r| (r.text(0), r.text(1))).collect();
    assert_eq!(
        got,
        [
            ("(cli)", "user_create"),
            ("(cli)", "user_create"),
            ("(cli)", "user_disable")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let mut tx = backend.begin().await.unwrap();
    tx.execute("DROP TRIGGER audit_log_no_update", &[])
        .await
        .unwrap();
    tx.execute(
        "UPDATE audit_log SET detail = '{\"role\":\"admin\"}' WHERE seq = 2",
        &[],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    backend.close().await;

    let bad = vigil(&[&["audit", "verify"], &db[..]].concat(), &[]);
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(2), "{out}");
    assert!(out.contains("audit chain BROKEN at entry 2"), "{out}");
    assert!(out.contains("does not match its hash"), "{out}");
}

/// The administrators' page lists entries with the verification on top, filters
/// them, exports them as CSV; after tampering it says where the chain broke.
#[tokio::test]
async fn administrators_browse_filter_and_export_the_log() {
    let db = sqlite().await;
    some_entries(&db).await;
    let admin = db.user(Role::Admin).await;
    let mut b = Browser::new(&db);
    assert_eq!(
        b.login(&admin.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = b.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Chain verified: 7 entries, intact."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("href=\"/admin/audit\""),
        "linked from the nav"
    );
    for label in ["Search", "Read", "Create", "Login"] {
        assert!(page.body.contains(&format!("<td>{label}</td>")), "{label}");
    }
    let reads = b
        .get("/admin/audit?action=read&from=2026-11-28&to=2026-11-28")
        .await;
    assert!(reads.body.contains("2 entries"), "{}", reads.body);
    let none = b.get("/admin/audit?action=read&from=2026-11-29").await;
    assert!(none.body.contains("0 entries"), "{}", none.body);
    let bad_date = b.get("/admin/audit?from=yesterday").await;
    assert_eq!(bad_date.status, StatusCode::OK);
    assert!(bad_date.body.contains("could not be read"));

    let csv = b.get("/admin/audit.csv?action=login").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,user_id,username,action,entity,entity_id,detail,ip,prev_hash,hash")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{}", csv.body);
    assert!(rows[0].contains(&admin.username));

    // Others may not look.
    let documenter = db.user(Role::Documenter).await;
    let mut d = Browser::new(&db);
    d.login(&documenter.username, PASSWORD).await;
    assert_eq!(d.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        d.get("/admin/audit.csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!d.get("/").await.body.contains("/admin/audit"));

    drop_append_only_guards(&db).await;
    raw(
        &db,
        &[("DELETE FROM audit_log WHERE seq = $1", vec![3i64.into()])],
    )
    .await;
    let page = b.get("/admin/audit").await;
    assert!(
        page.body.contains("The audit chain is broken at entry 3"),
        "{}",
        page.body
    );
    b.lang = Some("es");
    let es = b.get("/admin/audit").await;
    assert!(es.body.contains("rota en la entrada 3"), "{}", es.body);
}
