//! Who may do what.
//!
//! This crate sits between the store and the HTTP server so that both the server and the
//! command line share one set of rules without the CLI depending on the server:
//!
//! - [`rules`]: roles, the [`Principal`] a request acts as, and the authorisation checks.
//!   Pure logic, no IO: every boundary is unit-tested as a table.
//! - [`secrets`]: API tokens, session ids, CSRF tokens and password hashes. It reads the
//!   operating system's random source and runs argon2, nothing else.
//!
//! The store keeps only digests of secrets (SHA-256 for tokens and session ids, argon2id
//! PHC strings for passwords); the plain values exist in memory just long enough to be
//! shown once or compared.

pub mod rules;
pub mod secrets;

pub use rules::{Principal, ProductScope, Role, RoleParseError, valid_username};
