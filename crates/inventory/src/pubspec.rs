//! Dart and Flutter `pubspec.lock`.
//!
//! A YAML mapping whose `packages` maps each package name to `{dependency, description, source,
//! version}`. `dependency` is `direct main`, `direct dev`, `direct overridden` or `transitive`;
//! `source` is `hosted` (a package server), `git`, `path` or `sdk` (shipped with the Flutter or
//! Dart SDK). Hosted packages become components: `direct dev` gives [`Scope::Dev`], the other
//! direct kinds are direct and required, `transitive` is transitive and required (the lockfile
//! does not say whether only dev dependencies need it). `sdk` packages are skipped (the SDK is
//! versioned as a whole, not per package); `git` and `path` packages, and hosted packages from
//! a server other than pub.dev, give warnings: they are not pub.dev releases.
//!
//! YAML is read through serde-saphyr with its default budgets (depth, node count, alias
//! expansion), so hostile YAML is refused rather than expanded.

use std::collections::HashMap;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::{Map, Value};

use crate::{ParseError, Parsed, Warning};

/// Servers whose packages are pub.dev packages.
const PUB_DEV: [&str; 4] = [
    "https://pub.dev",
    "https://pub.dartlang.org",
    "http://pub.dev",
    "http://pub.dartlang.org",
];

/// 1-based line of each `  name:` key directly under the top-level `packages:` key.
fn package_lines(text: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    let mut inside = false;
    let mut indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        if depth == 0 {
            inside = trimmed.starts_with("packages:");
            continue;
        }
        if !inside {
            continue;
        }
        let level = *indent.get_or_insert(depth);
        if depth == level
            && let Some(key) = trimmed.strip_suffix(':')
        {
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            out.entry(key.to_string()).or_insert(number);
        }
    }
    out
}

/// A scalar field as text: pubspec.lock quotes versions, but an unquoted `1.0` reads as a
/// number and is still meant as text.
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a `pubspec.lock`.
pub fn parse_pubspec_lock(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let doc: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_saphyr::from_str(text)
            .map_err(|e| ParseError(format!("not valid YAML: {}", one_line(&e.to_string()))))?
    };
    let packages = match &doc {
        Value::Null => return Ok(Parsed::default()),
        Value::Object(root) => match root.get("packages") {
            None | Some(Value::Null) => return Ok(Parsed::default()),
            Some(Value::Object(p)) => p,
            Some(_) => return Err(ParseError("`packages` is not a mapping".into())),
        },
        _ => {
            return Err(ParseError(
                "not a pubspec.lock: the top level is not a mapping".into(),
            ));
        }
    };
    Ok(read_packages(path, packages, &package_lines(text)))
}

/// The first line of a possibly multi-line error message.
fn one_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

fn read_packages(
    path: &str,
    packages: &Map<String, Value>,
    lines: &HashMap<String, u32>,
) -> Parsed {
    let mut parsed = Parsed::default();
    let mut seen = std::collections::HashSet::new();
    for (name, entry) in packages {
        let line = lines.get(name).copied();
        let mut warn = |message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line,
                message,
            })
        };
        let Some(entry) = entry.as_object() else {
            warn(format!("{name}: entry is not a mapping; skipped"));
            continue;
        };
        let source = scalar(entry.get("source")).unwrap_or_default();
        let dependency = scalar(entry.get("dependency")).unwrap_or_default();
        let version = scalar(entry.get("version")).filter(|v| !v.trim().is_empty());
        match source.as_str() {
            "sdk" => continue,
            "hosted" => {}
            "git" | "path" => {
                warn(format!(
                    "{name} comes from a {source} source, not pub.dev; not scanned"
                ));
                continue;
            }
            other => {
                warn(format!("{name} has unknown source `{other}`; skipped"));
                continue;
            }
        }
        let url = entry
            .get("description")
            .and_then(Value::as_object)
            .and_then(|d| d.get("url"))
            .and_then(Value::as_str)
            .map(|u| u.trim_end_matches('/'));
        if let Some(url) = url
            && !PUB_DEV.contains(&url)
        {
            warn(format!(
                "{name} is hosted on {url}, not pub.dev; not scanned"
            ));
            continue;
        }
        let Some(version) = version else {
            warn(format!("{name} has no version; skipped"));
            continue;
        };
        let (direct, scope) = match dependency.as_str() {
            "direct main" | "direct overridden" => (Some(true), Scope::Required),
            "direct dev" => (Some(true), Scope::Dev),
            "transitive" => (Some(false), Scope::Required),
            _ => (None, Scope::Required),
        };
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let mut c = Component::new(
            Ecosystem::new(EcosystemKind::Pub),
            name.as_str(),
            version,
            Location::at(path, line),
        );
        c.direct = direct;
        c.scope = scope;
        parsed.components.push(c);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hosted_packages_and_warns_about_others() {
        let text = r#"# Generated by pub
packages:
  async:
    dependency: transitive
    description:
      name: async
      sha256: "aa"
      url: "https://pub.dev"
    source: hosted
    version: "2.11.0"
  flutter:
    dependency: "direct main"
    description: flutter
    source: sdk
    version: "0.0.0"
  lints:
    dependency: "direct dev"
    description:
      name: lints
      url: "https://pub.dartlang.org"
    source: hosted
    version: 2.0.1
  mine:
    dependency: "direct main"
    description:
      path: "../mine"
      relative: true
    source: path
    version: "1.0.0"
  private:
    dependency: "direct main"
    description:
      name: private
      url: "https://pub.example.com"
    source: hosted
    version: "1.0.0"
sdks:
  dart: ">=3.0.0 <4.0.0"
"#;
        let p = parse_pubspec_lock("pubspec.lock", text).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<_> = p
            .components
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.version.as_str(),
                    c.direct,
                    c.scope,
                    c.source.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("async", "2.11.0", Some(false), Scope::Required, Some(3)),
                ("lints", "2.0.1", Some(true), Scope::Dev, Some(16)),
            ]
        );
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(23), Some(30)]);
        assert!(parse_pubspec_lock("x", "packages: [1]").is_err());
        assert!(parse_pubspec_lock("x", "- a").is_err());
        assert!(parse_pubspec_lock("x", "packages:\n  a: [").is_err());
        assert!(parse_pubspec_lock("x", "").is_ok_and(|p| p.components.is_empty()));
    }
}
