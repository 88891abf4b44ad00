//! Elixir `mix.lock`.
//!
//! The file is one Elixir map literal, `%{"name": {...}, ...}` (older files write
//! `"name" => {...}`), whose values are tuples:
//!
//! - `{:hex, :package, "1.2.3", "inner hash", [:mix], [deps...], "hexpm", "outer hash"}` (older
//!   files stop after the version or the first hash): a Hex package. The package name is the
//!   atom in the tuple (it differs from the key when `mix.exs` renames it with `hex:`).
//! - `{:git, "https://...", "commit", [opts]}`: a git checkout, not a Hex release; warning.
//!
//! The term syntax is read by a small tokenizer and recursive-descent parser (strings with
//! escapes, atoms, quoted atoms, keyword lists, tuples, lists, maps, comments), with nesting
//! bounded, so any text is either read or refused with one line naming the problem. Packages
//! from a repository other than the public `hexpm` (private organisations `hexpm:org`, self-hosted
//! repositories) are not hex.pm releases and give warnings. The lockfile does not say which
//! dependencies are direct.

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};

use crate::{ParseError, Parsed, Warning};

/// Deepest nesting of tuples, lists and maps accepted; real lockfiles nest 4 deep.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `%{`
    MapOpen,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `[`
    ListOpen,
    /// `]`
    ListClose,
    Comma,
    /// `=>`
    Arrow,
    Str(String),
    Atom(String),
    /// A keyword key: `name:` or `"name":`.
    Key(String),
    /// Numbers, `true`, `nil` and other bare words.
    Word(String),
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '?' | '!' | '.' | '+' | '-')
}

/// Splits the text into tokens with their 1-based lines.
fn tokenize(text: &str) -> Result<Vec<(Tok, u32)>, String> {
    let mut out = Vec::new();
    let mut line: u32 = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let at = line;
        let tok = match c {
            '\n' => {
                line = line.saturating_add(1);
                continue;
            }
            c if c.is_whitespace() => continue,
            '#' => {
                // A comment runs to the end of the line.
                for d in chars.by_ref() {
                    if d == '\n' {
                        line = line.saturating_add(1);
                        break;
                    }
                }
                continue;
            }
            '%' if chars.peek() == Some(&'{') => {
                chars.next();
                Tok::MapOpen
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            '[' => Tok::ListOpen,
            ']' => Tok::ListClose,
            ',' => Tok::Comma,
            '=' if chars.peek() == Some(&'>') => {
                chars.next();
                Tok::Arrow
            }
            '"' => {
                let s = read_string(&mut chars, &mut line)
                    .ok_or_else(|| format!("line {at}: unterminated string"))?;
                // `"name":` followed by a space is a keyword key.
                if chars.peek() == Some(&':') {
                    chars.next();
                    Tok::Key(s)
                } else {
                    Tok::Str(s)
                }
            }
            ':' => match chars.peek() {
                Some('"') => {
                    chars.next();
                    let s = read_string(&mut chars, &mut line)
                        .ok_or_else(|| format!("line {at}: unterminated quoted atom"))?;
                    Tok::Atom(s)
                }
                Some(&d) if is_word_char(d) => {
                    let mut s = String::new();
                    while let Some(&d) = chars.peek() {
                        if !is_word_char(d) {
                            break;
                        }
                        s.push(d);
                        chars.next();
                    }
                    Tok::Atom(s)
                }
                _ => return Err(format!("line {at}: stray `:`")),
            },
            c if is_word_char(c) => {
                let mut s = String::from(c);
                while let Some(&d) = chars.peek() {
                    if !is_word_char(d) {
                        break;
                    }
                    s.push(d);
                    chars.next();
                }
                if chars.peek() == Some(&':') {
                    chars.next();
                    Tok::Key(s)
                } else {
                    Tok::Word(s)
                }
            }
            other => return Err(format!("line {at}: unexpected character `{other}`")),
        };
        out.push((tok, at));
    }
    Ok(out)
}

/// Reads a double-quoted string after its opening quote; `None` if it never ends.
fn read_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut u32,
) -> Option<String> {
    let mut s = String::new();
    loop {
        let c = chars.next()?;
        match c {
            '"' => return Some(s),
            '\\' => {
                let e = chars.next()?;
                if e == '\n' {
                    *line = line.saturating_add(1);
                }
                s.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
            }
            '\n' => {
                *line = line.saturating_add(1);
                s.push(c);
            }
            _ => s.push(c),
        }
    }
}

/// An Elixir term, as far as lockfiles need.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Str(String),
    Atom(String),
    Word(String),
    Tuple(Vec<Term>),
    List(Vec<Term>),
    /// Entries with the line of each key.
    Map(Vec<(u32, Term, Term)>),
    /// A keyword-list entry `key: value`.
    Pair(String, Box<Term>),
}

struct Parser {
    tokens: Vec<(Tok, u32)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn line(&self) -> u32 {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .map(|(_, l)| *l)
            .unwrap_or(1)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let t = self
            .tokens
            .get(self.pos)
            .map(|(t, _)| t.clone())
            .ok_or_else(|| format!("line {}: the file ends inside a term", self.line()))?;
        self.pos += 1;
        Ok(t)
    }

    fn term(&mut self, depth: usize) -> Result<Term, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "line {}: terms nested deeper than {MAX_DEPTH} levels",
                self.line()
            ));
        }
        let line = self.line();
        match self.next()? {
            Tok::Str(s) => Ok(Term::Str(s)),
            Tok::Atom(s) => Ok(Term::Atom(s)),
            Tok::Word(s) => Ok(Term::Word(s)),
            Tok::Open => Ok(Term::Tuple(self.items(Tok::Close, depth)?)),
            Tok::ListOpen => Ok(Term::List(self.items(Tok::ListClose, depth)?)),
            Tok::MapOpen => self.map(depth),
            other => Err(format!("line {line}: unexpected {}", describe(&other))),
        }
    }

    /// Comma-separated items up to `close`; keyword entries (`key: value`) become pairs.
    fn items(&mut self, close: Tok, depth: usize) -> Result<Vec<Term>, String> {
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(&close) {
                self.pos += 1;
                return Ok(items);
            }
            let item = if let Some(Tok::Key(k)) = self.peek() {
                let k = k.clone();
                self.pos += 1;
                Term::Pair(k, Box::new(self.term(depth + 1)?))
            } else {
                self.term(depth + 1)?
            };
            items.push(item);
            let line = self.line();
            match self.next()? {
                Tok::Comma => {}
                t if t == close => return Ok(items),
                other => {
                    return Err(format!(
                        "line {line}: expected `,` or {}, found {}",
                        describe(&close),
                        describe(&other)
                    ));
                }
            }
        }
    }

    /// Map entries after `%{`, up to `}`.
    fn map(&mut self, depth: usize) -> Result<Term, String> {
        let mut entries = Vec::new();
        loop {
            if self.peek() == Some(&Tok::Close) {
                self.pos += 1;
                return Ok(Term::Map(entries));
            }
            let line = self.line();
            let key = if let Some(Tok::Key(k)) = self.peek() {
                let k = Term::Str(k.clone());
                self.pos += 1;
                k
            } else {
                let k = self.term(depth + 1)?;
                let at = self.line();
                match self.next()? {
                    Tok::Arrow => {}
                    other => {
                        return Err(format!(
                            "line {at}: expected `=>` after a map key, found {}",
                            describe(&other)
                        ));
                    }
                }
                k
            };
            let value = self.term(depth + 1)?;
            entries.push((line, key, value));
            let at = self.line();
            match self.next()? {
                Tok::Comma => {}
                Tok::Close => return Ok(Term::Map(entries)),
                other => {
                    return Err(format!(
                        "line {at}: expected `,` or `}}`, found {}",
                        describe(&other)
                    ));
                }
            }
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::MapOpen => "`%{`".into(),
        Tok::Open => "`{`".into(),
        Tok::Close => "`}`".into(),
        Tok::ListOpen => "`[`".into(),
        Tok::ListClose => "`]`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Arrow => "`=>`".into(),
        Tok::Str(_) => "a string".into(),
        Tok::Atom(a) => format!("atom `:{a}`"),
        Tok::Key(k) => format!("key `{k}:`"),
        Tok::Word(w) => format!("`{w}`"),
    }
}

/// Reads a `mix.lock`.
pub fn parse_mix_lock(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let tokens = tokenize(text).map_err(ParseError)?;
    if tokens.is_empty() {
        return Ok(Parsed::default());
    }
    if tokens.first().map(|(t, _)| t) != Some(&Tok::MapOpen) {
        return Err(ParseError(
            "not a mix.lock: the file does not start with a map `%{`".into(),
        ));
    }
    let mut parser = Parser { tokens, pos: 0 };
    let top = parser.term(0).map_err(ParseError)?;
    if parser.pos < parser.tokens.len() {
        return Err(ParseError(format!(
            "line {}: text after the closing `}}` of the map",
            parser.line()
        )));
    }
    let Term::Map(entries) = top else {
        return Err(ParseError(
            "not a mix.lock: the top level is not a map".into(),
        ));
    };
    let mut parsed = Parsed::default();
    let mut seen = std::collections::HashSet::new();
    for (line, key, value) in entries {
        let mut warn = |message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(line),
                message,
            })
        };
        let key = match key {
            Term::Str(k) | Term::Atom(k) => k,
            _ => {
                warn("map key is not a name; entry skipped".into());
                continue;
            }
        };
        let Term::Tuple(fields) = value else {
            warn(format!("{key}: entry is not a tuple; skipped"));
            continue;
        };
        match fields.first() {
            Some(Term::Atom(a)) if a == "hex" => {}
            Some(Term::Atom(a)) if a == "git" => {
                let url = match fields.get(1) {
                    Some(Term::Str(u)) => u.as_str(),
                    _ => "an unknown URL",
                };
                warn(format!(
                    "{key} comes from git ({url}), not hex.pm; not scanned"
                ));
                continue;
            }
            Some(Term::Atom(a)) => {
                warn(format!("{key} has unknown source `:{a}`; skipped"));
                continue;
            }
            _ => {
                warn(format!(
                    "{key}: entry does not start with a source atom; skipped"
                ));
                continue;
            }
        }
        let name = match fields.get(1) {
            Some(Term::Atom(n) | Term::Str(n)) if !n.is_empty() => n.clone(),
            _ => key.clone(),
        };
        let Some(Term::Str(version)) = fields
            .get(2)
            .filter(|v| !matches!(v, Term::Str(s) if s.is_empty()))
        else {
            warn(format!("{key} has no version string; skipped"));
            continue;
        };
        if let Some(Term::Str(repo)) = fields.get(6)
            && repo != "hexpm"
        {
            warn(format!(
                "{name} {version} comes from repository `{repo}`, not the public hex.pm; not scanned"
            ));
            continue;
        }
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let mut c = Component::new(
            Ecosystem::new(EcosystemKind::Hex),
            name,
            version.clone(),
            Location::at(path, Some(line)),
        );
        c.scope = Scope::Required;
        parsed.components.push(c);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hex_entries_and_warns_about_git() {
        let text = r#"%{
  "certifi": {:hex, :certifi, "2.9.0", "6f2a", [:rebar3], [], "hexpm", "266d"},
  "jason": {:hex, :jason, "1.4.0", "e855", [:mix], [{:decimal, "~> 1.0 or ~> 2.0", [hex: :decimal, repo: "hexpm", optional: true]}], "hexpm", "79a3"},
  "renamed": {:hex, :real_name, "0.1.0", "aa", [:mix], [], "hexpm", "bb"},
  "private": {:hex, :private, "1.0.0", "aa", [:mix], [], "hexpm:acme", "bb"},
  "mydep": {:git, "https://github.com/x/y.git", "abc123", [branch: "main"]},
}
"#;
        let p = parse_mix_lock("mix.lock", text).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<_> = p
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.source.line))
            .collect();
        assert_eq!(
            got,
            [
                ("certifi", "2.9.0", Some(2)),
                ("jason", "1.4.0", Some(3)),
                ("real_name", "0.1.0", Some(4)),
            ]
        );
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(5), Some(6)]);
    }

    #[test]
    fn old_arrow_syntax_and_errors() {
        let p = parse_mix_lock("mix.lock", "%{\"plug\" => {:hex, :plug, \"1.0.0\"}}")
            .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(p.components.len(), 1);
        assert!(parse_mix_lock("m", "%{\"a\": {:hex, :a, \"1\"").is_err());
        assert!(parse_mix_lock("m", "%{\"a\": \"unterminated}").is_err());
        assert!(parse_mix_lock("m", "[1]").is_err());
        assert!(parse_mix_lock("m", "%{} extra").is_err());
        assert!(parse_mix_lock("m", &format!("%{{\"a\": {}", "{".repeat(10_000))).is_err());
        assert!(parse_mix_lock("m", "").is_ok());
    }
}
