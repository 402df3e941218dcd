//! Backends and fixtures for the suite. A [`TestDb`] is a fresh, empty Vigil database
//! on SQLite (always) or PostgreSQL (when `VIGIL_TEST_POSTGRES_URL` is set), with a
//! clock the test controls; [`backend_tests!`] runs one scenario on both. A skipped
//! PostgreSQL run always says so on stderr: it must never pass silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code)] // Shared with the web and import tests; not every helper is used everywhere.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use chrono::{DateTime, TimeZone as _, Utc};
use zeroize::Zeroizing;

use vigil_domain::model::*;
use vigil_domain::validate::{Rules, ValidPerson};
use vigil_domain::{FixedClock, Role};
use vigil_store::auth::User;
use vigil_store::postgres::PostgresBackend;
use vigil_store::{Access, Actor, Backend as _, NewUser, Store, StoreConfig};

/// The admin URL of a PostgreSQL server where tests may create and drop databases.
pub const POSTGRES_ENV: &str = "VIGIL_TEST_POSTGRES_URL";
/// Set to `1` (as CI should) to make a missing PostgreSQL URL a failure, not a skip.
pub const REQUIRE_POSTGRES_ENV: &str = "VIGIL_TEST_REQUIRE_POSTGRES";
/// Test databases are named `vigil_test_<pid>_<random>` so stale ones can be found.
const PG_PREFIX: &str = "vigil_test_";

/// The field key of every PostgreSQL test database (they are copied from one
/// template, whose key check was written under it).
pub fn field_key() -> Zeroizing<[u8; 32]> {
    Zeroizing::new([0x5a; 32])
}

/// The password every fixture user gets (meets the 12-character policy).
pub const PASSWORD: &str = "correct horse battery";

/// "Now" in every test: 2026-11-28T12:00:00Z.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("valid date")
}

/// How to open the same database again.
enum Location {
    Sqlite {
        path: PathBuf,
        key: [u8; 32],
    },
    Postgres {
        admin_url: String,
        url: String,
        name: String,
    },
}

/// A fresh database for one test. Dropping it deletes the data (the temporary
/// directory, or the PostgreSQL database).
pub struct TestDb {
    pub store: Store,
    pub clock: FixedClock,
    pub backend_name: &'static str,
    location: Location,
    users: AtomicUsize,
    /// Keeps the SQLite file alive; removed on drop.
    _dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("backend", &self.backend_name)
            .finish()
    }
}

/// A fresh SQLCipher database in a temporary directory, with a random key.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("vigil.db");
    let key: [u8; 32] = rand::random();
    let clock = FixedClock::new(now());
    let store = Store::open(
        StoreConfig::Sqlite {
            path: path.clone(),
            key: Zeroizing::new(key),
        },
        Arc::new(clock.clone()),
    )
    .await
    .expect("open SQLite store");
    TestDb {
        store,
        clock,
        backend_name: "sqlite",
        location: Location::Sqlite { path, key },
        users: AtomicUsize::new(0),
        _dir: Some(dir),
    }
}

/// Say, where the test runner cannot swallow it, that PostgreSQL was not tested.
pub fn announce_postgres_skip(test: &str) {
    let mut err = std::io::stderr().lock();
    // Written to the stream directly, not through `eprintln!`, which the test
    // harness captures and hides for passing tests.
    let _ = writeln!(
        err,
        "*** SKIPPED: PostgreSQL conformance `{test}` — set {POSTGRES_ENV} to run it ***"
    );
}

/// A fresh PostgreSQL database `vigil_test_<pid>_<random hex>` created through the
/// admin URL in `VIGIL_TEST_POSTGRES_URL`; `None` (after saying so loudly) when the
/// variable is unset. With `VIGIL_TEST_REQUIRE_POSTGRES=1` a missing URL fails.
pub async fn postgres() -> Option<TestDb> {
    let Some(admin_url) = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        if std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set");
        }
        return None;
    };
    remove_stale_databases(&admin_url).await;
    let template = template(&admin_url).await;
    let name = format!(
        "{PG_PREFIX}{:x}_{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 6]>())
    );
    create_database(&admin_url, &name, Some(template)).await;
    let url = with_database(&admin_url, &name);
    let clock = FixedClock::new(now());
    let store = Store::open(
        StoreConfig::Postgres {
            url: url.clone(),
            key: Some(field_key()),
        },
        Arc::new(clock.clone()),
    )
    .await
    .expect("open PostgreSQL store");
    Some(TestDb {
        store,
        clock,
        backend_name: "postgres",
        location: Location::Postgres {
            admin_url,
            url,
            name,
        },
        users: AtomicUsize::new(0),
        _dir: None,
    })
}

/// The migrated database that every test database of this process is copied from, so
/// the schema is built once per run rather than once per test. Left behind when the
/// process ends; the next run's [`remove_stale_databases`] drops it.
async fn template(admin_url: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("{PG_PREFIX}{:x}_template", std::process::id());
            // Left over if an earlier test of this process failed to build it.
            drop_database(admin_url, &name).await;
            create_database(admin_url, &name, None).await;
            let config = StoreConfig::Postgres {
                url: with_database(admin_url, &name),
                key: Some(field_key()),
            };
            let store = Store::open(config, Arc::new(FixedClock::new(now())))
                .await
                .expect("open the PostgreSQL template store");
            // A template must have no connections when it is copied.
            store.close().await;
            name
        })
        .await
}

pub async fn create_database(admin_url: &str, name: &str, template: Option<&str>) {
    let admin = PostgresBackend::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL admin URL");
    let from = template
        .map(|t| format!(" TEMPLATE \"{t}\""))
        .unwrap_or_default();
    admin
        .query(&format!("CREATE DATABASE \"{name}\"{from}"), &[])
        .await
        .expect("create a test database");
    admin.close().await;
}

/// The same server URL with another database name (query string kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let start = base.find("://").map_or(0, |i| i + 3);
    let end = base[start..].find('/').map_or(base.len(), |i| start + i);
    format!("{}/{db}{query}", &base[..end])
}

pub async fn drop_database(admin_url: &str, name: &str) {
    match PostgresBackend::connect(admin_url).await {
        Ok(admin) => {
            if let Err(e) = admin
                .query(
                    &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    &[],
                )
                .await
            {
                let _ = writeln!(
                    std::io::stderr(),
                    "warning: could not drop test database {name}: {e}"
                );
            }
            admin.close().await;
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "warning: could not drop test database {name}: {e}"
            );
        }
    }
}

/// Once per process, drop test databases left by runs that died before their `Drop`
/// (their process no longer exists). Databases of live processes are left alone.
async fn remove_stale_databases(admin_url: &str) {
    static ONCE: Once = Once::new();
    let mut first = false;
    ONCE.call_once(|| first = true);
    if !first || !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(admin) = PostgresBackend::connect(admin_url).await else {
        return;
    };
    let rows = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'vigil\\_test\\_%'",
            &[],
        )
        .await
        .unwrap_or_default();
    admin.close().await;
    for r in rows {
        let name = r.text(0);
        let pid = name
            .strip_prefix(PG_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| u32::from_str_radix(p, 16).ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                drop_database(admin_url, &name).await;
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Location::Postgres {
            admin_url, name, ..
        } = &self.location
        {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, where we may not block on async
            // work: do it on a thread with a runtime of its own. `WITH (FORCE)` ends
            // the connections this store's pool still holds.
            let done = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_database(&admin_url, &name));
                }
            });
            let _ = done.join();
        }
    }
}

impl TestDb {
    /// Open a second [`Store`] on the same database (as a restart or a second
    /// application instance would).
    pub async fn reopen(&self) -> Store {
        let config = match &self.location {
            Location::Sqlite { path, key } => StoreConfig::Sqlite {
                path: path.clone(),
                key: Zeroizing::new(*key),
            },
            Location::Postgres { url, .. } => StoreConfig::Postgres {
                url: url.clone(),
                key: Some(field_key()),
            },
        };
        Store::open(config, Arc::new(self.clock.clone()))
            .await
            .expect("reopen store")
    }

    /// The URL of this PostgreSQL test database (`None` on SQLite), for tools
    /// such as `pg_dump`.
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.location {
            Location::Postgres { url, .. } => Some(url),
            Location::Sqlite { .. } => None,
        }
    }

    /// A new user with this role (username `<role>-<n>`, password [`PASSWORD`]).
    pub async fn user(&self, role: Role) -> User {
        let n = self.users.fetch_add(1, Ordering::Relaxed) + 1;
        self.store
            .create_user(
                NewUser {
                    username: format!("{}-{n}", role.code().replace('_', "-")),
                    password: Zeroizing::new(PASSWORD.to_owned()),
                    role,
                    display_name: format!("Test {role} {n}"),
                    language: String::new(),
                },
                None,
            )
            .await
            .expect("create fixture user")
    }

    /// A new user with this role, as an [`Actor`].
    pub async fn actor(&self, role: Role) -> Actor {
        Actor::from(&self.user(role).await)
    }

    /// A new user with this role, and the store as that user sees it.
    pub async fn access(&self, role: Role) -> Access {
        Access::new(self.store.clone(), self.actor(role).await)
    }

    /// The store as an existing actor sees it.
    pub fn access_for(&self, actor: &Actor) -> Access {
        Access::new(self.store.clone(), actor.clone())
    }

    /// A new user with this role and a live session; returns the user and the cookie value.
    pub async fn session(&self, role: Role) -> (User, String) {
        let user = self.user(role).await;
        let token = self
            .store
            .create_session(user.id)
            .await
            .expect("create session");
        (user, token)
    }

    /// (incidents, persons, groups) in the database.
    pub async fn counts(&self) -> (i64, i64, i64) {
        self.store.counts().await.expect("counts")
    }
}

/// Run a scenario once per backend: for each name, a module `name` with the tests
/// `name::sqlite` and `name::postgres` calling `async fn name(db: TestDb)`. The
/// PostgreSQL test announces its skip when no server is configured.
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::support::sqlite().await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    match $crate::support::postgres().await {
                        Some(db) => super::$name(db).await,
                        None => $crate::support::announce_postgres_skip(module_path!()),
                    }
                }
            }
        )+
    };
}
pub(crate) use backend_tests;

// ---------------------------------------------------------------- fixtures

/// A defender with every field filled: sensitive ones (legal name, contacts, address)
/// and the classifications that must round-trip.
pub fn defender(legal_name: &str) -> PersonInput {
    PersonInput {
        kind: PersonKind::Defender,
        legal_name: legal_name.to_owned(),
        contacts: "+57 300 000 0000".to_owned(),
        address: "Vereda La Esperanza, Toribío".to_owned(),
        sex: "male".to_owned(),
        birth_year: Some(1981),
        characteristics: vec!["indigenous".to_owned(), "community_leader".to_owned()],
        sectors: vec!["land_territory".to_owned(), "environment".to_owned()],
        sdg_group: "human_rights_defender".to_owned(),
        memberships: Vec::new(),
        consent_record: true,
        consent_share: false,
        consent_publish: PublishConsent::No,
        external_id: String::new(),
    }
}

pub async fn create_person(a: &Access, legal_name: &str) -> Person {
    a.create_person(&defender(legal_name))
        .await
        .expect("create person")
}

pub fn organisation(name: &str) -> GroupInput {
    GroupInput {
        name: name.to_owned(),
        group_type: "organisation".to_owned(),
        country: "Colombia".to_owned(),
        description: "Indigenous guard of northern Cauca".to_owned(),
    }
}

pub async fn create_group(a: &Access, name: &str) -> Group {
    a.create_group(&organisation(name))
        .await
        .expect("create group")
}

/// A killing in Cauca, Colombia: the person killed by hired killers, the group
/// threatened by paramilitaries; two independent sources.
pub fn killing_in_cauca(person: Id, group: Id) -> IncidentInput {
    IncidentInput {
        title: "Indigenous guard killed near Toribío".to_owned(),
        narrative: "Shot by two men on a motorbike after a community assembly.".to_owned(),
        start_date: "2024-03-15".to_owned(),
        end_date: String::new(),
        country: "Colombia".to_owned(),
        region: "cauca".to_owned(),
        locality: "Toribío".to_owned(),
        latitude: Some(2.955),
        longitude: Some(-76.27),
        business_sector: "agribusiness".to_owned(),
        status: Some(IncidentStatus::UnderVerification),
        verification_override: String::new(),
        external_id: String::new(),
        violations: vec![
            ViolationInput {
                violation_type: "killing".to_owned(),
                victim: Some(VictimRef::Person(person)),
                date: String::new(),
                outcome: "Died at the scene".to_owned(),
                reprisal_un: false,
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "hired_killers".to_owned(),
                    person_id: None,
                    group_id: None,
                }],
            },
            ViolationInput {
                violation_type: "death_threat".to_owned(),
                victim: Some(VictimRef::Group(group)),
                date: "2024-03".to_owned(),
                outcome: String::new(),
                reprisal_un: true,
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "paramilitary".to_owned(),
                    person_id: None,
                    group_id: None,
                }],
            },
        ],
        sources: vec![
            SourceInput {
                source_type: "relative".to_owned(),
                reliability: "high".to_owned(),
                origin: "Brother of the victim".to_owned(),
                description: "Interview in Santander de Quilichao".to_owned(),
            },
            SourceInput {
                source_type: "media".to_owned(),
                reliability: "medium".to_owned(),
                origin: "Radio Comunitaria Nasa".to_owned(),
                description: String::new(),
            },
        ],
    }
}

/// A minimal valid incident: one violation against `person`, no sources.
pub fn simple_incident(title: &str, start_date: &str, person: Id) -> IncidentInput {
    IncidentInput {
        title: title.to_owned(),
        start_date: start_date.to_owned(),
        country: "CO".to_owned(),
        violations: vec![ViolationInput {
            violation_type: "threat".to_owned(),
            victim: Some(VictimRef::Person(person)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// What [`seed`] created.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub person: Person,
    pub group: Group,
    pub incident: Id,
}

/// One person, one group and the killing in Cauca, created by `a`.
pub async fn seed(a: &Access) -> Seeded {
    let person = create_person(a, "José Ramírez Tombé").await;
    let group = create_group(a, "Guardia Indígena Toribío").await;
    let incident = a
        .create_incident(&killing_in_cauca(person.id, group.id))
        .await
        .expect("create the killing in Cauca");
    Seeded {
        person,
        group,
        incident,
    }
}

/// Validate a person as `a` would (for import batches, which take validated persons).
pub async fn valid_person(a: &Access, p: &PersonInput) -> ValidPerson {
    let (vocab, today) = a.rules_context().await.expect("rules context");
    let rules = Rules {
        vocab: &vocab,
        today,
        may_override_verification: false,
    };
    p.validate(&rules).expect("valid person")
}

/// Read a file that may vanish: SQLite deletes its `-wal` and `-shm` files when its
/// last connection closes, which can happen on the driver's own thread just after
/// `Store::close` returns. A vanished file holds nothing to scan.
pub fn read_if_present(path: &std::path::Path) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

/// One page of the application and what it takes to see it.
#[derive(Debug, Clone)]
pub struct PageRule {
    pub path: String,
    pub needs_write: bool,
    pub needs_export: bool,
    pub needs_admin: bool,
}

impl PageRule {
    /// Does this role get the page (200) rather than a refusal (403)?
    pub fn allowed(&self, role: Role) -> bool {
        use vigil_domain::Permission;
        (!self.needs_write || role.can(Permission::Write))
            && (!self.needs_export || role.can(Permission::Export))
            && (!self.needs_admin || role == Role::Admin)
    }
}

/// Every page a signed-in user can ask for, on the records [`seed`] made: the list
/// both the in-process page checks (`web`) and the real-browser crawl (`browser`) walk.
pub fn every_page(s: &Seeded) -> Vec<PageRule> {
    let (i, p, g) = (s.incident, s.person.id, s.group.id);
    // (path, needs write, needs export, needs admin)
    let pages: Vec<(String, bool, bool, bool)> = vec![
        ("/".into(), false, false, false),
        ("/incidents".into(), false, false, false),
        (
            "/incidents?q=cauca&country=CO&year=2024&status=verified".into(),
            false,
            false,
            false,
        ),
        (format!("/incidents/{i}"), false, false, false),
        (format!("/incidents/{i}/history"), false, false, false),
        (format!("/incidents/{i}/edit"), true, false, false),
        ("/incidents/new".into(), true, false, false),
        ("/incidents.csv".into(), false, true, false),
        ("/persons".into(), false, false, false),
        (format!("/persons/{p}"), false, false, false),
        (format!("/persons/{p}/history"), false, false, false),
        (format!("/persons/{p}/edit"), true, false, false),
        ("/persons/new".into(), true, false, false),
        ("/groups".into(), false, false, false),
        (format!("/groups/{g}"), false, false, false),
        (format!("/groups/{g}/history"), false, false, false),
        (format!("/groups/{g}/edit"), true, false, false),
        ("/groups/new".into(), true, false, false),
        ("/vocabularies".into(), false, false, false),
        ("/statistics".into(), false, false, false),
        ("/resolutions".into(), false, false, false),
        ("/scorecards?state=CO".into(), false, false, false),
        ("/statistics?by=country".into(), false, false, false),
        (
            "/statistics?measure=victims&by=year&by2=sex&country=CO".into(),
            false,
            false,
            false,
        ),
        (
            "/statistics?by=violation_type&by2=state_actor".into(),
            false,
            false,
            false,
        ),
        (
            "/statistics/sdg-16-10-1?from=2024-01".into(),
            false,
            false,
            false,
        ),
        ("/admin/users".into(), false, false, true),
        ("/admin/audit".into(), false, false, true),
        ("/admin/audit.csv".into(), false, false, true),
        ("/admin/compartments".into(), false, false, true),
        ("/admin/lockdown".into(), false, false, true),
        ("/account".into(), false, false, false),
        ("/account/2fa".into(), false, false, false),
        // The public portal: every role (and nobody) reads it.
        ("/public".into(), false, false, false),
        ("/public/memorial".into(), false, false, false),
        ("/public/alerts".into(), false, false, false),
        ("/public/releases".into(), false, false, false),
        ("/public?lang=es".into(), false, false, false),
        ("/admin/alerts".into(), false, false, true),
        ("/admin/emails".into(), false, false, true),
    ];
    pages
        .into_iter()
        .map(|(path, needs_write, needs_export, needs_admin)| PageRule {
            path,
            needs_write,
            needs_export,
            needs_admin,
        })
        .collect()
}
