//! Portfolio reports read from the store: the evidence each report of
//! `patchwarden_report::portfolio` needs, gathered here so that the CLI and the API build the
//! same report from the same reads.

pub mod samm;

pub use samm::samm_evidence;
