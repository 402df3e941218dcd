//! Crash safety (issue 4, point 6): the real `vigil` binary is killed with SIGKILL in
//! the middle of a bulk import and during a stream of concurrent writes over HTTP,
//! then the database is reopened through Vigil's own opening and checked: SQLite's
//! `PRAGMA integrity_check`, `vigil audit verify`, every write a client saw
//! acknowledged is there, and the interrupted import left nothing half-written.
//!
//! Also the process helpers the other whole-binary tests (`scaleout`, `api_schema`)
//! share: start `vigil serve` on a free port, a small HTTP client, log in, make an API
//! token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use vigil_domain::SystemClock;
use vigil_store::{Store, StoreConfig};

use super::support::PASSWORD;

// ---------------------------------------------------------------- process helpers

/// A `vigil` command with no ambient configuration from the environment.
pub(crate) fn vigil() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    for var in [
        "VIGIL_MASTER_KEY",
        "VIGIL_PASSPHRASE",
        "VIGIL_DATA",
        "VIGIL_DATABASE_URL",
        "VIGIL_KEY_FILE",
        "VIGIL_LISTEN",
        "VIGIL_TRUSTED_PROXY",
        "VIGIL_LOG",
    ] {
        c.env_remove(var);
    }
    c.stdin(Stdio::null());
    c
}

/// Run a command to its end; its output, or a panic with its stderr if it failed.
pub(crate) fn run_ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}{}",
        c,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A master key file (64 hex digits) in `dir`; the key's bytes.
pub(crate) fn key_file(dir: &Path, byte: u8) -> (PathBuf, [u8; 32]) {
    let path = dir.join("master.key");
    std::fs::write(&path, format!("{}\n", hex::encode([byte; 32]))).unwrap();
    (path, [byte; 32])
}

/// An embedded instance set up with `vigil init` (administrator `admin`, password
/// [`PASSWORD`]) in a temporary directory.
pub(crate) struct DataDir {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub key: PathBuf,
    master: [u8; 32],
}

impl DataDir {
    pub(crate) fn init() -> DataDir {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (key, master) = key_file(dir.path(), 0x6b);
        run_ok(
            vigil()
                .arg("init")
                .arg("--data")
                .arg(&data)
                .arg("--key-file")
                .arg(&key)
                .env("VIGIL_NEW_PASSWORD", PASSWORD),
        );
        DataDir {
            dir,
            data,
            key,
            master,
        }
    }

    /// `--data DIR --key-file FILE`.
    pub(crate) fn args(&self) -> Vec<String> {
        vec![
            "--data".into(),
            self.data.display().to_string(),
            "--key-file".into(),
            self.key.display().to_string(),
        ]
    }

    /// Open the database as Vigil opens it (SQLCipher key derived from the master key).
    pub(crate) async fn open(&self) -> Store {
        let master = Zeroizing::new(self.master);
        let key = vigil::keys::subkey(&master, vigil::keys::SQLCIPHER_LABEL);
        Store::open(
            StoreConfig::Sqlite {
                path: self.data.join("vigil.db"),
                key,
            },
            Arc::new(SystemClock),
        )
        .await
        .expect("the database opens after the crash")
    }
}

/// A running `vigil serve`; killed (SIGKILL) when dropped.
pub(crate) struct Server {
    child: Child,
    pub addr: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Start `vigil serve ARGS --listen 127.0.0.1:0 --require-2fa none` and wait until
    /// it says where it listens.
    pub(crate) fn start(args: &[String]) -> Server {
        let mut child = vigil()
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--require-2fa", "none"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = tx.send(line.unwrap_or_default());
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let err_log = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                err_log
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let addr = loop {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start: {}", log.lock().unwrap());
            };
            if let Some(rest) = line.split("Vigil is listening on http://").nth(1) {
                break rest.split('/').next().unwrap().to_owned();
            }
        };
        Server { child, addr, log }
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct Res {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Res {
    /// The value of the cookie `name` set by this response.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            if !k.trim().eq_ignore_ascii_case("set-cookie") {
                return None;
            }
            let v = v.trim().strip_prefix(name)?.strip_prefix('=')?;
            Some(v.split(';').next().unwrap_or_default().to_owned())
        })
    }

    /// The value of the first hidden `csrf` field of the page.
    pub(crate) fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        let rest = &self.body[at..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection; `Err` when the connection fails (a
/// killed server), so writers can tell "not acknowledged" from a response.
pub(crate) fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Res> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, rest)) = raw.split_once("\r\n\r\n") else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "incomplete response",
        ));
    };
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status code"))?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        let (mut body, mut rest) = (String::new(), rest);
        loop {
            let Some((size, after)) = rest.split_once("\r\n") else {
                return Err(std::io::Error::other("bad chunk"));
            };
            let size = usize::from_str_radix(size.trim(), 16).map_err(std::io::Error::other)?;
            if size == 0 {
                break;
            }
            let (Some(chunk), Some(next)) = (after.get(..size), after.get(size + 2..)) else {
                return Err(std::io::Error::other("truncated chunk"));
            };
            body.push_str(chunk);
            rest = next;
        }
        body
    } else {
        rest.to_owned()
    };
    Ok(Res {
        status,
        head: head.to_owned(),
        body,
    })
}

pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Res {
    try_http(addr, method, path, headers, body).unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

const URL_FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Log in through the form; the `Cookie` header value of the new session.
pub(crate) fn login(addr: &str, username: &str) -> String {
    let page = http(addr, "GET", "/login", &[], "");
    assert_eq!(page.status, 200, "{}", page.head);
    let pre = page.cookie("vigil_pre").expect("a pre-session cookie");
    let res = http(
        addr,
        "POST",
        "/login",
        &[("Cookie", &format!("vigil_pre={pre}")), URL_FORM],
        &form(&[
            ("csrf", &pre),
            ("username", username),
            ("password", PASSWORD),
            ("next", "/"),
        ]),
    );
    assert!(res.status == 303 || res.status == 302, "{}", res.head);
    let session = res.cookie("vigil_session").expect("a session cookie");
    format!("vigil_session={session}")
}

/// A new API token of the signed-in user, made on the account page.
pub(crate) fn api_token(addr: &str, cookie: &str) -> String {
    let account = http(addr, "GET", "/account", &[("Cookie", cookie)], "");
    assert_eq!(account.status, 200, "{}", account.head);
    let res = http(
        addr,
        "POST",
        "/account/tokens",
        &[("Cookie", cookie), URL_FORM],
        &form(&[("csrf", &account.csrf()), ("name", "test harness")]),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let at = res.body.find("id=\"secret\"").expect("the new secret");
    let rest = &res.body[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    rest[..rest.find("</textarea>").unwrap()].trim().to_owned()
}

/// A minimal valid incident for `POST /api/v1/incidents`, against person `victim`.
pub(crate) fn incident_json(title: &str, victim: i64) -> String {
    serde_json::json!({
        "title": title,
        "start_date": "2024-03-15",
        "country": "CO",
        "violations": [{
            "violation_type": "death_threat",
            "victim": { "kind": "person", "id": victim }
        }],
        "sources": [{ "source_type": "relative", "reliability": "high", "origin": "a relative" }]
    })
    .to_string()
}

fn bearer_json(token: &str) -> [(&'static str, String); 2] {
    [
        ("Authorization", format!("Bearer {token}")),
        ("Content-Type", "application/json".to_owned()),
    ]
}

/// Create a defender through the API; their id.
pub(crate) fn create_person(addr: &str, token: &str) -> i64 {
    let h = bearer_json(token);
    let res = http(
        addr,
        "POST",
        "/api/v1/persons",
        &[(h[0].0, &h[0].1), (h[1].0, &h[1].1)],
        &serde_json::json!({ "kind": "defender", "legal_name": "Berta Test", "consent_publish": "no" })
            .to_string(),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["id"].as_i64().expect("a person id")
}

/// Create an incident through the API with this bearer token.
pub(crate) fn create_incident(
    addr: &str,
    token: &str,
    title: &str,
    victim: i64,
) -> std::io::Result<Res> {
    let h = bearer_json(token);
    try_http(
        addr,
        "POST",
        "/api/v1/incidents",
        &[(h[0].0, &h[0].1), (h[1].0, &h[1].1)],
        &incident_json(title, victim),
    )
}

// ---------------------------------------------------------------- checks

/// `PRAGMA integrity_check` through Vigil's own opening, and `vigil audit verify`.
async fn assert_intact(d: &DataDir) {
    let store = d.open().await;
    let rows = store
        .backend()
        .query("PRAGMA integrity_check", &[])
        .await
        .unwrap();
    let verdict: Vec<String> = rows.iter().map(|r| r.text(0)).collect();
    assert_eq!(verdict, ["ok"], "integrity_check after the crash");
    let report = store.verify_audit().await.unwrap();
    assert!(
        report.intact(),
        "the audit chain after the crash: {report:?}"
    );
    store.close().await;
    let out = run_ok(vigil().args(["audit", "verify"]).args(d.args()));
    assert!(out.contains("audit chain intact"), "{out}");
}

async fn count(store: &Store, table: &str) -> i64 {
    store
        .backend()
        .query(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()[0]
        .int(0)
}

/// Incidents, persons, violations, sources and import audit entries.
async fn import_counts(d: &DataDir) -> [i64; 5] {
    let store = d.open().await;
    let c = [
        count(&store, "incidents").await,
        count(&store, "persons").await,
        count(&store, "violations").await,
        count(&store, "sources").await,
        store
            .backend()
            .query(
                "SELECT count(*) FROM audit_log WHERE action = 'import'",
                &[],
            )
            .await
            .unwrap()[0]
            .int(0),
    ];
    store.close().await;
    c
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

// ---------------------------------------------------------------- tests

/// `vigil import` of a large generated file, killed while its transaction is being
/// written (the WAL is growing), leaves no incident, person, violation, source or
/// audit entry of it; the database is intact; the same import then runs to the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_import_killed_midway_leaves_nothing_half_written() {
    const ROWS: usize = 20_000;
    let d = DataDir::init();
    let csv = d.dir.path().join("big.csv");
    run_ok(
        vigil()
            .args(["demo", "--scale", "--incidents", &ROWS.to_string(), "--csv"])
            .arg(&csv),
    );
    let mapping = csv.with_extension("toml");
    let before = import_counts(&d).await;
    assert_eq!(before[..4], [0, 0, 0, 0]);
    let wal = d.data.join("vigil.db-wal");
    let import = || {
        let mut c = vigil();
        c.arg("import")
            .args(d.args())
            .arg("--map")
            .arg(&mapping)
            .arg(&csv)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };

    // Kill once the write transaction is under way: the WAL has grown by a megabyte.
    let base = file_size(&wal);
    let mut child = import().spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before it could be killed; make the file larger");
        }
        if file_size(&wal) > base + (1 << 20) {
            child.kill().unwrap();
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait().unwrap();
    let after_kill = import_counts(&d).await;
    assert_eq!(
        after_kill, before,
        "a killed import leaves nothing behind (incidents, persons, violations, sources, import audit entries)"
    );
    assert_intact(&d).await;

    // The same import runs to its end after the crash, once.
    let status = import().status().unwrap();
    assert!(status.success());
    let done = import_counts(&d).await;
    assert_eq!(done[0], ROWS as i64, "every row imported");
    assert!(done[1] > 0 && done[2] >= ROWS as i64 && done[3] >= ROWS as i64);
    assert_eq!(done[4], before[4] + 1, "one import audit entry");
    assert_intact(&d).await;
}

/// Several clients create incidents over HTTP; the server is killed in the middle.
/// After a restart every incident whose creation was acknowledged (201 with its id)
/// is there with its title, and the database and audit chain are intact.
#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_writes_survive_a_killed_server() {
    const WRITERS: usize = 4;
    let d = DataDir::init();
    let mut server = Server::start(&d.args());
    let addr = server.addr.clone();
    let cookie = login(&addr, "admin");
    let token = api_token(&addr, &cookie);
    let victim = create_person(&addr, &token);

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (addr, token, stop, acked) = (addr.clone(), token.clone(), stop.clone(), acked.clone());
        writers.push(std::thread::spawn(move || {
            let mut n = 0;
            let mut failures = 0;
            while !stop.load(Ordering::Relaxed) {
                let title = format!("Crash test writer {w} incident {n}");
                n += 1;
                match create_incident(&addr, &token, &title, victim) {
                    Ok(res) if res.status == 201 => {
                        let id = res.json()["id"].as_i64().expect("an id");
                        acked.lock().unwrap().push((id, title));
                    }
                    Ok(res) => panic!("creation refused: {} {}", res.status, res.body),
                    // The server is gone: this write was never acknowledged.
                    Err(_) => {
                        failures += 1;
                        if failures > 3 {
                            break;
                        }
                    }
                }
            }
        }));
    }
    // Let the writers get going, then kill the server under load.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 40 {
        if writers.iter().all(|w| w.is_finished()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no writes acknowledged: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("a writer failed");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40);

    assert_intact(&d).await;
    let store = d.open().await;
    let stored = count(&store, "incidents").await;
    assert!(
        stored >= acked.len() as i64,
        "{stored} incidents stored, {} acknowledged",
        acked.len()
    );
    store.close().await;

    // Restarted, the server serves every acknowledged incident.
    let server = Server::start(&d.args());
    let token_header = format!("Bearer {token}");
    for (id, title) in &acked {
        let res = http(
            &server.addr,
            "GET",
            &format!("/api/v1/incidents/{id}"),
            &[("Authorization", &token_header)],
            "",
        );
        assert_eq!(res.status, 200, "acknowledged incident {id}: {}", res.body);
        assert_eq!(res.json()["title"], title.as_str());
    }
}
