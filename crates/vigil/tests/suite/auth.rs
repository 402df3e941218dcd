//! Signing in, as stories on both engines: the TOTP second factor (right, wrong,
//! replayed and neighbouring codes; recovery codes once each), login throttling shared
//! by instances, the common-password list, session lifetimes as configured, password
//! changes that end other sessions, and the lock-down. Then the same through the web
//! pages: the two-step login, an administrator made to enrol before anything else, the
//! QR code served by Vigil itself, sessions on the account page, the lock-down button.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::IpAddr;

use axum::http::{header, StatusCode};
use chrono::Duration;
use zeroize::Zeroizing;

use vigil_domain::Role;
use vigil_store::auth::{
    totp_code, AuthPolicy, LoginOutcome, SecondFactorOutcome, TotpSetup, User,
    ACCOUNT_FREE_FAILURES, ADDRESS_FREE_FAILURES, BACKOFF_FIRST, LOGIN_CHALLENGE_TTL,
    RECOVERY_CODES, THROTTLE_FORGET,
};
use vigil_store::{NewUser, Store, StoreError};

use crate::support::{self, backend_tests, now, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    totp_codes_work_once_within_their_window,
    recovery_codes_work_once_each,
    half_signed_in_logins_expire,
    logins_are_throttled_per_account_and_address,
    common_passwords_are_refused,
    sessions_expire_as_configured_and_are_listed,
    changing_the_password_ends_other_sessions,
    lockdown_ends_every_session_and_token,
    second_factor_is_required_by_role_and_reset_by_administrators,
    account_security_events_are_in_the_audit_log,
);

fn pw(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.to_owned())
}

/// The code an authenticator app shows, `offset` after the test clock's now.
fn code_at(db: &TestDb, secret: &str, offset: Duration) -> String {
    totp_code(secret, db.clock_now() + offset).expect("a code")
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl ClockNow for TestDb {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use vigil_domain::Clock as _;
        self.clock.now()
    }
}

/// A user with a confirmed second factor; returns the user, the base32 secret and the
/// recovery codes. The confirming code used the current step.
async fn enrolled(db: &TestDb, role: Role) -> (User, String, Vec<String>) {
    let user = db.user(role).await;
    let setup: TotpSetup = db.store.start_totp(user.id).await.unwrap();
    let secret = setup.secret.to_string();
    assert!(setup.uri.starts_with("otpauth://totp/Vigil:"));
    assert!(setup.uri.contains(&format!("secret={secret}")));
    let codes = db
        .store
        .confirm_totp(user.id, &code_at(db, &secret, Duration::zero()), None)
        .await
        .unwrap();
    (user, secret, codes.iter().map(|c| c.to_string()).collect())
}

/// Password step; the challenge of a login that awaits its second factor.
async fn challenge(store: &Store, user: &User) -> String {
    match store
        .login(&user.username, pw(PASSWORD), None)
        .await
        .unwrap()
    {
        LoginOutcome::SecondFactor { user: u, challenge } => {
            assert_eq!(u.id, user.id);
            challenge.to_string()
        }
        other => panic!("expected a second-factor step, got {other:?}"),
    }
}

fn signed_in(o: SecondFactorOutcome) -> bool {
    matches!(o, SecondFactorOutcome::SignedIn(_))
}

async fn totp_codes_work_once_within_their_window(db: TestDb) {
    let store = &db.store;
    let user = db.user(Role::Documenter).await;

    // Enrolment: a secret that is not active until a code from it is entered.
    assert!(store.pending_totp(user.id).await.unwrap().is_none());
    let setup = store.start_totp(user.id).await.unwrap();
    let secret = setup.secret.to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert!(!store.has_two_factor(user.id).await.unwrap());
    assert_eq!(
        store
            .pending_totp(user.id)
            .await
            .unwrap()
            .unwrap()
            .secret
            .as_str(),
        secret
    );
    assert!(
        matches!(
            store
                .login(&user.username, pw(PASSWORD), None)
                .await
                .unwrap(),
            LoginOutcome::SignedIn(_)
        ),
        "an unconfirmed secret is not a second factor yet"
    );
    let wrong = store.confirm_totp(user.id, "000000", None).await;
    let Err(StoreError::Invalid(e)) = wrong else {
        panic!("a wrong code must not confirm: {wrong:?}")
    };
    assert_eq!(e.for_field("code").unwrap().key, "err-totp-code");
    let first = code_at(&db, &secret, Duration::zero());
    let codes = store.confirm_totp(user.id, &first, None).await.unwrap();
    assert_eq!(codes.len(), RECOVERY_CODES);
    assert!(store.has_two_factor(user.id).await.unwrap());
    assert!(store.pending_totp(user.id).await.unwrap().is_none());
    assert!(
        matches!(store.start_totp(user.id).await, Err(StoreError::Forbidden)),
        "an active second factor is not silently replaced"
    );

    // The password alone no longer signs in, and the half-signed-in login opens
    // nothing but the second step.
    let c = challenge(store, &user).await;
    assert!(store.session(&c).await.unwrap().is_none());
    assert_eq!(
        store.pending_login(&c).await.unwrap().map(|u| u.id),
        Some(user.id)
    );

    // The code that confirmed the enrolment cannot be replayed; a wrong one fails.
    assert!(matches!(
        store.complete_login(&c, &first, None).await.unwrap(),
        SecondFactorOutcome::Retry
    ));
    assert!(matches!(
        store.complete_login(&c, "123456", None).await.unwrap(),
        SecondFactorOutcome::Retry
    ));
    // The next step's code works (spaces typed in it do not matter), once.
    db.clock.advance(Duration::seconds(30));
    let next = code_at(&db, &secret, Duration::zero());
    let spaced = format!("{} {}", &next[..3], &next[3..]);
    assert!(signed_in(
        store.complete_login(&c, &spaced, None).await.unwrap()
    ));
    assert!(
        store.pending_login(&c).await.unwrap().is_none(),
        "a completed login cannot be completed again"
    );
    let c = challenge(store, &user).await;
    assert!(
        matches!(
            store.complete_login(&c, &next, None).await.unwrap(),
            SecondFactorOutcome::Retry
        ),
        "a used code is refused the second time"
    );

    // The neighbouring steps are accepted (clock drift), further ones are not; a code
    // older than the last one used never is.
    db.clock.advance(Duration::minutes(5));
    let c = challenge(store, &user).await;
    for far in [Duration::seconds(-60), Duration::seconds(60)] {
        assert!(matches!(
            store
                .complete_login(&c, &code_at(&db, &secret, far), None)
                .await
                .unwrap(),
            SecondFactorOutcome::Retry
        ));
    }
    assert!(signed_in(
        store
            .complete_login(&c, &code_at(&db, &secret, Duration::seconds(-30)), None)
            .await
            .unwrap()
    ));
    // The wrong codes above counted against the account; the success forgave them.
    db.clock.advance(Duration::minutes(5));
    assert!(store
        .verify_totp(user.id, &code_at(&db, &secret, Duration::seconds(30)))
        .await
        .unwrap());
    assert!(
        !store
            .verify_totp(user.id, &code_at(&db, &secret, Duration::zero()))
            .await
            .unwrap(),
        "a step before the last one used is refused"
    );
    db.clock.advance(Duration::seconds(60));
    assert!(store
        .verify_totp(user.id, &code_at(&db, &secret, Duration::zero()))
        .await
        .unwrap());
    // Another user's code is not this user's.
    let (other, other_secret, _) = enrolled(&db, Role::Viewer).await;
    db.clock.advance(Duration::seconds(30));
    assert!(!store
        .verify_totp(user.id, &code_at(&db, &other_secret, Duration::zero()))
        .await
        .unwrap());
    assert!(store
        .verify_totp(other.id, &code_at(&db, &other_secret, Duration::zero()))
        .await
        .unwrap());
}

async fn recovery_codes_work_once_each(db: TestDb) {
    let store = &db.store;
    let (user, secret, codes) = enrolled(&db, Role::ProtectionOfficer).await;
    assert_eq!(codes.len(), RECOVERY_CODES);
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), RECOVERY_CODES);
    assert_eq!(
        store
            .two_factor(user.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_codes_left,
        10
    );

    let c = challenge(store, &user).await;
    assert!(signed_in(
        store.complete_login(&c, &codes[0], None).await.unwrap()
    ));
    assert_eq!(
        store
            .two_factor(user.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_codes_left,
        9
    );
    let c = challenge(store, &user).await;
    assert!(
        matches!(
            store.complete_login(&c, &codes[0], None).await.unwrap(),
            SecondFactorOutcome::Retry
        ),
        "a recovery code works once"
    );
    // Typed in capitals, without dashes: still the same code.
    let typed = codes[1].replace('-', "").to_uppercase();
    assert!(signed_in(
        store.complete_login(&c, &typed, None).await.unwrap()
    ));
    assert!(!store.use_recovery_code(user.id, &codes[1]).await.unwrap());
    assert!(store.use_recovery_code(user.id, &codes[2]).await.unwrap());

    // New codes need a current TOTP code, and the old ones stop working.
    db.clock.advance(Duration::seconds(30));
    assert!(matches!(
        store.new_recovery_codes(user.id, "000000", None).await,
        Err(StoreError::Invalid(_))
    ));
    let fresh = store
        .new_recovery_codes(user.id, &code_at(&db, &secret, Duration::zero()), None)
        .await
        .unwrap();
    assert_eq!(fresh.len(), RECOVERY_CODES);
    assert!(!store.use_recovery_code(user.id, &codes[3]).await.unwrap());
    assert!(store.use_recovery_code(user.id, &fresh[0]).await.unwrap());
    // Someone else's recovery code is not this user's.
    let (other, _, other_codes) = enrolled(&db, Role::Viewer).await;
    assert!(!store
        .use_recovery_code(user.id, &other_codes[0])
        .await
        .unwrap());
    assert!(store
        .use_recovery_code(other.id, &other_codes[0])
        .await
        .unwrap());
}

async fn half_signed_in_logins_expire(db: TestDb) {
    let store = &db.store;
    let (user, secret, _) = enrolled(&db, Role::Analyst).await;

    // After five minutes the half-signed-in login is gone, even with the right code.
    let c = challenge(store, &user).await;
    db.clock.advance(LOGIN_CHALLENGE_TTL + Duration::seconds(1));
    assert!(store.pending_login(&c).await.unwrap().is_none());
    assert!(matches!(
        store
            .complete_login(&c, &code_at(&db, &secret, Duration::zero()), None)
            .await
            .unwrap(),
        SecondFactorOutcome::Expired
    ));
    assert!(matches!(
        store
            .complete_login("made-up", "123456", None)
            .await
            .unwrap(),
        SecondFactorOutcome::Expired
    ));

    // Too many wrong codes end it too.
    let c = challenge(store, &user).await;
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(store.complete_login(&c, "000000", None).await.unwrap());
    }
    assert!(outcomes[..4]
        .iter()
        .all(|o| matches!(o, SecondFactorOutcome::Retry)));
    assert!(matches!(outcomes[4], SecondFactorOutcome::Expired));
    assert!(store.pending_login(&c).await.unwrap().is_none());

    // Those wrong codes count against the account: for a while, even the right
    // password does not get in.
    assert!(matches!(
        store
            .login(&user.username, pw(PASSWORD), None)
            .await
            .unwrap(),
        LoginOutcome::Refused
    ));
    db.clock.advance(BACKOFF_FIRST + Duration::seconds(1));
    let c = challenge(store, &user).await;
    assert!(signed_in(
        store
            .complete_login(&c, &code_at(&db, &secret, Duration::zero()), None)
            .await
            .unwrap()
    ));
    // A disabled account's pending login ends.
    db.clock.advance(Duration::seconds(30));
    let c = challenge(store, &user).await;
    store.set_user_disabled(user.id, true, None).await.unwrap();
    assert!(store.pending_login(&c).await.unwrap().is_none());
}

fn refused(o: LoginOutcome) -> bool {
    matches!(o, LoginOutcome::Refused)
}

async fn logins_are_throttled_per_account_and_address(db: TestDb) {
    let store = &db.store;
    // A second application instance on the same database sees the same counters.
    let other_instance = db.reopen().await;
    let user = db.user(Role::Documenter).await;
    let name = user.username.as_str();
    let here: IpAddr = "198.51.100.7".parse().unwrap();
    let login = |s: &Store, n: &str, p: &str, ip: Option<IpAddr>| {
        let (s, n, p) = (s.clone(), n.to_owned(), pw(p));
        async move { s.login(&n, p, ip).await.unwrap() }
    };

    // Five wrong passwords (on either instance), then even the right one is refused —
    // with the same answer as a wrong one.
    for i in 0..ACCOUNT_FREE_FAILURES {
        let s = if i % 2 == 0 { store } else { &other_instance };
        assert!(refused(login(s, name, "wrong password!", Some(here)).await));
    }
    assert!(refused(login(store, name, PASSWORD, Some(here)).await));
    assert!(refused(login(&other_instance, name, PASSWORD, None).await));
    // The wait ends; the right password works and forgives the failures.
    db.clock.advance(BACKOFF_FIRST + Duration::seconds(1));
    assert!(matches!(
        login(&other_instance, name, PASSWORD, Some(here)).await,
        LoginOutcome::SignedIn(_)
    ));
    for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
        assert!(refused(login(store, name, "wrong password!", None).await));
    }
    assert!(
        matches!(
            login(store, name, PASSWORD, None).await,
            LoginOutcome::SignedIn(_)
        ),
        "four failures are free"
    );

    // Each failure past the free ones doubles the wait.
    for _ in 0..ACCOUNT_FREE_FAILURES {
        assert!(refused(login(store, name, "wrong password!", None).await));
    }
    db.clock.advance(BACKOFF_FIRST + Duration::seconds(1));
    assert!(refused(login(store, name, "wrong password!", None).await));
    db.clock.advance(BACKOFF_FIRST + Duration::seconds(1));
    assert!(
        refused(login(store, name, PASSWORD, None).await),
        "the sixth failure locks for twice as long"
    );
    db.clock.advance(BACKOFF_FIRST);
    assert!(matches!(
        login(store, name, PASSWORD, None).await,
        LoginOutcome::SignedIn(_)
    ));

    // Failures are forgotten after a while without any.
    for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
        assert!(refused(login(store, name, "wrong password!", None).await));
    }
    db.clock.advance(THROTTLE_FORGET + Duration::minutes(1));
    assert!(refused(login(store, name, "wrong password!", None).await));
    assert!(
        matches!(
            login(store, name, PASSWORD, None).await,
            LoginOutcome::SignedIn(_)
        ),
        "the count started again"
    );

    // Made-up names are counted like real ones (nothing tells them apart).
    for _ in 0..=ACCOUNT_FREE_FAILURES {
        assert!(refused(login(store, "nobody-here", PASSWORD, None).await));
    }

    // One address guessing at many accounts is stopped, though no account is.
    db.clock.advance(THROTTLE_FORGET + Duration::minutes(1));
    let there: IpAddr = "203.0.113.50".parse().unwrap();
    let victims: Vec<User> = {
        let mut v = Vec::new();
        for _ in 0..(ADDRESS_FREE_FAILURES / (ACCOUNT_FREE_FAILURES - 1) + 1) {
            v.push(db.user(Role::Viewer).await);
        }
        v
    };
    let mut failures = 0;
    'outer: for v in &victims {
        for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
            assert!(refused(
                login(store, &v.username, "guess guess guess", Some(there)).await
            ));
            failures += 1;
            if failures == ADDRESS_FREE_FAILURES {
                break 'outer;
            }
        }
    }
    let fresh = db.user(Role::Viewer).await;
    assert!(
        refused(login(store, &fresh.username, PASSWORD, Some(there)).await),
        "that address waits"
    );
    assert!(
        matches!(
            login(store, &fresh.username, PASSWORD, Some(here)).await,
            LoginOutcome::SignedIn(_)
        ),
        "other addresses do not"
    );
    db.clock.advance(BACKOFF_FIRST + Duration::seconds(1));
    assert!(matches!(
        login(store, &fresh.username, PASSWORD, Some(there)).await,
        LoginOutcome::SignedIn(_)
    ));

    // Disabled accounts are refused like everything else.
    store.set_user_disabled(fresh.id, true, None).await.unwrap();
    assert!(refused(login(store, &fresh.username, PASSWORD, None).await));
    other_instance.close().await;
}

async fn common_passwords_are_refused(db: TestDb) {
    let store = &db.store;
    let field_key = |r: Result<(), StoreError>, field: &str| match r {
        Err(StoreError::Invalid(e)) => e.for_field(field).map(|e| e.key.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let new = |name: &str, password: &str| NewUser {
        username: name.into(),
        password: pw(password),
        role: Role::Viewer,
        display_name: String::new(),
        language: String::new(),
    };
    for common in ["qwerty123456", "Password1234", "123456789123"] {
        assert_eq!(
            field_key(
                store
                    .create_user(new("rosa", common), None)
                    .await
                    .map(|_| ()),
                "password"
            )
            .as_deref(),
            Some("err-password-common"),
            "{common}"
        );
    }
    assert!(store.user_by_name("rosa").await.is_err());
    let rosa = store
        .create_user(new("rosa", "a long enough passphrase"), None)
        .await
        .unwrap();
    assert_eq!(
        field_key(
            store.reset_password(rosa.id, pw("administrator")).await,
            "password"
        )
        .as_deref(),
        Some("err-password-common")
    );
    assert_eq!(
        field_key(
            store
                .change_password(
                    rosa.id,
                    pw("a long enough passphrase"),
                    pw("1q2w3e4r5t6y7u8i"),
                    None,
                    None
                )
                .await,
            "password"
        )
        .as_deref(),
        Some("err-password-common")
    );
    assert!(store
        .verify_login("rosa", pw("a long enough passphrase"))
        .await
        .unwrap()
        .is_some());
}

async fn sessions_expire_as_configured_and_are_listed(db: TestDb) {
    let store = db.store.clone().with_auth_policy(AuthPolicy {
        session_idle: Duration::minutes(30),
        session_max: Duration::hours(2),
        ..AuthPolicy::default()
    });
    let user = db.user(Role::Viewer).await;

    // Idle beyond 30 minutes ends a session; use keeps it alive…
    let idle = store.create_session(user.id).await.unwrap();
    let busy = store.create_session(user.id).await.unwrap();
    for _ in 0..5 {
        db.clock.advance(Duration::minutes(20));
        assert!(store.session(&busy).await.unwrap().is_some());
    }
    assert!(store.session(&idle).await.unwrap().is_none());
    // …but not beyond two hours in all.
    db.clock.advance(Duration::minutes(20));
    assert!(store.session(&busy).await.unwrap().is_some());
    db.clock
        .advance(Duration::minutes(20) + Duration::seconds(1));
    assert!(store.session(&busy).await.unwrap().is_none());
    // The default store keeps its defaults (8 hours idle).
    let default = db.store.create_session(user.id).await.unwrap();
    db.clock.advance(Duration::hours(7));
    assert!(db.store.session(&default).await.unwrap().is_some());
    assert!(store.session(&default).await.unwrap().is_none());

    // Live sessions are listed for their owner, newest use first, by a public id that
    // is not the cookie; one can be ended by that id, and only by its owner.
    let started = db.clock_now();
    let a = store.create_session(user.id).await.unwrap();
    db.clock.advance(Duration::minutes(5));
    let b = store.create_session(user.id).await.unwrap();
    let list = store.sessions_of(user.id).await.unwrap();
    assert_eq!(list.len(), 2, "expired sessions are not listed");
    let (sa, sb) = (
        store.session(&a).await.unwrap().unwrap(),
        store.session(&b).await.unwrap().unwrap(),
    );
    assert_eq!(list[0].id, sb.id);
    assert_eq!(list[1].id, sa.id);
    assert_eq!(list[1].created_at, started);
    assert!(started > now());
    assert!(!sa.id.contains(&a[..16]) && sa.id.len() == 16);
    let stranger = db.user(Role::Viewer).await;
    assert!(matches!(
        store.revoke_session(stranger.id, &sa.id, None).await,
        Err(StoreError::NotFound)
    ));
    store.revoke_session(user.id, &sa.id, None).await.unwrap();
    assert!(store.session(&a).await.unwrap().is_none());
    assert!(store.session(&b).await.unwrap().is_some());
}

async fn changing_the_password_ends_other_sessions(db: TestDb) {
    let store = &db.store;
    let (user, _, _) = enrolled(&db, Role::Documenter).await;
    let here = store.create_session(user.id).await.unwrap();
    let laptop = store.create_session(user.id).await.unwrap();
    let phone = store.create_session(user.id).await.unwrap();
    let pending = challenge(store, &user).await;
    let other = db.user(Role::Documenter).await;
    let others_session = store.create_session(other.id).await.unwrap();

    let wrong = store
        .change_password(
            user.id,
            pw("not my password"),
            pw("a brand new passphrase"),
            Some(&here),
            None,
        )
        .await;
    let Err(StoreError::Invalid(e)) = wrong else {
        panic!("a wrong current password must refuse: {wrong:?}")
    };
    assert_eq!(
        e.for_field("current_password").unwrap().key,
        "err-password-current"
    );
    assert!(
        store.session(&laptop).await.unwrap().is_some(),
        "nothing changed"
    );

    store
        .change_password(
            user.id,
            pw(PASSWORD),
            pw("a brand new passphrase"),
            Some(&here),
            None,
        )
        .await
        .unwrap();
    assert!(
        store.session(&here).await.unwrap().is_some(),
        "this session stays"
    );
    assert!(store.session(&laptop).await.unwrap().is_none());
    assert!(store.session(&phone).await.unwrap().is_none());
    assert!(store.pending_login(&pending).await.unwrap().is_none());
    assert!(store.session(&others_session).await.unwrap().is_some());
    assert!(store
        .verify_login(&user.username, pw(PASSWORD))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .verify_login(&user.username, pw("a brand new passphrase"))
        .await
        .unwrap()
        .is_some());

    // Through the access layer, as the account page does.
    let me = db.access_for(&vigil_store::Actor::from(&other));
    let second = store.create_session(other.id).await.unwrap();
    me.change_own_password(pw(PASSWORD), pw("another brand new one"), Some(&second))
        .await
        .unwrap();
    assert!(store.session(&others_session).await.unwrap().is_none());
    assert!(store.session(&second).await.unwrap().is_some());
    assert_eq!(me.own_sessions().await.unwrap().len(), 1);
}

async fn lockdown_ends_every_session_and_token(db: TestDb) {
    let store = &db.store;
    let admin = db.access(Role::Admin).await;
    let admin_user = admin.actor().clone();
    let admin_session = store.create_session(admin_user.user_id).await.unwrap();
    let mut sessions = vec![admin_session];
    let mut tokens = Vec::new();
    for role in [Role::Documenter, Role::Analyst, Role::Viewer] {
        let (u, s) = db.session(role).await;
        sessions.push(s);
        tokens.push(
            store
                .create_api_token(u.id, "partner sync", None)
                .await
                .unwrap()
                .1,
        );
    }
    let (enrolled_user, _, _) = enrolled(&db, Role::ProtectionOfficer).await;
    let pending = challenge(store, &enrolled_user).await;
    for t in &tokens {
        assert!(store.token_user(t).await.unwrap().is_some());
    }

    // Only administrators may.
    let documenter = db.access(Role::Documenter).await;
    assert!(matches!(
        documenter.lockdown().await,
        Err(StoreError::Forbidden)
    ));
    assert!(store.session(&sessions[1]).await.unwrap().is_some());

    let report = admin.lockdown().await.unwrap();
    assert_eq!(report.sessions, 4);
    assert_eq!(report.api_tokens, 3);
    for s in &sessions {
        assert!(
            store.session(s).await.unwrap().is_none(),
            "every session ends, the admin's too"
        );
    }
    for t in &tokens {
        assert!(store.token_user(t).await.unwrap().is_none());
    }
    assert!(store.pending_login(&pending).await.unwrap().is_none());
    // Everyone can log in again.
    let again = store.create_session(admin_user.user_id).await.unwrap();
    assert!(store.session(&again).await.unwrap().is_some());
    assert_eq!(store.lockdown(None).await.unwrap().api_tokens, 0);
}

async fn second_factor_is_required_by_role_and_reset_by_administrators(db: TestDb) {
    let strict = db.store.clone().with_auth_policy(AuthPolicy {
        require_two_factor: vec![Role::Admin, Role::ProtectionOfficer],
        ..AuthPolicy::default()
    });
    let admin = vigil_store::Access::new(strict.clone(), db.actor(Role::Admin).await);
    let (officer, officer_secret, _) = enrolled(&db, Role::ProtectionOfficer).await;
    let viewer = db.user(Role::Viewer).await;

    // A session of a role that requires a second factor, without one, may only enrol.
    let s = strict.create_session(admin.actor().user_id).await.unwrap();
    let session = strict.session(&s).await.unwrap().unwrap();
    assert!(session.must_enrol && !session.two_factor);
    assert!(admin.two_factor_required());
    let v = strict.create_session(viewer.id).await.unwrap();
    assert!(!strict.session(&v).await.unwrap().unwrap().must_enrol);
    let o = strict.create_session(officer.id).await.unwrap();
    let os = strict.session(&o).await.unwrap().unwrap();
    assert!(!os.must_enrol && os.two_factor);
    let setup = admin.start_own_totp().await.unwrap();
    admin
        .confirm_own_totp(&code_at(&db, &setup.secret, Duration::zero()))
        .await
        .unwrap();
    assert!(!strict.session(&s).await.unwrap().unwrap().must_enrol);

    // Where it is required, it cannot be turned off; elsewhere it can, with the password.
    assert!(matches!(
        strict
            .turn_off_two_factor(officer.id, pw(PASSWORD), None)
            .await,
        Err(StoreError::Forbidden)
    ));
    let (analyst, _, _) = enrolled(&db, Role::Analyst).await;
    assert!(matches!(
        strict
            .turn_off_two_factor(analyst.id, pw("not the password"), None)
            .await,
        Err(StoreError::Invalid(_))
    ));
    strict
        .turn_off_two_factor(analyst.id, pw(PASSWORD), None)
        .await
        .unwrap();
    assert!(!strict.has_two_factor(analyst.id).await.unwrap());

    // An administrator resets someone's second factor (a lost phone): their sessions
    // end and they enrol again. Not their own, and not as a non-administrator.
    assert!(matches!(
        admin.reset_two_factor(admin.actor().user_id).await,
        Err(StoreError::Forbidden)
    ));
    let documenter = vigil_store::Access::new(strict.clone(), db.actor(Role::Documenter).await);
    assert!(matches!(
        documenter.reset_two_factor(officer.id).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        documenter.users_with_two_factor().await,
        Err(StoreError::Forbidden)
    ));
    assert!(admin
        .users_with_two_factor()
        .await
        .unwrap()
        .contains(&officer.id));
    admin.reset_two_factor(officer.id).await.unwrap();
    assert!(strict.session(&o).await.unwrap().is_none());
    assert!(!strict.has_two_factor(officer.id).await.unwrap());
    assert!(!strict
        .verify_totp(
            officer.id,
            &code_at(&db, &officer_secret, Duration::seconds(30))
        )
        .await
        .unwrap());
    match strict
        .login(&officer.username, pw(PASSWORD), None)
        .await
        .unwrap()
    {
        LoginOutcome::SignedIn(u) => {
            let s = strict.create_session(u.id).await.unwrap();
            assert!(strict.session(&s).await.unwrap().unwrap().must_enrol);
        }
        other => panic!("after a reset the password signs in, to enrol: {other:?}"),
    }
}

// ---------------------------------------------------------------- through the pages

/// The text between `start` and the next `end` in a page.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} in {body}"))
        + start.len();
    body[at..].split(end).next().unwrap()
}

fn no_third_party(path: &str, body: &str) {
    for attr in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "url(",
        "<script",
    ] {
        assert!(
            !body.contains(attr),
            "{path} references another host ({attr})"
        );
    }
}

#[tokio::test]
async fn logging_in_takes_two_steps_with_a_second_factor() {
    let db = support::sqlite().await;
    let (user, secret, codes) = enrolled(&db, Role::Documenter).await;
    let mut b = Browser::new(&db);

    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login/2fa?next=/");
    assert!(!b.has_session(), "the password alone opens no session");
    // The half-signed-in login opens nothing else.
    for path in ["/", "/incidents", "/account", "/account/2fa"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(p.location().starts_with("/login"), "{path}");
    }
    let form = b.get("/login/2fa?next=/").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("autocomplete=\"one-time-code\""));
    let csrf = form.csrf();

    // A replayed code (the one that confirmed the enrolment) and a wrong one fail.
    let replayed = code_at(&db, &secret, Duration::zero());
    for code in [replayed.as_str(), "999999"] {
        let res = b
            .post(
                "/login/2fa",
                &[("csrf", &csrf), ("code", code), ("next", "/")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.body.contains("not accepted"));
        assert!(!b.has_session());
    }
    // The CSRF token is required here too.
    db.clock.advance(Duration::seconds(30));
    let code = code_at(&db, &secret, Duration::zero());
    let res = b
        .post(
            "/login/2fa",
            &[("csrf", "wrong"), ("code", &code), ("next", "/")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = b
        .post(
            "/login/2fa",
            &[("csrf", &csrf), ("code", &code), ("next", "/incidents")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/incidents");
    assert!(b.has_session());
    assert_eq!(b.get("/incidents").await.status, StatusCode::OK);

    // A recovery code works in the same field.
    let mut c = Browser::new(&db);
    c.login(&user.username, PASSWORD).await;
    let csrf = c.get("/login/2fa").await.csrf();
    let res = c
        .post(
            "/login/2fa",
            &[("csrf", &csrf), ("code", &codes[4]), ("next", "/")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(c.has_session());

    // Without a pending login the form sends back to the start.
    let mut d = Browser::new(&db);
    let res = d.get("/login/2fa").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login");
    // A login left too long must start again, and says so.
    d.login(&user.username, PASSWORD).await;
    db.clock.advance(LOGIN_CHALLENGE_TTL + Duration::seconds(1));
    let res = d.get("/login/2fa").await;
    assert_eq!(res.location(), "/login?expired=1");
    assert!(d
        .get("/login?expired=1")
        .await
        .body
        .contains("not completed in time"));
}

#[tokio::test]
async fn an_administrator_without_a_second_factor_must_enrol_first() {
    let mut db = support::sqlite().await;
    db.store = db.store.clone().with_auth_policy(AuthPolicy {
        require_two_factor: vec![Role::Admin],
        ..AuthPolicy::default()
    });
    let admin = db.user(Role::Admin).await;
    let mut b = Browser::new(&db);
    let res = b.login(&admin.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/account/2fa");
    assert!(b.has_session());

    // Nothing else opens, and nothing else can be changed.
    for path in [
        "/",
        "/incidents",
        "/persons",
        "/admin/users",
        "/account",
        "/admin/lockdown",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(p.location(), "/account/2fa", "{path}");
    }
    let page = b.get("/account/2fa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("Your role requires two-factor authentication"));
    let csrf = page.csrf();
    let res = b
        .post("/account/tokens", &[("csrf", &csrf), ("name", "sneaky")])
        .await;
    assert_eq!(res.location(), "/account/2fa");
    assert!(db.store.api_tokens(admin.id).await.unwrap().is_empty());
    let res = b.post("/admin/lockdown", &[("csrf", &csrf)]).await;
    assert_eq!(res.location(), "/account/2fa");
    assert!(b.has_session(), "no lock-down happened");

    // Enrolment: a new secret, the QR code served by Vigil itself, the key as text.
    let res = b.post("/account/2fa/start", &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get("/account/2fa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<img src=\"/account/2fa/qr.svg\""));
    no_third_party("/account/2fa", &page.body);
    let secret: String = between(&page.body, "<code class=\"secret\">", "</code>")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert_eq!(secret.len(), 32);
    let qr = b.get("/account/2fa/qr.svg").await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(qr.headers[header::CACHE_CONTROL], "no-store");
    assert!(qr.body.contains("<svg") && qr.body.contains("<path"));
    assert!(
        !qr.body.contains("href") && !qr.body.contains("url(") && !qr.body.contains("<script"),
        "the QR code loads nothing"
    );
    assert!(
        !qr.body.contains(&secret),
        "the secret is drawn, not written, in the image"
    );
    assert!(qr.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));

    // A wrong code does not confirm; the right one does, and shows the recovery codes once.
    let res = b
        .post(
            "/account/2fa/confirm",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("not accepted"));
    let code = code_at(&db, &secret, Duration::zero());
    let res = b
        .post("/account/2fa/confirm", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let codes = between(&res.body, "<ul class=\"code recovery\">", "</ul>");
    assert_eq!(codes.matches("<li>").count(), RECOVERY_CODES);
    assert!(db.store.has_two_factor(admin.id).await.unwrap());
    assert_eq!(b.get("/incidents").await.status, StatusCode::OK);
    assert_eq!(b.get("/admin/users").await.status, StatusCode::OK);
    let again = b.get("/account/2fa").await.body;
    assert!(
        !again.contains("recovery\">"),
        "recovery codes are shown once"
    );
    assert!(again.contains("cannot be turned off"));
    assert_eq!(
        b.get("/account/2fa/qr.svg").await.status,
        StatusCode::NOT_FOUND,
        "no QR code once enrolled"
    );

    // From now on this administrator logs in with two steps.
    let mut c = Browser::new(&db);
    assert_eq!(
        c.login(&admin.username, PASSWORD).await.location(),
        "/login/2fa?next=/"
    );
}

#[tokio::test]
async fn the_account_page_lists_sessions_and_changes_the_password() {
    let db = support::sqlite().await;
    let user = db.user(Role::Analyst).await;
    let mut here = Browser::new(&db);
    here.login(&user.username, PASSWORD).await;
    let mut there = Browser::new(&db);
    there.login(&user.username, PASSWORD).await;

    let page = here.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    no_third_party("/account", &page.body);
    assert_eq!(page.body.matches("/account/sessions/").count(), 2);
    assert_eq!(page.body.matches("This browser").count(), 1);
    assert!(page.body.contains("8 hours without use"));
    assert!(page.body.contains("Set up two-factor authentication"));
    let csrf = page.csrf();

    // Wrong current password, mismatched or common new ones: refused, nothing changes.
    for (current, new, again, says) in [
        (
            "not the password",
            "a fine new passphrase",
            "a fine new passphrase",
            "current password is not right",
        ),
        (
            PASSWORD,
            "a fine new passphrase",
            "a different passphrase",
            "differ",
        ),
        (
            PASSWORD,
            "qwerty123456",
            "qwerty123456",
            "most common passwords",
        ),
    ] {
        let res = here
            .post(
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current_password", current),
                    ("password", new),
                    ("password_again", again),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        assert!(res.body.contains(says), "{says}");
    }
    assert_eq!(there.get("/").await.status, StatusCode::OK);

    let res = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("password", "a fine new passphrase"),
                ("password_again", "a fine new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/account?done=password");
    assert!(here
        .get("/account?done=password")
        .await
        .body
        .contains("Your other sessions have ended"));
    let res = there.get("/").await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "the other browser is signed out"
    );
    assert!(res.location().starts_with("/login"));

    // Ending a session from the list: the row that is not this browser's.
    let mut third = Browser::new(&db);
    third.login(&user.username, "a fine new passphrase").await;
    let page = here.get("/account").await;
    let rows: Vec<&str> = page
        .body
        .split("<tr>")
        .filter(|r| r.contains("/account/sessions/"))
        .collect();
    assert_eq!(rows.len(), 2);
    let other_row = rows.iter().find(|r| !r.contains("This browser")).unwrap();
    let other_id = between(other_row, "/account/sessions/", "/revoke");
    let res = here
        .post(
            &format!("/account/sessions/{other_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.location(), "/account?done=session");
    assert_eq!(third.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(here.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_lockdown_button_signs_everyone_out() {
    let db = support::sqlite().await;
    let admin = db.user(Role::Admin).await;
    let doc = db.user(Role::Documenter).await;
    let mut a = Browser::new(&db);
    a.login(&admin.username, PASSWORD).await;
    let mut d = Browser::new(&db);
    d.login(&doc.username, PASSWORD).await;
    let (_, token) = db
        .store
        .create_api_token(doc.id, "sync", None)
        .await
        .unwrap();

    // Documenters cannot; the users page offers it to administrators.
    assert_eq!(d.get("/admin/lockdown").await.status, StatusCode::FORBIDDEN);
    let csrf = d.get("/account").await.csrf();
    assert_eq!(
        d.post("/admin/lockdown", &[("csrf", &csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(a
        .get("/admin/users")
        .await
        .body
        .contains("href=\"/admin/lockdown\""));
    let confirm = a.get("/admin/lockdown").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("You are signed out too"));
    assert!(
        db.store.token_user(&token).await.unwrap().is_some(),
        "the page alone changes nothing"
    );

    let res = a
        .post("/admin/lockdown", &[("csrf", &confirm.csrf())])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("2 sessions ended") && res.body.contains("1 API token revoked"));
    assert!(!a.has_session());
    assert_eq!(a.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(d.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(db.store.token_user(&token).await.unwrap().is_none());
    // And back in.
    assert_eq!(
        a.login(&admin.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(a.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn administrators_reset_a_lost_second_factor_from_the_users_page() {
    let db = support::sqlite().await;
    let admin = db.user(Role::Admin).await;
    let (officer, _, _) = enrolled(&db, Role::ProtectionOfficer).await;
    let mut a = Browser::new(&db);
    a.login(&admin.username, PASSWORD).await;
    let page = a.get("/admin/users").await;
    assert!(page
        .body
        .contains(&format!("/admin/users/{}/reset-2fa", officer.id)));
    assert!(!page
        .body
        .contains(&format!("/admin/users/{}/reset-2fa", admin.id)));
    let res = a
        .post(
            &format!("/admin/users/{}/reset-2fa", officer.id),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(res.location(), "/admin/users?done=2fa-reset");
    assert!(!db.store.has_two_factor(officer.id).await.unwrap());
    let mut o = Browser::new(&db);
    assert_eq!(o.login(&officer.username, PASSWORD).await.location(), "/");
}

/// Every audit entry after `after`, oldest first, as (action, user id, entity id,
/// detail).
async fn audit_since(
    db: &TestDb,
    after: i64,
) -> Vec<(
    String,
    Option<i64>,
    Option<i64>,
    serde_json::Value,
    Option<String>,
)> {
    let mut all = db
        .store
        .audit_export(&vigil_store::audit::AuditFilter::default(), 100_000)
        .await
        .unwrap();
    all.reverse();
    all.into_iter()
        .filter(|e| e.seq > after)
        .map(|e| {
            let detail = serde_json::from_str(&e.detail).unwrap();
            (e.action, e.user_id, e.entity_id, detail, e.ip)
        })
        .collect()
}

async fn last_seq(db: &TestDb) -> i64 {
    db.store.verify_audit().await.unwrap().head_seq
}

/// Second-factor steps, enrolment, new recovery codes, a recovery code spent, password
/// changes, ended sessions, turning off and resetting a second factor, and the
/// lock-down are each one audit entry, by whom and about whom — never a code, a secret
/// or a password — and a refused attempt at a change records nothing but the refusal.
async fn account_security_events_are_in_the_audit_log(db: TestDb) {
    let store = &db.store;
    let user = db.user(Role::Documenter).await;
    let me = vigil_store::Access::new(store.clone(), vigil_store::Actor::from(&user));
    let admin = db.access(Role::Admin).await;
    let admin_id = admin.actor().user_id;
    let ip: IpAddr = "192.0.2.7".parse().unwrap();
    let mut typed: Vec<String> = vec![PASSWORD.to_owned()];

    // Enrolment: a wrong code records nothing; the right one records the enrolment
    // (with the recovery codes made in the same transaction).
    let start = last_seq(&db).await;
    let setup = me.start_own_totp().await.unwrap();
    let secret = setup.secret.to_string();
    typed.push(secret.clone());
    assert!(me.confirm_own_totp("000000").await.is_err());
    let code = code_at(&db, &secret, Duration::zero());
    typed.push(code.clone());
    let codes: Vec<String> = me
        .confirm_own_totp(&code)
        .await
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    // New recovery codes, with the next step's code.
    let code = code_at(&db, &secret, Duration::seconds(30));
    typed.push(code.clone());
    assert!(me.new_own_recovery_codes("000000").await.is_err());
    let codes_after: Vec<String> = me
        .new_own_recovery_codes(&code)
        .await
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    typed.extend(codes.iter().cloned());
    typed.extend(codes_after.iter().cloned());

    // Logins: a wrong code, a recovery code, then (another login) a TOTP code.
    let c = challenge(store, &user).await;
    typed.push(c.clone());
    assert!(matches!(
        store.complete_login(&c, "123456", Some(ip)).await.unwrap(),
        SecondFactorOutcome::Retry
    ));
    assert!(signed_in(
        store
            .complete_login(&c, &codes_after[0], Some(ip))
            .await
            .unwrap()
    ));
    db.clock.advance(Duration::seconds(90));
    let c = challenge(store, &user).await;
    let code = code_at(&db, &secret, Duration::zero());
    assert!(signed_in(
        store.complete_login(&c, &code, Some(ip)).await.unwrap()
    ));

    // Password: a wrong current password changes nothing and records no change.
    let here = store.create_session(user.id).await.unwrap();
    let other = store.create_session(user.id).await.unwrap();
    typed.push(here.clone());
    typed.push(other.clone());
    assert!(me
        .change_own_password(
            pw("not my password"),
            pw("a brand new passphrase"),
            Some(&here)
        )
        .await
        .is_err());
    me.change_own_password(pw(PASSWORD), pw("a brand new passphrase"), Some(&here))
        .await
        .unwrap();
    typed.push("a brand new passphrase".to_owned());

    // A session ended from the account page (by its public id, never the cookie).
    let third = store.create_session(user.id).await.unwrap();
    typed.push(third.clone());
    let sessions = me.own_sessions().await.unwrap();
    let listed: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    let third_id = {
        let before: std::collections::BTreeSet<String> = listed.iter().cloned().collect();
        store.delete_session(&third).await.unwrap();
        let after: std::collections::BTreeSet<String> = me
            .own_sessions()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        let gone: Vec<String> = before.difference(&after).cloned().collect();
        assert_eq!(gone.len(), 1);
        gone[0].clone()
    };
    // Ending a session that is already gone is refused and records nothing.
    assert!(matches!(
        me.revoke_own_session(&third_id).await,
        Err(StoreError::NotFound)
    ));
    let live = me.own_sessions().await.unwrap()[0].id.clone();
    me.revoke_own_session(&live).await.unwrap();

    // Turning off one's own second factor: the wrong password is refused.
    assert!(me
        .turn_off_own_two_factor(pw("not the password at all"))
        .await
        .is_err());
    me.turn_off_own_two_factor(pw("a brand new passphrase"))
        .await
        .unwrap();

    // An administrator resets a second factor: not their own, nor as a documenter.
    let setup = me.start_own_totp().await.unwrap();
    db.clock.advance(Duration::seconds(90));
    me.confirm_own_totp(&code_at(&db, setup.secret.as_str(), Duration::zero()))
        .await
        .unwrap();
    assert!(me.reset_two_factor(admin_id).await.is_err());
    assert!(admin.reset_two_factor(admin_id).await.is_err());
    admin.reset_two_factor(user.id).await.unwrap();

    // Lock-down: refused to a documenter; the administrator's is recorded with counts.
    assert!(me.lockdown().await.is_err());
    let report = admin.lockdown().await.unwrap();

    let got = audit_since(&db, start).await;
    let actions: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "two_factor_enrol",
            "recovery_codes_renew",
            "second_factor_failed",
            "recovery_code_used",
            "second_factor",
            "second_factor",
            "password_change",
            "session_revoke",
            "two_factor_disable",
            "two_factor_enrol",
            "two_factor_reset",
            "lockdown",
        ]
    );
    // (who acted, about whom)
    let by = |i: usize| (got[i].1, got[i].2);
    let me_id = Some(user.id);
    for e in &got[..=9] {
        assert_eq!((e.1, e.2), (me_id, me_id), "{}", e.0);
    }
    assert_eq!(got[2].3["method"], "totp");
    assert_eq!(got[2].4.as_deref(), Some("192.0.2.7"));
    assert_eq!(got[3].3["left"], (RECOVERY_CODES - 1) as i64);
    assert_eq!(got[3].4.as_deref(), Some("192.0.2.7"));
    assert_eq!(got[4].3["method"], "recovery_code");
    assert_eq!(got[5].3["method"], "totp");
    assert_eq!(got[7].3["session"], live.as_str());
    assert_eq!(by(10), (Some(admin_id), me_id));
    assert_eq!(got[10].3["username"], user.username.as_str());
    assert_eq!(got[11].1, Some(admin_id));
    assert_eq!(got[11].3["sessions"], report.sessions as i64);
    assert_eq!(got[11].3["api_tokens"], report.api_tokens as i64);

    // Nothing typed or shown — codes, secrets, passwords, cookies — is in any entry.
    let everything: String = got
        .iter()
        .map(|e| format!("{} {}", e.0, e.3))
        .collect::<Vec<_>>()
        .join("\n");
    for t in &typed {
        assert!(
            !everything.contains(t.as_str()),
            "{t} reached the audit log"
        );
    }
    assert!(store.verify_audit().await.unwrap().broken.is_none());

    // The command line's reset and lock-down are recorded as `(cli)`.
    let start = last_seq(&db).await;
    let cli = |a| Some(vigil_store::audit::AuditEntry::new(a, "user").cli());
    store
        .reset_two_factor(user.id, cli(vigil_store::audit::Action::TwoFactorReset))
        .await
        .unwrap();
    store
        .lockdown(cli(vigil_store::audit::Action::Lockdown))
        .await
        .unwrap();
    let got = audit_since(&db, start).await;
    let actions: Vec<(&str, Option<i64>)> = got.iter().map(|e| (e.0.as_str(), e.1)).collect();
    assert_eq!(actions, [("two_factor_reset", None), ("lockdown", None)]);
}
