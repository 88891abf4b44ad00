//! Composer's `composer.lock` (PHP, Packagist).
//!
//! A JSON object whose `packages` are installed for production and `packages-dev` for
//! development only, each `{"name": "vendor/package", "version": "v1.2.3", ...}`. A leading
//! `v` before a digit is dropped, as Packagist advisories write versions without it. Branch
//! versions (`dev-main`, `1.x-dev`) are not releases an advisory range can place: they become
//! warnings. With the `composer.json` beside the lock, its `require` and `require-dev` tell
//! direct dependencies from transitive ones.

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::Value;

use crate::{ParseError, Parsed, Warning};

/// Line of each `"name": "<package>"` in the lock, for locations.
fn name_lines(text: &str) -> std::collections::HashMap<String, u32> {
    let mut lines = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("\"name\":")
            && let Some(rest) = line.get(at + 7..)
            && let Some(name) = rest
                .trim_start()
                .strip_prefix('"')
                .and_then(|r| r.split('"').next())
        {
            lines
                .entry(name.to_string())
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    lines
}

/// Reads a `composer.lock`; `manifest` is the `composer.json` beside it.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| ParseError(format!("not a composer.lock: {e}")))?;
    if !doc.get("packages").is_some_and(Value::is_array) {
        return Err(ParseError(
            "not a composer.lock: no `packages` array".into(),
        ));
    }
    let mut parsed = Parsed::default();
    let required = manifest.and_then(|m| match serde_json::from_str::<Value>(m) {
        Ok(Value::Object(m)) => Some(
            ["require", "require-dev"]
                .iter()
                .filter_map(|k| m.get(*k).and_then(Value::as_object))
                .flat_map(|o| o.keys().map(|k| k.to_ascii_lowercase()))
                .collect::<HashSet<String>>(),
        ),
        _ => {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: None,
                message: "the composer.json beside it is not a JSON object: direct dependencies are unknown".into(),
            });
            None
        }
    });
    let lines = name_lines(text);
    let mut seen = HashSet::new();
    for (group, scope) in [("packages", Scope::Required), ("packages-dev", Scope::Dev)] {
        let list = match doc.get(group) {
            Some(Value::Array(list)) => list,
            None | Some(Value::Null) => continue,
            Some(_) => {
                parsed.warnings.push(Warning {
                    path: path.to_string(),
                    line: None,
                    message: format!("`{group}` is not an array"),
                });
                continue;
            }
        };
        for entry in list {
            let name = entry.get("name").and_then(Value::as_str);
            let version = entry.get("version").and_then(Value::as_str);
            let line = name.and_then(|n| lines.get(n).copied());
            let (Some(name), Some(version)) = (name, version) else {
                let message = match name {
                    Some(name) => format!("{name} has no version"),
                    None => format!("an entry of `{group}` has no name"),
                };
                parsed.warnings.push(Warning {
                    path: path.to_string(),
                    line,
                    message,
                });
                continue;
            };
            if version.starts_with("dev-") || version.ends_with("-dev") {
                parsed.warnings.push(Warning {
                    path: path.to_string(),
                    line,
                    message: format!(
                        "{name} is installed from branch `{version}`, not a release: not matched against advisories"
                    ),
                });
                continue;
            }
            let version = match version.strip_prefix(['v', 'V']) {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
                _ => version,
            };
            if !seen.insert((name.to_string(), version.to_string())) {
                continue;
            }
            let mut component = Component::new(
                Ecosystem::new(EcosystemKind::Packagist),
                name,
                version,
                Location::at(path, line),
            );
            component.scope = scope;
            if let Some(required) = &required {
                component.direct = Some(required.contains(&name.to_ascii_lowercase()));
            }
            parsed.components.push(component);
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_and_dev_packages_with_the_manifest() {
        let text = r#"{
    "packages": [
        {"name": "laravel/framework", "version": "v10.0.1"},
        {"name": "symfony/console", "version": "v6.2.5"},
        {"name": "acme/forked", "version": "dev-main"}
    ],
    "packages-dev": [
        {"name": "phpunit/phpunit", "version": "10.0.7"}
    ]
}"#;
        let manifest = r#"{"require": {"laravel/framework": "^10.0"}, "require-dev": {"phpunit/phpunit": "^10"}}"#;
        let parsed =
            parse("composer.lock", text, Some(manifest)).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<String> = parsed
            .components
            .iter()
            .map(|c| {
                format!(
                    "{} {} {:?} {:?} :{:?}",
                    c.name, c.version, c.direct, c.scope, c.source.line
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "laravel/framework 10.0.1 Some(true) Required :Some(3)",
                "symfony/console 6.2.5 Some(false) Required :Some(4)",
                "phpunit/phpunit 10.0.7 Some(true) Dev :Some(8)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parse("composer.lock", "{}", None).is_err());
        assert!(parse("composer.lock", "[", None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse("composer.lock", &text, None);
        }
    }
}
