//! Gradle dependency lockfiles (`gradle.lockfile`, and the older per-configuration
//! `gradle/dependency-locks/<configuration>.lockfile`).
//!
//! Each line is `group:artifact:version=configuration1,configuration2`; `empty=...` lists the
//! configurations that resolve nothing; `#` starts a comment. The older per-configuration files
//! have no `=...` part. A component whose configurations are all test ones (a name containing
//! `test`, any case, like `testRuntimeClasspath`) gets [`Scope::Dev`], otherwise
//! [`Scope::Required`]. The lockfile does not say which dependencies are direct.

use std::collections::HashMap;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};

use crate::{ParseError, Parsed, Warning};

fn is_test_configuration(name: &str) -> bool {
    name.to_ascii_lowercase().contains("test")
}

/// Reads a Gradle lockfile. Lines that are not `group:artifact:version[=configurations]`
/// give warnings; the file is an error only when no line at all has that shape.
pub fn parse_gradle_lockfile(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed::default();
    // (name, version) → index, to merge configurations of repeated lines.
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut all_test: Vec<bool> = Vec::new();
    let mut recognised = false;
    let mut content = false;
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        content = true;
        let (coordinates, configurations) = match line.split_once('=') {
            Some((c, confs)) => (c.trim(), Some(confs.trim())),
            None => (line, None),
        };
        if coordinates == "empty" {
            recognised = true;
            continue;
        }
        let parts: Vec<&str> = coordinates.split(':').map(str::trim).collect();
        let [group, artifact, version] = parts.as_slice() else {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(number),
                message: format!("`{coordinates}` is not group:artifact:version; skipped"),
            });
            continue;
        };
        if group.is_empty() || artifact.is_empty() || version.is_empty() {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(number),
                message: format!(
                    "`{coordinates}` has an empty group, artifact or version; skipped"
                ),
            });
            continue;
        }
        recognised = true;
        // A per-configuration file (no `=`) does not name its configuration here; count it as
        // required rather than guess from the file name.
        let test_only = configurations.is_some_and(|confs| {
            let mut names = confs.split(',').map(str::trim).filter(|c| !c.is_empty());
            names.clone().next().is_some() && names.all(is_test_configuration)
        });
        let key = (format!("{group}:{artifact}"), (*version).to_string());
        if let Some(&at) = index.get(&key) {
            if let Some(t) = all_test.get_mut(at) {
                *t &= test_only;
            }
            continue;
        }
        index.insert(key.clone(), parsed.components.len());
        all_test.push(test_only);
        parsed.components.push(Component::new(
            Ecosystem::new(EcosystemKind::Maven),
            key.0,
            key.1,
            Location::at(path, Some(number)),
        ));
    }
    if content && !recognised {
        return Err(ParseError(
            "not a Gradle lockfile: no `group:artifact:version` line".into(),
        ));
    }
    for (c, test_only) in parsed.components.iter_mut().zip(all_test) {
        c.scope = if test_only {
            Scope::Dev
        } else {
            Scope::Required
        };
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_test_scopes() {
        let text = "# Gradle lockfile\ncom.google.guava:guava:31.1-jre=compileClasspath,runtimeClasspath\njunit:junit:4.13.2=testCompileClasspath,TestRuntimeClasspath\nbad-line=compileClasspath\nempty=annotationProcessor\n";
        let p =
            parse_gradle_lockfile("gradle.lockfile", text).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<_> = p
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.scope, c.source.line))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "com.google.guava:guava",
                    "31.1-jre",
                    Scope::Required,
                    Some(2)
                ),
                ("junit:junit", "4.13.2", Scope::Dev, Some(3)),
            ]
        );
        assert_eq!(p.warnings.len(), 1);
        assert!(parse_gradle_lockfile("x", "{\"not\": \"gradle\"}").is_err());
        assert!(parse_gradle_lockfile("x", "").is_ok());
    }
}
