#![no_main]
//! Fuzz target: see [`vigil_fuzz::roll_calls`].
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_fuzz::roll_calls(data));
