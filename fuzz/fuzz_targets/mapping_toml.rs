#![no_main]
//! Fuzz target: see [`vigil_fuzz::mapping_toml`].
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_fuzz::mapping_toml(data));
