//! Known findings per ecosystem on the real lockfiles of `lockfiles.zip`, with the real OSV
//! advisories of `osv-all/` imported. Each case was checked by hand against the advisory's
//! ranges (noted beside it). For each, a minimal lockfile of the same format at the
//! installed version must report the advisory, and at the first fixed version must not.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::Value;

struct Case {
    /// Entry of lockfiles.zip and the name it is extracted under (its format's name).
    entry: &'static str,
    file: &'static str,
    package: &'static str,
    version: &'static str,
    advisory: &'static str,
    /// The first version the advisory leaves unaffected.
    fixed: &'static str,
}

const CASES: &[Case] = &[
    // Go, hugo's go.mod of 2020-12.
    // GHSA-qppj-fm5r-hxr3 (HTTP/2 rapid reset): golang.org/x/net SEMVER [0, 0.17.0).
    Case {
        entry: "hugo__2020-12__go.mod",
        file: "go.mod",
        package: "golang.org/x/net",
        version: "0.0.0-20200602114024-627f9648deb9",
        advisory: "GHSA-qppj-fm5r-hxr3",
        fixed: "0.17.0",
    },
    // GO-2023-1572: golang.org/x/image SEMVER [0, 0.5.0).
    Case {
        entry: "hugo__2020-12__go.mod",
        file: "go.mod",
        package: "golang.org/x/image",
        version: "0.0.0-20191214001246-9130b4cfad52",
        advisory: "GO-2023-1572",
        fixed: "0.5.0",
    },
    // GO-2025-3533: github.com/getkin/kin-openapi SEMVER [0, 0.131.0).
    Case {
        entry: "hugo__2020-12__go.mod",
        file: "go.mod",
        package: "github.com/getkin/kin-openapi",
        version: "0.32.0",
        advisory: "GO-2025-3533",
        fixed: "0.131.0",
    },
    // PyPI, netbox's requirements of 2020-11.
    // PYSEC-2021-66: jinja2 [0, 2.11.3).
    Case {
        entry: "netbox__2020-11__requirements.txt",
        file: "requirements.txt",
        package: "Jinja2",
        version: "2.11.2",
        advisory: "PYSEC-2021-66",
        fixed: "2.11.3",
    },
    // PYSEC-2021-69: pillow [0, 8.1.0).
    Case {
        entry: "netbox__2020-11__requirements.txt",
        file: "requirements.txt",
        package: "Pillow",
        version: "8.0.1",
        advisory: "PYSEC-2021-69",
        fixed: "8.1.0",
    },
    // PYSEC-2021-9: django [2.2, 2.2.18) ∪ [3.0, 3.0.12) ∪ [3.1, 3.1.6).
    Case {
        entry: "netbox__2020-11__requirements.txt",
        file: "requirements.txt",
        package: "Django",
        version: "3.1.3",
        advisory: "PYSEC-2021-9",
        fixed: "3.1.6",
    },
    // pygoat. PYSEC-2023-61: django [3.2, 3.2.19) ∪ [4.0, 4.1.9) ∪ [4.2, 4.2.1).
    Case {
        entry: "pygoat__requirements.txt",
        file: "requirements.txt",
        package: "Django",
        version: "4.2",
        advisory: "PYSEC-2023-61",
        fixed: "4.2.1",
    },
    // RubyGems, railsgoat's Gemfile.lock of 2021.
    // x_RUBYSEC-CVE-2020-8164: actionpack [4.0.0, 5.2.4.3) ∪ [5.3, 6.0.3.1).
    Case {
        entry: "railsgoat__2021__Gemfile.lock",
        file: "Gemfile.lock",
        package: "actionpack",
        version: "6.0.0",
        advisory: "x_RUBYSEC-CVE-2020-8164",
        fixed: "6.0.3.1",
    },
    // x_RUBYSEC-CVE-2021-22885: actionpack … ∪ [5.3, 6.0.3.7) ∪ [6.1, 6.1.3.2).
    Case {
        entry: "railsgoat__2021__Gemfile.lock",
        file: "Gemfile.lock",
        package: "actionpack",
        version: "6.0.0",
        advisory: "x_RUBYSEC-CVE-2021-22885",
        fixed: "6.0.3.7",
    },
    // Packagist, koel's composer.lock of 2019-06.
    // x_FOP-guzzlehttp-guzzle-CVE-2022-29248: [7, 7.4.3) ∪ [4, 6.5.6).
    Case {
        entry: "koel__2019-06__composer.lock",
        file: "composer.lock",
        package: "guzzlehttp/guzzle",
        version: "6.3.3",
        advisory: "x_FOP-guzzlehttp-guzzle-CVE-2022-29248",
        fixed: "6.5.6",
    },
    // x_FOP-composer-composer-CVE-2021-29472: [2.0.0-alpha1, 2.0.13) ∪ [0, 1.10.22).
    Case {
        entry: "koel__2019-06__composer.lock",
        file: "composer.lock",
        package: "composer/composer",
        version: "1.8.6",
        advisory: "x_FOP-composer-composer-CVE-2021-29472",
        fixed: "1.10.22",
    },
    // npm, nodegoat's package-lock v2.
    // x_NSWG-ECO-493 (CVE-2018-16487): lodash [0, 4.17.11).
    Case {
        entry: "nodegoat__package-lock.v2.json",
        file: "package-lock.json",
        package: "lodash",
        version: "4.13.1",
        advisory: "x_NSWG-ECO-493",
        fixed: "4.17.11",
    },
    // x_NSWG-ECO-458 (CVE-2018-1002204): adm-zip [0, 0.4.9).
    Case {
        entry: "nodegoat__package-lock.v2.json",
        file: "package-lock.json",
        package: "adm-zip",
        version: "0.4.4",
        advisory: "x_NSWG-ECO-458",
        fixed: "0.4.9",
    },
    // crates.io, nushell's Cargo.lock of 2020-06.
    // RUSTSEC-2021-0003: smallvec SEMVER [0.6.3, 0.6.14) ∪ [1.0.0, 1.6.1).
    Case {
        entry: "nushell__2020-06__Cargo.lock",
        file: "Cargo.lock",
        package: "smallvec",
        version: "1.4.0",
        advisory: "RUSTSEC-2021-0003",
        fixed: "1.6.1",
    },
];

/// A minimal lockfile of the case's format naming only its package at `version`.
fn minimal(file: &str, package: &str, version: &str) -> String {
    match file {
        "go.mod" => format!("module example.com/m\n\ngo 1.20\n\nrequire {package} v{version}\n"),
        "requirements.txt" => format!("{package}=={version}\n"),
        "Gemfile.lock" => format!(
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    {package} ({version})\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  {package}\n"
        ),
        "composer.lock" => format!(
            r#"{{"packages":[{{"name":"{package}","version":"{version}"}}],"packages-dev":[]}}"#
        ),
        "package-lock.json" => format!(
            r#"{{"name":"m","lockfileVersion":3,"packages":{{"":{{"name":"m","dependencies":{{"{package}":"*"}}}},"node_modules/{package}":{{"version":"{version}"}}}}}}"#
        ),
        "Cargo.lock" => format!(
            "version = 3\n\n[[package]]\nname = \"{package}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ),
        other => panic!("no template for {other}"),
    }
}

fn scan_json(db: &Path, path: &Path) -> Value {
    json_stdout(patchwarden(db).args(["-q", "scan"]).arg(path).args([
        "--format",
        "json",
        "--no-ignore-files",
    ]))
}

/// (path, package, version, advisory) of every finding, one row per advisory.
fn rows(doc: &Value) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for f in doc["findings"].as_array().into_iter().flatten() {
        for id in f["advisory_ids"].as_array().into_iter().flatten() {
            out.insert((
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["package"]["name"].as_str().unwrap_or("").to_string(),
                f["package"]["version"].as_str().unwrap_or("").to_string(),
                id.as_str().unwrap_or("").to_string(),
            ));
        }
    }
    out
}

#[test]
fn known_findings_per_ecosystem_and_nothing_past_the_fix() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("real.db");
    let mut import = patchwarden(&db);
    import.args(["-q", "db", "import"]);
    for eco in ["Go", "PyPI", "RubyGems", "Packagist", "npm", "crates"] {
        import.arg(data.join(format!("osv-all/{eco}-all.zip")));
    }
    import.assert().success();

    // The real lockfiles.
    let mut entries: Vec<(&str, &str)> = CASES.iter().map(|c| (c.entry, c.file)).collect();
    entries.dedup();
    for (entry, file) in entries {
        let sub = dir.path().join("real").join(entry);
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        let path = extract_lockfile(&data, entry, &sub, file);
        let found = rows(&scan_json(&db, &path));
        for c in CASES.iter().filter(|c| c.entry == entry) {
            let row = (
                file.to_string(),
                c.package.to_string(),
                c.version.to_string(),
                c.advisory.to_string(),
            );
            assert!(
                found.contains(&row),
                "{entry}: {} {} should be reported for {}",
                c.package,
                c.version,
                c.advisory
            );
        }
    }

    // Minimal lockfiles: the installed version is reported, the fixed one is not.
    let minimal_root = dir.path().join("minimal");
    for (i, c) in CASES.iter().enumerate() {
        for (label, version) in [("installed", c.version), ("fixed", c.fixed)] {
            let sub = minimal_root.join(format!("case{i:02}-{label}"));
            std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(sub.join(c.file), minimal(c.file, c.package, version))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let found = rows(&scan_json(&db, &minimal_root));
    for (i, c) in CASES.iter().enumerate() {
        let hit = |label: &str, version: &str| {
            found.iter().any(|(path, package, v, advisory)| {
                path == &format!("case{i:02}-{label}/{}", c.file)
                    && package.eq_ignore_ascii_case(c.package)
                    && v == version
                    && advisory == c.advisory
            })
        };
        assert!(
            hit("installed", c.version),
            "{} {} not reported for {} in a minimal {}",
            c.package,
            c.version,
            c.advisory,
            c.file
        );
        assert!(
            !hit("fixed", c.fixed),
            "{} {} (the fix) is reported for {}",
            c.package,
            c.fixed,
            c.advisory
        );
    }
}
