//! Bundler's `Gemfile.lock` (also `gems.locked`).
//!
//! Sections start at column 0 (`GEM`, `GIT`, `PATH`, `PLATFORMS`, `DEPENDENCIES`,
//! `CHECKSUMS`, `RUBY VERSION`, `BUNDLED WITH`). Under `specs:` of `GEM`, `GIT` and `PATH`,
//! a four-space line `name (version)` is an installed gem (six-space lines are its own
//! requirements). A platform suffix (`nokogiri (1.16.0-x86_64-linux)`) is not part of the
//! version; a gem locked for several platforms is one component. The lockfile does not
//! record Gemfile groups, so every gem has scope Required. `DEPENDENCIES` lists what the
//! Gemfile asks for directly (`rails (~> 7.0)`, `devise!` for a git or path source). Gems
//! from `GIT` and `PATH` sources are listed, with a warning, because advisories for a
//! registry gem may not apply to a fork.

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location};

use crate::{ParseError, Parsed, Warning};

/// Drops the platform Bundler appends to versions of native gems
/// (`1.16.0-x86_64-linux-gnu`, `1.17.3-arm64-darwin`, `9.4.3.0-java`). Bundler's own
/// lockfile reader splits at the first `-`: RubyGems versions write pre-releases with a
/// dot (`1.0.0.rc1`), so a `-` in a lockfile version always starts the platform.
fn strip_platform(version: &str) -> &str {
    version.split('-').next().unwrap_or(version)
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
    let mut warnings = Vec::new();
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
                let parsed_entry = entry
                    .split_once(" (")
                    .and_then(|(name, rest)| Some((name, rest.strip_suffix(')')?)))
                    .map(|(name, version)| (name, strip_platform(version).trim()))
                    .filter(|(name, version)| !name.is_empty() && !version.is_empty());
                let Some((name, version)) = parsed_entry else {
                    warnings.push(Warning {
                        path: path.to_string(),
                        line: Some(number),
                        message: format!("`{entry}` is not a `name (version)` spec line"),
                    });
                    continue;
                };
                found.push((name.to_string(), version.to_string(), number, section));
            }
            "DEPENDENCIES" if indent == 2 => {
                let name = entry.split([' ', '!']).next().unwrap_or(entry).to_string();
                direct.insert(name);
            }
            _ => {}
        }
    }
    let mut parsed = Parsed {
        components: Vec::new(),
        warnings,
    };
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
            Location::at(path, Some(line)),
        );
        component.direct = Some(direct.contains(&name));
        parsed.components.push(component);
    }
    // Source warnings were made after the spec-line ones: back to file order.
    parsed.warnings.sort_by_key(|w| w.line);
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
