//! pip requirements files (`requirements*.txt`).
//!
//! One requirement per logical line (`\` at a line end continues it; `#` after white space
//! starts a comment): `name[extras] ==1.2.3 ; marker --hash=sha256:...`. Only exact pins
//! (`==` without wildcard, or `===`) name one installed version; they become components,
//! whatever their environment marker says (the environment the file is installed in is
//! unknown, so a pin that may apply is reported, as Trivy and OSV-Scanner do). Unpinned
//! lines, URLs, local paths and editable installs become warnings.
//!
//! `-r`/`--requirement` includes another requirements file and `-c`/`--constraint` a
//! constraints file. [`parse_with_includes`] follows both through a reader the caller
//! supplies: constraint files give no components, but their pins fix the version of an
//! unpinned requirement (as pip installs it). [`parse`] reads one file alone and warns
//! about the includes it does not follow.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};

use crate::{Parsed, Warning};

/// Deepest chain of `-r`/`-c` includes followed (pip has no limit; real projects use two
/// or three levels).
pub const MAX_INCLUDE_DEPTH: usize = 16;

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
    let mut previous_blank = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_blank {
            return line.get(..i).unwrap_or(line);
        }
        previous_blank = c.is_whitespace();
    }
    line
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// What one requirement line says.
enum Requirement<'a> {
    /// `name==version` (or `===`).
    Pinned(&'a str, &'a str),
    /// A name with a range or no version; the text is the whole requirement.
    Unpinned(&'a str, &'a str),
    /// `name @ url`.
    Url(&'a str),
    /// Not a requirement (a bare URL or path, an unknown option); the text to show.
    Other(&'a str),
}

/// The one exact version of a specifier list (`==1.2`, `===1.2`, `>=1,==1.2`), if any.
fn pinned_version(spec: &str) -> Option<&str> {
    let mut pins = spec.split(',').filter_map(|s| {
        let s = s.trim();
        s.strip_prefix("===")
            .or_else(|| s.strip_prefix("=="))
            .map(str::trim)
    });
    let version = pins.next()?;
    let valid = !version.is_empty()
        && !version.contains(['*', ' ', '<', '>', '!', '~', '=', ';', '@'])
        && pins.next().is_none();
    valid.then_some(version)
}

/// Reads a requirement line (comment already removed, not an option).
fn requirement(line: &str) -> Requirement<'_> {
    // Per-requirement options (`--hash=...`, `--config-settings`) follow the requirement.
    let line = match line.find(" --") {
        Some(at) => line.get(..at).unwrap_or(line),
        None => line,
    };
    // The environment marker does not change which version is pinned.
    let requirement = line.split(';').next().unwrap_or(line).trim();
    let name_end = requirement
        .find(|c: char| !is_name_char(c))
        .unwrap_or(requirement.len());
    let name = requirement.get(..name_end).unwrap_or("");
    let mut rest = requirement.get(name_end..).unwrap_or("").trim_start();
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        // `git+https://...`, `C:\\...`, `pkg/dir`: a URL or a path, not a name.
        || rest.starts_with(['+', ':', '/', '\\'])
        // A local archive (`pkg-1.0-py3-none-any.whl`, `pkg-1.0.tar.gz`).
        || [".whl", ".tar.gz", ".zip", ".tar.bz2"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext))
    {
        return Requirement::Other(requirement);
    }
    if rest.starts_with('[') {
        match rest.find(']') {
            Some(i) => rest = rest.get(i + 1..).unwrap_or("").trim_start(),
            None => return Requirement::Other(requirement),
        }
    }
    if rest.starts_with('@') {
        return Requirement::Url(name);
    }
    // PEP 508 allows the specifiers in parentheses: `name (==1.0)`.
    let spec = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    match pinned_version(spec) {
        Some(version) => Requirement::Pinned(name, version),
        None => Requirement::Unpinned(name, requirement),
    }
}

/// The value of an include option (`-r x`, `-rx`, `--requirement x`, `--requirement=x`),
/// and whether it is a constraints file; `None` for other lines.
fn include_target(line: &str) -> Option<(&str, bool)> {
    for (short, long, constraint) in [("-r", "--requirement", false), ("-c", "--constraint", true)]
    {
        let value = if let Some(rest) = line.strip_prefix(long) {
            if !rest.starts_with([' ', '\t', '=']) {
                continue;
            }
            rest.trim_start().strip_prefix('=').unwrap_or(rest)
        } else if let Some(rest) = line.strip_prefix(short) {
            rest.strip_prefix('=').unwrap_or(rest)
        } else {
            continue;
        };
        return Some((value.trim(), constraint));
    }
    None
}

/// `dir` joined with a relative `name`, `..` resolved; `None` when it leaves the scan root
/// or is absolute, a URL or a Windows path.
fn join(dir: &str, name: &str) -> Option<String> {
    if name.starts_with('/') || name.contains("://") || name.contains('\\') {
        return None;
    }
    crate::collect::join(dir, name)
}

/// A requirement or warning in file order, resolved once every constraint is known.
enum Entry {
    Warning(Warning),
    Pinned(Component),
    Unpinned {
        path: String,
        line: u32,
        name: String,
        requirement: String,
    },
}

/// Gives the text of a file by its path relative to the scan root.
type Reader<'r> = dyn FnMut(&str) -> Option<String> + 'r;

/// The state of one parse across included files.
struct Walk<'r> {
    read: Option<&'r mut Reader<'r>>,
    entries: Vec<Entry>,
    /// Pins of constraint files, by normalised name.
    constraints: HashMap<String, String>,
    /// Files being read (the include chain), to refuse cycles.
    stack: Vec<String>,
    /// Files already read, with whether as constraints: each is read once.
    done: HashSet<(String, bool)>,
}

impl Walk<'_> {
    fn warn(&mut self, path: &str, line: u32, message: String) {
        self.entries.push(Entry::Warning(Warning {
            path: path.to_string(),
            line: Some(line),
            message,
        }));
    }

    /// Reads one file; `constraint` when it (or a file including it) came through `-c`.
    fn file(&mut self, path: &str, text: &str, constraint: bool) {
        self.stack.push(path.to_string());
        for (number, line) in logical_lines(text) {
            let line = strip_comment(&line).trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                self.option(path, number, line, constraint);
                continue;
            }
            match requirement(line) {
                Requirement::Pinned(name, version) if constraint => {
                    self.constraints
                        .entry(crate::python::normalize_name(name))
                        .or_insert_with(|| version.to_string());
                }
                // Unpinned constraints and URLs in constraint files install nothing.
                _ if constraint => {}
                Requirement::Pinned(name, version) => {
                    self.entries.push(Entry::Pinned(Component::new(
                        Ecosystem::new(EcosystemKind::PyPI),
                        name,
                        version,
                        Location::at(path, Some(number)),
                    )));
                }
                Requirement::Unpinned(name, requirement) => self.entries.push(Entry::Unpinned {
                    path: path.to_string(),
                    line: number,
                    name: name.to_string(),
                    requirement: requirement.to_string(),
                }),
                Requirement::Url(name) => self.warn(
                    path,
                    number,
                    format!("{name} is installed from a URL; its version is unknown"),
                ),
                Requirement::Other(text) => self.warn(
                    path,
                    number,
                    format!(
                        "`{text}` is a URL, a local path or not a requirement: its version is unknown"
                    ),
                ),
            }
        }
        self.stack.pop();
    }

    /// An option line: includes are followed, editable installs warned about, the rest
    /// (index URLs, `--pre`, ...) say nothing about versions.
    fn option(&mut self, path: &str, number: u32, line: &str, constraint: bool) {
        if let Some((target, is_constraint)) = include_target(line) {
            self.include(path, number, line, target, constraint || is_constraint);
            return;
        }
        let option = line.split([' ', '\t', '=']).next().unwrap_or(line);
        if matches!(option, "-e" | "--editable") && !constraint {
            self.warn(
                path,
                number,
                format!("`{line}` is an editable install from a local path or VCS: its version is unknown"),
            );
        }
    }

    fn include(&mut self, path: &str, number: u32, line: &str, target: &str, constraint: bool) {
        let Some(read) = self.read.as_mut() else {
            self.warn(
                path,
                number,
                format!("`{line}` is not followed here; scan the directory to include it"),
            );
            return;
        };
        if target.is_empty() {
            self.warn(path, number, format!("`{line}` names no file"));
            return;
        }
        if target.contains("://") {
            self.warn(path, number, format!("`{line}` names a URL: not fetched"));
            return;
        }
        let Some(resolved) = join(crate::collect::parent(path), target) else {
            self.warn(
                path,
                number,
                format!("`{line}` points outside the scanned directory: not followed"),
            );
            return;
        };
        if self.stack.contains(&resolved) {
            self.warn(
                path,
                number,
                format!("`{line}` includes {resolved}, which is already being read (an include cycle): not followed"),
            );
            return;
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            self.warn(
                path,
                number,
                format!("`{line}` is more than {MAX_INCLUDE_DEPTH} includes deep: not followed"),
            );
            return;
        }
        if !self.done.insert((resolved.clone(), constraint)) {
            return;
        }
        match read(&resolved) {
            Some(text) => self.file(&resolved, &text, constraint),
            None => self.warn(
                path,
                number,
                format!("`{line}`: {resolved} was not found or could not be read"),
            ),
        }
    }

    /// Components in file order (unpinned requirements take a constraint's pin), one per
    /// (file, normalised name, version).
    fn finish(self) -> Parsed {
        let mut parsed = Parsed::default();
        let mut seen = HashSet::new();
        for entry in self.entries {
            let component = match entry {
                Entry::Warning(w) => {
                    parsed.warnings.push(w);
                    continue;
                }
                Entry::Pinned(c) => c,
                Entry::Unpinned {
                    path,
                    line,
                    name,
                    requirement,
                } => match self.constraints.get(&crate::python::normalize_name(&name)) {
                    Some(version) => Component::new(
                        Ecosystem::new(EcosystemKind::PyPI),
                        name,
                        version.clone(),
                        Location::at(path, Some(line)),
                    ),
                    None => {
                        parsed.warnings.push(Warning {
                            path,
                            line: Some(line),
                            message: format!(
                                "{name} is not pinned to one version (`{requirement}`); pin it with == to scan it"
                            ),
                        });
                        continue;
                    }
                },
            };
            let key = (
                component.source.path.clone(),
                crate::python::normalize_name(&component.name),
                component.version.clone(),
            );
            if seen.insert(key) {
                let mut component = component;
                component.scope = Scope::Required;
                parsed.components.push(component);
            }
        }
        parsed
    }
}

/// Reads one requirements file alone. Lines pinned with `==` (without wildcard) or `===`
/// give components; `-r`/`-c` includes, unpinned lines, URLs and editable installs give
/// warnings.
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut walk = Walk {
        read: None,
        entries: Vec::new(),
        constraints: HashMap::new(),
        stack: Vec::new(),
        done: HashSet::new(),
    };
    walk.file(path, text, false);
    walk.finish()
}

/// Reads a requirements file and, through `read`, the files it includes with
/// `-r`/`--requirement` and `-c`/`--constraint`. `read` gets a `/`-separated path relative
/// to the scan root (the include resolved against the including file's directory) and
/// returns the file's text, or `None` when there is no such file (a warning). Includes that
/// leave the root, cycles and chains deeper than [`MAX_INCLUDE_DEPTH`] are refused with a
/// warning. Components of an included file carry that file's path; constraint files give
/// none, but pin the unpinned requirements they name.
pub fn parse_with_includes(
    path: &str,
    text: &str,
    read: &mut dyn FnMut(&str) -> Option<String>,
) -> Parsed {
    let mut walk = Walk {
        read: Some(read),
        entries: Vec::new(),
        constraints: HashMap::new(),
        stack: Vec::new(),
        done: HashSet::new(),
    };
    walk.done.insert((path.to_string(), false));
    walk.file(path, text, false);
    walk.finish()
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

    #[test]
    fn include_options_and_joins() {
        assert_eq!(include_target("-r a.txt"), Some(("a.txt", false)));
        assert_eq!(include_target("-ra.txt"), Some(("a.txt", false)));
        assert_eq!(
            include_target("--requirement=a.txt"),
            Some(("a.txt", false))
        );
        assert_eq!(include_target("--constraint  c.txt"), Some(("c.txt", true)));
        assert_eq!(include_target("--requirements x"), None);
        assert_eq!(include_target("--index-url x"), None);
        assert_eq!(join("a/b", "../c.txt").as_deref(), Some("a/c.txt"));
        assert_eq!(join("", "../c.txt"), None);
        assert_eq!(join("a", "/etc/passwd"), None);
        assert_eq!(pinned_version(">=1.0, ==1.2"), Some("1.2"));
        assert_eq!(pinned_version("==1.2,==1.3"), None);
        assert_eq!(pinned_version("==1.*"), None);
    }
}
