//! The fuzz targets' checks (`fuzz/src/lib.rs`, included here as it is) run on every
//! checked-in seed (`fuzz/seeds/<target>/`) and every input that once crashed a target
//! (`fuzz/regressions/<target>/`), as part of the normal suite: no libFuzzer needed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

#[path = "../../../../fuzz/src/lib.rs"]
mod checks;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted (none if the folder is absent).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_seed_and_regression_input_passes_its_fuzz_check() {
    let mut ran = 0;
    for (target, check) in checks::TARGETS {
        let seeds = inputs("seeds", target);
        assert!(!seeds.is_empty(), "fuzz/seeds/{target} has no seed");
        for file in seeds.iter().chain(inputs("regressions", target).iter()) {
            let bytes = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{target} fails on {}", file.display());
            ran += 1;
        }
    }
    // Every fuzz target has a check here, and no check is missing a target.
    let mut targets: Vec<String> = std::fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            p.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    targets.sort();
    let mut named: Vec<String> = checks::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    named.sort();
    assert_eq!(targets, named, "fuzz_targets/ and checks::TARGETS differ");
    assert!(ran >= 40, "only {ran} inputs");
}

/// The seeds reach deep: the valid sealed archive verifies (so the fuzzer starts
/// behind the authentication, in the manifest and entry reader), the crafted
/// path-traversal manifest is refused, and the organisation's file imports cleanly.
#[test]
fn the_seeds_reach_past_the_first_checks() {
    use std::io::Read as _;
    let master = zeroize::Zeroizing::new([0x42u8; 32]);
    let seed = std::fs::read(fuzz_dir().join("seeds/backup_archive/sealed_valid")).unwrap();
    let sealed = vigil::backup::seal_payload_for_fuzzing(&seed[1..], &master, 16).unwrap();
    let manifest = vigil::backup::verify_bytes(&sealed, &master).expect("the valid seed verifies");
    assert_eq!(manifest.entries.len(), 2);
    let bad = std::fs::read(fuzz_dir().join("seeds/backup_archive/sealed_traversal")).unwrap();
    let sealed = vigil::backup::seal_payload_for_fuzzing(&bad[1..], &master, 16).unwrap();
    let err = vigil::backup::verify_bytes(&sealed, &master).unwrap_err();
    assert!(err.to_string().contains("plain relative path"), "{err}");

    let mut seed = Vec::new();
    std::fs::File::open(fuzz_dir().join("seeds/import_csv/org_mapping"))
        .unwrap()
        .read_to_end(&mut seed)
        .unwrap();
    let nul = seed[1..].iter().position(|&b| b == 0).unwrap() + 1;
    let mapping = std::str::from_utf8(&seed[1..nul]).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let report = vigil::import::check_bytes(
        mapping,
        &seed[nul + 1..],
        vigil::import::Encoding::Utf8,
        false,
        today,
    )
    .unwrap();
    assert_eq!(report.rows, 3);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    // The roll-call seeds: the sample is accepted whole, the bad one names its lines.
    let split = |name: &str| {
        let seed = std::fs::read(fuzz_dir().join("seeds/roll_calls").join(name)).unwrap();
        let nul = seed.iter().position(|&b| b == 0).unwrap();
        (seed[..nul].to_vec(), seed[nul + 1..].to_vec())
    };
    let (calls, votes) = split("sample");
    let (rows, vote_rows, _) =
        vigil_web::resolution_files::parse_roll_calls("calls.csv", &calls, "votes.csv", &votes)
            .unwrap();
    assert!(!rows.is_empty() && !vote_rows.is_empty());
    let (calls, votes) = split("bad_line");
    let errs =
        vigil_web::resolution_files::parse_roll_calls("calls.csv", &calls, "votes.csv", &votes)
            .unwrap_err();
    let at: Vec<(String, u64)> = errs.iter().map(|e| (e.file.clone(), e.line)).collect();
    assert!(at.contains(&("calls.csv".to_owned(), 3)), "{at:?}");
    assert!(at.contains(&("votes.csv".to_owned(), 3)), "{at:?}");
}
