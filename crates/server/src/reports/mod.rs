//! Reading the portfolio for the reports: each function gathers the rows a report needs from
//! the store and hands them to the pure builders in `patchwarden_report::portfolio`. The CLI
//! (`patchwarden report ...`), the REST API (`/api/v1/reports/...`) and the scheduled partner
//! deliveries call these, so every way to get a report gives the same figures.

pub mod samm;
pub mod sla;

pub use samm::samm_evidence;
pub use sla::sla_report;
