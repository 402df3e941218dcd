//! Vigil's domain: the records a documentation and protection system keeps, the
//! vocabularies that classify them, the rules they must satisfy and who may see what.
//!
//! This crate must never do I/O, speak SQL or know of HTTP: it is the part every
//! other crate agrees on, and it is tested without a database.
//!
//! Error policy: validation failures are [`validate::FieldErrors`] (a list of field
//! paths and message keys, translated by the web layer); everything else in this crate
//! is infallible or returns [`DomainError`]. Storage and web errors live in their crates.

pub mod case;
pub mod clock;
pub mod country;
pub mod detention;
pub mod disclosure;
pub mod model;
pub mod public;
pub mod release;
pub mod reminder;
pub mod resolution;
pub mod role;
pub mod search;
pub mod stats;
pub mod un_comm;
pub mod validate;
pub mod vocab;

pub use clock::{Clock, FixedClock, SystemClock};
pub use role::{Permission, Role};

/// An error in a domain rule that is not a field-level validation failure.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("unknown {what}: {value}")]
    Unknown { what: &'static str, value: String },
    #[error("status change from {from} to {to} is not allowed")]
    StatusTransition { from: String, to: String },
}
