//! Version orderings per ecosystem, and evaluation of OSV affected ranges.
//!
//! Matching is only as good as the answer to "is version V inside this advisory's affected
//! ranges?". This crate answers it without IO: [`Scheme`] picks the ordering an ecosystem uses,
//! [`Scheme::parse`] turns a string into a comparable [`Version`], and [`evaluate`] applies the
//! OSV range rules (`introduced`, `fixed`, `last_affected`, `limit`, explicit `versions`).
//!
//! Orderings that are not exact for their ecosystem (the [`Scheme::Generic`] fallback) mark
//! every verdict computed with them as approximate, so the output can say so.

mod generic;
mod range;
mod scheme;

pub mod apk;
pub mod cran;
pub mod hackage;
pub mod maven;
pub mod nuget;
pub mod packagist;
pub mod pubdev;

pub use generic::GenericVersion;
pub use range::{
    Event, Range, RangeKind, Verdict, evaluate, fixed_versions_above, upgrade_targets,
};
pub use scheme::{Scheme, Version, VersionError, symbol};
