//! `patchwarden cvss`: score CVSS vectors of any version and write one JSON object per line,
//! to check a vector by hand or score a list of them in a script.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use patchwarden_policy::cvss::{CvssScores, score};

/// Exit code when some vector was invalid.
const EXIT_INVALID: u8 = 2;

/// Scores `vectors`, or every non-blank line of `input` when there are none, writing one JSON
/// line each to `out`. Returns the exit code: 0 when every vector was valid, 2 otherwise.
pub fn run(vectors: &[String], mut input: impl BufRead, out: impl Write) -> Result<u8> {
    let mut out = std::io::BufWriter::new(out);
    let mut all_valid = true;
    if vectors.is_empty() {
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = input
                .read_until(b'\n', &mut line)
                .context("standard input")?;
            if read == 0 {
                break;
            }
            // Bytes that are not UTF-8 make an invalid vector, reported on its line like any
            // other, rather than stopping the whole run.
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            all_valid &= write_line(&text, &mut out)?;
        }
    } else {
        for vector in vectors {
            all_valid &= write_line(vector, &mut out)?;
        }
    }
    out.flush().context("standard output")?;
    Ok(if all_valid { 0 } else { EXIT_INVALID })
}

/// Writes the scores of one vector, or its error; returns whether it was valid.
fn write_line(vector: &str, out: &mut impl Write) -> Result<bool> {
    let (line, valid) = match score(vector) {
        Ok(scores) => (scores_json(&scores), true),
        Err(e) => (
            format!(
                r#"{{"vector":{},"error":{}}}"#,
                json_string(vector.trim()),
                json_string(&e.to_string())
            ),
            false,
        ),
    };
    writeln!(out, "{line}").context("standard output")?;
    Ok(valid)
}

/// `{"vector","version","base","temporal","environmental","score","severity"}`, in that order,
/// scores as numbers with one decimal.
fn scores_json(s: &CvssScores) -> String {
    format!(
        r#"{{"vector":{},"version":{},"base":{},"temporal":{},"environmental":{},"score":{},"severity":{}}}"#,
        json_string(&s.vector),
        json_string(s.version),
        number(s.base),
        s.temporal.map(number).unwrap_or_else(|| "null".to_string()),
        s.environmental
            .map(number)
            .unwrap_or_else(|| "null".to_string()),
        number(s.score),
        json_string(s.severity.as_str()),
    )
}

/// A score as a JSON number with one decimal (`9.8`, `0.0`, `10.0`).
fn number(x: f64) -> String {
    format!("{x:.1}")
}

/// A JSON string literal, escaped.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(vectors: &[&str], stdin: &[u8]) -> (String, u8) {
        let vectors: Vec<String> = vectors.iter().map(|v| v.to_string()).collect();
        let mut out = Vec::new();
        let code = run(&vectors, stdin, &mut out).unwrap_or_else(|e| panic!("{e}"));
        (String::from_utf8_lossy(&out).into_owned(), code)
    }

    #[test]
    fn arguments_win_over_stdin() {
        let (text, code) = output(
            &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
            b"AV:N/AC:L/Au:N/C:P/I:P/A:P\n",
        );
        assert_eq!(
            text,
            "{\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\",\"version\":\"3.1\",\"base\":9.8,\"temporal\":null,\"environmental\":null,\"score\":9.8,\"severity\":\"Critical\"}\n"
        );
        assert_eq!(code, 0);
    }

    #[test]
    fn stdin_lines_blank_and_invalid() {
        let (text, code) = output(
            &[],
            b"\n  AV:N/AC:L/Au:N/C:P/I:P/A:P  \r\n\nnot \"a\" vector\n\xff\xfe",
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with(
                r#"{"vector":"AV:N/AC:L/Au:N/C:P/I:P/A:P","version":"2.0","base":7.5,"#
            )
        );
        assert!(
            lines[1].starts_with(r#"{"vector":"not \"a\" vector","error":"invalid CVSS vector"#),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains(r#""error":"#), "{}", lines[2]);
        assert_eq!(code, 2);
    }
}
