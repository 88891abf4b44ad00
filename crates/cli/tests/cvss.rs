//! `patchwarden cvss` as a user runs it: vectors as arguments or on stdin, one JSON object per
//! line with its keys in the documented order, errors on their own line, exit codes, and
//! agreement with the RedHat `cvss` library's vector files (read from `../shared/data` beside
//! the repository; skipped with a message when absent).

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn cvss() -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("PATCHWARDEN_DATABASE").arg("cvss");
    cmd
}

/// Runs the command; returns its stdout lines and exit code.
fn run(cmd: &mut Command) -> (Vec<String>, Option<i32>) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    (
        text.lines().map(str::to_string).collect(),
        out.status.code(),
    )
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

fn keys(line: &str) -> Vec<String> {
    match json(line) {
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

const SCORE_KEYS: [&str; 7] = [
    "vector",
    "version",
    "base",
    "temporal",
    "environmental",
    "score",
    "severity",
];

#[test]
fn vectors_as_arguments_print_one_json_line_each() {
    let (lines, code) = run(cvss().args([
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:U",
        "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U",
    ]));
    assert_eq!(code, Some(0));
    assert_eq!(
        lines,
        [
            r#"{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","version":"3.1","base":9.8,"temporal":null,"environmental":null,"score":9.8,"severity":"Critical"}"#,
            r#"{"vector":"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H","version":"2.0","base":7.8,"temporal":6.4,"environmental":9.2,"score":9.2,"severity":"High"}"#,
            r#"{"vector":"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N","version":"3.0","base":0.0,"temporal":null,"environmental":null,"score":0.0,"severity":"None"}"#,
            r#"{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:U","version":"3.1","base":10.0,"temporal":9.1,"environmental":null,"score":9.1,"severity":"Critical"}"#,
            r#"{"vector":"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U","version":"4.0","base":7.3,"temporal":null,"environmental":null,"score":4.1,"severity":"Medium"}"#,
        ]
    );
    for line in &lines {
        assert_eq!(keys(line), SCORE_KEYS, "{line}");
    }
}

#[test]
fn stdin_is_read_when_no_vector_is_given() {
    let (lines, code) = run(cvss().write_stdin(
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\n\n   \n  AV:N/AC:L/Au:N/C:P/I:P/A:P \r\nCVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    ));
    assert_eq!(code, Some(0));
    let scores: Vec<(String, f64, String)> = lines
        .iter()
        .map(|l| {
            let v = json(l);
            (
                v["vector"].as_str().unwrap_or_default().to_string(),
                v["score"].as_f64().unwrap_or(-1.0),
                v["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        scores,
        [
            (
                "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H".to_string(),
                7.8,
                "High".to_string()
            ),
            (
                "AV:N/AC:L/Au:N/C:P/I:P/A:P".to_string(),
                7.5,
                "High".to_string()
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".to_string(),
                9.3,
                "Critical".to_string()
            ),
        ]
    );
    // Nothing to read: nothing written, success.
    let (lines, code) = run(cvss().write_stdin(""));
    assert_eq!((lines.len(), code), (0, Some(0)));
}

#[test]
fn an_invalid_vector_gets_an_error_line_and_exit_2_but_the_rest_is_scored() {
    let (lines, code) = run(cvss().write_stdin(
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H\nCVSS:3.1/AV:Q\n\"quoted\"\nCVSS:2.0/AV:N\nAV:N/AC:L/Au:N/C:P/I:P/A:P\n",
    ));
    assert_eq!(code, Some(2));
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(keys(&lines[0]), SCORE_KEYS);
    assert_eq!(
        lines[1],
        r#"{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H","error":"invalid CVSS vector: missing mandatory CVSS 3.x base metric S"}"#
    );
    for line in &lines[1..5] {
        assert_eq!(keys(line), ["vector", "error"], "{line}");
        assert!(
            json(line)["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("invalid CVSS vector")),
            "{line}"
        );
    }
    assert_eq!(json(&lines[3])["vector"], "\"quoted\"");
    assert_eq!(json(&lines[5])["base"], 7.5);

    // The same for an argument.
    let (lines, code) =
        run(cvss().args(["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "nonsense"]));
    assert_eq!(code, Some(2));
    assert_eq!(lines.len(), 2);
    assert_eq!(keys(&lines[1]), ["vector", "error"]);
}

#[test]
fn usage_errors_exit_2_and_help_documents_the_output() {
    let out = cvss()
        .arg("--no-such-flag")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let out = cvss()
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "patchwarden cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'",
        r#"{"vector","version","base","temporal","environmental","score","severity"}"#,
        "CVSS-B",
        "Exit codes: 0",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in:\n{help}");
    }
}

/// The RedHat vector files, or `None` after saying why the test is skipped.
fn vector_dir() -> Option<PathBuf> {
    let data = std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo_root().join("../shared/data"));
    let dir = data.join("reference/cvss-vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: RedHat CVSS vector files not found at {} (set PATCHWARDEN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

fn tenths(x: f64) -> i64 {
    (x * 10.0).round() as i64
}

/// `(vector, values)` of each line of a RedHat vector file: `<vector> - (a, b, c)`,
/// `<vector> - (a,)` or `<vector> - a`.
fn read_vectors(dir: &std::path::Path, name: &str) -> Vec<(String, Vec<i64>)> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (vector, values) = line
                .rsplit_once(" - ")
                .unwrap_or_else(|| panic!("{name}: {line}"));
            let values = values
                .trim()
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| tenths(v.parse().unwrap_or_else(|e| panic!("{name}: {line}: {e}"))))
                .collect();
            (vector.to_string(), values)
        })
        .collect()
}

/// Whole files through one invocation, on stdin. `vectors_simple31` holds 3.1 vectors with
/// base metrics only: the command reports their temporal and environmental scores as null,
/// so each is also sent with those groups spelled out in values that score exactly like Not
/// Defined (`E:H`, `MAV` equal to `AV`), which the file's second and third columns describe.
#[test]
fn the_binary_agrees_with_the_redhat_files() {
    let Some(dir) = vector_dir() else {
        return;
    };
    let v31 = read_vectors(&dir, "vectors_simple31");
    let v4 = read_vectors(&dir, "vectors_simple4");
    assert_eq!((v31.len(), v4.len()), (2592, 1058));

    let mut stdin = String::new();
    for (vector, _) in &v31 {
        let av = vector
            .split('/')
            .find_map(|p| p.strip_prefix("AV:"))
            .unwrap_or_else(|| panic!("no AV in {vector}"));
        stdin.push_str(&format!("{vector}\n{vector}/E:H/MAV:{av}\n"));
    }
    for (vector, _) in &v4 {
        stdin.push_str(vector);
        stdin.push('\n');
    }
    let (lines, code) = run(cvss().write_stdin(stdin));
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 2 * v31.len() + v4.len());

    let number = |v: &Value, key: &str| v[key].as_f64().map(tenths);
    let mut mismatches = Vec::new();
    for (i, (vector, want)) in v31.iter().enumerate() {
        let plain = json(&lines[2 * i]);
        let spelled = json(&lines[2 * i + 1]);
        let got = (
            plain["vector"].as_str() == Some(vector.as_str()),
            number(&plain, "base"),
            plain["temporal"].is_null() && plain["environmental"].is_null(),
            number(&plain, "score"),
            number(&spelled, "temporal"),
            number(&spelled, "environmental"),
        );
        let expected = (
            true,
            Some(want[0]),
            true,
            Some(want[0]),
            Some(want[1]),
            Some(want[2]),
        );
        if got != expected {
            mismatches.push(format!(
                "{vector}: {want:?}: {} / {}",
                lines[2 * i],
                lines[2 * i + 1]
            ));
        }
    }
    let offset = 2 * v31.len();
    for (i, (vector, want)) in v4.iter().enumerate() {
        let line = &lines[offset + i];
        let v = json(line);
        let got = (
            v["vector"].as_str() == Some(vector.as_str()),
            number(&v, "score"),
            number(&v, "base"),
        );
        if got != (true, Some(want[0]), Some(want[0])) {
            mismatches.push(format!("{vector}: {want:?}: {line}"));
        }
    }
    eprintln!(
        "patchwarden cvss: {} vectors_simple31 and {} vectors_simple4 lines checked, {} mismatches",
        v31.len(),
        v4.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} lines disagree; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
