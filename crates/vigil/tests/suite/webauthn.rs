//! WebAuthn security keys as a second factor, through the real HTTP routes in-process,
//! with a software authenticator (`webauthn-authenticator-rs`'s `SoftPasskey`) doing
//! the browser's and the key's part of real ceremonies: registration, listing,
//! removal with the password, login with a key; a wrong origin, a replayed challenge
//! and a counter that goes back are refused; `--require-2fa` is met by a key; an
//! administrator's reset removes keys; every event is audited. On SQLite and
//! PostgreSQL (skipped loudly without `VIGIL_TEST_POSTGRES_URL`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::StatusCode;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::auth::AuthPolicy;
use vigil_web::WebConfig;

use crate::support::{backend_tests, TestDb, PASSWORD};
use crate::web::{Browser, Page};

const ORIGIN: &str = "https://vigil.example.org";

fn browser(store: vigil_store::Store, public_url: Option<&str>) -> Browser {
    Browser::on(vigil_web::router(
        store,
        WebConfig {
            public_url: public_url.map(|u| Url::parse(u).unwrap()),
            ..WebConfig::default()
        },
    ))
}

/// The ceremony options a page carries (HTML-escaped in a `data-options` attribute).
fn options(page: &Page) -> String {
    let at = page
        .body
        .find("data-options=\"")
        .unwrap_or_else(|| panic!("no ceremony options in {}", page.body))
        + 14;
    let raw = page.body[at..].split('"').next().unwrap();
    raw.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Register a key named `name` through the account pages; the finishing response.
async fn register(b: &mut Browser, key: &mut SoftPasskey, name: &str, origin: &str) -> Page {
    let list = b.get("/account/2fa/keys").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let csrf = list.csrf();
    let touch = b
        .post(
            "/account/2fa/keys/start",
            &[("csrf", &csrf), ("name", name)],
        )
        .await;
    assert_eq!(touch.status, StatusCode::OK, "{}", touch.body);
    assert!(touch
        .body
        .contains("<script src=\"/static/webauthn.js\"></script>"));
    assert!(
        touch.body.contains("<noscript>"),
        "says keys need JavaScript"
    );
    let ccr: CreationChallengeResponse = serde_json::from_str(&options(&touch)).unwrap();
    let credential = key
        .do_registration(Url::parse(origin).unwrap(), ccr)
        .unwrap();
    b.post(
        "/account/2fa/keys/finish",
        &[
            ("csrf", &csrf),
            ("name", name),
            ("credential", &serde_json::to_string(&credential).unwrap()),
        ],
    )
    .await
}

/// Log in with the password, then answer the second step with `key` from `origin`.
/// Returns the browser and the response to the key step.
async fn key_login(
    store: &vigil_store::Store,
    username: &str,
    key: &mut SoftPasskey,
    origin: &str,
) -> (Browser, Page, String) {
    let mut b = browser(store.clone(), Some(ORIGIN));
    let first = b.login(username, PASSWORD).await;
    assert!(
        first.location().starts_with("/login/2fa"),
        "{:?} {}",
        first.location(),
        first.body
    );
    let step = b.get("/login/2fa").await;
    assert_eq!(step.status, StatusCode::OK);
    // Without JavaScript the page still offers codes, and says keys need it.
    assert!(step.body.contains("name=\"code\""));
    assert!(step.body.contains("<noscript>"));
    let rcr: RequestChallengeResponse = serde_json::from_str(&options(&step)).unwrap();
    let assertion = key
        .do_authentication(Url::parse(origin).unwrap(), rcr)
        .unwrap();
    let assertion = serde_json::to_string(&assertion).unwrap();
    let res = b
        .post(
            "/login/2fa/key",
            &[
                ("csrf", &step.csrf()),
                ("next", "/"),
                ("credential", &assertion),
            ],
        )
        .await;
    (b, res, assertion)
}

async fn audited(db: &TestDb, action: &str) -> Vec<String> {
    let filter = AuditFilter {
        action: action.into(),
        ..AuditFilter::default()
    };
    db.store
        .audit_entries(&filter, 1)
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.detail.clone())
        .collect()
}

backend_tests!(
    security_keys_register_sign_in_and_refuse_forgeries,
    a_required_second_factor_is_met_by_a_key_and_reset_removes_keys,
);

async fn security_keys_register_sign_in_and_refuse_forgeries(db: TestDb) {
    let user = db.user(Role::Documenter).await;
    let mut key = SoftPasskey::new(true);
    let mut b = browser(db.store.clone(), Some(ORIGIN));
    b.login(&user.username, PASSWORD).await;
    assert!(b.has_session());

    // Registration: the first second factor, so recovery codes come with it, once.
    let done = register(&mut b, &mut key, "Blue key", ORIGIN).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("class=\"code recovery\""),
        "{}",
        done.body
    );
    assert!(done.body.contains("Blue key"));
    let keys = db.store.security_keys(user.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(db.store.has_two_factor(user.id).await.unwrap());
    assert!(audited(&db, "two_factor_enrol")
        .await
        .iter()
        .any(|d| d.contains("webauthn")));

    // A registration answered from another origin (a subdomain, which the key itself
    // would serve) is refused, and adds nothing.
    let mut other = SoftPasskey::new(true);
    let wrong = register(
        &mut b,
        &mut other,
        "Stolen",
        "https://phish.vigil.example.org",
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_eq!(db.store.security_keys(user.id).await.unwrap().len(), 1);

    // Login with the key.
    let (mut signed, res, first_assertion) =
        key_login(&db.store, &user.username, &mut key, ORIGIN).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/");
    assert!(signed.has_session());
    assert_eq!(signed.get("/").await.status, StatusCode::OK);
    assert!(audited(&db, "second_factor")
        .await
        .iter()
        .any(|d| d.contains("webauthn")));
    assert!(db.store.security_keys(user.id).await.unwrap()[0]
        .last_used_at
        .is_some());

    // A second key; keys listed by name; removal needs the password.
    let mut red = SoftPasskey::new(true);
    let added = register(&mut signed, &mut red, "Red key", ORIGIN).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = signed.get("/account/2fa/keys").await;
    assert!(list.body.contains("Blue key") && list.body.contains("Red key"));
    let red_id = db.store.security_keys(user.id).await.unwrap()[1].id;
    let path = format!("/account/2fa/keys/{red_id}/remove");
    let csrf = list.csrf();
    let bad = signed
        .post(
            &path,
            &[("csrf", &csrf), ("current_password", "not my password")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(db.store.security_keys(user.id).await.unwrap().len(), 2);
    let no_csrf = signed.post(&path, &[("current_password", PASSWORD)]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let ok = signed
        .post(&path, &[("csrf", &csrf), ("current_password", PASSWORD)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let left = db.store.security_keys(user.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "Blue key");
    assert!(audited(&db, "two_factor_disable")
        .await
        .iter()
        .any(|d| d.contains("webauthn")));
    // A replayed assertion: its ceremony was taken; a new login's ceremony has another
    // challenge. Refused, no session.
    let mut replay = browser(db.store.clone(), Some(ORIGIN));
    replay.login(&user.username, PASSWORD).await;
    let step = replay.get("/login/2fa").await;
    let res = replay
        .post(
            "/login/2fa/key",
            &[
                ("csrf", &step.csrf()),
                ("next", "/"),
                ("credential", &first_assertion),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(!replay.has_session());
    // And the same, again, now that this login's ceremony was taken too.
    let res = replay
        .post(
            "/login/2fa/key",
            &[
                ("csrf", &step.csrf()),
                ("next", "/"),
                ("credential", &first_assertion),
            ],
        )
        .await;
    assert!(!replay.has_session(), "{}", res.body);

    // Another origin (a subdomain the key itself would answer for): refused.
    let (evil, res, _) = key_login(
        &db.store,
        &user.username,
        &mut key,
        "https://phish.vigil.example.org",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(!evil.has_session());

    // A counter that does not grow (a cloned key): refused and audited as such.
    let mut tx = db.store.backend().begin().await.unwrap();
    tx.execute(
        "UPDATE webauthn_credentials SET sign_count = 1000000 WHERE user_id = $1",
        &[user.id.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (clone, res, _) = key_login(&db.store, &user.username, &mut key, ORIGIN).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(!clone.has_session());
    let failures = audited(&db, "second_factor_failed").await;
    assert!(
        failures.iter().any(|d| d.contains("counter")),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|d| d.contains("signature")),
        "{failures:?}"
    );

    // Someone else's key cannot be removed.
    let other_user = db.user(Role::Documenter).await;
    assert!(db
        .store
        .remove_security_key(other_user.id, left[0].id, PASSWORD.to_owned().into(), None)
        .await
        .is_err());
}

async fn a_required_second_factor_is_met_by_a_key_and_reset_removes_keys(db: TestDb) {
    let strict = db.store.clone().with_auth_policy(AuthPolicy {
        require_two_factor: vec![Role::Documenter],
        ..AuthPolicy::default()
    });
    let user = db.user(Role::Documenter).await;
    let mut key = SoftPasskey::new(true);
    let mut b = browser(strict.clone(), Some(ORIGIN));
    b.login(&user.username, PASSWORD).await;
    // Without a second factor, only enrolment.
    assert_eq!(b.get("/").await.location(), "/account/2fa");
    let done = register(&mut b, &mut key, "Only key", ORIGIN).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        b.get("/").await.status,
        StatusCode::OK,
        "a key meets the rule"
    );
    // The last factor of a role that requires one cannot be removed.
    let id = strict.security_keys(user.id).await.unwrap()[0].id;
    let list = b.get("/account/2fa/keys").await;
    let res = b
        .post(
            &format!("/account/2fa/keys/{id}/remove"),
            &[("csrf", &list.csrf()), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(strict.security_keys(user.id).await.unwrap().len(), 1);

    // An administrator's reset removes keys, so the user enrols again.
    let admin = vigil_store::Access::new(strict.clone(), db.actor(Role::Admin).await);
    admin.reset_two_factor(user.id).await.unwrap();
    assert!(strict.security_keys(user.id).await.unwrap().is_empty());
    assert!(!strict.has_two_factor(user.id).await.unwrap());
    assert!(!b.has_session() || b.get("/").await.status != StatusCode::OK);

    // Without --public-url, keys are off and the page says so.
    let mut off = browser(db.store.clone(), None);
    let viewer = db.user(Role::Viewer).await;
    off.login(&viewer.username, PASSWORD).await;
    let page = off.get("/account/2fa/keys").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("--public-url"));
    assert!(!page.body.contains("<script"));
    let res = off
        .post(
            "/account/2fa/keys/start",
            &[("csrf", &page.csrf()), ("name", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // The script is Vigil's own, served from its origin.
    let js = off.get("/static/webauthn.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("navigator.credentials"));
}
