//! `patchwarden inventory`: the walk, its options and the JSON contract, through the binary.

mod common;

use common::*;
use serde_json::Value;

fn inventory(args: &[&str], dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = patchwarden(&dir.join("unused.db"));
    cmd.arg("inventory").args(args);
    cmd
}

#[test]
fn json_lists_every_component_with_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = repo_root().join("examples/portfolio");
    let doc = json_stdout(inventory(&["--format", "json"], dir.path()).arg(&root));
    let components = doc["components"].as_array().cloned().unwrap_or_default();
    assert!(components.len() > 10, "{doc}");
    for c in &components {
        for key in [
            "purl",
            "ecosystem",
            "name",
            "version",
            "source",
            "direct",
            "scope",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        assert!(c["source"]["path"].is_string());
    }
    assert!(doc["warnings"].is_array());
    // No database is created or needed.
    assert!(!dir.path().join("unused.db").exists());
    // The table ends with a count that agrees.
    let out = inventory(&[], dir.path())
        .arg(&root)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{} components from", components.len())),
        "{text}"
    );
}

#[test]
fn exclude_globs_node_modules_and_symlinks_out_of_the_tree() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("project");
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(&root)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("requirements.txt", "django==3.2.0\n");
    write("tests/fixtures/requirements.txt", "flask==0.1\n");
    write("node_modules/x/requirements.txt", "six==1.0.0\n");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(outside.join("requirements.txt"), "evil==6.6.6\n")
        .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, root.join("linked")).unwrap_or_else(|e| panic!("{e}"));

    let names = |doc: &Value| -> Vec<String> {
        doc["components"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}@{}",
                    c["name"].as_str().unwrap_or(""),
                    c["version"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let all = json_stdout(inventory(&["--format", "json"], dir.path()).arg(&root));
    assert_eq!(names(&all), ["django@3.2.0", "flask@0.1"]);
    let excluded = json_stdout(
        inventory(&["--format", "json", "--exclude", "tests/**"], dir.path()).arg(&root),
    );
    assert_eq!(names(&excluded), ["django@3.2.0"]);
    let with_modules = json_stdout(
        inventory(&["--format", "json", "--include-node-modules"], dir.path()).arg(&root),
    );
    // Files come in path order.
    assert_eq!(
        names(&with_modules),
        ["six@1.0.0", "django@3.2.0", "flask@0.1"]
    );
}

#[test]
fn unreadable_input_is_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("Cargo.lock");
    std::fs::write(&bad, "this is [not toml").unwrap_or_else(|e| panic!("{e}"));
    let out = inventory(&[], dir.path())
        .arg(&bad)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("Cargo.lock"), "{err}");
    let out = inventory(&[], dir.path())
        .arg(dir.path().join("notes.txt"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let out = inventory(&["--exclude", "a[b"], dir.path())
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--exclude"));
}

#[test]
fn sboms_written_by_the_binary_read_back_to_the_same_components() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = repo_root().join("examples/portfolio");
    let listed = json_stdout(inventory(&["--format", "json"], dir.path()).arg(&root));
    let key = |doc: &Value| -> Vec<String> {
        let mut v: Vec<String> = doc["components"]
            .as_array()
            .into_iter()
            .flatten()
            // purls write PyPI names in their normalised (lower-case) form.
            .map(|c| {
                let name = c["name"].as_str().unwrap_or_default().to_lowercase();
                format!("{} {name} {}", c["ecosystem"], c["version"])
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for (format, file) in [("cyclonedx", "bom.cdx.json"), ("spdx", "bom.spdx.json")] {
        let out = dir.path().join(file);
        patchwarden(&dir.path().join("unused.db"))
            .args(["sbom", "--format", format, "-o"])
            .arg(&out)
            .arg(&root)
            .assert()
            .success();
        let back = json_stdout(inventory(&["--format", "json"], dir.path()).arg(&out));
        assert_eq!(key(&back), key(&listed), "{format}");
    }
}

#[test]
fn a_docker_save_archive_is_inventoried_with_layer_digests() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut layer = Vec::new();
    tar_entry(
        &mut layer,
        "etc/os-release",
        b"ID=alpine\nVERSION_ID=3.20.3\n",
    );
    tar_entry(
        &mut layer,
        "lib/apk/db/installed",
        b"C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\nC:Q1def=\nP:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n\n",
    );
    layer.extend_from_slice(&[0; 1024]);
    let digest: String = Sha256::digest(&layer)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut archive = Vec::new();
    tar_entry(&mut archive, &format!("{digest}/layer.tar"), &layer);
    tar_entry(
        &mut archive,
        "config.json",
        br#"{"os":"linux","architecture":"amd64"}"#,
    );
    let manifest = format!(
        r#"[{{"Config":"config.json","RepoTags":["demo/alpine:3.20"],"Layers":["{digest}/layer.tar"]}}]"#
    );
    tar_entry(&mut archive, "manifest.json", manifest.as_bytes());
    archive.extend_from_slice(&[0; 1024]);
    let image = dir.path().join("image.tar");
    std::fs::write(&image, &archive).unwrap_or_else(|e| panic!("{e}"));

    let doc = json_stdout(inventory(&["--format", "json"], dir.path()).arg(&image));
    let got: Vec<(String, String, String, String)> = doc["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c["ecosystem"].as_str().unwrap_or("").to_string(),
                c["name"].as_str().unwrap_or("").to_string(),
                c["version"].as_str().unwrap_or("").to_string(),
                c["source"]["layer"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let layer_id = format!("sha256:{digest}");
    assert_eq!(
        got,
        [
            (
                "Alpine:v3.20".into(),
                "musl".into(),
                "1.2.5-r0".into(),
                layer_id.clone()
            ),
            (
                "Alpine:v3.20".into(),
                "busybox".into(),
                "1.36.1-r29".into(),
                layer_id.clone()
            ),
        ],
        "{doc}"
    );
    assert_eq!(doc["image"]["layers"][0], layer_id.as_str());
    assert_eq!(doc["image"]["repo_tags"][0], "demo/alpine:3.20");
}
