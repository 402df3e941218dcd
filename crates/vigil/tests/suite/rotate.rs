//! `vigil key rotate`: the real binary re-keys an embedded instance; the old key opens
//! nothing afterwards, the new one opens every record and evidence file intact, the
//! audit chain records the rotation, and a wrong old key changes nothing. On
//! PostgreSQL (skipped loudly without `VIGIL_TEST_POSTGRES_URL`): every sealed field,
//! blind-index token and evidence file moves to the new key, a direct read shows only
//! the new key id, and an interrupted rotation changes nothing and can be run again.

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
use vigil_store::audit::{Action, AuditEntry, AuditFilter};
use vigil_store::cipher::FieldCipher;
use vigil_store::evidence::{EvidenceFiles, NewEvidence};
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig, StoreError};
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
fn postgresql_takes_a_new_key_file_not_a_passphrase() {
    let keys_dir = tempfile::tempdir().unwrap();
    let a = keys_dir.path().join("a.key");
    std::fs::write(&a, keys::generate_hex().as_bytes()).unwrap();
    let out = vigil(
        &[
            "key",
            "rotate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "--key-file",
            a.to_str().unwrap(),
            "--new-passphrase",
        ],
        &[("VIGIL_NEW_PASSPHRASE", "a brand new long passphrase")],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("--new-key-file"), "{}", text(&out));
}

// ---- PostgreSQL: sealed fields, blind index and evidence under a new key ----

fn field_key_of(master: &keys::Key) -> Zeroizing<[u8; 32]> {
    keys::subkey(master, vigil::cli::FIELDS_LABEL)
}

async fn pg_open(url: &str, field_key: Zeroizing<[u8; 32]>) -> Result<Store, StoreError> {
    Store::open(
        StoreConfig::Postgres {
            url: url.to_owned(),
            key: Some(field_key),
        },
        Arc::new(vigil_domain::SystemClock),
    )
    .await
}

/// Every sealed value in the database, as `(table.column, row, value)`, and every
/// blind index, read with plain SQL past the store.
async fn sealed_values(store: &Store) -> Vec<(String, String, String)> {
    let db = store.backend();
    let columns = db
        .query(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'tsvector') ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for c in columns {
        let (t, col) = (c.text(0), c.text(1));
        for r in db
            .query(
                &format!(
                    "SELECT ctid::text, \"{col}\"::text FROM \"{t}\" WHERE \"{col}\"::text LIKE 'v1:%' OR \"{col}\"::text LIKE '%#%' ORDER BY 1"
                ),
                &[],
            )
            .await
            .unwrap()
        {
            out.push((format!("{t}.{col}"), r.text(0), r.text(1)));
        }
    }
    out
}

/// The key ids sealed values are under.
fn key_ids(values: &[(String, String, String)]) -> std::collections::BTreeSet<String> {
    values
        .iter()
        .filter(|(_, _, v)| v.starts_with("v1:"))
        .map(|(_, _, v)| v.split(':').nth(1).unwrap().to_owned())
        .collect()
}

fn pg_dump(url: &str) -> String {
    let out = Command::new("pg_dump")
        .arg("--dbname")
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn key_rotations(store: &Store) -> usize {
    let filter = AuditFilter {
        action: "key_rotate".into(),
        ..AuditFilter::default()
    };
    store.audit_entries(&filter, 1).await.unwrap().items.len()
}

struct PgFixture {
    url: String,
    keys_dir: tempfile::TempDir,
    evidence_dir: PathBuf,
    master_a: keys::Key,
    actor: Actor,
    seeded: support::Seeded,
    person: vigil_domain::model::Person,
    item: vigil_store::evidence::EvidenceItem,
    totp_secret: String,
    plain: Vec<u8>,
}

const PG_NAME: &str = "Quetzalina Rotapgname";

/// Records, a TOTP secret being enrolled and an evidence file, sealed under the
/// test key; then moved to master key A's field key by the store's own rotation
/// (evidence under A's evidence key from the start).
async fn pg_fixture(db: &support::TestDb) -> PgFixture {
    let url = db.postgres_url().unwrap().to_owned();
    let keys_dir = tempfile::tempdir().unwrap();
    let evidence_dir = keys_dir.path().join("evidence");
    for k in ["a.key", "b.key", "c.key"] {
        std::fs::write(keys_dir.path().join(k), keys::generate_hex().as_bytes()).unwrap();
    }
    let master_a = keys::load(
        &KeySource::File(keys_dir.path().join("a.key")),
        Path::new(""),
        false,
    )
    .unwrap();
    let store = db.store.clone().with_evidence(EvidenceFiles::new(
        evidence_dir.clone(),
        keys::subkey(&master_a, vigil_store::evidence::EVIDENCE_LABEL),
        1024 * 1024,
    ));
    let user = db.user(Role::Documenter).await;
    let actor = Actor::from(&user);
    let access = Access::new(store.clone(), actor.clone());
    let seeded = support::seed(&access).await;
    let mut p = support::defender(PG_NAME);
    p.contacts = "rotapgcontact@example.org".into();
    let person = access.create_person(&p).await.unwrap();
    let mut input = support::killing_in_cauca(person.id, seeded.group.id);
    input.narrative = "The rotapgnarrative of what happened.".into();
    access.create_incident(&input).await.unwrap();
    let plain = b"ROTATEPG the witness's notes\n".to_vec();
    let item = access
        .upload_evidence(
            seeded.incident,
            NewEvidence {
                filename: "rotapgfile.txt".into(),
                captured_by: Some("rotapgcapturer".into()),
                bytes: plain.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let totp_secret = store.start_totp(user.id).await.unwrap().secret.to_string();
    let report = db
        .store
        .rotate_field_key(
            &field_key_of(&master_a),
            AuditEntry::new(Action::KeyRotate, "master_key").cli(),
        )
        .await
        .unwrap();
    for column in [
        "key_check.check_value",
        "persons.legal_name",
        "persons.contacts",
        "incidents.narrative",
        "sources.origin",
        "versions.snapshot",
        "evidence.filename",
        "evidence.captured_by",
        "user_totp.secret",
    ] {
        assert!(
            report.columns.iter().any(|(c, n)| c == column && *n > 0),
            "{column} re-sealed: {report:?}"
        );
    }
    assert!(report.reindexed >= 4, "{report:?}");
    db.store.close().await;
    PgFixture {
        url,
        keys_dir,
        evidence_dir,
        master_a,
        actor,
        seeded,
        person,
        item,
        totp_secret,
        plain,
    }
}

impl PgFixture {
    fn key(&self, name: &str) -> PathBuf {
        self.keys_dir.path().join(format!("{name}.key"))
    }
    fn master(&self, name: &str) -> keys::Key {
        keys::load(&KeySource::File(self.key(name)), Path::new(""), false).unwrap()
    }
    fn files(&self, master: &keys::Key) -> EvidenceFiles {
        EvidenceFiles::new(
            self.evidence_dir.clone(),
            keys::subkey(master, vigil_store::evidence::EVIDENCE_LABEL),
            1024 * 1024,
        )
    }
    async fn store(&self, master: &keys::Key) -> Store {
        pg_open(&self.url, field_key_of(master))
            .await
            .unwrap()
            .with_evidence(self.files(master))
    }
    /// What a reader sees: the records, the evidence file, searches, the TOTP secret.
    async fn everything(&self, store: &Store) -> impl PartialEq + std::fmt::Debug {
        let access = Access::new(store.clone(), self.actor.clone());
        let (item, bytes) = access.download_evidence(self.item.id).await.unwrap();
        assert_eq!(bytes, self.plain);
        let pending = store
            .pending_totp(self.actor.user_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pending.secret.as_str(), self.totp_secret);
        let people = |q: &str| vigil_domain::search::PersonFilter {
            q: q.into(),
            ..Default::default()
        };
        let incidents = |q: &str| vigil_domain::search::IncidentFilter {
            q: q.into(),
            ..Default::default()
        };
        let found = (
            access.persons(&people("rotapgname")).await.unwrap().total,
            access
                .persons(&people("rotapgcontact"))
                .await
                .unwrap()
                .total,
            access
                .incidents(&incidents("rotapgnarrative"))
                .await
                .unwrap()
                .total,
            access
                .incidents(&incidents("rotapgname"))
                .await
                .unwrap()
                .total,
        );
        assert_eq!(found, (1, 1, 1, 1), "sensitive words are found");
        (
            access.incident(self.seeded.incident).await.unwrap(),
            access.person(self.person.id).await.unwrap(),
            access.person(self.seeded.person.id).await.unwrap(),
            access
                .evidence_for_incident(self.seeded.incident)
                .await
                .unwrap(),
            item,
            access.history("person", self.person.id).await.unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_rotation_re_seals_every_field_index_and_file() {
    let Some(db) = support::postgres().await else {
        support::announce_postgres_skip(module_path!());
        return;
    };
    let fx = pg_fixture(&db).await;
    let url = fx.url.clone();
    // The test key opens nothing any more; key A opens everything.
    let refused = pg_open(&url, support::field_key()).await.unwrap_err();
    assert!(refused.to_string().contains("another key"), "{refused}");
    let store_a = fx.store(&fx.master_a).await;
    let before = fx.everything(&store_a).await;
    let id_a = FieldCipher::new(&field_key_of(&fx.master_a))
        .key_id()
        .to_owned();
    let values_a = sealed_values(&store_a).await;
    assert_eq!(key_ids(&values_a), [id_a.clone()].into());
    let sha = fx.item.sha256.clone().unwrap();
    let old_file = fx.files(&fx.master_a).path_of(&sha);
    assert!(old_file.exists());
    store_a.close().await;

    // A to B, by the binary.
    let (a, b, c, ev) = (
        fx.key("a"),
        fx.key("b"),
        fx.key("c"),
        fx.evidence_dir.clone(),
    );
    let args = |old: &Path, new: &Path| {
        vec![
            "key".to_owned(),
            "rotate".into(),
            "--database-url".into(),
            url.clone(),
            "--key-file".into(),
            old.to_str().unwrap().into(),
            "--new-key-file".into(),
            new.to_str().unwrap().into(),
            "--evidence-dir".into(),
            ev.to_str().unwrap().into(),
        ]
    };
    let run = |v: Vec<String>| vigil(&v.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let out = run(args(&a, &b));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!old_file.exists(), "the old evidence file is removed");

    let master_b = fx.master("b");
    let id_b = FieldCipher::new(&field_key_of(&master_b))
        .key_id()
        .to_owned();
    assert!(text(&out).contains(&id_b), "{}", text(&out));
    let refused = pg_open(&url, field_key_of(&fx.master_a)).await.unwrap_err();
    assert!(
        refused.to_string().contains("another key"),
        "key A is refused: {refused}"
    );
    let store_b = fx.store(&master_b).await;
    assert_eq!(
        fx.everything(&store_b).await,
        before,
        "every record is intact"
    );

    // Direct SQL: every sealed value under B, and every blind-index token changed.
    let values_b = sealed_values(&store_b).await;
    assert_eq!(key_ids(&values_b), [id_b.clone()].into());
    assert_eq!(values_b.len(), values_a.len());
    for ((col_a, row_a, va), (col_b, _, vb)) in values_a.iter().zip(&values_b) {
        assert_eq!(col_a, col_b);
        assert_ne!(va, vb, "{col_a} {row_a} changed");
    }
    let dump = pg_dump(&url);
    assert!(dump.contains(&format!("v1:{id_b}:")));
    let old_a = FieldCipher::new(&field_key_of(&fx.master_a));
    let old_test = FieldCipher::new(&support::field_key());
    for old in [&old_a, &old_test] {
        assert!(!dump.contains(&format!("v1:{}:", old.key_id())));
        for word in ["rotapgname", "quetzalina", "rotapgnarrative", "ramirez"] {
            assert!(!dump.contains(&old.blind(word)), "old token of {word}");
        }
    }
    let new_c = FieldCipher::new(&field_key_of(&master_b));
    assert!(
        dump.contains(&new_c.blind("rotapgname")),
        "the new index is in place"
    );
    assert!(
        !dump.to_lowercase().contains("rotapg"),
        "no canary in clear"
    );

    // Audited, chain intact.
    assert_eq!(key_rotations(&store_b).await, 2);
    assert!(store_b.verify_audit().await.unwrap().intact());
    store_b.close().await;

    // A wrong old key (A again) is refused and changes nothing.
    let wrong = run(args(&a, &c));
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("nothing was changed"),
        "{}",
        text(&wrong)
    );
    let store_b = fx.store(&master_b).await;
    assert_eq!(sealed_values(&store_b).await, values_b);
    store_b.close().await;
    // Evidence files but no --evidence-dir: refused before anything changes.
    let mut no_dir = args(&b, &c);
    no_dir.truncate(8);
    let out = run(no_dir);
    assert!(text(&out).contains("--evidence-dir"), "{}", text(&out));
    let store_b = fx.store(&master_b).await;
    assert_eq!(sealed_values(&store_b).await, values_b);
    store_b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_postgresql_rotation_leaves_the_old_key_in_charge_and_can_be_rerun() {
    let Some(db) = support::postgres().await else {
        support::announce_postgres_skip(module_path!());
        return;
    };
    let fx = pg_fixture(&db).await;
    let master_b = fx.master("b");
    let store_a = fx.store(&fx.master_a).await;
    let before = fx.everything(&store_a).await;
    // A value the rotation cannot open, in the last table it walks (versions), so that
    // it fails after re-sealing every other table inside its transaction.
    let raw = store_a.backend();
    let last = raw
        .query(
            "SELECT id, snapshot FROM versions ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (vid, snapshot) = (last[0].int(0), last[0].text(1));
    let mut tx = raw.begin().await.unwrap();
    tx.execute(
        "UPDATE versions SET snapshot = (SELECT legal_name FROM persons ORDER BY id LIMIT 1) WHERE id = $1",
        &[vid.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let values = sealed_values(&store_a).await;
    let rotations = key_rotations(&store_a).await;
    store_a.close().await;

    let err =
        vigil::rotate::rotate_postgres(&fx.url, Some(&fx.evidence_dir), &fx.master_a, &master_b)
            .await
            .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("versions.snapshot"), "{msg}");
    assert!(msg.contains("still opens"), "{msg}");

    // Nothing changed: every value and index as it was, key A in charge, B refused,
    // no rotation audited, and the old evidence file still there.
    let store_a = fx.store(&fx.master_a).await;
    assert_eq!(sealed_values(&store_a).await, values);
    assert_eq!(key_rotations(&store_a).await, rotations);
    assert!(pg_open(&fx.url, field_key_of(&master_b)).await.is_err());
    let sha = fx.item.sha256.clone().unwrap();
    assert!(fx.files(&fx.master_a).path_of(&sha).exists());
    // Put the value back, and run the rotation again: it finishes the job (the copy
    // the first run left under B is an orphan it replaces).
    let mut tx = store_a.backend().begin().await.unwrap();
    tx.execute(
        "UPDATE versions SET snapshot = $1 WHERE id = $2",
        &[snapshot.into(), vid.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(fx.everything(&store_a).await, before);
    store_a.close().await;
    let (report, files) =
        vigil::rotate::rotate_postgres(&fx.url, Some(&fx.evidence_dir), &fx.master_a, &master_b)
            .await
            .unwrap();
    assert_eq!(files, 1);
    assert!(report.values() > 0);
    assert!(!fx.files(&fx.master_a).path_of(&sha).exists());
    let store_b = fx.store(&master_b).await;
    assert_eq!(fx.everything(&store_b).await, before);
    assert_eq!(
        key_ids(&sealed_values(&store_b).await),
        [report.new_key_id.clone()].into()
    );
    assert_eq!(key_rotations(&store_b).await, rotations + 1);
    store_b.close().await;
    assert!(pg_open(&fx.url, field_key_of(&fx.master_a)).await.is_err());
}
