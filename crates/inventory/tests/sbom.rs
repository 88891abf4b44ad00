//! SBOMs in and out: CycloneDX 1.4/1.5/1.6 (JSON and XML) and SPDX 2.3 (JSON and
//! tag-value) read from fixtures written in the shapes Syft, Trivy, cdxgen, the CycloneDX
//! Maven plugin and GitHub's dependency graph produce (`tests/fixtures/sbom/`); SBOMs written
//! from those and from real lockfiles read back to the same packages and pass the official
//! JSON schemas (fetched by `tests/oracles/sbom_schemas.sh`); hostile inputs give errors or
//! warnings, never panics.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};
use patchwarden_inventory::cyclonedx::{self, Purl, SbomKind, SbomMeta, looks_like_sbom};
use patchwarden_inventory::{LockfileKind, Parsed, dpkg, parse_lockfile, spdx};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sbom")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn as_json(parsed: &Parsed) -> serde_json::Value {
    serde_json::json!({
        "components": parsed.components,
        "warnings": parsed.warnings,
    })
}

fn parse_fixture(name: &str) -> Parsed {
    let text = fixture(name);
    let kind = looks_like_sbom(name, text.as_bytes())
        .unwrap_or_else(|| panic!("{name} not recognised as an SBOM"));
    kind.parse(name, &text)
        .unwrap_or_else(|e| panic!("{name}: {}", e.0))
}

fn find<'a>(parsed: &'a Parsed, name: &str) -> &'a Component {
    parsed
        .components
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {:#?}", parsed.components))
}

fn source(c: &Component) -> Option<(&str, &str)> {
    c.source_package
        .as_ref()
        .map(|s| (s.name.as_str(), s.version.as_str()))
}

// --- reading fixtures ---------------------------------------------------------------------

#[test]
fn syft_cyclonedx_1_4_json_of_a_debian_image() {
    let parsed = parse_fixture("syft-debian.cdx-1.4.json");
    assert_eq!(parsed.components.len(), 7, "{:#?}", parsed.components);
    let libssl = find(&parsed, "libssl3");
    assert_eq!(libssl.ecosystem.to_string(), "Debian:12");
    assert_eq!(libssl.version, "3.0.11-1~deb12u2");
    assert_eq!(source(libssl), Some(("openssl", "3.0.11-1~deb12u2")));
    let libc = find(&parsed, "libc6");
    assert_eq!(libc.version, "2.36-9+deb12u4");
    assert_eq!(source(libc), Some(("glibc", "2.36-9+deb12u4")));
    assert_eq!(
        source(find(&parsed, "perl-base")),
        Some(("perl", "5.36.0-7+deb12u1"))
    );
    assert_eq!(find(&parsed, "@types/node").ecosystem.to_string(), "npm");
    assert_eq!(find(&parsed, "golang.org/x/net").version, "0.17.0");
    // No dependency graph: directness unknown. The OS and file entries are no packages.
    assert!(parsed.components.iter().all(|c| c.direct.is_none()));
    assert!(
        parsed
            .components
            .iter()
            .all(|c| c.source.path == "syft-debian.cdx-1.4.json")
    );
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("`generic`"))
    );
    insta::assert_json_snapshot!("syft_cdx_1_4_json", as_json(&parsed));
}

#[test]
fn maven_plugin_cyclonedx_1_5_xml_with_nested_components() {
    let parsed = parse_fixture("maven-app.cdx-1.5.xml");
    let names: Vec<&str> = parsed.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "org.springframework:spring-webmvc",
            "org.springframework:spring-core",
            "com.example:fat-client",
            "com.fasterxml.jackson.core:jackson-databind",
            "com.fasterxml.jackson.core:jackson-annotations",
            "org.apache.logging.log4j:log4j-core",
        ]
    );
    let direct = |n: &str| find(&parsed, n).direct;
    assert_eq!(direct("org.springframework:spring-webmvc"), Some(true));
    assert_eq!(direct("org.springframework:spring-core"), Some(false));
    assert_eq!(
        direct("com.fasterxml.jackson.core:jackson-databind"),
        Some(false)
    );
    let log4j = find(&parsed, "org.apache.logging.log4j:log4j-core");
    assert_eq!((log4j.direct, log4j.scope), (Some(true), Scope::Optional));
    // junit is excluded; internal-utils has no purl.
    let messages: Vec<&str> = parsed.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("junit") && m.contains("excluded"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("internal-utils") && m.contains("no purl"))
    );
    insta::assert_json_snapshot!("maven_cdx_1_5_xml", as_json(&parsed));
}

#[test]
fn cdxgen_cyclonedx_1_6_json_with_graph_scopes_and_os_packages() {
    let parsed = parse_fixture("cdxgen-webapp.cdx-1.6.json");
    let express = find(&parsed, "express");
    assert_eq!(
        (express.direct, express.scope),
        (Some(true), Scope::Required)
    );
    // Listed twice (required, and nested optional): one component, the stronger scope.
    assert_eq!(
        parsed
            .components
            .iter()
            .filter(|c| c.name == "accepts")
            .count(),
        1
    );
    let accepts = find(&parsed, "accepts");
    assert_eq!(
        (accepts.direct, accepts.scope),
        (Some(false), Scope::Required)
    );
    let babel = find(&parsed, "@babel/core");
    assert_eq!((babel.direct, babel.scope), (Some(true), Scope::Optional));
    assert_eq!(find(&parsed, "@babel/parser").direct, Some(false));
    // Reached through the purl-less requirements.txt entry: direct.
    let django = find(&parsed, "django");
    assert_eq!(
        (django.ecosystem.to_string(), django.direct),
        ("PyPI".into(), Some(true))
    );
    let libssl = find(&parsed, "libssl3");
    assert_eq!(libssl.ecosystem.to_string(), "Ubuntu:22.04:LTS");
    assert_eq!(source(libssl), Some(("openssl", "3.0.2-0ubuntu1.15")));
    assert_eq!(
        find(&parsed, "busybox").ecosystem.to_string(),
        "Alpine:v3.19"
    );
    let rpm = find(&parsed, "openssl-libs");
    assert_eq!(rpm.ecosystem.to_string(), "Red Hat:enterprise_linux:9");
    assert_eq!(rpm.version, "1:3.0.7-27.el9");
    assert_eq!(source(rpm), Some(("openssl", "1:3.0.7-27.el9")));
    // mocha and its nested diff are excluded; the subject and its sub-project are no
    // components; vendored-thing has no purl; `pkg:npm` is broken; docker has no ecosystem;
    // requirements.txt has no purl.
    assert!(
        parsed
            .components
            .iter()
            .all(|c| !c.name.starts_with("webapp"))
    );
    let messages: Vec<&str> = parsed.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages.len(), 6, "{messages:#?}");
    insta::assert_json_snapshot!("cdxgen_cdx_1_6_json", as_json(&parsed));
}

#[test]
fn github_spdx_2_3_json_with_depends_on() {
    let parsed = parse_fixture("github-repo.spdx.json");
    let express = find(&parsed, "express");
    assert_eq!(
        (express.direct, express.scope),
        (Some(true), Scope::Required)
    );
    // Its purl has no version: versionInfo is taken.
    let qs = find(&parsed, "qs");
    assert_eq!((qs.version.as_str(), qs.direct), ("6.7.0", Some(false)));
    let jest = find(&parsed, "jest");
    assert_eq!((jest.direct, jest.scope), (Some(true), Scope::Dev));
    assert_eq!(
        find(&parsed, "actions/checkout").ecosystem.to_string(),
        "GitHub Actions"
    );
    assert_eq!(find(&parsed, "rack").ecosystem.to_string(), "RubyGems");
    // The described repository is the subject; the CPE-only package warns; the OS is none.
    assert!(parsed.components.iter().all(|c| c.name != "storefront"));
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(
        parsed
            .warnings
            .iter()
            .all(|w| w.message.contains("libxml2"))
    );
    insta::assert_json_snapshot!("github_spdx_2_3_json", as_json(&parsed));
}

#[test]
fn trivy_spdx_2_3_tag_value_of_an_alpine_image() {
    let parsed = parse_fixture("trivy-alpine.spdx");
    let names: Vec<&str> = parsed.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["busybox", "libcrypto3", "requests"]);
    let crypto = find(&parsed, "libcrypto3");
    assert_eq!(crypto.ecosystem.to_string(), "Alpine:v3.19");
    assert_eq!(source(crypto), Some(("openssl", "3.1.4-r5")));
    // Only CONTAINS relationships: directness unknown. Lines point at `PackageName:`.
    assert!(parsed.components.iter().all(|c| c.direct.is_none()));
    assert_eq!(find(&parsed, "busybox").source.line, Some(31));
    // The image is the subject, the OS entry is no package, the Python application has no
    // purl.
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert_eq!(parsed.warnings.first().and_then(|w| w.line), Some(61));
    insta::assert_json_snapshot!("trivy_spdx_2_3_tag_value", as_json(&parsed));
}

#[test]
fn sbom_files_are_recognised_for_routing() {
    let cases = [
        ("syft-debian.cdx-1.4.json", SbomKind::CycloneDxJson),
        ("maven-app.cdx-1.5.xml", SbomKind::CycloneDxXml),
        ("cdxgen-webapp.cdx-1.6.json", SbomKind::CycloneDxJson),
        ("github-repo.spdx.json", SbomKind::SpdxJson),
        ("trivy-alpine.spdx", SbomKind::SpdxTagValue),
    ];
    for (name, kind) in cases {
        let text = fixture(name);
        let head = text.as_bytes().get(..1024).unwrap_or(text.as_bytes());
        assert_eq!(looks_like_sbom(name, head), Some(kind), "{name}");
        assert_eq!(
            looks_like_sbom("renamed.txt", head),
            Some(kind),
            "{name} by content"
        );
    }
    assert_eq!(
        looks_like_sbom("package-lock.json", b"{\"name\":\"x\"}"),
        None
    );
    assert_eq!(looks_like_sbom("Cargo.lock", b"version = 3"), None);
}

/// The upload reader recognises every fixture by content (under any name) and gives the same
/// components and warnings as the format's own reader, with the subject's name and image.
#[test]
fn uploaded_sboms_read_as_their_own_reader_reads_them() {
    use patchwarden_inventory::{DocumentFormat, read_document};
    let cases = [
        (
            "syft-debian.cdx-1.4.json",
            DocumentFormat::CycloneDx,
            LockfileKind::CycloneDxJson,
            Some("registry.example/app"),
            Some(("sha256:8f2c3e0b1a", "registry.example/app")),
        ),
        (
            "maven-app.cdx-1.5.xml",
            DocumentFormat::CycloneDx,
            LockfileKind::CycloneDxXml,
            Some("com.example/shop"),
            None,
        ),
        (
            "cdxgen-webapp.cdx-1.6.json",
            DocumentFormat::CycloneDx,
            LockfileKind::CycloneDxJson,
            Some("webapp"),
            None,
        ),
        (
            "github-repo.spdx.json",
            DocumentFormat::Spdx,
            LockfileKind::SpdxJson,
            Some("com.github.example/storefront"),
            None,
        ),
        (
            "trivy-alpine.spdx",
            DocumentFormat::Spdx,
            LockfileKind::SpdxTagValue,
            Some("registry.example/api:2.4"),
            Some(("", "registry.example/api:2.4")),
        ),
    ];
    for (name, format, kind, target, image) in cases {
        let text = fixture(name);
        let parsed = {
            let p = parse_fixture(name);
            // The reader names components after the document it was given.
            let mut p = p;
            for c in &mut p.components {
                c.source.path = "upload".into();
            }
            for w in &mut p.warnings {
                w.path = "upload".into();
            }
            p
        };
        let doc = read_document("upload", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc.format, format, "{name}");
        assert_eq!(doc.components, parsed.components, "{name}");
        assert_eq!(doc.warnings, parsed.warnings, "{name}");
        assert_eq!(doc.target.as_deref(), target, "{name}");
        assert_eq!(doc.commit, None, "{name}");
        assert_eq!(doc.sources.len(), 1, "{name}");
        assert_eq!(doc.sources[0].kind, kind, "{name}");
        assert_eq!(doc.sources[0].components, doc.components.len(), "{name}");
        match (image, &doc.image) {
            (None, None) => {}
            (Some((digest, tag)), Some(i)) => {
                assert_eq!(i.config_digest.as_deref().unwrap_or(""), digest, "{name}");
                assert_eq!(i.repo_tags, [tag], "{name}");
            }
            (want, got) => panic!("{name}: image {want:?}, got {got:?}"),
        }
    }
}

// --- writing ------------------------------------------------------------------------------

fn meta() -> SbomMeta {
    SbomMeta {
        name: "registry.example/app:1.0 (scanned dir)".into(),
        tool_version: "0.1.0".into(),
        timestamp: "2024-05-01T12:00:00Z".into(),
    }
}

/// (ecosystem, name, version) of each component that has a purl, names normalised as the
/// ecosystem compares them (PyPI names are lower-cased in purls).
fn triples(components: &[Component]) -> BTreeSet<(String, String, String)> {
    components
        .iter()
        .filter(|c| c.purl().is_some())
        .map(|c| {
            (
                c.ecosystem.to_string(),
                patchwarden_core::normalize_package_name(c.ecosystem.kind(), &c.name),
                c.version.clone(),
            )
        })
        .collect()
}

fn directs(components: &[Component]) -> BTreeSet<String> {
    components
        .iter()
        .filter(|c| c.direct == Some(true) && c.purl().is_some())
        .filter_map(Component::purl)
        .collect()
}

/// Writes both formats and reads them back: the same packages, no warnings, the same direct
/// packages, and every source package the writer could carry.
fn assert_round_trip(what: &str, components: &[Component]) -> (String, String) {
    let want = triples(components);
    let cdx = cyclonedx::write_json(components, &meta());
    let back = cyclonedx::parse_json("out.cdx.json", &cdx)
        .unwrap_or_else(|e| panic!("{what}: CycloneDX written does not read: {}", e.0));
    assert_eq!(
        triples(&back.components),
        want,
        "{what}: CycloneDX round trip"
    );
    let unwritable = components.iter().filter(|c| c.purl().is_none()).count();
    assert_eq!(
        back.warnings.len(),
        unwritable,
        "{what}: {:?}",
        back.warnings
    );
    if components.iter().any(|c| c.direct == Some(true)) {
        assert_eq!(
            directs(&back.components),
            directs(components),
            "{what}: direct"
        );
    }
    let spdx_text = spdx::write_json(components, &meta());
    let back = spdx::parse_json("out.spdx.json", &spdx_text)
        .unwrap_or_else(|e| panic!("{what}: SPDX written does not read: {}", e.0));
    assert_eq!(triples(&back.components), want, "{what}: SPDX round trip");
    assert_eq!(
        back.warnings.len(),
        unwritable,
        "{what}: {:?}",
        back.warnings
    );
    if components.iter().any(|c| c.direct == Some(true)) {
        assert_eq!(
            directs(&back.components),
            directs(components),
            "{what}: SPDX direct"
        );
    }
    (cdx, spdx_text)
}

fn fixture_components() -> Vec<Component> {
    [
        "syft-debian.cdx-1.4.json",
        "maven-app.cdx-1.5.xml",
        "cdxgen-webapp.cdx-1.6.json",
        "github-repo.spdx.json",
        "trivy-alpine.spdx",
    ]
    .iter()
    .flat_map(|name| parse_fixture(name).components)
    .collect()
}

/// Components of odd shapes: layers, two files, no purl, names needing escapes.
fn odd_components() -> Vec<Component> {
    let at = |path: &str, layer: Option<&str>| Location {
        path: path.into(),
        line: Some(3),
        layer: layer.map(str::to_string),
    };
    let mut a = Component::new(
        Ecosystem::parse("npm"),
        "@scope/na me+x",
        "1.0.0-rc.1+build.5",
        at("app/package-lock.json", Some("sha256:aa")),
    );
    a.direct = Some(true);
    a.scope = Scope::Dev;
    let mut b = a.clone();
    b.source = at("other/package-lock.json", None);
    b.direct = Some(false);
    let mut deb = Component::new(
        Ecosystem::parse("Debian:12"),
        "libssl3",
        "3.0.11-1~deb12u2",
        at("var/lib/dpkg/status", Some("sha256:bb")),
    );
    deb.source_package = Some(SourcePackage {
        name: "openssl".into(),
        version: "3.0.11-1~deb12u2".into(),
    });
    let android = Component::new(
        Ecosystem::parse("Android"),
        "platform/frameworks/base",
        "13",
        at("x", None),
    );
    let mut optional = Component::new(
        Ecosystem::parse("crates.io"),
        "serde",
        "1.0.200",
        at("Cargo.lock", None),
    );
    optional.direct = Some(true);
    optional.scope = Scope::Optional;
    vec![a, b, deb, android, optional]
}

#[test]
fn fixture_components_round_trip_through_both_writers() {
    assert_round_trip("fixtures", &fixture_components());
    assert_round_trip("odd shapes", &odd_components());
    assert_round_trip("nothing", &[]);
}

#[test]
fn written_sboms_are_deterministic_sorted_and_merged() {
    let mut components = fixture_components();
    components.extend(odd_components());
    let cdx = cyclonedx::write_json(&components, &meta());
    let spdx_text = spdx::write_json(&components, &meta());
    components.reverse();
    assert_eq!(cyclonedx::write_json(&components, &meta()), cdx);
    assert_eq!(spdx::write_json(&components, &meta()), spdx_text);
    let other = SbomMeta {
        timestamp: "2024-05-02T12:00:00Z".into(),
        ..meta()
    };
    assert_ne!(cyclonedx::write_json(&components, &other), cdx);

    let doc: serde_json::Value = serde_json::from_str(&cdx).unwrap_or_else(|e| panic!("{e}"));
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    let mut sorted = purls.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(purls, sorted, "sorted, one entry per purl");
    let refs: BTreeSet<&str> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    assert_eq!(refs.len(), doc["components"].as_array().map_or(0, Vec::len));

    let doc: serde_json::Value = serde_json::from_str(&spdx_text).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = doc["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["SPDXID"].as_str())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.iter().all(|id| {
        id.strip_prefix("SPDXRef-").is_some_and(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
    }));
}

#[test]
fn source_packages_survive_cyclonedx() {
    let components = odd_components();
    let cdx = cyclonedx::write_json(&components, &meta());
    let back = cyclonedx::parse_json("x", &cdx).unwrap_or_else(|e| panic!("{}", e.0));
    let libssl = find(&back, "libssl3");
    assert_eq!(source(libssl), Some(("openssl", "3.0.11-1~deb12u2")));
}

#[test]
fn written_sboms_snapshot() {
    // Language packages only: OS package purls are `Component::purl()`'s to shape.
    let mut components = odd_components();
    components.retain(|c| c.ecosystem.release().is_none());
    insta::assert_snapshot!(
        "written_cdx_1_6",
        cyclonedx::write_json(&components, &meta())
    );
    insta::assert_snapshot!("written_spdx_2_3", spdx::write_json(&components, &meta()));
}

/// Components of real lockfiles and a real dpkg database from the shared data.
fn real_components(data: &Path) -> Vec<(String, Vec<Component>)> {
    let lockfiles = [
        ("juice-shop__package-lock.v3.json", LockfileKind::NpmLock),
        ("nushell__2026__Cargo.lock", LockfileKind::CargoLock),
        ("railsgoat__2026__Gemfile.lock", LockfileKind::GemfileLock),
        ("koel__2026__composer.lock", LockfileKind::ComposerLock),
        (
            "netbox__2020-11__requirements.txt",
            LockfileKind::PipRequirements,
        ),
    ];
    let mut out = Vec::new();
    for (entry, kind) in lockfiles {
        let text = common::lockfile(data, entry);
        let parsed =
            parse_lockfile(kind, entry, &text, None).unwrap_or_else(|e| panic!("{entry}: {}", e.0));
        assert!(!parsed.components.is_empty(), "{entry}");
        out.push((entry.to_string(), parsed.components));
    }
    let gz = data.join("os/debian-dpkg-status.gz");
    if let Ok(file) = std::fs::File::open(&gz) {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        let parsed =
            dpkg::parse_status("var/lib/dpkg/status", &text, &Ecosystem::parse("Debian:12"))
                .unwrap_or_else(|e| panic!("{}", e.0));
        out.push(("debian-dpkg-status".into(), parsed.components));
    }
    out
}

#[test]
fn real_lockfiles_round_trip_through_both_writers() {
    let Some(data) = common::shared_data() else {
        return;
    };
    for (name, components) in real_components(&data) {
        assert_round_trip(&name, &components);
    }
}

// --- the official schemas -----------------------------------------------------------------

fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| crate_dir.join("../.."), Path::to_path_buf)
}

/// Runs `tests/oracles/sbom_validate.py` on `files`, panicking with its output when any is
/// invalid.
fn validate(schemas: &Path, kind: &str, files: &[PathBuf]) {
    let root = workspace_root();
    let script = root.join("crates/inventory/tests/oracles/sbom_validate.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&script).arg(schemas).arg(kind).args(files);
    let py = root.join("target/oracles/py");
    if py.is_dir() {
        let mut paths = vec![py];
        if let Some(old) = std::env::var_os("PYTHONPATH") {
            paths.extend(std::env::split_paths(&old));
        }
        cmd.env(
            "PYTHONPATH",
            std::env::join_paths(paths).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{kind} schema validation failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.ends_with(&format!(": valid {kind}")))
            .count(),
        files.len(),
        "{stdout}"
    );
}

#[test]
fn written_sboms_pass_the_official_json_schemas() {
    let schemas = workspace_root().join("target/oracles/sbom-schemas");
    let needed = [
        "bom-1.6.schema.json",
        "spdx.schema.json",
        "jsf-0.82.schema.json",
        "spdx-2.3.schema.json",
    ];
    if let Some(missing) = needed.iter().find(|f| !schemas.join(f).is_file()) {
        let msg = format!(
            "{} is missing: run `bash crates/inventory/tests/oracles/sbom_schemas.sh`",
            schemas.join(missing).display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg} (required in CI)");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    let mut sets = vec![
        ("fixtures".to_string(), fixture_components()),
        ("odd".to_string(), odd_components()),
        ("empty".to_string(), Vec::new()),
    ];
    if let Some(data) = common::shared_data() {
        sets.extend(real_components(&data));
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cdx_files = Vec::new();
    let mut spdx_files = Vec::new();
    for (i, (name, components)) in sets.iter().enumerate() {
        let meta = SbomMeta {
            name: format!("{name} <scan> ü"),
            ..meta()
        };
        let cdx = dir.path().join(format!("{i}.cdx.json"));
        std::fs::write(&cdx, cyclonedx::write_json(components, &meta))
            .unwrap_or_else(|e| panic!("{e}"));
        cdx_files.push(cdx);
        let spdx_path = dir.path().join(format!("{i}.spdx.json"));
        std::fs::write(&spdx_path, spdx::write_json(components, &meta))
            .unwrap_or_else(|e| panic!("{e}"));
        spdx_files.push(spdx_path);
    }
    validate(&schemas, "cyclonedx", &cdx_files);
    validate(&schemas, "spdx", &spdx_files);
}

// --- hostile inputs -----------------------------------------------------------------------

#[test]
fn wrong_types_give_warnings_or_errors_never_panics() {
    let cdx = r#"{"bomFormat":"CycloneDX","specVersion":"1.6",
        "metadata":{"component":7},
        "components":[1,"x",null,{"purl":5,"name":"n"},{"purl":"pkg:npm/a@1","components":"no"},
                      {"purl":"pkg:npm/b@2","scope":9,"bom-ref":["x"]}],
        "dependencies":{"a":1}}"#;
    let parsed = cyclonedx::parse_json("x", cdx).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(parsed.components.len(), 2);
    assert!(parsed.warnings.len() >= 5, "{:?}", parsed.warnings);
    let cdx = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","dependencies":[1,{"ref":2},{"ref":"a","dependsOn":"b"}]}"#;
    assert!(cyclonedx::parse_json("x", cdx).is_ok());
    for bad in [
        r#"{"bomFormat":7,"specVersion":"1.6"}"#,
        r#"{"bomFormat":"CycloneDX","specVersion":1.6}"#,
        r#"{"bomFormat":"CycloneDX"}"#,
        r#""CycloneDX""#,
        "",
        "{",
    ] {
        let e = cyclonedx::parse_json("x", bad).err().map(|e| e.0);
        assert!(
            e.as_ref().is_some_and(|m| !m.contains('\n')),
            "{bad}: {e:?}"
        );
    }
    let spdx_doc = r#"{"spdxVersion":"SPDX-2.3","packages":[1,{"externalRefs":"x"},
        {"name":"p","externalRefs":[{"referenceType":"purl","referenceLocator":7}]},
        {"SPDXID":5,"versionInfo":"1","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:npm/q"}]}],
        "relationships":[1,{},{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":9}],
        "documentDescribes":[1,"SPDXRef-none"]}"#;
    let parsed = spdx::parse_json("x", spdx_doc).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(parsed.components.len(), 1);
    assert!(!parsed.warnings.is_empty());
    for bad in [
        "[]",
        r#"{"spdxVersion":2.3}"#,
        r#"{"spdxVersion":"SPDX-2.3","relationships":{}}"#,
    ] {
        assert!(spdx::parse_json("x", bad).is_err(), "{bad}");
    }
    let tv = "SPDXVersion: SPDX-2.3\nno colon here\nPackageName: a\nExternalRef: PACKAGE-MANAGER purl\nRelationship: only-one\nPackageComment: <text>never closed\nPackageName: b\n";
    let parsed = spdx::parse_tag_value("x", tv).unwrap_or_else(|e| panic!("{}", e.0));
    assert!(parsed.components.is_empty());
    assert!(parsed.warnings.len() >= 3, "{:?}", parsed.warnings);
}

fn nested_json(depth: usize) -> String {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..depth {
        doc.push_str(&format!(r#"{{"purl":"pkg:npm/p{i}@1.0.0","components":["#));
    }
    for _ in 0..depth {
        doc.push_str("]}");
    }
    doc.push_str("]}");
    doc
}

#[test]
fn deep_nesting_is_refused_with_a_clear_message() {
    let ok = cyclonedx::parse_json("x", &nested_json(cyclonedx::MAX_NESTING))
        .unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(ok.components.len(), cyclonedx::MAX_NESTING);
    let e = cyclonedx::parse_json("x", &nested_json(cyclonedx::MAX_NESTING + 1))
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
    assert!(e.contains("nested deeper than"), "{e}");
    // Far deeper than any stack: the JSON parser's own limit answers.
    let arrays = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(cyclonedx::parse_json("x", &arrays).is_err());
    assert!(spdx::parse_json("x", &arrays.replace("bomFormat", "spdxVersion")).is_err());
    let xml = format!(
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">{}{}</bom>",
        "<components><component type=\"library\">".repeat(5_000),
        "</component></components>".repeat(5_000)
    );
    let e = cyclonedx::parse_xml("x", &xml)
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
    assert!(e.contains("nested deeper than"), "{e}");
}

#[test]
fn xml_entities_are_never_expanded() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY ext SYSTEM "file:///etc/passwd">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>
<component type="library"><name>&lol2;</name><purl>pkg:npm/&ext;@1</purl></component>
</components></bom>"#;
    let e = cyclonedx::parse_xml("x", laughs)
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
    assert!(e.contains("DOCTYPE"), "{e}");
    for bad in [
        "",
        "<bom",
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components>",
        "<project/>",
        "<bom/>",
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/><bom/>",
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><x a=\"&zz;\"/></bom>",
    ] {
        let e = cyclonedx::parse_xml("x", bad).err().map(|e| e.0);
        assert!(e.as_ref().is_some_and(|m| !m.is_empty()), "{bad}: {e:?}");
    }
}

#[test]
fn huge_documents_are_read_in_one_pass() {
    let n = 50_000;
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":["#);
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"type":"library","bom-ref":"r{i}","name":"p{i}","version":"1.0.{i}","purl":"pkg:npm/p{i}@1.0.{i}"}}"#
        ));
    }
    doc.push_str(r#"],"metadata":{"component":{"bom-ref":"root"}},"dependencies":[{"ref":"root","dependsOn":["#);
    let refs: Vec<String> = (0..n).map(|i| format!("\"r{i}\"")).collect();
    doc.push_str(&refs.join(","));
    doc.push_str("]}]}");
    let start = std::time::Instant::now();
    let parsed = cyclonedx::parse_json("x", &doc).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(parsed.components.len(), n);
    assert!(parsed.components.iter().all(|c| c.direct == Some(true)));
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    let written = cyclonedx::write_json(&parsed.components, &meta());
    let back = cyclonedx::parse_json("x", &written).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(back.components.len(), n);
}

#[test]
fn bad_purls_become_warnings() {
    let purls = [
        "",
        "pkg:",
        "pkg:/",
        "pkg:npm/",
        "pkg:npm/@1",
        "pkg:npm/%zz@1",
        "pkg:npm/%ff@1",
        "pkg:%41/x@1",
        "npm:lodash@1",
        "pkg:unknown/x@1",
        "pkg:deb/x@1",
        "pkg:rpm/fedora/x@1",
        "pkg:maven/x@1",
        "pkg:npm/x",
        "pkg:npm/x@",
        "pkg:npm/x@%20",
        "pkg:deb/debian/x@1?distro=",
        "pkg:apk/alpine/x@1?distro=edge",
        "pkg:new\nline/x@1",
    ];
    let components: Vec<String> = purls
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"{{"type":"library","name":"c{i}","purl":{}}}"#,
                serde_json::json!(p)
            )
        })
        .collect();
    let doc = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{}]}}"#,
        components.join(",")
    );
    let parsed = cyclonedx::parse_json("x", &doc).unwrap_or_else(|e| panic!("{}", e.0));
    // `pkg:deb/debian/x@1?distro=` and `distro=edge` still name packages (no release).
    let eco: Vec<String> = parsed
        .components
        .iter()
        .map(|c| c.ecosystem.to_string())
        .collect();
    assert_eq!(eco, ["Debian", "Alpine"]);
    assert_eq!(
        parsed.warnings.len(),
        purls.len() - 2,
        "{:#?}",
        parsed.warnings
    );
    assert!(parsed.warnings.iter().all(|w| !w.message.contains('\n')));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = cyclonedx::parse_json("x", &text);
        let _ = cyclonedx::parse_xml("x", &text);
        let _ = spdx::parse_json("x", &text);
        let _ = spdx::parse_tag_value("x", &text);
        let _ = looks_like_sbom(&text, text.as_bytes());
        let _ = cyclonedx::component_from_purl(&text, "x");
    }

    #[test]
    fn purl_shaped_text_never_panics(
        text in "pkg:(npm|deb|rpm|apk|maven|golang|x)?/(%[0-9a-fA-F]{0,2}|@|/|[a-z0-9.~+-]|\\?|&|=|#|:|\\PC){0,40}"
    ) {
        if let Ok(p) = Purl::parse(&text) {
            proptest::prop_assert!(!p.name.is_empty());
        }
        let _ = cyclonedx::component_from_purl(&text, "x");
    }

    #[test]
    fn sbom_shaped_text_never_panics(
        text in "(\\{|\\}|\\[|\\]|,|:|\"bomFormat\"|\"CycloneDX\"|\"specVersion\"|\"1.6\"|\"spdxVersion\"|\"SPDX-2.3\"|\"components\"|\"packages\"|\"purl\"|\"pkg:npm/a@1\"|\"dependencies\"|\"ref\"|\"dependsOn\"|\"relationships\"|<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">|</bom>|<component>|</component>|<components>|</components>|<purl>|</purl>|PackageName: a\n|SPDXVersion: SPDX-2.3\n|ExternalRef: x purl pkg:npm/a@1\n|Relationship: a DEPENDS_ON b\n|&amp;|&#1;|\\PC){0,60}"
    ) {
        let _ = cyclonedx::parse_json("x", &text);
        let _ = cyclonedx::parse_xml("x", &text);
        let _ = spdx::parse_json("x", &text);
        let _ = spdx::parse_tag_value("x", &text);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn generated_components_round_trip(
        entries in proptest::collection::vec(
            (0usize..9, "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[a-z0-9]{1,5})?", proptest::option::of(proptest::bool::ANY)),
            0..24,
        )
    ) {
        let components: Vec<Component> = entries
            .iter()
            .map(|(eco, name, version, direct)| {
                let (ecosystem, name) = match eco {
                    0 => ("npm", name.clone()),
                    1 => ("npm", format!("@{name}/{name}")),
                    2 => ("crates.io", name.clone()),
                    3 => ("PyPI", name.clone()),
                    4 => ("Go", format!("github.com/{name}/{name}")),
                    5 => ("Maven", format!("org.{name}:{name}")),
                    6 => ("RubyGems", name.clone()),
                    7 => ("Debian:12", name.clone()),
                    _ => ("Alpine:v3.20", name.clone()),
                };
                let mut c = Component::new(Ecosystem::parse(ecosystem), name, version.clone(), Location::file("f"));
                c.direct = *direct;
                c
            })
            .collect();
        assert_round_trip("generated", &components);
    }
}
