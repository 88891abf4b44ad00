//! Exceptions: accepted risks that stop a finding from failing the gate until they expire.
//! From the policy file, and, for people arriving from other tools, from `.trivyignore`
//! and `osv-scanner.toml` (`[[IgnoredVulns]]`).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::rules::Facts;

/// One exception of the policy file. At least one of `id`, `package`, `purl` selects the
/// findings it covers (all given must match); `reason` and `expires` are required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Exception {
    /// A vulnerability id or any of its aliases (`CVE-2021-23337`, `GHSA-35jh-r3h4-6jhm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A package name: every vulnerability of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The ecosystem `package` is in (`npm`, `PyPI`, `Debian:12`); any when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// A purl pattern; `*` matches any run of characters (`pkg:npm/lodash@4.*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Last day it applies (`2027-01-31`, a TOML date or a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<toml::Value>,
}

impl Exception {
    /// What it selects, for messages (`CVE-2021-23337`, `package lodash`).
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.id {
            parts.push(id.clone());
        }
        if let Some(p) = &self.package {
            parts.push(format!("package {p}"));
        }
        if let Some(p) = &self.purl {
            parts.push(format!("purl {p}"));
        }
        if parts.is_empty() {
            "no selector".into()
        } else {
            parts.join(", ")
        }
    }

    /// The expiry date.
    pub fn expiry(&self) -> Result<Date, String> {
        let text = match &self.expires {
            None => return Err("an expiry date (`expires = 2027-01-31`) is required".into()),
            Some(toml::Value::String(s)) => s.clone(),
            Some(toml::Value::Datetime(d)) => d.to_string(),
            Some(other) => return Err(format!("`expires` must be a date, not `{other}`")),
        };
        parse_date(&text).ok_or_else(|| format!("`expires = {text}` is not a date (YYYY-MM-DD)"))
    }

    /// Checks that it can apply: a selector, a reason, an expiry date.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.is_none() && self.package.is_none() && self.purl.is_none() {
            return Err("give at least one of `id`, `package`, `purl`".into());
        }
        if self.reason.trim().is_empty() {
            return Err("a reason is required".into());
        }
        self.expiry().map(|_| ())
    }

    fn covers(&self, facts: &Facts<'_>) -> bool {
        let id_ok = self
            .id
            .as_ref()
            .is_none_or(|id| facts.ids.iter().any(|i| i.eq_ignore_ascii_case(id.trim())));
        let package_ok = self.package.as_ref().is_none_or(|p| {
            p.trim().eq_ignore_ascii_case(facts.package)
                && self
                    .ecosystem
                    .as_ref()
                    .is_none_or(|e| e.trim().eq_ignore_ascii_case(facts.ecosystem))
        });
        let purl_ok = self
            .purl
            .as_ref()
            .is_none_or(|pattern| facts.purl.is_some_and(|p| wildcard(pattern.trim(), p)));
        id_ok && package_ok && purl_ok
    }
}

/// The first 10 characters of an RFC 3339 date or date-time as a date.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim().get(..10)?, &format).ok()
}

/// `*` matches any run of characters, everything else itself. (Glob crates give `/` a
/// meaning that purls, full of slashes, do not want.)
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// An exception as it applied to a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedException {
    /// What it selects.
    pub selector: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Last day it applies; `None` for ignore-file entries without a date.
    pub expires: Option<Date>,
    /// The file it came from.
    pub source: String,
}

/// An exception with its expiry and origin, as reported.
fn applied((e, expires, source): &(Exception, Option<Date>, String)) -> AppliedException {
    AppliedException {
        selector: e.label(),
        reason: e.reason.clone(),
        approved_by: e.approved_by.clone(),
        expires: *expires,
        source: source.clone(),
    }
}

/// Exceptions from every file, each with its origin.
#[derive(Clone, Debug, Default)]
pub struct ExceptionSet {
    entries: Vec<(Exception, Option<Date>, String)>,
}

impl ExceptionSet {
    /// Adds checked exceptions from `source` (a file name, for reports).
    pub fn extend(&mut self, exceptions: &[Exception], source: &str) {
        for e in exceptions {
            self.entries
                .push((e.clone(), e.expiry().ok(), source.to_string()));
        }
    }

    /// Adds an ignore-file entry: an id with an optional expiry.
    pub fn add_ignore(&mut self, id: &str, expires: Option<Date>, reason: &str, source: &str) {
        self.entries.push((
            Exception {
                id: Some(id.to_string()),
                reason: reason.to_string(),
                ..Exception::default()
            },
            expires,
            source.to_string(),
        ));
    }

    /// Every exception, in the order added.
    pub fn exceptions(&self) -> impl Iterator<Item = &Exception> {
        self.entries.iter().map(|(e, _, _)| e)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first unexpired exception covering a finding.
    pub fn find(&self, facts: &Facts<'_>, today: Date) -> Option<AppliedException> {
        self.entries
            .iter()
            .find(|(e, expires, _)| expires.is_none_or(|d| d >= today) && e.covers(facts))
            .map(applied)
    }

    /// The exceptions whose expiry date has passed: they no longer apply.
    pub fn expired(&self, today: Date) -> Vec<AppliedException> {
        self.entries
            .iter()
            .filter(|(_, expires, _)| expires.is_some_and(|d| d < today))
            .map(applied)
            .collect()
    }
}

/// Reads a `.trivyignore`: one vulnerability id per line, optionally followed by
/// `exp:YYYY-MM-DD`; `#` starts a comment. Returns (id, expiry) pairs, or a one-line error
/// naming the line.
pub fn parse_trivyignore(text: &str) -> Result<Vec<(String, Option<Date>)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(id) = words.next() else {
            continue;
        };
        let mut expires = None;
        for word in words {
            match word.strip_prefix("exp:") {
                Some(date) => {
                    expires = Some(parse_date(date).ok_or_else(|| {
                        format!("line {}: `{word}` is not a date (exp:YYYY-MM-DD)", n + 1)
                    })?);
                }
                None => {
                    return Err(format!(
                        "line {}: unexpected `{word}` after `{id}` (only exp:YYYY-MM-DD may follow)",
                        n + 1
                    ));
                }
            }
        }
        out.push((id.to_string(), expires));
    }
    Ok(out)
}

/// One `[[IgnoredVulns]]` entry of `osv-scanner.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredVuln {
    /// The id.
    pub id: String,
    /// `ignoreUntil`, when given.
    pub until: Option<Date>,
    /// `reason`, when given.
    pub reason: Option<String>,
}

/// Reads the `[[IgnoredVulns]]` of an `osv-scanner.toml` (other tables are OSV-Scanner's
/// own and are left alone).
pub fn parse_osv_scanner_toml(text: &str) -> Result<Vec<IgnoredVuln>, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message()),
            None => e.message().to_string(),
        }
    })?;
    let Some(list) = doc.get("IgnoredVulns") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or("`IgnoredVulns` is not an array of tables")?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let n = i + 1;
        let id = item
            .get("id")
            .and_then(toml::Value::as_str)
            .ok_or(format!("IgnoredVulns[{n}] has no `id`"))?;
        let until = match item.get("ignoreUntil") {
            None => None,
            Some(toml::Value::Datetime(d)) => parse_date(&d.to_string()),
            Some(toml::Value::String(s)) => parse_date(s),
            Some(_) => None,
        };
        if item.get("ignoreUntil").is_some() && until.is_none() {
            return Err(format!(
                "IgnoredVulns[{n}] ({id}): `ignoreUntil` is not a date"
            ));
        }
        out.push(IgnoredVuln {
            id: id.to_string(),
            until,
            reason: item
                .get("reason")
                .and_then(toml::Value::as_str)
                .map(str::to_string),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchwarden_core::Severity;
    use time::macros::date;

    fn facts(ids: &[String]) -> Facts<'_> {
        Facts {
            ids,
            ecosystem: "npm",
            package: "lodash",
            purl: Some("pkg:npm/lodash@4.17.20"),
            severity: Severity::High,
            kev_due: None,
            kev: false,
            epss: None,
            published: None,
            first_seen: date!(2026 - 11 - 01),
            has_fix: true,
        }
    }

    fn exception(toml_text: &str) -> Exception {
        toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn selectors_all_must_match_and_expired_ones_stop_applying() {
        let ids = vec![
            "CVE-2021-23337".to_string(),
            "GHSA-35jh-r3h4-6jhm".to_string(),
        ];
        let today = date!(2026 - 11 - 23);
        let mut set = ExceptionSet::default();
        set.extend(
            &[
                exception("id = \"ghsa-35jh-r3h4-6jhm\"\npackage = \"other\"\nreason = \"r\"\nexpires = 2027-01-01"),
                exception("purl = \"pkg:npm/lodash@4.*\"\nreason = \"vendor fix pending\"\napproved_by = \"ciso\"\nexpires = \"2027-01-01\""),
            ],
            "patchwarden.toml",
        );
        let applied = set.find(&facts(&ids), today);
        assert_eq!(
            applied
                .as_ref()
                .map(|a| (a.selector.as_str(), a.approved_by.as_deref())),
            Some(("purl pkg:npm/lodash@4.*", Some("ciso")))
        );
        // The day after expiry it no longer applies, and is listed as expired.
        let later = date!(2027 - 01 - 02);
        assert!(set.find(&facts(&ids), later).is_none());
        assert_eq!(set.expired(later).len(), 2);
        assert!(set.expired(today).is_empty());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("pkg:npm/*", "pkg:npm/a/b@1"));
        assert!(wildcard("*lodash@4.*", "pkg:npm/lodash@4.17.20"));
        assert!(!wildcard("pkg:npm/lodash@5.*", "pkg:npm/lodash@4.17.20"));
        assert!(wildcard("a*b*c", "abc") && !wildcard("a*b*c", "acb"));
        assert!(wildcard("exact", "exact") && !wildcard("exact", "exactly"));
        assert!(!wildcard("ab*ba", "aba"));
    }

    #[test]
    fn trivyignore_and_osv_scanner_files() {
        let t = parse_trivyignore("# comment\nCVE-2021-1 exp:2027-01-01\n\nGHSA-x  # why\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t,
            [
                ("CVE-2021-1".to_string(), Some(date!(2027 - 01 - 01))),
                ("GHSA-x".to_string(), None)
            ]
        );
        let e = parse_trivyignore("CVE-1 exp:soon\n")
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("line 1:"), "{e}");
        let o = parse_osv_scanner_toml(
            "[[IgnoredVulns]]\nid = \"GO-2022-0968\"\nignoreUntil = 2027-01-04T12:00:00Z\nreason = \"not reachable\"\n\n[[PackageOverrides]]\nname = \"x\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o[0].until, Some(date!(2027 - 01 - 04)));
        assert_eq!(o[0].reason.as_deref(), Some("not reachable"));
        assert!(parse_osv_scanner_toml("[[IgnoredVulns]]\nreason = \"x\"\n").is_err());
    }
}
