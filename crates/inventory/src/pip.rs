//! pip `requirements*.txt`: exact pins become components, everything else a warning.

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};

use crate::{Parsed, Warning};

/// Joins `\`-continued lines, keeping the number of each logical line's first line.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (body, continued) = match raw.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (raw, false),
        };
        let entry = current.get_or_insert_with(|| (number, String::new()));
        entry.1.push_str(body);
        entry.1.push(' ');
        if !continued && let Some(done) = current.take() {
            out.push(done);
        }
    }
    out.extend(current);
    out
}

/// Removes a comment: `#` at the start or after white space.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Reads a requirements file. Lines pinned with `==` (without wildcard) or `===` give
/// components; options (`-r`, `--index-url`...), URLs and ranges give warnings.
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut warn = |line: u32, message: String| {
        parsed.warnings.push(Warning {
            path: path.to_string(),
            line: Some(line),
            message,
        })
    };
    let mut components = Vec::new();
    for (number, line) in logical_lines(text) {
        let line = strip_comment(&line).trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('-') {
            let option = line.split_whitespace().next().unwrap_or(line);
            if matches!(
                option,
                "-r" | "--requirement" | "-c" | "--constraint" | "-e" | "--editable"
            ) {
                warn(
                    number,
                    format!(
                        "`{line}` is not followed in this version; list those packages here to scan them"
                    ),
                );
            }
            continue;
        }
        // Drop the environment marker and per-requirement options such as --hash.
        let requirement = line.split(';').next().unwrap_or(line);
        let requirement = requirement
            .split(" --")
            .next()
            .unwrap_or(requirement)
            .trim();
        let name_end = requirement
            .find(|c: char| !is_name_char(c))
            .unwrap_or(requirement.len());
        let name = &requirement[..name_end];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            warn(number, format!("`{requirement}` is not a requirement line"));
            continue;
        }
        let mut rest = requirement[name_end..].trim_start();
        if rest.starts_with('[') {
            rest = rest
                .find(']')
                .map(|i| rest[i + 1..].trim_start())
                .unwrap_or("");
        }
        let pin = rest
            .strip_prefix("===")
            .or_else(|| rest.strip_prefix("=="))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.contains(['*', ',', ' ', '<', '>', '!', '~']));
        match pin {
            Some(version) => components.push(Component {
                ecosystem: Ecosystem::new(EcosystemKind::PyPI),
                name: name.to_string(),
                version: version.to_string(),
                source: Location {
                    path: path.to_string(),
                    line: Some(number),
                    layer: None,
                },
                direct: None,
                scope: Scope::Required,
                source_package: None,
                dependency_path: Vec::new(),
            }),
            None if rest.starts_with('@') => warn(
                number,
                format!("{name} is installed from a URL; its version is unknown"),
            ),
            None => warn(
                number,
                format!(
                    "{name} is not pinned to one version (`{requirement}`); pin it with == to scan it"
                ),
            ),
        }
    }
    parsed.components = components;
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pins_and_warns_about_the_rest() {
        let text = "# comment\nDjango==3.1.3\nPyYAML == 5.1 ; python_version >= \"3.8\"\nrequests[socks]==2.19.0 # inline\nurllib3==1.26.9 \\\n    --hash=sha256:aabb \\\n    --hash=sha256:ccdd\nflask>=2.0\nnumpy==1.*\n-r other.txt\n--index-url https://example.invalid\npkg @ https://example.invalid/pkg.whl\nexact===1.0.post1\n";
        let p = parse("requirements.txt", text);
        let got: Vec<_> = p
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.source.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Django", "3.1.3", Some(2)),
                ("PyYAML", "5.1", Some(3)),
                ("requests", "2.19.0", Some(4)),
                ("urllib3", "1.26.9", Some(5)),
                ("exact", "1.0.post1", Some(13)),
            ]
        );
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(
            lines,
            [Some(8), Some(9), Some(10), Some(12)],
            "{:?}",
            p.warnings
        );
    }
}
