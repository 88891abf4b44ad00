//! Bundler's `Gemfile.lock` (also `gems.locked`).
//!
//! Sections start at column 0 (`GEM`, `GIT`, `PATH`, `PLATFORMS`, `DEPENDENCIES`,
//! `CHECKSUMS`, `RUBY VERSION`, `BUNDLED WITH`). Under `specs:` of `GEM`, `GIT` and `PATH`,
//! a four-space line `name (version)` is an installed gem (six-space lines are its own
//! requirements). A platform suffix (`nokogiri (1.16.0-x86_64-linux)`) is not part of the
//! version. `DEPENDENCIES` lists what the Gemfile asks for directly (`rails (~> 7.0)`,
//! `devise!` for a git or path source). Gems from `GIT` and `PATH` sources are listed, with a
//! warning, because advisories for a registry gem may not apply to a fork.

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location};

use crate::{ParseError, Parsed, Warning};

/// Platform suffixes Bundler appends to versions of native gems.
fn strip_platform(version: &str) -> &str {
    const PLATFORMS: &[&str] = &[
        "-x86_64",
        "-aarch64",
        "-arm64",
        "-arm",
        "-x86",
        "-java",
        "-universal",
        "-mingw",
        "-mswin",
        "-darwin",
        "-linux",
        "-i386",
        "-i686",
    ];
    PLATFORMS
        .iter()
        .filter_map(|p| version.find(p))
        .min()
        .and_then(|at| version.get(..at))
        .unwrap_or(version)
}

/// Reads a `Gemfile.lock`.
pub fn parse(path: &str, text: &str) -> Result<Parsed, ParseError> {
    if !text
        .lines()
        .any(|l| matches!(l.trim_end(), "GEM" | "GIT" | "PATH"))
    {
        return Err(ParseError(
            "not a Gemfile.lock: no GEM, GIT or PATH section".into(),
        ));
    }
    let mut section = "";
    let mut found: Vec<(String, String, u32, &str)> = Vec::new();
    let mut direct: HashSet<String> = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if !line.starts_with(' ') && !line.trim().is_empty() {
            section = match line.trim_end() {
                "GEM" => "GEM",
                "GIT" => "GIT",
                "PATH" => "PATH",
                "DEPENDENCIES" => "DEPENDENCIES",
                _ => "",
            };
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let entry = line.trim();
        match section {
            "GEM" | "GIT" | "PATH" if indent == 4 => {
                let Some((name, rest)) = entry.split_once(" (") else {
                    continue;
                };
                let version = rest.trim_end_matches(')');
                found.push((
                    name.to_string(),
                    strip_platform(version).to_string(),
                    number,
                    section,
                ));
            }
            "DEPENDENCIES" if indent == 2 => {
                let name = entry.split([' ', '!']).next().unwrap_or(entry).to_string();
                direct.insert(name);
            }
            _ => {}
        }
    }
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    for (name, version, line, source) in found {
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        if source != "GEM" {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(line),
                message: format!(
                    "{name} {version} comes from a {source} source, not rubygems.org: advisories for the registry gem may not apply"
                ),
            });
        }
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::RubyGems),
            name.clone(),
            version,
            Location {
                path: path.to_string(),
                line: Some(line),
                layer: None,
            },
        );
        component.direct = Some(direct.contains(&name));
        parsed.components.push(component);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_platforms_sources_and_direct_gems() {
        let text = "GIT\n  remote: https://github.com/x/devise.git\n  revision: abc\n  specs:\n    devise (4.9.0)\n      bcrypt (~> 3.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    bcrypt (3.1.20)\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    nokogiri (1.16.0-arm64-darwin)\n    racc (1.7.3)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  devise!\n  nokogiri (~> 1.16)\n\nBUNDLED WITH\n   2.5.3\n";
        let parsed = parse("Gemfile.lock", text).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<String> = parsed
            .components
            .iter()
            .map(|c| {
                format!(
                    "{} {} {:?} :{:?}",
                    c.name, c.version, c.direct, c.source.line
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "devise 4.9.0 Some(true) :Some(5)",
                "bcrypt 3.1.20 Some(false) :Some(11)",
                "nokogiri 1.16.0 Some(true) :Some(12)",
                "racc 1.7.3 Some(false) :Some(15)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parse("Gemfile.lock", "source 'https://rubygems.org'\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(GEM\n|DEPENDENCIES\n|  |    |\\(|\\)|-x86_64|!|\n|[a-z0-9.]{0,6}){0,60}") {
            let _ = parse("Gemfile.lock", &text);
        }
    }
}
