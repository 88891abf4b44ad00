//! Yarn's `yarn.lock`, classic (v1) and berry (v2 and later).
//!
//! Both list one block per resolved package, keyed by the requests it satisfies:
//!
//! ```text
//! "@babel/core@^7.0.0", "@babel/core@^7.12.3":     # classic
//!   version "7.12.3"
//! "@babel/core@npm:^7.0.0":                          # berry (YAML)
//!   version: 7.12.3
//!   resolution: "@babel/core@npm:7.12.3"
//! ```
//!
//! The package name comes from the first request of the key, or from an alias target
//! (`string-width-cjs@npm:string-width@^4.2.0` is `string-width`); berry's `resolution` is
//! preferred when present. Berry entries resolved by `workspace:`, `link:`, `portal:`,
//! `file:`, `git` or `exec:` protocols are not registry packages: the project's own workspace
//! is skipped, the others become warnings. A `patch:` resolution is the patched package at
//! its version. This is a small line reader of our own rather than `yarn-lock-parser`,
//! because that crate does not give line numbers nor the berry `resolution` protocols we
//! need to tell registry packages from local ones.

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::Value;

use crate::{ParseError, Parsed, Warning};

/// One block: its key line, first request and the fields read.
struct Block {
    line: u32,
    key: String,
    version: Option<String>,
    resolution: Option<String>,
}

/// `name` of a request `name@range` (`@scope/name@range` keeps its scope).
fn split_request(request: &str) -> Option<(&str, &str)> {
    let at = request.get(1..)?.find('@')? + 1;
    Some((request.get(..at)?, request.get(at + 1..)?))
}

/// Removes surrounding quotes and spaces.
fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim_matches('\'')
}

/// The package a request or resolution names: aliases (`x@npm:real@range`) give `real`.
fn package_name(request: &str) -> Option<String> {
    let (name, range) = split_request(request)?;
    if let Some(target) = range.strip_prefix("npm:")
        && let Some((real, _)) = split_request(target)
    {
        return Some(real.to_string());
    }
    Some(name.to_string())
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if !indented {
            if let Some(key) = line.trim_end().strip_suffix(':') {
                out.push(Block {
                    line: number,
                    key: key.to_string(),
                    version: None,
                    resolution: None,
                });
            }
            continue;
        }
        // Only the block's own fields (two spaces), not its dependency lists (four).
        let depth = line.len() - line.trim_start().len();
        let Some(block) = out.last_mut() else {
            continue;
        };
        if depth != 2 {
            continue;
        }
        let field = line.trim();
        let (name, value) = match field.split_once(':') {
            // Berry: `version: 1.2.3`, `resolution: "a@npm:1.2.3"`.
            Some((name, value)) if !name.contains([' ', '"']) => (name, value),
            // Classic: `version "1.2.3"`.
            _ => match field.split_once(' ') {
                Some((name, value)) => (name, value),
                None => continue,
            },
        };
        match name {
            "version" => block.version = Some(unquote(value).to_string()),
            "resolution" => block.resolution = Some(unquote(value).to_string()),
            _ => {}
        }
    }
    out
}

/// Names the project's `package.json` declares, and which of them only as dev dependencies.
fn declared(manifest: Option<&str>) -> Option<(HashSet<String>, HashSet<String>)> {
    let doc: Value = serde_json::from_str(manifest?).ok()?;
    let names = |key: &str| -> HashSet<String> {
        doc.get(key)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut all = names("dependencies");
    all.extend(names("optionalDependencies"));
    all.extend(names("peerDependencies"));
    let dev: HashSet<String> = names("devDependencies")
        .into_iter()
        .filter(|n| !all.contains(n))
        .collect();
    all.extend(dev.iter().cloned());
    Some((all, dev))
}

/// Reads a `yarn.lock` (classic or berry). `manifest` is the `package.json` beside it, which
/// tells direct dependencies (and dev-only ones) from transitive ones.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    if !berry && !text.contains("yarn lockfile v1") && !text.lines().any(|l| l.starts_with('"')) {
        return Err(ParseError(
            "not a yarn.lock: neither the `# yarn lockfile v1` header nor berry's `__metadata`"
                .into(),
        ));
    }
    let declared = declared(manifest);
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    for block in blocks(text) {
        if block.key == "__metadata" {
            continue;
        }
        let first = block.key.split(',').next().map(unquote).unwrap_or_default();
        let warn = |parsed: &mut Parsed, message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(block.line),
                message,
            })
        };
        // Berry's resolution says where the package came from.
        let (name, version) = match &block.resolution {
            Some(resolution) => {
                let Some((name, how)) = split_request(resolution) else {
                    warn(&mut parsed, format!("unreadable resolution `{resolution}`"));
                    continue;
                };
                if let Some(v) = how.strip_prefix("npm:") {
                    (name.to_string(), v.to_string())
                } else if how.starts_with("patch:") {
                    // `patch:name@npm%3A1.2.3#...`: the patched registry package.
                    let inner = how.trim_start_matches("patch:");
                    let inner = inner.split('#').next().unwrap_or(inner).replace("%3A", ":");
                    match split_request(&inner)
                        .and_then(|(_, r)| r.strip_prefix("npm:").map(str::to_string))
                    {
                        Some(v) => (name.to_string(), v),
                        None => {
                            warn(
                                &mut parsed,
                                format!("{name}: patched package without a registry version"),
                            );
                            continue;
                        }
                    }
                } else if how.starts_with("workspace:.") && how.len() <= "workspace:.".len() {
                    continue;
                } else {
                    let protocol = how.split(':').next().unwrap_or(how);
                    warn(
                        &mut parsed,
                        format!(
                            "{name} comes from `{protocol}`, not the npm registry: not matched against advisories"
                        ),
                    );
                    continue;
                }
            }
            None => {
                let Some(name) = package_name(first) else {
                    warn(&mut parsed, format!("unreadable entry `{first}`"));
                    continue;
                };
                let Some(version) = block.version.clone() else {
                    warn(&mut parsed, format!("{name} has no version"));
                    continue;
                };
                let range = split_request(first).map(|(_, r)| r).unwrap_or_default();
                if range.starts_with("file:")
                    || range.starts_with("link:")
                    || range.contains("://")
                    || range.starts_with("git")
                {
                    warn(
                        &mut parsed,
                        format!(
                            "{name}@{version} is not from the npm registry ({range}): not matched against advisories"
                        ),
                    );
                    continue;
                }
                (name, version)
            }
        };
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::Npm),
            name.clone(),
            version,
            Location {
                path: path.to_string(),
                line: Some(block.line),
                layer: None,
            },
        );
        if let Some((all, dev)) = &declared {
            component.direct = Some(all.contains(&name));
            if dev.contains(&name) {
                component.scope = Scope::Dev;
            }
        }
        parsed.components.push(component);
    }
    Ok(parsed)
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
    fn classic_blocks_aliases_and_the_manifest() {
        let text = "# yarn lockfile v1\n\n\n\"@babel/core@^7.0.0\", \"@babel/core@^7.1.0\":\n  version \"7.12.3\"\n  dependencies:\n    debug \"^4.1.0\"\n\ndebug@^4.1.0:\n  version \"4.3.1\"\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version \"4.2.3\"\n\nlocal@file:../local:\n  version \"1.0.0\"\n";
        let manifest =
            r#"{"dependencies": {"@babel/core": "^7"}, "devDependencies": {"debug": "^4"}}"#;
        let parsed = parse("yarn.lock", text, Some(manifest)).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "@babel/core@7.12.3 Some(true) Required :Some(4)",
                "debug@4.3.1 Some(true) Dev :Some(9)",
                "string-width@4.2.3 Some(false) Required :Some(12)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    }

    #[test]
    fn berry_resolutions_and_protocols() {
        let text = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  dependencies:\n    lodash: \"npm:^4.17.0\"\n  languageName: unknown\n  linkType: soft\n\n\"lodash@npm:^4.17.0, lodash@npm:^4.17.20\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21\"\n  languageName: node\n  linkType: hard\n\n\"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>\":\n  version: 1.22.8\n  resolution: \"resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d\"\n\n\"tool@link:./tools\":\n  version: 0.0.0-use.local\n  resolution: \"tool@link:./tools::locator=app%40workspace%3A.\"\n";
        let parsed = parse("yarn.lock", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "lodash@4.17.21 None Required :Some(13)",
                "resolve@1.22.8 None Required :Some(19)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].message.contains("`link`"));
    }

    #[test]
    fn other_files_are_refused() {
        assert!(parse("yarn.lock", "{\"not\": \"yarn\"}", None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(# yarn lockfile v1\n|\"|@|:|npm:|version|resolution|  |    |\n|[a-z^.0-9]{0,6}){0,80}") {
            let _ = parse("yarn.lock", &text, None);
        }
    }
}
