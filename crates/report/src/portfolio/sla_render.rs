//! The SLA report as JSON, CSV, Markdown and a printable HTML page with inline SVG charts.

use std::fmt::Write as _;

use crate::csv::{Cell, text, write_row};
use crate::html::escape;

use super::page;
use super::sla::{ExceptionEntry, MonthFigures, SlaFigures, SlaReport};

/// The report as pretty-printed JSON, ending with a newline.
pub fn sla_json(report: &SlaReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// Which table of the report a CSV file holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlaTable {
    /// Compliance and remediation figures: total, per severity, per product and severity,
    /// per month (column `section`).
    #[default]
    Figures,
    /// The overdue findings.
    Overdue,
    /// Exceptions and risk acceptances in force and expired.
    Exceptions,
}

impl SlaTable {
    /// Reads `figures`, `overdue` or `exceptions`.
    pub fn parse(s: &str) -> Option<SlaTable> {
        match s {
            "figures" => Some(SlaTable::Figures),
            "overdue" => Some(SlaTable::Overdue),
            "exceptions" => Some(SlaTable::Exceptions),
            _ => None,
        }
    }
}

fn number(n: impl ToString) -> Cell {
    Cell::Number(n.to_string())
}

fn optional<T: ToString>(n: Option<T>) -> Cell {
    n.map_or_else(|| text(""), number)
}

fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:.1} %"))
}

fn days_text(d: Option<f64>) -> String {
    d.map_or_else(|| "—".to_string(), |d| format!("{d:.1}"))
}

const FIGURE_COLUMNS: [&str; 14] = [
    "section",
    "product",
    "severity",
    "month",
    "due",
    "counted",
    "on_time",
    "late",
    "pending",
    "closed_without_fix",
    "compliance_percent",
    "remediated",
    "mean_days_to_remediate",
    "p90_days_to_remediate",
];

fn figure_row(out: &mut String, labels: [&str; 4], s: &SlaFigures) {
    let mut cells: Vec<Cell> = labels.iter().map(|l| text(*l)).collect();
    cells.extend([
        number(s.due),
        number(s.counted),
        number(s.on_time),
        number(s.late),
        number(s.pending),
        number(s.closed_without_fix),
        optional(s.compliance.map(|p| format!("{p:.1}"))),
        number(s.remediated),
        optional(s.mean_days.map(|d| format!("{d:.1}"))),
        optional(s.p90_days),
    ]);
    write_row(out, &cells);
}

/// One table of the report as CSV (RFC 4180, LF line ends, formula-guarded text).
pub fn sla_csv(report: &SlaReport, table: SlaTable) -> String {
    let mut out = String::new();
    match table {
        SlaTable::Figures => {
            write_row(&mut out, &FIGURE_COLUMNS.map(text));
            figure_row(&mut out, ["total", "", "", ""], &report.total);
            for s in &report.by_severity {
                figure_row(&mut out, ["severity", "", &s.severity, ""], &s.figures);
            }
            for p in &report.by_product {
                figure_row(&mut out, ["product", &p.product, "", ""], &p.total);
                for s in &p.by_severity {
                    figure_row(
                        &mut out,
                        ["product_severity", &p.product, &s.severity, ""],
                        &s.figures,
                    );
                }
            }
            for m in &report.trend {
                figure_row(&mut out, ["month", "", "", &m.month], &m.sla);
            }
        }
        SlaTable::Overdue => {
            let columns = [
                "finding",
                "product",
                "project",
                "vulnerability",
                "severity",
                "kev",
                "ecosystem",
                "package",
                "versions",
                "status",
                "first_seen",
                "due",
                "days_overdue",
                "age_days",
            ];
            write_row(&mut out, &columns.map(text));
            for o in &report.overdue {
                write_row(
                    &mut out,
                    &[
                        number(o.finding),
                        text(&o.product),
                        text(&o.project),
                        text(&o.vulnerability),
                        text(&o.severity),
                        text(if o.kev { "yes" } else { "no" }),
                        text(&o.ecosystem),
                        text(&o.package),
                        text(o.versions.join(" ")),
                        text(&o.status),
                        text(&o.first_seen),
                        text(&o.due),
                        number(o.days_overdue),
                        number(o.age_days),
                    ],
                );
            }
        }
        SlaTable::Exceptions => {
            let columns = [
                "state",
                "kind",
                "id",
                "product",
                "scope",
                "approved_by",
                "expires",
                "reason",
            ];
            write_row(&mut out, &columns.map(text));
            let lists = [
                ("in_force", &report.exceptions.in_force),
                ("expired", &report.exceptions.expired),
            ];
            for (state, list) in lists {
                for e in list {
                    write_row(
                        &mut out,
                        &[
                            text(state),
                            text(e.kind),
                            number(e.id),
                            text(&e.product),
                            text(&e.scope),
                            text(&e.approved_by),
                            text(&e.expires),
                            text(&e.reason),
                        ],
                    );
                }
            }
        }
    }
    out
}

/// Markdown: a cell's `|` and line breaks would break the table.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
}

fn scope_title(report: &SlaReport) -> String {
    match &report.product {
        Some(p) => format!("product {p}"),
        None => "all products".to_string(),
    }
}

/// The report as Markdown (GitHub-flavoured tables).
pub fn sla_markdown(report: &SlaReport) -> String {
    let mut out = String::new();
    let t = &report.total;
    let _ = writeln!(
        out,
        "# SLA compliance, {} to {}\n\n{}; generated {}; overdue and open counts as of {}.\n",
        report.from,
        report.to,
        scope_title(report),
        report.generated_at,
        report.as_of
    );
    let _ = writeln!(
        out,
        "**Compliance: {}** ({} of {} counted findings remediated within their SLA; {} due in the period, {} not yet due, {} closed without a fix). \
         Time to remediate: mean {} days, p90 {} days over {} findings fixed in the period. Overdue on {}: {}.\n",
        percent_text(t.compliance),
        t.on_time,
        t.counted,
        t.due,
        t.pending,
        t.closed_without_fix,
        days_text(t.mean_days),
        t.p90_days.map_or_else(|| "—".into(), |d| d.to_string()),
        t.remediated,
        report.as_of,
        report.overdue_count
    );
    let header = "| {} | due | counted | on time | compliance | fixed | mean days | p90 days |\n|---|--:|--:|--:|--:|--:|--:|--:|\n";
    let row = |out: &mut String, label: &str, s: &SlaFigures| {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            md(label),
            s.due,
            s.counted,
            s.on_time,
            percent_text(s.compliance),
            s.remediated,
            days_text(s.mean_days),
            s.p90_days.map_or_else(|| "—".into(), |d| d.to_string())
        );
    };
    out.push_str("## By severity\n\n");
    out.push_str(&header.replacen("{}", "severity", 1));
    for s in &report.by_severity {
        row(&mut out, &s.severity, &s.figures);
    }
    row(&mut out, "**all**", &report.total);
    out.push_str("\n## By product\n\n");
    out.push_str(&header.replacen("{}", "product", 1));
    for p in &report.by_product {
        row(&mut out, &p.product, &p.total);
    }
    out.push_str("\n## By month\n\n| month | due | counted | on time | compliance | new | fixed | open at end | overdue at end |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for m in &report.trend {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.month,
            m.sla.due,
            m.sla.counted,
            m.sla.on_time,
            percent_text(m.sla.compliance),
            m.new,
            m.sla.remediated,
            m.open_at_end,
            m.overdue_at_end
        );
    }
    let _ = writeln!(out, "\n## Overdue on {}\n", report.as_of);
    if report.overdue.is_empty() {
        out.push_str("Nothing was overdue.\n");
    } else {
        out.push_str("| finding | product / project | vulnerability | severity | package | due | days overdue | age (days) | status |\n|--:|---|---|---|---|---|--:|--:|---|\n");
        for o in &report.overdue {
            let _ = writeln!(
                out,
                "| {} | {} / {} | {}{} | {} | {} {} | {} | {} | {} | {} |",
                o.finding,
                md(&o.product),
                md(&o.project),
                md(&o.vulnerability),
                if o.kev { " (KEV)" } else { "" },
                o.severity,
                md(&o.package),
                md(&o.versions.join(", ")),
                o.due,
                o.days_overdue,
                o.age_days,
                o.status
            );
        }
        if report.overdue_count > report.overdue.len() as u64 {
            let _ = writeln!(
                out,
                "\n…and {} more (the JSON and CSV exports stop at the same limit; filter by product).",
                report.overdue_count - report.overdue.len() as u64
            );
        }
    }
    let exceptions = |out: &mut String, title: &str, list: &[ExceptionEntry]| {
        let _ = writeln!(out, "\n## {title}\n");
        if list.is_empty() {
            out.push_str("None.\n");
            return;
        }
        out.push_str("| kind | product | scope | approved by | expires | reason |\n|---|---|---|---|---|---|\n");
        for e in list {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                e.kind.replace('_', " "),
                md(&e.product),
                md(&e.scope),
                md(&e.approved_by),
                e.expires,
                md(&e.reason)
            );
        }
    };
    exceptions(
        &mut out,
        &format!(
            "Exceptions and risk acceptances in force on {}",
            report.as_of
        ),
        &report.exceptions.in_force,
    );
    exceptions(
        &mut out,
        "Exceptions and risk acceptances expired in the period",
        &report.exceptions.expired,
    );
    out
}

/// A bar chart of monthly compliance (0–100 %), each bar labelled with its figure.
fn compliance_chart(trend: &[MonthFigures]) -> String {
    let (w, h, left, bottom, top) = (640.0_f64, 220.0_f64, 44.0, 36.0, 16.0);
    let plot_h = h - bottom - top;
    let n = trend.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let bar = (slot * 0.6).min(48.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"compliance-title\">\
         <title id=\"compliance-title\">SLA compliance by month, in percent</title>"
    );
    for pct in [0, 50, 100] {
        let y = top + plot_h * (1.0 - f64::from(pct) / 100.0);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
             <text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{pct} %</text>",
            w - 8.0,
            left - 6.0,
            y + 4.0
        );
    }
    for (i, m) in trend.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let cx = x + bar / 2.0;
        match m.sla.compliance {
            Some(p) => {
                let bh = plot_h * p / 100.0;
                let class = if p >= 90.0 {
                    "good"
                } else if p >= 50.0 {
                    "fair"
                } else {
                    "poor"
                };
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" class=\"bar {class}\"/>\
                     <text x=\"{cx:.1}\" y=\"{:.1}\" class=\"value\" text-anchor=\"middle\">{p:.1}</text>",
                    top + plot_h - bh,
                    (top + plot_h - bh - 4.0).max(top - 2.0)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"value\" text-anchor=\"middle\">—</text>",
                    top + plot_h - 4.0
                );
            }
        }
        let _ = write!(
            svg,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            h - bottom + 16.0,
            escape(&m.month)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Grouped bars: open and overdue at each month's end.
fn backlog_chart(trend: &[MonthFigures]) -> String {
    let (w, h, left, bottom, top) = (640.0_f64, 200.0_f64, 44.0, 36.0, 16.0);
    let plot_h = h - bottom - top;
    let max = trend
        .iter()
        .map(|m| m.open_at_end)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = trend.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let bar = (slot * 0.3).min(24.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"backlog-title\">\
         <title id=\"backlog-title\">Findings open and overdue at the end of each month</title>\
         <line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"grid\"/>",
        w - 8.0,
        top + plot_h,
        top + plot_h
    );
    for (i, m) in trend.iter().enumerate() {
        let x0 = left + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
        for (j, (value, class)) in [(m.open_at_end, "open"), (m.overdue_at_end, "late")]
            .into_iter()
            .enumerate()
        {
            let x = x0 + bar * j as f64;
            let bh = plot_h * value as f64 / max;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" class=\"bar {class}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" class=\"value\" text-anchor=\"middle\">{value}</text>",
                top + plot_h - bh,
                x + bar / 2.0,
                top + plot_h - bh - 4.0
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            x0 + bar,
            h - bottom + 16.0,
            escape(&m.month)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn figure_cells(s: &SlaFigures) -> String {
    format!(
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        s.due,
        s.counted,
        s.on_time,
        percent_text(s.compliance),
        s.remediated,
        days_text(s.mean_days),
        s.p90_days.map_or_else(|| "—".into(), |d| d.to_string())
    )
}

const FIGURE_HEAD: &str = "<th scope=\"col\">due</th><th scope=\"col\">counted</th><th scope=\"col\">on time</th>\
<th scope=\"col\">compliance</th><th scope=\"col\">fixed</th><th scope=\"col\">mean days</th><th scope=\"col\">p90 days</th>";

fn exception_table(title: &str, list: &[ExceptionEntry]) -> String {
    let mut out = format!("<h2>{}</h2>\n", escape(title));
    if list.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>\n");
        return out;
    }
    out.push_str(
        "<table><thead><tr><th scope=\"col\">kind</th><th scope=\"col\">product</th><th scope=\"col\">scope</th>\
         <th scope=\"col\">approved by</th><th scope=\"col\">expires</th><th scope=\"col\">reason</th></tr></thead><tbody>\n",
    );
    for e in list {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.kind.replace('_', " "),
            escape(&e.product),
            escape(&e.scope),
            escape(&e.approved_by),
            escape(&e.expires),
            escape(&e.reason)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// The report as one self-contained, printable HTML page (no scripts, no external files).
pub fn sla_html(report: &SlaReport) -> String {
    let t = &report.total;
    let title = format!(
        "SLA compliance, {} to {} ({})",
        report.from,
        report.to,
        scope_title(report)
    );
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header><h1>{}</h1><p class=\"meta\">Generated {}. Overdue findings, open counts and exceptions are taken on {}.</p></header>",
        escape(&title),
        escape(&report.generated_at),
        escape(&report.as_of)
    );
    let _ = writeln!(
        body,
        "<section class=\"tiles\">\
         <div class=\"tile\"><span class=\"big\">{}</span><span>compliance ({} of {} on time)</span></div>\
         <div class=\"tile\"><span class=\"big\">{}</span><span>overdue on {}</span></div>\
         <div class=\"tile\"><span class=\"big\">{}</span><span>mean days to remediate (p90 {})</span></div>\
         <div class=\"tile\"><span class=\"big\">{}</span><span>exceptions in force</span></div>\
         </section>",
        percent_text(t.compliance),
        t.on_time,
        t.counted,
        report.overdue_count,
        escape(&report.as_of),
        days_text(t.mean_days),
        t.p90_days.map_or_else(|| "—".into(), |d| d.to_string()),
        report.exceptions.in_force.len()
    );
    let _ = writeln!(
        body,
        "<p>Counted are the findings due in the period that were remediated or are past due; {} due in the period are not yet due and {} were closed without a fix (a risk decision). \
         Compliance is rounded down. Definitions: docs/reports.md.</p>",
        t.pending, t.closed_without_fix
    );

    body.push_str("<h2>By month</h2>\n<div class=\"charts\">");
    body.push_str(&compliance_chart(&report.trend));
    body.push_str(&backlog_chart(&report.trend));
    body.push_str(
        "</div>\n<p class=\"legend\"><span class=\"key open\"></span> open at month end <span class=\"key late\"></span> of which overdue</p>\n",
    );
    body.push_str(
        "<table><caption>By month (the charts' figures)</caption><thead><tr><th scope=\"col\">month</th>",
    );
    body.push_str(FIGURE_HEAD);
    body.push_str("<th scope=\"col\">new</th><th scope=\"col\">open at end</th><th scope=\"col\">overdue at end</th></tr></thead><tbody>\n");
    for m in &report.trend {
        let _ = writeln!(
            body,
            "<tr><th scope=\"row\">{}</th>{}<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&m.month),
            figure_cells(&m.sla),
            m.new,
            m.open_at_end,
            m.overdue_at_end
        );
    }
    body.push_str("</tbody></table>\n");

    body.push_str("<h2>By severity</h2>\n<table><thead><tr><th scope=\"col\">severity</th>");
    body.push_str(FIGURE_HEAD);
    body.push_str("</tr></thead><tbody>\n");
    for s in &report.by_severity {
        let _ = writeln!(
            body,
            "<tr><th scope=\"row\">{}</th>{}</tr>",
            escape(&s.severity),
            figure_cells(&s.figures)
        );
    }
    let _ = writeln!(
        body,
        "<tr class=\"total\"><th scope=\"row\">all</th>{}</tr></tbody></table>",
        figure_cells(t)
    );

    body.push_str("<h2>By product</h2>\n<table><thead><tr><th scope=\"col\">product</th><th scope=\"col\">severity</th>");
    body.push_str(FIGURE_HEAD);
    body.push_str("</tr></thead><tbody>\n");
    for p in &report.by_product {
        let _ = writeln!(
            body,
            "<tr class=\"total\"><th scope=\"row\">{}</th><td>all</td>{}</tr>",
            escape(&p.product),
            figure_cells(&p.total)
        );
        for s in p
            .by_severity
            .iter()
            .filter(|s| s.figures.due + s.figures.remediated > 0)
        {
            let _ = writeln!(
                body,
                "<tr><td></td><td>{}</td>{}</tr>",
                escape(&s.severity),
                figure_cells(&s.figures)
            );
        }
    }
    body.push_str("</tbody></table>\n");

    let _ = writeln!(body, "<h2>Overdue on {}</h2>", escape(&report.as_of));
    if report.overdue.is_empty() {
        body.push_str("<p class=\"muted\">Nothing was overdue.</p>\n");
    } else {
        body.push_str(
            "<table><thead><tr><th scope=\"col\">finding</th><th scope=\"col\">product / project</th><th scope=\"col\">vulnerability</th>\
             <th scope=\"col\">severity</th><th scope=\"col\">package</th><th scope=\"col\">due</th><th scope=\"col\">days overdue</th>\
             <th scope=\"col\">age (days)</th><th scope=\"col\">status</th></tr></thead><tbody>\n",
        );
        for o in &report.overdue {
            let _ = writeln!(
                body,
                "<tr><td class=\"num\">{}</td><td>{} / {}</td><td>{}{}</td><td><span class=\"sev sev-{}\">{}</span></td>\
                 <td>{} {}</td><td>{}</td><td class=\"num overdue\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                o.finding,
                escape(&o.product),
                escape(&o.project),
                escape(&o.vulnerability),
                if o.kev {
                    " <span class=\"badge\">KEV</span>"
                } else {
                    ""
                },
                escape(&o.severity.to_lowercase()),
                escape(&o.severity),
                escape(&o.package),
                escape(&o.versions.join(", ")),
                escape(&o.due),
                o.days_overdue,
                o.age_days,
                escape(&o.status)
            );
        }
        body.push_str("</tbody></table>\n");
        if report.overdue_count > report.overdue.len() as u64 {
            let _ = writeln!(
                body,
                "<p class=\"muted\">…and {} more.</p>",
                report.overdue_count - report.overdue.len() as u64
            );
        }
    }
    body.push_str(&exception_table(
        &format!(
            "Exceptions and risk acceptances in force on {}",
            report.as_of
        ),
        &report.exceptions.in_force,
    ));
    body.push_str(&exception_table(
        "Exceptions and risk acceptances expired in the period",
        &report.exceptions.expired,
    ));
    page::document(&title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::fixture;
    use crate::portfolio::period::Period;
    use crate::portfolio::sla::{SlaInput, build};

    fn q3() -> SlaReport {
        build(SlaInput {
            period: Period::parse("2026-07-01", "2026-09-30").unwrap_or_else(|e| panic!("{e}")),
            generated_at: fixture::NOW,
            product: None,
            findings: &fixture::findings(),
            exceptions: &fixture::exceptions(),
        })
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(sla_json(&q3()));
    }

    #[test]
    fn csv_snapshots() {
        let r = q3();
        insta::assert_snapshot!("sla_csv_figures", sla_csv(&r, SlaTable::Figures));
        insta::assert_snapshot!("sla_csv_overdue", sla_csv(&r, SlaTable::Overdue));
        insta::assert_snapshot!("sla_csv_exceptions", sla_csv(&r, SlaTable::Exceptions));
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(sla_markdown(&q3()));
    }

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(sla_html(&q3()));
    }

    #[test]
    fn csv_total_row_carries_the_hand_figures() {
        let csv = sla_csv(&q3(), SlaTable::Figures);
        let mut lines = csv.lines();
        assert_eq!(lines.next().map(|l| l.split(',').count()), Some(14));
        // due 7, counted 6, on time 2, late 4, pending 0, closed 1, 33.3 %, fixed 2, 31.5, 41
        assert_eq!(lines.next(), Some("total,,,,7,6,2,4,0,1,33.3,2,31.5,41"));
        assert!(
            csv.contains("\nmonth,,,2026-09,2,2,0,2,0,0,0.0,0,,\n"),
            "{csv}"
        );
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let mut findings = fixture::findings();
        findings[2].product = "<script>alert(1)</script>|=cmd".into();
        let r = build(SlaInput {
            period: Period::parse("2026-07-01", "2026-09-30").unwrap_or_else(|e| panic!("{e}")),
            generated_at: fixture::NOW,
            product: None,
            findings: &findings,
            exceptions: &[],
        });
        let html = sla_html(&r);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        let md = sla_markdown(&r);
        assert!(
            md.contains("&lt;script>alert(1)&lt;/script>\\|=cmd"),
            "{md}"
        );
        let csv = sla_csv(&r, SlaTable::Overdue);
        assert!(csv.contains(",<script>alert(1)</script>|=cmd,"), "{csv}");
    }

    #[test]
    fn an_empty_period_renders_without_figures() {
        let r = build(SlaInput {
            period: Period::parse("2020-01-01", "2020-01-31").unwrap_or_else(|e| panic!("{e}")),
            generated_at: fixture::NOW,
            product: None,
            findings: &fixture::findings(),
            exceptions: &[],
        });
        assert_eq!(r.total.compliance, None);
        assert!(sla_html(&r).contains("Nothing was overdue."));
        assert!(sla_markdown(&r).contains("**Compliance: —**"));
        assert!(sla_csv(&r, SlaTable::Figures).starts_with("section,"));
    }
}
