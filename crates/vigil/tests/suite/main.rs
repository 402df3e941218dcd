//! Vigil's integration suite: one test binary (each binary links the whole world).
//! Modules: `support` (backends and fixtures), `conformance` (the storage story, run
//! on SQLite and on PostgreSQL), `web` (the router in-process), `import` (CSV import).

mod api_schema;
mod audit;
mod auth;
mod backup;
mod browser;
mod cases;
mod cli;
mod compartments;
mod conformance;
mod crash;
mod engine;
mod evidence;
mod fuzz_regressions;
mod import;
mod logs;
mod map;
mod matrix;
mod perf_semantics;
mod pg_at_rest;
mod protection;
mod public;
mod releases;
mod resolutions;
mod rotate;
mod scaleout;
mod stats;
mod support;
mod un_comms;
mod web;
mod webauthn;
