//! The JavaScript lockfiles: `yarn.lock` (classic and berry), `pnpm-lock.yaml` (5.x, 6, 9)
//! and `bun.lock`. Real files of `lockfiles.zip` and fixtures under `tests/fixtures/js` (for
//! formats the shared data lacks: yarn berry, pnpm 6, bun, and a classic yarn.lock with its
//! package.json). Fixture checksums are placeholders, the packages and versions are real.

mod common;

use std::path::PathBuf;

use patchwarden_core::{Component, Scope};
use patchwarden_inventory::{ParseError, Parsed, bun, pnpm, yarn};
use proptest::prelude::*;

type ParseFn = fn(&str, &str, Option<&str>) -> Result<Parsed, ParseError>;

fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/js")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_ok(parse: ParseFn, path: &str, text: &str, manifest: Option<&str>) -> Parsed {
    parse(path, text, manifest).unwrap_or_else(|e| panic!("{path}: {}", e.0))
}

/// One line per component: `name@version [direct|transitive] [dev|optional] :line`.
fn compact(parsed: &Parsed) -> String {
    let mut out: String = parsed
        .components
        .iter()
        .map(|c| {
            let direct = match c.direct {
                Some(true) => " direct",
                Some(false) => "",
                None => " direct?",
            };
            let scope = match c.scope {
                Scope::Required => "",
                Scope::Dev => " dev",
                Scope::Optional => " optional",
            };
            let line = c.source.line.map(|l| l.to_string()).unwrap_or_default();
            format!("{}@{}{direct}{scope} :{line}\n", c.name, c.version)
        })
        .collect();
    out.push_str("--- warnings\n");
    for w in &parsed.warnings {
        out.push_str(&format!("{w}\n"));
    }
    out
}

fn direct_count(parsed: &Parsed) -> usize {
    parsed
        .components
        .iter()
        .filter(|c| c.direct == Some(true))
        .count()
}

fn find<'a>(parsed: &'a Parsed, name: &str, version: &str) -> &'a Component {
    parsed
        .components
        .iter()
        .find(|c| c.name == name && c.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} missing"))
}

fn assert_one_per_package(parsed: &Parsed) {
    let mut seen = std::collections::HashSet::new();
    for c in &parsed.components {
        assert!(
            seen.insert((&c.name, &c.version)),
            "{}@{} twice",
            c.name,
            c.version
        );
        assert_eq!(c.ecosystem.to_string(), "npm");
        assert!(
            c.source.line.is_some(),
            "{}@{} has no line",
            c.name,
            c.version
        );
    }
}

#[test]
fn real_lockfiles_match_the_oracle_and_snapshots() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // Counts printed by tests/oracles/js_counts.py: components, and direct dependencies where
    // the file tells them without a package.json (None: classic yarn.lock without one).
    let cases: [(&str, ParseFn, usize, Option<usize>); 5] = [
        ("excalidraw__yarn.v1.lock", yarn::parse, 1441, None),
        ("koel__2019-06__yarn.v1.lock", yarn::parse, 1473, None),
        ("koel__2026__pnpm-lock.yaml", pnpm::parse, 804, Some(64)),
        (
            "vuejs-core__2022__pnpm-lock.v5.4.yaml",
            pnpm::parse,
            932,
            Some(66),
        ),
        (
            "vuejs-core__2026__pnpm-lock.v9.yaml",
            pnpm::parse,
            620,
            Some(70),
        ),
    ];
    for (entry, parse, components, direct) in cases {
        let text = common::lockfile(&data, entry);
        let parsed = parse_ok(parse, entry, &text, None);
        assert_eq!(parsed.components.len(), components, "{entry}");
        match direct {
            Some(n) => assert_eq!(direct_count(&parsed), n, "{entry}"),
            None => assert!(
                parsed.components.iter().all(|c| c.direct.is_none()),
                "{entry}"
            ),
        }
        assert_one_per_package(&parsed);
        insta::assert_snapshot!(
            format!("real_{}", entry.replace('.', "_")),
            compact(&parsed)
        );
    }
}

#[test]
fn real_pnpm_scopes() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // 5.4 carries pnpm's own dev/optional flags; 9 has none, and the graph walk must still find
    // the test tooling dev-only and keep the runtime packages required.
    let v5 = common::lockfile(&data, "vuejs-core__2022__pnpm-lock.v5.4.yaml");
    let v5 = parse_ok(pnpm::parse, "v5", &v5, None);
    let v9 = common::lockfile(&data, "vuejs-core__2026__pnpm-lock.v9.yaml");
    let v9 = parse_ok(pnpm::parse, "v9", &v9, None);
    for parsed in [&v5, &v9] {
        let dev = parsed
            .components
            .iter()
            .filter(|c| c.scope == Scope::Dev)
            .count();
        assert!(
            dev * 2 > parsed.components.len(),
            "most of vue's lockfile is tooling: {dev}"
        );
        let csstype = parsed
            .components
            .iter()
            .find(|c| c.name == "csstype")
            .unwrap_or_else(|| panic!("csstype missing"));
        assert_eq!(
            csstype.scope,
            Scope::Required,
            "vue's runtime-dom needs csstype"
        );
    }
    let koel = common::lockfile(&data, "koel__2026__pnpm-lock.yaml");
    let koel = parse_ok(pnpm::parse, "koel", &koel, None);
    // `vite` is an alias of @voidzero-dev/vite-plus-core in koel's importers.
    let vite = koel
        .components
        .iter()
        .find(|c| c.name == "@voidzero-dev/vite-plus-core")
        .unwrap_or_else(|| panic!("vite-plus-core missing"));
    assert_eq!(vite.direct, Some(true));
    assert_eq!(vite.scope, Scope::Dev);
}

/// The fixtures, each with its package.json: (lockfile, parser, components, direct, warnings).
const FIXTURES: [(&str, ParseFn, usize, usize, usize); 4] = [
    // Counts from tests/oracles/js_counts.py; warnings counted by hand from the fixtures.
    ("berry/yarn.lock", yarn::parse, 18, 6, 4),
    ("bun/bun.lock", bun::parse, 20, 9, 3),
    ("classic/yarn.lock", yarn::parse, 11, 6, 2),
    ("pnpm6/pnpm-lock.yaml", pnpm::parse, 15, 7, 3),
];

#[test]
fn fixtures_match_the_oracle_and_snapshots() {
    for (rel, parse, components, direct, warnings) in FIXTURES {
        let text = fixture(rel);
        let dir = rel.split('/').next().unwrap_or_default();
        let manifest = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/fixtures/js/{dir}/package.json")),
        )
        .ok();
        let parsed = parse_ok(parse, rel, &text, manifest.as_deref());
        assert_eq!(parsed.components.len(), components, "{rel}");
        assert_eq!(direct_count(&parsed), direct, "{rel}");
        assert_eq!(
            parsed.warnings.len(),
            warnings,
            "{rel}: {:#?}",
            parsed.warnings
        );
        assert_one_per_package(&parsed);
        insta::assert_json_snapshot!(
            format!("fixture_{}", dir),
            serde_json::json!({ "components": parsed.components, "warnings": parsed.warnings })
        );
    }
}

#[test]
fn berry_fixture_semantics() {
    let text = fixture("berry/yarn.lock");
    let manifest = fixture("berry/package.json");
    let parsed = parse_ok(yarn::parse, "yarn.lock", &text, Some(&manifest));
    // Patched builtins are the registry packages; the patch entry adds no second component.
    let ts = find(&parsed, "typescript", "5.3.3");
    assert_eq!((ts.direct, ts.scope), (Some(true), Scope::Dev));
    let fsevents = find(&parsed, "fsevents", "2.3.3");
    assert_eq!((fsevents.direct, fsevents.scope), (Some(false), Scope::Dev));
    // Custom registry: the `::__archiveUrl` parameter is not part of the version.
    let lodash = find(&parsed, "lodash", "4.17.21");
    assert_eq!((lodash.direct, lodash.scope), (Some(true), Scope::Required));
    // The alias installs string-width.
    assert_eq!(find(&parsed, "string-width", "4.2.3").direct, Some(true));
    // Dependencies of the member workspace are direct too.
    assert_eq!(find(&parsed, "react", "18.2.0").direct, Some(true));
    // Reached only through a portal: not reached from the roots, so required and transitive.
    let ms = find(&parsed, "ms", "2.1.3");
    assert_eq!((ms.direct, ms.scope), (Some(false), Scope::Required));
    let protocols: Vec<bool> = ["`https`", "`link`", "`portal`", "`file`"]
        .iter()
        .map(|p| parsed.warnings.iter().any(|w| w.message.contains(p)))
        .collect();
    assert_eq!(protocols, [true; 4], "{:#?}", parsed.warnings);

    // Without package.json the workspaces still say what is direct; scopes are unknown.
    let bare = parse_ok(yarn::parse, "yarn.lock", &text, None);
    assert_eq!(direct_count(&bare), 6);
    assert!(bare.components.iter().all(|c| c.scope != Scope::Dev));
    // chokidar marks fsevents optional in its dependenciesMeta.
    assert_eq!(find(&bare, "fsevents", "2.3.3").scope, Scope::Optional);
}

#[test]
fn classic_fixture_semantics() {
    let text = fixture("classic/yarn.lock");
    let manifest = fixture("classic/package.json");
    let parsed = parse_ok(yarn::parse, "yarn.lock", &text, Some(&manifest));
    let scope = |n: &str, v: &str| {
        let c = find(&parsed, n, v);
        (c.direct, c.scope)
    };
    assert_eq!(scope("debug", "4.3.4"), (Some(true), Scope::Required));
    assert_eq!(scope("debug", "2.6.9"), (Some(false), Scope::Dev));
    assert_eq!(scope("ms", "2.0.0"), (Some(false), Scope::Dev));
    assert_eq!(scope("ms", "2.1.2"), (Some(false), Scope::Required));
    assert_eq!(scope("fsevents", "2.3.3"), (Some(true), Scope::Optional));
    assert_eq!(scope("lodash", "4.17.21"), (Some(true), Scope::Required));
    assert_eq!(scope("undici-types", "5.26.5"), (Some(false), Scope::Dev));
    // Without package.json a classic lockfile cannot tell.
    let bare = parse_ok(yarn::parse, "yarn.lock", &text, None);
    assert!(
        bare.components
            .iter()
            .all(|c| c.direct.is_none() && c.scope == Scope::Required)
    );
    // An unreadable manifest is the same as none.
    let broken = parse_ok(
        yarn::parse,
        "yarn.lock",
        &text,
        Some("{\"dependencies\": ["),
    );
    assert_eq!(broken, bare);
}

#[test]
fn pnpm6_fixture_semantics() {
    let parsed = parse_ok(
        pnpm::parse,
        "pnpm-lock.yaml",
        &fixture("pnpm6/pnpm-lock.yaml"),
        None,
    );
    let scope = |n: &str, v: &str| {
        let c = find(&parsed, n, v);
        (c.direct, c.scope)
    };
    assert_eq!(scope("react-dom", "18.2.0"), (Some(true), Scope::Required));
    assert_eq!(scope("semver", "7.5.4"), (Some(true), Scope::Required));
    assert_eq!(scope("fsevents", "2.3.3"), (Some(true), Scope::Optional));
    assert_eq!(scope("@types/react", "18.2.48"), (Some(true), Scope::Dev));
    assert_eq!(scope("csstype", "3.1.3"), (Some(false), Scope::Dev));
    // The git dependency's `version: 7.0.0` must not make it look like the registry release.
    assert!(!parsed.components.iter().any(|c| c.name == "is-number"));
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.starts_with("is-number"))
    );
}

#[test]
fn bun_fixture_semantics() {
    let parsed = parse_ok(bun::parse, "bun.lock", &fixture("bun/bun.lock"), None);
    let scope = |n: &str, v: &str| {
        let c = find(&parsed, n, v);
        (c.direct, c.scope)
    };
    assert_eq!(scope("react", "18.3.1"), (Some(true), Scope::Required));
    // The member workspace's own copy, nested under its name.
    assert_eq!(scope("react", "17.0.2"), (Some(true), Scope::Required));
    assert_eq!(
        scope("object-assign", "4.1.1"),
        (Some(false), Scope::Required)
    );
    assert_eq!(scope("hono", "4.6.3"), (Some(true), Scope::Required));
    assert_eq!(scope("@types/node", "20.12.14"), (Some(false), Scope::Dev));
    assert_eq!(scope("fsevents", "2.3.3"), (Some(true), Scope::Optional));
    assert_eq!(
        scope("string-width", "4.2.3"),
        (Some(true), Scope::Required)
    );
    // typescript is an optional peer of the member: still dev, from the root.
    assert_eq!(scope("typescript", "5.6.2"), (Some(true), Scope::Dev));
    // A comment, as JSONC allows, changes nothing.
    let commented = fixture("bun/bun.lock").replacen("{\n", "{\n  // generated by bun\n", 1);
    let again = parse_ok(bun::parse, "bun.lock", &commented, None);
    assert_eq!(again.components.len(), parsed.components.len());
}

#[test]
fn hostile_inputs_are_errors_or_warnings() {
    let deep_yaml = format!(
        "lockfileVersion: '9.0'\npackages: {}{}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let deep_flow = format!(
        "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}",
        "{a: ".repeat(20_000)
    );
    let deep_json = format!(
        "{{\"lockfileVersion\": 1, \"packages\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let deep_yarn: String = (0..5_000)
        .map(|i| format!("{}a@^1:\n", " ".repeat(i % 64)))
        .collect();
    let pnpm_cases = [
        "lockfileVersion: 99999999999999999999999999\npackages: {}\n",
        "lockfileVersion: {a: 1}\n",
        "lockfileVersion: '9.0'\npackages: [1, 2]\nimporters: 5\nsnapshots: 'x'\n",
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: [1]\n      b: {version: 7}\npackages:\n  a@1.0.0: 5\n  '@': {}\n  '@/': {}\n",
        "lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: 'yes'\n    dependencies: [a]\n",
        "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    dependencies:\n      a: 1.0.0\n",
        "\u{feff}lockfileVersion: '9.0'\n",
        &deep_yaml,
        &deep_flow,
    ];
    for text in pnpm_cases {
        let _ = pnpm::parse("pnpm-lock.yaml", text, Some("[1,2"));
    }
    let bun_cases = [
        "{\"lockfileVersion\": 1e999}",
        "{\"lockfileVersion\": 18446744073709551616, \"packages\": {}}",
        "{\"lockfileVersion\": 1, \"packages\": {\"a\": 5, \"b\": [], \"c\": [1], \"d\": [\"@\"], \"e\": [\"x@1.0.0\", 5, \"y\"]}}",
        "{\"lockfileVersion\": 1, \"workspaces\": [], \"packages\": {}}",
        "{\"lockfileVersion\": 1, \"workspaces\": {\"\": 5, \"x\": {\"name\": 7, \"dependencies\": [1]}}, \"packages\": {}}",
        "{\"lockfileVersion\": 1, \"packages\": {\"a\": [\"a@1.0.0\", \"\", {\"dependencies\": {\"a\": \"1\"}}]}}",
        "{\"lockfileVersion\": 1, \"packages\": {\"a/a/a/a\": [\"a@1.0.0\", \"\", {\"dependencies\": {\"a\": 1}}]}}",
        "{\"lockfileVersion\": 1, /* unterminated",
        r#"{"lockfileVersion": 1, "packages": {"\"": ["\"@1", ""]}}"#,
        &deep_json,
    ];
    for text in bun_cases {
        let _ = bun::parse("bun.lock", text, None);
    }
    let yarn_cases = [
        "# yarn lockfile v1\n\"\":\n  version\n",
        "# yarn lockfile v1\n@:\n  version \"\"\n  dependencies:\n    \"\n",
        "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: \"a@patch:%\"\n\"b@npm:1\":\n  resolution: \"@\"\n",
        "__metadata:\n\"a@npm:1\":\n  resolution: \"a@npm:1.0.0\"\n  dependencies:\n    a: \"npm:1\"\n",
        "# yarn lockfile v1\na@^1:\n  version \"99999999999999999999999999.0.0\"\n",
        &deep_yarn,
    ];
    for text in yarn_cases {
        let _ = yarn::parse("yarn.lock", text, Some("{\"dependencies\": {\"a\": 1}}"));
    }
    // A self-dependency cycle terminates and still reports the package.
    let cycle = "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: \"a@npm:1.0.0\"\n  dependencies:\n    a: \"npm:1\"\n";
    assert_eq!(
        parse_ok(yarn::parse, "yarn.lock", cycle, None)
            .components
            .len(),
        1
    );
}

#[test]
fn truncated_files_never_panic() {
    let mut texts: Vec<(ParseFn, String)> = FIXTURES
        .iter()
        .map(|(rel, parse, ..)| (*parse, fixture(rel)))
        .collect();
    if let Some(data) = common::shared_data() {
        texts.push((
            yarn::parse,
            common::lockfile(&data, "koel__2019-06__yarn.v1.lock"),
        ));
        texts.push((
            pnpm::parse,
            common::lockfile(&data, "vuejs-core__2022__pnpm-lock.v5.4.yaml"),
        ));
    }
    for (parse, text) in texts {
        for cut in (0..text.len()).step_by(text.len() / 97 + 1) {
            if let Some(prefix) = text.get(..cut) {
                let _ = parse("lockfile", prefix, None);
            }
        }
    }
}

#[test]
fn wrong_formats_are_refused() {
    let yarn_text = fixture("classic/yarn.lock");
    let bun_text = fixture("bun/bun.lock");
    let pnpm_text = fixture("pnpm6/pnpm-lock.yaml");
    assert!(pnpm::parse("pnpm-lock.yaml", &bun_text, None).is_err());
    assert!(bun::parse("bun.lock", &pnpm_text, None).is_err());
    assert!(bun::parse("bun.lock", &yarn_text, None).is_err());
    assert!(yarn::parse("yarn.lock", &bun_text, None).is_err());
    for err in [
        pnpm::parse("pnpm-lock.yaml", "a: 1\n", None),
        bun::parse("bun.lock", "{", None),
        yarn::parse("yarn.lock", "hello", None),
    ] {
        let message = err.err().map(|e| e.0).unwrap_or_default();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{message:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = yarn::parse("yarn.lock", &text, Some(&text));
        let _ = pnpm::parse("pnpm-lock.yaml", &text, None);
        let _ = bun::parse("bun.lock", &text, None);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..4,
        at in any::<prop::sample::Index>(),
        insert in "(\\{|\\}|\\[|\\]|,|:|\"|@|/|\n|  |npm:|workspace:|[a-z0-9.^]{1,4})",
    ) {
        let (rel, parse, ..) = FIXTURES[which];
        let mut text = fixture(rel);
        let mut cut = at.index(text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.insert_str(cut, &insert);
        let _ = parse("lockfile", &text, None);
    }
}
