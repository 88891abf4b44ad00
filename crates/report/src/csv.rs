//! CSV (RFC 4180, with LF line ends): a header row, then one row per finding in priority
//! order, for spreadsheets and ticket imports.

use patchwarden_core::Scope;
use patchwarden_engine::{Finding, ScanResult};

use crate::common::{advice_for, closed_reason, status_name};

/// The columns, in order.
pub(crate) const COLUMNS: [&str; 24] = [
    "priority",
    "vulnerability_id",
    "aliases",
    "severity",
    "cvss_score",
    "epss",
    "kev",
    "package",
    "ecosystem",
    "version",
    "fixed_in",
    "advice",
    "path",
    "line",
    "layer",
    "direct",
    "scope",
    "first_seen",
    "due",
    "overdue",
    "status",
    "status_detail",
    "summary",
    "purl",
];

/// A cell: text, guarded against formula injection, or a number written as is.
pub(crate) enum Cell {
    Text(String),
    Number(String),
}

pub(crate) fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn yes_no(b: bool) -> Cell {
    text(if b { "yes" } else { "no" })
}

/// Whether `s` is a plain decimal number (`12`, `-0.5`), which a spreadsheet reads as a
/// number and never as a formula.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Formula-injection guard. Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell
/// that starts with `=`, `+`, `-` or `@` as a formula, and a tab or carriage return can
/// hide such a start; advisory summaries and package names come from third parties, so a
/// text cell starting with one of these gets a leading `'`, which the spreadsheet shows as
/// text and does not evaluate. Plain numbers are left alone. (npm scopes start with `@`:
/// `'@babel/core` is the price of the guard.)
fn guard(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted, quotes doubled.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn write_row(out: &mut String, cells: &[Cell]) {
    let fields: Vec<String> = cells
        .iter()
        .map(|c| match c {
            Cell::Text(s) => quote(&guard(s)),
            Cell::Number(s) => quote(s),
        })
        .collect();
    out.push_str(&fields.join(","));
    out.push('\n');
}

fn row(result: &ScanResult, f: &Finding) -> Vec<Cell> {
    let c = &f.component;
    let optional_number = |v: Option<String>| v.map_or_else(|| text(""), Cell::Number);
    vec![
        Cell::Number(f.priority.to_string()),
        text(&f.vulnerability_id),
        text(f.aliases.join(";")),
        text(f.severity.as_str()),
        optional_number(f.cvss.as_ref().map(|s| format!("{:.1}", s.score))),
        optional_number(f.epss.map(|(score, _)| format!("{score}"))),
        yes_no(f.kev.is_some()),
        text(&c.name),
        text(c.ecosystem.to_string()),
        text(&c.version),
        text(f.fixed.join(";")),
        text(advice_for(result, c).unwrap_or_default()),
        text(&c.source.path),
        optional_number(c.source.line.map(|l| l.to_string())),
        text(c.source.layer.clone().unwrap_or_default()),
        text(match c.direct {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }),
        text(match c.scope {
            Scope::Required => "required",
            Scope::Dev => "dev",
            Scope::Optional => "optional",
        }),
        text(f.first_seen.to_string()),
        text(f.decision.due.to_string()),
        yes_no(f.decision.overdue),
        text(status_name(f.status)),
        text(closed_reason(f).unwrap_or_default()),
        text(f.summary.clone().unwrap_or_default()),
        text(c.purl().unwrap_or_default()),
    ]
}

/// The findings as CSV: the header row of [`COLUMNS`], one row per finding; lists inside a
/// cell (aliases, fixed versions) are `;`-separated; lines end with LF.
pub fn csv(result: &ScanResult) -> String {
    let mut out = String::new();
    let header: Vec<Cell> = COLUMNS.iter().map(|c| text(*c)).collect();
    write_row(&mut out, &header);
    for f in &result.findings {
        write_row(&mut out, &row(result, f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::rich;

    #[test]
    fn csv_snapshot() {
        insta::assert_snapshot!(csv(&rich()));
    }

    #[test]
    fn every_row_has_every_column() {
        let text = csv(&rich());
        // No field of the sample spans lines, so lines are rows.
        for line in text.lines() {
            let mut fields = 1;
            let mut quoted = false;
            for ch in line.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields += 1,
                    _ => {}
                }
            }
            assert_eq!(fields, COLUMNS.len(), "{line}");
        }
        assert_eq!(text.lines().count(), 1 + rich().findings.len());
    }

    #[test]
    fn fields_are_quoted_per_rfc_4180() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formulas_are_defused_but_numbers_are_not() {
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(guard("-2+3"), "'-2+3");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("\t=x"), "'\t=x");
        assert_eq!(guard("-1.5"), "-1.5");
        assert_eq!(guard("+7"), "+7");
        assert_eq!(guard("a=b"), "a=b");
        assert!(!is_number("1."));
        assert!(!is_number("-"));
        let text = csv(&rich());
        assert!(
            text.contains(",\"'=HYPERLINK(\"\"http://x\"\") openssl"),
            "{text}"
        );
        assert!(text.contains(",'@babel/traverse,"), "{text}");
    }
}
