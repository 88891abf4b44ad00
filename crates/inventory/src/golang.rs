//! Go modules: `go.mod`, with the sibling `go.sum` where `go.mod` alone is incomplete.
//!
//! `go.mod` is a line-oriented file of directives (`module`, `go`, `toolchain`, `require`,
//! `replace`, `exclude`, `retract`, ...), each either on one line or as a parenthesised block.
//! What is read:
//!
//! - `require`: each module becomes a component; `// indirect` marks it transitive.
//! - `replace old [v] => new v`: the replacement is what gets built, so it takes the place of
//!   the required module (all versions, or only the named one). `=> ../dir` (a local directory)
//!   gives a warning and the module is dropped: local code is not a published version.
//! - `exclude m v`: that version is never selected, so a `require` of exactly it is dropped with
//!   a warning (Go then picks a later version we cannot know without the module graph).
//! - `module` names the project itself and is not a component.
//! - `toolchain goX.Y.Z`, else `go X.Y[.Z]`: like OSV-Scanner, a `stdlib` component is added for
//!   the Go standard library (OSV Go advisories name it `stdlib`), at the toolchain version when
//!   given, else the `go` version. Two-part versions are padded (`1.12` → `1.12.0`) and release
//!   candidates spelled as SemVer (`1.21rc2` → `1.21.0-rc.2`), as the Go vulnerability database
//!   spells them.
//!
//! Before Go 1.17 `go.mod` lists only some of the modules in the build. When the `go` version
//! is below 1.17 (or absent), or no requirement is marked `// indirect`, modules that only
//! `go.sum` names are added as transitive components (see [`parse_go_mod`] for the rule).
//!
//! Versions are written without the leading `v` (`v1.2.3` → `1.2.3`, `+incompatible` kept), the
//! way OSV Go records spell them.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};

use crate::{ParseError, Parsed, Warning};

/// The module name OSV uses for the Go standard library and toolchain.
const STDLIB: &str = "stdlib";

/// One token of a `go.mod` line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A bare word or an unquoted string.
    Word(String),
    /// `(` opening a block.
    Open,
    /// `)` closing a block.
    Close,
    /// `=>` in a `replace`.
    Arrow,
}

/// One line of `go.mod`, split into tokens, with its trailing `//` comment.
struct Line {
    number: u32,
    tokens: Vec<Token>,
    comment: String,
}

/// Splits a line into tokens; quoted strings (`"..."` with escapes, `` `...` `` raw) become
/// words. Returns `Err` on an unterminated quote.
fn tokenize(number: u32, raw: &str) -> Result<Line, String> {
    let mut tokens = Vec::new();
    let mut comment = String::new();
    let mut chars = raw.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '/' if raw[i..].starts_with("//") => {
                comment = raw[i + 2..].trim().to_string();
                break;
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '=' if raw[i..].starts_with("=>") => {
                chars.next();
                chars.next();
                tokens.push(Token::Arrow);
            }
            '"' | '`' => {
                chars.next();
                let mut word = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    if c == '"' && d == '\\' {
                        match chars.next() {
                            Some((_, e)) => word.push(e),
                            None => break,
                        }
                    } else {
                        word.push(d);
                    }
                }
                if !closed {
                    return Err("unterminated quoted string".into());
                }
                tokens.push(Token::Word(word));
            }
            _ => {
                let mut word = String::new();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace()
                        || d == '('
                        || d == ')'
                        || d == '"'
                        || d == '`'
                        || raw[j..].starts_with("//")
                        || raw[j..].starts_with("=>")
                    {
                        break;
                    }
                    word.push(d);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(Line {
        number,
        tokens,
        comment,
    })
}

/// Whether a `//` comment marks the requirement indirect (`indirect`, `indirect; note`).
fn is_indirect(comment: &str) -> bool {
    comment == "indirect" || comment.starts_with("indirect;")
}

/// A `go.mod` version without its `v` (`v1.2.3` → `1.2.3`), or `None` if it is not a
/// module version.
fn module_version(v: &str) -> Option<&str> {
    v.strip_prefix('v')
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// A Go release (`1.12`, `1.21.3`, `1.21rc2`, `go1.22.0`) as a SemVer version as the Go
/// vulnerability database writes it (`1.12.0`, `1.21.3`, `1.21.0-rc.2`).
fn go_release_semver(v: &str) -> Option<String> {
    let v = v.strip_prefix("go").unwrap_or(v);
    let digits_end = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (core, pre) = v.split_at(digits_end);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut out = parts.join(".");
    for _ in parts.len()..3 {
        out.push_str(".0");
    }
    if !pre.is_empty() {
        let label_end = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
        let (label, number) = pre.split_at(label_end);
        if label.is_empty()
            || !label.bytes().all(|b| b.is_ascii_alphabetic())
            || !number.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        out.push('-');
        out.push_str(label);
        if !number.is_empty() {
            out.push('.');
            out.push_str(number);
        }
    }
    Some(out)
}

/// Whether a `go` directive version is below 1.17, when the `go` command started listing every
/// module of the build in `go.mod`.
fn before_go_1_17(v: &str) -> bool {
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("");
    if major.is_empty() {
        return false;
    }
    match cmp_numeric(major, "1") {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => minor.is_empty() || cmp_numeric(minor, "17") == Ordering::Less,
    }
}

/// Compares two numeric strings of any length without overflow.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// SemVer precedence of two module versions (without `v`); build metadata such as
/// `+incompatible` is ignored. A version that is not SemVer sorts below every valid one.
fn cmp_semver(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> Option<(Vec<&str>, Option<&str>)> {
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (v, None),
        };
        let nums: Vec<&str> = core.split('.').collect();
        if nums.len() != 3
            || nums
                .iter()
                .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Some((nums, pre))
    }
    match (split(a), split(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some((na, pa)), Some((nb, pb))) => {
            for (x, y) in na.iter().zip(nb.iter()) {
                let o = cmp_numeric(x, y);
                if o != Ordering::Equal {
                    return o;
                }
            }
            match (pa, pb) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(pa), Some(pb)) => {
                    let mut ia = pa.split('.');
                    let mut ib = pb.split('.');
                    loop {
                        match (ia.next(), ib.next()) {
                            (None, None) => return Ordering::Equal,
                            (None, Some(_)) => return Ordering::Less,
                            (Some(_), None) => return Ordering::Greater,
                            (Some(x), Some(y)) => {
                                let xn = !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
                                let yn = !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit());
                                let o = match (xn, yn) {
                                    (true, true) => cmp_numeric(x, y),
                                    (true, false) => Ordering::Less,
                                    (false, true) => Ordering::Greater,
                                    (false, false) => x.cmp(y),
                                };
                                if o != Ordering::Equal {
                                    return o;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A `require` line, before `replace` and `exclude` are applied.
struct Require {
    line: u32,
    module: String,
    version: String,
    indirect: bool,
}

/// A `replace` directive.
struct Replace {
    line: u32,
    old: String,
    old_version: Option<String>,
    /// `Some((module, version))` for a module replacement, `None` for a local directory.
    new: Option<(String, String)>,
    /// The directory of a local replacement.
    dir: String,
}

/// Everything read from `go.mod`.
#[derive(Default)]
struct GoMod {
    requires: Vec<Require>,
    replaces: Vec<Replace>,
    excludes: HashSet<(String, String)>,
    go: Option<(u32, String)>,
    toolchain: Option<(u32, String)>,
    any_indirect: bool,
    recognised: bool,
}

fn words(tokens: &[Token]) -> Option<Vec<&str>> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect()
}

/// Reads one directive (`verb` plus its arguments), in a block or on one line.
fn directive(
    verb: &str,
    args: &[Token],
    line: &Line,
    m: &mut GoMod,
    warn: &mut dyn FnMut(u32, String),
) {
    let n = line.number;
    match verb {
        "module" | "retract" | "godebug" | "tool" | "ignore" => {}
        "go" => match words(args).as_deref() {
            Some([v]) => m.go = Some((n, (*v).to_string())),
            _ => warn(n, "`go` directive needs exactly one version".into()),
        },
        "toolchain" => match words(args).as_deref() {
            Some([v]) => m.toolchain = Some((n, (*v).to_string())),
            _ => warn(n, "`toolchain` directive needs exactly one name".into()),
        },
        "require" => match words(args).as_deref() {
            Some([module, version]) => {
                let indirect = is_indirect(&line.comment);
                m.any_indirect |= indirect;
                m.requires.push(Require {
                    line: n,
                    module: (*module).to_string(),
                    version: (*version).to_string(),
                    indirect,
                });
            }
            _ => warn(
                n,
                "`require` needs a module path and a version; line skipped".into(),
            ),
        },
        "exclude" => match words(args).as_deref() {
            Some([module, version]) => {
                m.excludes
                    .insert(((*module).to_string(), (*version).to_string()));
            }
            _ => warn(
                n,
                "`exclude` needs a module path and a version; line skipped".into(),
            ),
        },
        "replace" => {
            let arrow = args.iter().position(|t| *t == Token::Arrow);
            let parsed = arrow.and_then(|at| {
                let left = words(args.get(..at)?)?;
                let right = words(args.get(at + 1..)?)?;
                let (old, old_version) = match left.as_slice() {
                    [old] => ((*old).to_string(), None),
                    [old, v] => ((*old).to_string(), Some((*v).to_string())),
                    _ => return None,
                };
                let (new, dir) = match right.as_slice() {
                    [dir] => (None, (*dir).to_string()),
                    [new, v] => (Some(((*new).to_string(), (*v).to_string())), String::new()),
                    _ => return None,
                };
                Some(Replace {
                    line: n,
                    old,
                    old_version,
                    new,
                    dir,
                })
            });
            match parsed {
                Some(r) => m.replaces.push(r),
                None => warn(
                    n,
                    "`replace` must read `module [version] => module version` or `=> directory`; line skipped".into(),
                ),
            }
        }
        other => warn(n, format!("unknown directive `{other}`; line skipped")),
    }
}

/// Reads the directives of `go.mod`.
fn read_go_mod(text: &str, warn: &mut dyn FnMut(u32, String)) -> Result<GoMod, ParseError> {
    let mut m = GoMod::default();
    let mut block: Option<(String, u32)> = None;
    let mut had_content = false;
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = match tokenize(number, raw) {
            Ok(l) => l,
            Err(e) => {
                warn(number, format!("{e}; line skipped"));
                continue;
            }
        };
        let Some(first) = line.tokens.first() else {
            continue;
        };
        had_content = true;
        if let Some((verb, _)) = &block {
            if *first == Token::Close {
                if line.tokens.len() > 1 {
                    warn(number, "text after `)` ignored".into());
                }
                block = None;
            } else {
                let verb = verb.clone();
                directive(&verb, &line.tokens, &line, &mut m, warn);
            }
            continue;
        }
        let Token::Word(verb) = first else {
            warn(
                number,
                "line does not start with a directive; skipped".into(),
            );
            continue;
        };
        if matches!(
            verb.as_str(),
            "module"
                | "go"
                | "toolchain"
                | "require"
                | "replace"
                | "exclude"
                | "retract"
                | "godebug"
                | "tool"
                | "ignore"
        ) {
            m.recognised = true;
        }
        match line.tokens.get(1..) {
            Some([Token::Open]) => block = Some((verb.clone(), number)),
            Some([Token::Open, Token::Close]) => {}
            Some(args) => directive(verb, args, &line, &mut m, warn),
            None => {}
        }
    }
    if let Some((verb, start)) = block {
        warn(
            start,
            format!("`{verb} (` block is never closed; read to the end of the file"),
        );
    }
    if had_content && !m.recognised {
        return Err(ParseError(
            "not a go.mod: no `module`, `go` or `require` directive".into(),
        ));
    }
    Ok(m)
}

/// Collects components, one per (name, version), keeping the first location.
struct Sink {
    parsed: Parsed,
    index: HashMap<(String, String), usize>,
}

impl Sink {
    fn push(&mut self, name: &str, version: &str, location: Location, direct: bool) {
        let key = (name.to_string(), version.to_string());
        if let Some(&i) = self.index.get(&key) {
            if let Some(c) = self.parsed.components.get_mut(i)
                && direct
            {
                c.direct = Some(true);
            }
            return;
        }
        let mut c = Component::new(Ecosystem::new(EcosystemKind::Go), name, version, location);
        c.direct = Some(direct);
        c.scope = Scope::Required;
        self.index.insert(key, self.parsed.components.len());
        self.parsed.components.push(c);
    }
}

/// Reads a `go.mod`, and when `go.mod` does not list the whole build, its sibling `go.sum`
/// (`go_sum` is the relative path and text of that file).
///
/// Components from `go.mod` come first, in line order (the `stdlib` component at the line of
/// the `toolchain` or `go` directive), then those only `go.sum` names, in `go.sum` order.
///
/// The `go.sum` rule: a module that `go.mod` does not name (neither required nor the old side
/// of a `replace`) is added, as transitive, at the highest SemVer version for which `go.sum`
/// has a full-module hash line (`mod v1.2.3 h1:...`). Lines ending `/go.mod` only record that
/// the module's `go.mod` was read during version selection, not that its code was built, so
/// they add nothing; excluded versions are never picked. Lines that do not read
/// `module version hash` give a warning.
pub fn parse_go_mod(
    path: &str,
    text: &str,
    go_sum: Option<(&str, &str)>,
) -> Result<Parsed, ParseError> {
    let mut warnings: Vec<Warning> = Vec::new();
    let m = {
        let mut warn = |line: u32, message: String| {
            warnings.push(Warning {
                path: path.to_string(),
                line: Some(line),
                message,
            })
        };
        read_go_mod(text, &mut warn)?
    };
    let mut warn = |line: u32, message: String| {
        warnings.push(Warning {
            path: path.to_string(),
            line: Some(line),
            message,
        })
    };
    let at = |line: u32| Location::at(path, Some(line));

    for r in &m.replaces {
        if r.new.is_none() {
            warn(
                r.line,
                format!(
                    "{} is replaced by the local directory `{}`; local code is not a published version and is not scanned",
                    r.old, r.dir
                ),
            );
        }
    }

    let replaces: HashMap<(&str, Option<&str>), &Replace> = m
        .replaces
        .iter()
        .map(|r| ((r.old.as_str(), r.old_version.as_deref()), r))
        .collect();
    // (line, name, version, direct) of go.mod components, before sorting.
    let mut found: Vec<(u32, String, String, bool)> = Vec::new();
    for req in &m.requires {
        if m.excludes
            .contains(&(req.module.clone(), req.version.clone()))
        {
            warn(
                req.line,
                format!(
                    "{} {} is excluded by an `exclude` directive; the version Go selects instead is unknown",
                    req.module, req.version
                ),
            );
            continue;
        }
        // A versioned replace beats an unversioned one; among equals the last one wins.
        let replace = replaces
            .get(&(req.module.as_str(), Some(req.version.as_str())))
            .or_else(|| replaces.get(&(req.module.as_str(), None)))
            .copied();
        let (name, version) = match replace {
            Some(Replace {
                new: Some((new, v)),
                ..
            }) => (new.as_str(), v.as_str()),
            Some(Replace { new: None, .. }) => continue,
            None => (req.module.as_str(), req.version.as_str()),
        };
        match module_version(version) {
            Some(v) => found.push((req.line, name.to_string(), v.to_string(), !req.indirect)),
            None => warn(
                req.line,
                format!("{name} {version} is not a module version (expected v1.2.3); skipped"),
            ),
        }
    }

    let stdlib = m
        .toolchain
        .as_ref()
        .filter(|(_, t)| t != "default")
        .map(|(line, t)| {
            // `go1.21.3` or `go1.21.3-custom`: the custom suffix is a vendor build tag.
            let release = t.split('-').next().unwrap_or(t);
            (*line, t.as_str(), go_release_semver(release))
        })
        .or_else(|| {
            m.go.as_ref()
                .map(|(line, v)| (*line, v.as_str(), go_release_semver(v)))
        });
    if let Some((line, raw, v)) = stdlib {
        match v {
            // The project compiles against the standard library itself: a direct dependency.
            Some(v) => found.push((line, STDLIB.to_string(), v, true)),
            None => warn(
                line,
                format!("`{raw}` is not a Go release; the standard library is not scanned"),
            ),
        }
    }

    found.sort_by_key(|(line, ..)| *line);
    let mut sink = Sink {
        parsed: Parsed::default(),
        index: HashMap::new(),
    };
    for (line, name, version, direct) in found {
        sink.push(&name, &version, at(line), direct);
    }

    // Warnings of go.mod in line order, before those of go.sum.
    warnings.sort_by_key(|w| w.line);

    let incomplete = m.go.as_ref().is_none_or(|(_, v)| before_go_1_17(v)) || !m.any_indirect;
    if incomplete && let Some((sum_path, sum_text)) = go_sum {
        let mut known: HashSet<&str> = m.requires.iter().map(|r| r.module.as_str()).collect();
        for r in &m.replaces {
            known.insert(r.old.as_str());
            if let Some((new, _)) = &r.new {
                known.insert(new.as_str());
            }
        }
        read_go_sum(
            sum_path,
            sum_text,
            &known,
            &m.excludes,
            &mut sink,
            &mut warnings,
        );
    }

    let mut parsed = sink.parsed;
    parsed.warnings = warnings;
    Ok(parsed)
}

/// Adds the modules of `go.sum` that `go.mod` does not name (see [`parse_go_mod`]).
fn read_go_sum(
    path: &str,
    text: &str,
    known: &HashSet<&str>,
    excludes: &HashSet<(String, String)>,
    sink: &mut Sink,
    warnings: &mut Vec<Warning>,
) {
    // Per module: index of first appearance, and the best (version, line) so far.
    let mut best: Vec<(String, String, u32)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [module, version, _hash] = fields.as_slice() else {
            warnings.push(Warning {
                path: path.to_string(),
                line: Some(number),
                message: "not a `module version hash` line; skipped".into(),
            });
            continue;
        };
        if version.ends_with("/go.mod") || known.contains(module) {
            continue;
        }
        if excludes.contains(&((*module).to_string(), (*version).to_string())) {
            continue;
        }
        let Some(v) = module_version(version) else {
            warnings.push(Warning {
                path: path.to_string(),
                line: Some(number),
                message: format!("{module} {version} is not a module version; skipped"),
            });
            continue;
        };
        match index.get(*module).and_then(|&i| best.get_mut(i)) {
            Some(entry) => {
                if cmp_semver(v, &entry.1) == Ordering::Greater {
                    entry.1 = v.to_string();
                    entry.2 = number;
                }
            }
            None => {
                index.insert((*module).to_string(), best.len());
                best.push(((*module).to_string(), v.to_string(), number));
            }
        }
    }
    for (module, version, line) in best {
        sink.push(&module, &version, Location::at(path, Some(line)), false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(p: &Parsed) -> Vec<(String, String, Option<bool>, Option<u32>)> {
        p.components
            .iter()
            .map(|c| (c.name.clone(), c.version.clone(), c.direct, c.source.line))
            .collect()
    }

    #[test]
    fn reads_requires_replaces_excludes_and_stdlib() {
        let text = r#"module example.com/app

go 1.21

toolchain go1.22.3

require example.com/single v1.0.0

require (
	example.com/a v1.2.3
	example.com/b v0.1.0 // indirect
	example.com/c v2.0.0+incompatible
	example.com/local v1.0.0
	example.com/old v1.5.0
	example.com/bad v1.1.0 // indirect
	"example.com/quoted" v0.0.0-20200101000000-abcdefabcdef
)

replace example.com/local => ../local
replace example.com/old v1.5.0 => example.com/new v1.6.0

exclude (
	example.com/bad v1.1.0
)
"#;
        let p = parse_go_mod("go.mod", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        let s = |a: &str| a.to_string();
        assert_eq!(
            rows(&p),
            [
                (s("stdlib"), s("1.22.3"), Some(true), Some(5)),
                (s("example.com/single"), s("1.0.0"), Some(true), Some(7)),
                (s("example.com/a"), s("1.2.3"), Some(true), Some(10)),
                (s("example.com/b"), s("0.1.0"), Some(false), Some(11)),
                (
                    s("example.com/c"),
                    s("2.0.0+incompatible"),
                    Some(true),
                    Some(12)
                ),
                (s("example.com/new"), s("1.6.0"), Some(true), Some(14)),
                (
                    s("example.com/quoted"),
                    s("0.0.0-20200101000000-abcdefabcdef"),
                    Some(true),
                    Some(16)
                ),
            ]
        );
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(15), Some(19)], "{:?}", p.warnings);
    }

    #[test]
    fn go_releases_become_semver() {
        assert_eq!(go_release_semver("1.12").as_deref(), Some("1.12.0"));
        assert_eq!(go_release_semver("go1.21.3").as_deref(), Some("1.21.3"));
        assert_eq!(go_release_semver("1.21rc2").as_deref(), Some("1.21.0-rc.2"));
        assert_eq!(go_release_semver("1"), Some("1.0.0".into()));
        assert_eq!(go_release_semver("x"), None);
        assert_eq!(go_release_semver("1.2.3.4"), None);
        assert!(before_go_1_17("1.16"));
        assert!(!before_go_1_17("1.17"));
        assert!(!before_go_1_17("1.21.0"));
        assert!(!before_go_1_17("1.99999999999999999999999"));
        assert!(before_go_1_17("1"));
    }

    #[test]
    fn semver_order_handles_prereleases_and_big_numbers() {
        assert_eq!(cmp_semver("1.2.3", "1.10.0"), Ordering::Less);
        assert_eq!(cmp_semver("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(
            cmp_semver("0.0.0-2020-abc", "0.0.0-2021-abc"),
            Ordering::Less
        );
        assert_eq!(
            cmp_semver("99999999999999999999999.0.0", "1.0.0"),
            Ordering::Greater
        );
        assert_eq!(cmp_semver("junk", "0.0.1"), Ordering::Less);
    }

    #[test]
    fn go_sum_fills_in_before_1_17() {
        let gomod = "module m\n\ngo 1.16\n\nrequire a.com/x v1.0.0\n";
        let gosum = "a.com/x v1.0.0 h1:aa=\na.com/y v1.1.0 h1:bb=\na.com/y v1.1.0/go.mod h1:cc=\na.com/y v1.3.0/go.mod h1:dd=\na.com/y v1.2.0 h1:ee=\na.com/z v0.1.0/go.mod h1:ff=\nbroken\n";
        let p = parse_go_mod("go.mod", gomod, Some(("go.sum", gosum)))
            .unwrap_or_else(|e| panic!("{}", e.0));
        let s = |a: &str| a.to_string();
        assert_eq!(
            rows(&p),
            [
                (s("stdlib"), s("1.16.0"), Some(true), Some(3)),
                (s("a.com/x"), s("1.0.0"), Some(true), Some(5)),
                (s("a.com/y"), s("1.2.0"), Some(false), Some(5)),
            ]
        );
        assert_eq!(p.components[2].source.path, "go.sum");
        assert_eq!(p.warnings.len(), 1);
        // From 1.17 on with indirect lines, go.sum is not read.
        let gomod = "module m\ngo 1.17\nrequire a.com/x v1.0.0 // indirect\n";
        let p = parse_go_mod("go.mod", gomod, Some(("go.sum", gosum)))
            .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(p.components.len(), 2);
    }

    #[test]
    fn non_go_mod_text_is_an_error_and_odd_lines_warn() {
        assert!(parse_go_mod("go.mod", "{\"json\": true}", None).is_err());
        assert!(parse_go_mod("go.mod", "", None).is_ok());
        let p = parse_go_mod(
            "go.mod",
            "module m\nrequire (\n a v1\n\"unterminated\nb\n",
            None,
        )
        .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(p.components.len(), 1);
        assert_eq!(p.warnings.len(), 3, "{:?}", p.warnings);
    }
}
