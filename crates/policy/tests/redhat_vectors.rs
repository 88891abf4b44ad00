//! Every vector of the RedHat `cvss` library's test files, scored by `cvss::score` and compared
//! with the file to one decimal. The files are read from `../shared/data` beside the
//! repository (never copied into it); the test says so and passes when they are absent.
//!
//! Formats: 2.0 and 3.x lines are `<vector> - (base, temporal, environmental)`, 2.0 with
//! `None` for a group the vector does not carry (and `-0.0` for some zero bases); 4.0 lines are
//! `<vector> - score` or `<vector> - (score,)`.
//!
//! The 3.x files list all three scores for every vector, computed with absent metrics as Not
//! Defined, whereas `score` reports a group the vector does not carry as `None`. For those the
//! test checks the `None` and then scores the vector again with the group spelled out in
//! values that score exactly like Not Defined (`E:H`; `MAV` equal to `AV`), so every number of
//! every line is compared.

use std::collections::HashMap;
use std::path::PathBuf;

use patchwarden_policy::cvss::{CvssScores, score};

/// The RedHat vector files, or `None` after saying why the test is skipped.
fn vector_dir() -> Option<PathBuf> {
    let data = std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
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

/// Every file, its CVSS version and its line count (a truncated file must not pass).
const FILES: [(&str, &str, usize); 11] = [
    ("vectors_simple2", "2.0", 729),
    ("vectors_calculator2", "2.0", 5),
    ("vectors_cvsslib2", "2.0", 24),
    ("vectors_simple3", "3.0", 2592),
    ("vectors_calculator3", "3.0", 2),
    ("vectors_cvsslib3", "3.0", 29),
    ("vectors_simple31", "3.1", 2592),
    ("vectors_simple4", "4.0", 1058),
    ("vectors_security4", "4.0", 54),
    ("vectors_supplemental4", "4.0", 576),
    ("vectors_threat4", "4.0", 6),
];

/// A score in tenths, so `-0.0`, `0.0` and `0` compare equal and nothing depends on `f64`
/// printing.
fn tenths(x: f64) -> i64 {
    (x * 10.0).round() as i64
}

fn show(x: Option<i64>) -> String {
    x.map(|t| format!("{:.1}", t as f64 / 10.0))
        .unwrap_or_else(|| "None".to_string())
}

/// `(vector, expected values)`; a value is `None` where the file says `None`.
fn parse_line(line: &str) -> Result<(&str, Vec<Option<i64>>), String> {
    let (vector, values) = line
        .rsplit_once(" - ")
        .ok_or_else(|| format!("no ` - ` separator in {line:?}"))?;
    let values = values
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| match v {
            "None" => Ok(None),
            n => n
                .parse::<f64>()
                .map(|x| Some(tenths(x)))
                .map_err(|e| format!("{n:?}: {e}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((vector, values))
}

/// The 3.x vector with a group it does not carry written out in values that score exactly
/// as Not Defined does: `E:H` (factor 1, like `E:X`) and `MAV` equal to `AV` (the modified
/// metric then takes the base value, like `MAV:X`). Not-Defined metrics of that group are
/// dropped first so no metric appears twice.
fn spelled_out(vector: &str, temporal: bool, environmental: bool) -> String {
    const TEMPORAL: [&str; 3] = ["E", "RL", "RC"];
    const ENVIRONMENTAL: [&str; 11] = [
        "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut av = "N".to_string();
    for part in vector.split('/') {
        let id = part.split(':').next().unwrap_or_default();
        if id == "AV" {
            av = part.split(':').nth(1).unwrap_or("N").to_string();
        }
        if (temporal && TEMPORAL.contains(&id)) || (environmental && ENVIRONMENTAL.contains(&id)) {
            continue;
        }
        parts.push(part.to_string());
    }
    if temporal {
        parts.push("E:H".to_string());
    }
    if environmental {
        parts.push(format!("MAV:{av}"));
    }
    parts.join("/")
}

/// The differences between `got` and the file's values for one 2.0 or 3.x line.
fn compare_v2_v3(vector: &str, s: &CvssScores, want: &[Option<i64>]) -> Vec<String> {
    let mut problems = Vec::new();
    let [want_base, want_temporal, want_env] = want else {
        return vec![format!(
            "expected three values, the file has {}",
            want.len()
        )];
    };
    let got_base = Some(tenths(s.base));
    if got_base != *want_base {
        problems.push(format!("base {} != {}", show(got_base), show(*want_base)));
    }
    let v3 = s.version != "2.0";
    for (group, got, want, fill) in [
        ("temporal", s.temporal, *want_temporal, (true, false)),
        ("environmental", s.environmental, *want_env, (false, true)),
    ] {
        let got = got.map(tenths);
        if got == want {
            continue;
        }
        if v3 && got.is_none() && want.is_some() {
            // The vector does not carry the group; the file lists it with Not Defined metrics.
            let filled = spelled_out(vector, fill.0, fill.1);
            let again = match score(&filled) {
                Ok(again) => again,
                Err(e) => {
                    problems.push(format!("{group}: {filled}: {e}"));
                    continue;
                }
            };
            let value = if fill.0 {
                again.temporal
            } else {
                again.environmental
            };
            if value.map(tenths) == want {
                continue;
            }
            problems.push(format!(
                "{group} (Not Defined) {} != {}",
                show(value.map(tenths)),
                show(want)
            ));
        } else {
            problems.push(format!("{group} {} != {}", show(got), show(want)));
        }
    }
    let most_specific = s.environmental.or(s.temporal).unwrap_or(s.base);
    if tenths(s.score) != tenths(most_specific) {
        problems.push(format!("score {} is not the most specific one", s.score));
    }
    problems
}

/// The base metrics of a 4.0 vector, in the order the files write them.
fn v4_base_part(vector: &str) -> String {
    const BASE: [&str; 11] = [
        "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
    ];
    let mut parts = vec!["CVSS:4.0"];
    parts.extend(
        vector
            .split('/')
            .filter(|p| BASE.contains(&p.split(':').next().unwrap_or_default())),
    );
    parts.join("/")
}

/// Whether a 4.0 vector's score is its CVSS-B score: it has no threat or environmental
/// metric (supplemental metrics never change a score).
fn v4_only_base_and_supplemental(vector: &str) -> bool {
    const SCORED_BEYOND_BASE: [&str; 15] = [
        "E", "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC",
        "MSI", "MSA",
    ];
    !vector
        .split('/')
        .any(|p| SCORED_BEYOND_BASE.contains(&p.split(':').next().unwrap_or_default()))
}

#[test]
fn every_redhat_vector_scores_as_in_the_files() {
    let Some(dir) = vector_dir() else {
        return;
    };
    let mut mismatches: Vec<String> = Vec::new();
    let mut summary: Vec<String> = Vec::new();
    let mut total = 0;
    // 4.0 CVSS-B scores by base metrics, from the lines without threat or environmental
    // metrics, to check `base` of every 4.0 vector whose base metrics the files score.
    let mut v4_scores: HashMap<String, i64> = HashMap::new();
    let mut v4_bases: Vec<(String, String, i64)> = Vec::new();

    for (name, version, lines_expected) in FILES {
        let path = dir.join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut checked = 0;
        let mut bad = 0;
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            checked += 1;
            let at = format!("{name}:{}", number + 1);
            let problems = match parse_line(line) {
                Err(e) => vec![format!("unreadable line: {e}")],
                Ok((vector, want)) => match score(vector) {
                    Err(e) => vec![format!("rejected: {e}")],
                    Ok(s) if s.version != version => {
                        vec![format!("version {} != {version}", s.version)]
                    }
                    Ok(s) if version == "4.0" => match want.as_slice() {
                        [Some(w)] => {
                            if v4_only_base_and_supplemental(vector) {
                                v4_scores.insert(v4_base_part(vector), *w);
                            }
                            v4_bases.push((at.clone(), v4_base_part(vector), tenths(s.base)));
                            let problems = if *w == tenths(s.score) {
                                Vec::new()
                            } else {
                                vec![format!("score {} != {}", s.score, show(Some(*w)))]
                            };
                            if s.temporal.is_some() || s.environmental.is_some() {
                                vec!["4.0 temporal/environmental must be None".to_string()]
                            } else {
                                problems
                            }
                        }
                        _ => vec![format!("expected one score, the file has {want:?}")],
                    },
                    Ok(s) => compare_v2_v3(vector, &s, &want),
                },
            };
            if !problems.is_empty() {
                bad += 1;
                mismatches.push(format!("{at}: {line}: {}", problems.join("; ")));
            }
        }
        assert_eq!(
            checked,
            lines_expected,
            "{}: unexpected number of vectors",
            path.display()
        );
        total += checked;
        summary.push(format!(
            "{name} ({version}): {checked} checked, {bad} mismatches"
        ));
    }

    // CVSS-B: wherever the files also score the vector's base metrics alone, `base` must be
    // that score.
    let mut base_checked = 0;
    for (at, base_vector, got) in &v4_bases {
        if let Some(want) = v4_scores.get(base_vector) {
            base_checked += 1;
            if want != got {
                mismatches.push(format!(
                    "{at}: CVSS-B {} != {} ({base_vector})",
                    show(Some(*got)),
                    show(Some(*want))
                ));
            }
        }
    }
    summary.push(format!(
        "4.0 CVSS-B: {base_checked} vectors whose base metrics the files also score alone"
    ));

    eprintln!("RedHat CVSS vectors: {total} checked");
    for line in &summary {
        eprintln!("  {line}");
    }
    assert!(base_checked > 0, "no 4.0 base vector found to check CVSS-B");
    assert!(
        mismatches.is_empty(),
        "{} of {total} vectors disagree with the RedHat files; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn spelled_out_groups_score_like_not_defined() {
    // The substitution the test relies on, checked where the answer is known: a 3.1
    // scope-changed vector, whose default environmental score differs from its base.
    let v = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H";
    let filled = spelled_out(v, true, true);
    assert_eq!(filled, format!("{v}/E:H/MAV:N"));
    let s = score(&filled).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (s.base, s.temporal, s.environmental),
        (9.6, Some(9.6), Some(9.7))
    );
    // Not-Defined metrics of the group are replaced, not duplicated.
    let v = "CVSS:3.0/S:U/AV:L/AC:L/PR:H/UI:N/C:L/I:L/A:N/RL:X/MC:X";
    assert_eq!(
        spelled_out(v, true, true),
        "CVSS:3.0/S:U/AV:L/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:H/MAV:L"
    );
}
