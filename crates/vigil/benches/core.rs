//! Vigil's benchmark harness (DESIGN.md §6 budgets), measured, never asserted.
//!
//! ```sh
//! # on a database `vigil demo` made (SQLite; the key is DIR/demo.key):
//! vigil demo --data DIR --incidents 1000000
//! VIGIL_BENCH_DATA=DIR cargo bench -p vigil --bench core
//! # the same on PostgreSQL (demo made with --database-url URL --data DIR):
//! VIGIL_BENCH_DATA=DIR VIGIL_BENCH_DATABASE_URL=postgres://… cargo bench -p vigil --bench core
//! # or without a prepared database: N incidents imported through `vigil import`'s path
//! VIGIL_BENCH_INCIDENTS=20000 cargo bench -p vigil --bench core
//! ```
//!
//! What it measures, in one run: full-text search latency through `Access` (as a
//! documenter, whose searches cover sensitive text and are audited, and as a viewer)
//! beside the same match straight on the engine without Vigil's layers; a filtered list;
//! then it starts the real `vigil serve` binary on the database, times its start-up,
//! drives authenticated page views with `wrk` over loopback (a session cookie), reads
//! its resident memory from `/proc`, weighs the pages, and runs the same `wrk` load
//! against a minimal axum "hello" handler as the baseline. Other knobs:
//! `VIGIL_BENCH_SECONDS` (per load run, default 10), `VIGIL_BENCH_CONNECTIONS`
//! (default 32), `VIGIL_BENCH_QUERIES` (default 300). Needs `wrk` on the PATH for the
//! load figures (they are skipped, saying so, without it).
//!
//! Figures and the machine they came from are recorded in docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use zeroize::Zeroizing;

use vigil::import::{self, Encoding, ImportOptions};
use vigil_domain::search::IncidentFilter;
use vigil_domain::stats::{Dimension, Measure, StatsQuery};
use vigil_domain::{Role, SystemClock};
use vigil_store::{Access, Actor, Dialect, NewUser, Store, StoreConfig, Val};

// ------------------------------------------------------------------ generated data

const COUNTRIES: &[(&str, &[&str])] = &[
    (
        "Colombia",
        &["Cauca", "Antioquia", "Chocó", "Nariño", "Putumayo"],
    ),
    ("Honduras", &["Atlántida", "Colón", "Olancho", "Intibucá"]),
    ("Guatemala", &["Huehuetenango", "Alta Verapaz", "Quiché"]),
    ("Mexico", &["Chiapas", "Oaxaca", "Guerrero", "Michoacán"]),
    ("Brazil", &["Pará", "Amazonas", "Maranhão"]),
    ("Philippines", &["Negros Occidental", "Davao del Norte"]),
    ("Democratic Republic of Congo", &["Ituri", "Nord-Kivu"]),
];
const TYPES: &[&str] = &[
    "killing",
    "death_threat",
    "arbitrary_detention",
    "judicial_harassment",
    "physical_attack",
    "surveillance",
    "raid",
    "kidnapping",
    "torture",
    "smear_campaign",
];
const PERPS: &[&str] = &[
    "hired_killers",
    "police",
    "military",
    "paramilitary",
    "company",
    "unknown",
    "private_security",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "su", "te", "no", "vi", "da", "re", "pa", "gu", "ti", "ma", "be", "co",
    "fe", "zu", "ya", "ni", "or", "an", "el", "us",
];

/// A vocabulary of `n` made-up words; drawn with [`Zipf`] it has the skew of real text
/// (a few words in most records, most words in few).
fn vocabulary(n: usize) -> Vec<String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1948);
    let mut set = std::collections::BTreeSet::new();
    while set.len() < n {
        let k = rng.gen_range(2..5);
        set.insert(
            (0..k)
                .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
                .collect::<String>(),
        );
    }
    let mut v: Vec<String> = set.into_iter().collect();
    for i in (1..v.len()).rev() {
        v.swap(i, rng.gen_range(0..=i));
    }
    v
}

/// Ranks drawn with probability ∝ 1/rank (Zipf's law, s = 1).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Self {
        let mut c = 0.0;
        Zipf(
            (1..=n)
                .map(|r| {
                    c += 1.0 / r as f64;
                    c
                })
                .collect(),
        )
    }

    fn sample(&self, rng: &mut impl Rng) -> usize {
        let x = rng.gen::<f64>() * self.0.last().copied().unwrap_or(1.0);
        self.0.partition_point(|&c| c < x).min(self.0.len() - 1)
    }
}

fn csv(n: usize) -> String {
    let words = vocabulary(8000);
    let zipf = Zipf::new(words.len());
    let mut rng = rand::rngs::StdRng::seed_from_u64(2017);
    let mut out =
        String::from("id,title,narrative,date,country,region,type,perpetrator,victim,victim_id\n");
    for i in 0..n {
        let (country, regions) = COUNTRIES[rng.gen_range(0..COUNTRIES.len())];
        let region = regions[rng.gen_range(0..regions.len())];
        let mut w = |k: usize| {
            (0..k)
                .map(|_| words[zipf.sample(&mut rng)].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let title = w(6);
        let narrative = w(40);
        let date = format!(
            "{}-{:02}-{:02}",
            rng.gen_range(2000..2026),
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        );
        let _ = writeln!(
            out,
            "B-{i},{title},{narrative},{date},{country},{region},{},{},Person {},P-{}",
            TYPES[rng.gen_range(0..TYPES.len())],
            PERPS[rng.gen_range(0..PERPS.len())],
            i % (n / 2 + 1),
            i % (n / 2 + 1)
        );
    }
    out
}

const MAPPING: &str = r#"
[incident]
external_id = "id"
title = "title"
narrative = "narrative"
start_date = "date"
country = "country"
region = "region"
status = { value = "reported" }

[victim]
external_id = "victim_id"
name = "victim"

[[violation]]
violation_type = "type"
perpetrator_type = "perpetrator"
"#;

// ------------------------------------------------------------------ helpers

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn spread(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "p50 {} · **p95 {}** · p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99))
    )
}

fn row(what: &str, result: &str) {
    println!("| {what} | {result} |");
}

async fn bench_user(store: &Store, role: Role) -> vigil_store::User {
    let tag: u32 = rand::random();
    store
        .create_user(
            NewUser {
                username: format!("bench-{}-{tag:08x}", role.code().replace('_', "-")),
                password: Zeroizing::new("benchmark password 2026".into()),
                role,
                display_name: String::new(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap()
}

/// One HTTP/1.0 GET over loopback: (status, body). Plain TCP, so the harness adds no
/// client library to the workspace.
async fn http_get(port: u16, path: &str, cookie: Option<&str>) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n");
    if let Some(c) = cookie {
        let _ = write!(req, "Cookie: vigil_session={c}\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| buf[i + 4..].to_vec())
        .unwrap_or_default();
    Ok((status, body))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `wrk`'s requests per second and latency percentiles for one URL, or why not.
fn wrk(url: &str, cookie: Option<&str>, seconds: u64, connections: u64) -> Result<String, String> {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(c) = cookie {
        cmd.args(["-H", &format!("Cookie: vigil_session={c}")]);
    }
    let out = cmd
        .arg(url)
        .output()
        .map_err(|e| format!("wrk not run ({e}); `apt-get install wrk`"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    let bad = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
        .map(|l| format!(" · **{}**", l.trim()))
        .unwrap_or_default();
    Ok(format!(
        "**{}/s** · latency p50 {} · p99 {}{bad}",
        field("Requests/sec:"),
        field("50%"),
        field("99%")
    ))
}

fn proc_status(pid: u32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l.trim_start_matches(key).trim().to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `vigil serve` and wait for `/healthz`: the server and its start-up time.
async fn start_server(db_args: &[String], master_hex: &str, port: u16) -> (Server, Duration) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("serve")
        .args(db_args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIL_MASTER_KEY", master_hex)
        .env_remove("VIGIL_DATA")
        .env_remove("VIGIL_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vigil serve");
    let server = Server(child);
    loop {
        if let Ok((200, _)) = http_get(port, "/healthz", None).await {
            return (server, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "vigil serve did not answer /healthz within 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ------------------------------------------------------------------ the run

struct Opened {
    store: Store,
    master_hex: Zeroizing<String>,
    /// Arguments that make `vigil serve` open the same database.
    serve_args: Vec<String>,
    what: String,
    /// The SQLite file, when the engine is SQLite (for the import's engine floor).
    sqlite_file: Option<PathBuf>,
    _tmp: Option<tempfile::TempDir>,
}

async fn open() -> Opened {
    let url = std::env::var("VIGIL_BENCH_DATABASE_URL").ok();
    if let Ok(dir) = std::env::var("VIGIL_BENCH_DATA") {
        let dir = PathBuf::from(dir);
        let master_hex = Zeroizing::new(
            std::fs::read_to_string(dir.join(vigil::keys::DEMO_KEY_FILE))
                .expect("DIR/demo.key (a data directory `vigil demo` made)")
                .trim()
                .to_owned(),
        );
        let db = vigil::cli::DbArgs {
            data: Some(dir.clone()),
            database_url: url.clone(),
            key_file: None,
        };
        let started = Instant::now();
        let store = vigil::cli::open_store(&db, true, false).await.unwrap();
        let opened = started.elapsed();
        let serve_args = match &url {
            Some(u) => vec!["--database-url".into(), u.clone()],
            None => vec!["--data".into(), dir.display().to_string()],
        };
        return Opened {
            store,
            master_hex,
            serve_args,
            what: format!(
                "{} (store opened in-process in {})",
                if url.is_some() {
                    "PostgreSQL"
                } else {
                    "SQLite/SQLCipher"
                },
                ms(opened)
            ),
            sqlite_file: url.is_none().then(|| dir.join(vigil::cli::DB_FILE)),
            _tmp: None,
        };
    }
    assert!(
        url.is_none(),
        "VIGIL_BENCH_DATABASE_URL needs VIGIL_BENCH_DATA (the directory holding demo.key)"
    );
    let n = env_num("VIGIL_BENCH_INCIDENTS", 20_000) as usize;
    let tmp = tempfile::tempdir().unwrap();
    let master_hex = vigil::keys::generate_hex();
    let mut master = Zeroizing::new([0u8; 32]);
    master.copy_from_slice(&hex::decode(master_hex.as_bytes()).unwrap());
    let store = Store::open(
        StoreConfig::Sqlite {
            path: tmp.path().join(vigil::cli::DB_FILE),
            key: vigil::keys::subkey(&master, vigil::keys::SQLCIPHER_LABEL),
        },
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    import_generated(&store, tmp.path(), n).await;
    Opened {
        store,
        master_hex,
        serve_args: vec!["--data".into(), tmp.path().display().to_string()],
        what: format!("SQLite/SQLCipher, {n} incidents imported by the harness"),
        sqlite_file: Some(tmp.path().join(vigil::cli::DB_FILE)),
        _tmp: Some(tmp),
    }
}

async fn import_generated(store: &Store, dir: &Path, n: usize) {
    std::fs::write(dir.join("map.toml"), MAPPING).unwrap();
    std::fs::write(dir.join("data.csv"), csv(n)).unwrap();
    let admin = bench_user(store, Role::Admin).await;
    let access = Access::new(store.clone(), Actor::from(&admin));
    let opts = |dry_run| ImportOptions {
        mapping: dir.join("map.toml"),
        file: dir.join("data.csv"),
        encoding: Encoding::Utf8,
        dry_run,
        add_unknown_terms: false,
        progress: false,
    };
    let t = Instant::now();
    let report = import::run(&access, &opts(false)).await.unwrap();
    let full = t.elapsed();
    assert_eq!(report.counts.map(|c| c.created as usize), Some(n));
    row(
        "CSV import (harness data), all indexes and versions written",
        &format!(
            "{:.0} incidents/s ({:.1} s)",
            n as f64 / full.as_secs_f64(),
            full.as_secs_f64()
        ),
    );
    std::fs::remove_file(dir.join("data.csv")).unwrap();
}

/// The engine's own floor for an import: the database the import wrote — every table,
/// index and full-text entry — written again into a new encrypted file by SQLCipher
/// itself (`sqlcipher_export`: tables and indexes created first, then the rows copied
/// in key order), with none of Vigil's parsing, checking, sealing or tokenising. No
/// import that produces this database can be faster than this on the same machine.
/// The time, and the size of what was written.
fn engine_write_floor(db: &Path, master_hex: &str) -> (Duration, u64) {
    let mut master = Zeroizing::new([0u8; 32]);
    master.copy_from_slice(&hex::decode(master_hex.as_bytes()).unwrap());
    let key = vigil::keys::subkey(&master, vigil::keys::SQLCIPHER_LABEL);
    let key = Zeroizing::new(format!("\"x'{}'\"", hex::encode(key.as_ref())));
    // Beside the database, so on the same file system.
    let dir = tempfile::tempdir_in(db.parent().unwrap()).unwrap();
    let out = dir.path().join("floor.db");
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(&format!("PRAGMA key = {};", key.as_str()))
        .unwrap();
    let _: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    let started = Instant::now();
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{}' AS floor KEY {};",
        out.display(),
        key.as_str()
    ))
    .unwrap();
    let _: Option<String> = conn
        .query_row("SELECT sqlcipher_export('floor')", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch("DETACH DATABASE floor").unwrap();
    let took = started.elapsed();
    (took, std::fs::metadata(&out).unwrap().len())
}

/// Search queries as people type them: one or two whole words taken from the titles
/// of random records (so most match something), plus a few that match nothing.
async fn queries(store: &Store, count: usize) -> Vec<String> {
    let max = store
        .backend()
        .query("SELECT max(id) FROM incidents", &[])
        .await
        .unwrap()
        .first()
        .and_then(|r| r.opt_int(0))
        .unwrap_or(0);
    assert!(max > 0, "the database holds no incidents");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let ids: Vec<String> = (0..count * 2)
        .map(|_| rng.gen_range(1..=max).to_string())
        .collect();
    let titles: Vec<String> = store
        .backend()
        .query(
            &format!(
                "SELECT title FROM incidents WHERE id IN ({})",
                ids.join(",")
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0))
        .collect();
    let mut out = Vec::new();
    for (i, t) in titles.iter().cycle().take(count).enumerate() {
        let words: Vec<&str> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if words.is_empty() {
            continue;
        }
        let a = words[rng.gen_range(0..words.len())];
        out.push(match i % 10 {
            0 => "qzxjvk nomatch".to_owned(),
            1..=5 => a.to_owned(),
            _ => format!("{a} {}", words[rng.gen_range(0..words.len())]),
        });
    }
    out
}

/// The same match straight on the engine: the index only, no compartments, no redaction,
/// no audit — the floor Vigil's search is measured against.
async fn raw_search(store: &Store, q: &str, sensitive: bool) -> usize {
    let words: Vec<String> = vigil_store::records::fold(q)
        .split(|c: char| !(c.is_alphabetic() || c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let db = store.backend();
    let (count_sql, page_sql, arg) = match store.dialect() {
        Dialect::Sqlite => {
            let e = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" AND ");
            let e = if sensitive {
                e
            } else {
                format!("public_text : ({e})")
            };
            (
                "SELECT count(*) FROM (SELECT 1 FROM incident_fts WHERE incident_fts MATCH $1 LIMIT 1051) AS c",
                "SELECT rowid FROM incident_fts WHERE incident_fts MATCH $1 ORDER BY rowid DESC LIMIT 50",
                e,
            )
        }
        Dialect::Postgres => {
            let e = words
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(" & ");
            (
                "SELECT count(*) FROM (SELECT 1 FROM incidents WHERE search_public @@ to_tsquery('simple', $1) LIMIT 1051) AS c",
                "SELECT id FROM incidents WHERE search_public @@ to_tsquery('simple', $1) ORDER BY id DESC LIMIT 50",
                e,
            )
        }
    };
    let args = [Val::from(arg)];
    let _ = db.query(count_sql, &args).await.unwrap();
    db.query(page_sql, &args).await.unwrap().len()
}

#[tokio::main]
async fn main() {
    let seconds = env_num("VIGIL_BENCH_SECONDS", 10);
    let connections = env_num("VIGIL_BENCH_CONNECTIONS", 32);
    let nq = env_num("VIGIL_BENCH_QUERIES", 300) as usize;
    println!("| what | result |\n|---|---|");
    let opened = open().await;
    let store = opened.store.clone();
    let total = store
        .backend()
        .query("SELECT count(*) FROM incidents", &[])
        .await
        .unwrap()
        .first()
        .map(|r| r.int(0))
        .unwrap_or(0);
    row("database", &format!("{} · {total} incidents", opened.what));

    // The import's floor: the engine writing the same database again, straight.
    if let Some(file) = opened.sqlite_file.clone() {
        let master_hex = opened.master_hex.clone();
        let (took, bytes) =
            tokio::task::spawn_blocking(move || engine_write_floor(&file, &master_hex))
                .await
                .unwrap();
        row(
            "baseline: the engine writing the same database (`sqlcipher_export` of every table, index and search entry into a new encrypted file)",
            &format!(
                "{:.0} incidents/s ({:.1} s, {:.2} GB written)",
                total as f64 / took.as_secs_f64(),
                took.as_secs_f64(),
                bytes as f64 / 1e9
            ),
        );
    }

    // Full-text search, through Vigil and straight on the engine.
    let qs = queries(&store, nq).await;
    for role in [Role::Documenter, Role::Viewer] {
        let user = bench_user(&store, role).await;
        let a = Access::new(store.clone(), Actor::from(&user));
        let mut times = Vec::new();
        let mut capped = 0;
        for q in &qs {
            let f = IncidentFilter {
                q: q.clone(),
                ..Default::default()
            };
            let t = Instant::now();
            let page = a.incidents(&f).await.unwrap();
            times.push(t.elapsed());
            capped += usize::from(page.total_capped);
        }
        let what = if role == Role::Documenter {
            "full-text search, documenter (sensitive text too, audited)"
        } else {
            "full-text search, viewer (public text only)"
        };
        row(
            what,
            &format!(
                "{} ({} queries, {capped} with more than 1,000 matches)",
                spread(times),
                qs.len()
            ),
        );
    }
    for (sensitive, label) in [(true, "all text"), (false, "public text")] {
        let mut times = Vec::new();
        for q in &qs {
            let t = Instant::now();
            std::hint::black_box(raw_search(&store, q, sensitive).await);
            times.push(t.elapsed());
        }
        row(
            &format!("baseline: the same match straight on the engine ({label}, capped count + first 50)"),
            &spread(times),
        );
    }

    // A filtered list and the plain first page.
    let admin = bench_user(&store, Role::Admin).await;
    let access = Access::new(store.clone(), Actor::from(&admin));
    let mut times = Vec::new();
    for i in 0..100 {
        let (country, _) = COUNTRIES[i % COUNTRIES.len()];
        let f = IncidentFilter {
            country: country.into(),
            year: Some(2015 + (i % 11) as i32),
            violation_type: TYPES[i % TYPES.len()].into(),
            ..Default::default()
        };
        let t = Instant::now();
        std::hint::black_box(access.incidents(&f).await.unwrap());
        times.push(t.elapsed());
    }
    row(
        "filtered list (country + year + violation type), 100 queries",
        &spread(times),
    );
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        std::hint::black_box(access.incidents(&IncidentFilter::default()).await.unwrap());
        times.push(t.elapsed());
    }
    row(
        "first page of all incidents (capped total), 50 times",
        &spread(times),
    );

    // Two-way statistics through `Access` (an analyst: every compartment counted),
    // and the same grouping straight on the engine.
    let analyst = bench_user(&store, Role::Analyst).await;
    let stats_access = Access::new(store.clone(), Actor::from(&analyst));
    for (measure, dims, label) in [
        (
            Measure::Incidents,
            [Dimension::Year, Dimension::Country],
            "incidents by year × country",
        ),
        (
            Measure::Incidents,
            [Dimension::Region, Dimension::Status],
            "incidents by M49 region × status",
        ),
        (
            Measure::Violations,
            [Dimension::Year, Dimension::ViolationType],
            "violations by year × violation type",
        ),
        (
            Measure::Victims,
            [Dimension::Year, Dimension::Verb],
            "victims by year × resolution verb",
        ),
        (
            Measure::Victims,
            [Dimension::Country, Dimension::Sex],
            "victims by country × sex",
        ),
    ] {
        let q = StatsQuery::new(measure, &dims);
        let mut times = Vec::new();
        let mut cells = 0;
        // Five runs, or fewer when they are slow (at most ~20 s per question).
        let started = Instant::now();
        while times.len() < 5 && started.elapsed() < Duration::from_secs(20) {
            let t = Instant::now();
            cells = stats_access.statistics(&q).await.unwrap().rows.len();
            times.push(t.elapsed());
        }
        let runs = times.len();
        row(
            &format!("statistics: {label}, {runs} runs ({cells} cells)"),
            &spread(times),
        );
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(
            store
                .backend()
                .query(
                    "SELECT start_year, country, count(*) FROM incidents GROUP BY start_year, country",
                    &[],
                )
                .await
                .unwrap(),
        );
        times.push(t.elapsed());
    }
    row(
        "baseline: year × country straight on the engine (no compartments, no rules), 5 runs",
        &spread(times),
    );

    // The real server: sessions made here, then the store closed before it starts.
    let viewer = bench_user(&store, Role::Viewer).await;
    let documenter = bench_user(&store, Role::Documenter).await;
    let viewer_cookie = store.create_session(viewer.id).await.unwrap();
    let documenter_cookie = store.create_session(documenter.id).await.unwrap();
    let some_id = store
        .backend()
        .query(
            "SELECT max(id) FROM incidents WHERE compartment_id = 1",
            &[],
        )
        .await
        .unwrap()
        .first()
        .and_then(|r| r.opt_int(0))
        .unwrap_or(1);
    let word = qs
        .iter()
        .find(|q| !q.contains(' '))
        .cloned()
        .unwrap_or_default();
    store.close().await;

    let port = free_port();
    let (server, startup) = start_server(&opened.serve_args, &opened.master_hex, port).await;
    let pid = server.0.id();
    row(
        "start-up: `vigil serve` until `/healthz` answers (includes Argon2 calibration)",
        &format!("**{}**", ms(startup)),
    );
    row(
        "resident memory after start-up (VmRSS)",
        &proc_status(pid, "VmRSS:"),
    );
    let pages = [
        (format!("/incidents/{some_id}"), &viewer_cookie, "viewer"),
        (
            format!("/incidents/{some_id}"),
            &documenter_cookie,
            "documenter (audited read)",
        ),
        ("/incidents".to_owned(), &viewer_cookie, "viewer"),
        (
            format!("/incidents?q={word}"),
            &viewer_cookie,
            "viewer (audited search)",
        ),
        ("/".to_owned(), &viewer_cookie, "viewer"),
    ];
    let css = http_get(port, "/static/style.css?v=1", None)
        .await
        .map(|(_, b)| b.len())
        .unwrap_or(0);
    for (path, cookie, who) in &pages {
        let (status, body) = http_get(port, path, Some(cookie)).await.unwrap();
        row(
            &format!("page weight `GET {path}` ({who})"),
            &format!(
                "HTTP {status} · {:.1} KB HTML + {:.1} KB CSS",
                body.len() as f64 / 1024.0,
                css as f64 / 1024.0
            ),
        );
    }
    for (path, cookie, who) in &pages {
        let url = format!("http://127.0.0.1:{port}{path}");
        let r = wrk(&url, Some(cookie), seconds, connections).unwrap_or_else(|e| e);
        row(
            &format!("authenticated `GET {path}` ({who}), wrk -t2 -c{connections} {seconds}s"),
            &r,
        );
    }
    row(
        "resident memory while serving: now (VmRSS) · peak (VmHWM)",
        &format!(
            "{} · **{}**",
            proc_status(pid, "VmRSS:"),
            proc_status(pid, "VmHWM:")
        ),
    );
    drop(server);

    // Baseline: a minimal axum handler under the same load.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hello_port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let hello = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let r = tokio::task::spawn_blocking(move || {
        wrk(
            &format!("http://127.0.0.1:{hello_port}/"),
            None,
            seconds,
            connections,
        )
        .unwrap_or_else(|e| e)
    })
    .await
    .unwrap();
    row(
        &format!("baseline: minimal axum \"hello\" handler, wrk -t2 -c{connections} {seconds}s"),
        &r,
    );
    hello.abort();
}
