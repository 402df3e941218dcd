//! What the speed-ups must not change: the per-instance session cache still lets
//! revocation, lock-down, disabling, password and role changes take effect at once on
//! this instance (and within the documented bound on another), expiry is still checked
//! on a cached session, and a capped search total never hides a result or a
//! compartment boundary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vigil::import::{self, ImportOptions};
use vigil_domain::search::{IncidentFilter, PAGE_SIZE, TOTAL_CAP};
use vigil_domain::vocab::{Term, TermAttrs, VocabKind};
use vigil_domain::Role;
use vigil_store::backend::{BResult, Tx};
use vigil_store::read_cache::READ_CACHE_TTL;
use vigil_store::session_cache::SESSION_CACHE_TTL;
use vigil_store::{Access, Backend, Dialect, Row, Val};

use crate::support::{backend_tests, TestDb};

backend_tests!(
    revocations_on_this_instance_end_a_cached_session_at_once,
    another_instance_revocation_reaches_a_cached_session_within_the_bound,
    a_cached_session_still_expires,
    searches_and_lists_count_up_to_a_cap_and_keep_their_limits,
    cached_counts_and_vocabularies_follow_changes_here_at_once_and_elsewhere_within_the_bound,
    concurrent_audited_reads_each_get_their_own_entry_in_an_intact_chain,
    full_text_statements_are_planned_for_their_words_others_stay_prepared,
    a_record_page_reads_in_four_statements_of_one_text_whichever_record,
    a_list_page_reads_in_two_statements_with_each_rows_types_and_victims,
);

async fn revocations_on_this_instance_end_a_cached_session_at_once(db: TestDb) {
    let store = &db.store;
    // Revoking one session by its public id.
    let (user, token) = db.session(Role::Documenter).await;
    assert!(store.session(&token).await.unwrap().is_some());
    assert!(
        store.session(&token).await.unwrap().is_some(),
        "served from the cache"
    );
    let id = store.sessions_of(user.id).await.unwrap()[0].id.clone();
    store.revoke_session(user.id, &id, None).await.unwrap();
    assert!(store.session(&token).await.unwrap().is_none(), "revoked");

    // Lock-down.
    let (_, token) = db.session(Role::Admin).await;
    assert!(store.session(&token).await.unwrap().is_some());
    store.lockdown(None).await.unwrap();
    assert!(
        store.session(&token).await.unwrap().is_none(),
        "locked down"
    );

    // Disabling the account.
    let (user, token) = db.session(Role::Viewer).await;
    assert!(store.session(&token).await.unwrap().is_some());
    store.set_user_disabled(user.id, true, None).await.unwrap();
    assert!(store.session(&token).await.unwrap().is_none(), "disabled");

    // A password reset ends the user's sessions.
    let (user, token) = db.session(Role::Analyst).await;
    assert!(store.session(&token).await.unwrap().is_some());
    store
        .reset_password(
            user.id,
            zeroize::Zeroizing::new("a brand new passphrase".into()),
        )
        .await
        .unwrap();
    assert!(
        store.session(&token).await.unwrap().is_none(),
        "password reset"
    );

    // A role change is seen on the very next request, not after the cache lifetime.
    let (user, token) = db.session(Role::Documenter).await;
    let s = store.session(&token).await.unwrap().unwrap();
    assert_eq!(s.user.role, Role::Documenter);
    store
        .set_user_role(user.id, Role::Viewer, None)
        .await
        .unwrap();
    let s = store.session(&token).await.unwrap().unwrap();
    assert_eq!(s.user.role, Role::Viewer, "role change seen at once");

    // Signing out.
    let (_, token) = db.session(Role::Viewer).await;
    assert!(store.session(&token).await.unwrap().is_some());
    store.delete_session(&token).await.unwrap();
    assert!(store.session(&token).await.unwrap().is_none(), "signed out");
}

async fn another_instance_revocation_reaches_a_cached_session_within_the_bound(db: TestDb) {
    let here = &db.store;
    let other = db.reopen().await;
    let (_, token) = db.session(Role::Documenter).await;
    assert!(here.session(&token).await.unwrap().is_some());
    // The other instance ends every session; it knows at once…
    other.lockdown(None).await.unwrap();
    assert!(other.session(&token).await.unwrap().is_none());
    // …and this one within the cache lifetime (the bound in docs/security.md).
    tokio::time::sleep(SESSION_CACHE_TTL + Duration::from_millis(100)).await;
    assert!(
        here.session(&token).await.unwrap().is_none(),
        "a revocation elsewhere must take effect within {SESSION_CACHE_TTL:?}"
    );
    other.close().await;
}

async fn a_cached_session_still_expires(db: TestDb) {
    let store = &db.store;
    let (_, token) = db.session(Role::Documenter).await;
    assert!(store.session(&token).await.unwrap().is_some());
    // Eight hours idle (the default) pass without a request: the cached copy must not
    // outlive the session.
    db.clock.advance(chrono::Duration::hours(9));
    assert!(
        store.session(&token).await.unwrap().is_none(),
        "idle expiry"
    );
    // The seven-day maximum holds for a session in constant use too.
    db.clock.advance(chrono::Duration::hours(-9));
    let (_, token) = db.session(Role::Viewer).await;
    for _ in 0..(7 * 24 * 2 + 1) {
        db.clock.advance(chrono::Duration::minutes(30));
        let _ = store.session(&token).await.unwrap();
    }
    assert!(
        store.session(&token).await.unwrap().is_none(),
        "maximum age"
    );
}

/// 1,100 incidents (more than one page plus the cap): titles share "lantern", every
/// tenth also "harbour"; narratives (sensitive) share "whisperword".
async fn many_incidents(db: &TestDb) -> usize {
    let n = (PAGE_SIZE + TOTAL_CAP + 50) as usize;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,title,narrative,date,country,type,victim,victim_id\n");
    for i in 0..n {
        let extra = if i % 10 == 0 { " harbour" } else { "" };
        csv.push_str(&format!(
            "C-{i},Lantern march {i}{extra},whisperword seen at the march,2024-03-{:02},Colombia,threat,Person {i},P-{i}\n",
            i % 28 + 1
        ));
    }
    std::fs::write(dir.path().join("data.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("map.toml"),
        r#"
[incident]
external_id = "id"
title = "title"
narrative = "narrative"
start_date = "date"
country = "country"
status = { value = "reported" }

[victim]
external_id = "victim_id"
name = "victim"

[[violation]]
violation_type = "type"
"#,
    )
    .unwrap();
    let admin = db.access(Role::Admin).await;
    let report = import::run(
        &admin,
        &ImportOptions {
            mapping: dir.path().join("map.toml"),
            file: dir.path().join("data.csv"),
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    n
}

async fn searches_and_lists_count_up_to_a_cap_and_keep_their_limits(db: TestDb) {
    let n = many_incidents(&db).await as i64;
    let viewer = db.access(Role::Viewer).await;
    let documenter = db.access(Role::Documenter).await;
    let search = |q: &str, page: Option<u32>| IncidentFilter {
        q: q.into(),
        page,
        ..Default::default()
    };
    let cap = i64::from(PAGE_SIZE + TOTAL_CAP);

    // More matches than the first page plus the cap: the total says "more than".
    let p = viewer.incidents(&search("lantern", None)).await.unwrap();
    assert!(p.total_capped);
    assert_eq!(p.total, cap);
    assert_eq!(p.items.len(), PAGE_SIZE as usize);
    // A search lists the most recently recorded first, without gaps across pages.
    let ids: Vec<i64> = p.items.iter().map(|i| i.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let p2 = viewer.incidents(&search("lantern", Some(2))).await.unwrap();
    assert_eq!(p2.items.len(), PAGE_SIZE as usize);
    assert!(p2.items[0].id < ids[PAGE_SIZE as usize - 1]);
    // Further on, the cap moves with the page: past it the count is exact again.
    assert!(
        !p2.total_capped,
        "page 2 counts up to {}",
        2 * PAGE_SIZE + TOTAL_CAP
    );
    assert_eq!(p2.total, n);

    // A narrower search is counted exactly.
    let p = viewer
        .incidents(&search("lantern harbour", None))
        .await
        .unwrap();
    assert!(!p.total_capped);
    assert_eq!(p.total, n / 10);
    assert!(p.items.iter().all(|i| i.title.contains("harbour")));
    // Every match counted: PostgreSQL then sorts them (`Store::incidents`), still
    // most recently recorded first, pages without gaps or repeats.
    let first: Vec<i64> = p.items.iter().map(|i| i.id).collect();
    assert_eq!(first.len(), PAGE_SIZE as usize);
    assert!(first.windows(2).all(|w| w[0] > w[1]), "{first:?}");
    let mut seen = first.clone();
    for page in 2..=3 {
        let next = viewer
            .incidents(&search("lantern harbour", Some(page)))
            .await
            .unwrap();
        let ids: Vec<i64> = next.items.iter().map(|i| i.id).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
        assert!(ids.iter().all(|id| id < seen.last().unwrap()), "{ids:?}");
        seen.extend(ids);
    }
    assert_eq!(seen.len() as i64, n / 10);

    // Sensitive text: the documenter finds the narrative's word, the viewer never does.
    let p = documenter
        .incidents(&search("whisperword", None))
        .await
        .unwrap();
    assert!(p.total_capped && p.items.len() == PAGE_SIZE as usize);
    let p = viewer
        .incidents(&search("whisperword", None))
        .await
        .unwrap();
    assert_eq!((p.total, p.items.len(), p.total_capped), (0, 0, false));

    // Another compartment's reader finds nothing, capped or not.
    let outsider = db.user(Role::Documenter).await;
    let admin_store = &db.store;
    let secret = admin_store
        .create_compartment("Elsewhere", None)
        .await
        .unwrap();
    admin_store
        .set_membership(secret, outsider.id, Some(vigil_store::Level::Full), None)
        .await
        .unwrap();
    admin_store
        .set_membership(1, outsider.id, None, None)
        .await
        .unwrap();
    let outside = db.access_for(&vigil_store::Actor::from(&outsider));
    let p = outside.incidents(&search("lantern", None)).await.unwrap();
    assert_eq!((p.total, p.items.len(), p.total_capped), (0, 0, false));
    let p = outside.incidents(&IncidentFilter::default()).await.unwrap();
    assert_eq!((p.total, p.items.len()), (0, 0));

    // The plain list is capped the same way and stays newest first by date.
    let p = viewer.incidents(&IncidentFilter::default()).await.unwrap();
    assert!(p.total_capped);
    assert_eq!(p.total, cap);
    assert!(p
        .items
        .windows(2)
        .all(|w| (w[0].start.to_string(), w[0].id) >= (w[1].start.to_string(), w[1].id)));
    // A search is still audited, with what the reader was told.
    let entries = db
        .store
        .backend()
        .query(
            "SELECT count(*) FROM audit_log WHERE action = 'search'",
            &[],
        )
        .await
        .unwrap();
    assert!(entries[0].int(0) >= 6);
}

fn sector(code: &str) -> Term {
    Term {
        kind: VocabKind::BusinessSector,
        code: code.into(),
        label_en: format!("Sector {code}"),
        label_es: format!("Sector {code}"),
        builtin: false,
        attrs: TermAttrs::default(),
    }
}

/// The front page's counts and the vocabularies are cached per instance
/// (`read_cache.rs`): a change made here shows at once, one made by another instance
/// within `READ_CACHE_TTL`, and the counts stay per reader (their compartments).
async fn cached_counts_and_vocabularies_follow_changes_here_at_once_and_elsewhere_within_the_bound(
    db: TestDb,
) {
    let admin = db.access(Role::Admin).await;
    let viewer = db.access(Role::Viewer).await;
    assert_eq!(viewer.counts().await.unwrap(), (0, 0, 0));
    let seeded = crate::support::seed(&admin).await;
    assert_eq!(viewer.counts().await.unwrap(), (1, 1, 1), "at once, here");
    let _ = viewer.vocabularies().await.unwrap();
    admin.add_term(sector("kelp_farming")).await.unwrap();
    assert!(
        viewer
            .vocabularies()
            .await
            .unwrap()
            .get(VocabKind::BusinessSector, "kelp_farming")
            .is_some(),
        "a new term shows at once on the instance that added it"
    );

    // Another instance on the same database adds a record and a term.
    let other = db.reopen().await;
    let other_admin = vigil_store::Access::new(other.clone(), admin.actor().clone());
    let person = crate::support::create_person(&other_admin, "Second Defender").await;
    other_admin
        .create_incident(&crate::support::simple_incident(
            "Second threat",
            "2024-02-01",
            person.id,
        ))
        .await
        .unwrap();
    other_admin.add_term(sector("salt_mining")).await.unwrap();
    tokio::time::sleep(READ_CACHE_TTL + Duration::from_millis(200)).await;
    assert_eq!(
        viewer.counts().await.unwrap(),
        (2, 2, 1),
        "another instance's records count here within {READ_CACHE_TTL:?}"
    );
    assert!(viewer
        .vocabularies()
        .await
        .unwrap()
        .get(VocabKind::BusinessSector, "salt_mining")
        .is_some());

    // Per reader: someone in no compartment counts nothing, from the same cache.
    let outsider = db.user(Role::Viewer).await;
    admin
        .remove_member(vigil_store::compartments::DEFAULT_COMPARTMENT, outsider.id)
        .await
        .unwrap();
    let outsider = db.access_for(&vigil_store::Actor::from(&outsider));
    assert_eq!(outsider.counts().await.unwrap(), (0, 0, 0));
    assert_eq!(viewer.counts().await.unwrap(), (2, 2, 1));
    let _ = seeded;
    other.close().await;
}

/// Sensitive reads at the same moment share transactions (`audit_batch.rs`), but each
/// still gets its own entry, with its own place in one intact chain, before its answer.
async fn concurrent_audited_reads_each_get_their_own_entry_in_an_intact_chain(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let seeded = crate::support::seed(&admin).await;
    let documenter = db.access(Role::Documenter).await;
    let reads = 48;
    let mut tasks = Vec::new();
    for _ in 0..reads {
        let a = documenter.clone();
        tasks.push(tokio::spawn(async move {
            a.incident(seeded.incident).await.map(|i| i.id)
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), seeded.incident);
    }
    let rows = db
        .store
        .backend()
        .query(
            "SELECT seq FROM audit_log WHERE action = 'read' AND entity = 'incident' AND entity_id = $1 AND user_id = $2",
            &[seeded.incident.into(), documenter.actor().user_id.into()],
        )
        .await
        .unwrap();
    let mut seqs: Vec<i64> = rows.iter().map(|r| r.int(0)).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), reads, "one entry per read, each its own seq");
    assert!(db.store.verify_audit().await.unwrap().intact());
}

/// PostgreSQL keeps each statement prepared on its connection and, after five runs, may
/// switch to a generic plan that cannot see a search's words (a rare word then walked a
/// million rows: docs/performance.md). Full-text statements are therefore never kept
/// prepared; every other statement is, so it is not planned again at each run.
async fn full_text_statements_are_planned_for_their_words_others_stay_prepared(db: TestDb) {
    if db.store.dialect() != vigil_store::Dialect::Postgres {
        return;
    }
    // One transaction: one connection, whose prepared statements we can list.
    let mut tx = db.store.backend().begin().await.unwrap();
    let search =
        "SELECT count(*) FROM incidents i WHERE i.search_public @@ to_tsquery('simple', $1)";
    let list = "SELECT count(*) FROM incidents i WHERE i.status = $1";
    for _ in 0..6 {
        tx.query(search, &["lantern".into()]).await.unwrap();
        tx.query(list, &["reported".into()]).await.unwrap();
    }
    let kept: Vec<String> = tx
        .query("SELECT statement FROM pg_prepared_statements", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0))
        .collect();
    assert!(kept.iter().any(|s| s == list), "{kept:?}");
    assert!(!kept.iter().any(|s| s.contains("@@")), "{kept:?}");
    tx.commit().await.unwrap();
}

/// The engine, with every statement read outside a transaction written down.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Backend>,
    seen: Mutex<Vec<String>>,
}

impl Counting {
    /// The test database's engine, wrapped.
    fn wrap(db: &TestDb) -> Arc<Counting> {
        Arc::new(Counting {
            inner: db.store.backend().clone(),
            seen: Mutex::default(),
        })
    }

    /// `actor`'s access through the wrapped engine.
    fn access(self: &Arc<Self>, db: &TestDb, actor: &vigil_store::Actor) -> Access {
        Access::new(db.store.over(self.clone()), actor.clone())
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

#[async_trait::async_trait]
impl Backend for Counting {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    async fn query(&self, sql: &str, args: &[Val]) -> BResult<Vec<Row>> {
        self.seen.lock().unwrap().push(sql.to_owned());
        self.inner.query(sql, args).await
    }
    async fn begin(&self) -> BResult<Box<dyn Tx>> {
        self.inner.begin().await
    }
    async fn migrate(&self) -> BResult<()> {
        self.inner.migrate().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

/// A page view is bounded by its round trips to the database (docs/performance.md,
/// "Page views"): a record's page (the incident with its violations, perpetrators and
/// sources, then its files) reads in four statements, and their text does not depend
/// on which record it is, so they stay prepared. What the page shows is the same as
/// before the statements were merged: every violation, perpetrator and source, in
/// order, and a hidden or missing incident is still not found.
async fn a_record_page_reads_in_four_statements_of_one_text_whichever_record(db: TestDb) {
    use crate::support::{create_group, create_person, killing_in_cauca, simple_incident};
    use vigil_domain::model::PerpetratorInput;

    let documenter = db.access(Role::Documenter).await;
    let person = create_person(&documenter, "José Ramírez Tombé").await;
    let group = create_group(&documenter, "Guardia Indígena Toribío").await;
    let company = create_group(&documenter, "Seguridad Privada S.A.S.").await;
    let mut full = killing_in_cauca(person.id, group.id);
    full.violations[1].perpetrators.push(PerpetratorInput {
        perpetrator_type: "private_security".into(),
        person_id: None,
        group_id: Some(company.id),
    });
    let a = documenter.create_incident(&full).await.unwrap();
    let b = documenter
        .create_incident(&simple_incident("A threat", "2024-05-02", person.id))
        .await
        .unwrap();

    let counting = Counting::wrap(&db);
    for role in [Role::Viewer, Role::Documenter] {
        let plain = db.access(role).await;
        let counted = counting.access(&db, plain.actor());
        let mut texts = Vec::new();
        for id in [a, b] {
            counting.take();
            let i = counted.incident(id).await.unwrap();
            counted.evidence_for_incident(id).await.unwrap();
            let seen = counting.take();
            assert_eq!(seen.len(), 4, "{role:?}, incident {id}: {seen:#?}");
            texts.push(seen);
            assert_eq!(i, plain.incident(id).await.unwrap());
        }
        assert_eq!(texts[0], texts[1], "the same statements for every record");
        let i = counted.incident(a).await.unwrap();
        let perpetrators: Vec<Vec<&str>> = i
            .violations
            .iter()
            .map(|v| {
                v.perpetrators
                    .iter()
                    .map(|p| p.perpetrator_type.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(
            perpetrators,
            [
                vec!["hired_killers"],
                vec!["paramilitary", "private_security"]
            ]
        );
        assert_eq!(
            i.violations[1].perpetrators[1]
                .group
                .as_ref()
                .map(|g| g.victim),
            Some(vigil_domain::model::VictimRef::Group(company.id))
        );
        assert_eq!(i.sources.len(), 2);
        assert_eq!(i.sources[0].source_type, "relative");
        let b = counted.incident(b).await.unwrap();
        assert_eq!(b.violations.len(), 1);
        assert!(b.violations[0].perpetrators.is_empty());
        assert!(b.sources.is_empty());
    }
    // Missing, or in a compartment the reader is not a member of: not found, both
    // for the record and for its files.
    let viewer = db.access(Role::Viewer).await;
    let admin = db.access(Role::Admin).await;
    let hidden = admin.create_compartment("Hidden").await.unwrap();
    admin.join_compartment(hidden).await.unwrap();
    let inside = admin.clone().in_compartment(hidden);
    let victim = create_person(&inside, "Kept Apart").await;
    let c = inside
        .create_incident(&simple_incident("Kept apart", "2024-06-01", victim.id))
        .await
        .unwrap();
    for id in [c, 999_999] {
        assert!(viewer.incident(id).await.is_err(), "{id}");
        assert!(viewer.evidence_for_incident(id).await.is_err(), "{id}");
    }
}

/// A list or search page reads in two statements: the capped count, and the page with
/// each row's violation types (in the order recorded, each once) and its number of
/// distinct victims, counted for the page's rows only.
async fn a_list_page_reads_in_two_statements_with_each_rows_types_and_victims(db: TestDb) {
    use crate::support::{create_group, create_person, killing_in_cauca, simple_incident};

    let documenter = db.access(Role::Documenter).await;
    let person = create_person(&documenter, "José Ramírez Tombé").await;
    let group = create_group(&documenter, "Guardia Indígena Toribío").await;
    let mut full = killing_in_cauca(person.id, group.id);
    // A third violation repeating a type and a victim: each counted once.
    let mut again = full.violations[0].clone();
    again.outcome = String::new();
    full.violations.push(again);
    let a = documenter.create_incident(&full).await.unwrap();
    let b = documenter
        .create_incident(&simple_incident("A threat", "2024-05-02", person.id))
        .await
        .unwrap();
    let bare_person = create_person(&documenter, "Nobody Named").await;
    let c = documenter
        .create_incident(&simple_incident("Older", "2023-01-02", bare_person.id))
        .await
        .unwrap();

    let counting = Counting::wrap(&db);
    let viewer = db.access(Role::Viewer).await;
    let counted = counting.access(&db, viewer.actor());
    for f in [
        IncidentFilter::default(),
        IncidentFilter {
            q: "Toribío".into(),
            ..IncidentFilter::default()
        },
    ] {
        counting.take();
        let page = counted.incidents(&f).await.unwrap();
        let seen = counting.take();
        // A search also writes its audit entry, in a transaction (not counted here).
        assert_eq!(seen.len(), 2, "{f:?}: {seen:#?}");
        let rows: Vec<(i64, Vec<&str>, i64)> = page
            .items
            .iter()
            .map(|i| {
                (
                    i.id,
                    i.violation_types.iter().map(String::as_str).collect(),
                    i.victim_count,
                )
            })
            .collect();
        let mut expected = vec![
            (b, vec!["threat"], 1),
            (a, vec!["killing", "death_threat"], 2),
            (c, vec!["threat"], 1),
        ];
        if !f.q.is_empty() {
            expected.retain(|r| r.0 == a);
        }
        assert_eq!(rows, expected, "{f:?}");
    }
}
