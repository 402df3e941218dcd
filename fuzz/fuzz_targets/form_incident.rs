#![no_main]
//! Fuzz target: see [`vigil_fuzz::form_incident`].
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_fuzz::form_incident(data));
