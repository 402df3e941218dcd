//! Backups (issue 3, point 8): a backup taken while a writer keeps writing restores to
//! exactly the records of one moment; the archive holds nothing in clear; a damaged,
//! cut or foreign archive, a wrong key or a used directory is refused by name, and a
//! refused restore writes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use vigil::backup::{self, BackupError, DB_ENTRY};
use vigil::keys::{self, Key, KeySource};
use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::{FixedClock, Role};
use vigil_store::audit::AuditFilter;
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig};
use zeroize::Zeroizing;

use crate::support::{self, create_group, create_person, killing_in_cauca, PASSWORD};

const CANARY_NAME: &str = "Xochiquetzal Canary-Legalname";
const CANARY_NARRATIVE: &str = "CANARY-NARRATIVE-7f3e9a: met the informant at the river";
const CANARY_ORIGIN: &str = "CANARY-ORIGIN-brother-of-the-witness";

/// A data directory as `vigil init` leaves it, with its key file elsewhere.
struct Instance {
    data: tempfile::TempDir,
    keys: tempfile::TempDir,
    key_file: PathBuf,
    master: Key,
    store: Store,
    admin: Access,
}

impl Instance {
    fn source(&self) -> KeySource {
        KeySource::File(self.key_file.clone())
    }
}

async fn open(path: &Path, master: &Key) -> Store {
    Store::open(
        StoreConfig::Sqlite {
            path: path.to_owned(),
            key: keys::subkey(master, keys::SQLCIPHER_LABEL),
        },
        Arc::new(FixedClock::new(support::now())),
    )
    .await
    .expect("open store")
}

async fn instance() -> Instance {
    let data = tempfile::tempdir().unwrap();
    let keys_dir = tempfile::tempdir().unwrap();
    let key_file = keys_dir.path().join("master.key");
    std::fs::write(&key_file, keys::generate_hex().as_bytes()).unwrap();
    let master = keys::load(&KeySource::File(key_file.clone()), data.path(), false).unwrap();
    let store = open(&data.path().join(DB_ENTRY), &master).await;
    let admin = add_user(&store, "admin", Role::Admin).await;
    Instance {
        data,
        keys: keys_dir,
        key_file,
        master,
        store,
        admin,
    }
}

async fn add_user(store: &Store, name: &str, role: Role) -> Access {
    let user = store
        .create_user(
            NewUser {
                username: name.to_owned(),
                password: Zeroizing::new(PASSWORD.to_owned()),
                role,
                display_name: format!("{name} ({role})"),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    Access::new(store.clone(), Actor::from(&user))
}

/// Demo records, users of every role, an edited group (two versions) and records that
/// carry canary strings in sensitive fields.
async fn fill(i: &Instance) -> (Id, Id) {
    fill_with(&i.store, &i.admin).await
}

async fn fill_with(store: &Store, admin: &Access) -> (Id, Id) {
    vigil::demo::seed(
        admin,
        &vigil::demo::DemoOptions {
            incidents: 40,
            seed: 7,
        },
    )
    .await
    .unwrap();
    for (n, role) in Role::ALL.iter().enumerate() {
        add_user(store, &format!("user-{n}"), *role).await;
    }
    let person = create_person(admin, CANARY_NAME).await;
    let group = create_group(admin, "Guardia Indígena Toribío").await;
    let mut input = killing_in_cauca(person.id, group.id);
    input.narrative = CANARY_NARRATIVE.to_owned();
    input.sources[0].origin = CANARY_ORIGIN.to_owned();
    admin.create_incident(&input).await.unwrap();
    let mut edited = support::organisation("Guardia Indígena Toribío");
    edited.description = "Renamed after the assembly".to_owned();
    admin
        .update_group(group.id, group.version, &edited)
        .await
        .unwrap();
    (person.id, group.id)
}

/// Everything a restore must bring back, read straight from the store.
#[derive(Debug, PartialEq)]
struct Records {
    incidents: BTreeMap<Id, Incident>,
    persons: BTreeMap<Id, Person>,
    groups: BTreeMap<Id, Group>,
    users: Vec<vigil_store::User>,
    versions: BTreeMap<(String, Id), Vec<Version>>,
    vocabularies: Vec<String>,
}

async fn records(store: &Store) -> Records {
    let incidents: BTreeMap<Id, Incident> = store
        .incidents_full(&IncidentFilter::default(), true, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut persons = BTreeMap::new();
    for page in 1.. {
        let f = PersonFilter {
            page: Some(page),
            ..Default::default()
        };
        let items = store.persons(&f, true).await.unwrap().items;
        if items.is_empty() {
            break;
        }
        for p in items {
            persons.insert(p.id, store.person(p.id).await.unwrap());
        }
    }
    let mut groups = BTreeMap::new();
    for page in 1.. {
        let items = store.groups("", page).await.unwrap().items;
        if items.is_empty() {
            break;
        }
        for g in items {
            groups.insert(g.id, store.group(g.id).await.unwrap());
        }
    }
    let mut versions = BTreeMap::new();
    let keys = incidents
        .keys()
        .map(|id| ("incident", *id))
        .chain(persons.keys().map(|id| ("person", *id)))
        .chain(groups.keys().map(|id| ("group", *id)));
    for (entity, id) in keys {
        versions.insert(
            (entity.to_owned(), id),
            store.versions(entity, id).await.unwrap(),
        );
    }
    let vocabularies = store
        .vocabularies()
        .await
        .unwrap()
        .all()
        .iter()
        .map(|t| format!("{t:?}"))
        .collect();
    Records {
        incidents,
        persons,
        groups,
        users: store.users().await.unwrap(),
        versions,
        vocabularies,
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn refusal(r: anyhow::Result<backup::Manifest>) -> String {
    match r {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => format!("{e:#}"),
    }
}

/// Nothing in `dir`, or no `dir` at all.
fn untouched(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_restores_every_record_of_one_moment() {
    let src = instance().await;
    let (person, group) = fill(&src).await;

    // A writer keeps recording incidents (each with violations, sources and a version)
    // on its own connection pool, as the server would, until told to stop.
    let writer_store = open(&src.data.path().join(DB_ENTRY), &src.master).await;
    let writer_user = writer_store.user_by_name("admin").await.unwrap();
    let writer = Access::new(writer_store.clone(), Actor::from(&writer_user));
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicI64::new(0));
    let task = {
        let (stop, written) = (stop.clone(), written.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let mut input = killing_in_cauca(person, group);
                input.title = format!(
                    "Written during the backup {}",
                    written.load(Ordering::Relaxed)
                );
                writer.create_incident(&input).await.unwrap();
                written.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = records(&src.store).await;

    let out = src.keys.path().join("vigil.backup");
    let manifest = backup::backup_data_dir(src.data.path(), &src.source(), &out)
        .await
        .unwrap();
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    task.await.unwrap();
    writer_store.close().await;
    let after = records(&src.store).await;
    assert!(
        after.incidents.len() > before.incidents.len(),
        "the writer wrote while the backup ran ({during} incidents)"
    );

    // The manifest names the database; the archive holds no canary and no clear SQLite.
    assert_eq!(manifest.entries[0].name, DB_ENTRY);
    assert!(manifest.entries[0].size > 4096);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(backup::MAGIC));
    for canary in [
        CANARY_NAME,
        CANARY_NARRATIVE,
        CANARY_ORIGIN,
        "SQLite format 3",
        "Toribío",
    ] {
        assert!(
            !contains(&bytes, canary),
            "{canary:?} is in the backup in clear"
        );
    }
    assert_eq!(backup::verify(&out, &src.master).unwrap(), manifest);

    // Restore into a directory that does not exist yet, through the same function as
    // `vigil restore`, and open it as every command does.
    let restored_dir = src.keys.path().join("restored");
    let m = backup::restore_data_dir(&out, &restored_dir, &src.source())
        .await
        .unwrap();
    assert_eq!(m, manifest);
    let restored = vigil::cli::open_store(
        &vigil::cli::DbArgs {
            data: Some(restored_dir.clone()),
            database_url: None,
            key_file: Some(src.key_file.clone()),
        },
        false,
        false,
    )
    .await
    .unwrap();
    let got = records(&restored).await;
    // The audit log travels inside the database: intact, and a prefix of the source's.
    let report = restored.verify_audit().await.unwrap();
    assert!(report.intact(), "{report:?}");
    let audit = |store: Store| async move {
        store
            .audit_export(&AuditFilter::default(), 1_000_000)
            .await
            .unwrap()
    };
    let restored_audit = audit(restored.clone()).await;
    let source_audit: Vec<_> = audit(src.store.clone())
        .await
        .into_iter()
        .filter(|e| e.seq <= report.head_seq)
        .collect();
    assert_eq!(restored_audit, source_audit);
    assert!(!restored_audit.is_empty());
    restored.close().await;

    // One moment: every record that existed before the backup began, and some prefix of
    // what the writer added while it ran, each complete and identical to the source.
    let n = got.incidents.len();
    assert!(
        before.incidents.len() <= n && n <= after.incidents.len(),
        "{} <= {n} <= {}",
        before.incidents.len(),
        after.incidents.len()
    );
    let prefix: BTreeMap<Id, Incident> = after.incidents.clone().into_iter().take(n).collect();
    assert_eq!(
        got.incidents, prefix,
        "incidents with violations and sources"
    );
    assert!(before
        .incidents
        .keys()
        .all(|id| got.incidents.contains_key(id)));
    assert_eq!(got.persons, after.persons);
    assert_eq!(got.groups, after.groups);
    assert_eq!(got.users, after.users);
    assert_eq!(got.vocabularies, after.vocabularies);
    let versions: BTreeMap<(String, Id), Vec<Version>> = after
        .versions
        .iter()
        .filter(|((entity, id), _)| entity != "incident" || got.incidents.contains_key(id))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(got.versions, versions);
    assert_eq!(got.versions[&("group".to_owned(), group)].len(), 2);
    assert_eq!(
        got.persons[&person].legal_name.as_deref(),
        Some(CANARY_NAME)
    );
    assert!(got
        .incidents
        .values()
        .any(|i| i.narrative.as_deref() == Some(CANARY_NARRATIVE)));
    src.store.close().await;
}

#[tokio::test]
async fn the_snapshot_is_encrypted_with_the_database_key() {
    let src = instance().await;
    fill(&src).await;
    let snap = src.keys.path().join("snap.db");
    src.store.snapshot_to(&snap).await.unwrap();
    let bytes = std::fs::read(&snap).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    for canary in [CANARY_NAME, CANARY_NARRATIVE, CANARY_ORIGIN] {
        assert!(!contains(&bytes, canary));
    }
    let copy = open(&snap, &src.master).await;
    assert_eq!(records(&copy).await, records(&src.store).await);
    copy.close().await;
    // An existing file is never overwritten.
    assert!(src.store.snapshot_to(&snap).await.is_err());
    src.store.close().await;
}

/// A small instance backed up with 4 KiB chunks, so that damage lands in a late chunk.
async fn small_backup() -> (Instance, PathBuf) {
    let src = instance().await;
    let a = &src.admin;
    let person = create_person(a, CANARY_NAME).await;
    let group = create_group(a, "Guardia Indígena Toribío").await;
    let mut input = killing_in_cauca(person.id, group.id);
    input.narrative = CANARY_NARRATIVE.to_owned();
    a.create_incident(&input).await.unwrap();
    let out = src.keys.path().join("small.backup");
    backup::create(&src.store, src.data.path(), &src.master, &out, 4096)
        .await
        .unwrap();
    (src, out)
}

async fn restore_fails(src: &Instance, file: &Path, dir: &Path) -> String {
    refusal(backup::restore_data_dir(file, dir, &src.source()).await)
}

#[tokio::test]
async fn a_flipped_byte_is_refused_and_names_its_chunk() {
    let (src, out) = small_backup().await;
    let mut bytes = std::fs::read(&out).unwrap();
    // Header of 47 bytes (no salt), then frames of 4 + 4096 + 16 bytes. Aim at the
    // middle of the file, off the 4-byte frame fields.
    let frame = 4 + 4096 + 16;
    let mut at = bytes.len() / 2;
    if (at - 47) % frame < 4 {
        at += 8;
    }
    let chunk = (at - 47) / frame + 1;
    assert!(chunk >= 2, "the file spans several chunks");
    bytes[at] ^= 0x01;
    let bad = src.keys.path().join("flipped.backup");
    std::fs::write(&bad, &bytes).unwrap();

    let dir = src.keys.path().join("new");
    let msg = restore_fails(&src, &bad, &dir).await;
    assert!(
        msg.contains(&format!(
            "chunk {chunk} fails authentication: corrupted or wrong key"
        )),
        "{msg}"
    );
    assert!(!dir.exists(), "nothing written");
    let err = backup::verify(&bad, &src.master).unwrap_err();
    assert!(matches!(
        err.downcast_ref::<BackupError>(),
        Some(BackupError::ChunkAuth(n)) if *n as usize == chunk
    ));
    src.store.close().await;
}

#[tokio::test]
async fn a_truncated_backup_is_refused() {
    let (src, out) = small_backup().await;
    let bytes = std::fs::read(&out).unwrap();
    let frame = 4 + 4096 + 16;
    // Mid-file, one byte short, and exactly at a chunk boundary (every remaining chunk
    // authenticates; only the missing last-chunk flag tells).
    for cut in [
        bytes.len() / 2,
        bytes.len() - 1,
        47 + frame,
        47 + 2 * frame,
        20,
    ] {
        let bad = src.keys.path().join(format!("cut-{cut}.backup"));
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        let dir = src.keys.path().join(format!("new-{cut}"));
        let msg = restore_fails(&src, &bad, &dir).await;
        assert!(
            msg.contains("the backup is truncated"),
            "cut at {cut}: {msg}"
        );
        assert!(!dir.exists());
    }
    src.store.close().await;
}

#[tokio::test]
async fn a_wrong_key_a_foreign_file_and_a_used_directory_are_refused() {
    let (src, out) = small_backup().await;

    let other = src.keys.path().join("other.key");
    std::fs::write(&other, keys::generate_hex().as_bytes()).unwrap();
    let empty = src.keys.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let msg = refusal(backup::restore_data_dir(&out, &empty, &KeySource::File(other)).await);
    assert!(msg.contains("the key does not open this backup"), "{msg}");
    assert!(
        untouched(&empty) && empty.exists(),
        "an empty directory stays empty"
    );

    let foreign = src.keys.path().join("foreign.backup");
    std::fs::write(&foreign, b"SQLite format 3\0 and then some").unwrap();
    let msg = restore_fails(&src, &foreign, &empty).await;
    assert!(msg.contains("not a Vigil backup"), "{msg}");
    assert!(untouched(&empty));

    // A directory in use is refused before the archive is even read.
    let used = src.keys.path().join("used");
    std::fs::create_dir(&used).unwrap();
    std::fs::write(used.join("notes.txt"), b"keep me").unwrap();
    let msg = restore_fails(&src, &out, &used).await;
    assert!(msg.contains("is not empty"), "{msg}");
    assert_eq!(std::fs::read(used.join("notes.txt")).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(&used).unwrap().count(), 1);
    let msg = restore_fails(&src, &out, src.data.path()).await;
    assert!(msg.contains("is not empty"), "{msg}");

    // A backup never overwrites a file.
    let msg = refusal(backup::create(&src.store, src.data.path(), &src.master, &out, 4096).await);
    assert!(msg.contains("already exists"), "{msg}");

    // And the good archive still restores into the empty directory.
    backup::restore_data_dir(&out, &empty, &src.source())
        .await
        .unwrap();
    let restored = open(&empty.join(DB_ENTRY), &src.master).await;
    assert_eq!(records(&restored).await, records(&src.store).await);
    restored.close().await;
    src.store.close().await;
}

#[tokio::test]
async fn a_passphrase_backup_carries_its_salt() {
    let data = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let passphrase = "correct horse battery staple";
    let salt: [u8; 16] = rand::random();
    std::fs::write(data.path().join(keys::SALT_FILE), salt).unwrap();
    let master = keys::derive_from_passphrase(passphrase, &salt).unwrap();
    let store = open(&data.path().join(DB_ENTRY), &master).await;
    let admin = add_user(&store, "admin", Role::Admin).await;
    create_person(&admin, CANARY_NAME).await;
    let out = elsewhere.path().join("pass.backup");
    let m = backup::create(
        &store,
        data.path(),
        &master,
        &out,
        backup::DEFAULT_CHUNK_SIZE,
    )
    .await
    .unwrap();
    assert!(m.entries.iter().any(|e| e.name == keys::SALT_FILE));
    assert_eq!(backup::read_header(&out).unwrap().salt, Some(salt.to_vec()));

    // The original directory is gone: the passphrase and the archive are enough.
    let dir = elsewhere.path().join("restored");
    backup::restore(&out, &dir, move |h| {
        keys::derive_from_passphrase(passphrase, h.salt.as_deref().unwrap_or_default())
    })
    .await
    .unwrap();
    let restored_salt = std::fs::read(dir.join(keys::SALT_FILE)).unwrap();
    assert_eq!(restored_salt, salt);
    let again = keys::derive_from_passphrase(passphrase, &restored_salt).unwrap();
    let restored = open(&dir.join(DB_ENTRY), &again).await;
    assert_eq!(records(&restored).await, records(&store).await);
    restored.close().await;

    let wrong = elsewhere.path().join("wrong");
    let msg = refusal(
        backup::restore(&out, &wrong, move |h| {
            keys::derive_from_passphrase(
                "wrong horse battery staple",
                h.salt.as_deref().unwrap_or_default(),
            )
        })
        .await,
    );
    assert!(msg.contains("the key does not open this backup"), "{msg}");
    assert!(!wrong.exists());
    store.close().await;
}

// ---------------------------------------------------------------- PostgreSQL

/// The admin URL of the test server; `None` after saying so loudly when it is not set
/// (a failure with `VIGIL_TEST_REQUIRE_POSTGRES=1`).
fn pg_admin(test: &str) -> Option<String> {
    if let Some(url) = std::env::var(support::POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        return Some(url);
    }
    if std::env::var(support::REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
        panic!(
            "{}=1 but {} is not set",
            support::REQUIRE_POSTGRES_ENV,
            support::POSTGRES_ENV
        );
    }
    support::announce_postgres_skip(test);
    None
}

/// A new, empty database (no schema), named as the suite's test databases are so that
/// a run that dies leaves nothing the next run does not drop; dropped on drop.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn new(admin: &str) -> PgDb {
        let name = format!(
            "vigil_test_{:x}_{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 6]>())
        );
        support::create_database(admin, &name, None).await;
        PgDb {
            admin: admin.to_owned(),
            url: support::with_database(admin, &name),
            name,
        }
    }

    /// The tables of its public schema: none, for a database a restore left alone.
    async fn tables(&self) -> Vec<String> {
        let db = vigil_store::postgres::PostgresBackend::connect(&self.url)
            .await
            .unwrap();
        let rows = vigil_store::Backend::query(
            &db,
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
        vigil_store::Backend::close(&db).await;
        rows.iter().map(|r| r.text(0)).collect()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(support::drop_database(&admin, &name));
            }
        });
        let _ = done.join();
    }
}

/// A PostgreSQL deployment as `vigil serve --database-url … --evidence-dir …` runs it:
/// the key file and the evidence directory outside the database.
struct PgInstance {
    db: PgDb,
    keys: tempfile::TempDir,
    evidence: tempfile::TempDir,
    key_file: PathBuf,
    master: Key,
    store: Store,
    admin: Access,
}

impl PgInstance {
    fn source(&self) -> KeySource {
        KeySource::File(self.key_file.clone())
    }
}

async fn open_pg(url: &str, master: &Key, evidence: &Path) -> Store {
    Store::open(
        StoreConfig::Postgres {
            url: url.to_owned(),
            key: Some(keys::subkey(master, vigil::cli::FIELDS_LABEL)),
        },
        Arc::new(FixedClock::new(support::now())),
    )
    .await
    .expect("open PostgreSQL store")
    .with_evidence(vigil_store::evidence::EvidenceFiles::new(
        evidence.to_owned(),
        keys::subkey(master, vigil_store::evidence::EVIDENCE_LABEL),
        vigil_store::evidence::DEFAULT_MAX_SIZE,
    ))
}

async fn pg_instance(admin_url: &str) -> PgInstance {
    let db = PgDb::new(admin_url).await;
    let keys_dir = tempfile::tempdir().unwrap();
    let evidence = tempfile::tempdir().unwrap();
    let key_file = keys_dir.path().join("master.key");
    std::fs::write(&key_file, keys::generate_hex().as_bytes()).unwrap();
    let master = keys::load(&KeySource::File(key_file.clone()), Path::new(""), false).unwrap();
    let store = open_pg(&db.url, &master, evidence.path()).await;
    let admin = add_user(&store, "admin", Role::Admin).await;
    PgInstance {
        db,
        keys: keys_dir,
        evidence,
        key_file,
        master,
        store,
        admin,
    }
}

const CANARY_EVIDENCE: &str = "CANARY-EVIDENCE-photo-of-the-checkpoint";

/// A PDF evidence file on an incident; its id.
async fn add_evidence(admin: &Access, incident: Id, n: usize) -> Id {
    admin
        .upload_evidence(
            incident,
            vigil_store::evidence::NewEvidence {
                filename: format!("checkpoint-{n}.pdf"),
                bytes: format!("%PDF-1.4\n% {CANARY_EVIDENCE} {n}\n%%EOF\n").into_bytes(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_while_writing_restores_every_record_of_one_moment() {
    let Some(admin_url) =
        pg_admin("backup::postgres_backup_while_writing_restores_every_record_of_one_moment")
    else {
        return;
    };
    let src = pg_instance(&admin_url).await;
    let (person, group) = fill_with(&src.store, &src.admin).await;
    let with_files = src
        .store
        .incidents_full(&IncidentFilter::default(), true, 2)
        .await
        .unwrap();
    let mut evidence_ids = Vec::new();
    for (n, inc) in with_files.iter().enumerate() {
        evidence_ids.push(add_evidence(&src.admin, inc.id, n).await);
    }

    // A writer keeps recording incidents on its own pool, as a server would.
    let writer_store = open_pg(&src.db.url, &src.master, src.evidence.path()).await;
    let writer_user = writer_store.user_by_name("admin").await.unwrap();
    let writer = Access::new(writer_store.clone(), Actor::from(&writer_user));
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicI64::new(0));
    let task = {
        let (stop, written) = (stop.clone(), written.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let mut input = killing_in_cauca(person, group);
                input.title = format!(
                    "Written during the backup {}",
                    written.load(Ordering::Relaxed)
                );
                writer.create_incident(&input).await.unwrap();
                written.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = records(&src.store).await;

    let out = src.keys.path().join("vigil.backup");
    let manifest =
        backup::backup_postgres(&src.db.url, Some(src.evidence.path()), &src.source(), &out)
            .await
            .unwrap();
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    task.await.unwrap();
    writer_store.close().await;
    let after = records(&src.store).await;
    assert!(
        after.incidents.len() > before.incidents.len(),
        "the writer wrote while the backup ran ({during} incidents)"
    );

    // The manifest: the dump first, the schema version, every table with its rows, and
    // every evidence file; the archive holds no canary, no clear dump, nothing staged.
    assert_eq!(manifest.engine, "postgres");
    assert_eq!(manifest.entries[0].name, backup::PG_DUMP_ENTRY);
    let db = manifest.database.clone().unwrap();
    let applied: Vec<String> = src
        .store
        .backend()
        .query("SELECT name FROM schema_migrations ORDER BY name", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0))
        .collect();
    assert_eq!(
        db.migrations, applied,
        "the dump names every applied migration"
    );
    let rows = |t: &str| db.tables.iter().find(|x| x.name == t).unwrap().rows;
    assert!(rows("audit_log") > 0 && rows("users") as usize == after.users.len());
    let source_files = files_in(src.evidence.path());
    assert_eq!(source_files.len(), evidence_ids.len());
    assert_eq!(manifest.evidence_files(), evidence_ids.len());
    let bytes = std::fs::read(&out).unwrap();
    for canary in [
        CANARY_NAME,
        CANARY_NARRATIVE,
        CANARY_ORIGIN,
        CANARY_EVIDENCE,
        "Toribío",
        "VIGILPGD",
        "audit_log",
        "%PDF",
    ] {
        assert!(
            !contains(&bytes, canary),
            "{canary:?} is in the backup in clear"
        );
    }
    assert_eq!(
        std::fs::read_dir(src.keys.path()).unwrap().count(),
        2,
        "the key file and the archive, no staging left behind"
    );
    assert_eq!(backup::verify(&out, &src.master).unwrap(), manifest);

    // Restore into an empty database and a directory that does not exist yet.
    let target = PgDb::new(&admin_url).await;
    let restored_files = src.keys.path().join("restored-evidence");
    let r = backup::restore_postgres_with(&out, &target.url, Some(&restored_files), &src.source())
        .await
        .unwrap();
    assert_eq!(r.manifest, manifest);
    assert_eq!(r.load.rows, db.rows());
    assert_eq!(r.evidence_files, evidence_ids.len());
    assert_eq!(
        files_in(&restored_files),
        source_files,
        "every evidence file"
    );

    let restored = open_pg(&target.url, &src.master, &restored_files).await;
    let got = records(&restored).await;
    let report = restored.verify_audit().await.unwrap();
    assert!(report.intact(), "{report:?}");
    let audit = |store: Store| async move {
        store
            .audit_export(&AuditFilter::default(), 1_000_000)
            .await
            .unwrap()
    };
    let restored_audit = audit(restored.clone()).await;
    let source_audit: Vec<_> = audit(src.store.clone())
        .await
        .into_iter()
        .filter(|e| e.seq <= report.head_seq)
        .collect();
    assert_eq!(restored_audit, source_audit);
    assert_eq!(restored_audit.len() as u64, rows("audit_log"));

    // One moment: all that existed before, a prefix of what the writer added.
    let n = got.incidents.len();
    assert!(
        before.incidents.len() <= n && n <= after.incidents.len(),
        "{} <= {n} <= {}",
        before.incidents.len(),
        after.incidents.len()
    );
    assert_eq!(n as u64, rows("incidents"));
    let prefix: BTreeMap<Id, Incident> = after.incidents.clone().into_iter().take(n).collect();
    assert_eq!(
        got.incidents, prefix,
        "incidents with violations and sources"
    );
    assert_eq!(got.persons, after.persons);
    assert_eq!(got.groups, after.groups);
    assert_eq!(got.users, after.users);
    assert_eq!(got.vocabularies, after.vocabularies);
    let versions: BTreeMap<(String, Id), Vec<Version>> = after
        .versions
        .iter()
        .filter(|((entity, id), _)| entity != "incident" || got.incidents.contains_key(id))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(got.versions, versions);
    assert_eq!(got.versions[&("group".to_owned(), group)].len(), 2);

    // The restored instance serves reads with the key: sealed fields open, the blind
    // index finds a sensitive word, evidence files decrypt.
    let user = restored.user_by_name("admin").await.unwrap();
    let reader = Access::new(restored.clone(), Actor::from(&user));
    assert_eq!(
        reader.person(person).await.unwrap().legal_name.as_deref(),
        Some(CANARY_NAME)
    );
    let found = reader
        .incidents(&IncidentFilter {
            q: "informant".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1, "a sensitive word of the narrative");
    for id in &evidence_ids {
        let (_, content) = reader.download_evidence(*id).await.unwrap();
        assert!(contains(&content, CANARY_EVIDENCE));
    }
    // Triggers are on again and sequences past every id: a new incident gets a new id,
    // the audit log refuses a rewrite.
    let disabled = restored
        .backend()
        .query(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(disabled[0].int(0), 0);
    let new = reader
        .create_incident(&killing_in_cauca(person, group))
        .await
        .unwrap();
    assert!(got.incidents.keys().all(|id| *id < new));
    assert!(restored
        .backend()
        .query("UPDATE audit_log SET username = 'x' WHERE seq = 1", &[])
        .await
        .is_err());
    restored.close().await;
    src.store.close().await;
}

/// A small PostgreSQL instance with one evidence file, backed up with 4 KiB chunks.
async fn small_pg_backup(admin_url: &str) -> (PgInstance, PathBuf) {
    let src = pg_instance(admin_url).await;
    let a = &src.admin;
    let person = create_person(a, CANARY_NAME).await;
    let group = create_group(a, "Guardia Indígena Toribío").await;
    let mut input = killing_in_cauca(person.id, group.id);
    input.narrative = CANARY_NARRATIVE.to_owned();
    let incident = a.create_incident(&input).await.unwrap();
    add_evidence(a, incident, 0).await;
    let out = src.keys.path().join("small.backup");
    backup::create_postgres(
        &src.db.url,
        Some(src.evidence.path()),
        &src.master,
        &out,
        4096,
        support::now(),
    )
    .await
    .unwrap();
    (src, out)
}

#[tokio::test]
async fn postgres_damage_a_wrong_key_a_used_database_and_another_engine_are_refused() {
    let Some(admin_url) = pg_admin(
        "backup::postgres_damage_a_wrong_key_a_used_database_and_another_engine_are_refused",
    ) else {
        return;
    };
    let (src, out) = small_pg_backup(&admin_url).await;
    let target = PgDb::new(&admin_url).await;
    let files = src.keys.path().join("files");
    let restore = |file: PathBuf, source: KeySource| {
        let (url, files) = (target.url.clone(), files.clone());
        async move {
            match backup::restore_postgres_with(&file, &url, Some(&files), &source).await {
                Ok(_) => panic!("expected a refusal"),
                Err(e) => format!("{e:#}"),
            }
        }
    };
    let bytes = std::fs::read(&out).unwrap();
    let frame = 4 + 4096 + 16;
    assert!(bytes.len() > 3 * frame, "several chunks");

    // A flipped byte mid-file names its chunk.
    let mut at = bytes.len() / 2;
    if (at - 47) % frame < 4 {
        at += 8;
    }
    let chunk = (at - 47) / frame + 1;
    let mut flipped = bytes.clone();
    flipped[at] ^= 0x01;
    let bad = src.keys.path().join("flipped.backup");
    std::fs::write(&bad, &flipped).unwrap();
    let msg = restore(bad, src.source()).await;
    assert!(
        msg.contains(&format!(
            "chunk {chunk} fails authentication: corrupted or wrong key"
        )),
        "{msg}"
    );
    assert!(target.tables().await.is_empty() && !files.exists());

    // Truncated: mid-file, and exactly at a chunk boundary.
    for cut in [bytes.len() / 2, 47 + 2 * frame] {
        let bad = src.keys.path().join(format!("cut-{cut}.backup"));
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        let msg = restore(bad, src.source()).await;
        assert!(msg.contains("the backup is truncated"), "cut {cut}: {msg}");
        assert!(target.tables().await.is_empty() && !files.exists());
    }

    // A wrong key.
    let other = src.keys.path().join("other.key");
    std::fs::write(&other, keys::generate_hex().as_bytes()).unwrap();
    let msg = restore(out.clone(), KeySource::File(other)).await;
    assert!(msg.contains("the key does not open this backup"), "{msg}");
    assert!(target.tables().await.is_empty() && !files.exists());

    // The source database itself is not empty: refused, and left as it was.
    let before = records(&src.store).await;
    let msg =
        match backup::restore_postgres_with(&out, &src.db.url, Some(&files), &src.source()).await {
            Ok(_) => panic!("expected a refusal"),
            Err(e) => format!("{e:#}"),
        };
    assert!(
        msg.contains("already holds Vigil tables")
            && msg.contains("restore only into an empty database"),
        "{msg}"
    );
    assert_eq!(records(&src.store).await, before);
    assert!(!files.exists());

    // Across engines, both ways.
    let sqlite = small_backup().await;
    let msg = restore(sqlite.1.clone(), sqlite.0.source()).await;
    assert!(
        msg.contains("embedded (SQLite) instance")
            && msg.contains("does not restore across engines"),
        "{msg}"
    );
    assert!(target.tables().await.is_empty() && !files.exists());
    let dir = src.keys.path().join("as-sqlite");
    let msg = refusal(backup::restore_data_dir(&out, &dir, &src.source()).await);
    assert!(
        msg.contains("PostgreSQL deployment") && msg.contains("does not restore across engines"),
        "{msg}"
    );
    assert!(!dir.exists());
    sqlite.0.store.close().await;

    // A used evidence directory.
    let used = src.keys.path().join("used");
    std::fs::create_dir(&used).unwrap();
    std::fs::write(used.join("notes.txt"), b"keep me").unwrap();
    let msg =
        match backup::restore_postgres_with(&out, &target.url, Some(&used), &src.source()).await {
            Ok(_) => panic!("expected a refusal"),
            Err(e) => format!("{e:#}"),
        };
    assert!(msg.contains("is not empty"), "{msg}");
    assert!(target.tables().await.is_empty());

    // No evidence directory for an archive with evidence files.
    let msg = match backup::restore_postgres_with(&out, &target.url, None, &src.source()).await {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => format!("{e:#}"),
    };
    assert!(msg.contains("--evidence-dir"), "{msg}");
    assert!(target.tables().await.is_empty());

    // A failure in the middle of the load (a function in the way of a migration, so
    // the transaction fails after the evidence files began to be written) rolls it
    // all back: no table, no evidence directory.
    let db = vigil_store::postgres::PostgresBackend::connect(&target.url)
        .await
        .unwrap();
    let in_the_way = "CREATE FUNCTION incident_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$";
    vigil_store::Backend::query(&db, in_the_way, &[])
        .await
        .unwrap();
    let msg = restore(out.clone(), src.source()).await;
    assert!(
        msg.contains("the database was left empty") && msg.contains("0018_incident_tally"),
        "{msg}"
    );
    assert!(target.tables().await.is_empty() && !files.exists());
    vigil_store::Backend::query(&db, "DROP FUNCTION incident_tally_change()", &[])
        .await
        .unwrap();
    vigil_store::Backend::close(&db).await;

    // And the good archive restores.
    backup::restore_postgres_with(&out, &target.url, Some(&files), &src.source())
        .await
        .unwrap();
    let restored = open_pg(&target.url, &src.master, &files).await;
    assert_eq!(records(&restored).await, records(&src.store).await);
    assert_eq!(files_in(&files), files_in(src.evidence.path()));
    restored.close().await;
    src.store.close().await;
}

#[tokio::test]
async fn a_postgres_backup_without_its_evidence_directory_or_under_another_key_is_refused() {
    let Some(admin_url) = pg_admin(
        "backup::a_postgres_backup_without_its_evidence_directory_or_under_another_key_is_refused",
    ) else {
        return;
    };
    let (src, _) = small_pg_backup(&admin_url).await;
    let out = src.keys.path().join("again.backup");
    let msg = refusal(backup::backup_postgres(&src.db.url, None, &src.source(), &out).await);
    assert!(msg.contains("--evidence-dir"), "{msg}");
    let other = src.keys.path().join("other.key");
    std::fs::write(&other, keys::generate_hex().as_bytes()).unwrap();
    let msg = refusal(
        backup::backup_postgres(
            &src.db.url,
            Some(src.evidence.path()),
            &KeySource::File(other),
            &out,
        )
        .await,
    );
    assert!(msg.contains("encrypted under another key"), "{msg}");
    assert!(!out.exists());
    let names: Vec<_> = std::fs::read_dir(src.keys.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".vigil-backup")),
        "{names:?}"
    );
    src.store.close().await;
}

// ---------------------------------------------------------------- the binary

fn vigil(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.args(args)
        .env_remove(keys::ENV_KEY)
        .env_remove(keys::ENV_PASSPHRASE)
        .env_remove("VIGIL_DATA")
        .env_remove("VIGIL_KEY_FILE")
        .env_remove("VIGIL_DATABASE_URL")
        .env("VIGIL_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::null()).output().unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_commands_back_up_verify_and_restore_a_passphrase_instance() {
    let root = tempfile::tempdir().unwrap();
    let p = |s: &str| root.path().join(s).to_str().unwrap().to_owned();
    let (data, file, restored) = (p("data"), p("vigil.backup"), p("restored"));
    let env = [
        (keys::ENV_PASSPHRASE, "correct horse battery staple"),
        ("VIGIL_NEW_PASSWORD", "a long admin password"),
    ];
    let init = vigil(&["init", "--data", &data], &env);
    assert!(init.status.success(), "{}", text(&init));

    let b = vigil(&["backup", "--data", &data, "--out", &file], &env);
    assert!(b.status.success(), "{}", text(&b));
    assert!(text(&b).contains("verified"), "{}", text(&b));
    let v = vigil(&["backup", "verify", "--in", &file], &env);
    assert!(v.status.success(), "{}", text(&v));
    assert!(text(&v).contains(DB_ENTRY) && text(&v).contains(keys::SALT_FILE));

    let wrong = [(keys::ENV_PASSPHRASE, "wrong horse battery staple")];
    let r = vigil(&["restore", "--in", &file, "--data", &restored], &wrong);
    assert!(!r.status.success());
    assert!(
        text(&r).contains("the key does not open this backup"),
        "{}",
        text(&r)
    );
    assert!(!Path::new(&restored).exists());

    let r = vigil(&["restore", "--in", &file, "--data", &restored], &env);
    assert!(r.status.success(), "{}", text(&r));
    let list = vigil(&["user", "list", "--data", &restored], &env);
    assert!(
        list.status.success() && text(&list).contains("admin"),
        "{}",
        text(&list)
    );

    let again = vigil(&["restore", "--in", &file, "--data", &restored], &env);
    assert!(!again.status.success() && text(&again).contains("is not empty"));
}

#[tokio::test]
async fn the_commands_back_up_verify_and_restore_a_postgres_instance() {
    let Some(admin_url) =
        pg_admin("backup::the_commands_back_up_verify_and_restore_a_postgres_instance")
    else {
        return;
    };
    let (source, target) = (PgDb::new(&admin_url).await, PgDb::new(&admin_url).await);
    let root = tempfile::tempdir().unwrap();
    let p = |s: &str| root.path().join(s).to_str().unwrap().to_owned();
    let (key, file, evidence) = (p("master.key"), p("vigil.backup"), p("evidence"));
    std::fs::write(&key, keys::generate_hex().as_bytes()).unwrap();
    let env = [("VIGIL_NEW_PASSWORD", "a long admin password")];
    let init = vigil(
        &["init", "--database-url", &source.url, "--key-file", &key],
        &env,
    );
    assert!(init.status.success(), "{}", text(&init));

    let b = vigil(
        &[
            "backup",
            "--database-url",
            &source.url,
            "--key-file",
            &key,
            "--out",
            &file,
        ],
        &env,
    );
    assert!(b.status.success(), "{}", text(&b));
    assert!(text(&b).contains("verified"), "{}", text(&b));
    let v = vigil(
        &["backup", "verify", "--in", &file, "--key-file", &key],
        &env,
    );
    assert!(v.status.success(), "{}", text(&v));
    assert!(
        text(&v).contains(backup::PG_DUMP_ENTRY) && text(&v).contains("PostgreSQL dump"),
        "{}",
        text(&v)
    );

    // Into a data directory: another engine, refused.
    let r = vigil(
        &[
            "restore",
            "--in",
            &file,
            "--data",
            &p("data"),
            "--key-file",
            &key,
        ],
        &env,
    );
    assert!(!r.status.success());
    assert!(
        text(&r).contains("does not restore across engines"),
        "{}",
        text(&r)
    );

    let restore = [
        "restore",
        "--in",
        &file,
        "--database-url",
        &target.url,
        "--evidence-dir",
        &evidence,
        "--key-file",
        &key,
    ];
    let r = vigil(&restore, &env);
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("audit chain intact"), "{}", text(&r));
    let list = vigil(
        &[
            "user",
            "list",
            "--database-url",
            &target.url,
            "--key-file",
            &key,
        ],
        &env,
    );
    assert!(
        list.status.success() && text(&list).contains("admin"),
        "{}",
        text(&list)
    );
    let audit = vigil(
        &[
            "audit",
            "verify",
            "--database-url",
            &target.url,
            "--key-file",
            &key,
        ],
        &env,
    );
    assert!(audit.status.success(), "{}", text(&audit));

    let again = vigil(&restore, &env);
    assert!(
        !again.status.success() && text(&again).contains("already holds Vigil tables"),
        "{}",
        text(&again)
    );
}
