//! Threat 1 on PostgreSQL: a `pg_dump` taken without the key reveals no name, contact,
//! address, narrative, location, source or TOTP secret. Canaries go in through the
//! authorising layer, then the dump of the test database is searched for them. Also:
//! the values read back in clear through [`Access`], and a store opened with another
//! key (or none) is refused. Skipped loudly without `VIGIL_TEST_POSTGRES_URL`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use zeroize::Zeroizing;

use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::{FixedClock, Role};
use vigil_store::{Store, StoreConfig};

use crate::support::{self, announce_postgres_skip, create_group, defender, killing_in_cauca};

const NAME: &str = "Canarylegal Zyxwvuname";
const CONTACT: &str = "canary-contact-7781@example.org";
const ADDRESS: &str = "Canaryaddress Street 4417";
const NARRATIVE: &str = "Canarynarrative witnessed by Qwertzeuge";
const ORIGIN: &str = "Canaryorigin Radio Kapuskasing";
const DESCRIPTION: &str = "Canarydescription interview";
const FILENAME: &str = "canaryfilename-photo";
const CAPTURED_BY: &str = "Canarycapturer Witness";
const CAPTURE_NOTES: &str = "Canarynotes taken at dawn";
const LAT: f64 = 3.0329;
const LON: f64 = -76.8811;

fn pg_dump(url: &str) -> String {
    let out = std::process::Command::new("pg_dump")
        .arg("--dbname")
        .arg(url)
        .output()
        .expect("run pg_dump (installed with the PostgreSQL client)");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_pg_dump_reveals_no_sensitive_field() {
    let Some(mut db) = support::postgres().await else {
        announce_postgres_skip(module_path!());
        return;
    };
    let files = tempfile::tempdir().unwrap();
    db.store = db
        .store
        .clone()
        .with_evidence(vigil_store::evidence::EvidenceFiles::new(
            files.path().join("evidence"),
            Zeroizing::new(rand::random()),
            1024 * 1024,
        ));
    let documenter = db.access(Role::Documenter).await;
    let mut p = defender(NAME);
    p.contacts = CONTACT.to_owned();
    p.address = ADDRESS.to_owned();
    let person = documenter.create_person(&p).await.unwrap();
    let group = create_group(&documenter, "Guardia Indígena Toribío").await;
    let mut input = killing_in_cauca(person.id, group.id);
    input.narrative = NARRATIVE.to_owned();
    input.latitude = Some(LAT);
    input.longitude = Some(LON);
    input.sources[0].origin = ORIGIN.to_owned();
    input.sources[0].description = DESCRIPTION.to_owned();
    let id = documenter.create_incident(&input).await.unwrap();
    // A second version, so the history holds more than one snapshot.
    input.title = "Indigenous guard killed near Toribío (updated)".to_owned();
    documenter.update_incident(id, 1, &input).await.unwrap();
    let item = documenter
        .upload_evidence(
            id,
            vigil_store::evidence::NewEvidence {
                filename: format!("{FILENAME}.txt"),
                declared_type: "text/plain".into(),
                captured_by: Some(CAPTURED_BY.into()),
                capture_notes: Some(CAPTURE_NOTES.into()),
                bytes: b"plain evidence text".to_vec(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let user = db.user(Role::Documenter).await;
    let setup = db.store.start_totp(user.id).await.unwrap();

    // Read back in clear through the authorising layer.
    let back = documenter.person(person.id).await.unwrap();
    assert_eq!(back.legal_name.as_deref(), Some(NAME));
    assert_eq!(back.contacts.as_deref(), Some(CONTACT));
    assert_eq!(back.address.as_deref(), Some(ADDRESS));
    let inc = documenter.incident(id).await.unwrap();
    assert_eq!(inc.narrative.as_deref(), Some(NARRATIVE));
    assert_eq!(inc.coordinates, Some(Coordinates { lat: LAT, lon: LON }));
    assert_eq!(inc.sources[0].origin, ORIGIN);
    assert_eq!(inc.sources[0].description, DESCRIPTION);
    let victim = &inc.violations[0].victim;
    assert_eq!(victim.name.as_deref(), Some(NAME));
    assert!(documenter.history("incident", id).await.unwrap().len() >= 2);
    let listed = documenter.evidence_for_incident(id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, item.id);
    assert_eq!(
        listed[0].filename.as_deref(),
        Some(format!("{FILENAME}.txt").as_str())
    );
    assert_eq!(listed[0].captured_by.as_deref(), Some(CAPTURED_BY));
    assert_eq!(listed[0].capture_notes.as_deref(), Some(CAPTURE_NOTES));
    let pending = db.store.pending_totp(user.id).await.unwrap().unwrap();
    assert_eq!(pending.secret.as_str(), setup.secret.as_str());
    // Search: whole sensitive words match (blind index); public words also by their
    // beginning when asked with `*`.
    let found = |q: &str| IncidentFilter {
        q: q.to_owned(),
        ..Default::default()
    };
    assert_eq!(
        documenter
            .incidents(&found("qwertzeuge"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        documenter
            .incidents(&found("kapuskasing indig*"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        documenter.incidents(&found("qwertz")).await.unwrap().total,
        0
    );
    let viewer = db.access(Role::Viewer).await;
    assert_eq!(
        viewer.incidents(&found("qwertzeuge")).await.unwrap().total,
        0
    );
    let people = documenter
        .persons(&PersonFilter {
            q: "zyxwvuname".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(people.total, 1);

    let dump = pg_dump(db.postgres_url().unwrap());
    assert!(dump.contains("key_check"), "the dump holds the schema");
    // Not vacuous: the records are in the dump, their public parts in clear and their
    // sensitive parts sealed.
    assert!(
        dump.contains(&person.code),
        "the person's code is in the dump"
    );
    assert!(dump.contains("Indigenous guard killed near Toribío (updated)"));
    assert!(dump.contains("v1:"), "sealed values are in the dump");
    let lower = dump.to_lowercase();
    // The TOTP secret would be stored as the hex of its bytes.
    let secret_hex = hex::encode(vigil_store::auth::base32_decode(setup.secret.as_str()).unwrap());
    for canary in [
        "canarylegal",
        "zyxwvuname",
        "canary-contact-7781",
        "canaryaddress",
        "canarynarrative",
        "qwertzeuge",
        "canaryorigin",
        "kapuskasing",
        "canarydescription",
        "canaryfilename",
        "canarycapturer",
        "canarynotes",
        "3.0329",
        "76.8811",
        secret_hex.as_str(),
    ] {
        assert!(!lower.contains(canary), "{canary} is in the pg_dump");
    }
    db.store.close().await;
}

#[tokio::test]
async fn a_wrong_or_missing_field_key_is_refused() {
    let Some(db) = support::postgres().await else {
        announce_postgres_skip(module_path!());
        return;
    };
    let url = db.postgres_url().unwrap().to_owned();
    let clock = Arc::new(FixedClock::new(support::now()));
    let wrong = Store::open(
        StoreConfig::Postgres {
            url: url.clone(),
            key: Some(Zeroizing::new([0x11; 32])),
        },
        clock.clone(),
    )
    .await;
    let err = wrong.expect_err("another key is refused").to_string();
    assert!(err.contains("another key"), "{err}");
    let none = Store::open(
        StoreConfig::Postgres {
            url: url.clone(),
            key: None,
        },
        clock,
    )
    .await;
    let err = none.expect_err("no key is refused").to_string();
    assert!(err.contains("master key"), "{err}");
    // The right key still opens it.
    db.reopen().await.close().await;
    // The CLI passes its own subkey of the master key: another master key is refused.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["user", "list", "--database-url", &url])
        .env("VIGIL_MASTER_KEY", "ab".repeat(32))
        .env_remove("VIGIL_KEY_FILE")
        .env_remove("VIGIL_DATA")
        .env("VIGIL_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("another key"),
        "{text}"
    );
    db.store.close().await;
}

#[test]
fn the_cli_needs_the_master_key_for_postgresql() {
    // Refused before any connection is tried: no server is needed.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "user",
            "list",
            "--database-url",
            "postgres://vigil:s3cret@127.0.0.1:1/vigil",
        ])
        .env_remove("VIGIL_MASTER_KEY")
        .env_remove("VIGIL_PASSPHRASE")
        .env_remove("VIGIL_KEY_FILE")
        .env_remove("VIGIL_DATA")
        .env("VIGIL_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success());
    assert!(
        text.contains("needs the master key") && !text.contains("s3cret"),
        "{text}"
    );
}
