//! npm `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its folder
//! (`node_modules/a/node_modules/@s/b`); version 1 nests `dependencies` objects. Both record
//! `dev` and `optional` flags. Direct dependencies are those the root package declares: from
//! the lockfile's own root entry (v2/v3) or from the sibling `package.json` (v1).

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::{Map, Value};

use crate::{ParseError, Parsed, Warning};

const DEPENDENCY_FIELDS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Names declared by a package.json-shaped object.
fn declared_names(package: &Value) -> HashSet<String> {
    DEPENDENCY_FIELDS
        .iter()
        .filter_map(|f| package.get(*f).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect()
}

fn scope_of(entry: &Value) -> Scope {
    let flag = |f: &str| entry.get(f).and_then(Value::as_bool).unwrap_or(false);
    if flag("dev") || flag("devOptional") {
        Scope::Dev
    } else if flag("optional") {
        Scope::Optional
    } else {
        Scope::Required
    }
}

/// Splits an npm alias version (`npm:real-name@1.2.3`) into the real name and version.
fn unalias(version: &str) -> Option<(&str, &str)> {
    let rest = version.strip_prefix("npm:")?;
    // The name may be scoped (`@s/n@1.0.0`): split at the last `@` that is not the first char.
    let at = rest.rfind('@').filter(|&i| i > 0)?;
    Some((&rest[..at], &rest[at + 1..]))
}

/// Whether a version string is a registry version rather than a URL, path or git reference.
fn is_registry_version(v: &str) -> bool {
    !v.is_empty() && !v.contains(':') && !v.contains('/')
}

/// 1-based line of each `"key": {` in the text, for the `packages` keys of v2/v3.
fn key_lines(text: &str) -> HashMap<&str, u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('"')
            && let Some(end) = rest.find("\": {")
        {
            out.entry(&rest[..end])
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}

struct Sink<'a> {
    path: &'a str,
    parsed: Parsed,
    seen: HashSet<(String, String)>,
}

impl Sink<'_> {
    fn push(
        &mut self,
        name: &str,
        version: &str,
        line: Option<u32>,
        direct: Option<bool>,
        scope: Scope,
    ) {
        if !self.seen.insert((name.to_string(), version.to_string())) {
            return;
        }
        self.parsed.components.push(Component {
            ecosystem: Ecosystem::new(EcosystemKind::Npm),
            name: name.to_string(),
            version: version.to_string(),
            source: Location::at(self.path, line),
            direct,
            scope,
            source_package: None,
            dependency_path: Vec::new(),
        });
    }

    fn warn(&mut self, line: Option<u32>, message: String) {
        self.parsed.warnings.push(Warning {
            path: self.path.to_string(),
            line,
            message,
        });
    }
}

/// Reads an npm lockfile.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| ParseError(format!("not valid JSON: {e}")))?;
    let Some(root) = doc.as_object() else {
        return Err(ParseError(
            "not an npm lockfile: the top level is not an object".into(),
        ));
    };
    let mut sink = Sink {
        path,
        parsed: Parsed::default(),
        seen: HashSet::new(),
    };
    if let Some(packages) = root.get("packages") {
        let packages = packages
            .as_object()
            .ok_or_else(|| ParseError("`packages` is not an object".into()))?;
        read_packages(packages, &key_lines(text), &mut sink);
    } else if let Some(deps) = root.get("dependencies") {
        let deps = deps
            .as_object()
            .ok_or_else(|| ParseError("`dependencies` is not an object".into()))?;
        let direct = manifest
            .and_then(|m| serde_json::from_str::<Value>(m).ok())
            .map(|m| declared_names(&m));
        read_v1(deps, direct.as_ref(), true, &mut sink);
    } else if !root.contains_key("lockfileVersion") {
        return Err(ParseError(
            "not an npm lockfile: no `lockfileVersion`, `packages` or `dependencies`".into(),
        ));
    }
    Ok(sink.parsed)
}

fn read_packages(packages: &Map<String, Value>, lines: &HashMap<&str, u32>, sink: &mut Sink<'_>) {
    let direct = packages.get("").map(declared_names).unwrap_or_default();
    for (key, entry) in packages {
        // Only installed packages: the root ("") and workspace folders are the project itself.
        let Some(at) = key.rfind("node_modules/") else {
            continue;
        };
        if entry.get("link").and_then(Value::as_bool).unwrap_or(false) {
            continue;
        }
        let folder_name = &key[at + "node_modules/".len()..];
        let line = lines.get(key.as_str()).copied();
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            sink.warn(line, format!("{key} has no version"));
            continue;
        };
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(folder_name);
        let (name, version) = unalias(version).unwrap_or((name, version));
        if !is_registry_version(version) {
            sink.warn(
                line,
                format!("{name}@{version} is not a registry version; skipped"),
            );
            continue;
        }
        let is_top = at == 0;
        let is_direct = is_top && direct.contains(folder_name);
        sink.push(name, version, line, Some(is_direct), scope_of(entry));
    }
}

fn read_v1(
    deps: &Map<String, Value>,
    direct: Option<&HashSet<String>>,
    top: bool,
    sink: &mut Sink<'_>,
) {
    for (key, entry) in deps {
        match entry.get("version").and_then(Value::as_str) {
            Some(version) => {
                let (name, version) = unalias(version).unwrap_or((key, version));
                if is_registry_version(version) {
                    let is_direct = direct.map(|d| top && d.contains(key.as_str()));
                    sink.push(name, version, None, is_direct, scope_of(entry));
                } else {
                    sink.warn(
                        None,
                        format!("{key}@{version} is not a registry version; skipped"),
                    );
                }
            }
            None => sink.warn(None, format!("{key} has no version")),
        }
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            read_v1(nested, direct, false, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(p: &Parsed) -> Vec<(String, String, Option<bool>, Scope)> {
        p.components
            .iter()
            .map(|c| (c.name.clone(), c.version.clone(), c.direct, c.scope))
            .collect()
    }

    #[test]
    fn reads_v3_packages() {
        let text = r#"{
  "name": "app", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": { "name": "app", "dependencies": { "lodash": "^4.17.0", "@s/x": "1" }, "devDependencies": { "jest": "1" } },
    "node_modules/lodash": { "version": "4.17.15" },
    "node_modules/@s/x": { "version": "1.0.0", "optional": true },
    "node_modules/jest": { "version": "1.0.0", "dev": true },
    "node_modules/jest/node_modules/lodash": { "version": "3.10.1", "dev": true },
    "node_modules/alias": { "name": "minimist", "version": "1.2.0" },
    "node_modules/aliased2": { "version": "npm:@s/y@2.0.0" },
    "node_modules/gitdep": { "version": "git+ssh://git@example.com/x.git#abc" },
    "node_modules/linked": { "resolved": "packages/linked", "link": true },
    "packages/linked": { "version": "0.0.1" }
  }
}"#;
        let p = parse("package-lock.json", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            components(&p),
            [
                (
                    "lodash".into(),
                    "4.17.15".into(),
                    Some(true),
                    Scope::Required
                ),
                ("@s/x".into(), "1.0.0".into(), Some(true), Scope::Optional),
                ("jest".into(), "1.0.0".into(), Some(true), Scope::Dev),
                ("lodash".into(), "3.10.1".into(), Some(false), Scope::Dev),
                (
                    "minimist".into(),
                    "1.2.0".into(),
                    Some(false),
                    Scope::Required
                ),
                ("@s/y".into(), "2.0.0".into(), Some(false), Scope::Required),
            ]
        );
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.components[0].source.line, Some(5));
    }

    #[test]
    fn reads_v1_nested_dependencies_with_manifest() {
        let text = r#"{"name":"app","lockfileVersion":1,"requires":true,"dependencies":{
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dev": true}}},
            "c": {"version": "3.0.0"}}}"#;
        let manifest = r#"{"dependencies": {"a": "^1"}}"#;
        let p =
            parse("package-lock.json", text, Some(manifest)).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            components(&p),
            [
                ("a".into(), "1.0.0".into(), Some(true), Scope::Required),
                ("b".into(), "2.0.0".into(), Some(false), Scope::Dev),
                ("c".into(), "3.0.0".into(), Some(false), Scope::Required),
            ]
        );
        let p = parse("package-lock.json", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(p.components[0].direct, None);
    }

    #[test]
    fn malformed_lockfiles_are_errors() {
        assert!(parse("p", "{", None).is_err());
        assert!(parse("p", "[]", None).is_err());
        assert!(parse("p", r#"{"packages": []}"#, None).is_err());
        assert!(parse("p", r#"{"name": "x"}"#, None).is_err());
    }
}
