//! The `vigil` binary's library: command-line interface, key handling, CSV import and
//! demo data. Kept as a library so the integration suite can drive every command.

pub mod backup;
pub mod cli;
pub mod compartments;
pub mod demo;
pub mod import;
pub mod keys;
pub mod releases;
pub mod reminders;
pub mod resolutions;
pub mod rotate;
pub mod signin;
pub mod stats;
