//! Reports on the tracked portfolio (as opposed to one scan): the SLA compliance report, the
//! quarterly partner report (JSON, HTML, CSAF 2.0 VEX) and the SAMM self-assessment. Pure:
//! the engine reads the store and passes rows in; these build values and render text.

mod csaf;
#[cfg(test)]
pub(crate) mod fixture;
pub mod page;
pub mod partner;
mod partner_html;
pub mod period;
pub mod samm;
pub mod sla;
pub mod sla_render;

pub use csaf::partner_csaf;
pub use partner::{
    AffectedPackage, PARTNER_SCHEMA, PartnerInput, PartnerReport, PartnerStatus, PartnerSummary,
    PartnerVulnerability, ProductExposure, Publisher, build as build_partner, partner_json,
};
pub use partner_html::partner_html;
pub use period::{Period, PeriodError, Quarter, day_text, parse_day};
pub use samm::{
    Answer, Criterion, EVIDENCE_ITEMS, EvidenceList, Question, SAMM_SCHEMA, SammAssessment,
    SammEvidence, SammOptions, assess as assess_samm, samm_html, samm_json,
};
pub use sla::{SlaInput, SlaReport, build as build_sla};
pub use sla_render::{SlaTable, sla_csv, sla_html, sla_json, sla_markdown};
