#![no_main]
//! Fuzz target: see [`vigil_fuzz::import_csv`].
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_fuzz::import_csv(data));
