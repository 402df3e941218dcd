//! API robustness (issue 4, point 5): schemathesis (from PyPI) generates requests from
//! `/api/v1/openapi.json` against a real `vigil serve` with demo records and a test
//! API token, for every operation, bounded in examples and time. It fails the test on
//! any 5xx response and on any response that does not match the schema the document
//! declares for it. Skipped loudly when schemathesis is not installed, unless
//! `VIGIL_TEST_REQUIRE_SCHEMATHESIS=1` (as `.ci/run` sets), which makes that a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::crash::{api_token, login, run_ok, vigil, DataDir, Server};

/// Set to `1` to make a missing schemathesis a failure, not a skip.
const REQUIRE_ENV: &str = "VIGIL_TEST_REQUIRE_SCHEMATHESIS";
/// Test cases per API operation (each phase).
const MAX_EXAMPLES: &str = "25";
/// The whole run's time budget, in seconds (schemathesis stops generating after it).
const MAX_TIME: &str = "150";

fn schemathesis() -> Option<&'static str> {
    ["schemathesis", "st"].into_iter().find(|exe| {
        Command::new(exe)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_keeps_to_its_openapi_document_under_generated_requests() {
    let Some(exe) = schemathesis() else {
        if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE_ENV}=1 but schemathesis is not installed (pip install schemathesis)");
        }
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPED: api_schema — schemathesis is not installed (pip install schemathesis; .ci/run does) ***"
        );
        return;
    };
    let d = DataDir::init();
    run_ok(vigil().args(["demo", "--incidents", "40"]).args(d.args()));
    let server = Server::start(&d.args());
    let cookie = login(&server.addr, "admin");
    let token = api_token(&server.addr, &cookie);
    let report = d.dir.path().join("schemathesis");
    let mut c = Command::new(exe);
    c.arg("run")
        .arg(format!("http://{}/api/v1/openapi.json", server.addr))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
        ])
        .args(["--max-examples", MAX_EXAMPLES, "--max-time", MAX_TIME])
        .args(["--seed", "4242", "--workers", "1", "--no-shrink"])
        .args(["--request-timeout", "30"])
        .arg("--report-dir")
        .arg(&report)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "")
        .stdin(Stdio::null());
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The figures for docs/testing.md (shown with --nocapture): the summary at the end.
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(40);
    println!("schemathesis:\n{}", lines[from..].join("\n"));
    assert!(
        out.status.success(),
        "schemathesis found problems (server log below):\n{text}\n--- server log ---\n{}",
        server.log()
    );
    assert!(
        text.contains("passed") && !text.contains("No operations"),
        "schemathesis ran nothing:\n{text}"
    );
}

// ---------------------------------------------------------------- what it found

use super::support::{backend_tests, defender, simple_incident, TestDb};
use vigil_domain::Role;
use vigil_store::StoreError;

backend_tests!(an_update_to_a_taken_external_id_is_a_field_error);

/// Found by schemathesis (`PUT /api/v1/persons/{id}` answered 500): an update giving
/// a person or an incident the external id another one has is refused with a field
/// error naming `external_id` (the API's 400), as a create is, and changes nothing.
async fn an_update_to_a_taken_external_id_is_a_field_error(db: TestDb) {
    let a = db.access(Role::Documenter).await;
    let mut p = defender("Ana External");
    p.external_id = "EXT-1".into();
    a.create_person(&p).await.unwrap();
    let mut q = defender("Bea External");
    q.external_id = "EXT-2".into();
    let second = a.create_person(&q).await.unwrap();
    q.external_id = "EXT-1".into();
    let err = a
        .update_person(second.id, second.version, &q)
        .await
        .unwrap_err();
    match err {
        StoreError::Invalid(fe) => assert!(fe.for_field("external_id").is_some(), "{fe:?}"),
        other => panic!("expected a field error, got {other:?}"),
    }
    let unchanged = a.person(second.id).await.unwrap();
    assert_eq!(unchanged.version, second.version);

    let mut one = simple_incident("First", "2024-01-02", second.id);
    one.external_id = "CASE-1".into();
    a.create_incident(&one).await.unwrap();
    let mut two = simple_incident("Second", "2024-01-03", second.id);
    two.external_id = "CASE-2".into();
    let id = a.create_incident(&two).await.unwrap();
    let version = a.incident(id).await.unwrap().version;
    two.external_id = "CASE-1".into();
    match a.update_incident(id, version, &two).await.unwrap_err() {
        StoreError::Invalid(fe) => assert!(fe.for_field("external_id").is_some(), "{fe:?}"),
        other => panic!("expected a field error, got {other:?}"),
    }
    assert_eq!(a.incident(id).await.unwrap().version, version);
}
