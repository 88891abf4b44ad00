//! One self-contained HTML5 page: inline CSS, no script, no external asset, readable
//! offline and printable. Every string from the scan is escaped with [`escape`].

use patchwarden_core::Severity;
use patchwarden_engine::{Finding, FindingStatus, ScanResult};

use crate::common::{
    advice_items, closed_reason, fixed_text, location_text, osv_url, severity_lower,
};
use crate::summary_line;

/// `s` safe in HTML text and in quoted attribute values: `&`, `<`, `>`, `"` and `'` become
/// character references.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta, .muted, footer { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { font-weight: 600; white-space: nowrap; }
.sev-critical { background: #8b0000; color: #fff; }
.sev-high { background: #c62828; color: #fff; }
.sev-medium { background: #f9a825; color: #1b1f24; }
.sev-low { background: #1565c0; color: #fff; }
.sev-none, .sev-unknown { background: #e1e4e8; color: #1b1f24; }
.badge { display: inline-block; font-size: .75em; font-weight: 700; padding: 0 .35em; border-radius: .25em; background: #6a1b9a; color: #fff; }
.overdue { color: #b00020; font-weight: 700; }
.gate { border: 2px solid; border-radius: .5rem; padding: .5rem 1rem; }
.gate-passed { border-color: #1a7f37; }
.gate-failed { border-color: #b00020; }
.gate h2 { margin-top: .25rem; }
ul { padding-left: 1.25rem; }
@media print { body { padding: 0; } .sev { border: 1px solid #000; } }
";

fn severity_cell(f: &Finding) -> String {
    let text = match &f.cvss {
        Some(c) => format!("{} {:.1}", f.severity, c.score),
        None => f.severity.to_string(),
    };
    format!(
        "<td class=\"sev sev-{}\">{}</td>",
        severity_lower(f.severity),
        escape(&text)
    )
}

fn vulnerability_cell(f: &Finding) -> String {
    let mut cell = format!(
        "<a href=\"{}\">{}</a>",
        escape(&osv_url(&f.vulnerability_id)),
        escape(&f.vulnerability_id)
    );
    if f.kev.is_some() {
        cell.push_str(" <span class=\"badge\" title=\"In CISA's Known Exploited Vulnerabilities catalog\">KEV</span>");
    }
    if !f.aliases.is_empty() {
        cell.push_str(&format!(
            "<br><span class=\"muted\">{}</span>",
            escape(&f.aliases.join(", "))
        ));
    }
    if let Some(s) = &f.summary {
        cell.push_str(&format!("<br>{}", escape(s)));
    }
    cell
}

fn package_cells(f: &Finding) -> String {
    let c = &f.component;
    format!(
        "<td><code>{}</code><br><span class=\"muted\">{}</span></td><td><code>{}</code></td>",
        escape(&c.name),
        escape(&c.ecosystem.to_string()),
        escape(&c.version)
    )
}

fn open_table(open: &[&Finding]) -> String {
    let mut out = String::from(
        "<table>\n<caption>Open findings, most urgent first</caption>\n<thead><tr>\
         <th scope=\"col\">#</th><th scope=\"col\">Package</th><th scope=\"col\">Installed</th>\
         <th scope=\"col\">Vulnerability</th><th scope=\"col\">Severity</th><th scope=\"col\">EPSS</th>\
         <th scope=\"col\">Due</th><th scope=\"col\">Fixed in</th><th scope=\"col\">Found in</th>\
         </tr></thead>\n<tbody>\n",
    );
    for f in open {
        let epss = f
            .epss
            .map_or(String::new(), |(s, _)| format!("{:.1}%", s * 100.0));
        let due = if f.decision.overdue {
            format!(
                "<span class=\"overdue\">{} (overdue)</span>",
                f.decision.due
            )
        } else {
            f.decision.due.to_string()
        };
        out.push_str(&format!(
            "<tr><td class=\"num\">{}</td>{}<td>{}</td>{}<td class=\"num\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            f.priority,
            package_cells(f),
            vulnerability_cell(f),
            severity_cell(f),
            escape(&epss),
            due,
            escape(&fixed_text(f)),
            escape(&location_text(&f.component)),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn closed_table(closed: &[&Finding]) -> String {
    let mut out = String::from(
        "<table>\n<caption>Excepted and VEX-closed findings</caption>\n<thead><tr>\
         <th scope=\"col\">Package</th><th scope=\"col\">Installed</th><th scope=\"col\">Vulnerability</th>\
         <th scope=\"col\">Severity</th><th scope=\"col\">Status</th><th scope=\"col\">Why</th>\
         </tr></thead>\n<tbody>\n",
    );
    for f in closed {
        let status = match f.status {
            FindingStatus::Excepted => "excepted",
            FindingStatus::NotAffected => "not affected (VEX)",
            FindingStatus::Fixed => "fixed (VEX)",
            FindingStatus::Open => "open",
        };
        out.push_str(&format!(
            "<tr>{}<td>{}</td>{}<td>{}</td><td>{}</td></tr>\n",
            package_cells(f),
            vulnerability_cell(f),
            severity_cell(f),
            status,
            escape(&closed_reason(f).unwrap_or_default()),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn counts_table(result: &ScanResult) -> String {
    let counts = result.counts_by_severity();
    let mut out = String::from("<table>\n<caption>Findings by severity</caption>\n<thead><tr>");
    for (s, _) in &counts {
        out.push_str(&format!("<th scope=\"col\">{s}</th>"));
    }
    out.push_str("</tr></thead>\n<tbody><tr>");
    for (s, n) in &counts {
        let class = if *n > 0 && *s >= Severity::Low {
            format!(" class=\"num sev sev-{}\"", severity_lower(*s))
        } else {
            " class=\"num\"".to_string()
        };
        out.push_str(&format!("<td{class}>{n}</td>"));
    }
    out.push_str("</tr></tbody>\n</table>\n");
    out
}

/// The scan as one self-contained HTML page (final newline).
pub fn html(result: &ScanResult) -> String {
    let open: Vec<&Finding> = result.open_findings().collect();
    let closed: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.status != FindingStatus::Open)
        .collect();
    let target = escape(&result.target);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"patchwarden {version}\">\n\
         <title>Patchwarden scan of {target}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Patchwarden scan of <code>{target}</code></h1>\n\
         <p class=\"meta\">Scanned at {at}. {summary}.</p>\n</header>\n<main>\n",
        version = env!("CARGO_PKG_VERSION"),
        at = escape(&result.scanned_at),
        summary = escape(&summary_line(result)),
    );

    if result.gate.rules_set {
        if result.gate.passed {
            out.push_str(
                "<section class=\"gate gate-passed\" aria-labelledby=\"gate\">\n<h2 id=\"gate\">Gate: passed</h2>\n<p>No open finding fails the policy's rules.</p>\n</section>\n",
            );
        } else {
            out.push_str(&format!(
                "<section class=\"gate gate-failed\" aria-labelledby=\"gate\">\n<h2 id=\"gate\">Gate: failed</h2>\n<p>Failed by {} open finding{}:</p>\n<ul>\n",
                result.gate.failing_findings,
                if result.gate.failing_findings == 1 { "" } else { "s" }
            ));
            for (reason, n) in &result.gate.reasons {
                out.push_str(&format!("<li>{} ({n})</li>\n", escape(reason)));
            }
            out.push_str("</ul>\n</section>\n");
        }
    }

    out.push_str("<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n");
    out.push_str(&counts_table(result));
    out.push_str(&format!(
        "<p>{} open ({} overdue, {} known exploited); {} excepted or closed by VEX.</p>\n</section>\n",
        open.len(),
        open.iter().filter(|f| f.decision.overdue).count(),
        open.iter().filter(|f| f.kev.is_some()).count(),
        closed.len(),
    ));

    out.push_str("<section aria-labelledby=\"open\">\n<h2 id=\"open\">Open findings</h2>\n");
    if open.is_empty() {
        out.push_str("<p>No open findings.</p>\n");
    } else {
        out.push_str(&open_table(&open));
    }
    out.push_str("</section>\n");

    let advice = advice_items(result, &open, |c, a| {
        format!(
            "<li><code>{}</code> {} (<code>{}</code>): {}</li>\n",
            escape(&c.name),
            escape(&c.version),
            escape(&location_text(c)),
            escape(a)
        )
    });
    if !advice.is_empty() {
        out.push_str(
            "<section aria-labelledby=\"advice\">\n<h2 id=\"advice\">Fix advice</h2>\n<ul>\n",
        );
        for item in advice {
            out.push_str(&item);
        }
        out.push_str("</ul>\n</section>\n");
    }

    if !closed.is_empty() {
        out.push_str(
            "<section aria-labelledby=\"closed\">\n<h2 id=\"closed\">Excepted and VEX-closed findings</h2>\n",
        );
        out.push_str(&closed_table(&closed));
        out.push_str("</section>\n");
    }

    let mut notes: Vec<String> = Vec::new();
    for e in &result.expired_exceptions {
        notes.push(format!(
            "The exception for <code>{}</code> ({}) expired on {}; it no longer applies.",
            escape(&e.selector),
            escape(&e.source),
            e.expires.map_or("?".to_string(), |d| d.to_string())
        ));
    }
    for w in &result.warnings {
        notes.push(format!("Warning: {}", escape(&w.to_string())));
    }
    for p in &result.problems {
        notes.push(format!(
            "{} could not be evaluated for <code>{}</code> {} ({}): {}",
            escape(&p.advisory_id),
            escape(&p.component.name),
            escape(&p.component.version),
            escape(&location_text(&p.component)),
            escape(&p.message)
        ));
    }
    if !notes.is_empty() {
        out.push_str("<section aria-labelledby=\"notes\">\n<h2 id=\"notes\">Notes</h2>\n<ul>\n");
        for n in notes {
            out.push_str(&format!("<li>{n}</li>\n"));
        }
        out.push_str("</ul>\n</section>\n");
    }
    if !result.policy_sources.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">Policy, exceptions and VEX from: {}.</p>\n",
            escape(&result.policy_sources.join(", "))
        ));
    }
    out.push_str(&format!(
        "</main>\n<footer>\n<p>Generated by patchwarden {}.</p>\n</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{rich, sample};

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(html(&rich()));
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a & b \"c\""), "a &amp; b &quot;c&quot;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("plain ü"), "plain ü");
    }

    #[test]
    fn hostile_strings_from_the_scan_are_escaped() {
        let mut r = sample();
        r.target = "<script>alert(1)</script>".into();
        r.findings[0].summary = Some("\"><img src=x onerror=alert(1)>".into());
        r.findings[0].component.name = "a'b&c".into();
        let page = html(&r);
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("a&#39;b&amp;c"));
    }

    #[test]
    fn page_is_self_contained_and_accessible() {
        let page = html(&rich());
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(page.ends_with("</html>\n"));
        for forbidden in ["<script", "<link", "src=", "@import", "url("] {
            assert!(!page.contains(forbidden), "{forbidden}");
        }
        let tables = page.matches("<table>").count();
        assert_eq!(tables, 3);
        assert_eq!(page.matches("<caption>").count(), tables);
        assert!(!page.contains("<th>"), "every header cell has a scope");
        assert!(page.contains("<th scope=\"col\">Vulnerability</th>"));
        assert!(page.contains("class=\"sev sev-critical\""));
        assert!(page.contains("Gate: failed"));
    }
}
