//! Benchmarks of the core paths, measured (never asserted): CSV import rate, full-text
//! search and filtered-list latency, and in-process page rendering. Run with
//!
//! ```sh
//! VIGIL_BENCH_INCIDENTS=20000 cargo bench -p vigil --bench core
//! ```
//!
//! Figures and the machine they came from are recorded in docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use rand::{Rng, SeedableRng};
use tower::ServiceExt as _;
use zeroize::Zeroizing;

use vigil::import::{self, Encoding, ImportOptions};
use vigil_domain::search::IncidentFilter;
use vigil_domain::{Role, SystemClock};
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig};

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
const WORDS: &[&str] = &[
    "defender",
    "community",
    "leader",
    "river",
    "land",
    "forest",
    "journalist",
    "union",
    "water",
    "mine",
    "palm",
    "road",
    "village",
    "council",
    "school",
    "radio",
    "lawyer",
    "farm",
    "territory",
    "indigenous",
];

fn csv(n: usize) -> String {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2017);
    let mut out =
        String::from("id,title,narrative,date,country,region,type,perpetrator,victim,victim_id\n");
    for i in 0..n {
        let (country, regions) = COUNTRIES[rng.gen_range(0..COUNTRIES.len())];
        let region = regions[rng.gen_range(0..regions.len())];
        let w = |rng: &mut rand::rngs::StdRng| WORDS[rng.gen_range(0..WORDS.len())];
        let title = format!(
            "{} {} attacked near the {} {}",
            w(&mut rng),
            w(&mut rng),
            w(&mut rng),
            i
        );
        let narrative = (0..30).map(|_| w(&mut rng)).collect::<Vec<_>>().join(" ");
        let date = format!(
            "{}-{:02}-{:02}",
            rng.gen_range(2015..2026),
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("VIGIL_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("map.toml"), MAPPING).unwrap();
    std::fs::write(dir.path().join("data.csv"), csv(n)).unwrap();
    let store = Store::open(
        StoreConfig::Sqlite {
            path: dir.path().join("vigil.db"),
            key: Zeroizing::new([9u8; 32]),
        },
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let admin = store
        .create_user(
            NewUser {
                username: "bench".into(),
                password: Zeroizing::new("benchmark password".into()),
                role: Role::Admin,
                display_name: String::new(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    let access = Access::new(store.clone(), Actor::from(&admin));
    let opts = |dry_run| ImportOptions {
        mapping: dir.path().join("map.toml"),
        file: dir.path().join("data.csv"),
        encoding: Encoding::Utf8,
        dry_run,
        add_unknown_terms: false,
        progress: false,
    };

    println!("# Vigil core benchmarks ({n} incidents, SQLite/SQLCipher)\n");
    println!("| what | result |\n|---|---|");
    let t = Instant::now();
    let report = import::run(&access, &opts(true)).await.unwrap();
    assert!(report.rejected.is_empty());
    let dry = t.elapsed();
    println!(
        "| CSV read, map and validate (dry run) | {:.0} rows/s ({:.2} s) |",
        n as f64 / dry.as_secs_f64(),
        dry.as_secs_f64()
    );
    let t = Instant::now();
    let report = import::run(&access, &opts(false)).await.unwrap();
    let full = t.elapsed();
    assert_eq!(report.counts.map(|c| c.created as usize), Some(n));
    println!(
        "| CSV import, all indexes and versions written | {:.0} incidents/s ({:.2} s) |",
        n as f64 / full.as_secs_f64(),
        full.as_secs_f64()
    );
    let t = Instant::now();
    let again = import::run(&access, &opts(false)).await.unwrap();
    assert_eq!(again.counts.map(|c| c.unchanged as usize), Some(n));
    println!(
        "| re-import of the same file (all unchanged) | {:.0} rows/s |",
        n as f64 / t.elapsed().as_secs_f64()
    );

    // Full-text search as a documenter (sensitive text included) and as a viewer.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for (role, label) in [(Role::Documenter, "documenter"), (Role::Viewer, "viewer")] {
        let user = store
            .create_user(
                NewUser {
                    username: format!("b-{label}"),
                    password: Zeroizing::new("benchmark password".into()),
                    role,
                    display_name: String::new(),
                    language: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        let a = Access::new(store.clone(), Actor::from(&user));
        let mut times = Vec::new();
        for _ in 0..300 {
            let q = format!(
                "{} {}",
                WORDS[rng.gen_range(0..WORDS.len())],
                WORDS[rng.gen_range(0..WORDS.len())]
            );
            let t = Instant::now();
            let page = a
                .incidents(&IncidentFilter {
                    q,
                    ..Default::default()
                })
                .await
                .unwrap();
            times.push(t.elapsed());
            std::hint::black_box(page);
        }
        times.sort();
        println!("| full-text search, first page + total, {label} (300 queries) | p50 {} · p95 {} · p99 {} |", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95)), ms(percentile(&times, 0.99)));
    }
    let mut times = Vec::new();
    for i in 0..200 {
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
    times.sort();
    println!("| filtered list (country + year + violation type), 200 queries | p50 {} · p95 {} · p99 {} |", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95)), ms(percentile(&times, 0.99)));

    // Authenticated page views, in-process, one at a time and 16 at a time.
    let token = store.create_session(admin.id).await.unwrap();
    let app = vigil_web::router(store.clone(), vigil_web::WebConfig::default());
    let cookie = format!("vigil_session={token}");
    let get = move |path: &'static str| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let res = app
                .oneshot(
                    Request::get(path)
                        .header(header::COOKIE, cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            body.len()
        }
    };
    for path in ["/incidents/1", "/incidents"] {
        let t = Instant::now();
        let mut bytes = 0;
        for _ in 0..300 {
            bytes = get(path).await;
        }
        let seq = 300.0 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let get = get.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..50 {
                    get(path).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let par = 800.0 / t.elapsed().as_secs_f64();
        println!("| authenticated `GET {path}` in-process ({bytes} bytes) | {seq:.0}/s sequential · {par:.0}/s with 16 concurrent |");
    }
    store.close().await;
    let size: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "| data directory after import | {:.1} MB |",
        size as f64 / 1e6
    );
}
