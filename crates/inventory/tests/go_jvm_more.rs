//! Go, JVM, .NET, Dart and Elixir parsers: golden snapshots of the real files of
//! `lockfiles.zip` and of small fixtures, counts checked against an independent oracle,
//! hostile inputs, and a property test that no text makes a parser panic.

mod common;

use std::path::Path;

use patchwarden_core::Scope;
use patchwarden_inventory::{ParseError, Parsed, golang, gradle, maven, mix, nuget, pubspec};
use proptest::prelude::*;

/// Components and warnings as one JSON value, for snapshots.
fn snapshot_value(p: &Parsed) -> serde_json::Value {
    serde_json::json!({ "components": p.components, "warnings": p.warnings })
}

fn ok(r: Result<Parsed, ParseError>) -> Parsed {
    r.unwrap_or_else(|e| panic!("{}", e.0))
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/go_jvm_more")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every (name, version) appears once.
fn assert_distinct(p: &Parsed) {
    let mut seen = std::collections::HashSet::new();
    for c in &p.components {
        assert!(
            seen.insert((c.name.to_ascii_lowercase(), c.version.clone())),
            "duplicate {} {}",
            c.name,
            c.version
        );
    }
}

// ---------------------------------------------------------------- real files

// The counts below come from tests/oracles/go_jvm_more_counts.py (python3, stdlib only), run on
// lockfiles.zip: it reads the files by the formats' rules without using these parsers.

#[test]
fn real_hugo_2020_go_mod_with_go_sum() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let names = common::lockfile_names(&data);
    assert!(names.iter().any(|n| n == "hugo__2020-12__go.mod"));
    let m = common::lockfile(&data, "hugo__2020-12__go.mod");
    let s = common::lockfile(&data, "hugo__2020-12__go.sum");
    // `go 1.12`: go.mod lists only part of the build, so go.sum is read too.
    let p = ok(golang::parse_go_mod(
        "hugo/go.mod",
        &m,
        Some(("hugo/go.sum", &s)),
    ));
    // go_jvm_more_counts.py: "hugo__2020-12__go.mod with go.sum: 135".
    assert_eq!(p.components.len(), 135);
    assert_distinct(&p);
    let from_mod = p
        .components
        .iter()
        .filter(|c| c.source.path == "hugo/go.mod")
        .count();
    // go_jvm_more_counts.py: "hugo__2020-12__go.mod alone: 67".
    assert_eq!(from_mod, 67);
    let stdlib = p.components.iter().find(|c| c.name == "stdlib");
    assert_eq!(stdlib.map(|c| c.version.as_str()), Some("1.12.0"));
    // The replace directive swaps the version that is built.
    assert!(
        p.components
            .iter()
            .any(|c| c.name == "github.com/markbates/inflect"
                && c.version == "0.0.0-20171215194931-a12c3aec81a6")
    );
    assert!(p.components.iter().all(|c| !c.version.starts_with('v')));
    insta::assert_json_snapshot!("real_hugo_2020_go_mod", snapshot_value(&p));

    let alone = ok(golang::parse_go_mod("hugo/go.mod", &m, None));
    assert_eq!(alone.components.len(), 67);
}

#[test]
fn real_hugo_2026_go_mod_ignores_go_sum() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let m = common::lockfile(&data, "hugo__2026__go.mod");
    let s = common::lockfile(&data, "hugo__2026__go.sum");
    // `go 1.27.0` with `// indirect` lines: go.mod lists the whole build; go.sum adds nothing.
    let p = ok(golang::parse_go_mod(
        "hugo/go.mod",
        &m,
        Some(("hugo/go.sum", &s)),
    ));
    // go_jvm_more_counts.py: "hugo__2026__go.mod with go.sum: 181".
    assert_eq!(p.components.len(), 181);
    assert_distinct(&p);
    assert!(p.components.iter().all(|c| c.source.path == "hugo/go.mod"));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let indirect = p
        .components
        .iter()
        .filter(|c| c.direct == Some(false))
        .count();
    assert_eq!(indirect, 100, "the file has 100 `// indirect` lines");
    insta::assert_json_snapshot!("real_hugo_2026_go_mod", snapshot_value(&p));
}

#[test]
fn real_webgoat_pom() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let text = common::lockfile(&data, "webgoat__2026__pom.xml");
    let p = ok(maven::parse_pom("webgoat/pom.xml", &text));
    // go_jvm_more_counts.py: "webgoat__2026__pom.xml: 23".
    assert_eq!(p.components.len(), 23);
    assert_distinct(&p);
    // Versions managed by the Spring Boot parent are not in the file: each is a warning.
    assert!(
        p.warnings
            .iter()
            .all(|w| w.message.contains("spring-boot-starter-parent")),
        "{:?}",
        p.warnings
    );
    let lombok = p
        .components
        .iter()
        .find(|c| c.name == "org.projectlombok:lombok");
    assert_eq!(lombok.map(|c| c.scope), Some(Scope::Optional));
    insta::assert_json_snapshot!("real_webgoat_pom", snapshot_value(&p));
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixture_go_mod_with_replace_exclude_and_go_sum() {
    let p = ok(golang::parse_go_mod(
        "shop/go.mod",
        &fixture("go.mod"),
        Some(("shop/go.sum", &fixture("go.sum"))),
    ));
    assert_distinct(&p);
    insta::assert_json_snapshot!("fixture_go_mod", snapshot_value(&p));
}

#[test]
fn fixture_pom_with_parent_properties_and_management() {
    let p = ok(maven::parse_pom("shop/pom.xml", &fixture("pom.xml")));
    assert_distinct(&p);
    insta::assert_json_snapshot!("fixture_pom", snapshot_value(&p));
}

#[test]
fn fixture_gradle_lockfile() {
    let p = ok(gradle::parse_gradle_lockfile(
        "gradle.lockfile",
        &fixture("gradle.lockfile"),
    ));
    insta::assert_json_snapshot!("fixture_gradle_lockfile", snapshot_value(&p));
}

#[test]
fn fixture_packages_lock_json() {
    let p = ok(nuget::parse_packages_lock(
        "packages.lock.json",
        &fixture("packages.lock.json"),
    ));
    assert_distinct(&p);
    insta::assert_json_snapshot!("fixture_packages_lock", snapshot_value(&p));
}

#[test]
fn fixture_pubspec_lock() {
    let p = ok(pubspec::parse_pubspec_lock(
        "pubspec.lock",
        &fixture("pubspec.lock"),
    ));
    insta::assert_json_snapshot!("fixture_pubspec_lock", snapshot_value(&p));
}

#[test]
fn fixture_mix_lock() {
    let p = ok(mix::parse_mix_lock("mix.lock", &fixture("mix.lock")));
    insta::assert_json_snapshot!("fixture_mix_lock", snapshot_value(&p));
}

// ---------------------------------------------------------------- hostile inputs

#[test]
fn hostile_go_mod() {
    // Truncated block, unterminated quote, huge numbers, binary noise: warnings, never a panic.
    let p = ok(golang::parse_go_mod(
        "go.mod",
        "module m\ngo 1.99999999999999999999999\nrequire (\n\ta.com/x v99999999999999999999999.0.0\n\t\"b.com/y",
        Some(("go.sum", "a.com/z v1.0.0 h1:x\n\u{0}\u{1}\n")),
    ));
    assert_eq!(p.components.len(), 3, "{:?}", p.components);
    assert!(golang::parse_go_mod("go.mod", "<?xml?><project/>", None).is_err());
    let long = format!("module m\nrequire a.com/{} v1.0.0\n", "x".repeat(100_000));
    assert_eq!(
        ok(golang::parse_go_mod("go.mod", &long, None))
            .components
            .len(),
        1
    );
    let many_blocks = "require (\n".repeat(10_000);
    assert!(golang::parse_go_mod("go.mod", &many_blocks, None).is_ok());
}

#[test]
fn hostile_pom() {
    // Billion laughs: the entities are never expanded.
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE project [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<project><dependencies>
 <dependency><groupId>g</groupId><artifactId>a</artifactId><version>&lol2;</version></dependency>
 <dependency><groupId>&xxe;</groupId><artifactId>b</artifactId><version>1</version></dependency>
</dependencies></project>"#;
    let p = ok(maven::parse_pom("pom.xml", laughs));
    assert!(p.components.is_empty());
    assert_eq!(p.warnings.len(), 2);
    // Property expansion bombs are cut short.
    let mut props = String::from("<p0>x</p0>");
    for i in 1..40 {
        props.push_str(&format!("<p{i}>${{p{0}}}${{p{0}}}</p{i}>", i - 1));
    }
    let bomb = format!(
        "<project><properties>{props}</properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${{p39}}</version></dependency></dependencies></project>"
    );
    let p = ok(maven::parse_pom("pom.xml", &bomb));
    assert!(p.components.is_empty());
    assert!(p.warnings[0].message.contains("too"), "{:?}", p.warnings);
    // References that expand to nothing but branch widely stop at the look-up budget.
    let mut props = String::from("<q0></q0>");
    for i in 1..30 {
        props.push_str(&format!(
            "<q{i}>{}</q{i}>",
            format!("${{q{}}}", i - 1).repeat(10)
        ));
    }
    let wide = format!(
        "<project><properties>{props}</properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>1${{q29}}</version></dependency></dependencies></project>"
    );
    let started = std::time::Instant::now();
    let p = ok(maven::parse_pom("pom.xml", &wide));
    assert!(p.components.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // Deep nesting and truncation are errors, not crashes.
    let deep = format!("<project>{}", "<x>".repeat(100_000));
    assert!(maven::parse_pom("pom.xml", &deep).is_err());
    assert!(maven::parse_pom("pom.xml", "<project><dependencies><dependency>").is_err());
    assert!(maven::parse_pom("pom.xml", "<project></other>").is_err());
    assert!(maven::parse_pom("pom.xml", "<project/><project/>").is_err());
    assert!(maven::parse_pom("pom.xml", "\u{feff}<project/>").is_ok());
}

#[test]
fn hostile_gradle_lockfile() {
    let p = ok(gradle::parse_gradle_lockfile(
        "gradle.lockfile",
        "a:b:99999999999999999999999999=\n:::=x\na:b:1=,,,\n=\n",
    ));
    assert_eq!(p.components.len(), 2);
    assert_eq!(p.components[1].scope, Scope::Required);
    assert!(gradle::parse_gradle_lockfile("gradle.lockfile", "\u{0}\u{1}garbage").is_err());
}

#[test]
fn hostile_packages_lock() {
    assert!(nuget::parse_packages_lock("p", "{\"dependencies\": ").is_err());
    assert!(nuget::parse_packages_lock("p", "{\"dependencies\": []}").is_err());
    assert!(nuget::parse_packages_lock("p", &"[".repeat(100_000)).is_err());
    let p = ok(nuget::parse_packages_lock(
        "p",
        r#"{"dependencies": {"net6.0": {"A": {"type": 5, "resolved": 1e300}, "B": [], "C": {"resolved": "1.0.0"}}}}"#,
    ));
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.components[0].direct, None);
    assert_eq!(p.warnings.len(), 2);
}

#[test]
fn hostile_pubspec_lock() {
    // Alias expansion bomb: refused by the YAML budget or read without blowing up.
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\npackages: {}\n";
    let _ = pubspec::parse_pubspec_lock("pubspec.lock", bomb);
    let deep = format!("packages: {}", "[".repeat(100_000));
    assert!(pubspec::parse_pubspec_lock("pubspec.lock", &deep).is_err());
    assert!(
        pubspec::parse_pubspec_lock("pubspec.lock", "packages:\n  a:\n    version: [1").is_err()
    );
    let p = ok(pubspec::parse_pubspec_lock(
        "pubspec.lock",
        "packages:\n  a:\n    source: hosted\n    version: 99999999999999999999999999\n  b: 3\n  c:\n    source: [hosted]\n",
    ));
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.warnings.len(), 2);
}

#[test]
fn hostile_mix_lock() {
    assert!(
        mix::parse_mix_lock("mix.lock", &format!("%{{\"a\": {}", "[".repeat(100_000))).is_err()
    );
    assert!(mix::parse_mix_lock("mix.lock", "%{\"a\": {:hex, :a, \"1.0.0\"").is_err());
    assert!(
        mix::parse_mix_lock("mix.lock", "%{\"a\": {:hex, :a, 99999999999999999999999}}").is_ok()
    );
    assert!(mix::parse_mix_lock("mix.lock", "%{\"a\" {:hex}}").is_err());
    assert!(mix::parse_mix_lock("mix.lock", "%{:}").is_err());
    let p = ok(mix::parse_mix_lock(
        "mix.lock",
        "# comment\n%{\"a\": {:hex, :\"quoted name\", \"1.0.0\", \"h\", [:mix], [], \"hexpm\", \"h\"}, 1 => 2, \"b\": [], \"c\": {}}",
    ));
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.components[0].name, "quoted name");
    assert_eq!(p.warnings.len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = golang::parse_go_mod("go.mod", &text, Some(("go.sum", &text)));
        let _ = maven::parse_pom("pom.xml", &text);
        let _ = gradle::parse_gradle_lockfile("gradle.lockfile", &text);
        let _ = nuget::parse_packages_lock("packages.lock.json", &text);
        let _ = pubspec::parse_pubspec_lock("pubspec.lock", &text);
        let _ = mix::parse_mix_lock("mix.lock", &text);
    }

    #[test]
    fn format_shaped_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("require ("), Just(")"), Just("=>"), Just("// indirect"), Just("\n"),
                Just("<project>"), Just("</project>"), Just("<dependency>"), Just("${"), Just("}"),
                Just("%{"), Just("{:hex, "), Just("\""), Just(":"), Just(","), Just("["), Just("]"),
                Just("packages:"), Just("  a:"), Just("    version: 1"), Just("=compileClasspath"),
                Just("a:b:1"), Just("v1.2.3"), Just("go 1.16"), Just("&lol;"), Just("{\"dependencies\":"),
            ],
            0..60,
        )
    ) {
        let text: String = parts.concat();
        let _ = golang::parse_go_mod("go.mod", &text, Some(("go.sum", &text)));
        let _ = maven::parse_pom("pom.xml", &text);
        let _ = gradle::parse_gradle_lockfile("gradle.lockfile", &text);
        let _ = nuget::parse_packages_lock("packages.lock.json", &text);
        let _ = pubspec::parse_pubspec_lock("pubspec.lock", &text);
        let _ = mix::parse_mix_lock("mix.lock", &text);
    }
}
