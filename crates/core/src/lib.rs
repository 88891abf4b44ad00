//! Shared vocabulary of Patchwarden: ecosystems, components, vulnerability ids and severities.
//!
//! Every other crate speaks in these types, so a "component" or an "ecosystem" means the same
//! thing in the inventory, the matcher, the store and the reports. Nothing here does IO.

mod component;
mod ecosystem;
mod severity;

pub use component::{Component, Location, Scope, SourcePackage, purl_for};
pub use ecosystem::{Ecosystem, EcosystemKind};
pub use severity::Severity;

/// Normalises a package name the way its ecosystem compares names, so that the name in a
/// lockfile and the name in an advisory meet in one index key.
///
/// PyPI follows PEP 503 (case-insensitive, runs of `-`, `_` and `.` are one `-`); every other
/// ecosystem compares names exactly as written.
pub fn normalize_package_name(kind: &EcosystemKind, name: &str) -> String {
    match kind {
        EcosystemKind::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut in_separator = false;
            for c in name.trim().chars() {
                if c == '-' || c == '_' || c == '.' {
                    if !in_separator {
                        out.push('-');
                    }
                    in_separator = true;
                } else {
                    out.extend(c.to_lowercase());
                    in_separator = false;
                }
            }
            out
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_follow_pep_503() {
        let k = EcosystemKind::PyPI;
        assert_eq!(normalize_package_name(&k, "PyYAML"), "pyyaml");
        assert_eq!(
            normalize_package_name(&k, "zope.interface"),
            "zope-interface"
        );
        assert_eq!(normalize_package_name(&k, "Foo__Bar-.baz"), "foo-bar-baz");
    }

    #[test]
    fn other_names_are_kept_exactly() {
        assert_eq!(
            normalize_package_name(&EcosystemKind::Npm, "@Babel/core"),
            "@Babel/core"
        );
        assert_eq!(
            normalize_package_name(&EcosystemKind::CratesIo, "serde_json"),
            "serde_json"
        );
    }
}
