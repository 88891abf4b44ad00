//! `scan --upload`: the scan JSON carries every component (and the image), reads back with
//! the server's reader (`read_document`) to what `inventory` lists, and is sent to the
//! server's endpoint with the token; the server's answer is printed, its refusal is exit 2.
//! The server here is a small HTTP receiver inside the test that records what it got.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use common::*;
use patchwarden_inventory::{DocumentFormat, read_document};
use serde_json::{Value, json};

const TOKEN: &str = "pw_test_0123456789abcdef";
const COMMIT: &str = "4f1c2b7e9a0d3c5b8e6f1a2d4c7b9e0f3a5d8c1b";

/// One request as the receiver saw it.
#[derive(Debug)]
struct Received {
    method: String,
    /// Path and query, as sent.
    target: String,
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Starts a receiver that answers one request with `status` (`201 Created`) and `body`, and
/// gives its base URL and what it received.
fn receiver(status: &'static str, body: String) -> (String, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap_or_else(|e| panic!("{e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap_or_else(|e| panic!("{e}"));
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|| panic!("no content-length in {headers:?}"));
        let mut request_body = vec![0; length];
        reader
            .read_exact(&mut request_body)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap_or_else(|e| panic!("{e}"));
        stream.flush().unwrap_or_else(|e| panic!("{e}"));
        Received {
            method,
            target,
            headers,
            body: request_body,
        }
    });
    (format!("http://127.0.0.1:{port}"), handle)
}

fn brief(id: i64, vulnerability: &str, package: &str, version: &str) -> Value {
    json!({
        "id": id, "vulnerability_id": vulnerability, "ecosystem": "npm", "package": package,
        "versions": [version], "severity": "High", "status": "open",
        "first_seen": "2026-11-01T00:00:00Z", "due": "2026-12-01"
    })
}

/// The record summary the receiver answers with.
fn canned_record() -> Value {
    json!({
        "product": "web shop", "project": "api", "artifact_id": 7, "artifact_ref": "v1.2",
        "previous_artifact_id": 6,
        "new": [brief(41, "CVE-2021-23337", "lodash", "4.17.20")],
        "still_open": [],
        "gone": [brief(12, "CVE-2020-8203", "lodash", "4.17.15")],
        "regressed": []
    })
}

fn canned_answer() -> String {
    json!({"format": "patchwarden-scan", "record": canned_record(), "findings_active": 3})
        .to_string()
}

/// The storefront demo project in a git checkout at [`COMMIT`].
fn storefront_checkout(dir: &Path) -> PathBuf {
    let project = dir.join("storefront");
    std::fs::create_dir_all(project.join(".git/refs/heads")).unwrap_or_else(|e| panic!("{e}"));
    for file in ["package-lock.json", "package.json"] {
        std::fs::copy(
            repo_root().join("examples/portfolio/storefront").join(file),
            project.join(file),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(project.join(".git/HEAD"), "ref: refs/heads/main\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(project.join(".git/refs/heads/main"), format!("{COMMIT}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    project
}

/// The binary on a fresh database with the demo advisories, no token in the environment.
fn pw_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = pw(&dir.join("pw.db").to_string_lossy());
    cmd.env_remove("PATCHWARDEN_TOKEN")
        .env_remove("PATCHWARDEN_CONFIG")
        .env("PATCHWARDEN_NOW", "2026-11-23T10:00:00Z")
        .arg("scan")
        .arg("--advisories")
        .arg(repo_root().join("examples/advisories"));
    cmd
}

/// (ecosystem, name, version) of every component of a JSON list.
fn triples(components: &Value) -> BTreeSet<(String, String, String)> {
    components
        .as_array()
        .unwrap_or_else(|| panic!("no component list: {components}"))
        .iter()
        .map(|c| {
            let field = |k: &str| {
                c[k].as_str()
                    .unwrap_or_else(|| panic!("{k}: {c}"))
                    .to_string()
            };
            (field("ecosystem"), field("name"), field("version"))
        })
        .collect()
}

fn document_triples(
    components: &[patchwarden_core::Component],
) -> BTreeSet<(String, String, String)> {
    components
        .iter()
        .map(|c| (c.ecosystem.to_string(), c.name.clone(), c.version.clone()))
        .collect()
}

fn inventory_json(path: &Path) -> Value {
    let mut cmd = assert_cmd::Command::cargo_bin("patchwarden").unwrap_or_else(|e| panic!("{e}"));
    json_stdout(cmd.args(["inventory", "--format", "json"]).arg(path))
}

#[test]
fn upload_sends_the_scan_to_the_endpoint_and_prints_the_record() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = storefront_checkout(dir.path());
    let (url, server) = receiver("201 Created", canned_answer());
    let out = pw_in(dir.path())
        .arg(&project)
        .args([
            "--format",
            "json",
            "--product",
            "web shop",
            "--project",
            "api",
        ])
        .args(["--artifact", "v1.2", "--token", TOKEN, "--upload"])
        .arg(format!("{url}/"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    let got = server.join().unwrap_or_else(|_| panic!("receiver failed"));
    // The request: endpoint, query, headers.
    assert_eq!(got.method, "POST");
    assert_eq!(
        got.target,
        format!("/api/v1/products/web%20shop/projects/api/scans?artifact=v1.2&commit={COMMIT}")
    );
    assert_eq!(
        got.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(
        got.header("user-agent"),
        Some(concat!("patchwarden/", env!("CARGO_PKG_VERSION")))
    );
    // The body: a scan document that the server's reader turns into the components
    // `inventory` lists.
    let document = read_document("upload", &got.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(document.format, DocumentFormat::PatchwardenScan);
    let listed = inventory_json(&project);
    assert_eq!(
        document_triples(&document.components),
        triples(&listed["components"])
    );
    assert_eq!(document.components.len(), 20);
    let sent: Value = serde_json::from_slice(&got.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent["record"], Value::Null);
    assert!(
        sent["summary"]["findings"].as_u64().unwrap_or(0) > 0,
        "{}",
        sent["summary"]
    );
    // The answer: in the JSON output's `record`, and a line on stderr.
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["record"], canned_record());
    assert!(
        stderr.contains(&format!(
            "Uploaded the scan to {url}/api/v1/products/web%20shop/projects/api/scans?artifact=v1.2&commit={COMMIT} (patchwarden-scan): 3 active findings in web shop/api"
        )),
        "{stderr}"
    );
}

#[test]
fn the_record_summary_is_printed_as_scan_record_prints_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = storefront_checkout(dir.path());
    let summary = "Recorded artifact 7 (v1.2) of web shop/api; since artifact 6: 1 new, 0 still open, 1 gone\n  new       #41 CVE-2021-23337 in lodash 4.17.20 (High, due 2026-12-01, open)\n  gone      #12 CVE-2020-8203 in lodash 4.17.15 (High, due 2026-12-01, open)\n";
    // The table has it at its end; other formats leave stdout to the report and print it
    // on stderr. The token comes from the environment here.
    for (format, on_stdout) in [("table", true), ("sarif", false)] {
        let (url, server) = receiver("201 Created", canned_answer());
        let out = pw_in(dir.path())
            .env("PATCHWARDEN_TOKEN", TOKEN)
            .arg(&project)
            .args([
                "--format",
                format,
                "--product",
                "web shop",
                "--project",
                "api",
            ])
            .args(["--upload", &url])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let got = server.join().unwrap_or_else(|_| panic!("receiver failed"));
        assert_eq!(
            got.target,
            format!("/api/v1/products/web%20shop/projects/api/scans?commit={COMMIT}"),
            "no --artifact: the server chooses"
        );
        assert_eq!(
            got.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        if on_stdout {
            assert!(stdout.ends_with(summary), "{stdout}");
            assert!(!stderr.contains("Recorded artifact"), "{stderr}");
        } else {
            assert!(stderr.contains(summary), "{stderr}");
            assert!(!stdout.contains("Recorded artifact"));
            assert!(stdout.contains("\"version\": \"2.1.0\""), "SARIF on stdout");
        }
        assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    }
}

#[test]
fn a_refused_upload_exits_2_with_the_servers_message_after_the_local_report() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = storefront_checkout(dir.path());
    let (url, server) = receiver(
        "403 Forbidden",
        json!({"error": "the token has no grant on product shop"}).to_string(),
    );
    let out = pw_in(dir.path())
        .arg(&project)
        .args(["--product", "shop", "--project", "api", "--token", TOKEN])
        .args(["--upload", &url])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    server.join().unwrap_or_else(|_| panic!("receiver failed"));
    let expected = format!(
        "patchwarden: error: upload to {url}/api/v1/products/shop/projects/api/scans?commit={COMMIT} failed: HTTP 403 Forbidden: the token has no grant on product shop\n"
    );
    assert!(stderr.ends_with(&expected), "{stderr}");
    assert!(!stderr.contains(TOKEN));
    // The local report was written before the failure.
    assert!(
        stdout.contains("of 20 components from 1 lockfile"),
        "{stdout}"
    );
    assert!(!stdout.contains("Recorded artifact"));

    // A server that is not there: exit 2 naming the URL.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        l.local_addr().unwrap_or_else(|e| panic!("{e}")).port()
    };
    let out = pw_in(dir.path())
        .arg(&project)
        .args([
            "--product",
            "shop",
            "--project",
            "api",
            "--token",
            TOKEN,
            "-q",
        ])
        .args(["--upload", &format!("http://127.0.0.1:{port}")])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "patchwarden: error: upload to http://127.0.0.1:{port}/api/v1/products/shop/projects/api/scans?commit={COMMIT} failed: "
        )) && stderr.lines().count() == 1,
        "{stderr}"
    );

    // A 201 that is not the expected answer is a failure too.
    let (url, server) = receiver("201 Created", "{\"ok\": true}".into());
    let out = pw_in(dir.path())
        .arg(&project)
        .args([
            "--product",
            "shop",
            "--project",
            "api",
            "--token",
            TOKEN,
            "-q",
        ])
        .args(["--upload", &url])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    server.join().unwrap_or_else(|_| panic!("receiver failed"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not with the expected JSON"), "{stderr}");
}

#[test]
fn upload_needs_a_token_product_and_project_and_excludes_record() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = storefront_checkout(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--product",
                "shop",
                "--project",
                "api",
                "--upload",
                "http://127.0.0.1:9",
            ],
            "needs an API token",
        ),
        (
            &[
                "--product",
                "shop",
                "--project",
                "api",
                "--token",
                " ",
                "--upload",
                "http://127.0.0.1:9",
            ],
            "API token (--token or PATCHWARDEN_TOKEN) is empty",
        ),
        (
            &["--product", "shop", "--upload", "http://127.0.0.1:9"],
            "--project",
        ),
        (
            &[
                "--product",
                "shop",
                "--project",
                "api",
                "--record",
                "--upload",
                "http://127.0.0.1:9",
            ],
            "cannot be used with",
        ),
        (
            &[
                "--product",
                "shop",
                "--project",
                "api",
                "--token",
                TOKEN,
                "--upload",
                "127.0.0.1:9",
            ],
            "not a URL",
        ),
        (
            &["--product", "shop", "--project", "api"],
            "<--record|--upload <URL>>",
        ),
    ];
    for (args, expected) in cases {
        let out = pw_in(dir.path())
            .arg(&project)
            .args(*args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains(TOKEN));
    }
}

/// The scan JSON of real lockfiles reads back with `read_document` to the component set
/// `inventory --format json` lists, and `inventory` of the saved scan lists them again.
#[test]
fn scan_json_reads_back_to_the_inventory() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut targets = Vec::new();
    for demo in ["storefront", "billing-api", "edge-proxy"] {
        targets.push(repo_root().join("examples/portfolio").join(demo));
    }
    // The inventory's lockfile fixtures: Go, Gradle, Maven, NuGet, Pub, Hex; Python; Yarn.
    for fixtures in ["go_jvm_more", "python", "js/berry"] {
        targets.push(
            repo_root()
                .join("crates/inventory/tests/fixtures")
                .join(fixtures),
        );
    }
    // Real projects' lockfiles, when the shared data is there.
    if let Some(data) = shared_data() {
        for (entry, name) in [
            ("nushell__2026__Cargo.lock", "Cargo.lock"),
            ("juice-shop__package-lock.v3.json", "package-lock.json"),
            ("railsgoat__2026__Gemfile.lock", "Gemfile.lock"),
            ("vuejs-core__2026__pnpm-lock.v9.yaml", "pnpm-lock.yaml"),
        ] {
            let sub = dir.path().join(entry);
            std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
            extract_lockfile(&data, entry, &sub, name);
            targets.push(sub);
        }
    }
    for target in targets {
        let out = pw_in(dir.path())
            .arg(&target)
            .args(["--format", "json"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let document = read_document("scan.json", &out.stdout).unwrap_or_else(|e| panic!("{e}"));
        let listed = inventory_json(&target);
        let expected = triples(&listed["components"]);
        assert!(expected.len() > 3, "{}: {expected:?}", target.display());
        assert_eq!(
            document_triples(&document.components),
            expected,
            "{}",
            target.display()
        );
        assert_eq!(
            document.target.as_deref(),
            Some(target.to_string_lossy().as_ref())
        );
        let scan: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scan["components"], listed["components"], "the same shape");
        // A saved scan is inventoried again, components and warnings as the scan found them.
        let saved = dir.path().join("saved-scan.json");
        std::fs::write(&saved, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
        let again = inventory_json(&saved);
        assert_eq!(again["components"], listed["components"]);
        assert_eq!(again["warnings"], listed["warnings"]);
        assert_eq!(
            again["sources"],
            json!([{"path": "saved-scan.json", "kind": "patchwarden-scan",
                    "components": listed["components"].as_array().map_or(0, Vec::len)}])
        );
    }
}

/// A `docker save` archive of one Alpine layer built at `created`.
fn image(dir: &Path, created: &str) -> PathBuf {
    let mut layer = Vec::new();
    tar_entry(
        &mut layer,
        "etc/os-release",
        b"ID=alpine\nVERSION_ID=3.20.3\n",
    );
    tar_entry(
        &mut layer,
        "lib/apk/db/installed",
        b"C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n",
    );
    layer.extend_from_slice(&[0; 1024]);
    let config = format!(r#"{{"os":"linux","architecture":"amd64","created":"{created}"}}"#);
    let mut archive = Vec::new();
    tar_entry(&mut archive, "layer/layer.tar", &layer);
    tar_entry(&mut archive, "config.json", config.as_bytes());
    tar_entry(
        &mut archive,
        "manifest.json",
        br#"[{"Config":"config.json","RepoTags":["shop/web:latest"],"Layers":["layer/layer.tar"]}]"#,
    );
    archive.extend_from_slice(&[0; 1024]);
    let path = dir.join("image.tar");
    std::fs::write(&path, &archive).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// The scan of an image carries the image with its build time, which the server's stale-image
/// check needs, and its components name their layer.
#[test]
fn scan_json_of_an_image_carries_the_image() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let archive = image(dir.path(), "2026-11-01T08:00:00Z");
    let out = pw_in(dir.path())
        .arg(&archive)
        .args(["--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scan["image"]["created"], "2026-11-01T08:00:00Z");
    assert_eq!(scan["image"]["repo_tags"], json!(["shop/web:latest"]));
    assert_eq!(scan["image"], inventory_json(&archive)["image"]);
    let document = read_document("scan.json", &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let image = document.image.unwrap_or_else(|| panic!("no image"));
    assert_eq!(image.created.as_deref(), Some("2026-11-01T08:00:00Z"));
    assert_eq!(image.layers.len(), 1);
    assert_eq!(document.components.len(), 1);
    assert_eq!(document.components[0].ecosystem.to_string(), "Alpine:v3.20");
    assert_eq!(
        document.components[0].source.layer.as_deref(),
        image.layers.first().map(String::as_str)
    );
}

/// End to end: `scan --upload` to a real `serve` seeded with the demo portfolio records a new
/// artifact of the project; a partner's token is refused with the server's message.
#[test]
fn upload_to_a_real_server_records_the_artifact() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").display().to_string();
    common::pw(&db).args(["--quiet", "demo"]).assert().success();
    common::pw(&db)
        .args([
            "user",
            "add",
            "ci-bot",
            "--role",
            "maintainer",
            "--grant",
            "demo",
        ])
        .assert()
        .success();
    common::pw(&db)
        .args([
            "user", "add", "visitor", "--role", "partner", "--grant", "demo",
        ])
        .assert()
        .success();
    let token = |user: &str| {
        let out = common::pw(&db)
            .args(["--quiet", "token", "create", "--user", user, "--name", "ci"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let (maintainer, partner) = (token("ci-bot"), token("visitor"));
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[serve]\njobs = []\n").unwrap_or_else(|e| panic!("{e}"));
    let server = common::serve::start(&db, &config, "upload-test");
    let url = format!("http://{}", server.address);
    let project = common::repo_root().join("examples/portfolio/edge-proxy");

    let out = common::pw(&db)
        .env("PATCHWARDEN_TOKEN", &maintainer)
        .arg("scan")
        .arg(&project)
        .args([
            "--format",
            "json",
            "--upload",
            &url,
            "--product",
            "demo",
            "--project",
            "edge-proxy",
            "--artifact",
            "v2",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let record = &doc["record"];
    assert_eq!(record["product"], "demo");
    assert_eq!(record["artifact_ref"], "v2");
    assert!(record["previous_artifact_id"].is_i64(), "{record}");
    assert_eq!(record["new"].as_array().map(Vec::len), Some(0), "{record}");
    assert_eq!(record["gone"].as_array().map(Vec::len), Some(0), "{record}");
    let open = record["still_open"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(
        open,
        doc["findings"].as_array().map(Vec::len).unwrap_or(0),
        "{record}"
    );

    let out = common::pw(&db)
        .env("PATCHWARDEN_TOKEN", &partner)
        .arg("scan")
        .arg(&project)
        .args([
            "--upload",
            &url,
            "--product",
            "demo",
            "--project",
            "edge-proxy",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("403") && stderr.contains("may not change product demo"),
        "{stderr}"
    );
    let (code, rest) = server.stop();
    assert_eq!(code, Some(0), "{rest}");
    // The server recorded the second artifact of the project under the maintainer's name.
    let artifacts = common::pw(&db)
        .args([
            "artifact",
            "list",
            "--product",
            "demo",
            "--project",
            "edge-proxy",
            "--format",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let list: Value = serde_json::from_slice(&artifacts.stdout).unwrap_or(Value::Null);
    let refs: Vec<&str> = list
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["ref"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(refs, ["v2", "demo"], "{list}");
}
