//! Python lockfiles other than requirements files: `poetry.lock`, `Pipfile.lock`, `uv.lock`
//! and `pdm.lock` (ecosystem PyPI).
//!
//! - `poetry.lock` (TOML): one `[[package]]` table per installed distribution with `name`,
//!   `version`, `optional`, and either `category = "main" | "dev"` (Poetry before 1.5) or
//!   `groups = ["main", ...]` (later); `[package.source]` names a git, directory, file or url
//!   source, or a private index (`legacy`).
//! - `Pipfile.lock` (JSON): `default` (run time) and `develop` (Dev) objects of
//!   `name: {"version": "==1.2.3", ...}`; git, path and file entries carry `git`/`path`/`file`.
//! - `uv.lock` (TOML): `[[package]]` tables with `source = { registry | git | url | path |
//!   directory | editable | virtual = ... }`; the project and its workspace members have an
//!   editable or virtual source, and their `dependencies`, `optional-dependencies` and
//!   `dev-dependencies` are the direct dependencies.
//! - `pdm.lock` (TOML): `[[package]]` tables with `groups` (`default` is run time); `git`,
//!   `path` and `url` keys mark packages that do not come from an index.
//!
//! Packages that do not come from a package index (git, local path, direct URL) become
//! warnings, not components: their version is not a PyPI release an advisory can place.
//! Where the lockfile does not say which dependencies are direct, the manifest beside it
//! (`pyproject.toml`, or `Pipfile` for `Pipfile.lock`) does; without it `direct` is `None`.
//! Names are compared in their normalised form (PEP 503: lower case, runs of `-_.` as `-`);
//! components keep the lockfile's spelling.
//!
//! TOML is read with the `toml` crate into `serde_json` values (one tree type for the JSON
//! and TOML formats here); the lines of `[[package]]` headers are found beside it.

use std::collections::{HashMap, HashSet, VecDeque};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use serde_json::{Map, Value};

use crate::{ParseError, Parsed, Warning};

/// A package name in its PEP 503 normal form (`Foo.Bar_baz` → `foo-bar-baz`).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
        } else {
            if in_separator && !out.is_empty() {
                out.push('-');
            }
            in_separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The distribution name at the start of a PEP 508 requirement (`requests[socks] (>=2) ;
/// python_version < "3.8"` → `requests`), `None` when it does not start with one.
pub fn requirement_name(requirement: &str) -> Option<&str> {
    let requirement = requirement.trim_start();
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = requirement.get(..end)?;
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        .then_some(name)
}

fn component(path: &str, name: &str, version: &str, line: Option<u32>) -> Component {
    Component::new(
        Ecosystem::new(EcosystemKind::PyPI),
        name,
        version,
        Location::at(path, line),
    )
}

fn warning(path: &str, line: Option<u32>, message: String) -> Warning {
    Warning {
        path: path.to_string(),
        line,
        message,
    }
}

/// Strings of a TOML or JSON array (other items ignored).
fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// What a `pyproject.toml` says about the project's own dependencies.
#[derive(Default)]
struct Declared {
    /// Normalised names of every dependency the project declares (any group).
    direct: HashSet<String>,
    /// Names of the optional-dependency groups (extras), normalised.
    extras: HashSet<String>,
}

/// Reads the direct dependencies out of a `pyproject.toml`: PEP 621 `[project]`
/// `dependencies` and `optional-dependencies`, PEP 735 `[dependency-groups]`, Poetry's
/// `[tool.poetry.dependencies]`, `dev-dependencies` and `group.*.dependencies`, PDM's
/// `[tool.pdm.dev-dependencies]`. A manifest that cannot be read gives a warning and `None`.
fn pyproject(path: &str, manifest: Option<&str>, warnings: &mut Vec<Warning>) -> Option<Declared> {
    let doc = match toml_lite::parse(manifest?) {
        Ok(doc) => doc.root,
        Err(e) => {
            warnings.push(warning(
                path,
                None,
                format!("the pyproject.toml beside it is not valid TOML ({e}): direct dependencies are unknown"),
            ));
            return None;
        }
    };
    let mut declared = Declared::default();
    let add_requirements = |value: Option<&Value>, declared: &mut Declared| {
        for requirement in strings(value) {
            if let Some(name) = requirement_name(requirement) {
                declared.direct.insert(normalize_name(name));
            }
        }
    };
    let project = doc.get("project");
    add_requirements(project.and_then(|p| p.get("dependencies")), &mut declared);
    if let Some(groups) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(Value::as_object)
    {
        for (group, list) in groups {
            declared.extras.insert(normalize_name(group));
            add_requirements(Some(list), &mut declared);
        }
    }
    let mut group_lists: Vec<&Value> = Vec::new();
    if let Some(groups) = doc.get("dependency-groups").and_then(Value::as_object) {
        group_lists.extend(groups.values());
    }
    let tool = doc.get("tool");
    if let Some(groups) = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("dev-dependencies"))
        .and_then(Value::as_object)
    {
        group_lists.extend(groups.values());
    }
    for list in group_lists {
        add_requirements(Some(list), &mut declared);
    }
    let poetry = tool.and_then(|t| t.get("poetry"));
    let mut tables: Vec<&Value> = Vec::new();
    if let Some(poetry) = poetry {
        tables.extend(poetry.get("dependencies"));
        tables.extend(poetry.get("dev-dependencies"));
        if let Some(groups) = poetry.get("group").and_then(Value::as_object) {
            tables.extend(groups.values().filter_map(|g| g.get("dependencies")));
        }
    }
    for table in tables.into_iter().filter_map(Value::as_object) {
        // `python` in Poetry's dependency table is the interpreter, not a package.
        declared.direct.extend(
            table
                .keys()
                .map(|k| normalize_name(k))
                .filter(|k| k != "python"),
        );
    }
    Some(declared)
}

/// Collects components in order, one per distinct (normalised name, version).
struct Collector<'p> {
    path: &'p str,
    parsed: Parsed,
    seen: HashSet<(String, String)>,
}

impl<'p> Collector<'p> {
    fn new(path: &'p str) -> Self {
        Collector {
            path,
            parsed: Parsed::default(),
            seen: HashSet::new(),
        }
    }

    fn warn(&mut self, line: Option<u32>, message: String) {
        self.parsed.warnings.push(warning(self.path, line, message));
    }

    fn push(
        &mut self,
        name: &str,
        version: &str,
        line: Option<u32>,
        scope: Scope,
        direct: Option<bool>,
    ) {
        if !self
            .seen
            .insert((normalize_name(name), version.to_string()))
        {
            return;
        }
        let mut c = component(self.path, name, version, line);
        c.scope = scope;
        c.direct = direct;
        self.parsed.components.push(c);
    }
}

/// Parses a lockfile's TOML, naming the format in the error.
fn read_toml(format: &str, text: &str) -> Result<toml_lite::Doc, ParseError> {
    toml_lite::parse(text).map_err(|e| ParseError(format!("not a valid {format}: {e}")))
}

/// A `[[package]]` table of a TOML lockfile with the line of its header.
type PackageTable<'d> = (&'d Map<String, Value>, Option<u32>);

/// The `[[package]]` tables of a TOML lockfile, each with the line of its header.
fn packages<'d>(
    format: &str,
    doc: &'d toml_lite::Doc,
) -> Result<Vec<PackageTable<'d>>, ParseError> {
    let list = match doc.root.get("package") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ParseError(format!(
                "not a valid {format}: `package` is not an array of tables"
            )));
        }
    };
    let lines = doc.array_lines.get("package");
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let line = lines.and_then(|l| l.get(i).copied());
            p.as_object().map(|p| (p, line)).ok_or_else(|| {
                ParseError(format!(
                    "not a valid {format}: `package` is not an array of tables"
                ))
            })
        })
        .collect()
}

/// Name and version of a lockfile package table, or a warning why it has none.
fn name_and_version<'a>(
    package: &'a Map<String, Value>,
    line: Option<u32>,
    out: &mut Collector<'_>,
) -> Option<(&'a str, &'a str)> {
    let name = package.get("name").and_then(Value::as_str);
    let version = package.get("version").and_then(Value::as_str);
    match (name, version) {
        (Some(n), Some(v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
            Some((n.trim(), v.trim()))
        }
        (Some(n), _) if !n.trim().is_empty() => {
            out.warn(line, format!("{n} has no version"));
            None
        }
        _ => {
            out.warn(line, "a [[package]] entry has no name".into());
            None
        }
    }
}

fn direct_of(declared: &Option<Declared>, name: &str) -> Option<bool> {
    declared
        .as_ref()
        .map(|d| d.direct.contains(&normalize_name(name)))
}

/// Reads a `poetry.lock`; `manifest` is the `pyproject.toml` beside it.
///
/// Scope: `category = "dev"` or groups without `main` → Dev; `optional = true` (an extra's
/// package) → Optional; otherwise Required. Packages with a git, directory, file or url
/// source become warnings; a private index (`legacy`) is still an index.
pub fn parse_poetry_lock(
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    let doc = read_toml("poetry.lock", text)?;
    let mut out = Collector::new(path);
    let declared = pyproject(path, manifest, &mut out.parsed.warnings);
    for (package, line) in packages("poetry.lock", &doc)? {
        let Some((name, version)) = name_and_version(package, line, &mut out) else {
            continue;
        };
        let source = package.get("source");
        let kind = source
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if matches!(kind, "git" | "directory" | "file" | "url") {
            let location = source
                .and_then(|s| s.get("url"))
                .and_then(Value::as_str)
                .unwrap_or("");
            out.warn(
                line,
                format!(
                    "{name} {version} is not from a package index ({kind} `{location}`): not matched against advisories"
                ),
            );
            continue;
        }
        let main = match (package.get("groups"), package.get("category")) {
            (Some(groups), _) => strings(Some(groups)).any(|g| g == "main"),
            (None, Some(category)) => category.as_str() != Some("dev"),
            (None, None) => true,
        };
        let optional = package.get("optional").and_then(Value::as_bool) == Some(true);
        let scope = match (main, optional) {
            (false, _) => Scope::Dev,
            (true, true) => Scope::Optional,
            (true, false) => Scope::Required,
        };
        out.push(name, version, line, scope, direct_of(&declared, name));
    }
    Ok(out.parsed)
}

/// Lines of the `"key": {` lines of a pretty-printed JSON text (as pipenv writes
/// Pipfile.lock), by key, in order: one pass, so a huge file costs no more than reading it.
struct KeyLines<'t>(HashMap<&'t str, Vec<u32>>);

impl<'t> KeyLines<'t> {
    fn new(text: &'t str) -> Self {
        let mut map: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let key = line
                .trim_start()
                .strip_prefix('"')
                .and_then(|r| r.split_once("\": {"))
                .map(|(key, _)| key);
            if let Some(key) = key {
                map.entry(key)
                    .or_default()
                    .push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        KeyLines(map)
    }

    /// The first line of `key` after line `after`.
    fn after(&self, key: &str, after: u32) -> Option<u32> {
        let lines = self.0.get(key)?;
        lines.get(lines.partition_point(|&l| l <= after)).copied()
    }
}

/// Reads a `Pipfile.lock`; `manifest` is the `Pipfile` beside it.
///
/// `default` is Required and `develop` Dev; other top-level objects are pipenv's named
/// package categories, installed only on request: Optional. A version is `==1.2.3` (or
/// `===`); entries with `git`, `path` or `file`, or without a pinned version, become warnings.
pub fn parse_pipfile_lock(
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| ParseError(format!("not a valid Pipfile.lock: {e}")))?;
    let Some(top) = doc.as_object() else {
        return Err(ParseError(
            "not a valid Pipfile.lock: the top level is not a JSON object".into(),
        ));
    };
    if !top.contains_key("default") && !top.contains_key("develop") {
        return Err(ParseError(
            "not a valid Pipfile.lock: no `default` or `develop` section".into(),
        ));
    }
    let mut out = Collector::new(path);
    // The Pipfile: every table but the configuration ones lists packages.
    let declared = match manifest.map(toml_lite::parse) {
        None => None,
        Some(Ok(pipfile)) => Some(Declared {
            direct: pipfile
                .root
                .iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "source" | "requires" | "pipenv" | "scripts")
                })
                .filter_map(|(_, v)| v.as_object())
                .flat_map(|t| t.keys().map(|k| normalize_name(k)))
                .collect(),
            extras: HashSet::new(),
        }),
        Some(Err(e)) => {
            out.warn(
                None,
                format!(
                    "the Pipfile beside it is not valid TOML ({e}): direct dependencies are unknown"
                ),
            );
            None
        }
    };
    let key_lines = KeyLines::new(text);
    for (section, entries) in top {
        if section == "_meta" {
            continue;
        }
        let Some(entries) = entries.as_object() else {
            out.warn(None, format!("section `{section}` is not an object"));
            continue;
        };
        let scope = match section.as_str() {
            "default" => Scope::Required,
            "develop" => Scope::Dev,
            _ => Scope::Optional,
        };
        let start = key_lines.after(section, 0).unwrap_or(0);
        for (name, entry) in entries {
            let line = key_lines.after(name, start);
            if let Some(kind) = ["git", "path", "file"]
                .into_iter()
                .find(|k| entry.get(*k).is_some())
            {
                let location = entry.get(kind).and_then(Value::as_str).unwrap_or("");
                out.warn(
                    line,
                    format!(
                        "{name} is not from a package index ({kind} `{location}`): not matched against advisories"
                    ),
                );
                continue;
            }
            let version = entry.get("version").and_then(Value::as_str).unwrap_or("");
            let pinned = version
                .strip_prefix("===")
                .or_else(|| version.strip_prefix("=="))
                .map(str::trim)
                .filter(|v| !v.is_empty() && !v.contains(['*', ',', ' ', '<', '>', '!', '~', '=']));
            match pinned {
                Some(v) => out.push(name, v, line, scope, direct_of(&declared, name)),
                None => out.warn(
                    line,
                    format!("{name} is not pinned to one version (`{version}`): not matched against advisories"),
                ),
            }
        }
    }
    Ok(out.parsed)
}

/// Why a uv or pdm package is not from an index, from its source keys.
fn non_index_source(source: &Map<String, Value>) -> Option<(&'static str, &str)> {
    ["git", "url", "path", "directory", "editable", "virtual"]
        .into_iter()
        .find_map(|k| source.get(k).map(|v| (k, v.as_str().unwrap_or(""))))
}

/// A dependency edge of `uv.lock`: normalised name, optional exact version, extras.
struct Edge {
    name: String,
    version: Option<String>,
    extras: Vec<String>,
}

fn edges(list: Option<&Value>) -> Vec<Edge> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let name = d.get("name").and_then(Value::as_str)?;
            Some(Edge {
                name: normalize_name(name),
                version: d.get("version").and_then(Value::as_str).map(str::to_string),
                extras: strings(d.get("extra")).map(normalize_name).collect(),
            })
        })
        .collect()
}

/// Edges of every group of a `{group = [deps]}` table.
fn group_edges(table: Option<&Value>) -> Vec<Edge> {
    table
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|t| t.values())
        .flat_map(|list| edges(Some(list)))
        .collect()
}

/// One `[[package]]` of `uv.lock`, with its edges.
struct UvPackage<'d> {
    table: &'d Map<String, Value>,
    line: Option<u32>,
    name: String,
    version: Option<String>,
    dependencies: Vec<Edge>,
    extras: HashMap<String, Vec<Edge>>,
}

/// Indexes of the packages reachable from `start` (the packages themselves included),
/// following `dependencies` and the optional dependencies of the extras asked for.
fn reachable(packages: &[UvPackage<'_>], start: &[Edge]) -> HashSet<usize> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let mut seen = HashSet::new();
    let mut queue: VecDeque<&Edge> = start.iter().collect();
    // Each (package, extra) pair is expanded once, so the walk ends on any graph.
    let mut expanded: HashSet<(usize, String)> = HashSet::new();
    while let Some(edge) = queue.pop_front() {
        for &i in by_name.get(edge.name.as_str()).into_iter().flatten() {
            let Some(p) = packages.get(i) else { continue };
            if edge.version.is_some() && edge.version != p.version {
                continue;
            }
            if seen.insert(i) {
                queue.extend(p.dependencies.iter());
            }
            for extra in &edge.extras {
                if expanded.insert((i, extra.clone())) {
                    queue.extend(p.extras.get(extra).into_iter().flatten());
                }
            }
        }
    }
    seen
}

/// Reads a `uv.lock`; `manifest` is the `pyproject.toml` beside it, consulted only when
/// the lock has no project package (the lock records the project's own dependencies).
///
/// The project and its workspace members (editable or virtual sources) are not components.
/// Direct dependencies are theirs. Scope follows reachability in the lock's graph: from the
/// members' `dependencies` → Required, else from their `optional-dependencies` → Optional,
/// else from their `dev-dependencies` → Dev; a package reached from none is Required.
pub fn parse_uv_lock(path: &str, text: &str, manifest: Option<&str>) -> Result<Parsed, ParseError> {
    let doc = read_toml("uv.lock", text)?;
    let mut out = Collector::new(path);
    let mut list: Vec<UvPackage<'_>> = Vec::new();
    for (table, line) in packages("uv.lock", &doc)? {
        let Some(name) = table.get("name").and_then(Value::as_str) else {
            out.warn(line, "a [[package]] entry has no name".into());
            continue;
        };
        list.push(UvPackage {
            table,
            line,
            name: normalize_name(name),
            version: table
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_string),
            dependencies: edges(table.get("dependencies")),
            extras: table
                .get("optional-dependencies")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (normalize_name(k), edges(Some(v))))
                .collect(),
        });
    }
    let is_member = |p: &UvPackage<'_>| {
        p.table
            .get("source")
            .and_then(Value::as_object)
            .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
    };
    let members: Vec<&UvPackage<'_>> = list.iter().filter(|p| is_member(p)).collect();
    let mut required_roots = Vec::new();
    let mut optional_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for m in &members {
        required_roots.extend(edges(m.table.get("dependencies")));
        optional_roots.extend(group_edges(m.table.get("optional-dependencies")));
        dev_roots.extend(group_edges(m.table.get("dev-dependencies")));
    }
    let required = reachable(&list, &required_roots);
    let optional = reachable(&list, &optional_roots);
    let dev = reachable(&list, &dev_roots);
    let direct_names: HashSet<&str> = required_roots
        .iter()
        .chain(&optional_roots)
        .chain(&dev_roots)
        .map(|e| e.name.as_str())
        .collect();
    let declared = if members.is_empty() {
        pyproject(path, manifest, &mut out.parsed.warnings)
    } else {
        None
    };
    for (i, p) in list.iter().enumerate() {
        let table = p.table;
        let line = p.line;
        let source = table
            .get("source")
            .and_then(Value::as_object)
            .and_then(non_index_source);
        // The project itself (`editable = "."` or `virtual = "."`, its version possibly
        // dynamic, so absent) is not a dependency.
        if source.is_some_and(|(kind, location)| {
            matches!(kind, "editable" | "virtual") && matches!(location, "." | "")
        }) {
            continue;
        }
        let Some((name, version)) = name_and_version(table, line, &mut out) else {
            continue;
        };
        if let Some((kind, location)) = source {
            out.warn(
                line,
                format!(
                    "{name} {version} is not from a package index ({kind} `{location}`): not matched against advisories"
                ),
            );
            continue;
        }
        let scope = if required.contains(&i) {
            Scope::Required
        } else if optional.contains(&i) {
            Scope::Optional
        } else if dev.contains(&i) {
            Scope::Dev
        } else {
            Scope::Required
        };
        let direct = if members.is_empty() {
            direct_of(&declared, name)
        } else {
            Some(direct_names.contains(p.name.as_str()))
        };
        out.push(name, version, line, scope, direct);
    }
    Ok(out.parsed)
}

/// Reads a `pdm.lock`; `manifest` is the `pyproject.toml` beside it.
///
/// Scope: a package in the `default` group is Required; otherwise Optional when one of its
/// groups is an extra of `[project.optional-dependencies]` (known only with the manifest),
/// else Dev. A lock without `groups` (PDM 1) is all Required. Packages with `git`, `path` or
/// `url` become warnings.
pub fn parse_pdm_lock(
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    let doc = read_toml("pdm.lock", text)?;
    let mut out = Collector::new(path);
    let declared = pyproject(path, manifest, &mut out.parsed.warnings);
    for (package, line) in packages("pdm.lock", &doc)? {
        let Some((name, version)) = name_and_version(package, line, &mut out) else {
            continue;
        };
        if let Some((kind, location)) = ["git", "path", "url"]
            .into_iter()
            .find_map(|k| package.get(k).map(|v| (k, v.as_str().unwrap_or(""))))
        {
            out.warn(
                line,
                format!(
                    "{name} {version} is not from a package index ({kind} `{location}`): not matched against advisories"
                ),
            );
            continue;
        }
        let scope = match package.get("groups").or_else(|| package.get("sections")) {
            None => Scope::Required,
            Some(groups) => {
                let groups: Vec<&str> = strings(Some(groups)).collect();
                if groups.is_empty() || groups.contains(&"default") {
                    Scope::Required
                } else if declared
                    .as_ref()
                    .is_some_and(|d| groups.iter().any(|g| d.extras.contains(&normalize_name(g))))
                {
                    Scope::Optional
                } else {
                    Scope::Dev
                }
            }
        };
        out.push(name, version, line, scope, direct_of(&declared, name));
    }
    Ok(out.parsed)
}

/// TOML documents as JSON values, through the `toml` crate, with the lines of the headers
/// of arrays of tables (the line a `[[package]]` entry starts on, for locations).
pub(crate) mod toml_lite {
    use std::collections::HashMap;

    use serde_json::{Map, Value};

    /// A parsed document.
    pub(crate) struct Doc {
        /// The root table.
        pub root: Map<String, Value>,
        /// For each top-level array of tables (`package`), the 1-based line of each
        /// element's `[[...]]` header, in order; absent when the headers found in the text
        /// do not pair one to one with the elements.
        pub array_lines: HashMap<String, Vec<u32>>,
    }

    /// Parses a TOML document.
    pub(crate) fn parse(text: &str) -> Result<Doc, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| one_line(&e.to_string()))?;
        let root = match serde_json::to_value(table) {
            Ok(Value::Object(root)) => root,
            Ok(_) => Map::new(),
            Err(e) => return Err(e.to_string()),
        };
        let mut lines: HashMap<String, Vec<u32>> = HashMap::new();
        let mut in_multiline = false;
        for (i, line) in text.lines().enumerate() {
            // Headers inside multi-line strings are not headers.
            if line.matches("\"\"\"").count() % 2 == 1 || line.matches("'''").count() % 2 == 1 {
                in_multiline = !in_multiline;
                continue;
            }
            if in_multiline {
                continue;
            }
            let t = line.trim();
            if let Some(inner) = t.strip_prefix("[[").and_then(|r| r.split_once("]]")) {
                let key = inner.0.trim();
                if !key.contains('.') && !key.contains('"') && !key.contains('\'') {
                    lines
                        .entry(key.to_string())
                        .or_default()
                        .push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
            }
        }
        // Keep only the lists that pair up with the parsed arrays.
        lines.retain(|key, found| {
            root.get(key)
                .and_then(Value::as_array)
                .is_some_and(|items| items.len() == found.len())
        });
        Ok(Doc {
            root,
            array_lines: lines,
        })
    }

    /// The `toml` crate's error, which quotes the offending line over several lines, as one.
    fn one_line(message: &str) -> String {
        let mut parts = message.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = parts.next().unwrap_or("invalid TOML").to_string();
        match parts.next_back() {
            Some(last) if last != first => format!("{first} {last}"),
            _ => first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_and_requirements_name_their_package() {
        assert_eq!(normalize_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(
            requirement_name("requests[socks] (>=2) ; python_version < '3.8'"),
            Some("requests")
        );
        assert_eq!(
            requirement_name("poetry-core @ git+https://x"),
            Some("poetry-core")
        );
        assert_eq!(requirement_name("-e ."), None);
    }

    #[test]
    fn toml_tables_arrays_of_tables_and_their_lines() {
        let doc = toml_lite::parse(
            "top = 1\n\n[[package]]\nname = \"a\"\n[package.source]\ntype = \"git\"\n\n[[package]]\nname = \"b\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc.array_lines.get("package"), Some(&vec![3, 8]));
        let source = doc
            .root
            .get("package")
            .and_then(|p| p.get(0))
            .and_then(|p| p.get("source"))
            .and_then(|s| s.get("type"));
        assert_eq!(source.and_then(Value::as_str), Some("git"));
        assert!(toml_lite::parse("a = 1\na = 2\n").is_err());
        assert!(toml_lite::parse("a = 1\n[a]\n").is_err());
    }
}
