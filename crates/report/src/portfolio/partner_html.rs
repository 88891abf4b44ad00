//! The partner report as one self-contained, printable HTML5 page: inline CSS (A4 pages,
//! a vulnerability's section kept on one page where it fits, table headers repeated), no
//! script, no external asset, readable on a 375 px wide screen. Every text from the report
//! is escaped with [`escape`].

use super::partner::{AffectedPackage, PartnerReport, PartnerVulnerability, ProductExposure};
use crate::html::escape;

const STYLE: &str = "
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 1rem; max-width: 60rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0 0 .35rem; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta, .muted, footer { color: var(--muted); }
.meta { margin: .15rem 0; }
.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .4rem; margin: .5rem 0; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-radius: .35rem; padding: .3rem .5rem; }
.counts strong { display: block; font-size: 1.3rem; font-variant-numeric: tabular-nums; }
.vuln { border-top: 2px solid var(--line); padding-top: .75rem; margin-top: 1.25rem; }
.ids { margin: .1rem 0; }
.sev { display: inline-block; font-weight: 600; padding: 0 .4em; border-radius: .25em; white-space: nowrap; }
.sev-critical { background: #8b0000; color: #fff; }
.sev-high { background: #c62828; color: #fff; }
.badge { display: inline-block; font-size: .75em; font-weight: 700; padding: 0 .35em; border-radius: .25em; background: #6a1b9a; color: #fff; vertical-align: middle; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 .75rem; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
td ul { margin: 0; padding-left: 1.1rem; }
.overdue { color: #b00020; font-weight: 700; }
.empty { font-size: 1.1rem; font-weight: 600; }
@media (max-width: 40rem) {
  body { font-size: 14px; padding: .6rem; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid var(--line); margin-bottom: .5rem; }
  td { border: 0; border-bottom: 1px solid var(--line); }
  td::before { content: attr(data-label) ': '; font-weight: 600; }
}
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { font-size: 10pt; padding: 0; max-width: none; }
  .vuln { break-inside: avoid; page-break-inside: avoid; }
  table { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  .sev, .badge { border: 1px solid #000; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .table-wrap { overflow: visible; }
}
";

fn severity_class(severity: &str) -> &'static str {
    if severity.eq_ignore_ascii_case("critical") {
        "sev sev-critical"
    } else {
        "sev sev-high"
    }
}

fn list(items: &[String]) -> String {
    match items {
        [] => "—".to_string(),
        [one] => escape(one),
        _ => {
            let lis: String = items
                .iter()
                .map(|i| format!("<li>{}</li>", escape(i)))
                .collect();
            format!("<ul>{lis}</ul>")
        }
    }
}

fn package_item(p: &AffectedPackage) -> String {
    let affected = if p.affected_versions.is_empty() {
        "?".to_string()
    } else {
        p.affected_versions.join(", ")
    };
    let fixed = if p.fixed_versions.is_empty() {
        "no fix known".to_string()
    } else {
        p.fixed_versions.join(", ")
    };
    format!(
        "<li><code>{}</code> <span class=\"muted\">({})</span><br>{} → {}</li>",
        escape(&p.name),
        escape(&p.ecosystem),
        escape(&affected),
        escape(&fixed)
    )
}

fn product_row(e: &ProductExposure) -> String {
    let packages = if e.packages.is_empty() {
        "—".to_string()
    } else {
        let items: String = e.packages.iter().map(package_item).collect();
        format!("<ul>{items}</ul>")
    };
    let due = match (&e.due, e.overdue) {
        (Some(d), true) => format!("<span class=\"overdue\">{} (overdue)</span>", escape(d)),
        (Some(d), false) => escape(d),
        (None, _) => "—".to_string(),
    };
    let fixed_on = e.fixed_on.as_deref().map_or("—".to_string(), escape);
    format!(
        "<tr><td data-label=\"Product\">{}</td><td data-label=\"Status\">{}</td>\
         <td data-label=\"Packages (affected → fixed)\">{packages}</td><td data-label=\"Due\">{due}</td>\
         <td data-label=\"Fixed on\">{fixed_on}</td><td data-label=\"Mitigations\">{}</td></tr>\n",
        escape(&e.product),
        escape(e.status.label()),
        list(&e.mitigations),
    )
}

fn vulnerability_section(v: &PartnerVulnerability) -> String {
    let mut out = format!("<section class=\"vuln\">\n<h2>{}", escape(&v.id));
    if v.exploited {
        out.push_str(
            " <span class=\"badge\" title=\"Listed in CISA's Known Exploited Vulnerabilities catalogue\">Exploited (KEV)</span>",
        );
    }
    out.push_str("</h2>\n");
    if !v.aliases.is_empty() {
        out.push_str(&format!(
            "<p class=\"ids muted\">Also known as {}</p>\n",
            escape(&v.aliases.join(", "))
        ));
    }
    let score = v.cvss_score.map_or(String::new(), |s| format!(" {s:.1}"));
    out.push_str(&format!(
        "<p><span class=\"{}\">{}{}</span>",
        severity_class(&v.severity),
        escape(&v.severity),
        escape(&score)
    ));
    if let Some(vector) = &v.cvss_vector {
        out.push_str(&format!(" <code>{}</code>", escape(vector)));
    }
    if let Some(p) = &v.published {
        out.push_str(&format!(
            " <span class=\"muted\">published {}</span>",
            escape(p.get(..10).unwrap_or(p))
        ));
    }
    out.push_str("</p>\n");
    if let Some(s) = v.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!("<p>{}</p>\n", escape(s)));
    }
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th scope=\"col\">Product</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Packages (affected → fixed)</th>\
         <th scope=\"col\">Due</th><th scope=\"col\">Fixed on</th><th scope=\"col\">Mitigations</th>\
         </tr></thead>\n<tbody>\n",
    );
    for e in &v.products {
        out.push_str(&product_row(e));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// The report as one HTML page.
pub fn partner_html(report: &PartnerReport) -> String {
    let title = format!("Partner report {} for {}", report.quarter, report.partner);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    out.push_str(&format!(
        "<p class=\"meta\">Quarter {} ({} to {}) · generated {} · published by {} (<code>{}</code>)</p>\n",
        escape(&report.quarter.to_string()),
        escape(&report.from),
        escape(&report.to),
        escape(&report.generated_at),
        escape(&report.publisher.name),
        escape(&report.publisher.namespace),
    ));
    let products = if report.products.is_empty() {
        "none".to_string()
    } else {
        report.products.join(", ")
    };
    out.push_str(&format!(
        "<p class=\"meta\">Products: {}</p>\n</header>\n<main>\n",
        escape(&products)
    ));

    let s = &report.summary;
    out.push_str("<section>\n<h2>Summary</h2>\n<ul class=\"counts\">\n");
    for (label, n) in [
        ("High and Critical vulnerabilities", s.vulnerabilities),
        ("Critical", s.critical),
        ("High", s.high),
        ("Known exploited (KEV)", s.exploited),
        ("Product entries still affected", s.affected),
        ("Of which overdue", s.overdue),
        ("Product entries fixed", s.fixed),
        ("Product entries not affected", s.not_affected),
    ] {
        out.push_str(&format!("<li><strong>{n}</strong>{label}</li>\n"));
    }
    out.push_str("</ul>\n");
    out.push_str(&format!(
        "<p class=\"muted\">Only High and Critical vulnerabilities are listed. Statuses are as of generation ({}), not as of the end of the quarter.</p>\n</section>\n",
        escape(&report.generated_at)
    ));
    if report.vulnerabilities.is_empty() {
        out.push_str(
            "<p class=\"empty\">No High or Critical vulnerabilities in this quarter.</p>\n",
        );
    }
    for v in &report.vulnerabilities {
        out.push_str(&vulnerability_section(v));
    }
    out.push_str(&format!(
        "</main>\n<footer>\n<p>Generated by patchwarden {} for {} only.</p>\n</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&report.partner)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::fixture;

    #[test]
    fn partner_html_snapshot() {
        insta::assert_snapshot!(partner_html(&fixture::q3_partner_report()));
    }

    #[test]
    fn texts_from_the_report_are_escaped_and_nothing_is_external() {
        let page = partner_html(&fixture::edge_partner_report());
        assert!(
            page.contains("Padding &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more")
        );
        assert!(page.contains("<code>pad-&lt;left&gt;</code>"));
        assert!(page.contains("<h1>Partner report 2026Q3 for Lab &amp; &lt;Partners&gt;</h1>"));
        assert!(!page.contains("<script"), "a script tag got through");
        for external in ["src=", "href=", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
        // Overdue due dates are marked; a not-affected entry shows its reason.
        assert!(page.contains("<span class=\"overdue\">2026-08-01 (overdue)</span>"));
        assert!(page.contains("False positive: the scanner matched a vendored test fixture"));
        assert!(page.contains("@page { size: A4;"));
    }

    #[test]
    fn partner_html_empty_snapshot() {
        insta::assert_snapshot!(partner_html(&fixture::empty_partner_report()));
    }
}
