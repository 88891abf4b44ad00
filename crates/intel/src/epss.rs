//! FIRST EPSS (Exploit Prediction Scoring System) daily score files.
//!
//! The official layout (`epss_scores-YYYY-MM-DD.csv.gz`) is a CSV file, usually gzip-compressed,
//! that starts with a metadata comment line and a header:
//!
//! ```text
//! #model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000
//! cve,epss,percentile
//! CVE-1999-0001,0.00383,0.73075
//! ```
//!
//! Read: `model_version` and `score_date` from the `#` line(s) before the header (either may be
//! missing; other keys are ignored), then one [`EpssScore`] per row from the `cve`, `epss` and
//! `percentile` columns.
//!
//! Validation: the header must be exactly `cve,epss,percentile`; every row must have three
//! fields, a CVE id shaped `CVE-YYYY-NNNN`, and both scores in `[0, 1]`. A bad row fails the
//! whole file with its line number. Gzip input is recognised by its magic bytes (`1f 8b`) and
//! decompressed on the fly; the input is read line by line, never held whole in memory. Blank
//! lines, a UTF-8 byte order mark and CRLF line ends are tolerated.

use std::io::{BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

use crate::kev::{FeedError, is_cve_id};

/// The header every EPSS file must have.
const HEADER: &str = "cve,epss,percentile";
/// Longest line accepted, in bytes; real lines are under 100 bytes.
const MAX_LINE_BYTES: usize = 64 * 1024;
/// The gzip magic number.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A parsed EPSS score file.
#[derive(Debug, Clone, PartialEq)]
pub struct EpssFile {
    /// `model_version` from the metadata line, as given (e.g. `v2023.03.01`).
    pub model_version: Option<String>,
    /// `score_date` from the metadata line, as given (e.g. `2026-08-16T00:00:00+0000`).
    pub score_date: Option<String>,
    /// One score per row, in file order.
    pub scores: Vec<EpssScore>,
}

/// The EPSS score of one CVE.
#[derive(Debug, Clone, PartialEq)]
pub struct EpssScore {
    /// The CVE id, e.g. `CVE-2021-44228`.
    pub cve: String,
    /// Probability of exploitation in the next 30 days, in `[0, 1]`.
    pub epss: f64,
    /// Percentile of this score among all scored CVEs, in `[0, 1]`.
    pub percentile: f64,
}

/// Parses an EPSS score file, plain CSV or gzip-compressed (detected by its magic bytes).
///
/// Fails with [`FeedError::Line`] on a wrong header or a bad row (with the one-based line
/// number), and [`FeedError::Read`] when reading or decompressing fails.
pub fn parse_epss(reader: impl Read) -> Result<EpssFile, FeedError> {
    let mut reader = reader;
    let mut magic = [0u8; 2];
    let mut have = 0;
    while have < magic.len() {
        let Some(rest) = magic.get_mut(have..) else {
            break;
        };
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(FeedError::Read { line: 1, source }),
        }
    }
    let prefix = std::io::Cursor::new(magic.get(..have).unwrap_or_default().to_vec());
    let input = BufReader::new(prefix.chain(reader));
    if have == magic.len() && magic == GZIP_MAGIC {
        parse_lines(BufReader::new(MultiGzDecoder::new(input)))
    } else {
        parse_lines(input)
    }
}

fn parse_lines(mut input: impl BufRead) -> Result<EpssFile, FeedError> {
    let mut file = EpssFile {
        model_version: None,
        score_date: None,
        scores: Vec::new(),
    };
    let mut seen_header = false;
    let mut buf = Vec::with_capacity(128);
    let mut line: u64 = 0;
    loop {
        line += 1;
        buf.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| FeedError::Read { line, source })?;
        if read == 0 {
            break;
        }
        let bad = |reason: String| FeedError::Line { line, reason };
        if buf.len() > MAX_LINE_BYTES {
            return Err(bad(format!("line longer than {MAX_LINE_BYTES} bytes")));
        }
        let text = std::str::from_utf8(&buf).map_err(|e| bad(format!("not valid UTF-8: {e}")))?;
        let text = if line == 1 {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        if !seen_header {
            if let Some(meta) = text.strip_prefix('#') {
                read_metadata(meta, &mut file);
                continue;
            }
            let found: Vec<&str> = text.split(',').map(str::trim).collect();
            if found != ["cve", "epss", "percentile"] {
                return Err(bad(format!(
                    "invalid EPSS header `{text}`: expected `{HEADER}`"
                )));
            }
            seen_header = true;
            continue;
        }
        if text.starts_with('#') {
            return Err(bad(format!(
                "comment line `{text}` after the header; metadata belongs before `{HEADER}`"
            )));
        }
        file.scores.push(parse_row(text).map_err(bad)?);
    }
    if !seen_header {
        return Err(FeedError::NotFeed {
            expected: "an EPSS CSV file",
            reason: format!("no `{HEADER}` header line"),
        });
    }
    Ok(file)
}

/// Reads `model_version:...,score_date:...` (the text after `#`) into `file`.
fn read_metadata(meta: &str, file: &mut EpssFile) {
    for pair in meta.split(',') {
        let Some((key, value)) = pair.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "model_version" => file.model_version = Some(value.to_string()),
            "score_date" => file.score_date = Some(value.to_string()),
            _ => {}
        }
    }
}

fn parse_row(text: &str) -> Result<EpssScore, String> {
    let mut fields = text.split(',');
    let (Some(cve), Some(epss), Some(percentile), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(format!(
            "expected 3 fields (cve,epss,percentile), found {}: `{text}`",
            text.split(',').count()
        ));
    };
    let cve = cve.trim();
    if !is_cve_id(cve) {
        return Err(format!("`{cve}` is not a CVE id (CVE-YYYY-NNNN)"));
    }
    Ok(EpssScore {
        cve: cve.to_string(),
        epss: probability(epss, "epss", cve)?,
        percentile: probability(percentile, "percentile", cve)?,
    })
}

fn probability(field: &str, column: &str, cve: &str) -> Result<f64, String> {
    let field = field.trim();
    match field.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        Ok(v) if v.is_finite() => Err(format!("{cve}: {column} `{field}` is outside [0, 1]")),
        _ => Err(format!("{cve}: {column} `{field}` is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SAMPLE: &str = "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\n\
        cve,epss,percentile\n\
        CVE-1999-0001,0.00383,0.73075\n\
        CVE-2024-123456,1,0.0\n";

    fn parse(text: &str) -> Result<EpssFile, FeedError> {
        parse_epss(text.as_bytes())
    }

    fn err_of(text: &str) -> String {
        match parse(text) {
            Ok(f) => panic!("expected an error, parsed {f:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        enc.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_plain_csv() {
        let file = parse(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.model_version.as_deref(), Some("v2023.03.01"));
        assert_eq!(file.score_date.as_deref(), Some("2025-02-20T00:00:00+0000"));
        assert_eq!(
            file.scores,
            [
                EpssScore {
                    cve: "CVE-1999-0001".into(),
                    epss: 0.00383,
                    percentile: 0.73075
                },
                EpssScore {
                    cve: "CVE-2024-123456".into(),
                    epss: 1.0,
                    percentile: 0.0
                },
            ]
        );
    }

    #[test]
    fn gzip_is_detected_and_matches_plain() {
        let plain = parse(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
        let zipped = parse_epss(&gzip(SAMPLE.as_bytes())[..]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plain, zipped);
        // Concatenated gzip members are one stream, as with `cat a.gz b.gz`.
        let (head, tail) = SAMPLE.split_at(SAMPLE.find("CVE-2024").unwrap_or(0));
        let mut two = gzip(head.as_bytes());
        two.extend(gzip(tail.as_bytes()));
        assert_eq!(
            parse_epss(&two[..]).unwrap_or_else(|e| panic!("{e}")),
            plain
        );
    }

    /// A reader that hands out one byte per call, to exercise the magic-byte peek.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn byte_at_a_time_readers_work() {
        let zipped = gzip(SAMPLE.as_bytes());
        let a = parse_epss(Trickle(&zipped)).unwrap_or_else(|e| panic!("{e}"));
        let b = parse_epss(Trickle(SAMPLE.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b);
        assert_eq!(a.scores.len(), 2);
    }

    #[test]
    fn metadata_is_optional_and_tolerant() {
        let file = parse("cve,epss,percentile\r\nCVE-2020-0001,0.5,0.5\r\n\r\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((file.model_version, file.score_date), (None, None));
        assert_eq!(file.scores.len(), 1);
        let file = parse("\u{feff}#model_version:v1\ncve,epss,percentile\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.model_version.as_deref(), Some("v1"));
        assert_eq!(file.score_date, None);
        assert!(file.scores.is_empty());
        let file =
            parse("#score_date:2022-01-01T00:00:00+0000,extra:1,junk\ncve,epss,percentile\n")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.score_date.as_deref(), Some("2022-01-01T00:00:00+0000"));
        assert_eq!(file.model_version, None);
    }

    #[test]
    fn wrong_header_fails_with_a_clear_message() {
        assert_eq!(
            err_of("#model_version:v1\ninvalid,header,format\nCVE-2024-6775,0.1,0.2\n"),
            "line 2: invalid EPSS header `invalid,header,format`: expected `cve,epss,percentile`"
        );
        assert!(err_of("cve,epss\nCVE-2020-0001,0.5\n").starts_with("line 1: invalid EPSS header"));
        assert!(err_of("CVE-2020-0001,0.5,0.5\n").starts_with("line 1: invalid EPSS header"));
        assert_eq!(
            err_of(""),
            "not an EPSS CSV file: no `cve,epss,percentile` header line"
        );
        assert!(err_of("#model_version:v1\n").contains("no `cve,epss,percentile` header"));
    }

    #[test]
    fn bad_rows_fail_with_their_line_number() {
        let head = "#m\ncve,epss,percentile\nCVE-2020-0001,0.1,0.2\n";
        let cases = [
            (
                "CVE-2020-0002,1.5,0.2",
                "line 4: CVE-2020-0002: epss `1.5` is outside [0, 1]",
            ),
            (
                "CVE-2020-0002,0.5,-0.1",
                "line 4: CVE-2020-0002: percentile `-0.1` is outside [0, 1]",
            ),
            (
                "CVE-2020-0002,NaN,0.1",
                "line 4: CVE-2020-0002: epss `NaN` is not a number",
            ),
            (
                "CVE-2020-0002,inf,0.1",
                "line 4: CVE-2020-0002: epss `inf` is not a number",
            ),
            (
                "CVE-2020-0002,abc,0.1",
                "line 4: CVE-2020-0002: epss `abc` is not a number",
            ),
            (
                "CVE-2020-0002,,0.1",
                "line 4: CVE-2020-0002: epss `` is not a number",
            ),
            (
                "CVE-20-0002,0.1,0.1",
                "line 4: `CVE-20-0002` is not a CVE id (CVE-YYYY-NNNN)",
            ),
            (
                "CVE-2020-0002,0.1",
                "line 4: expected 3 fields (cve,epss,percentile), found 2: `CVE-2020-0002,0.1`",
            ),
            (
                "CVE-2020-0002,0.1,0.1,0.1",
                "line 4: expected 3 fields (cve,epss,percentile), found 4: `CVE-2020-0002,0.1,0.1,0.1`",
            ),
            (
                "#model_version:v2",
                "line 4: comment line `#model_version:v2` after the header; metadata belongs before `cve,epss,percentile`",
            ),
        ];
        for (row, expected) in cases {
            assert_eq!(err_of(&format!("{head}{row}\n")), expected, "{row}");
        }
        // A blank line still counts toward the line number.
        assert!(err_of(&format!("{head}\nbad\n")).starts_with("line 5: "));
    }

    #[test]
    fn broken_bytes_fail_cleanly() {
        let err = match parse_epss(&b"cve,epss,percentile\nCVE-2020-0001,0.1,\xff\n"[..]) {
            Ok(f) => panic!("{f:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err.starts_with("line 2: not valid UTF-8"), "{err}");
        let long = format!(
            "cve,epss,percentile\nCVE-2020-0001,0.1,{}\n",
            "0".repeat(MAX_LINE_BYTES)
        );
        assert!(err_of(&long).starts_with("line 2: line longer than"));
        // Truncated gzip: a read error, with the line being read.
        let zipped = gzip(SAMPLE.as_bytes());
        let cut = zipped.get(..zipped.len() - 10).unwrap_or_default();
        match parse_epss(cut) {
            Err(FeedError::Read { .. }) => {}
            other => panic!("expected a read error, got {other:?}"),
        }
        // Only the gzip magic.
        assert!(parse_epss(&GZIP_MAGIC[..]).is_err());
        // A single byte is neither gzip nor a header.
        assert!(parse_epss(&[0x1f][..]).is_err());
    }
}
