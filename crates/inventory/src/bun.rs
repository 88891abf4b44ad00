//! Bun's text lockfile `bun.lock` (Bun 1.1.39 and later; the default since Bun 1.2).
//!
//! The file is JSONC (JSON that allows trailing commas and comments):
//!
//! ```text
//! {
//!   "lockfileVersion": 1,
//!   "workspaces": {
//!     "": { "name": "app", "dependencies": { "react": "^18.2.0" }, "devDependencies": {...} },
//!     "packages/ui": { "name": "@app/ui", "dependencies": {...} },
//!   },
//!   "packages": {
//!     "react": ["react@18.2.0", "", { "dependencies": { "loose-envify": "^1.1.0" } }, "sha512-..."],
//!     "@app/ui": ["@app/ui@workspace:packages/ui"],
//!     "@app/ui/react": ["react@17.0.2", "", {}, "sha512-..."],
//!   },
//! }
//! ```
//!
//! What is read: each `packages` entry, whose first element `name@version` names the
//! installed package (the key is the install path: `parent/child` for a copy nested under
//! `parent`, and an alias key names the real package in its value); the entry's metadata
//! object (`dependencies`, `optionalDependencies`, `peerDependencies`, `optionalPeers`),
//! which links entries into a graph the way Bun resolves them (the nearest enclosing key
//! first, then the top level); and the `workspaces`, whose dependency lists are the direct
//! dependencies. The sibling `package.json` adds nothing: `workspaces[""]` mirrors it.
//!
//! Scope: dependencies declared by a workspace only under `devDependencies` are dev, only
//! under `optionalDependencies` optional, and a transitive package gets the strongest way it
//! is reached (required, then optional, then dev), as npm's `dev`/`optional` flags would.
//! Peer dependencies count as required: Bun installs them unless listed in `optionalPeers`.
//!
//! Not registry packages: `workspace:` and `root:` entries are the project itself and are
//! skipped; `link:`, `file:`, git, GitHub and tarball entries become warnings. The binary
//! `bun.lockb` of older Bun versions is refused with a hint.

use std::collections::{HashMap, HashSet};

use patchwarden_core::Scope;
use serde_json::{Map, Value};

use crate::yarn::{GraphComponents, reach_scopes};
use crate::{ParseError, Parsed};

/// Makes JSONC plain JSON: comments become spaces (newlines kept, so positions stay) and
/// commas before a closing `}` or `]` are dropped.
fn strip_jsonc(text: &str) -> String {
    // First the comments.
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            plain.push(c);
            match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        plain.push(escaped);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                plain.push(c);
            }
            ('/', Some('/')) => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        plain.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        plain.push('\n');
                    }
                    if last == '*' && skipped == '/' {
                        break;
                    }
                    last = skipped;
                }
                plain.push(' ');
            }
            _ => plain.push(c),
        }
    }
    // Then the trailing commas.
    let mut out = String::with_capacity(plain.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in plain.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = plain
                .get(i + 1..)
                .and_then(|rest| rest.trim_start().chars().next());
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The line of each key of the `packages` object, from Bun's layout: one entry per line,
/// indented by four spaces.
fn key_lines(text: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("  \"") {
            inside = line.trim_start().starts_with("\"packages\"");
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(rest) = line.strip_prefix("    \"")
            && let Some(end) = rest.find('"')
            && let Some(key) = rest.get(..end)
        {
            lines
                .entry(key.to_string())
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    lines
}

/// Splits `name@spec` (a scoped `@scope/name@spec` keeps its scope).
fn split_ident(ident: &str) -> Option<(&str, &str)> {
    let at = ident.get(1..)?.find('@')? + 1;
    let name = ident.get(..at)?;
    (!name.is_empty()).then_some((name, ident.get(at + 1..)?))
}

/// The package names along an install path key (`@app/ui/react-dom/scheduler` gives
/// `@app/ui`, `react-dom`, `scheduler`).
fn key_names(key: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut start = 0;
    let mut scoped = false;
    for (i, c) in key.char_indices() {
        if c != '/' {
            continue;
        }
        if key.get(start..).is_some_and(|s| s.starts_with('@')) && !scoped {
            scoped = true;
            continue;
        }
        if let Some(name) = key.get(start..i) {
            names.push(name);
        }
        start = i + 1;
        scoped = false;
    }
    if let Some(name) = key.get(start..)
        && !name.is_empty()
    {
        names.push(name);
    }
    names
}

/// The key Bun installs dependency `name` at for a package at install path `from`: the
/// deepest existing `from-prefix/name`, else the top-level `name`.
fn lookup(index: &HashMap<&str, usize>, from: &[&str], name: &str) -> Option<usize> {
    (0..=from.len()).rev().find_map(|depth| {
        let prefix = from.get(..depth)?;
        let key = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", prefix.join("/"))
        };
        index.get(key.as_str()).copied()
    })
}

/// The dependency lists of a package's metadata or a workspace, as `(name, scope)`.
fn declared(info: &Value, with_dev: bool) -> Vec<(&str, Scope)> {
    let optional_peers: HashSet<&str> = info
        .get("optionalPeers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (group, scope) in [
        ("dependencies", Scope::Required),
        ("peerDependencies", Scope::Required),
        ("optionalDependencies", Scope::Optional),
        ("devDependencies", Scope::Dev),
    ] {
        if group == "devDependencies" && !with_dev {
            continue;
        }
        let Some(deps) = info.get(group).and_then(Value::as_object) else {
            continue;
        };
        for name in deps.keys() {
            if group == "peerDependencies" && optional_peers.contains(name.as_str()) {
                continue;
            }
            out.push((name.as_str(), scope));
        }
    }
    out
}

/// The metadata object of a `packages` entry (the first object after the identifier).
fn metadata(value: &Value) -> Option<&Value> {
    value.as_array()?.iter().skip(1).find(|v| v.is_object())
}

/// What a `packages` entry stands for.
enum Entry {
    /// A registry package `(name, version)`.
    Package(String, String),
    /// A workspace or the root: the project itself.
    Project,
    /// Not a registry package: the warning to give.
    Foreign(String),
}

fn classify(key: &str, value: &Value) -> Entry {
    let Some(ident) = value.get(0).and_then(Value::as_str) else {
        return Entry::Foreign(format!(
            "`{key}`: expected [\"name@version\", ...], found {}",
            kind_of(value)
        ));
    };
    let Some((name, spec)) = split_ident(ident) else {
        return Entry::Foreign(format!("`{key}`: unreadable package `{ident}`"));
    };
    if spec.starts_with("workspace:") || spec.starts_with("root:") {
        return Entry::Project;
    }
    let registry = value.get(1).and_then(Value::as_str);
    let is_version =
        spec.chars().next().is_some_and(|c| c.is_ascii_digit()) && !spec.contains([':', '/', '#']);
    if is_version && registry.is_some() {
        return Entry::Package(name.to_string(), spec.to_string());
    }
    let source = match spec.split_once(':') {
        Some((protocol, _)) if !protocol.is_empty() && !protocol.contains(['/', '.']) => protocol,
        _ => "tarball",
    };
    Entry::Foreign(format!(
        "{name} comes from `{source}` ({spec}), not the npm registry: not matched against advisories"
    ))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads a `bun.lock`. `manifest` (the `package.json` beside it) is not needed: the
/// lockfile's `workspaces` mirror it.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let _ = manifest;
    if text.starts_with("#!/usr/bin/env bun") {
        return Err(ParseError(
            "binary bun.lockb, not the text bun.lock: run `bun install --save-text-lockfile`"
                .into(),
        ));
    }
    let doc: Value = serde_json::from_str(&strip_jsonc(text))
        .map_err(|e| ParseError(format!("not a bun.lock: {e}")))?;
    let Value::Object(doc) = doc else {
        return Err(ParseError("not a bun.lock: expected a JSON object".into()));
    };
    if !doc.get("lockfileVersion").is_some_and(Value::is_number) {
        return Err(ParseError(
            "not a bun.lock: no numeric lockfileVersion".into(),
        ));
    }
    let empty = Map::new();
    let section = |name: &str| match doc.get(name) {
        None => Ok(&empty),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(ParseError(format!(
            "`{name}` is {}, not an object",
            kind_of(other)
        ))),
    };
    let packages = section("packages")?;
    let workspaces = section("workspaces")?;

    let keys: Vec<&str> = packages.keys().map(String::as_str).collect();
    let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let edges: Vec<Vec<(usize, bool)>> = packages
        .iter()
        .map(|(key, value)| {
            let from = key_names(key);
            metadata(value)
                .map(|meta| declared(meta, false))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(name, scope)| {
                    lookup(&index, &from, name).map(|t| (t, scope == Scope::Optional))
                })
                .collect()
        })
        .collect();
    let mut roots = Vec::new();
    for (ws_path, workspace) in workspaces {
        // A member's own copies are nested under its package name.
        let name = workspace.get("name").and_then(Value::as_str);
        let from: Vec<&str> = match (ws_path.is_empty(), name) {
            (false, Some(name)) => vec![name],
            _ => Vec::new(),
        };
        for (dep, scope) in declared(workspace, true) {
            if let Some(t) = lookup(&index, &from, dep) {
                roots.push((t, scope));
            }
        }
    }
    let direct: HashSet<usize> = roots.iter().map(|(n, _)| *n).collect();
    let scopes = reach_scopes(&edges, &roots);
    let lines = key_lines(text);

    let mut out = GraphComponents::new(path, !workspaces.is_empty());
    for (node, (key, value)) in packages.iter().enumerate() {
        let line = lines.get(key.as_str()).copied();
        match classify(key, value) {
            Entry::Package(name, version) => out.add(
                name,
                version,
                line,
                scopes.get(node).copied().flatten(),
                direct.contains(&node),
            ),
            Entry::Project => {}
            Entry::Foreign(message) => out.warn(line, message),
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_becomes_json() {
        let text =
            "{\n  // c\n  \"a\": [1, 2,],  /* x,\n y */\n  \"s\": \"// not, a comment,]\",\n}\n";
        let plain = strip_jsonc(text);
        assert_eq!(plain.lines().count(), text.lines().count());
        let v: Value = serde_json::from_str(&plain).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["s"], "// not, a comment,]");
        assert_eq!(v["a"][1], 2);
    }

    #[test]
    fn install_paths() {
        assert_eq!(key_names("react"), ["react"]);
        assert_eq!(
            key_names("@app/ui/react-dom/@types/scheduler"),
            ["@app/ui", "react-dom", "@types/scheduler"]
        );
        let index: HashMap<&str, usize> = [("a", 0), ("b", 1), ("a/b", 2), ("@s/x", 3)].into();
        assert_eq!(lookup(&index, &["a"], "b"), Some(2));
        assert_eq!(lookup(&index, &["a", "c"], "b"), Some(2));
        assert_eq!(lookup(&index, &["c"], "b"), Some(1));
        assert_eq!(lookup(&index, &[], "@s/x"), Some(3));
        assert_eq!(lookup(&index, &[], "zz"), None);
    }

    #[test]
    fn entries_and_scopes() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": { "a": "^1.0.0", },
      "devDependencies": { "d": "^1.0.0", "local": "file:./local", },
    },
  },
  "packages": {
    "a": ["a@1.0.0", "", { "dependencies": { "b": "^2.0.0" }, "optionalDependencies": { "o": "1" } }, "sha512-a"],
    "b": ["b@2.0.0", "", {}, "sha512-b"],
    "d": ["d@1.0.0", "", { "dependencies": { "b": "^1.0.0" } }, "sha512-d"],
    "d/b": ["b@1.0.0", "", {}, "sha512-b1"],
    "o": ["o@1.0.0", "", {}, "sha512-o"],
    "local": ["local@file:local", {}],
  },
}"#;
        let parsed = parse("bun.lock", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<String> = parsed
            .components
            .iter()
            .map(|c| {
                format!(
                    "{}@{} {:?} {:?} :{:?}",
                    c.name, c.version, c.direct, c.scope, c.source.line
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "a@1.0.0 Some(true) Required :Some(11)",
                "b@2.0.0 Some(false) Required :Some(12)",
                "d@1.0.0 Some(true) Dev :Some(13)",
                "b@1.0.0 Some(false) Dev :Some(14)",
                "o@1.0.0 Some(false) Optional :Some(15)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, Some(16));
    }

    #[test]
    fn other_files_are_refused() {
        assert!(
            parse(
                "bun.lock",
                "#!/usr/bin/env bun\nbun-lockfile-format-v0\n",
                None
            )
            .is_err()
        );
        assert!(parse("bun.lock", "[]", None).is_err());
        assert!(parse("bun.lock", "{\"packages\": {}}", None).is_err());
        assert!(
            parse(
                "bun.lock",
                "{\"lockfileVersion\": 1, \"packages\": []}",
                None
            )
            .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(\\{|\\}|\\[|\\]|,|:|\"|\\\\|//|/\\*|\\*/|\n|\"lockfileVersion\": 1|\"packages\"|\"workspaces\"|\"\"|@|/|[a-z0-9.]{0,5}){0,80}") {
            let _ = parse("bun.lock", &text, None);
        }
    }
}
