//! NuGet `packages.lock.json` (lock file versions 1 and 2).
//!
//! The file is `{"version": 1, "dependencies": {"<target framework>": {"<package>": {"type":
//! ..., "requested": ..., "resolved": "1.2.3", ...}}}}`, one object per target framework (and
//! per framework/runtime pair such as `net8.0/win-x64`). `type` is `Direct`, `Transitive`,
//! `CentralTransitive` (version 2, central package management: pinned centrally, reached
//! transitively) or `Project` (another project of the solution, skipped: it is not a package).
//! A package locked for several frameworks becomes one component per version, direct if it is
//! direct for any framework. NuGet ids are case-insensitive, so `Newtonsoft.Json` and
//! `newtonsoft.json` at one version are one component (the first spelling is kept).

use std::collections::HashMap;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::Value;

use crate::{ParseError, Parsed, Warning};

/// 1-based lines of every `"key": {` in the text, per lower-cased key, in file order. A
/// package appears once per target framework; objects are walked in file order too, so the
/// n-th time a name is met, its n-th line is the one.
fn key_lines(text: &str) -> HashMap<String, Vec<u32>> {
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('"')
            && let Some(end) = rest.find('"')
            && let Some(value) = rest[end + 1..].trim_start().strip_prefix(':')
            && value.trim_start().starts_with('{')
        {
            out.entry(rest[..end].to_ascii_lowercase())
                .or_default()
                .push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}

/// Reads a `packages.lock.json`.
pub fn parse_packages_lock(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| ParseError(format!("not valid JSON: {e}")))?;
    let root = doc.as_object().ok_or_else(|| {
        ParseError("not a packages.lock.json: the top level is not an object".into())
    })?;
    let frameworks = root
        .get("dependencies")
        .ok_or_else(|| ParseError("not a packages.lock.json: no `dependencies`".into()))?
        .as_object()
        .ok_or_else(|| ParseError("`dependencies` is not an object".into()))?;
    let lines = key_lines(text);
    let mut parsed = Parsed::default();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut met: HashMap<String, usize> = HashMap::new();
    for (framework, packages) in frameworks {
        let Some(packages) = packages.as_object() else {
            return Err(ParseError(format!(
                "`dependencies.{framework}` is not an object"
            )));
        };
        for (name, entry) in packages {
            let lower = name.to_ascii_lowercase();
            let nth = met.entry(lower.clone()).or_insert(0);
            let line = lines.get(&lower).and_then(|l| l.get(*nth)).copied();
            *nth += 1;
            let kind = entry.get("type").and_then(Value::as_str).unwrap_or("");
            if kind.eq_ignore_ascii_case("Project") {
                continue;
            }
            let Some(version) = entry
                .get("resolved")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
            else {
                parsed.warnings.push(Warning {
                    path: path.to_string(),
                    line,
                    message: format!("{name} ({framework}) has no resolved version; skipped"),
                });
                continue;
            };
            // Unknown types are kept with directness unknown rather than dropped.
            let direct = match kind {
                k if k.eq_ignore_ascii_case("Direct") => Some(true),
                k if k.eq_ignore_ascii_case("Transitive")
                    || k.eq_ignore_ascii_case("CentralTransitive") =>
                {
                    Some(false)
                }
                _ => None,
            };
            let key = (name.to_ascii_lowercase(), version.to_ascii_lowercase());
            if let Some(existing) = index.get(&key).and_then(|&i| parsed.components.get_mut(i)) {
                if direct == Some(true) || (existing.direct.is_none() && direct.is_some()) {
                    existing.direct = direct;
                }
                continue;
            }
            index.insert(key, parsed.components.len());
            let mut c = Component::new(
                Ecosystem::new(EcosystemKind::NuGet),
                name.as_str(),
                version,
                Location::at(path, line),
            );
            c.direct = direct;
            c.scope = Scope::Required;
            parsed.components.push(c);
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupes_across_frameworks_and_skips_projects() {
        let text = r#"{
  "version": 2,
  "dependencies": {
    "net6.0": {
      "Serilog": { "type": "Transitive", "resolved": "2.10.0" },
      "Newtonsoft.Json": { "type": "Direct", "requested": "[13.0.1, )", "resolved": "13.0.1" },
      "MyLib": { "type": "Project", "dependencies": { "Serilog": "[2.10.0, )" } },
      "Broken": { "type": "Transitive" }
    },
    "net8.0": {
      "serilog": { "type": "Direct", "resolved": "2.10.0" },
      "System.Text.Json": { "type": "CentralTransitive", "requested": "[8.0.4, )", "resolved": "8.0.4" }
    }
  }
}"#;
        let p =
            parse_packages_lock("packages.lock.json", text).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<_> = p
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.direct, c.source.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Serilog", "2.10.0", Some(true), Some(5)),
                ("Newtonsoft.Json", "13.0.1", Some(true), Some(6)),
                ("System.Text.Json", "8.0.4", Some(false), Some(12)),
            ]
        );
        assert_eq!(p.warnings.len(), 1);
        assert!(parse_packages_lock("x", "[]").is_err());
        assert!(parse_packages_lock("x", r#"{"dependencies": {"net6.0": 1}}"#).is_err());
    }
}
