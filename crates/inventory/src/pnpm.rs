//! pnpm's `pnpm-lock.yaml`, lockfile versions 5.x, 6 and 9.
//!
//! Every installed package is a key of `packages`, spelled per version:
//!
//! | version | key |
//! |---|---|
//! | 5.x | `/name/1.2.3`, `/@scope/name/1.2.3_peer@2.0.0` |
//! | 6   | `/name@1.2.3(peer@2.0.0)` |
//! | 9   | `name@1.2.3` (peer variants live in `snapshots`) |
//!
//! Peer suffixes are not part of the version. Direct dependencies are those the `importers`
//! (or, in single-project 5.x files, the top-level `dependencies`, `devDependencies`,
//! `optionalDependencies`) name; packages pnpm marks `dev: true` / `optional: true` (5.x, 6)
//! get those scopes, and in 9, a direct dependency named only under `devDependencies` is dev.
//! Keys that are not registry packages (`link:`, `file:`, tarball URLs, git) are warnings.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::{Map, Value};

use crate::{ParseError, Parsed, Warning};

/// `name` and `version` of a package key, peer suffixes removed.
fn split_key(key: &str) -> Option<(String, String)> {
    let key = key.trim_start_matches('/');
    // A scoped name `@scope/name` runs past its first `/`.
    let from = if key.starts_with('@') {
        key.find('/')? + 1
    } else {
        0
    };
    let rest = key.get(from..)?;
    match (rest.find('@'), rest.find('/')) {
        // 6 and 9: `name@version(peers)`.
        (Some(at), slash) if slash.is_none_or(|s| at < s) => {
            let name = key.get(..from + at)?;
            let version = rest.get(at + 1..)?;
            let version = version.split('(').next().unwrap_or(version);
            Some((name.to_string(), version.to_string()))
        }
        // 5.x: `name/version_peers`.
        (_, Some(slash)) => {
            let name = key.get(..from + slash)?;
            let version = rest.get(slash + 1..)?;
            if version.contains('/') {
                return None;
            }
            let version = version.split('_').next().unwrap_or(version);
            Some((name.to_string(), version.to_string()))
        }
        _ => None,
    }
}

/// Whether a version is a registry version (not `link:`, `file:`, a URL or a git ref).
fn is_registry_version(version: &str) -> bool {
    version.chars().next().is_some_and(|c| c.is_ascii_digit()) && !version.contains(':')
}

/// The line of each key directly under `packages:`.
fn package_lines(text: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line.trim_end() == "packages:";
            continue;
        }
        if inside
            && let Some(key) = line.strip_prefix("  ")
            && !key.starts_with(' ')
            && let Some(key) = key.trim_end().strip_suffix(':')
        {
            let key = key.trim_matches('\'').trim_matches('"').to_string();
            lines.insert(key, u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    lines
}

/// The version an importer entry gives: `1.2.3` (5.x) or `{specifier, version}` (6, 9).
fn importer_version(entry: &Value) -> Option<&str> {
    match entry {
        Value::String(v) => Some(v),
        Value::Object(o) => o.get("version").and_then(Value::as_str),
        _ => None,
    }
}

/// A set of (name, version) packages.
type Packages = HashSet<(String, String)>;

/// Direct dependencies as (name, version without peers), and those named only as dev ones.
fn direct_dependencies(doc: &Map<String, Value>) -> Option<(Packages, Packages)> {
    let mut projects: Vec<&Map<String, Value>> = Vec::new();
    if let Some(importers) = doc.get("importers").and_then(Value::as_object) {
        projects.extend(importers.values().filter_map(Value::as_object));
    }
    if ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|k| doc.contains_key(*k))
    {
        projects.push(doc);
    }
    if projects.is_empty() {
        return None;
    }
    let mut all = HashSet::new();
    let mut runtime = HashSet::new();
    let mut dev = HashSet::new();
    for project in projects {
        for (group, is_dev) in [
            ("dependencies", false),
            ("optionalDependencies", false),
            ("devDependencies", true),
        ] {
            let Some(deps) = project.get(group).and_then(Value::as_object) else {
                continue;
            };
            for (name, entry) in deps {
                let Some(version) = importer_version(entry) else {
                    continue;
                };
                // 5.x peers: `1.2.3_react@18.0.0`; 6/9: `1.2.3(react@18.0.0)`.
                let version = version.split(['(', '_']).next().unwrap_or(version);
                let key = (name.clone(), version.to_string());
                if is_dev {
                    dev.insert(key.clone());
                } else {
                    runtime.insert(key.clone());
                }
                all.insert(key);
            }
        }
    }
    let dev_only = dev.difference(&runtime).cloned().collect();
    Some((all, dev_only))
}

/// Reads a `pnpm-lock.yaml`. `manifest` (the `package.json` beside it) is not needed: the
/// lockfile's importers say which dependencies are direct.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let _ = manifest;
    let doc: Value = serde_saphyr::from_str(text).map_err(|e| {
        ParseError(format!(
            "not a pnpm lockfile: {}",
            first_line(&e.to_string())
        ))
    })?;
    let Value::Object(doc) = doc else {
        return Err(ParseError(
            "not a pnpm lockfile: expected a YAML mapping".into(),
        ));
    };
    if !doc.contains_key("lockfileVersion") {
        return Err(ParseError("not a pnpm lockfile: no lockfileVersion".into()));
    }
    let lines = package_lines(text);
    let direct = direct_dependencies(&doc);
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    let empty = Map::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (key, entry) in packages {
        let line = lines.get(key.as_str()).copied();
        let warn = |parsed: &mut Parsed, message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line,
                message,
            })
        };
        // Entries may name themselves (`name`/`version` fields, e.g. for tarball keys).
        let named = entry
            .get("name")
            .and_then(Value::as_str)
            .zip(entry.get("version").and_then(Value::as_str))
            .map(|(n, v)| (n.to_string(), v.to_string()));
        let Some((name, version)) = named.or_else(|| split_key(key)) else {
            warn(&mut parsed, format!("unreadable package key `{key}`"));
            continue;
        };
        if !is_registry_version(&version) {
            warn(
                &mut parsed,
                format!(
                    "{name}@{version} is not from the npm registry: not matched against advisories"
                ),
            );
            continue;
        }
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let flag = |f: &str| entry.get(f).and_then(Value::as_bool).unwrap_or(false);
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::Npm),
            name.clone(),
            version.clone(),
            Location {
                path: path.to_string(),
                line,
                layer: None,
            },
        );
        let pair = (name, version);
        if let Some((all, dev_only)) = &direct {
            component.direct = Some(all.contains(&pair));
            if dev_only.contains(&pair) {
                component.scope = Scope::Dev;
            }
        }
        if flag("dev") {
            component.scope = Scope::Dev;
        } else if flag("optional") {
            component.scope = Scope::Optional;
        }
        parsed.components.push(component);
    }
    Ok(parsed)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(p: &Parsed) -> Vec<String> {
        p.components
            .iter()
            .map(|c| {
                format!(
                    "{}@{} {:?} {:?} :{:?}",
                    c.name, c.version, c.direct, c.scope, c.source.line
                )
            })
            .collect()
    }

    #[test]
    fn keys_of_every_version() {
        let k = |s: &str| split_key(s).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(k("/lodash/4.17.21").as_deref(), Some("lodash 4.17.21"));
        assert_eq!(
            k("/@babel/core/7.12.3_supports-color@8.1.1").as_deref(),
            Some("@babel/core 7.12.3")
        );
        assert_eq!(k("/lodash@4.17.21").as_deref(), Some("lodash 4.17.21"));
        assert_eq!(
            k("/@vue/compiler-sfc@3.2.0(vue@3.2.0)").as_deref(),
            Some("@vue/compiler-sfc 3.2.0")
        );
        assert_eq!(
            k("react-dom@18.2.0(react@18.2.0)").as_deref(),
            Some("react-dom 18.2.0")
        );
        assert_eq!(
            k("@types/node@20.1.0").as_deref(),
            Some("@types/node 20.1.0")
        );
        assert_eq!(k("nonsense"), None);
    }

    #[test]
    fn version_5_and_9_with_importers() {
        let v5 = "lockfileVersion: 5.4\n\nimporters:\n\n  .:\n    specifiers:\n      a: ^1.0.0\n      b: ^2.0.0\n    dependencies:\n      a: 1.0.0\n    devDependencies:\n      b: 2.0.0_a@1.0.0\n\npackages:\n\n  /a/1.0.0:\n    resolution: {integrity: sha512-x}\n\n  /b/2.0.0_a@1.0.0:\n    resolution: {integrity: sha512-y}\n    dev: true\n\n  /c/3.0.0:\n    resolution: {integrity: sha512-z}\n    optional: true\n";
        let parsed = parse("pnpm-lock.yaml", v5, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "a@1.0.0 Some(true) Required :Some(16)",
                "b@2.0.0 Some(true) Dev :Some(19)",
                "c@3.0.0 Some(false) Optional :Some(23)",
            ]
        );
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      vite:\n        specifier: ^5.0.0\n        version: 5.0.0(@types/node@20.1.0)\npackages:\n  vite@5.0.0:\n    resolution: {integrity: sha512-a}\n  '@types/node@20.1.0':\n    resolution: {integrity: sha512-b}\n  local@file:../local:\n    resolution: {directory: ../local, type: directory}\nsnapshots:\n  vite@5.0.0(@types/node@20.1.0):\n    dependencies: {}\n";
        let parsed = parse("pnpm-lock.yaml", v9, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "vite@5.0.0 Some(true) Dev :Some(9)",
                "@types/node@20.1.0 Some(false) Required :Some(11)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
    }

    #[test]
    fn other_yaml_is_refused() {
        assert!(parse("pnpm-lock.yaml", "a: 1\n", None).is_err());
        assert!(parse("pnpm-lock.yaml", "- 1\n", None).is_err());
        assert!(parse("pnpm-lock.yaml", "{{{", None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(lockfileVersion: 9\n|packages:\n|  |/|@|\\(|:|'|\n|[a-z0-9.]{0,5}){0,60}") {
            let _ = parse("pnpm-lock.yaml", &text, None);
        }
    }
}
