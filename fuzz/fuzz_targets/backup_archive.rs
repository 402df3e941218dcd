#![no_main]
//! Fuzz target: see [`vigil_fuzz::backup_archive`].
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_fuzz::backup_archive(data));
