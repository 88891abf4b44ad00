//! Yarn's `yarn.lock`, classic (v1) and berry (v2 and later).
//!
//! Both list one block per resolved package, keyed by the requests (descriptors) it
//! satisfies, with the package's own dependencies as further requests:
//!
//! ```text
//! "@babel/core@^7.0.0", "@babel/core@^7.12.3":     # classic
//!   version "7.12.3"
//!   dependencies:
//!     debug "^4.1.0"
//! "@babel/core@npm:^7.0.0, @babel/core@npm:^7.12.3": # berry (a YAML subset)
//!   version: 7.12.3
//!   resolution: "@babel/core@npm:7.12.3"
//!   dependencies:
//!     debug: "npm:^4.1.0"
//! ```
//!
//! What is read: the package name (from berry's `resolution`, else from the first request,
//! an alias `string-width-cjs@npm:string-width@^4.2.0` naming `string-width`), the version,
//! and the dependency requests, which link blocks into a graph.
//!
//! Not registry packages: berry entries resolved by `workspace:` are the project itself and
//! are skipped silently; `link:`, `portal:`, `file:`, `exec:`, git and tarball URLs become
//! warnings, as do classic entries requested by such ranges. A berry `patch:` resolution is
//! the patched registry package at its version (as Trivy and OSV-Scanner report it).
//!
//! Direct dependencies and scope: berry's workspace entries list the project's direct
//! dependencies; classic files need the `package.json` beside them. With the manifest,
//! dependencies named only under `devDependencies` are dev, those under
//! `optionalDependencies` optional, and a transitive package gets the scope of the strongest
//! way it is reached (required, then optional, then dev), as npm's `dev`/`optional` flags
//! would say. A package the roots do not reach (for example a dependency of a classic
//! workspace member, whose manifest we do not see) stays required and transitive.
//!
//! This is a small line reader of our own rather than `yarn-lock-parser`: that crate gives no
//! line numbers, and one entry it does not understand fails the whole file with an error that
//! does not say where, while we want to keep every other entry and warn about that one.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::Value;

use crate::{ParseError, Parsed, Warning};

/// The block section an indented line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Other,
    Dependencies,
    OptionalDependencies,
    DependenciesMeta,
}

/// One block: its key line, requests and the fields read.
#[derive(Default)]
struct Block {
    line: u32,
    requests: Vec<String>,
    version: Option<String>,
    resolution: Option<String>,
    /// Dependency requests `(name, range, optional)`.
    dependencies: Vec<(String, String, bool)>,
    /// Names berry's `dependenciesMeta` marks `optional: true`.
    optional_meta: HashSet<String>,
}

/// Splits a request or resolution `name@range` (a scoped `@scope/name@range` keeps its scope).
fn split_request(request: &str) -> Option<(&str, &str)> {
    let at = request.get(1..)?.find('@')? + 1;
    Some((request.get(..at)?, request.get(at + 1..)?))
}

/// Removes surrounding spaces and quotes.
fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim_matches('\'')
}

/// Decodes the `%XX` escapes berry writes inside `patch:` locators (`npm%3A1.2.3`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The protocol of a range that does not come from the npm registry (`file`, `git`,
/// `github`, `https`...), or `None` for a registry range (semver, tag, `npm:` alias).
fn foreign_protocol(range: &str) -> Option<&str> {
    if range.starts_with("npm:") {
        return None;
    }
    if let Some((protocol, _)) = range.split_once(':')
        && !protocol.is_empty()
        && protocol
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return Some(protocol);
    }
    // GitHub shorthand `user/repo#ref`, or a local path: semver ranges never hold a `/`.
    if range.contains('/') {
        return Some(if range.starts_with('.') || range.starts_with('/') {
            "file"
        } else {
            "github"
        });
    }
    None
}

/// One dependency line of a block (`debug "^4.1.0"` classic, `debug: "npm:^4.1.0"` berry),
/// as `(name, range)`.
fn dependency_line(field: &str) -> Option<(String, String)> {
    let (name, rest) = if let Some(quoted) = field.strip_prefix('"') {
        let end = quoted.find('"')?;
        (quoted.get(..end)?, quoted.get(end + 1..)?)
    } else {
        let space = field.find([' ', ':'])?;
        (field.get(..space)?, field.get(space..)?)
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    Some((name.to_string(), unquote(rest).to_string()))
}

/// Splits a field line into its name and value (`version "1.2.3"` or `version: 1.2.3`).
fn field_line(field: &str) -> Option<(&str, &str)> {
    match field.split_once(':') {
        Some((name, value)) if !name.contains([' ', '"']) => Some((name, value)),
        _ => field.split_once(' '),
    }
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut section = Section::Other;
    let mut meta_name: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - line.trim_start().len();
        if depth == 0 {
            section = Section::Other;
            if let Some(key) = line.trim_end().strip_suffix(':') {
                out.push(Block {
                    line: number,
                    requests: key
                        .split(',')
                        .map(unquote)
                        .filter(|r| !r.is_empty())
                        .map(str::to_string)
                        .collect(),
                    ..Block::default()
                });
            }
            continue;
        }
        let Some(block) = out.last_mut() else {
            continue;
        };
        match depth {
            2 => {
                meta_name = None;
                let (name, value) = field_line(trimmed).unwrap_or((trimmed, ""));
                let name = name.trim_end_matches(':');
                section = match name {
                    "dependencies" => Section::Dependencies,
                    "optionalDependencies" => Section::OptionalDependencies,
                    "dependenciesMeta" => Section::DependenciesMeta,
                    _ => Section::Other,
                };
                match name {
                    "version" => block.version = Some(unquote(value).to_string()),
                    "resolution" => block.resolution = Some(unquote(value).to_string()),
                    _ => {}
                }
            }
            4 => match section {
                Section::Dependencies | Section::OptionalDependencies => {
                    if let Some((name, range)) = dependency_line(trimmed) {
                        let optional = section == Section::OptionalDependencies;
                        block.dependencies.push((name, range, optional));
                    }
                }
                Section::DependenciesMeta => {
                    meta_name = trimmed.strip_suffix(':').map(|n| unquote(n).to_string());
                }
                Section::Other => {}
            },
            6 if section == Section::DependenciesMeta => {
                if let Some(name) = &meta_name
                    && trimmed.replace(' ', "") == "optional:true"
                {
                    block.optional_meta.insert(name.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// The project's `package.json` dependencies as `(name, range, scope)`, runtime first.
fn manifest_roots(manifest: &str) -> Option<Vec<(String, String, Scope)>> {
    let doc: Value = serde_json::from_str(manifest).ok()?;
    let mut roots = Vec::new();
    for (key, scope) in [
        ("dependencies", Scope::Required),
        ("optionalDependencies", Scope::Optional),
        ("devDependencies", Scope::Dev),
    ] {
        if let Some(deps) = doc.get(key).and_then(Value::as_object) {
            for (name, range) in deps {
                let range = range.as_str().unwrap_or_default();
                roots.push((name.clone(), range.to_string(), scope));
            }
        }
    }
    Some(roots)
}

/// What a block stands for.
enum Resolved {
    /// A registry package `(name, version)`.
    Package(String, String),
    /// One of the project's workspaces: not a component, but its dependencies are direct.
    Workspace { root: bool },
    /// Not a registry package: the warning to give.
    Foreign(String),
}

fn resolve(block: &Block) -> Resolved {
    let first = block.requests.first().map(String::as_str).unwrap_or("");
    if let Some(resolution) = &block.resolution {
        let Some((name, how)) = split_request(resolution) else {
            return Resolved::Foreign(format!("unreadable resolution `{resolution}`"));
        };
        if let Some(version) = how.strip_prefix("npm:") {
            // `1.2.3::__archiveUrl=...` for packages of a non-default registry.
            let version = version.split("::").next().unwrap_or(version);
            return Resolved::Package(name.to_string(), version.to_string());
        }
        if let Some(patched) = how.strip_prefix("patch:") {
            // `patch:name@npm%3A1.2.3#<patch>::version=1.2.3&hash=...`.
            let inner = percent_decode(patched.split(['#', ':']).next().unwrap_or(patched));
            let inner = if inner.ends_with("@npm") {
                // The `:` of `npm:` was not escaped: take the text up to the `#`.
                percent_decode(patched.split('#').next().unwrap_or(patched))
            } else {
                inner
            };
            return match split_request(&inner).and_then(|(_, r)| r.strip_prefix("npm:")) {
                Some(version) if foreign_protocol(version).is_none() => {
                    Resolved::Package(name.to_string(), version.to_string())
                }
                _ => Resolved::Foreign(format!(
                    "{name}: patched package without a registry version (`{inner}`)"
                )),
            };
        }
        if let Some(path) = how.strip_prefix("workspace:") {
            return Resolved::Workspace {
                root: path == "." || path.is_empty(),
            };
        }
        let protocol = foreign_protocol(how).unwrap_or(how);
        return Resolved::Foreign(format!(
            "{name} comes from `{protocol}`, not the npm registry: not matched against advisories"
        ));
    }
    let Some((requested, range)) = split_request(first) else {
        return Resolved::Foreign(format!("unreadable entry `{first}`"));
    };
    // An alias `x@npm:real@range` installs `real`.
    let name = range
        .strip_prefix("npm:")
        .and_then(split_request)
        .map_or(requested, |(real, _)| real);
    let Some(version) = &block.version else {
        return Resolved::Foreign(format!("{name} has no version"));
    };
    if let Some(protocol) = foreign_protocol(range) {
        return Resolved::Foreign(format!(
            "{name}@{version} comes from `{protocol}` ({range}), not the npm registry: not matched against advisories"
        ));
    }
    Resolved::Package(name.to_string(), version.clone())
}

/// Scope of each node of a dependency graph, from the project's roots: `Required` when a
/// chain of required dependencies reaches it from a runtime root, else `Optional` when any
/// chain from a runtime or optional root does, else `Dev` when one from a dev root does;
/// `None` when no root reaches it. `edges[n]` lists `(target, optional edge)`.
///
/// Shared by the JavaScript lockfile parsers (yarn, pnpm, bun).
pub(crate) fn reach_scopes(
    edges: &[Vec<(usize, bool)>],
    roots: &[(usize, Scope)],
) -> Vec<Option<Scope>> {
    let mut scopes: Vec<Option<Scope>> = vec![None; edges.len()];
    let passes = [
        (Scope::Required, &[Scope::Required][..], false),
        (
            Scope::Optional,
            &[Scope::Required, Scope::Optional][..],
            true,
        ),
        (Scope::Dev, &[Scope::Dev][..], true),
    ];
    for (scope, from, follow_optional) in passes {
        let mut stack: Vec<usize> = roots
            .iter()
            .filter(|(_, s)| from.contains(s))
            .map(|(n, _)| *n)
            .collect();
        let mut visited = vec![false; edges.len()];
        while let Some(node) = stack.pop() {
            let Some(seen) = visited.get_mut(node) else {
                continue;
            };
            if *seen {
                continue;
            }
            *seen = true;
            if let Some(slot) = scopes.get_mut(node)
                && slot.is_none()
            {
                *slot = Some(scope);
            }
            for &(next, optional) in edges.get(node).map(Vec::as_slice).unwrap_or_default() {
                if follow_optional || !optional {
                    stack.push(next);
                }
            }
        }
    }
    scopes
}

/// The strongest of two scopes a package is reached with (required, then optional, then
/// dev). An unreached variant (`None`) adds nothing: a berry `patch:` entry, for one, is never
/// named by a dependent although it stands for the same package as the `npm:` entry that is.
pub(crate) fn strongest(a: Option<Scope>, b: Option<Scope>) -> Option<Scope> {
    let rank = |s: Scope| match s {
        Scope::Required => 0,
        Scope::Optional => 1,
        Scope::Dev => 2,
    };
    match (a, b) {
        (Some(x), Some(y)) => Some(if rank(x) <= rank(y) { x } else { y }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The npm components of a resolved lockfile graph, one per (name, version): a package seen
/// again (a patched copy, an alias, a nested copy) adds its scope and directness to the
/// first. Yarn and Bun read their graphs into it.
pub(crate) struct GraphComponents<'p> {
    path: &'p str,
    /// Whether the lockfile (or its manifest) names the root's dependencies, so that
    /// `direct` can be told.
    know_roots: bool,
    parsed: Parsed,
    index_of: HashMap<(String, String), usize>,
    reached: Vec<Option<Scope>>,
}

impl<'p> GraphComponents<'p> {
    pub(crate) fn new(path: &'p str, know_roots: bool) -> Self {
        GraphComponents {
            path,
            know_roots,
            parsed: Parsed::default(),
            index_of: HashMap::new(),
            reached: Vec::new(),
        }
    }

    /// An entry that is not a registry package.
    pub(crate) fn warn(&mut self, line: Option<u32>, message: String) {
        self.parsed.warnings.push(Warning {
            path: self.path.to_string(),
            line,
            message,
        });
    }

    /// A package entry, reached with `scope` (`None`: not reached from a root).
    pub(crate) fn add(
        &mut self,
        name: String,
        version: String,
        line: Option<u32>,
        scope: Option<Scope>,
        is_direct: bool,
    ) {
        let key = (name, version);
        if let Some(&at) = self.index_of.get(&key) {
            if let (Some(c), Some(r)) =
                (self.parsed.components.get_mut(at), self.reached.get_mut(at))
            {
                *r = strongest(*r, scope);
                if self.know_roots && is_direct {
                    c.direct = Some(true);
                }
            }
            return;
        }
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::Npm),
            key.0.clone(),
            key.1.clone(),
            Location::at(self.path, line),
        );
        if self.know_roots {
            component.direct = Some(is_direct);
        }
        self.index_of.insert(key, self.parsed.components.len());
        self.parsed.components.push(component);
        self.reached.push(scope);
    }

    /// The components, each with the strongest scope it was reached with (Required when
    /// unreached), and the warnings.
    pub(crate) fn finish(mut self) -> Parsed {
        for (component, scope) in self.parsed.components.iter_mut().zip(self.reached) {
            component.scope = scope.unwrap_or(Scope::Required);
        }
        self.parsed
    }
}

/// Reads a `yarn.lock` (classic or berry). `manifest` is the `package.json` beside it, which
/// tells direct dependencies (and dev-only or optional ones) from transitive ones.
pub fn parse(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    if !berry && !text.contains("yarn lockfile v1") && !text.lines().any(|l| l.starts_with('"')) {
        return Err(ParseError(
            "not a yarn.lock: neither the `# yarn lockfile v1` header nor berry's `__metadata`"
                .into(),
        ));
    }
    let blocks: Vec<Block> = blocks(text)
        .into_iter()
        .filter(|b| b.requests.first().is_none_or(|r| r != "__metadata"))
        .collect();
    let mut by_request: HashMap<&str, usize> = HashMap::new();
    for (index, block) in blocks.iter().enumerate() {
        for request in &block.requests {
            by_request.entry(request.as_str()).or_insert(index);
        }
    }
    // Berry writes `name@npm:range` where the request said `name@range`; try both.
    let find = |name: &str, range: &str| {
        by_request
            .get(format!("{name}@{range}").as_str())
            .or_else(|| by_request.get(format!("{name}@npm:{range}").as_str()))
            .copied()
    };
    let resolved: Vec<Resolved> = blocks.iter().map(resolve).collect();
    let edges: Vec<Vec<(usize, bool)>> = blocks
        .iter()
        .map(|b| {
            b.dependencies
                .iter()
                .filter_map(|(name, range, optional)| {
                    let optional = *optional || b.optional_meta.contains(name);
                    find(name, range).map(|target| (target, optional))
                })
                .collect()
        })
        .collect();

    // The roots: the manifest's dependencies, and (berry) every workspace's dependencies.
    let manifest = manifest.and_then(manifest_roots);
    let mut roots: Vec<(usize, Scope)> = Vec::new();
    if let Some(declared) = &manifest {
        for (name, range, scope) in declared {
            match find(name, range) {
                Some(target) => roots.push((target, *scope)),
                // The manifest changed since the lockfile was written: fall back to the name.
                None => roots.extend(
                    blocks
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| {
                            b.requests
                                .iter()
                                .any(|r| split_request(r).is_some_and(|(n, _)| n == name))
                        })
                        .map(|(i, _)| (i, *scope)),
                ),
            }
        }
    }
    let mut workspaces = false;
    for (index, what) in resolved.iter().enumerate() {
        if let Resolved::Workspace { root } = *what {
            workspaces = true;
            // The root workspace's dependencies already came from the manifest, with scopes.
            if root && manifest.is_some() {
                continue;
            }
            roots.extend(
                edges
                    .get(index)
                    .into_iter()
                    .flatten()
                    .map(|&(target, optional)| {
                        let scope = if optional {
                            Scope::Optional
                        } else {
                            Scope::Required
                        };
                        (target, scope)
                    }),
            );
        }
    }
    let know_roots = manifest.is_some() || workspaces;
    let direct: HashSet<usize> = roots.iter().map(|(n, _)| *n).collect();
    let scopes = reach_scopes(&edges, &roots);

    let mut out = GraphComponents::new(path, know_roots);
    for (index, (block, what)) in blocks.iter().zip(resolved).enumerate() {
        match what {
            Resolved::Package(name, version) => out.add(
                name,
                version,
                Some(block.line),
                scopes.get(index).copied().flatten(),
                direct.contains(&index),
            ),
            Resolved::Workspace { .. } => {}
            Resolved::Foreign(message) => out.warn(Some(block.line), message),
        }
    }
    Ok(out.finish())
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
    fn classic_blocks_aliases_and_the_manifest() {
        let text = "# yarn lockfile v1\n\n\n\"@babel/core@^7.0.0\", \"@babel/core@^7.1.0\":\n  version \"7.12.3\"\n  dependencies:\n    debug \"^4.1.0\"\n\ndebug@^4.1.0:\n  version \"4.3.1\"\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version \"4.2.3\"\n\nlocal@file:../local:\n  version \"1.0.0\"\n";
        let manifest = r#"{"dependencies": {"@babel/core": "^7.1.0"}, "devDependencies": {"debug": "^4.1.0", "string-width-cjs": "npm:string-width@^4.2.0"}}"#;
        let parsed = parse("yarn.lock", text, Some(manifest)).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "@babel/core@7.12.3 Some(true) Required :Some(4)",
                // Required: `@babel/core` needs it at run time, although also a dev dependency.
                "debug@4.3.1 Some(true) Required :Some(9)",
                "string-width@4.2.3 Some(true) Dev :Some(12)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        assert!(parsed.warnings[0].message.contains("`file`"));
    }

    #[test]
    fn berry_resolutions_and_protocols() {
        let text = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  dependencies:\n    lodash: \"npm:^4.17.0\"\n    resolve: \"patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>\"\n  languageName: unknown\n  linkType: soft\n\n\"lodash@npm:^4.17.0, lodash@npm:^4.17.20\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21::__archiveUrl=https%3A%2F%2Fnpm.example.com%2Flodash.tgz\"\n  languageName: node\n  linkType: hard\n\n\"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>\":\n  version: 1.22.8\n  resolution: \"resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d\"\n\n\"tool@link:./tools\":\n  version: 0.0.0-use.local\n  resolution: \"tool@link:./tools::locator=app%40workspace%3A.\"\n";
        let parsed = parse("yarn.lock", text, None).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "lodash@4.17.21 Some(true) Required :Some(14)",
                "resolve@1.22.8 Some(true) Required :Some(20)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].message.contains("`link`"));
    }

    #[test]
    fn scopes_follow_the_strongest_path() {
        // 0 -> 1 (optional edge) -> 2; 3 (dev root) -> 2; 4 unreached.
        let edges = vec![
            vec![(1, true)],
            vec![(2, false)],
            vec![],
            vec![(2, false)],
            vec![],
        ];
        let scopes = reach_scopes(&edges, &[(0, Scope::Required), (3, Scope::Dev)]);
        assert_eq!(
            scopes,
            [
                Some(Scope::Required),
                Some(Scope::Optional),
                Some(Scope::Optional),
                Some(Scope::Dev),
                None
            ]
        );
    }

    #[test]
    fn foreign_ranges() {
        assert_eq!(foreign_protocol("^1.2.3"), None);
        assert_eq!(foreign_protocol("npm:other@^1"), None);
        assert_eq!(foreign_protocol(">= 1.0.0 < 2"), None);
        assert_eq!(foreign_protocol("github:user/repo"), Some("github"));
        assert_eq!(foreign_protocol("user/repo#v1"), Some("github"));
        assert_eq!(foreign_protocol("git+ssh://git@x/y.git"), Some("git+ssh"));
        assert_eq!(foreign_protocol("./vendor/x.tgz"), Some("file"));
    }

    #[test]
    fn other_files_are_refused() {
        assert!(parse("yarn.lock", "{\"not\": \"yarn\"}", None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(# yarn lockfile v1\n|__metadata:\n|\"|@|:|npm:|patch:|%3A|%|workspace:.|version|resolution|dependencies:\n|dependenciesMeta:\n|  |    |      |\n|[a-z^.0-9]{0,6}){0,80}") {
            let _ = parse("yarn.lock", &text, Some("{\"dependencies\": {\"a\": \"^1\"}}"));
        }
    }
}
