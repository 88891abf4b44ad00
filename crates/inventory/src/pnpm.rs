//! pnpm's `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.
//!
//! Every installed package is a key of `packages`, spelled per version:
//!
//! | version | key | dependency graph |
//! |---|---|---|
//! | 5.x | `/name/1.2.3`, `/@scope/name/1.2.3_peer@2.0.0` | `packages` |
//! | 6.x | `/name@1.2.3(peer@2.0.0)` | `packages` |
//! | 9   | `name@1.2.3` (peer variants are keys of `snapshots`) | `snapshots` |
//!
//! What is read: each package's name and version (peer suffixes are not part of the
//! version), the line of its key, the `dependencies` / `optionalDependencies` of each graph
//! node, and the projects' (`importers`, or the top level of a single-project 5.x file)
//! `dependencies`, `devDependencies` and `optionalDependencies`, which are the direct
//! dependencies. The sibling `package.json` adds nothing the lockfile lacks.
//!
//! Scope: in 5.x and 6.x pnpm writes `dev: true` / `optional: true` on packages only dev or
//! only optional, and we use them. Version 9 dropped `dev`, so there a package's scope is the
//! strongest way the projects reach it (required, then optional, then dev), which is what
//! those flags meant; packages no project reaches stay required.
//!
//! Keys that are not registry packages (`file:`, tarball URLs, git hosts) become warnings;
//! `link:` dependencies of importers are the project's own workspaces and are skipped.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::{Map, Value};

use crate::yarn::{reach_scopes, strongest};
use crate::{ParseError, Parsed, Warning};

/// `name` and `version` of a package key, peer suffixes removed.
fn split_key(key: &str) -> Option<(String, String)> {
    let key = key.trim_start_matches('/');
    // A scoped name `@scope/name` runs past its first `/`.
    let from = if key.starts_with('@') {
        key.find('/')? + 1
    } else {
        0
    };
    let rest = key.get(from..)?;
    match (rest.find('@'), rest.find('/')) {
        // 6 and 9: `name@version(peers)`.
        (Some(at), slash) if slash.is_none_or(|s| at < s) => {
            let name = key.get(..from + at)?;
            let version = rest.get(at + 1..)?;
            let version = version.split('(').next().unwrap_or(version);
            (!name.is_empty()).then(|| (name.to_string(), version.to_string()))
        }
        // 5.x: `name/version_peers`.
        (_, Some(slash)) => {
            let name = key.get(..from + slash)?;
            let version = rest.get(slash + 1..)?;
            if version.contains('/') || name.is_empty() {
                return None;
            }
            let version = version.split('_').next().unwrap_or(version);
            Some((name.to_string(), version.to_string()))
        }
        _ => None,
    }
}

/// Whether a version is a registry version (not `link:`, `file:`, a URL or a git ref).
fn is_registry_version(version: &str) -> bool {
    version.chars().next().is_some_and(|c| c.is_ascii_digit()) && !version.contains([':', '/'])
}

/// The line of each key directly under a top-level section (`packages:`).
fn key_lines(text: &str, section: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line.trim_end().strip_suffix(':') == Some(section);
            continue;
        }
        if inside
            && let Some(key) = line.strip_prefix("  ")
            && !key.starts_with(' ')
            && let Some(key) = key.trim_end().strip_suffix(':')
        {
            let key = key.trim_matches('\'').trim_matches('"').to_string();
            lines
                .entry(key)
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    lines
}

/// The major lockfile version (`5.4` and `'5.4'` give 5, `'9.0'` gives 9).
fn major_version(doc: &Map<String, Value>) -> Option<u64> {
    let text = match doc.get("lockfileVersion")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    text.trim()
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
}

/// The version an importer entry gives: `1.2.3` (5.x) or `{specifier, version}` (6, 9).
fn importer_version(entry: &Value) -> Option<&str> {
    match entry {
        Value::String(v) => Some(v),
        Value::Object(o) => o.get("version").and_then(Value::as_str),
        _ => None,
    }
}

/// The graph key a dependency `name: reference` points at, or `None` for a workspace link or
/// local directory. `reference` is a version (`1.2.3(peer@1.0.0)`, `1.2.3_peer@1.0.0`) or,
/// for an alias or a package not from the registry, a key itself.
fn graph_key(major: u64, name: &str, reference: &str) -> Option<String> {
    if reference.starts_with("link:") {
        return None;
    }
    if reference.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return Some(match major {
            ..=5 => format!("/{name}/{reference}"),
            6..=8 => format!("/{name}@{reference}"),
            _ => format!("{name}@{reference}"),
        });
    }
    Some(reference.to_string())
}

/// The projects of the lockfile: each importer, or the top level of a single-project file.
fn projects(doc: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    let mut projects: Vec<&Map<String, Value>> = Vec::new();
    if let Some(importers) = doc.get("importers").and_then(Value::as_object) {
        projects.extend(importers.values().filter_map(Value::as_object));
    }
    if ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|k| doc.contains_key(*k))
    {
        projects.push(doc);
    }
    projects
}

/// The dependency graph of the lockfile and its roots.
struct Graph {
    /// Graph keys, in file order.
    keys: Vec<String>,
    /// `(target, optional)` edges of each node.
    edges: Vec<Vec<(usize, bool)>>,
    /// The projects' direct dependencies, with the scope they are declared with.
    roots: Vec<(usize, Scope)>,
}

fn graph(doc: &Map<String, Value>, major: u64) -> Graph {
    let empty = Map::new();
    let section = if major >= 9 { "snapshots" } else { "packages" };
    let nodes = doc
        .get(section)
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let keys: Vec<String> = nodes.keys().cloned().collect();
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let target = |name: &str, reference: &str| {
        graph_key(major, name, reference).and_then(|k| index.get(k.as_str()).copied())
    };
    let edges = nodes
        .values()
        .map(|node| {
            let mut out = Vec::new();
            for (group, optional) in [("dependencies", false), ("optionalDependencies", true)] {
                let Some(deps) = node.get(group).and_then(Value::as_object) else {
                    continue;
                };
                for (name, reference) in deps {
                    if let Some(t) = reference.as_str().and_then(|r| target(name, r)) {
                        out.push((t, optional));
                    }
                }
            }
            out
        })
        .collect();
    let mut roots = Vec::new();
    for project in projects(doc) {
        for (group, scope) in [
            ("dependencies", Scope::Required),
            ("optionalDependencies", Scope::Optional),
            ("devDependencies", Scope::Dev),
        ] {
            let Some(deps) = project.get(group).and_then(Value::as_object) else {
                continue;
            };
            for (name, entry) in deps {
                if let Some(t) = importer_version(entry).and_then(|r| target(name, r)) {
                    roots.push((t, scope));
                }
            }
        }
    }
    Graph { keys, edges, roots }
}

/// Reads a `pnpm-lock.yaml`. `manifest` (the `package.json` beside it) is not needed: the
/// lockfile's importers say which dependencies are direct.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let _ = manifest;
    read(path, text, true)
}

/// Reads the file; `use_flags` takes scopes from the 5.x/6.x `dev`/`optional` flags where
/// present (off only in the test that checks the graph walk against those flags).
fn read(path: &str, text: &str, use_flags: bool) -> Result<Parsed, ParseError> {
    let doc: Value = serde_saphyr::from_str(text).map_err(|e| {
        ParseError(format!(
            "not a pnpm lockfile: {}",
            e.to_string().lines().next().unwrap_or("unreadable YAML")
        ))
    })?;
    let Value::Object(doc) = doc else {
        return Err(ParseError(
            "not a pnpm lockfile: expected a YAML mapping".into(),
        ));
    };
    let Some(major) = major_version(&doc) else {
        return Err(ParseError(
            "not a pnpm lockfile: no readable lockfileVersion".into(),
        ));
    };
    // pnpm 3 introduced lockfileVersion 5.0; anything older is another file (a JSON document
    // is YAML too). Newer versions than 9 are read as 9, with a warning.
    if major < 5 {
        return Err(ParseError(format!(
            "not a pnpm lockfile: lockfileVersion {major} (pnpm writes 5.x, 6.x and 9)"
        )));
    }
    let mut parsed = Parsed::default();
    if major > 9 {
        parsed.warnings.push(Warning {
            path: path.to_string(),
            line: Some(1),
            message: format!("lockfileVersion {major} is newer than 9: read as version 9"),
        });
    }
    let lines = key_lines(text, "packages");
    let graph = graph(&doc, major);
    let scopes = reach_scopes(&graph.edges, &graph.roots);
    // Per (name, version): whether a project names it directly, and its strongest scope.
    let has_projects = !projects(&doc).is_empty();
    let mut direct: HashSet<(String, String)> = HashSet::new();
    for (node, _) in &graph.roots {
        if let Some(pair) = graph.keys.get(*node).and_then(|k| split_key(k)) {
            direct.insert(pair);
        }
    }
    let mut reached: HashMap<(String, String), Option<Scope>> = HashMap::new();
    for (key, scope) in graph.keys.iter().zip(&scopes) {
        if let Some(pair) = split_key(key) {
            let slot = reached.entry(pair).or_insert(None);
            *slot = strongest(*slot, *scope);
        }
    }

    let mut seen = HashSet::new();
    let empty = Map::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (key, entry) in packages {
        let line = lines.get(key.as_str()).copied();
        let mut warn = |message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line,
                message,
            })
        };
        let field = |f: &str| entry.get(f).and_then(Value::as_str);
        let pair = split_key(key).filter(|(_, v)| is_registry_version(v));
        let Some((name, version)) = pair else {
            // Tarball, git and directory packages: their key is not `name@version`, and a
            // `version` field would name a release they need not match.
            let name = field("name").map_or_else(|| key.clone(), str::to_string);
            warn(format!(
                "{name} ({key}) is not from the npm registry: not matched against advisories"
            ));
            continue;
        };
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let flag = |f: &str| entry.get(f).and_then(Value::as_bool).unwrap_or(false);
        let pair = (name, version);
        let scope = if use_flags && major < 9 {
            if flag("dev") {
                Scope::Dev
            } else if flag("optional") {
                Scope::Optional
            } else {
                Scope::Required
            }
        } else {
            reached
                .get(&pair)
                .copied()
                .flatten()
                .unwrap_or(Scope::Required)
        };
        let is_direct = direct.contains(&pair);
        let (name, version) = pair;
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::Npm),
            name,
            version,
            Location::at(path, line),
        );
        if has_projects {
            component.direct = Some(is_direct);
        }
        component.scope = scope;
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
    fn keys_of_every_version() {
        let k = |s: &str| split_key(s).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(k("/lodash/4.17.21").as_deref(), Some("lodash 4.17.21"));
        assert_eq!(
            k("/@babel/core/7.12.3_supports-color@8.1.1").as_deref(),
            Some("@babel/core 7.12.3")
        );
        assert_eq!(k("/lodash@4.17.21").as_deref(), Some("lodash 4.17.21"));
        assert_eq!(
            k("/@vue/compiler-sfc@3.2.0(vue@3.2.0)").as_deref(),
            Some("@vue/compiler-sfc 3.2.0")
        );
        assert_eq!(
            k("react-dom@18.2.0(react@18.2.0)").as_deref(),
            Some("react-dom 18.2.0")
        );
        assert_eq!(
            k("@types/node@20.1.0").as_deref(),
            Some("@types/node 20.1.0")
        );
        assert_eq!(k("nonsense"), None);
        assert_eq!(k("@"), None);
        assert_eq!(k("/"), None);
    }

    #[test]
    fn version_5_and_9_with_importers() {
        let v5 = "lockfileVersion: 5.4\n\nimporters:\n\n  .:\n    specifiers:\n      a: ^1.0.0\n      b: ^2.0.0\n    dependencies:\n      a: 1.0.0\n    devDependencies:\n      b: 2.0.0_a@1.0.0\n\npackages:\n\n  /a/1.0.0:\n    resolution: {integrity: sha512-x}\n\n  /b/2.0.0_a@1.0.0:\n    resolution: {integrity: sha512-y}\n    dev: true\n\n  /c/3.0.0:\n    resolution: {integrity: sha512-z}\n    optional: true\n";
        let parsed = parse("pnpm-lock.yaml", v5, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "a@1.0.0 Some(true) Required :Some(16)",
                "b@2.0.0 Some(true) Dev :Some(19)",
                "c@3.0.0 Some(false) Optional :Some(23)",
            ]
        );
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      vite:\n        specifier: ^5.0.0\n        version: 5.0.0(@types/node@20.1.0)\n      jq:\n        specifier: npm:jquery@^3\n        version: jquery@3.7.1\npackages:\n  vite@5.0.0:\n    resolution: {integrity: sha512-a}\n  '@types/node@20.1.0':\n    resolution: {integrity: sha512-b}\n  jquery@3.7.1:\n    resolution: {integrity: sha512-c}\n  local@file:../local:\n    resolution: {directory: ../local, type: directory}\nsnapshots:\n  vite@5.0.0(@types/node@20.1.0):\n    dependencies:\n      '@types/node': 20.1.0\n  '@types/node@20.1.0': {}\n  jquery@3.7.1: {}\n";
        let parsed = parse("pnpm-lock.yaml", v9, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "vite@5.0.0 Some(true) Dev :Some(12)",
                "@types/node@20.1.0 Some(false) Dev :Some(14)",
                "jquery@3.7.1 Some(true) Dev :Some(16)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
    }

    /// On a real 5.4 file, walking the graph from the importers gives exactly the scopes
    /// pnpm wrote as `dev`/`optional` flags: the walk used for version 9 is sound.
    #[test]
    fn graph_walk_agrees_with_pnpm_flags() {
        use std::io::Read;
        let zip = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/lockfiles.zip");
        let Ok(file) = std::fs::File::open(&zip) else {
            eprintln!("skipping: no {}", zip.display());
            return;
        };
        let mut archive = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        archive
            .by_name("vuejs-core__2022__pnpm-lock.v5.4.yaml")
            .unwrap_or_else(|e| panic!("{e}"))
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        let flags = read("v5.4", &text, true).unwrap_or_else(|e| panic!("{}", e.0));
        let walked = read("v5.4", &text, false).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(flags.components.len(), 932);
        assert!(flags.components.iter().any(|c| c.scope == Scope::Dev));
        assert_eq!(flags, walked);
    }

    #[test]
    fn other_yaml_is_refused() {
        assert!(parse("pnpm-lock.yaml", "a: 1\n", None).is_err());
        assert!(parse("pnpm-lock.yaml", "- 1\n", None).is_err());
        assert!(parse("pnpm-lock.yaml", "{{{", None).is_err());
        assert!(parse("pnpm-lock.yaml", "lockfileVersion: [1]\n", None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(lockfileVersion: 9\n|lockfileVersion: 5.4\n|packages:\n|snapshots:\n|importers:\n|dependencies:\n|  |    |/|@|\\(|_|:|'|\n|[a-z0-9.]{0,5}){0,60}") {
            let _ = parse("pnpm-lock.yaml", &text, None);
        }
    }
}
