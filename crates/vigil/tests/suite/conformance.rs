//! The storage conformance suite: one story per capability, written once and run on
//! SQLite and on PostgreSQL (`<story>::sqlite`, `<story>::postgres`). Stories go
//! through [`Access`] as the web layer does, so authorisation and redaction are part of
//! what is proved. Both engines must give the same answers; a story never branches on
//! the backend.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use chrono::Duration;
use zeroize::Zeroizing;

use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, PersonFilter, PAGE_SIZE};
use vigil_domain::validate::{FieldErrors, ValidPerson};
use vigil_domain::vocab::{SdgCategory, Term, TermAttrs, VocabKind};
use vigil_domain::Role;
use vigil_store::auth::SESSION_IDLE;
use vigil_store::{Access, NewUser, StoreError};

use crate::support::*;

backend_tests!(
    vocabularies_are_built_in_and_extensible,
    store_reopens_with_everything_intact,
    users_and_passwords,
    sessions_expire_and_end,
    api_tokens,
    persons_codes_redaction_and_lists,
    groups,
    incidents_round_trip_every_field,
    incident_updates_are_versioned_and_guarded,
    concurrent_edits_conflict_instead_of_overwriting,
    invalid_incidents_change_nothing,
    verification_needs_two_independent_sources,
    status_transitions_follow_the_verification_path,
    only_writers_write,
    victim_pages_list_violations,
    incident_lists_filter,
    incident_lists_paginate,
    full_text_search_respects_sensitivity,
    person_search_respects_sensitivity,
    search_folds_accents_alike_on_both_engines,
    history_lists_versions_and_changed_fields,
    export_is_redacted_for_analysts,
    import_is_all_or_nothing_and_idempotent,
);

// ---------------------------------------------------------------- helpers

/// The field errors of a refused write; anything else fails the test.
fn invalid<T>(r: Result<T, StoreError>) -> FieldErrors {
    match r {
        Err(StoreError::Invalid(e)) => e,
        Err(other) => panic!("expected StoreError::Invalid, got {other:?}"),
        Ok(_) => panic!("expected StoreError::Invalid, got Ok"),
    }
}

fn forbidden<T>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Forbidden) => {}
        Err(other) => panic!("expected StoreError::Forbidden, got {other:?}"),
        Ok(_) => panic!("expected StoreError::Forbidden, got Ok"),
    }
}

fn not_found<T>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        Err(other) => panic!("expected StoreError::NotFound, got {other:?}"),
        Ok(_) => panic!("expected StoreError::NotFound, got Ok"),
    }
}

/// Does `errs` hold `key` for `field`?
#[track_caller]
fn assert_field(errs: &FieldErrors, field: &str, key: &str) {
    assert!(
        errs.0.iter().any(|e| e.field == field && e.key == key),
        "expected {field}: {key}, got {errs}"
    );
}

fn term(kind: VocabKind, code: &str, en: &str) -> Term {
    Term {
        kind,
        code: code.to_owned(),
        label_en: en.to_owned(),
        label_es: format!("{en} (es)"),
        builtin: false,
        attrs: TermAttrs::default(),
    }
}

/// Ids of the incidents a reader finds with a filter.
async fn ids(a: &Access, f: IncidentFilter) -> BTreeSet<Id> {
    a.incidents(&f)
        .await
        .expect("list incidents")
        .items
        .iter()
        .map(|i| i.id)
        .collect()
}

async fn search(a: &Access, q: &str) -> BTreeSet<Id> {
    ids(
        a,
        IncidentFilter {
            q: q.to_owned(),
            ..Default::default()
        },
    )
    .await
}

async fn person_search(a: &Access, q: &str) -> Vec<Id> {
    let f = PersonFilter {
        q: q.to_owned(),
        ..Default::default()
    };
    a.persons(&f)
        .await
        .expect("search persons")
        .items
        .iter()
        .map(|p| p.id)
        .collect()
}

fn set<const N: usize>(ids: [Id; N]) -> BTreeSet<Id> {
    ids.into_iter().collect()
}

fn two_sources() -> Vec<SourceInput> {
    vec![
        SourceInput {
            source_type: "ngo".into(),
            reliability: "high".into(),
            origin: "Tejido de Defensa de la Vida".into(),
            description: String::new(),
        },
        SourceInput {
            source_type: "official_document".into(),
            reliability: "high".into(),
            origin: "Defensoría del Pueblo".into(),
            description: String::new(),
        },
    ]
}

// ---------------------------------------------------------------- vocabularies

async fn vocabularies_are_built_in_and_extensible(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;

    // Every reader sees the built-in vocabularies of DESIGN.md §4.
    let v = viewer.vocabularies().await.unwrap();
    let types: Vec<&Term> = v.of(VocabKind::ViolationType).collect();
    assert_eq!(types.len(), 20, "{}", db.backend_name);
    assert!(types.iter().all(|t| t.builtin));
    for code in [
        "killing",
        "attempted_killing",
        "enforced_disappearance",
        "kidnapping",
        "torture",
        "physical_attack",
        "sexual_violence",
        "arbitrary_detention",
        "judicial_harassment",
        "death_threat",
        "threat",
        "surveillance",
        "digital_attack",
        "smear_campaign",
        "raid",
        "property_destruction",
        "travel_restriction",
        "association_restriction",
        "assembly_restriction",
        "expression_restriction",
    ] {
        assert!(v.contains(VocabKind::ViolationType, code), "{code}");
    }
    assert_eq!(
        v.get(VocabKind::ViolationType, "killing")
            .and_then(|t| t.attrs.sdg_category),
        Some(SdgCategory::Killing)
    );
    assert_eq!(
        v.get(VocabKind::ViolationType, "killing")
            .map(|t| t.label("es")),
        Some("Asesinato")
    );
    let state = |c: &str| {
        v.get(VocabKind::PerpetratorType, c)
            .map(|t| t.attrs.state_actor)
    };
    assert_eq!(state("police"), Some(Some(true)));
    assert_eq!(state("paramilitary"), Some(Some(false)));
    assert_eq!(state("unknown"), Some(None));
    for kind in VocabKind::ALL {
        assert!(v.of(kind).count() > 0, "{kind} is empty");
    }

    // An administrator adds a term; it comes after the built-in ones, not built in.
    let mut eviction = term(
        VocabKind::ViolationType,
        "forced_eviction",
        "Forced eviction",
    );
    eviction.builtin = true; // a caller cannot smuggle in a built-in term
    eviction.attrs.sdg_category = Some(SdgCategory::OtherHarmfulAct);
    admin.add_term(eviction).await.unwrap();
    let v = documenter.vocabularies().await.unwrap();
    let types: Vec<&Term> = v.of(VocabKind::ViolationType).collect();
    assert_eq!(types.len(), 21);
    let added = types.last().unwrap();
    assert_eq!(
        (added.code.as_str(), added.builtin),
        ("forced_eviction", false)
    );
    assert_eq!(added.label_es, "Forced eviction (es)");
    assert_eq!(added.attrs.sdg_category, Some(SdgCategory::OtherHarmfulAct));

    // Only administrators add terms; codes are unique and well formed.
    forbidden(
        documenter
            .add_term(term(VocabKind::Characteristic, "fisher", "Fisher"))
            .await,
    );
    let errs = invalid(
        admin
            .add_term(term(VocabKind::ViolationType, "forced_eviction", "Again"))
            .await,
    );
    assert_field(&errs, "code", "err-code-taken");
    let errs = invalid(
        admin
            .add_term(term(VocabKind::ViolationType, "killing", "Killing"))
            .await,
    );
    assert_field(&errs, "code", "err-code-taken");
    let errs = invalid(
        admin
            .add_term(term(VocabKind::ViolationType, "Bad-Code", "Bad"))
            .await,
    );
    assert_field(&errs, "code", "err-code-syntax");
    let errs = invalid(
        admin
            .add_term(term(VocabKind::ViolationType, "no_label", " "))
            .await,
    );
    assert_field(&errs, "label_en", "err-required");
    // The same code in another vocabulary is a different term.
    admin
        .add_term(term(
            VocabKind::Characteristic,
            "killing",
            "Odd but allowed",
        ))
        .await
        .unwrap();

    // Built-in terms cannot be deleted.
    let errs = invalid(admin.delete_term(VocabKind::ViolationType, "killing").await);
    assert_field(&errs, "code", "err-term-builtin");
    assert!(admin
        .vocabularies()
        .await
        .unwrap()
        .contains(VocabKind::ViolationType, "killing"));
    forbidden(
        documenter
            .delete_term(VocabKind::ViolationType, "forced_eviction")
            .await,
    );

    // A term in use cannot be deleted; the new term is usable at once.
    let seeded = seed(&documenter).await;
    let mut input = simple_incident(
        "Families evicted from the reserve",
        "2024-05-02",
        seeded.person.id,
    );
    input.violations[0].violation_type = "forced_eviction".into();
    documenter.create_incident(&input).await.unwrap();
    let errs = invalid(
        admin
            .delete_term(VocabKind::ViolationType, "forced_eviction")
            .await,
    );
    assert_field(&errs, "code", "err-term-in-use");
    assert!(admin
        .vocabularies()
        .await
        .unwrap()
        .contains(VocabKind::ViolationType, "forced_eviction"));

    // An unused administrator term can be deleted; an unknown one is not found.
    admin
        .add_term(term(VocabKind::Characteristic, "fisher", "Fisher"))
        .await
        .unwrap();
    admin
        .delete_term(VocabKind::Characteristic, "fisher")
        .await
        .unwrap();
    assert!(!admin
        .vocabularies()
        .await
        .unwrap()
        .contains(VocabKind::Characteristic, "fisher"));
    not_found(admin.delete_term(VocabKind::Characteristic, "fisher").await);
    // A characteristic in use by a person is in use too.
    admin
        .add_term(term(VocabKind::Characteristic, "fisher", "Fisher"))
        .await
        .unwrap();
    let mut fisher = defender("Pescador Uno");
    fisher.characteristics = vec!["fisher".into()];
    documenter.create_person(&fisher).await.unwrap();
    let errs = invalid(admin.delete_term(VocabKind::Characteristic, "fisher").await);
    assert_field(&errs, "code", "err-term-in-use");
}

async fn store_reopens_with_everything_intact(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    admin
        .add_term(term(VocabKind::BusinessSector, "palm_oil", "Palm oil"))
        .await
        .unwrap();
    let seeded = seed(&admin).await;
    let before = admin.incident(seeded.incident).await.unwrap();
    let vocab_before = admin.vocabularies().await.unwrap().all().len();

    // Opening again runs migrations and installs built-ins again: both idempotent.
    let again = db.reopen().await;
    let admin2 = Access::new(again.clone(), admin.actor().clone());
    assert_eq!(admin2.incident(seeded.incident).await.unwrap(), before);
    let v = admin2.vocabularies().await.unwrap();
    assert_eq!(v.all().len(), vocab_before);
    assert_eq!(
        v.get(VocabKind::BusinessSector, "palm_oil")
            .map(|t| t.builtin),
        Some(false)
    );
    assert_eq!(again.counts().await.unwrap(), (1, 1, 1));
    assert!(again.healthy().await);
    assert!(again
        .verify_login(&admin.actor().username, Zeroizing::new(PASSWORD.into()))
        .await
        .unwrap()
        .is_some());
    // Codes continue where they were, whichever instance allocates them.
    let p = create_person(&admin2, "Segunda Instancia").await;
    assert_eq!(p.code, "HRD-2026-0002");
    again.close().await;
}

// ---------------------------------------------------------------- accounts

fn new_user(username: &str, password: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        password: Zeroizing::new(password.into()),
        role,
        display_name: format!("  {username}  "),
        language: "es".into(),
    }
}

async fn users_and_passwords(db: TestDb) {
    let store = &db.store;
    let admin = db.access(Role::Admin).await;
    let documenter = db.access(Role::Documenter).await;

    let alice = admin
        .create_user(new_user(
            "Alice",
            "a long enough passphrase",
            Role::Documenter,
        ))
        .await
        .unwrap();
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.display_name, "Alice");
    assert_eq!(
        (alice.role, alice.language.as_str(), alice.disabled),
        (Role::Documenter, "es", false)
    );
    assert_eq!(alice.created_at, now());
    assert_eq!(store.user(alice.id).await.unwrap(), alice);
    assert_eq!(store.user_by_name(" ALICE ").await.unwrap(), alice);
    not_found(store.user(alice.id + 1000).await);
    let users = store.user_count().await.unwrap();

    // Refusals name the field and write nothing.
    let errs = invalid(
        admin
            .create_user(new_user("alice", "another long passphrase", Role::Viewer))
            .await,
    );
    assert_field(&errs, "username", "err-username-taken");
    let errs = invalid(
        admin
            .create_user(new_user("bob", "too short", Role::Viewer))
            .await,
    );
    assert_field(&errs, "password", "err-password-short");
    assert_eq!(
        errs.for_field("password").and_then(|e| e.arg.as_deref()),
        Some("12")
    );
    let errs = invalid(
        admin
            .create_user(new_user("longusername1", "LongUsername1", Role::Viewer))
            .await,
    );
    assert_field(&errs, "password", "err-password-username");
    let errs = invalid(
        admin
            .create_user(new_user(
                "bad name",
                "a long enough passphrase",
                Role::Viewer,
            ))
            .await,
    );
    assert_field(&errs, "username", "err-username");
    let errs = invalid(
        admin
            .create_user(new_user("x", "short", Role::Viewer))
            .await,
    );
    assert_field(&errs, "username", "err-username");
    assert_field(&errs, "password", "err-password-short");
    assert_eq!(store.user_count().await.unwrap(), users);
    forbidden(
        documenter
            .create_user(new_user("mallory", "a long enough passphrase", Role::Admin))
            .await,
    );
    forbidden(documenter.users().await);
    assert_eq!(admin.users().await.unwrap().len() as i64, users);

    // Logins: right, wrong, unknown, disabled.
    let login = |name: &'static str, pw: &'static str| {
        store.verify_login(name, Zeroizing::new(pw.to_owned()))
    };
    assert_eq!(
        login("alice", "a long enough passphrase")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id)
    );
    assert_eq!(
        login(" Alice ", "a long enough passphrase")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id)
    );
    assert!(login("alice", "a long enough passphrasE")
        .await
        .unwrap()
        .is_none());
    assert!(login("alice", "").await.unwrap().is_none());
    assert!(login("nobody", "a long enough passphrase")
        .await
        .unwrap()
        .is_none());
    admin.set_user_disabled(alice.id, true).await.unwrap();
    assert!(store.user(alice.id).await.unwrap().disabled);
    assert!(login("alice", "a long enough passphrase")
        .await
        .unwrap()
        .is_none());
    admin.set_user_disabled(alice.id, false).await.unwrap();
    assert!(login("alice", "a long enough passphrase")
        .await
        .unwrap()
        .is_some());

    // Roles; administrators cannot lock themselves out.
    admin.set_user_role(alice.id, Role::Analyst).await.unwrap();
    assert_eq!(store.user(alice.id).await.unwrap().role, Role::Analyst);
    forbidden(admin.set_user_disabled(admin.actor().user_id, true).await);
    forbidden(
        admin
            .set_user_role(admin.actor().user_id, Role::Viewer)
            .await,
    );
    not_found(admin.set_user_disabled(alice.id + 1000, true).await);
    not_found(admin.set_user_role(alice.id + 1000, Role::Viewer).await);
    forbidden(documenter.set_user_disabled(alice.id, true).await);

    // Everyone sets their own language.
    documenter.set_own_language("es").await.unwrap();
    assert_eq!(
        store
            .user(documenter.actor().user_id)
            .await
            .unwrap()
            .language,
        "es"
    );
    assert!(documenter.set_own_language("xx").await.is_err());
}

async fn sessions_expire_and_end(db: TestDb) {
    let store = &db.store;
    let (user, token) = db.session(Role::Documenter).await;

    let s = store.session(&token).await.unwrap().expect("live session");
    assert_eq!(s.user.id, user.id);
    assert!(s.csrf.len() >= 32);
    assert!(store.session("not-a-token").await.unwrap().is_none());
    let (_, other) = db.session(Role::Viewer).await;
    assert_ne!(store.session(&other).await.unwrap().unwrap().csrf, s.csrf);

    // Use keeps a session alive; idleness beyond SESSION_IDLE ends it.
    db.clock.advance(Duration::hours(7));
    assert!(store.session(&token).await.unwrap().is_some());
    db.clock.advance(Duration::hours(7));
    assert!(
        store.session(&token).await.unwrap().is_some(),
        "the idle timer restarts on use"
    );
    db.clock.advance(SESSION_IDLE);
    assert!(
        store.session(&token).await.unwrap().is_some(),
        "exactly the idle limit is still live"
    );
    db.clock.advance(SESSION_IDLE + Duration::minutes(1));
    assert!(store.session(&token).await.unwrap().is_none());
    assert!(
        store.session(&token).await.unwrap().is_none(),
        "an expired session stays dead"
    );
    // The other session was idle all along.
    assert!(store.session(&other).await.unwrap().is_none());

    // However busy, a session ends after SESSION_ABSOLUTE (7 days).
    let busy = store.create_session(user.id).await.unwrap();
    for step in 1..=28 {
        db.clock.advance(Duration::hours(6));
        assert!(store.session(&busy).await.unwrap().is_some(), "step {step}");
    }
    db.clock.advance(Duration::hours(6));
    assert!(store.session(&busy).await.unwrap().is_none());

    // Signing out ends the session; disabling the user ends all of them.
    let a = store.create_session(user.id).await.unwrap();
    let b = store.create_session(user.id).await.unwrap();
    store.delete_session(&a).await.unwrap();
    assert!(store.session(&a).await.unwrap().is_none());
    assert!(store.session(&b).await.unwrap().is_some());
    store.set_user_disabled(user.id, true, None).await.unwrap();
    assert!(store.session(&b).await.unwrap().is_none());
    store.set_user_disabled(user.id, false, None).await.unwrap();
    assert!(
        store.session(&b).await.unwrap().is_none(),
        "re-enabling does not revive sessions"
    );
}

async fn api_tokens(db: TestDb) {
    let store = &db.store;
    let me = db.access(Role::Analyst).await;
    let someone = db.access(Role::Analyst).await;

    let (token, secret) = me
        .create_own_api_token("  Quarterly export  ")
        .await
        .unwrap();
    assert_eq!(token.name, "Quarterly export");
    assert!(secret.starts_with("vgl_") && secret.len() > 40);
    assert_eq!(
        (token.revoked, token.last_used, token.created_at),
        (false, None, now())
    );

    db.clock.advance(Duration::minutes(5));
    assert_eq!(
        store.token_user(&secret).await.unwrap().map(|u| u.id),
        Some(me.actor().user_id)
    );
    assert!(store.token_user("vgl_0000").await.unwrap().is_none());
    assert!(store
        .token_user(&secret.to_uppercase())
        .await
        .unwrap()
        .is_none());
    let listed = me.own_api_tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used, Some(now() + Duration::minutes(5)));
    assert!(someone.own_api_tokens().await.unwrap().is_empty());

    let errs = invalid(me.create_own_api_token("   ").await);
    assert_field(&errs, "name", "err-required");

    // Only the owner revokes; a revoked token stops working.
    not_found(someone.revoke_own_api_token(token.id).await);
    assert!(store.token_user(&secret).await.unwrap().is_some());
    me.revoke_own_api_token(token.id).await.unwrap();
    assert!(store.token_user(&secret).await.unwrap().is_none());
    assert!(me.own_api_tokens().await.unwrap()[0].revoked);

    // Disabling the owner revokes every token.
    let (_, second) = me.create_own_api_token("second").await.unwrap();
    assert!(store.token_user(&second).await.unwrap().is_some());
    store
        .set_user_disabled(me.actor().user_id, true, None)
        .await
        .unwrap();
    assert!(store.token_user(&second).await.unwrap().is_none());
    store
        .set_user_disabled(me.actor().user_id, false, None)
        .await
        .unwrap();
    assert!(store.token_user(&second).await.unwrap().is_none());
}

// ---------------------------------------------------------------- persons and groups

async fn persons_codes_redaction_and_lists(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let analyst = db.access(Role::Analyst).await;
    let group = create_group(&documenter, "Asociación de Cabildos").await;

    // Pseudonymous codes per kind and year, in sequence.
    let mut input = defender("María Fernanda Cuetia");
    input.characteristics = vec![
        "indigenous".into(),
        "community_leader".into(),
        "indigenous".into(),
        " ".into(),
    ];
    input.memberships = vec![group.id, group.id];
    let maria = documenter.create_person(&input).await.unwrap();
    assert_eq!(maria.code, "HRD-2026-0001");
    let second = create_person(&documenter, "Second Defender").await;
    assert_eq!(second.code, "HRD-2026-0002");
    let witness = documenter
        .create_person(&PersonInput {
            kind: PersonKind::Witness,
            ..defender("A Neighbour")
        })
        .await
        .unwrap();
    assert_eq!(witness.code, "WIT-2026-0001");

    // Everything round-trips for a reader of sensitive fields.
    let read = documenter.person(maria.id).await.unwrap();
    assert_eq!(read, maria);
    assert_eq!(read.kind, PersonKind::Defender);
    assert_eq!(read.legal_name.as_deref(), Some("María Fernanda Cuetia"));
    assert_eq!(read.contacts.as_deref(), Some("+57 300 000 0000"));
    assert_eq!(
        read.address.as_deref(),
        Some("Vereda La Esperanza, Toribío")
    );
    assert_eq!(read.sex.as_deref(), Some("male"));
    assert_eq!(read.birth_year, Some(1981));
    assert_eq!(read.characteristics, vec!["community_leader", "indigenous"]);
    assert_eq!(read.sectors, vec!["environment", "land_territory"]);
    assert_eq!(read.sdg_group.as_deref(), Some("human_rights_defender"));
    assert_eq!(
        read.memberships,
        vec![PartyRef {
            victim: VictimRef::Group(group.id),
            code: group.code.clone(),
            name: Some(group.name.clone())
        }]
    );
    assert_eq!(
        (
            read.consent_record,
            read.consent_share,
            read.consent_publish
        ),
        (true, false, PublishConsent::No)
    );
    assert_eq!(
        (
            read.version,
            read.created_at,
            read.updated_at,
            read.redacted
        ),
        (1, now(), now(), false)
    );
    assert_eq!(read.external_id, None);

    // Viewers and analysts see the code and classifications, never the sensitive fields.
    for reader in [&viewer, &analyst] {
        let p = reader.person(maria.id).await.unwrap();
        assert_eq!(
            (p.legal_name, p.contacts, p.address, p.redacted),
            (None, None, None, true)
        );
        assert_eq!(p.code, "HRD-2026-0001");
        assert_eq!(p.characteristics, read.characteristics);
        assert_eq!(p.sectors, read.sectors);
        assert_eq!(p.memberships, read.memberships);
        let page = reader.persons(&PersonFilter::default()).await.unwrap();
        assert_eq!(page.total, 3);
        assert!(page
            .items
            .iter()
            .all(|p| p.legal_name.is_none() && p.contacts.is_none() && p.redacted));
    }
    let page = documenter.persons(&PersonFilter::default()).await.unwrap();
    assert!(page
        .items
        .iter()
        .all(|p| p.legal_name.is_some() && !p.redacted));
    not_found(viewer.person(witness.id + 1000).await);

    // Lists filter by kind, characteristic, sector and SDG group.
    let codes = |f: PersonFilter| {
        let documenter = documenter.clone();
        async move {
            documenter
                .persons(&f)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.code)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        codes(PersonFilter {
            kind: "witness".into(),
            ..Default::default()
        })
        .await,
        vec!["WIT-2026-0001"]
    );
    assert_eq!(
        codes(PersonFilter {
            kind: "defender".into(),
            ..Default::default()
        })
        .await,
        vec!["HRD-2026-0001", "HRD-2026-0002"]
    );
    let mut lawyer = defender("Abogada Tres");
    lawyer.characteristics = vec!["lawyer".into()];
    lawyer.sectors = vec!["legal".into()];
    lawyer.sdg_group = String::new();
    let lawyer = documenter.create_person(&lawyer).await.unwrap();
    assert_eq!(
        codes(PersonFilter {
            characteristic: "lawyer".into(),
            ..Default::default()
        })
        .await,
        vec![lawyer.code.clone()]
    );
    assert_eq!(
        codes(PersonFilter {
            sector: "legal".into(),
            ..Default::default()
        })
        .await,
        vec![lawyer.code.clone()]
    );
    assert_eq!(
        codes(PersonFilter {
            sdg_group: "human_rights_defender".into(),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(lawyer.sdg_group, None);

    // Refused input writes nothing and uses no code.
    let counts = db.counts().await;
    let mut bad = defender("Unknown Group Member");
    bad.memberships = vec![group.id + 1000];
    assert_field(
        &invalid(documenter.create_person(&bad).await),
        "memberships",
        "err-unknown-group",
    );
    let mut bad = defender("No Consent");
    bad.consent_record = false;
    bad.characteristics = vec!["astronaut".into()];
    bad.birth_year = Some(2030);
    let errs = invalid(documenter.create_person(&bad).await);
    assert_field(&errs, "consent_record", "err-consent-record");
    assert_field(&errs, "characteristics", "err-unknown-code");
    assert_field(&errs, "birth_year", "err-birth-year");
    assert_eq!(db.counts().await, counts);
    assert_eq!(
        create_person(&documenter, "Next In Line").await.code,
        "HRD-2026-0004"
    );

    // Edits bump the version and refuse stale versions.
    let mut edit = input.clone();
    edit.legal_name = "María F. Cuetia".into();
    edit.memberships = Vec::new();
    edit.sectors = vec!["womens_rights".into()];
    let edited = documenter.update_person(maria.id, 1, &edit).await.unwrap();
    assert_eq!((edited.version, edited.code.as_str()), (2, "HRD-2026-0001"));
    assert_eq!(edited.legal_name.as_deref(), Some("María F. Cuetia"));
    assert!(edited.memberships.is_empty());
    assert_eq!(edited.sectors, vec!["womens_rights"]);
    assert!(matches!(
        documenter.update_person(maria.id, 1, &edit).await,
        Err(StoreError::Conflict(2))
    ));
    not_found(documenter.update_person(maria.id + 1000, 1, &edit).await);
    forbidden(viewer.update_person(maria.id, 2, &edit).await);
    forbidden(analyst.create_person(&defender("Nope")).await);

    // Codes follow the clock's year.
    db.clock.advance(Duration::days(40));
    assert_eq!(
        create_person(&documenter, "New Year").await.code,
        "HRD-2027-0001"
    );
}

async fn groups(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;

    let cric = create_group(&documenter, "Consejo Regional Indígena del Cauca").await;
    assert_eq!(cric.code, "GRP-2026-0001");
    assert_eq!(
        (cric.group_type.as_str(), cric.country.as_deref()),
        ("organisation", Some("CO"))
    );
    assert_eq!((cric.version, cric.created_at), (1, now()));
    let movement = documenter
        .create_group(&GroupInput {
            name: "Movimiento Ríos Vivos".into(),
            group_type: "movement".into(),
            country: String::new(),
            description: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        (movement.code.as_str(), movement.country.as_deref()),
        ("GRP-2026-0002", None)
    );

    assert_eq!(viewer.group(cric.id).await.unwrap(), cric);
    not_found(viewer.group(cric.id + 1000).await);
    let names = |q: &'static str| {
        let viewer = viewer.clone();
        async move {
            viewer
                .groups(q, 1)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|g| g.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names("").await,
        vec![
            "Consejo Regional Indígena del Cauca",
            "Movimiento Ríos Vivos"
        ]
    );
    assert_eq!(
        names("REGIONAL").await,
        vec!["Consejo Regional Indígena del Cauca"]
    );
    assert_eq!(names("grp-2026-0002").await, vec!["Movimiento Ríos Vivos"]);
    assert!(
        names("%").await.len() == 2,
        "a % in the query is not a wildcard of its own"
    );
    assert!(names("nothing like it").await.is_empty());
    assert_eq!(viewer.groups("", 1).await.unwrap().total, 2);

    let errs = invalid(
        documenter
            .create_group(&GroupInput {
                name: " ".into(),
                group_type: "club".into(),
                country: "Atlantis".into(),
                description: String::new(),
            })
            .await,
    );
    assert_field(&errs, "name", "err-required");
    assert_field(&errs, "group_type", "err-unknown-code");
    assert_field(&errs, "country", "err-unknown-country");
    forbidden(viewer.create_group(&organisation("Not Allowed")).await);
    assert_eq!(db.counts().await.2, 2);

    let mut edit = organisation("CRIC");
    edit.group_type = "network".into();
    let edited = documenter.update_group(cric.id, 1, &edit).await.unwrap();
    assert_eq!(
        (
            edited.name.as_str(),
            edited.group_type.as_str(),
            edited.version
        ),
        ("CRIC", "network", 2)
    );
    assert_eq!(edited.code, cric.code);
    assert!(matches!(
        documenter.update_group(cric.id, 1, &edit).await,
        Err(StoreError::Conflict(2))
    ));
    forbidden(viewer.update_group(cric.id, 2, &edit).await);
    let history = viewer.history("group", cric.id).await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(history[0].changed, vec!["group_type", "name"]);
}

// ---------------------------------------------------------------- incidents

async fn incidents_round_trip_every_field(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let person = create_person(&documenter, "José Ramírez Tombé").await;
    let group = create_group(&documenter, "Guardia Indígena Toribío").await;
    let hitman = documenter
        .create_person(&PersonInput {
            kind: PersonKind::Perpetrator,
            ..defender("Alias El Mono")
        })
        .await
        .unwrap();
    let company = create_group(&documenter, "Seguridad Privada S.A.S.").await;

    let mut input = killing_in_cauca(person.id, group.id);
    input.end_date = "2024-03-16".into();
    input.external_id = "CO-2024-117".into();
    input.violations[0].perpetrators.push(PerpetratorInput {
        perpetrator_type: "hired_killers".into(),
        person_id: Some(hitman.id),
        group_id: None,
    });
    input.violations[1].perpetrators.push(PerpetratorInput {
        perpetrator_type: "private_security".into(),
        person_id: None,
        group_id: Some(company.id),
    });
    let id = documenter.create_incident(&input).await.unwrap();
    let i = documenter.incident(id).await.unwrap();

    assert_eq!(i.id, id);
    assert_eq!(i.external_id.as_deref(), Some("CO-2024-117"));
    assert_eq!(i.title, "Indigenous guard killed near Toribío");
    assert_eq!(
        i.narrative.as_deref(),
        Some("Shot by two men on a motorbike after a community assembly.")
    );
    assert_eq!(i.start, "2024-03-15".parse::<PartialDate>().unwrap());
    assert_eq!(i.start.precision, Precision::Day);
    assert_eq!(i.end, Some("2024-03-16".parse().unwrap()));
    assert_eq!(
        (i.country.as_str(), i.region.as_str(), i.locality.as_str()),
        ("CO", "Cauca", "Toribío")
    );
    assert_eq!(
        i.coordinates,
        Some(Coordinates {
            lat: 2.955,
            lon: -76.27
        })
    );
    assert_eq!(i.business_sector.as_deref(), Some("agribusiness"));
    assert_eq!(
        (i.status, i.verification_override.as_deref()),
        (IncidentStatus::UnderVerification, None)
    );
    assert_eq!(
        (i.version, i.created_at, i.updated_at, i.redacted),
        (1, now(), now(), false)
    );

    assert_eq!(i.violations.len(), 2);
    let (killing, threat) = (&i.violations[0], &i.violations[1]);
    assert_eq!(killing.incident_id, id);
    assert_eq!(killing.violation_type, "killing");
    assert_eq!(
        killing.victim,
        PartyRef {
            victim: VictimRef::Person(person.id),
            code: "HRD-2026-0001".into(),
            name: Some("José Ramírez Tombé".into())
        }
    );
    assert_eq!(
        killing.date, i.start,
        "a violation without a date takes the incident's"
    );
    assert_eq!(
        (killing.outcome.as_str(), killing.reprisal_un),
        ("Died at the scene", false)
    );
    assert_eq!(
        killing.perpetrators,
        vec![
            Perpetrator {
                perpetrator_type: "hired_killers".into(),
                person: None,
                group: None
            },
            Perpetrator {
                perpetrator_type: "hired_killers".into(),
                person: Some(PartyRef {
                    victim: VictimRef::Person(hitman.id),
                    code: "PRP-2026-0001".into(),
                    name: Some("Alias El Mono".into())
                }),
                group: None,
            },
        ]
    );
    assert_eq!(threat.violation_type, "death_threat");
    assert_eq!(
        threat.victim,
        PartyRef {
            victim: VictimRef::Group(group.id),
            code: group.code.clone(),
            name: Some(group.name.clone())
        }
    );
    assert_eq!(
        (threat.date.to_string(), threat.date.precision),
        ("2024-03".to_owned(), Precision::Month)
    );
    assert!(threat.reprisal_un);
    assert_eq!(threat.perpetrators.len(), 2);
    assert_eq!(threat.perpetrators[0].perpetrator_type, "paramilitary");
    assert_eq!(
        threat.perpetrators[1].group.as_ref().map(|g| g.label()),
        Some("Seguridad Privada S.A.S.")
    );
    assert_ne!(killing.id, threat.id);

    let origins: Vec<&str> = i.sources.iter().map(|s| s.origin.as_str()).collect();
    assert_eq!(
        origins,
        vec!["Brother of the victim", "Radio Comunitaria Nasa"]
    );
    assert_eq!(
        (
            i.sources[0].source_type.as_str(),
            i.sources[0].reliability.as_str(),
            i.sources[0].description.as_str()
        ),
        ("relative", "high", "Interview in Santander de Quilichao")
    );
    assert!(i.sources.iter().all(|s| s.incident_id == id));

    // A viewer reads the same incident without its sensitive fields.
    let r = viewer.incident(id).await.unwrap();
    assert!(r.redacted);
    assert_eq!((r.narrative.as_deref(), r.coordinates), (None, None));
    assert_eq!(r.violations[0].victim.name, None);
    assert_eq!(r.violations[0].victim.label(), "HRD-2026-0001");
    assert_eq!(
        r.violations[0].perpetrators[1]
            .person
            .as_ref()
            .map(|p| p.name.clone()),
        Some(None)
    );
    assert_eq!(
        r.violations[1].victim.name.as_deref(),
        Some("Guardia Indígena Toribío"),
        "group names are not sensitive"
    );
    assert_eq!(
        (r.title.as_str(), r.region.as_str(), r.status),
        (i.title.as_str(), "Cauca", i.status)
    );

    not_found(viewer.incident(id + 1000).await);
    assert_eq!(
        db.store
            .incident_id_by_external("CO-2024-117")
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        db.store.incident_id_by_external("nope").await.unwrap(),
        None
    );

    // External ids are unique.
    let errs = invalid(documenter.create_incident(&input).await);
    assert_field(&errs, "external_id", "err-external-id-taken");
    assert_eq!(db.counts().await.0, 1);
}

async fn incident_updates_are_versioned_and_guarded(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let other = db.access(Role::Documenter).await;
    let s = seed(&documenter).await;

    // Two editors open version 1; the first to save wins.
    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.title = "Indigenous guard shot dead near Toribío".into();
    edit.narrative = "Shot twice by two men on a motorbike.".into();
    edit.violations.truncate(1);
    db.clock.advance(Duration::hours(1));
    documenter
        .update_incident(s.incident, 1, &edit)
        .await
        .unwrap();
    let i = documenter.incident(s.incident).await.unwrap();
    assert_eq!(i.version, 2);
    assert_eq!(i.title, "Indigenous guard shot dead near Toribío");
    assert_eq!(i.violations.len(), 1);
    assert_eq!(
        (i.created_at, i.updated_at),
        (now(), now() + Duration::hours(1))
    );

    let mut late = killing_in_cauca(s.person.id, s.group.id);
    late.title = "Stale edit".into();
    match other.update_incident(s.incident, 1, &late).await {
        Err(StoreError::Conflict(current)) => assert_eq!(current, 2),
        r => panic!("expected a conflict, got {r:?}"),
    }
    let after = documenter.incident(s.incident).await.unwrap();
    assert_eq!(
        (after.version, after.title.as_str()),
        (2, "Indigenous guard shot dead near Toribío")
    );

    // Saving the same content again records no new version.
    documenter
        .update_incident(s.incident, 2, &edit)
        .await
        .unwrap();
    assert_eq!(documenter.incident(s.incident).await.unwrap().version, 2);

    let history = documenter.history("incident", s.incident).await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(history[0].changed, vec!["narrative", "title", "violations"]);
    assert_eq!(
        history[0].username.as_deref(),
        Some(documenter.actor().username.as_str())
    );

    // An invalid edit changes nothing either.
    let mut bad = edit.clone();
    bad.start_date = "2031-01-01".into();
    assert_field(
        &invalid(documenter.update_incident(s.incident, 2, &bad).await),
        "start_date",
        "err-date-future",
    );
    not_found(
        documenter
            .update_incident(s.incident + 1000, 1, &edit)
            .await,
    );
    assert_eq!(documenter.incident(s.incident).await.unwrap(), after);
}

async fn concurrent_edits_conflict_instead_of_overwriting(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let s = seed(&documenter).await;
    const EDITORS: usize = 4;

    /// Exactly one of several edits of version 1 wins; the others are told of the
    /// conflict (never a database error, never a silent overwrite).
    #[track_caller]
    fn one_winner<T>(what: &str, results: Vec<Result<T, StoreError>>) {
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(2))))
            .count();
        let other: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| !matches!(e, StoreError::Conflict(2)))
            .map(|e| format!("{e:?}"))
            .collect();
        assert_eq!(
            (wins, conflicts),
            (1, EDITORS - 1),
            "{what}: unexpected errors {other:?}"
        );
    }

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..EDITORS {
        let (a, mut edit) = (
            documenter.clone(),
            killing_in_cauca(s.person.id, s.group.id),
        );
        edit.title = format!("Concurrent edit {n}");
        let id = s.incident;
        tasks.spawn(async move { a.update_incident(id, 1, &edit).await });
    }
    one_winner("incident", tasks.join_all().await);
    assert_eq!(documenter.incident(s.incident).await.unwrap().version, 2);
    assert_eq!(
        documenter
            .history("incident", s.incident)
            .await
            .unwrap()
            .len(),
        2
    );

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..EDITORS {
        let a = documenter.clone();
        let id = s.person.id;
        tasks.spawn(async move {
            a.update_person(id, 1, &defender(&format!("Name {n}")))
                .await
        });
    }
    one_winner("person", tasks.join_all().await);
    assert_eq!(
        documenter
            .history("person", s.person.id)
            .await
            .unwrap()
            .len(),
        2
    );

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..EDITORS {
        let a = documenter.clone();
        let id = s.group.id;
        tasks.spawn(async move {
            a.update_group(id, 1, &organisation(&format!("Group {n}")))
                .await
        });
    }
    one_winner("group", tasks.join_all().await);
    assert_eq!(
        documenter.history("group", s.group.id).await.unwrap().len(),
        2
    );

    // Codes handed out at the same time are still unique and gapless.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let a = documenter.clone();
        tasks.spawn(async move {
            a.create_person(&defender(&format!("Person {n}")))
                .await
                .map(|p| p.code)
        });
    }
    let mut codes: Vec<String> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    codes.sort();
    let want: Vec<String> = (2..=9).map(|n| format!("HRD-2026-{n:04}")).collect();
    assert_eq!(codes, want);
}

async fn invalid_incidents_change_nothing(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let s = seed(&documenter).await;
    let counts = db.counts().await;
    let versions = documenter
        .history("incident", s.incident)
        .await
        .unwrap()
        .len();

    let mut bad = killing_in_cauca(s.person.id, s.group.id);
    bad.title = "   ".into();
    bad.country = "Atlantis".into();
    bad.start_date = "2024-02-30".into();
    bad.latitude = Some(123.0);
    bad.violations[1].violation_type = "bad_code".into();
    bad.violations[1].perpetrators[0].perpetrator_type = "aliens".into();
    bad.sources[0].reliability = "certain".into();
    bad.sources[1].origin = " ".into();
    bad.business_sector = "space_mining".into();
    let errs = invalid(documenter.create_incident(&bad).await);
    for (field, key) in [
        ("title", "err-required"),
        ("country", "err-unknown-country"),
        ("start_date", "err-date-format"),
        ("coordinates", "err-coordinates-range"),
        ("violations[1].type", "err-unknown-code"),
        ("violations[1].perpetrators[0].type", "err-unknown-code"),
        ("sources[0].reliability", "err-unknown-code"),
        ("sources[1].origin", "err-required"),
        ("business_sector", "err-unknown-code"),
    ] {
        assert_field(&errs, field, key);
    }
    assert_eq!(
        errs.for_field("country").and_then(|e| e.arg.as_deref()),
        Some("Atlantis")
    );

    let mut none = killing_in_cauca(s.person.id, s.group.id);
    none.violations.clear();
    assert_field(
        &invalid(documenter.create_incident(&none).await),
        "violations",
        "err-no-violations",
    );
    let mut reversed = killing_in_cauca(s.person.id, s.group.id);
    reversed.end_date = "2024-02".into();
    assert_field(
        &invalid(documenter.create_incident(&reversed).await),
        "end_date",
        "err-end-before-start",
    );

    // Victims and named perpetrators must exist: checked by the store, still nothing written.
    let mut ghost = killing_in_cauca(s.person.id + 1000, s.group.id);
    ghost.violations[1].perpetrators[0].group_id = Some(s.group.id + 1000);
    let errs = invalid(documenter.create_incident(&ghost).await);
    assert_field(&errs, "violations[0].victim", "err-unknown-victim");
    assert_field(
        &errs,
        "violations[1].perpetrators[0].type",
        "err-unknown-victim",
    );
    let mut ghost_group = killing_in_cauca(s.person.id, s.group.id + 1000);
    ghost_group.violations.swap(0, 1);
    assert_field(
        &invalid(documenter.create_incident(&ghost_group).await),
        "violations[0].victim",
        "err-unknown-victim",
    );

    assert_eq!(db.counts().await, counts);
    assert_eq!(
        documenter
            .history("incident", s.incident)
            .await
            .unwrap()
            .len(),
        versions
    );
    let page = documenter
        .incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

async fn verification_needs_two_independent_sources(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let admin = db.access(Role::Admin).await;
    let s = seed(&documenter).await;
    let counts = db.counts().await;

    // Two sources with independent origins: verified.
    let mut verified = killing_in_cauca(s.person.id, s.group.id);
    verified.status = Some(IncidentStatus::Verified);
    let id = documenter.create_incident(&verified).await.unwrap();
    assert_eq!(
        documenter.incident(id).await.unwrap().status,
        IncidentStatus::Verified
    );

    // The same origin twice (case and spacing aside) is one source.
    let mut echo = verified.clone();
    echo.sources[1].origin = "  brother OF the victim ".into();
    let errs = invalid(documenter.create_incident(&echo).await);
    assert_field(&errs, "status", "err-verified-needs-sources");
    assert_eq!(
        errs.for_field("status").and_then(|e| e.arg.as_deref()),
        Some("1")
    );
    let mut none = verified.clone();
    none.sources.clear();
    assert_field(
        &invalid(documenter.create_incident(&none).await),
        "status",
        "err-verified-needs-sources",
    );

    // Only an administrator may override, and the reason is recorded.
    echo.verification_override = "Confirmed by the Fiscalía in writing".into();
    assert_field(
        &invalid(documenter.create_incident(&echo).await),
        "verification_override",
        "err-override-not-allowed",
    );
    let overridden = admin.create_incident(&echo).await.unwrap();
    let i = admin.incident(overridden).await.unwrap();
    assert_eq!(i.status, IncidentStatus::Verified);
    assert_eq!(
        i.verification_override.as_deref(),
        Some("Confirmed by the Fiscalía in writing")
    );

    // An edit that drops a source must leave `verified` too.
    let mut drop_source = verified.clone();
    drop_source.sources.truncate(1);
    assert_field(
        &invalid(documenter.update_incident(id, 1, &drop_source).await),
        "status",
        "err-verified-needs-sources",
    );
    assert_eq!(documenter.incident(id).await.unwrap().version, 1);

    assert_eq!(db.counts().await.0, counts.0 + 2);
}

async fn status_transitions_follow_the_verification_path(db: TestDb) {
    use IncidentStatus::*;
    let documenter = db.access(Role::Documenter).await;
    let person = create_person(&documenter, "Defensora Estado").await;
    let mut input = simple_incident("Status story", "2024-06-01", person.id);
    input.sources = two_sources();
    input.status = Some(Reported);
    let id = documenter.create_incident(&input).await.unwrap();

    let mut version = 1;
    for (to, allowed) in [
        (Verified, false),
        (Unverifiable, false),
        (UnderVerification, true),
        (Verified, true),
        (Reported, false),
        (Rejected, false),
        (UnderVerification, true),
        (Rejected, true),
        (Verified, false),
        (UnderVerification, true),
        (Unverifiable, true),
        (UnderVerification, true),
        (Reported, true),
        (Rejected, true),
    ] {
        let from = documenter.incident(id).await.unwrap().status;
        input.status = Some(to);
        let r = documenter.update_incident(id, version, &input).await;
        if allowed {
            r.unwrap_or_else(|e| panic!("{from} → {to} should be allowed: {e}"));
            version += 1;
        } else {
            let errs = invalid(r);
            assert_field(&errs, "status", "err-status-transition");
        }
        let now_at = documenter.incident(id).await.unwrap();
        assert_eq!(
            (now_at.status, now_at.version),
            (if allowed { to } else { from }, version),
            "{from} → {to}"
        );
    }
}

async fn only_writers_write(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let s = seed(&documenter).await;
    let input = killing_in_cauca(s.person.id, s.group.id);
    let counts = db.counts().await;

    for role in [Role::Viewer, Role::Analyst] {
        let reader = db.access(role).await;
        forbidden(reader.create_incident(&input).await);
        forbidden(reader.update_incident(s.incident, 1, &input).await);
        forbidden(reader.create_person(&defender("Nope")).await);
        forbidden(reader.create_group(&organisation("Nope")).await);
        forbidden(
            reader
                .import_batch(&[], &[(Vec::new(), input.clone())])
                .await,
        );
        forbidden(
            reader
                .add_term(term(VocabKind::Sex, "other", "Other"))
                .await,
        );
        // Reading is allowed.
        assert_eq!(reader.incident(s.incident).await.unwrap().id, s.incident);
        assert_eq!(reader.counts().await.unwrap(), counts);
    }
    forbidden(
        db.access(Role::Viewer)
            .await
            .export_incidents(&IncidentFilter::default())
            .await,
    );
    forbidden(
        documenter
            .import_batch(&[], &[(Vec::new(), input.clone())])
            .await,
    );
    for role in [Role::ProtectionOfficer, Role::Admin] {
        db.access(role).await.create_incident(&input).await.unwrap();
    }
    assert_eq!(db.counts().await.0, counts.0 + 2);
}

async fn victim_pages_list_violations(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let s = seed(&documenter).await;
    let mut later = simple_incident("Threatened again", "2025-01-20", s.person.id);
    later.region = "Nariño".into();
    let later = documenter.create_incident(&later).await.unwrap();
    let bystander = create_person(&documenter, "Nobody Harmed").await;

    let list = viewer
        .violations_against(VictimRef::Person(s.person.id))
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].incident_id, list[0].violation_type.as_str()),
        (later, "threat")
    );
    assert_eq!(
        (list[1].incident_id, list[1].violation_type.as_str()),
        (s.incident, "killing")
    );
    assert_eq!(
        list[1].incident_title,
        "Indigenous guard killed near Toribío"
    );
    assert_eq!(list[1].date.to_string(), "2024-03-15");
    assert_eq!(
        (list[1].country.as_str(), list[1].status),
        ("CO", IncidentStatus::UnderVerification)
    );

    let list = viewer
        .violations_against(VictimRef::Group(s.group.id))
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].violation_type.as_str(), list[0].date.to_string()),
        ("death_threat", "2024-03".to_owned())
    );
    assert!(viewer
        .violations_against(VictimRef::Person(bystander.id))
        .await
        .unwrap()
        .is_empty());

    // Removing the violation from the incident removes it from the victim's page.
    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.violations.remove(1);
    documenter
        .update_incident(s.incident, 1, &edit)
        .await
        .unwrap();
    assert!(viewer
        .violations_against(VictimRef::Group(s.group.id))
        .await
        .unwrap()
        .is_empty());
}

// ---------------------------------------------------------------- lists and search

async fn incident_lists_filter(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;

    // A: the killing in Cauca (2024, under verification, agribusiness, indigenous victim).
    let s = seed(&documenter).await;
    let a = s.incident;
    // B: a journalist detained by police in Pará, Brazil (2023, reported, mining).
    let mut journalist = defender("Repórter Silva");
    journalist.characteristics = vec!["journalist".into()];
    let journalist = documenter.create_person(&journalist).await.unwrap();
    let b = documenter
        .create_incident(&IncidentInput {
            title: "Journalist detained after mining report".into(),
            start_date: "2023-08".into(),
            country: "Brazil".into(),
            region: "PARÁ".into(),
            business_sector: "mining".into(),
            violations: vec![ViolationInput {
                violation_type: "arbitrary_detention".into(),
                victim: Some(VictimRef::Person(journalist.id)),
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
    // C: threats against the group in Antioquia, Colombia (2023, reported, no sector).
    let c = documenter
        .create_incident(&IncidentInput {
            title: "Pamphlet threatens the guard".into(),
            start_date: "2023".into(),
            country: "170".into(),
            region: "Antioquia".into(),
            violations: vec![ViolationInput {
                violation_type: "threat".into(),
                victim: Some(VictimRef::Group(s.group.id)),
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "unknown".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    // D: a park ranger threatened in Île-de-France (2025); the region is stored in
    // its canonical spelling, which starts with a non-ASCII capital.
    let mut ranger = defender("Garde Forestier");
    ranger.characteristics = vec!["park_ranger".into()];
    let ranger = documenter.create_person(&ranger).await.unwrap();
    let mut d = simple_incident("Park ranger threatened", "2025-02-10", ranger.id);
    d.country = "France".into();
    d.region = "ile de france".into();
    let d = documenter.create_incident(&d).await.unwrap();

    let f = IncidentFilter::default;
    let all = viewer.incidents(&f()).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        all.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![d, a, b, c],
        "newest first"
    );
    let summary = all.items.iter().find(|i| i.id == a).unwrap();
    assert_eq!(summary.title, "Indigenous guard killed near Toribío");
    assert_eq!(
        (summary.country.as_str(), summary.region.as_str()),
        ("CO", "Cauca")
    );
    assert_eq!(
        (summary.start.to_string(), summary.status),
        ("2024-03-15".to_owned(), IncidentStatus::UnderVerification)
    );
    assert_eq!(summary.violation_types, vec!["killing", "death_threat"]);
    assert_eq!(summary.victim_count, 2);
    let summary_b = all.items.iter().find(|i| i.id == b).unwrap();
    assert_eq!(
        (summary_b.country.as_str(), summary_b.region.as_str()),
        ("BR", "Pará")
    );
    let summary_d = all.items.iter().find(|i| i.id == d).unwrap();
    assert_eq!(
        (summary_d.country.as_str(), summary_d.region.as_str()),
        ("FR", "Île-de-France")
    );

    for (country, want) in [
        ("Colombia", set([a, c])),
        ("colombia", set([a, c])),
        ("CO", set([a, c])),
        ("COL", set([a, c])),
        ("170", set([a, c])),
        ("Brazil", set([b])),
        ("Brasil", set([b])),
        ("France", set([d])),
        ("Honduras", set([])),
        ("Atlantis", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    country: country.into(),
                    ..f()
                }
            )
            .await,
            want,
            "country {country}"
        );
    }
    for (region, want) in [
        ("Cauca", set([a])),
        ("cauca", set([a])),
        (" CAUCA ", set([a])),
        ("Pará", set([b])),
        ("pará", set([b])),
        ("Île-de-France", set([d])),
        ("Valle del Cauca", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    region: region.into(),
                    ..f()
                }
            )
            .await,
            want,
            "region {region}"
        );
    }
    // With a country, a known first-level region matches however it is typed.
    for (country, region, want) in [
        ("France", "ILE DE FRANCE", set([d])),
        ("FR", "île-de-france", set([d])),
        ("Brazil", "para", set([b])),
        ("Colombia", "CAUCA", set([a])),
        ("Colombia", "Pará", set([])),
    ] {
        let filter = IncidentFilter {
            country: country.into(),
            region: region.into(),
            ..f()
        };
        assert_eq!(ids(&viewer, filter).await, want, "{country} / {region}");
    }
    for (year, want) in [
        (2024, set([a])),
        (2023, set([b, c])),
        (2025, set([d])),
        (2019, set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    year: Some(year),
                    ..f()
                }
            )
            .await,
            want,
            "year {year}"
        );
    }
    for (vt, want) in [
        ("killing", set([a])),
        ("death_threat", set([a])),
        ("arbitrary_detention", set([b])),
        ("threat", set([c, d])),
        ("torture", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    violation_type: vt.into(),
                    ..f()
                }
            )
            .await,
            want,
            "violation type {vt}"
        );
    }
    for (status, want) in [
        ("reported", set([b, c, d])),
        ("under_verification", set([a])),
        ("verified", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    status: status.into(),
                    ..f()
                }
            )
            .await,
            want,
            "status {status}"
        );
    }
    for (pt, want) in [
        ("hired_killers", set([a])),
        ("paramilitary", set([a])),
        ("police", set([b])),
        ("unknown", set([c])),
        ("military", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    perpetrator_type: pt.into(),
                    ..f()
                }
            )
            .await,
            want,
            "perpetrator {pt}"
        );
    }
    for (sector, want) in [
        ("agribusiness", set([a])),
        ("mining", set([b])),
        ("logging", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    sector: sector.into(),
                    ..f()
                }
            )
            .await,
            want,
            "sector {sector}"
        );
    }
    for (ch, want) in [
        ("indigenous", set([a])),
        ("community_leader", set([a])),
        ("journalist", set([b])),
        ("park_ranger", set([d])),
        ("lawyer", set([])),
    ] {
        assert_eq!(
            ids(
                &viewer,
                IncidentFilter {
                    characteristic: ch.into(),
                    ..f()
                }
            )
            .await,
            want,
            "characteristic {ch}"
        );
    }

    // Filters combine.
    let both = IncidentFilter {
        country: "Colombia".into(),
        year: Some(2023),
        ..f()
    };
    assert_eq!(ids(&viewer, both).await, set([c]));
    let none = IncidentFilter {
        country: "Brazil".into(),
        violation_type: "killing".into(),
        ..f()
    };
    let page = viewer.incidents(&none).await.unwrap();
    assert_eq!((page.total, page.items.len()), (0, 0));
    let q = IncidentFilter {
        q: "guard".into(),
        country: "CO".into(),
        status: "reported".into(),
        ..f()
    };
    assert_eq!(ids(&viewer, q).await, set([c]));
}

async fn incident_lists_paginate(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let viewer = db.access(Role::Viewer).await;
    let person = create_person(&admin, "Many Times Threatened").await;

    // 55 incidents on 55 distinct days, in one import transaction (cheap on both engines).
    let total = PAGE_SIZE as usize + 5;
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let rows: Vec<_> = (0..total)
        .map(|n| {
            let day = start + Duration::days(n as i64);
            (
                Vec::new(),
                simple_incident(
                    &format!("Threat number {n}"),
                    &day.format("%Y-%m-%d").to_string(),
                    person.id,
                ),
            )
        })
        .collect();
    let counts = admin.import_batch(&[], &rows).await.unwrap();
    assert_eq!(counts.created, total as u64);

    let page = |n: Option<u32>| {
        let viewer = viewer.clone();
        async move {
            viewer
                .incidents(&IncidentFilter {
                    page: n,
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    let first = page(None).await;
    assert_eq!(
        (first.total, first.page, first.per_page, first.pages()),
        (total as i64, 1, PAGE_SIZE, 2)
    );
    assert_eq!(first.items.len(), PAGE_SIZE as usize);
    assert_eq!(
        first.items[0].title,
        format!("Threat number {}", total - 1),
        "newest first"
    );
    assert_eq!(page(Some(0)).await.items, first.items, "page 0 is page 1");
    let second = page(Some(2)).await;
    assert_eq!((second.page, second.items.len(), second.pages()), (2, 5, 2));
    assert_eq!(second.items.last().unwrap().title, "Threat number 0");
    let third = page(Some(3)).await;
    assert_eq!((third.total, third.items.len()), (total as i64, 0));

    let mut seen: Vec<Id> = first
        .items
        .iter()
        .chain(second.items.iter())
        .map(|i| i.id)
        .collect();
    let dates: Vec<_> = first
        .items
        .iter()
        .chain(second.items.iter())
        .map(|i| i.start.date)
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] > w[1]),
        "strictly newest first across pages"
    );
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), total, "no incident on two pages, none missing");

    // Pagination applies after filtering.
    let filtered = viewer
        .incidents(&IncidentFilter {
            year: Some(2020),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((filtered.total, filtered.pages()), (total as i64, 2));
    let f2 = viewer
        .incidents(&IncidentFilter {
            q: "threat".into(),
            page: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((f2.total, f2.items.len()), (total as i64, 5));
}

async fn full_text_search_respects_sensitivity(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let analyst = db.access(Role::Analyst).await;
    let s = seed(&documenter).await;
    let a = s.incident;
    let ana = create_person(&documenter, "Ana Lucía Quintero").await;
    let mut river = simple_incident("Threats on the Río Magdalena", "2024-07-01", ana.id);
    river.narrative = "Fishermen opposing the dam were followed.".into();
    let b = documenter.create_incident(&river).await.unwrap();

    for reader in [&documenter, &viewer, &analyst] {
        let who = reader.actor().role;
        // Title words, any case, whole — or as the beginning of words when they end
        // with `*`; all words must match.
        assert_eq!(search(reader, "killed").await, set([a]), "{who}");
        assert_eq!(search(reader, "KILLED toribio").await, set([a]), "{who}");
        assert_eq!(search(reader, "indig").await, set([]), "{who}");
        assert_eq!(search(reader, "indig*").await, set([a]), "{who}");
        assert_eq!(search(reader, "kill* TORIB*").await, set([a]), "{who}");
        assert_eq!(search(reader, "killed magdalena").await, set([]), "{who}");
        // Accents fold both ways.
        assert_eq!(search(reader, "rio").await, set([b]), "{who}");
        assert_eq!(search(reader, "RÍO magdalena").await, set([b]), "{who}");
        assert_eq!(search(reader, "Toribio").await, set([a]), "{who}");
        // Victim codes and group names are public.
        assert_eq!(search(reader, &s.person.code).await, set([a]), "{who}");
        assert_eq!(search(reader, &ana.code).await, set([b]), "{who}");
        assert_eq!(search(reader, "guardia").await, set([a]), "{who}");
        assert_eq!(search(reader, "cauca").await, set([a]), "{who} (region)");
        // Query syntax of either engine is just text.
        assert_eq!(
            search(reader, "\"OR\" * NEAR( x:y & | ! ' \\").await,
            set([]),
            "{who}"
        );
        assert_eq!(
            search(reader, "killed OR magdalena").await,
            set([]),
            "{who}"
        );
        // Letters and digits one engine's tokenizer may not know are not errors.
        assert_eq!(
            search(reader, "\u{1E900}\u{1E901} ² ⅷ").await,
            set([]),
            "{who}"
        );
        assert_eq!(
            search(reader, "   ").await,
            set([a, b]),
            "{who}: a blank query does not filter"
        );
    }

    // Narratives, victims' legal names and source origins are found only by readers
    // of sensitive fields.
    for (q, want) in [
        ("motorbike", set([a])),
        ("fishermen dam", set([b])),
        ("Ramírez", set([a])),
        ("ramirez tombe", set([a])),
        ("QUINTERO", set([b])),
        ("Comunitaria", set([a])),
        ("Quilichao", set([a])),
    ] {
        assert_eq!(search(&documenter, q).await, want, "documenter: {q}");
        assert_eq!(search(&viewer, q).await, set([]), "viewer: {q}");
        assert_eq!(search(&analyst, q).await, set([]), "analyst: {q}");
    }
    // A sensitive and a public word together: the reader must see both.
    assert_eq!(search(&documenter, "killed motorbike").await, set([a]));
    assert_eq!(search(&viewer, "killed motorbike").await, set([]));

    // Renaming a victim or a group re-indexes the incidents that name them.
    let mut renamed = defender("José Tombé Pacho");
    renamed.characteristics = s.person.characteristics.clone();
    documenter
        .update_person(s.person.id, 1, &renamed)
        .await
        .unwrap();
    assert_eq!(search(&documenter, "pacho").await, set([a]));
    assert_eq!(search(&documenter, "ramirez").await, set([]));
    assert_eq!(search(&viewer, "pacho").await, set([]));
    documenter
        .update_group(s.group.id, 1, &organisation("Kiwe Thegnas"))
        .await
        .unwrap();
    assert_eq!(search(&viewer, "thegnas").await, set([a]));
    assert_eq!(search(&viewer, "guardia").await, set([]));

    // Editing an incident re-indexes it.
    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.title = "Nasa guard murdered".into();
    edit.narrative = "Witnesses saw a pickup truck.".into();
    documenter.update_incident(a, 1, &edit).await.unwrap();
    assert_eq!(search(&viewer, "murdered").await, set([a]));
    assert_eq!(search(&viewer, "killed").await, set([]));
    assert_eq!(search(&documenter, "pickup").await, set([a]));
    assert_eq!(search(&documenter, "motorbike").await, set([]));
}

async fn person_search_respects_sensitivity(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    let jose = create_person(&documenter, "José Ramírez Tombé").await;
    let ana = create_person(&documenter, "Ana Lucía Quintero").await;

    assert_eq!(person_search(&documenter, "Ramírez").await, vec![jose.id]);
    assert_eq!(person_search(&documenter, "ramirez").await, vec![jose.id]);
    assert_eq!(
        person_search(&documenter, "LUCIA quintero").await,
        vec![ana.id]
    );
    // Words match whole unless they end with `*`.
    assert!(person_search(&documenter, "LUCIA quin").await.is_empty());
    // Prefixes of sensitive words: SQLite searches its (whole-file encrypted) FTS5
    // index by prefix; PostgreSQL holds sensitive words only as a blind index of
    // keyed hashes, which matches whole words only (docs/security.md, threat 1).
    let prefix = person_search(&documenter, "LUCIA quin*").await;
    match db.store.dialect() {
        vigil_store::Dialect::Sqlite => assert_eq!(prefix, vec![ana.id]),
        vigil_store::Dialect::Postgres => assert!(prefix.is_empty()),
    }
    assert_eq!(
        person_search(&documenter, "+57").await.len(),
        2,
        "contacts are searchable for documenters"
    );
    assert!(person_search(&viewer, "Ramírez").await.is_empty());
    assert!(person_search(&viewer, "ana").await.is_empty());

    for reader in [&documenter, &viewer] {
        assert_eq!(person_search(reader, &jose.code).await, vec![jose.id]);
        assert_eq!(
            person_search(reader, &ana.code.to_lowercase()).await,
            vec![ana.id]
        );
        assert_eq!(
            person_search(reader, "hrd").await,
            vec![jose.id, ana.id],
            "ordered by code"
        );
        assert!(person_search(reader, "\" OR * NEAR(").await.is_empty());
        assert!(person_search(reader, "\u{1E900} ² ⅷ").await.is_empty());
    }
    let found = viewer
        .persons(&PersonFilter {
            q: ana.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(
        (
            found.items[0].legal_name.as_deref(),
            found.items[0].redacted
        ),
        (None, true)
    );

    // Filters and search combine.
    let f = PersonFilter {
        q: "ramirez".into(),
        characteristic: "indigenous".into(),
        ..Default::default()
    };
    assert_eq!(documenter.persons(&f).await.unwrap().total, 1);
    let f = PersonFilter {
        q: "ramirez".into(),
        kind: "witness".into(),
        ..Default::default()
    };
    assert_eq!(documenter.persons(&f).await.unwrap().total, 0);
}

async fn search_folds_accents_alike_on_both_engines(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let viewer = db.access(Role::Viewer).await;
    // Names from the countries where defenders are attacked use more than Spanish accents.
    let names = [
        "Antonín Dvořák",
        "Łukasz Żółć",
        "Søren Ødegård",
        "Şahin Öztürk",
        "Nguyễn Thị Ánh",
        "Ștefan Țurcanu",
    ];
    let mut people = Vec::new();
    for name in names {
        people.push(create_person(&documenter, name).await);
    }
    for (q, i) in [
        ("dvorak", 0),
        ("DVOŘÁK", 0),
        ("lukasz zolc", 1),
        ("ŁUKASZ", 1),
        ("soren odegard", 2),
        ("sahin ozturk", 3),
        ("nguyen anh", 4),
        ("stefan turcanu", 5),
    ] {
        assert_eq!(
            person_search(&documenter, q).await,
            vec![people[i].id],
            "{q}"
        );
    }
    let mut input = simple_incident(
        "Radio station raided in Kraśnik and Łódź",
        "2024-09-09",
        people[0].id,
    );
    input.country = "Poland".into();
    let id = documenter.create_incident(&input).await.unwrap();
    for q in ["krasnik", "KRAŚNIK lodz", "Łódź"] {
        assert_eq!(search(&viewer, q).await, set([id]), "{q}");
    }
    assert_eq!(
        search(&documenter, "dvorak").await,
        set([id]),
        "victim names fold too"
    );
}

// ---------------------------------------------------------------- history, export, import

async fn history_lists_versions_and_changed_fields(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let editor = db.access(Role::ProtectionOfficer).await;
    let viewer = db.access(Role::Viewer).await;
    let s = seed(&documenter).await;

    let mut edit = killing_in_cauca(s.person.id, s.group.id);
    edit.region = "Valle del Cauca".into();
    db.clock.advance(Duration::hours(2));
    editor.update_incident(s.incident, 1, &edit).await.unwrap();
    edit.sources.pop();
    edit.locality = "Jamundí".into();
    db.clock.advance(Duration::hours(1));
    documenter
        .update_incident(s.incident, 2, &edit)
        .await
        .unwrap();

    let h = viewer.history("incident", s.incident).await.unwrap();
    assert_eq!(
        h.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert!(h
        .iter()
        .all(|v| v.entity == "incident" && v.entity_id == s.incident));
    assert_eq!(h[0].changed, vec!["locality", "sources"]);
    assert_eq!(h[1].changed, vec!["region"]);
    assert_eq!(
        (h[0].at, h[1].at, h[2].at),
        (
            now() + Duration::hours(3),
            now() + Duration::hours(2),
            now()
        )
    );
    assert_eq!(h[1].user_id, Some(editor.actor().user_id));
    assert_eq!(
        h[1].username.as_deref(),
        Some(editor.actor().username.as_str())
    );
    assert_eq!(
        h[2].username.as_deref(),
        Some(documenter.actor().username.as_str())
    );
    for field in [
        "title",
        "narrative",
        "country",
        "region",
        "violations",
        "sources",
        "status",
    ] {
        assert!(
            h[2].changed.iter().any(|c| c == field),
            "first version lists {field}: {:?}",
            h[2].changed
        );
    }

    // Snapshots keep every version (for administrators' review).
    let v2 = db
        .store
        .version_snapshot("incident", s.incident, 2)
        .await
        .unwrap();
    assert_eq!(v2["region"], "Valle del Cauca");
    assert_eq!(v2["sources"].as_array().map(Vec::len), Some(2));
    not_found(db.store.version_snapshot("incident", s.incident, 9).await);

    let p = viewer.history("person", s.person.id).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(viewer.history("group", s.group.id).await.unwrap().len(), 1);
    not_found(viewer.history("incident", s.incident + 1000).await);
    not_found(viewer.history("person", s.person.id + 1000).await);
    not_found(viewer.history("evidence", s.incident).await);
}

async fn export_is_redacted_for_analysts(db: TestDb) {
    let documenter = db.access(Role::Documenter).await;
    let analyst = db.access(Role::Analyst).await;
    let s = seed(&documenter).await;
    let other = create_person(&documenter, "Otra Persona").await;
    let mut brazil = simple_incident("Detention in Pará", "2023-05-05", other.id);
    brazil.country = "BR".into();
    brazil.narrative = "Held for three days without charge.".into();
    let b = documenter.create_incident(&brazil).await.unwrap();

    let full = documenter
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(
        full.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![s.incident, b]
    );
    assert!(full.iter().all(|i| !i.redacted && i.narrative.is_some()));
    assert_eq!(full[0], documenter.incident(s.incident).await.unwrap());

    let redacted = analyst
        .export_incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(redacted.len(), 2);
    for i in &redacted {
        assert!(i.redacted);
        assert_eq!((i.narrative.as_deref(), i.coordinates), (None, None));
        for v in &i.violations {
            if let VictimRef::Person(_) = v.victim.victim {
                assert_eq!(v.victim.name, None);
                assert!(v.victim.code.starts_with("HRD-"));
            }
        }
    }
    assert_eq!(redacted[0], analyst.incident(s.incident).await.unwrap());
    assert_eq!(redacted[0].title, full[0].title);
    assert_eq!(redacted[0].violations.len(), 2);

    // Filters apply; sensitive words find nothing for the analyst.
    let co = IncidentFilter {
        country: "Colombia".into(),
        ..Default::default()
    };
    assert_eq!(analyst.export_incidents(&co).await.unwrap().len(), 1);
    let q = IncidentFilter {
        q: "motorbike".into(),
        ..Default::default()
    };
    assert!(analyst.export_incidents(&q).await.unwrap().is_empty());
    assert_eq!(documenter.export_incidents(&q).await.unwrap().len(), 1);
}

fn import_person(external_id: &str, name: &str) -> PersonInput {
    PersonInput {
        external_id: external_id.into(),
        ..defender(name)
    }
}

fn import_incident(external_id: &str, title: &str, violation_type: &str) -> IncidentInput {
    IncidentInput {
        title: title.into(),
        narrative: format!("Imported narrative for {external_id}."),
        start_date: "2022-10-05".into(),
        country: "Honduras".into(),
        region: "Atlántida".into(),
        external_id: external_id.into(),
        violations: vec![ViolationInput {
            violation_type: violation_type.into(),
            victim: None,
            perpetrators: vec![PerpetratorInput {
                perpetrator_type: "company".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        sources: two_sources(),
        ..Default::default()
    }
}

async fn import_is_all_or_nothing_and_idempotent(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    let p1 = valid_person(&admin, &import_person("P-1", "Berta Importada")).await;
    let p2 = valid_person(&admin, &import_person("P-2", "Gaspar Importado")).await;
    let row = |ext: &str, title: &str, vt: &str, who: &ValidPerson| {
        (vec![who.clone()], import_incident(ext, title, vt))
    };

    // One bad row: nothing at all is written, not even the persons of the good rows.
    let batch = vec![
        row("HN-1", "Land defender attacked", "physical_attack", &p1),
        row("HN-2", "River defender threatened", "death_threat", &p2),
        row("HN-3", "Office raided", "not_a_violation", &p1),
    ];
    let errs = invalid(admin.import_batch(&[], &batch).await);
    assert!(
        errs.0
            .iter()
            .any(|e| e.field.ends_with("violations[0].type") && e.key == "err-unknown-code"),
        "{errs}"
    );
    assert!(
        errs.0.iter().any(|e| e.field.starts_with("rows[2]")),
        "the failing row is named: {errs}"
    );
    assert_eq!(db.counts().await, (0, 0, 0));
    assert!(db
        .store
        .person_by_external_id("P-1")
        .await
        .unwrap()
        .is_none());

    // The corrected batch goes in whole; a person named twice is created once.
    let mut batch = batch;
    batch[2] = row("HN-3", "Office raided", "raid", &p1);
    let counts = admin.import_batch(&[], &batch).await.unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (3, 0, 0)
    );
    assert_eq!(db.counts().await, (3, 2, 0));
    let berta = db
        .store
        .person_by_external_id("P-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        berta.code, "HRD-2026-0001",
        "the rolled-back batch used no codes"
    );
    assert_eq!(berta.legal_name.as_deref(), Some("Berta Importada"));
    let hn1 = db
        .store
        .incident_id_by_external("HN-1")
        .await
        .unwrap()
        .unwrap();
    let i = admin.incident(hn1).await.unwrap();
    assert_eq!(
        (i.country.as_str(), i.region.as_str(), i.version),
        ("HN", "Atlántida", 1)
    );
    assert_eq!(i.violations[0].victim.victim, VictimRef::Person(berta.id));
    assert_eq!(
        admin
            .violations_against(VictimRef::Person(berta.id))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        search(&admin, "raided").await.len(),
        1,
        "imported incidents are searchable"
    );

    // The same file again changes nothing.
    let again = admin.import_batch(&[], &batch).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(db.counts().await, (3, 2, 0));
    assert_eq!(admin.history("incident", hn1).await.unwrap().len(), 1);

    // A changed row updates its incident in place, with a new version.
    batch[0].1.title = "Land defender beaten by security guards".into();
    let changed = admin.import_batch(&[], &batch).await.unwrap();
    assert_eq!(
        (changed.created, changed.updated, changed.unchanged),
        (0, 1, 2)
    );
    assert_eq!(db.counts().await, (3, 2, 0));
    let i = admin.incident(hn1).await.unwrap();
    assert_eq!(
        (i.title.as_str(), i.version),
        ("Land defender beaten by security guards", 2)
    );
    assert_eq!(
        admin.history("incident", hn1).await.unwrap()[0].changed,
        vec!["title"]
    );

    // A new row beside known ones is created; rows without external ids always are.
    let mut plus = batch.clone();
    plus.push(row("HN-4", "Second attack", "physical_attack", &p2));
    let mut anonymous = import_incident("", "No external id", "threat");
    anonymous.violations[0].victim = Some(VictimRef::Person(berta.id));
    plus.push((Vec::new(), anonymous));
    let more = admin.import_batch(&[], &plus).await.unwrap();
    assert_eq!((more.created, more.updated, more.unchanged), (2, 0, 3));
    assert_eq!(db.counts().await, (5, 2, 0));
}

/// Migration 0023 (SQLite) makes the full-text tables contentless: on a database
/// that already has records, every record must still be found afterwards, and the
/// tables must no longer hold a copy of the text. The tables are put back as they
/// were before 0023 (holding their text, with a word only they know), the migration
/// is forgotten, and the store opened again.
#[tokio::test]
async fn full_text_tables_become_contentless_keeping_every_record_found() {
    let db = sqlite().await;
    let admin = db.access(Role::Admin).await;
    let seeded = seed(&admin).await;
    let engine = db.store.backend().clone();
    let mut tx = engine.begin().await.unwrap();
    for (table, id) in [
        ("incident_fts", seeded.incident),
        ("person_fts", seeded.person.id),
    ] {
        tx.execute(&format!("DROP TABLE {table}"), &[])
            .await
            .unwrap();
        tx.execute(
            &format!("CREATE VIRTUAL TABLE {table} USING fts5(public_text, sensitive_text, tokenize = 'unicode61 remove_diacritics 2')"),
            &[],
        )
        .await
        .unwrap();
        tx.execute(
            &format!("INSERT INTO {table} (rowid, public_text, sensitive_text) VALUES ($1, 'zorblat cauca', 'quimbaya')"),
            &[id.into()],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "DELETE FROM schema_migrations WHERE name = '0023_contentless_search'",
        &[],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let again = db.reopen().await;
    let admin = Access::new(again.clone(), admin.actor().clone());
    let found = admin
        .incidents(&IncidentFilter {
            q: "zorblat quimbaya".into(),
            ..IncidentFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [seeded.incident],
        "the moved index finds the record"
    );
    let people = admin
        .persons(&PersonFilter {
            q: "zorblat".into(),
            ..PersonFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(people.total, 1);
    for table in ["incident_fts", "person_fts"] {
        let text = again
            .backend()
            .query(
                &format!("SELECT public_text, sensitive_text FROM {table}"),
                &[],
            )
            .await
            .unwrap();
        assert!(!text.is_empty());
        assert!(
            text.iter()
                .all(|r| r.opt_text(0).is_none() && r.opt_text(1).is_none()),
            "{table} keeps no text"
        );
    }
    // Changing the record replaces its search rows (a delete, then an insert).
    let mut edit = killing_in_cauca(seeded.person.id, seeded.group.id);
    edit.title = "Amenaza en Xochiltepec".into();
    admin
        .update_incident(seeded.incident, 1, &edit)
        .await
        .unwrap();
    let q = |q: &str| IncidentFilter {
        q: q.into(),
        ..IncidentFilter::default()
    };
    assert_eq!(admin.incidents(&q("zorblat")).await.unwrap().total, 0);
    assert_eq!(admin.incidents(&q("xochiltepec")).await.unwrap().total, 1);
}
