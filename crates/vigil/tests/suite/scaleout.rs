//! Scale-out (issue 4, point 7): two `vigil serve` processes on different ports share
//! one PostgreSQL database. A session made by logging in on one is valid on the other
//! (its CSRF token too); a write on one is visible on the other at once; a lock-down
//! on one ends the sessions and API tokens on both. Skipped loudly without
//! `VIGIL_TEST_POSTGRES_URL` (a failure with `VIGIL_TEST_REQUIRE_POSTGRES=1`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use super::crash::{
    api_token, create_incident, create_person, http, key_file, login, run_ok, vigil, Server,
};
use super::support::{
    announce_postgres_skip, create_database, drop_database, with_database, PASSWORD, POSTGRES_ENV,
    REQUIRE_POSTGRES_ENV,
};

/// How long a revocation may take to reach the other instance: an instance may keep
/// a looked-up session for a short time (see docs/testing.md); a revocation that has
/// not arrived after this bound never will, and fails the test.
const REVOCATION_BOUND: Duration = Duration::from_secs(15);

fn postgres_admin_url() -> Option<String> {
    let url = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty());
    if url.is_none() {
        if std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set");
        }
        announce_postgres_skip("scaleout::two_instances_share_one_postgresql");
    }
    url
}

/// Is this session cookie signed in on this instance? (`/account` answers 200 when
/// it is, and sends the browser to the login page when it is not.)
fn signed_in(addr: &str, cookie: &str) -> bool {
    let res = http(addr, "GET", "/account", &[("Cookie", cookie)], "");
    match res.status {
        200 => true,
        302 | 303 => false,
        other => panic!("unexpected /account answer {other}: {}", res.head),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_postgresql() {
    let Some(admin_url) = postgres_admin_url() else {
        return;
    };
    // A database of its own, named like the suite's so a stale one is cleaned up.
    let name = format!(
        "vigil_test_{:x}_scaleout_{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 4]>())
    );
    create_database(&admin_url, &name, None).await;
    let db_url = with_database(&admin_url, &name);
    let keys = tempfile::tempdir().unwrap();
    let (key, _) = key_file(keys.path(), 0x2f);
    let args = vec![
        "--database-url".to_owned(),
        db_url.clone(),
        "--key-file".to_owned(),
        key.display().to_string(),
    ];
    run_ok(
        vigil()
            .arg("init")
            .args(&args)
            .env("VIGIL_NEW_PASSWORD", PASSWORD),
    );
    let a = Server::start(&args);
    let b = Server::start(&args);
    assert_ne!(a.addr, b.addr, "two instances, two ports");

    // A session made on A is valid on B, and B accepts a form posted with it (the
    // CSRF token is the session's, not the instance's): B makes an API token.
    let cookie_a = login(&a.addr, "admin");
    assert!(signed_in(&a.addr, &cookie_a));
    assert!(signed_in(&b.addr, &cookie_a), "A's session on B");
    let token = api_token(&b.addr, &cookie_a);
    let bearer = format!("Bearer {token}");
    let victim = create_person(&a.addr, &token);

    // A write on A is visible on B at once, and the other way round.
    for (from, to, title) in [
        (&a, &b, "Scale-out: written on A, read on B"),
        (&b, &a, "Scale-out: written on B, read on A"),
    ] {
        let res = create_incident(&from.addr, &token, title, victim).unwrap();
        assert_eq!(res.status, 201, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        let read = http(
            &to.addr,
            "GET",
            &format!("/api/v1/incidents/{id}"),
            &[("Authorization", &bearer)],
            "",
        );
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(read.json()["title"], title);
    }

    // Lock-down on A ends every session and API token, on B too.
    let cookie_b = login(&b.addr, "admin");
    assert!(signed_in(&a.addr, &cookie_b));
    let confirm = http(
        &a.addr,
        "GET",
        "/admin/lockdown",
        &[("Cookie", &cookie_a)],
        "",
    );
    assert_eq!(confirm.status, 200, "{}", confirm.head);
    let done = http(
        &a.addr,
        "POST",
        "/admin/lockdown",
        &[
            ("Cookie", &cookie_a),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &serde_urlencoded::to_string([("csrf", confirm.csrf())]).unwrap(),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(!signed_in(&a.addr, &cookie_a), "A's own session ended on A");
    let start = Instant::now();
    loop {
        let sessions = [
            signed_in(&b.addr, &cookie_a),
            signed_in(&b.addr, &cookie_b),
            signed_in(&a.addr, &cookie_b),
        ];
        let api = http(
            &b.addr,
            "GET",
            "/api/v1/me",
            &[("Authorization", &bearer)],
            "",
        )
        .status;
        if sessions == [false; 3] && api == 401 {
            break;
        }
        assert!(
            start.elapsed() < REVOCATION_BOUND,
            "lock-down on A has not reached B after {REVOCATION_BOUND:?}: sessions {sessions:?}, API {api}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop((a, b));
    drop_database(&admin_url, &name).await;
}
