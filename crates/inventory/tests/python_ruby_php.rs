//! Python, Ruby and PHP lockfile parsers: golden snapshots of the real files of
//! `lockfiles.zip` and of small fixtures, counts checked against an independent oracle,
//! `-r`/`-c` includes, hostile inputs, and a property test that no text makes a parser panic.

mod common;

use std::collections::HashMap;
use std::path::Path;

use patchwarden_core::Scope;
use patchwarden_inventory::python;
use patchwarden_inventory::{ParseError, Parsed, composer, gem, pip};
use proptest::prelude::*;

/// Components and warnings as one JSON value, for snapshots.
fn snapshot_value(p: &Parsed) -> serde_json::Value {
    serde_json::json!({ "components": p.components, "warnings": p.warnings })
}

/// One line per component and warning, for the long real files.
fn compact(p: &Parsed) -> String {
    let mut out = String::new();
    for c in &p.components {
        let direct = match c.direct {
            Some(true) => "direct",
            Some(false) => "indirect",
            None => "?",
        };
        out.push_str(&format!(
            "{} {} {direct} {:?} {}:{}\n",
            c.name,
            c.version,
            c.scope,
            c.source.path,
            c.source.line.unwrap_or(0)
        ));
    }
    out.push_str("--- warnings\n");
    for w in &p.warnings {
        out.push_str(&format!("{w}\n"));
    }
    out
}

fn ok(r: Result<Parsed, ParseError>) -> Parsed {
    r.unwrap_or_else(|e| panic!("{}", e.0))
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every (name, version) of one file appears once.
fn assert_distinct(p: &Parsed) {
    let mut seen = std::collections::HashSet::new();
    for c in &p.components {
        assert!(
            seen.insert((
                c.source.path.clone(),
                python::normalize_name(&c.name),
                c.version.clone()
            )),
            "duplicate {} {}",
            c.name,
            c.version
        );
    }
}

fn count_where(p: &Parsed, f: impl Fn(&patchwarden_core::Component) -> bool) -> usize {
    p.components.iter().filter(|c| f(c)).count()
}

// ---------------------------------------------------------------- real files

// The counts below come from tests/oracles/python_ruby_php_counts.py (python3, stdlib only:
// json, tomllib, re), run on lockfiles.zip: it reads the files by the formats' rules
// without using these parsers.

#[test]
fn real_requirements_files() {
    let Some(data) = common::shared_data() else {
        return;
    };
    for (entry, expected) in [
        ("netbox__2020-11__requirements.txt", 23),
        ("netbox__2026__requirements.txt", 46),
        ("pygoat__requirements.txt", 34),
    ] {
        let text = common::lockfile(&data, entry);
        let p = pip::parse(entry, &text);
        assert_eq!(p.components.len(), expected, "{entry}");
        assert!(p.warnings.is_empty(), "{entry}: {:?}", p.warnings);
        assert_distinct(&p);
        // The same through the include-following entry point (no includes to read).
        let mut read = |_: &str| -> Option<String> { None };
        assert_eq!(pip::parse_with_includes(entry, &text, &mut read), p);
        insta::assert_snapshot!(format!("real_{}", entry.replace('.', "_")), compact(&p));
    }
}

#[test]
fn real_base_requirements_read_through_an_include() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // netbox's loose base_requirements.txt, installed with the frozen requirements.txt as
    // constraints: the usual pip pattern, written as a top-level file including both.
    let files: HashMap<&str, &str> = [
        (
            "netbox/base_requirements.txt",
            "netbox__2026__base_requirements.txt",
        ),
        ("netbox/requirements.txt", "netbox__2026__requirements.txt"),
    ]
    .into_iter()
    .collect();
    let mut asked = Vec::new();
    let mut read = |rel: &str| {
        asked.push(rel.to_string());
        files.get(rel).map(|entry| common::lockfile(&data, entry))
    };
    let top = "-r base_requirements.txt\n--constraint requirements.txt\n";
    let p = pip::parse_with_includes("netbox/install.txt", top, &mut read);
    assert_eq!(
        asked,
        ["netbox/base_requirements.txt", "netbox/requirements.txt"]
    );
    // python_ruby_php_counts.py: "base_requirements.txt with -c requirements.txt".
    assert_eq!(p.components.len(), 46);
    assert!(
        p.components
            .iter()
            .all(|c| c.source.path == "netbox/base_requirements.txt"),
        "components carry the included file's path"
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let django = p.components.iter().find(|c| c.name == "Django");
    assert_eq!(django.map(|c| c.version.as_str()), Some("6.0.8"));
    assert_distinct(&p);
    insta::assert_snapshot!("real_netbox_2026_base_with_constraints", compact(&p));

    // Alone, the base file pins two packages (python_ruby_php_counts.py) and warns about
    // every other line.
    let base = common::lockfile(&data, "netbox__2026__base_requirements.txt");
    let alone = pip::parse("netbox/base_requirements.txt", &base);
    assert_eq!(alone.components.len(), 2);
    assert_eq!(alone.warnings.len(), 44);
    assert!(
        alone
            .warnings
            .iter()
            .all(|w| w.message.contains("not pinned")),
        "{:?}",
        alone.warnings
    );
}

#[test]
fn real_poetry_lock_with_pyproject() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let lock = common::lockfile(&data, "poetry__poetry.lock");
    let manifest = common::lockfile(&data, "poetry__pyproject.toml");
    let p = ok(python::parse_poetry_lock(
        "poetry/poetry.lock",
        &lock,
        Some(&manifest),
    ));
    // python_ruby_php_counts.py: 77 components, 34 direct, 25 dev.
    assert_eq!(p.components.len(), 77);
    assert_eq!(count_where(&p, |c| c.direct == Some(true)), 34);
    assert_eq!(count_where(&p, |c| c.scope == Scope::Dev), 25);
    assert!(p.components.iter().all(|c| c.source.line.is_some()));
    assert_distinct(&p);
    // poetry-core comes from git.
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].message.contains("poetry-core"));
    insta::assert_snapshot!("real_poetry_poetry_lock", compact(&p));

    let alone = ok(python::parse_poetry_lock("poetry/poetry.lock", &lock, None));
    assert_eq!(alone.components.len(), 77);
    assert!(alone.components.iter().all(|c| c.direct.is_none()));
}

#[test]
fn real_gemfile_and_composer_locks() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // python_ruby_php_counts.py: components (direct).
    for (entry, expected, direct) in [
        ("railsgoat__2021__Gemfile.lock", 140, 42),
        ("railsgoat__2026__Gemfile.lock", 167, 38),
    ] {
        let p = ok(gem::parse(entry, &common::lockfile(&data, entry)));
        assert_eq!(p.components.len(), expected, "{entry}");
        assert_eq!(
            count_where(&p, |c| c.direct == Some(true)),
            direct,
            "{entry}"
        );
        assert_distinct(&p);
        insta::assert_snapshot!(format!("real_{}", entry.replace('.', "_")), compact(&p));
    }
    for (entry, expected) in [
        ("koel__2019-06__composer.lock", 151),
        ("koel__2026__composer.lock", 201),
    ] {
        let p = ok(composer::parse(
            entry,
            &common::lockfile(&data, entry),
            None,
        ));
        assert_eq!(p.components.len(), expected, "{entry}");
        assert!(p.components.iter().all(|c| c.direct.is_none()));
        assert!(
            p.components
                .iter()
                .all(|c| c.version.starts_with(|ch: char| ch.is_ascii_digit())),
            "{entry}: a leading v is stripped"
        );
        assert_distinct(&p);
        insta::assert_snapshot!(format!("real_{}", entry.replace('.', "_")), compact(&p));
    }
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixture_requirements_with_hashes_markers_extras_and_includes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python");
    let mut read = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let top = fixture("reqs/requirements.txt");
    let p = pip::parse_with_includes("reqs/requirements.txt", &top, &mut read);
    assert_distinct(&p);
    let names: Vec<(&str, &str, &str)> = p
        .components
        .iter()
        .map(|c| (c.source.path.as_str(), c.name.as_str(), c.version.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("reqs/base.txt", "certifi", "2024.2.2"),
            ("reqs/base.txt", "Django", "4.2.11"),
            ("reqs/sub/dev.txt", "pytest", "8.1.1"),
            ("reqs/sub/dev.txt", "coverage", "7.4.4"),
            ("reqs/requirements.txt", "Django", "4.2.11"),
            ("reqs/requirements.txt", "requests", "2.31.0"),
            ("reqs/requirements.txt", "tomli", "2.0.1"),
            ("reqs/requirements.txt", "typing-extensions", "4.11.0"),
            ("reqs/requirements.txt", "flask", "3.0.3"),
            // Unpinned, pinned by constraints.txt.
            ("reqs/requirements.txt", "urllib3", "2.2.1"),
        ]
    );
    // charset-normalizer is only a constraint: no component.
    assert!(p.components.iter().all(|c| c.name != "charset-normalizer"));
    insta::assert_json_snapshot!("fixture_requirements_includes", snapshot_value(&p));

    // Read alone, the includes are warnings, and urllib3 is unpinned.
    let alone = pip::parse("reqs/requirements.txt", &top);
    assert_eq!(alone.components.len(), 5);
    assert!(
        alone
            .warnings
            .iter()
            .any(|w| w.message.contains("urllib3 is not pinned"))
    );
    insta::assert_json_snapshot!("fixture_requirements_alone", snapshot_value(&alone));
}

#[test]
fn fixture_pipfile_lock() {
    let lock = fixture("Pipfile.lock");
    let p = ok(python::parse_pipfile_lock(
        "Pipfile.lock",
        &lock,
        Some(&fixture("Pipfile")),
    ));
    assert_distinct(&p);
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.scope, c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("certifi", "2024.2.2", Scope::Required, Some(false)),
            ("django", "4.2.11", Scope::Required, Some(true)),
            ("requests", "2.31.0", Scope::Required, Some(true)),
            ("pytest", "8.1.1", Scope::Dev, Some(true)),
            ("sphinx", "7.2.6", Scope::Optional, Some(true)),
        ]
    );
    assert_eq!(p.warnings.len(), 3, "{:?}", p.warnings);
    insta::assert_json_snapshot!("fixture_pipfile_lock", snapshot_value(&p));
    let alone = ok(python::parse_pipfile_lock("Pipfile.lock", &lock, None));
    assert!(alone.components.iter().all(|c| c.direct.is_none()));
}

#[test]
fn fixture_uv_lock() {
    let p = ok(python::parse_uv_lock("uv.lock", &fixture("uv.lock"), None));
    assert_distinct(&p);
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.scope, c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("anyio", "4.3.0", Scope::Required, Some(true)),
            ("click", "8.1.7", Scope::Required, Some(false)),
            ("idna", "3.7", Scope::Required, Some(false)),
            ("ipywidgets", "8.1.2", Scope::Optional, Some(false)),
            ("iniconfig", "2.0.0", Scope::Dev, Some(false)),
            ("numpy", "1.26.4", Scope::Required, Some(true)),
            ("numpy", "2.0.0", Scope::Required, Some(true)),
            ("pytest", "8.2.0", Scope::Dev, Some(true)),
            ("rich", "13.7.1", Scope::Optional, Some(true)),
            // Reached both from anyio and from pytest: the run-time scope wins.
            ("sniffio", "1.3.1", Scope::Required, Some(false)),
            ("unused", "0.0.1", Scope::Required, Some(false)),
        ]
    );
    // The git package and the workspace member `helper`; the project itself is skipped.
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    insta::assert_json_snapshot!("fixture_uv_lock", snapshot_value(&p));
}

#[test]
fn fixture_pdm_lock() {
    let lock = fixture("pdm.lock");
    let p = ok(python::parse_pdm_lock(
        "pdm.lock",
        &lock,
        Some(&fixture("pdm.pyproject.toml")),
    ));
    assert_distinct(&p);
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.scope, c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("certifi", "2024.2.2", Scope::Required, Some(false)),
            ("PySocks", "1.7.1", Scope::Optional, Some(false)),
            ("requests", "2.31.0", Scope::Required, Some(true)),
            ("pytest", "8.1.1", Scope::Dev, Some(true)),
        ]
    );
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    insta::assert_json_snapshot!("fixture_pdm_lock", snapshot_value(&p));
    // Without the manifest, a non-default group is taken for a dev group.
    let alone = ok(python::parse_pdm_lock("pdm.lock", &lock, None));
    assert_eq!(alone.components[1].scope, Scope::Dev);
    assert!(alone.components.iter().all(|c| c.direct.is_none()));
}

#[test]
fn fixture_poetry_1_1_lock_with_categories() {
    let p = ok(python::parse_poetry_lock(
        "poetry.lock",
        &fixture("poetry-1.1.lock"),
        Some(&fixture("poetry-1.1.pyproject.toml")),
    ));
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.scope, c.direct, c.source.line))
        .collect();
    assert_eq!(
        got,
        [
            ("click", Scope::Required, Some(true), Some(1)),
            ("colorama", Scope::Required, Some(false), Some(12)),
            ("pyyaml", Scope::Optional, Some(true), Some(20)),
            ("pytest", Scope::Dev, Some(true), Some(28)),
        ]
    );
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    insta::assert_json_snapshot!("fixture_poetry_1_1_lock", snapshot_value(&p));
}

#[test]
fn gem_git_and_path_sources_and_platforms() {
    let text = "GIT\n  remote: https://github.com/x/devise.git\n  revision: abc\n  specs:\n    devise (4.9.0)\n      bcrypt (~> 3.0)\n\nPATH\n  remote: engines/admin\n  specs:\n    admin (0.1.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    bcrypt (3.1.20)\n    ffi (1.17.3-x86_64-linux-gnu)\n    ffi (1.17.3-arm64-darwin)\n    nokogiri (1.16.0-java)\n    weird\n    empty ()\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  admin!\n  devise!\n  ffi (~> 1.17)\n\nRUBY VERSION\n   ruby 3.3.0p0\n\nBUNDLED WITH\n   2.5.3\n";
    let p = ok(gem::parse("Gemfile.lock", text));
    insta::assert_json_snapshot!("fixture_gemfile_lock_sources", snapshot_value(&p));
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("devise", "4.9.0", Some(true)),
            ("admin", "0.1.0", Some(true)),
            ("bcrypt", "3.1.20", Some(false)),
            ("ffi", "1.17.3", Some(true)),
            ("nokogiri", "1.16.0", Some(false)),
        ]
    );
    // devise (GIT), admin (PATH), `weird` and `empty ()`.
    assert_eq!(p.warnings.len(), 4, "{:?}", p.warnings);
}

#[test]
fn composer_branches_and_manifest() {
    let lock = r#"{
    "packages": [
        {"name": "laravel/framework", "version": "v10.0.1"},
        {"name": "acme/forked", "version": "dev-main"},
        {"name": "acme/next", "version": "2.x-dev"},
        {"name": "vendor/noversion"},
        {"name": "Vendor/Mixed", "version": "V1.0.0"}
    ],
    "packages-dev": [
        {"name": "phpunit/phpunit", "version": "10.0.7"},
        {"name": "laravel/framework", "version": "v10.0.1"}
    ]
}"#;
    let manifest = r#"{"require": {"php": "^8.1", "laravel/framework": "^10.0", "vendor/mixed": "^1"}, "require-dev": {"phpunit/phpunit": "^10"}}"#;
    let p = ok(composer::parse("composer.lock", lock, Some(manifest)));
    insta::assert_json_snapshot!("fixture_composer_lock", snapshot_value(&p));
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.scope, c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("laravel/framework", "10.0.1", Scope::Required, Some(true)),
            ("Vendor/Mixed", "1.0.0", Scope::Required, Some(true)),
            ("phpunit/phpunit", "10.0.7", Scope::Dev, Some(true)),
        ]
    );
    assert_eq!(p.warnings.len(), 3, "{:?}", p.warnings);
    let bad_manifest = ok(composer::parse("composer.lock", lock, Some("{")));
    assert!(bad_manifest.components.iter().all(|c| c.direct.is_none()));
    assert!(
        bad_manifest
            .warnings
            .iter()
            .any(|w| w.message.contains("composer.json"))
    );
}

// ---------------------------------------------------------------- includes

#[test]
fn includes_are_bounded_cycle_safe_and_stay_in_the_root() {
    // A chain a0 -> a1 -> ... -> a39: followed to the depth limit, then a warning.
    let mut read = |rel: &str| {
        let n: usize = rel.strip_prefix('a')?.strip_suffix(".txt")?.parse().ok()?;
        Some(format!("pkg{n}==1.0\n-r a{}.txt\n", n + 1))
    };
    let p = pip::parse_with_includes("a0.txt", "pkg0==1.0\n-r a1.txt\n", &mut read);
    // The top file and MAX_INCLUDE_DEPTH levels of includes.
    assert_eq!(p.components.len(), pip::MAX_INCLUDE_DEPTH + 1);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].message.contains("deep"));

    // Self-include and mutual include.
    let mut read = |rel: &str| match rel {
        "dir/b.txt" => Some("-r a.txt\nb==2\n".to_string()),
        "dir/a.txt" => Some("-r a.txt\n".to_string()),
        _ => None,
    };
    let p = pip::parse_with_includes("dir/a.txt", "a==1\n-r b.txt\n-r a.txt\n", &mut read);
    let got: Vec<_> = p.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(got, ["a", "b"]);
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert!(p.warnings.iter().all(|w| w.message.contains("cycle")));

    // Leaving the root, absolute paths, URLs and missing files are warnings; the reader is
    // never asked for them.
    let mut asked = Vec::new();
    let mut read = |rel: &str| {
        asked.push(rel.to_string());
        None
    };
    let p = pip::parse_with_includes(
        "sub/r.txt",
        "-r ../../x.txt\n-r /etc/passwd\n-r https://example.invalid/r.txt\n-c ../c.txt\n-r\n",
        &mut read,
    );
    assert!(p.components.is_empty());
    assert_eq!(p.warnings.len(), 5, "{:?}", p.warnings);
    assert_eq!(asked, ["c.txt"]);
}

// ---------------------------------------------------------------- hostile input

#[test]
fn truncated_real_files_never_panic() {
    let Some(data) = common::shared_data() else {
        return;
    };
    for entry in common::lockfile_names(&data) {
        let text = common::lockfile(&data, &entry);
        // Cut at many places (on character boundaries).
        let step = (text.len() / 40).max(1);
        for cut in (0..text.len()).step_by(step) {
            let Some(head) = text.get(..cut) else {
                continue;
            };
            run_all(head);
        }
    }
}

/// Runs every parser of this area on the text (as lock and as manifest).
fn run_all(text: &str) {
    let _ = pip::parse("r.txt", text);
    let _ = pip::parse_with_includes("r.txt", text, &mut |_| Some(text.to_string()));
    let _ = python::parse_poetry_lock("poetry.lock", text, Some(text));
    let _ = python::parse_pipfile_lock("Pipfile.lock", text, Some(text));
    let _ = python::parse_uv_lock("uv.lock", text, Some(text));
    let _ = python::parse_pdm_lock("pdm.lock", text, Some(text));
    let _ = gem::parse("Gemfile.lock", text);
    let _ = composer::parse("composer.lock", text, Some(text));
}

#[test]
fn wrong_types_are_errors_or_warnings() {
    // `package` that is not an array of tables.
    let e = python::parse_poetry_lock("poetry.lock", "package = 1\n", None);
    assert!(e.is_err());
    let e = python::parse_uv_lock("uv.lock", "[package]\nname = \"x\"\n", None);
    assert!(e.is_err());
    assert!(python::parse_pdm_lock("pdm.lock", "package = [1]\n", None).is_err());
    // A uv project whose version is dynamic (absent) is skipped like any project.
    let p = ok(python::parse_uv_lock(
        "uv.lock",
        "[[package]]\nname = \"me\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"a\" }]\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
        None,
    ));
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.components[0].direct, Some(true));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // Names and versions of the wrong type.
    let p = ok(python::parse_pdm_lock(
        "pdm.lock",
        "[[package]]\nname = [1]\nversion = \"1\"\n[[package]]\nname = \"x\"\nversion = 3\n[[package]]\nname = \"y\"\nversion = \"1.0\"\ngroups = 7\n",
        Some("project = 5"),
    ));
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    let p = ok(python::parse_pipfile_lock(
        "Pipfile.lock",
        r#"{"default": {"a": 1, "b": {"version": 2}, "c": {"version": "==1.0", "git": 5}}, "develop": []}"#,
        None,
    ));
    assert!(p.components.is_empty());
    assert_eq!(p.warnings.len(), 4, "{:?}", p.warnings);
    assert!(python::parse_pipfile_lock("Pipfile.lock", "[]", None).is_err());
    assert!(python::parse_pipfile_lock("Pipfile.lock", "{}", None).is_err());
    let p = ok(composer::parse(
        "composer.lock",
        r#"{"packages": [1, {"name": 2, "version": "1.0"}, {"name": "a/b", "version": ["1"]}], "packages-dev": {"x": 1}}"#,
        Some("[]"),
    ));
    assert!(p.components.is_empty());
    // Two entries without a name, one without a string version, `packages-dev` and the
    // manifest.
    assert_eq!(p.warnings.len(), 5, "{:?}", p.warnings);
    // A manifest that is not TOML: a warning, and direct stays unknown.
    let p = ok(python::parse_poetry_lock(
        "poetry.lock",
        "[[package]]\nname = \"a\"\nversion = \"1\"\n",
        Some("[project\n"),
    ));
    assert_eq!(p.components[0].direct, None);
    assert_eq!(p.warnings.len(), 1);
}

#[test]
fn huge_numbers_and_deep_nesting_are_errors_not_crashes() {
    let huge =
        "[[package]]\nname = \"a\"\nversion = \"1\"\nsize = 999999999999999999999999999999999999\n";
    // TOML integers are 64-bit: a larger one is an error, not a wrapped number.
    let e = python::parse_uv_lock("uv.lock", huge, None);
    assert!(e.is_err_and(|e| e.0.contains("line 4")));
    let deep = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(python::parse_pdm_lock("pdm.lock", &deep, None).is_err());
    let deep_tables = format!("a = {}{}\n", "{b = ".repeat(50_000), "}".repeat(50_000));
    assert!(python::parse_poetry_lock("poetry.lock", &deep_tables, None).is_err());
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(python::parse_pipfile_lock("Pipfile.lock", &deep_json, None).is_err());
    assert!(composer::parse("composer.lock", &deep_json, None).is_err());
    let long_line = format!("GEM\n  specs:\n    {} (1.0)\n", "a".repeat(1_000_000));
    assert_eq!(
        ok(gem::parse("Gemfile.lock", &long_line)).components.len(),
        1
    );
    let many = "x==1\n".repeat(100_000);
    assert_eq!(pip::parse("r.txt", &many).components.len(), 1);
    // Errors are one line.
    for text in [
        "[[package]\n",
        "a = \"unterminated\n",
        "a = 1 2\n",
        "a = \"\\q\"\n",
    ] {
        let e = python::parse_poetry_lock("poetry.lock", text, None)
            .err()
            .unwrap_or_else(|| panic!("{text:?} parsed"));
        assert!(!e.0.contains('\n') && e.0.contains("line 1"), "{}", e.0);
    }
}

#[test]
fn toml_reader_handles_the_strings_lockfiles_use() {
    let text = "# c\n[[package]]\nname = 'lit\\eral' # comment\nversion = \"\"\"\n1.0\\\n   .post1\"\"\"\ndescription = '''\nmulti 'quoted' line\n'''\n\"quoted.key\" = \"\\u00e9\\t\"\nwhen = 1979-05-27 07:32:00Z\ndotted.key = true\ninline = { a = [1, 2,], b = { c = \"d\" } }\n";
    let p = ok(python::parse_poetry_lock("poetry.lock", text, None));
    let got: Vec<_> = p
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.source.line))
        .collect();
    assert_eq!(got, [("lit\\eral", "1.0.post1", Some(2))]);
    let crlf = "[[package]]\r\nname = \"a\"\r\nversion = \"1\"\r\n";
    assert_eq!(
        ok(python::parse_poetry_lock("poetry.lock", crlf, None))
            .components
            .len(),
        1
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        run_all(&text);
    }

    #[test]
    fn lockfile_shaped_text_never_panics(
        text in "(\\[\\[package\\]\\]\n|\\[package\\.source\\]\n|name = |version = |\"[a-z0-9.=]{0,6}\"|'x'|\\[|\\]|\\{|\\}|, |=|#|\\\\|\"\"\"|-r |-c |==|GEM\n|    |\\(|\\)|\n|[a-z0-9.]{0,6}){0,60}"
    ) {
        run_all(&text);
    }
}
