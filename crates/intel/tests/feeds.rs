//! The KEV, EPSS and NVD parsers on the real feed files in the shared data folder, each checked
//! against an independent reading of the same file (plain `serde_json` or a line scan), plus a
//! deterministic mutation loop: every truncation and many byte flips of the small real
//! fixtures must give `Ok` or `Err`, never a panic.
//!
//! The data is found at `$PATCHWARDEN_SHARED_DATA` or `<repo>/../shared/data`; when it is
//! missing the tests print `skipping: ...` and pass.

use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use patchwarden_intel::epss::{EpssFile, parse_epss};
use patchwarden_intel::kev::{FeedError, parse_kev};
use patchwarden_intel::nvd::{NvdCve, parse_nvd_page};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn shared_data() -> Option<PathBuf> {
    let dir = match std::env::var_os("PATCHWARDEN_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    if dir.join("kev").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: shared data not found at {}", dir.display());
        None
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn json(bytes: &[u8]) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_slice(bytes)?)
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------- KEV

#[test]
fn kev_real_catalog_matches_an_independent_reading() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let bytes = read(&data.join("kev/known_exploited_vulnerabilities.json"))?;
    let catalog = parse_kev(&bytes)?;
    let raw = json(&bytes)?;
    let raw_entries = array(&raw, "vulnerabilities");

    assert_eq!(catalog.entries.len(), 1404);
    assert_eq!(raw_entries.len(), 1404);
    assert_eq!(raw.get("count").and_then(Value::as_u64), Some(1404));
    assert_eq!(
        Some(catalog.catalog_version.as_str()),
        str_field(&raw, "catalogVersion")
    );
    assert_eq!(
        Some(catalog.date_released.as_str()),
        str_field(&raw, "dateReleased")
    );

    // Log4Shell, with its dates read from the file.
    let log4shell = catalog
        .entries
        .iter()
        .find(|e| e.cve_id == "CVE-2021-44228")
        .ok_or("CVE-2021-44228 missing from the parsed catalog")?;
    let raw_log4shell = raw_entries
        .iter()
        .find(|e| str_field(e, "cveID") == Some("CVE-2021-44228"))
        .ok_or("CVE-2021-44228 missing from the file")?;
    let (added, due) = (
        str_field(raw_log4shell, "dateAdded").ok_or("no dateAdded")?,
        str_field(raw_log4shell, "dueDate").ok_or("no dueDate")?,
    );
    assert_eq!(log4shell.date_added, added);
    assert_eq!(log4shell.due_date, due);
    eprintln!("  CVE-2021-44228: dateAdded {added}, dueDate {due}");

    // Ransomware flags.
    let known = catalog
        .entries
        .iter()
        .filter(|e| e.known_ransomware_campaign_use)
        .count();
    let raw_known = raw_entries
        .iter()
        .filter(|e| str_field(e, "knownRansomwareCampaignUse") == Some("Known"))
        .count();
    assert_eq!(known, raw_known);
    assert!(known > 0 && known < 1404);
    eprintln!("  {known} entries with known ransomware use");

    // Every field of every entry, in order.
    for (entry, raw) in catalog.entries.iter().zip(raw_entries) {
        let s = |key| str_field(raw, key).unwrap_or_default();
        assert_eq!(entry.cve_id, s("cveID"));
        assert_eq!(entry.vendor_project, s("vendorProject"), "{}", entry.cve_id);
        assert_eq!(entry.product, s("product"), "{}", entry.cve_id);
        assert_eq!(
            entry.vulnerability_name,
            s("vulnerabilityName"),
            "{}",
            entry.cve_id
        );
        assert_eq!(entry.date_added, s("dateAdded"), "{}", entry.cve_id);
        assert_eq!(
            entry.short_description,
            s("shortDescription"),
            "{}",
            entry.cve_id
        );
        assert_eq!(
            entry.required_action,
            s("requiredAction"),
            "{}",
            entry.cve_id
        );
        assert_eq!(entry.due_date, s("dueDate"), "{}", entry.cve_id);
        assert_eq!(entry.notes, s("notes"), "{}", entry.cve_id);
        let cwes: Vec<&str> = array(raw, "cwes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(entry.cwes, cwes, "{}", entry.cve_id);
    }
    Ok(())
}

#[test]
fn kev_parser_rejects_the_other_feeds() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let nvd = read(&data.join("nvd/cves-2.0-sample.json"))?;
    let err = parse_kev(&nvd).err().ok_or("an NVD page parsed as KEV")?;
    assert_eq!(
        err.to_string(),
        "not a CISA KEV catalog: missing `catalogVersion`"
    );
    assert!(matches!(err, FeedError::NotFeed { .. }));
    let schema = read(&data.join("kev/known_exploited_vulnerabilities_schema.json"))?;
    let err = parse_kev(&schema)
        .err()
        .ok_or("the KEV schema parsed as a catalog")?;
    assert!(
        err.to_string().starts_with("not a CISA KEV catalog: "),
        "{err}"
    );
    Ok(())
}

// --------------------------------------------------------------------------------------- EPSS

/// The `CVE-2021-44228` row and the number of CVE rows, by scanning the gzip file's lines.
fn scan_epss(path: &Path) -> Result<(String, usize), Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path)?;
    let lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let mut row = None;
    let mut count = 0;
    for line in lines {
        let line = line?;
        if line.starts_with("CVE-") {
            count += 1;
        }
        if line.starts_with("CVE-2021-44228,") {
            row = Some(line);
        }
    }
    Ok((row.ok_or("CVE-2021-44228 not in the EPSS file")?, count))
}

#[test]
fn epss_real_scores() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let path = data.join("epss/epss_scores.csv.gz");
    let parsed = parse_epss(std::fs::File::open(&path)?)?;
    let (row, rows) = scan_epss(&path)?;

    assert_eq!(parsed.scores.len(), 360_142);
    assert_eq!(rows, 360_142);
    assert_eq!(
        parsed.score_date.as_deref(),
        Some("2026-08-16T00:00:00+0000")
    );
    assert_eq!(parsed.model_version.as_deref(), Some("unknown"));

    let fields: Vec<&str> = row.split(',').collect();
    let [_, epss, percentile] = fields.as_slice() else {
        return Err(format!("unexpected row {row:?}").into());
    };
    let log4shell = parsed
        .scores
        .iter()
        .find(|s| s.cve == "CVE-2021-44228")
        .ok_or("CVE-2021-44228 not parsed")?;
    assert_eq!(log4shell.epss, epss.parse::<f64>()?);
    assert_eq!(log4shell.percentile, percentile.parse::<f64>()?);
    eprintln!("  CVE-2021-44228: epss {epss}, percentile {percentile}");
    assert!(
        parsed
            .scores
            .iter()
            .all(|s| (0.0..=1.0).contains(&s.epss) && (0.0..=1.0).contains(&s.percentile))
    );
    Ok(())
}

/// The `cve,epss,percentile` rows of a small CSV, split by hand.
fn rows_of(text: &str) -> Vec<(String, f64, f64)> {
    text.lines()
        .filter(|l| l.starts_with("CVE-"))
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((
                f.next()?.to_string(),
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
            ))
        })
        .collect()
}

fn triples(file: &EpssFile) -> Vec<(String, f64, f64)> {
    file.scores
        .iter()
        .map(|s| (s.cve.clone(), s.epss, s.percentile))
        .collect()
}

#[test]
fn epss_official_fixtures() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let fixtures = data.join("epss/fixtures");

    let text = String::from_utf8(read(&fixtures.join("example-1.csv"))?)?;
    let parsed = parse_epss(text.as_bytes())?;
    assert_eq!(parsed.model_version.as_deref(), Some("v2023.03.01"));
    assert_eq!(
        parsed.score_date.as_deref(),
        Some("2025-02-20T00:00:00+0000")
    );
    assert_eq!(parsed.scores.len(), 5);
    assert_eq!(triples(&parsed), rows_of(&text));
    // The same file gzip-compressed parses the same.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes())?;
    assert_eq!(parse_epss(&enc.finish()?[..])?, parsed);

    let err = parse_epss(&read(&fixtures.join("invalid-header.csv"))?[..])
        .err()
        .ok_or("invalid-header.csv parsed")?;
    assert_eq!(
        err.to_string(),
        "line 2: invalid EPSS header `invalid,header,format`: expected `cve,epss,percentile`"
    );

    let text = String::from_utf8(read(&fixtures.join("missing-date.csv"))?)?;
    let parsed = parse_epss(text.as_bytes())?;
    assert_eq!(parsed.score_date, None);
    assert_eq!(parsed.model_version.as_deref(), Some("v2023.03.01"));
    assert_eq!(parsed.scores.len(), 5);
    assert_eq!(triples(&parsed), rows_of(&text));
    Ok(())
}

// ---------------------------------------------------------------------------------------- NVD

/// One CVSS metric read straight from the JSON: version, vector, score, source, primary.
type RawCvss = (String, String, Option<f64>, Option<String>, bool);

/// The CVSS metrics, CWEs, references and English description of one `cve` object, read
/// without the parser.
fn independent(cve: &Value) -> (Vec<RawCvss>, Vec<String>, Vec<String>, Option<String>) {
    let metrics = cve.get("metrics").cloned().unwrap_or(Value::Null);
    let mut cvss = Vec::new();
    for key in [
        "cvssMetricV40",
        "cvssMetricV31",
        "cvssMetricV30",
        "cvssMetricV2",
    ] {
        for m in array(&metrics, key) {
            let data = m.get("cvssData").cloned().unwrap_or(Value::Null);
            cvss.push((
                str_field(&data, "version").unwrap_or_default().to_string(),
                str_field(&data, "vectorString")
                    .unwrap_or_default()
                    .to_string(),
                data.get("baseScore").and_then(Value::as_f64),
                str_field(m, "source").map(str::to_string),
                str_field(m, "type") == Some("Primary"),
            ));
        }
    }
    let mut cwes: Vec<String> = Vec::new();
    for w in array(cve, "weaknesses") {
        for d in array(w, "description") {
            if let Some(v) = str_field(d, "value")
                && v.starts_with("CWE-")
                && !cwes.iter().any(|c| c == v)
            {
                cwes.push(v.to_string());
            }
        }
    }
    let refs = array(cve, "references")
        .iter()
        .filter_map(|r| str_field(r, "url").map(str::to_string))
        .collect();
    let description = array(cve, "descriptions")
        .iter()
        .find(|d| str_field(d, "lang") == Some("en"))
        .and_then(|d| str_field(d, "value"))
        .map(str::to_string);
    (cvss, cwes, refs, description)
}

fn parsed_cvss(cve: &NvdCve) -> Vec<RawCvss> {
    cve.cvss
        .iter()
        .map(|c| {
            (
                c.version.clone(),
                c.vector.clone(),
                c.base_score,
                c.source.clone(),
                c.primary,
            )
        })
        .collect()
}

#[test]
fn nvd_sample_matches_an_independent_reading() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let bytes = read(&data.join("nvd/cves-2.0-sample.json"))?;
    let page = parse_nvd_page(&bytes)?;
    let raw = json(&bytes)?;
    let raw_vulns = array(&raw, "vulnerabilities");

    assert_eq!(page.cves.len(), 79);
    assert_eq!(raw_vulns.len(), 79);
    assert_eq!(
        Some(page.results_per_page),
        raw.get("resultsPerPage").and_then(Value::as_u64)
    );
    assert_eq!(
        Some(page.start_index),
        raw.get("startIndex").and_then(Value::as_u64)
    );
    assert_eq!(
        Some(page.total_results),
        raw.get("totalResults").and_then(Value::as_u64)
    );
    assert_eq!(page.timestamp.as_deref(), str_field(&raw, "timestamp"));

    let mut metrics = 0;
    for (cve, raw) in page.cves.iter().zip(raw_vulns) {
        let raw = raw.get("cve").ok_or("no cve object")?;
        assert_eq!(Some(cve.id.as_str()), str_field(raw, "id"));
        assert_eq!(
            cve.published.as_deref(),
            str_field(raw, "published"),
            "{}",
            cve.id
        );
        assert_eq!(
            cve.last_modified.as_deref(),
            str_field(raw, "lastModified"),
            "{}",
            cve.id
        );
        assert_eq!(
            cve.vuln_status.as_deref(),
            str_field(raw, "vulnStatus"),
            "{}",
            cve.id
        );
        let (cvss, cwes, refs, description) = independent(raw);
        assert_eq!(parsed_cvss(cve), cvss, "{}", cve.id);
        assert_eq!(cve.cwes, cwes, "{}", cve.id);
        assert_eq!(cve.references, refs, "{}", cve.id);
        assert_eq!(cve.description, description, "{}", cve.id);
        metrics += cvss.len();
    }
    eprintln!("  79 CVEs, {metrics} CVSS metrics");

    let find = |id: &str| {
        let parsed = page.cves.iter().find(|c| c.id == id);
        let raw = raw_vulns
            .iter()
            .filter_map(|v| v.get("cve"))
            .find(|c| str_field(c, "id") == Some(id));
        parsed.zip(raw).ok_or(format!("{id} missing"))
    };

    // CVE-2024-5732: CVSS 4.0, two 3.1 (NVD primary, CNA secondary) and an unprefixed 2.0.
    let (cve, raw) = find("CVE-2024-5732")?;
    let (cvss, cwes, refs, _) = independent(raw);
    let versions: Vec<&str> = cve.cvss.iter().map(|c| c.version.as_str()).collect();
    assert_eq!(versions, ["4.0", "3.1", "3.1", "2.0"]);
    assert_eq!(parsed_cvss(cve), cvss);
    let v2 = cve
        .cvss
        .iter()
        .find(|c| c.version == "2.0")
        .ok_or("no v2")?;
    assert!(!v2.vector.starts_with("CVSS:") && v2.vector.starts_with("AV:"));
    assert!(
        cve.cvss
            .iter()
            .filter(|c| c.version != "2.0")
            .all(|c| c.vector.starts_with("CVSS:"))
    );
    assert_eq!(cve.cvss.iter().filter(|c| c.primary).count(), 1);
    assert_eq!(cve.cwes, cwes);
    assert_eq!(cve.cwes, ["CWE-287"]);
    assert_eq!(cve.references, refs);
    assert_eq!(cve.references.len(), 4);

    // CVE-2021-38859: NVD-CWE-noinfo next to a real CWE; the placeholder is dropped.
    let (cve, raw) = find("CVE-2021-38859")?;
    let raw_weakness_values: Vec<&str> = array(raw, "weaknesses")
        .iter()
        .flat_map(|w| array(w, "description"))
        .filter_map(|d| str_field(d, "value"))
        .collect();
    assert!(raw_weakness_values.contains(&"NVD-CWE-noinfo"));
    let (cvss, cwes, refs, _) = independent(raw);
    assert_eq!(cve.cwes, cwes);
    assert_eq!(cve.cwes, ["CWE-200"]);
    assert_eq!(parsed_cvss(cve), cvss);
    assert_eq!(cve.references, refs);

    // CVE-2020-8167 lists CWE-352 twice; it is kept once.
    let (cve, raw) = find("CVE-2020-8167")?;
    let twice = array(raw, "weaknesses")
        .iter()
        .flat_map(|w| array(w, "description"))
        .filter(|d| str_field(d, "value") == Some("CWE-352"))
        .count();
    assert_eq!(twice, 2);
    assert_eq!(cve.cwes, ["CWE-352"]);
    Ok(())
}

#[test]
fn nvd_api_paging_responses() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let dir = data.join("nvd/api-paging");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.retain(|p| p.extension().is_some_and(|e| e == "json"));
    names.sort();
    assert_eq!(names.len(), 5);
    for path in &names {
        let bytes = read(path)?;
        let page = parse_nvd_page(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let raw = json(&bytes)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_eq!(
            Some(page.results_per_page),
            raw.get("resultsPerPage").and_then(Value::as_u64),
            "{name}"
        );
        assert_eq!(
            Some(page.start_index),
            raw.get("startIndex").and_then(Value::as_u64),
            "{name}"
        );
        assert_eq!(
            Some(page.total_results),
            raw.get("totalResults").and_then(Value::as_u64),
            "{name}"
        );
        assert_eq!(
            page.timestamp.as_deref(),
            str_field(&raw, "timestamp"),
            "{name}"
        );
        let raw_vulns = array(&raw, "vulnerabilities");
        assert_eq!(page.cves.len(), raw_vulns.len(), "{name}");
        for (cve, raw) in page.cves.iter().zip(raw_vulns) {
            assert_eq!(
                Some(cve.id.as_str()),
                raw.get("cve").and_then(|c| str_field(c, "id"))
            );
        }
        eprintln!(
            "  {name}: resultsPerPage {}, startIndex {}, totalResults {}, {} CVEs",
            page.results_per_page,
            page.start_index,
            page.total_results,
            page.cves.len()
        );
        if name == "emptyResp.json" {
            assert!(page.cves.is_empty());
            assert_eq!(page.total_results, 0);
        } else {
            assert!(!page.cves.is_empty(), "{name}");
        }
    }
    Ok(())
}

#[test]
fn nvd_parser_rejects_other_documents() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let kev = read(&data.join("kev/known_exploited_vulnerabilities.json"))?;
    let err = parse_nvd_page(&kev)
        .err()
        .ok_or("KEV parsed as an NVD page")?;
    assert_eq!(
        err.to_string(),
        "not an NVD CVE API 2.0 response: missing `resultsPerPage`"
    );
    let mut legacy = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(
        data.join("nvd/legacy-1.1-sample.json.gz"),
    )?)
    .read_to_end(&mut legacy)?;
    let err = parse_nvd_page(&legacy).err().ok_or("a 1.1 feed parsed")?;
    assert!(err.to_string().contains("retired NVD JSON 1.1"), "{err}");
    Ok(())
}

// ------------------------------------------------------------------------ mutation (fuzz-like)

/// Runs every parser on `input` and fails the test, naming the mutation, if one panics.
fn no_panic(input: &[u8], what: &dyn Fn() -> String) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let _ = parse_kev(input);
        let _ = parse_nvd_page(input);
        let _ = parse_epss(input);
    }));
    if outcome.is_err() {
        panic!("a parser panicked on {}", what());
    }
}

/// Inputs up to this size get every replacement at every position; larger ones get one.
const SMALL_FIXTURE: usize = 1024;

/// Every truncation, then, at every position, byte replacements: for small inputs the
/// complement, a case flip and every JSON/CSV structural byte; for larger ones (a few KB of
/// JSON, slow to parse thousands of times in a debug build) one of those, chosen by position.
fn mutate(name: &str, original: &[u8]) -> usize {
    const REPLACEMENTS: [u8; 12] = [
        0x00, b'"', b',', b'\n', b'{', b']', b'9', b'-', b'#', b':', b'.', 0x80,
    ];
    let mut runs = 0;
    for len in 0..original.len() {
        let cut = original.get(..len).unwrap_or_default();
        no_panic(cut, &|| format!("{name} truncated to {len} bytes"));
        runs += 1;
    }
    let mut buf = original.to_vec();
    for at in 0..buf.len() {
        let Some(orig) = buf.get(at).copied() else {
            continue;
        };
        let mut replacements = vec![orig ^ 0xff, orig ^ 0x20];
        replacements.extend(REPLACEMENTS);
        if original.len() > SMALL_FIXTURE {
            let pick = replacements.get(at % replacements.len()).copied();
            replacements = pick.into_iter().collect();
        }
        for new in replacements {
            if let Some(slot) = buf.get_mut(at) {
                *slot = new;
            }
            no_panic(&buf, &|| format!("{name} with byte {at} set to {new:#04x}"));
            runs += 1;
        }
        if let Some(slot) = buf.get_mut(at) {
            *slot = orig;
        }
    }
    runs
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    enc.finish()
}

#[test]
fn mutated_real_fixtures_never_panic() -> TestResult {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let mut fixtures: Vec<(String, Vec<u8>)> = Vec::new();
    for name in ["example-1.csv", "invalid-header.csv", "missing-date.csv"] {
        let bytes = read(&data.join("epss/fixtures").join(name))?;
        fixtures.push((format!("{name}.gz"), gzip(&bytes)?));
        fixtures.push((name.to_string(), bytes));
    }
    // respPage1.json and rootResp.json hold only CVEs that respPageFull.json holds as well;
    // leaving them out keeps the loop fast in a debug build.
    for name in ["emptyResp.json", "respPage2.json", "respPageFull.json"] {
        fixtures.push((
            name.to_string(),
            read(&data.join("nvd/api-paging").join(name))?,
        ));
    }
    // A small KEV catalog cut from the real one: its first three entries.
    let mut kev = json(&read(
        &data.join("kev/known_exploited_vulnerabilities.json"),
    )?)?;
    if let Some(Value::Array(entries)) = kev.get_mut("vulnerabilities") {
        entries.truncate(3);
    }
    if let Some(count) = kev.get_mut("count") {
        *count = Value::from(3);
    }
    let small_kev = serde_json::to_vec(&kev)?;
    let catalog = parse_kev(&small_kev)?;
    assert_eq!(catalog.entries.len(), 3);
    fixtures.push(("kev-first-3.json".to_string(), small_kev));

    let mut runs = 0;
    for (name, bytes) in &fixtures {
        runs += mutate(name, bytes);
    }
    eprintln!(
        "  {runs} mutated inputs, {} fixtures, no panic",
        fixtures.len()
    );
    Ok(())
}
