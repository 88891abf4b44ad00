//! GitHub-flavoured Markdown for a pull-request comment: the gate's verdict, a summary, the
//! open findings as a table (most urgent first), the fix advice, and the excepted and
//! VEX-closed findings folded in a `<details>` block. Kept under GitHub's 65,536-character
//! limit for a comment by leaving rows out, with a line saying how many.

use patchwarden_engine::{Finding, FindingStatus, ScanResult};

use crate::common::{advice_items, closed_reason, fixed_text, location_text, osv_url};
use crate::summary_line;

/// GitHub's limit on a comment body, in characters.
pub(crate) const COMMENT_LIMIT: usize = 65_536;

/// Room kept free for what follows a cut table: the "… and N more" lines, section headings
/// and the closing `</details>`.
const RESERVE: usize = 2_000;

/// `s` safe as Markdown text (in a table cell or a list item): the characters that start
/// emphasis, links, HTML, code, headings, strikethrough, mentions and references, and the
/// table's `|`, backslash-escaped; line breaks become spaces.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '@' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// `s` as an inline code span that survives inside a table: a fence longer than any run of
/// backticks inside, `|` escaped (GFM splits cells before it reads code spans).
pub(crate) fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for ch in s.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Characters, as GitHub counts them.
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A text that grows only while it stays under the limit less the reserve.
struct Budget {
    text: String,
    used: usize,
}

impl Budget {
    fn push(&mut self, s: &str) {
        self.used += chars(s);
        self.text.push_str(s);
    }

    /// Appends `s` when it fits; says whether it did.
    fn try_push(&mut self, s: &str) -> bool {
        let n = chars(s);
        if self.used + n + RESERVE > COMMENT_LIMIT {
            return false;
        }
        self.push(s);
        true
    }
}

fn vulnerability_cell(f: &Finding) -> String {
    let mut cell = format!(
        "[{}]({})",
        escape(&f.vulnerability_id),
        osv_url(&f.vulnerability_id)
    );
    if f.kev.is_some() {
        cell.push_str(" **KEV**");
    }
    cell
}

fn severity_cell(f: &Finding) -> String {
    match &f.cvss {
        Some(c) => format!("{} {:.1}", f.severity, c.score),
        None => f.severity.to_string(),
    }
}

fn due_cell(f: &Finding) -> String {
    if f.decision.overdue {
        format!("**{} overdue**", f.decision.due)
    } else {
        f.decision.due.to_string()
    }
}

fn open_row(f: &Finding) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        f.priority,
        code(&f.component.name),
        code(&f.component.version),
        vulnerability_cell(f),
        severity_cell(f),
        due_cell(f),
        escape(&fixed_text(f)),
    )
}

fn closed_row(f: &Finding) -> String {
    let status = match f.status {
        FindingStatus::Excepted => "excepted",
        FindingStatus::NotAffected => "not affected (VEX)",
        FindingStatus::Fixed => "fixed (VEX)",
        FindingStatus::Open => "open",
    };
    format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        code(&f.component.name),
        code(&f.component.version),
        vulnerability_cell(f),
        severity_cell(f),
        status,
        escape(&closed_reason(f).unwrap_or_default()),
    )
}

fn more(n: usize, what: &str) -> String {
    format!(
        "\n… and {n} more {what}{} (see the full report: `--format html` or `--format json`).\n",
        if n == 1 { "" } else { "s" }
    )
}

/// The scan as a Markdown pull-request comment (at most 65,536 characters, final newline).
pub fn markdown(result: &ScanResult) -> String {
    let mut out = Budget {
        text: String::new(),
        used: 0,
    };
    let open: Vec<&Finding> = result.open_findings().collect();
    let closed: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.status != FindingStatus::Open)
        .collect();

    if result.gate.rules_set && result.gate.passed {
        out.push("## ✅ Patchwarden: gate passed\n\n");
    } else if result.gate.rules_set {
        out.push("## ❌ Patchwarden: gate failed\n\n");
        out.push(&format!(
            "Failed by {} open finding{}:\n\n",
            result.gate.failing_findings,
            if result.gate.failing_findings == 1 {
                ""
            } else {
                "s"
            }
        ));
        for (reason, n) in &result.gate.reasons {
            out.try_push(&format!("- {} ({n})\n", escape(reason)));
        }
        out.push("\n");
    } else {
        out.push("## Patchwarden scan\n\n");
    }
    let overdue = open.iter().filter(|f| f.decision.overdue).count();
    let kev = open.iter().filter(|f| f.kev.is_some()).count();
    out.push(&format!(
        "Scanned {}: {}.\n\n**{} open**, {overdue} overdue, {kev} known exploited; {} excepted or closed by VEX.\n",
        code(&result.target),
        escape(&summary_line(result)),
        open.len(),
        closed.len(),
    ));

    if open.is_empty() {
        out.push("\nNo open findings.\n");
    } else {
        out.push("\n### Open findings\n\n");
        out.push("| # | Package | Version | Vulnerability | Severity | Due | Fix |\n");
        out.push("|--:|---|---|---|---|---|---|\n");
        let shown = open
            .iter()
            .take_while(|f| out.try_push(&open_row(f)))
            .count();
        if shown < open.len() {
            out.push(&more(open.len() - shown, "open finding"));
        }

        // Advice for the packages with open findings, in the order of their most urgent one.
        let items = advice_items(result, &open, |c, a| {
            format!(
                "- {} {} ({}): {}\n",
                code(&c.name),
                code(&c.version),
                code(&location_text(c)),
                escape(a)
            )
        });
        if !items.is_empty() {
            out.push("\n### Fix advice\n\n");
            let shown = items.iter().take_while(|i| out.try_push(i)).count();
            if shown < items.len() {
                out.push(&more(items.len() - shown, "package"));
            }
        }
    }

    if !closed.is_empty() {
        out.push(&format!(
            "\n<details>\n<summary>Excepted and VEX-closed findings ({})</summary>\n\n",
            closed.len()
        ));
        out.push("| Package | Version | Vulnerability | Severity | Status | Why |\n");
        out.push("|---|---|---|---|---|---|\n");
        let shown = closed
            .iter()
            .take_while(|f| out.try_push(&closed_row(f)))
            .count();
        if shown < closed.len() {
            out.push(&more(closed.len() - shown, "closed finding"));
        }
        out.push("\n</details>\n");
    }

    if !result.expired_exceptions.is_empty() {
        out.push("\n");
        for e in &result.expired_exceptions {
            let line = format!(
                "> Note: the exception for {} ({}) expired on {}; it no longer applies.\n",
                code(&e.selector),
                code(&e.source),
                e.expires.map_or("?".to_string(), |d| d.to_string())
            );
            if !out.try_push(&line) {
                break;
            }
        }
    }
    let notes = result.warnings.len() + result.problems.len();
    if notes > 0 {
        out.push(&format!(
            "\n{notes} inventory warning{} or undecided advisor{}: see the full report.\n",
            if notes == 1 { "" } else { "s" },
            if notes == 1 { "y" } else { "ies" },
        ));
    }
    out.text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{rich, sample};

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(markdown(&rich()));
    }

    #[test]
    fn verdict_heading_follows_the_gate() {
        let mut r = sample();
        assert!(markdown(&r).starts_with("## ❌ Patchwarden: gate failed\n"));
        r.gate.passed = true;
        r.gate.reasons.clear();
        r.gate.failing_findings = 0;
        assert!(markdown(&r).starts_with("## ✅ Patchwarden: gate passed\n"));
        r.gate.rules_set = false;
        assert!(markdown(&r).starts_with("## Patchwarden scan\n"));
        r.findings.clear();
        assert!(markdown(&r).contains("No open findings."));
    }

    #[test]
    fn cells_cannot_break_the_table_or_the_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(
            escape("<script>*x*</script>"),
            "\\<script\\>\\*x\\*\\</script\\>"
        );
        assert_eq!(escape("@octocat #12 [x](y)"), "\\@octocat \\#12 \\[x\\](y)");
        assert_eq!(escape("two\nlines"), "two lines");
        assert_eq!(code("@babel/core"), "`@babel/core`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
        let text = markdown(&rich());
        for line in text.lines().filter(|l| l.starts_with("| ")) {
            let unescaped = line.replace("\\|", "");
            let cells = unescaped.matches('|').count();
            assert!(cells == 8 || cells == 7, "{line}");
        }
    }

    #[test]
    fn long_reports_stay_under_the_comment_limit() {
        let mut r = rich();
        let template = r.findings[0].clone();
        for i in 0..3000 {
            let mut f = template.clone();
            f.component.name = format!("package-with-a-long-name-{i}");
            f.priority = i + 10;
            r.findings.insert(1, f);
        }
        let text = markdown(&r);
        assert!(chars(&text) <= COMMENT_LIMIT, "{}", chars(&text));
        assert!(
            text.contains(" more open findings (see the full report"),
            "{}",
            &text[text.len() - 3000..]
        );
        assert!(text.contains("</details>"));
    }
}
