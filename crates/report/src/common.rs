//! Small pieces the report formats share: links, wording of a finding's state, digests.

use patchwarden_core::{Component, Severity};
use patchwarden_engine::{Finding, FindingStatus, ScanResult};
use sha2::{Digest, Sha256};

use crate::advice;

/// The osv.dev page of an advisory or vulnerability id (osv.dev resolves CVE and GHSA ids
/// as well as its own).
pub(crate) fn osv_url(id: &str) -> String {
    format!(
        "https://osv.dev/vulnerability/{}",
        percent_encode(id, false)
    )
}

/// Who publishes an id and where its page is: NVD for CVEs, GitHub for GHSA ids, osv.dev for
/// everything else (RUSTSEC, PYSEC, GO, distribution ids…).
pub(crate) fn id_source(id: &str) -> (&'static str, String) {
    let encoded = percent_encode(id, false);
    if id.starts_with("CVE-") {
        ("NVD", format!("https://nvd.nist.gov/vuln/detail/{encoded}"))
    } else if id.starts_with("GHSA-") {
        ("GitHub", format!("https://github.com/advisories/{encoded}"))
    } else {
        ("OSV", osv_url(id))
    }
}

/// `s` with every byte outside RFC 3986's unreserved set percent-encoded; with `keep_slash`,
/// `/` is kept so that a relative path stays a path.
pub(crate) fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let plain = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/');
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The severity in lower case (`critical`), as CycloneDX and tags spell it.
pub(crate) fn severity_lower(s: Severity) -> String {
    s.as_str().to_ascii_lowercase()
}

/// The upgrade advice for the component of a finding, from the scan's remediations.
pub(crate) fn advice_for(result: &ScanResult, component: &Component) -> Option<String> {
    result
        .remediations
        .iter()
        .find(|r| &r.component == component)
        .map(advice)
}

/// The fix advice for the packages of `findings`, in their order, each package once, as
/// `render(component, advice)` makes it.
pub(crate) fn advice_items(
    result: &ScanResult,
    findings: &[&Finding],
    render: impl Fn(&Component, &str) -> String,
) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for f in findings {
        if let Some(a) = advice_for(result, &f.component) {
            let item = render(&f.component, &a);
            if !items.contains(&item) {
                items.push(item);
            }
        }
    }
    items
}

/// The fixed versions of a finding, or that none is known.
pub(crate) fn fixed_text(f: &Finding) -> String {
    if f.fixed.is_empty() {
        "no fix available".into()
    } else {
        f.fixed.join(", ")
    }
}

/// `path:line`, and the image layer (shortened) when the component came from one.
pub(crate) fn location_text(c: &Component) -> String {
    let mut text = match c.source.line {
        Some(line) => format!("{}:{line}", c.source.path),
        None => c.source.path.clone(),
    };
    if let Some(layer) = &c.source.layer {
        text.push_str(&format!(" (layer {})", short_layer(layer)));
    }
    text
}

/// A layer digest cut to its first 12 hex digits.
pub(crate) fn short_layer(layer: &str) -> &str {
    let hex = layer.strip_prefix("sha256:").unwrap_or(layer);
    hex.get(..12).unwrap_or(hex)
}

/// The snake_case name of a status, as JSON and CSV write it.
pub(crate) fn status_name(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Open => "open",
        FindingStatus::Excepted => "excepted",
        FindingStatus::NotAffected => "not_affected",
        FindingStatus::Fixed => "fixed",
    }
}

/// Why a finding is closed, in one line: the exception (reason, approver, expiry, file) or
/// the VEX statement (justification, document). `None` for an open finding.
pub(crate) fn closed_reason(f: &Finding) -> Option<String> {
    match f.status {
        FindingStatus::Open => None,
        FindingStatus::Excepted => {
            let Some(e) = &f.decision.exception else {
                return Some("accepted risk".into());
            };
            let mut text = format!("accepted risk: {}", e.reason);
            if let Some(who) = &e.approved_by {
                text.push_str(&format!("; approved by {who}"));
            }
            if let Some(until) = e.expires {
                text.push_str(&format!("; expires {until}"));
            }
            text.push_str(&format!(" ({})", e.source));
            Some(text)
        }
        FindingStatus::NotAffected | FindingStatus::Fixed => {
            let what = if f.status == FindingStatus::Fixed {
                "fixed"
            } else {
                "not affected"
            };
            let Some(v) = &f.vex else {
                return Some(format!("{what} (VEX)"));
            };
            Some(match &v.justification {
                Some(j) => format!("{what} according to VEX: {j} ({})", v.source),
                None => format!("{what} according to VEX ({})", v.source),
            })
        }
    }
}

/// The due date, with `(overdue)` when past it.
pub(crate) fn due_text(f: &Finding) -> String {
    if f.decision.overdue {
        format!("{} (overdue)", f.decision.due)
    } else {
        f.decision.due.to_string()
    }
}

/// Lower-case hex SHA-256 of `parts`, each followed by a NUL byte so that no two different
/// lists of parts hash alike.
pub(crate) fn digest_hex(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0u8]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A UUID in the version-5 layout from the SHA-256 of `parts`: the same content always gets
/// the same id.
pub(crate) fn content_uuid(parts: &[&str]) -> String {
    let hex = digest_hex(parts);
    let mut bytes: Vec<u8> = (0..16)
        .filter_map(|i| {
            hex.get(i * 2..i * 2 + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    bytes.resize(16, 0);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_link_to_their_publisher() {
        assert_eq!(
            id_source("CVE-2021-25900"),
            (
                "NVD",
                "https://nvd.nist.gov/vuln/detail/CVE-2021-25900".to_string()
            )
        );
        assert_eq!(id_source("GHSA-43w2-9j62-hq99").0, "GitHub");
        assert_eq!(
            id_source("RUSTSEC-2021-0003").1,
            "https://osv.dev/vulnerability/RUSTSEC-2021-0003"
        );
        assert_eq!(osv_url("a b/c"), "https://osv.dev/vulnerability/a%20b%2Fc");
        assert_eq!(percent_encode("dir a/ü.lock", true), "dir%20a/%C3%BC.lock");
    }

    #[test]
    fn content_uuids_are_stable_and_well_formed() {
        let a = content_uuid(&["x", "y"]);
        assert_eq!(a, content_uuid(&["x", "y"]));
        assert_ne!(a, content_uuid(&["xy"]));
        assert_eq!(a.len(), 36);
        assert_eq!(a.get(14..15), Some("5"));
        assert!(matches!(a.get(19..20), Some("8" | "9" | "a" | "b")));
    }
}
