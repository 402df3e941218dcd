//! `vigil key rotate`: the real binary re-keys an embedded instance; the old key opens
//! nothing afterwards, the new one opens every record and evidence file intact, the
//! audit chain records the rotation, and a wrong old key changes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use vigil::keys::{self, KeySource};
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::evidence::{EvidenceFiles, NewEvidence};
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig};
use zeroize::Zeroizing;

use crate::support::{self, PASSWORD};

fn vigil(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.args(args)
        .env_remove("VIGIL_MASTER_KEY")
        .env_remove("VIGIL_PASSPHRASE")
        .env_remove("VIGIL_NEW_PASSPHRASE")
        .env_remove("VIGIL_DATA")
        .env_remove("VIGIL_KEY_FILE")
        .env_remove("VIGIL_EVIDENCE_DIR")
        .env("VIGIL_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::null()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn open(data: &Path, key_file: &Path) -> Store {
    let master = keys::load(&KeySource::File(key_file.to_owned()), data, false).unwrap();
    Store::open(
        StoreConfig::Sqlite {
            path: data.join("vigil.db"),
            key: keys::subkey(&master, keys::SQLCIPHER_LABEL),
        },
        Arc::new(vigil_domain::SystemClock),
    )
    .await
    .unwrap()
    .with_evidence(EvidenceFiles::new(
        data.join(vigil_store::evidence::DIR_NAME),
        keys::subkey(&master, vigil_store::evidence::EVIDENCE_LABEL),
        1024 * 1024,
    ))
}

/// A closed pool lets go of its connections in background tasks (hence the
/// multi-threaded runtime below: they run while the test waits for the binary): wait
/// until SQLite has removed its side files, so that the binary finds the database free.
async fn wait_closed(data: &Path) {
    for _ in 0..100 {
        if !data.join("vigil.db-wal").exists() && !data.join("vigil.db-shm").exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the database stays open");
}

/// Every file in the data directory with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, usize, Vec<u8>)> {
    use sha2::Digest as _;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((
                    p.clone(),
                    bytes.len(),
                    sha2::Sha256::digest(&bytes).to_vec(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_re_keys_the_database_and_the_evidence() {
    let data_root = tempfile::tempdir().unwrap();
    let keys_dir = tempfile::tempdir().unwrap();
    let data = data_root.path().join("vigil");
    let (key_a, key_b, key_c) = (
        keys_dir.path().join("a.key"),
        keys_dir.path().join("b.key"),
        keys_dir.path().join("c.key"),
    );
    for k in [&key_a, &key_b, &key_c] {
        std::fs::write(k, keys::generate_hex().as_bytes()).unwrap();
    }
    let (d, a, b, c) = (
        data.to_str().unwrap(),
        key_a.to_str().unwrap(),
        key_b.to_str().unwrap(),
        key_c.to_str().unwrap(),
    );
    let init = vigil(
        &["init", "--data", d, "--key-file", a],
        &[("VIGIL_NEW_PASSWORD", "a long admin password")],
    );
    assert!(init.status.success(), "{}", text(&init));

    // Records and an evidence file, under key A.
    let plain = b"ROTATECANARY the witness's notes\n".to_vec();
    let (actor, seeded, item, before, old_evidence_path) = async {
        let store = open(&data, &key_a).await;
        let user = store
            .create_user(
                NewUser {
                    username: "doc".into(),
                    password: Zeroizing::new(PASSWORD.into()),
                    role: Role::Documenter,
                    display_name: String::new(),
                    language: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        let actor = Actor::from(&user);
        let access = Access::new(store.clone(), actor.clone());
        let seeded = support::seed(&access).await;
        let item = access
            .upload_evidence(
                seeded.incident,
                NewEvidence {
                    filename: "notes.txt".into(),
                    bytes: plain.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let before = (
            store.incident(seeded.incident).await.unwrap(),
            store.person(seeded.person.id).await.unwrap(),
            store.group(seeded.group.id).await.unwrap(),
        );
        let old_evidence_path = store
            .evidence_files()
            .unwrap()
            .path_of(item.sha256.as_deref().unwrap());
        assert!(old_evidence_path.exists());
        store.close().await;
        (actor, seeded, item, before, old_evidence_path)
    }
    .await;
    wait_closed(&data).await;

    // A to B.
    let rotate = vigil(
        &[
            "key",
            "rotate",
            "--data",
            d,
            "--key-file",
            a,
            "--new-key-file",
            b,
        ],
        &[],
    );
    assert!(rotate.status.success(), "{}", text(&rotate));
    assert!(
        !old_evidence_path.exists(),
        "the old evidence file is removed"
    );

    let with_a = vigil(&["audit", "verify", "--data", d, "--key-file", a], &[]);
    assert!(
        !with_a.status.success(),
        "key A is refused after the rotation"
    );
    let with_b = vigil(&["audit", "verify", "--data", d, "--key-file", b], &[]);
    assert!(with_b.status.success(), "{}", text(&with_b));

    async {
        let store = open(&data, &key_b).await;
        let after = (
            store.incident(seeded.incident).await.unwrap(),
            store.person(seeded.person.id).await.unwrap(),
            store.group(seeded.group.id).await.unwrap(),
        );
        assert_eq!(before, after, "every record is intact");
        let (back, bytes) = Access::new(store.clone(), actor.clone())
            .download_evidence(item.id)
            .await
            .unwrap();
        assert_eq!(bytes, plain);
        assert_eq!(back.sha256, item.sha256);
        assert!(store.verify_audit().await.unwrap().intact());
        let log = store
            .audit_entries(
                &AuditFilter {
                    entity: String::new(),
                    ..AuditFilter::default()
                },
                1,
            )
            .await
            .unwrap();
        assert!(log.items.iter().any(|e| e.action == "key_rotate"));
        store.close().await;
    }
    .await;
    wait_closed(&data).await;

    // A wrong old key is refused and changes nothing.
    let snapshot = tree(&data);
    let wrong = vigil(
        &[
            "key",
            "rotate",
            "--data",
            d,
            "--key-file",
            a,
            "--new-key-file",
            c,
        ],
        &[],
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("nothing was changed"),
        "{}",
        text(&wrong)
    );
    assert_eq!(tree(&data), snapshot, "a refused rotation changes nothing");
    let still_b = vigil(&["audit", "verify", "--data", d, "--key-file", b], &[]);
    assert!(still_b.status.success(), "{}", text(&still_b));

    // The new key may not be in the data directory, and may not be the current key.
    let inside = data.join("inside.key");
    std::fs::write(&inside, keys::generate_hex().as_bytes()).unwrap();
    let refused = vigil(
        &[
            "key",
            "rotate",
            "--data",
            d,
            "--key-file",
            b,
            "--new-key-file",
            inside.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        text(&refused).contains("inside the data directory"),
        "{}",
        text(&refused)
    );
    std::fs::remove_file(&inside).unwrap();
    let same = vigil(
        &[
            "key",
            "rotate",
            "--data",
            d,
            "--key-file",
            b,
            "--new-key-file",
            b,
        ],
        &[],
    );
    assert!(
        text(&same).contains("is the current key"),
        "{}",
        text(&same)
    );

    // B to a passphrase: a new salt, and the passphrase opens everything.
    let pass = vigil(
        &[
            "key",
            "rotate",
            "--data",
            d,
            "--key-file",
            b,
            "--new-passphrase",
        ],
        &[("VIGIL_NEW_PASSPHRASE", "a brand new long passphrase")],
    );
    assert!(pass.status.success(), "{}", text(&pass));
    assert!(data.join(keys::SALT_FILE).exists());
    assert!(!data.join(vigil::rotate::NEW_SALT_FILE).exists());
    let with_pass = vigil(
        &["audit", "verify", "--data", d],
        &[("VIGIL_PASSPHRASE", "a brand new long passphrase")],
    );
    assert!(with_pass.status.success(), "{}", text(&with_pass));
    let with_b = vigil(&["audit", "verify", "--data", d, "--key-file", b], &[]);
    assert!(
        !with_b.status.success(),
        "key B is refused after the second rotation"
    );
}

#[test]
fn postgresql_is_refused_for_now() {
    let keys_dir = tempfile::tempdir().unwrap();
    let (a, b) = (keys_dir.path().join("a.key"), keys_dir.path().join("b.key"));
    for k in [&a, &b] {
        std::fs::write(k, keys::generate_hex().as_bytes()).unwrap();
    }
    let out = vigil(
        &[
            "key",
            "rotate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "--key-file",
            a.to_str().unwrap(),
            "--new-key-file",
            b.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("not yet support"), "{}", text(&out));
}
