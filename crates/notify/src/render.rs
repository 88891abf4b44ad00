//! Human renderings of a notification: the Slack message and the email.

use serde_json::{Value, json};

use crate::model::{FindingItem, Notification};

/// At most this many findings are listed in a Slack message or an email.
pub const SHORT_LIST: usize = 10;

/// Escapes the three characters Slack's mrkdwn treats as control characters.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn counts_line(n: &Notification) -> String {
    let c = &n.counts;
    let mut parts = Vec::new();
    for (count, label) in [
        (c.critical, "Critical"),
        (c.high, "High"),
        (c.medium, "Medium"),
        (c.low, "Low"),
        (c.other, "other"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {label}"));
        }
    }
    let noun = if c.total == 1 { "finding" } else { "findings" };
    if parts.is_empty() {
        format!("{} {noun}", c.total)
    } else {
        format!("{} {noun}: {}", c.total, parts.join(", "))
    }
}

fn item_line(item: &FindingItem) -> String {
    let due = item.due.map(|d| format!(", due {d}")).unwrap_or_default();
    format!(
        "{} {} in {} {} (#{}, {}{due})",
        item.severity,
        item.vulnerability_id,
        item.package,
        item.versions.join(", "),
        item.id,
        item.status,
    )
}

fn heading(n: &Notification) -> String {
    match &n.product {
        Some(product) => format!("{} [{product}]", n.title),
        None => n.title.clone(),
    }
}

/// The Slack incoming-webhook body: `text` (the notification fallback) and `blocks` with a
/// header, the summary, a short list of findings and a context line with the counts.
pub fn slack_payload(n: &Notification) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&heading(n), 150)},
    })];
    if let Some(summary) = &n.summary {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": slack_escape(summary)},
        }));
    }
    if !n.items.is_empty() {
        let mut lines: Vec<String> = n
            .items
            .iter()
            .take(SHORT_LIST)
            .map(|item| {
                let line = slack_escape(&item_line(item));
                match &item.url {
                    Some(url) => format!("• <{}|{line}>", slack_escape(url)),
                    None => format!("• {line}"),
                }
            })
            .collect();
        let more = n.counts.total.saturating_sub(lines.len() as u64);
        if more > 0 {
            lines.push(format!("_and {more} more_"));
        }
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&lines.join("\n"), 3000)},
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": slack_escape(&format!(
            "{} · {} · {}", n.kind, counts_line(n), rfc3339(n)
        ))}],
    }));
    json!({
        "text": slack_escape(&format!("{}: {}", heading(n), counts_line(n))),
        "blocks": blocks,
    })
}

/// The email subject.
pub fn email_subject(n: &Notification) -> String {
    format!("[Patchwarden] {}", heading(n))
}

/// The plain-text email body.
pub fn email_body(n: &Notification) -> String {
    let mut out = String::new();
    out.push_str(&heading(n));
    out.push_str("\n\n");
    if let Some(summary) = &n.summary {
        out.push_str(summary);
        out.push_str("\n\n");
    }
    out.push_str(&counts_line(n));
    out.push('\n');
    if !n.items.is_empty() {
        out.push('\n');
        for item in n.items.iter().take(SHORT_LIST) {
            out.push_str("- ");
            out.push_str(&item_line(item));
            out.push('\n');
            if let Some(url) = &item.url {
                out.push_str("  ");
                out.push_str(url);
                out.push('\n');
            }
        }
        let more = n
            .counts
            .total
            .saturating_sub(n.items.len().min(SHORT_LIST) as u64);
        if more > 0 {
            out.push_str(&format!("... and {more} more\n"));
        }
    }
    out.push_str(&format!(
        "\n-- \nPatchwarden, event {} at {}\n",
        n.kind,
        rfc3339(n)
    ));
    out
}

fn rfc3339(n: &Notification) -> String {
    n.time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NotificationKind;
    use patchwarden_core::Severity;
    use time::macros::{date, datetime};

    fn sample() -> Notification {
        let items = (1..=12)
            .map(|i| FindingItem {
                id: i,
                vulnerability_id: format!("GHSA-{i:04}"),
                package: "a<b>&c".into(),
                versions: vec!["1.0".into()],
                severity: Severity::High,
                due: Some(date!(2026 - 03 - 01)),
                status: "open".into(),
                url: (i == 1).then(|| "https://pw.example/findings/1".into()),
            })
            .collect();
        Notification::new(
            NotificationKind::FindingNew,
            Some("shop"),
            "12 new findings",
            items,
            datetime!(2026-02-22 07:00 UTC),
        )
    }

    #[test]
    fn slack_lists_ten_and_escapes() {
        let v = slack_payload(&sample());
        assert_eq!(v["text"], "12 new findings [shop]: 12 findings: 12 High");
        let list = v["blocks"][1]["text"]["text"].as_str().unwrap();
        assert_eq!(list.lines().count(), 11);
        assert!(list.starts_with(
            "• <https://pw.example/findings/1|High GHSA-0001 in a&lt;b&gt;&amp;c 1.0 (#1, open, due 2026-03-01)>"
        ));
        assert!(list.ends_with("_and 2 more_"));
        assert_eq!(v["blocks"][0]["type"], "header");
        assert_eq!(v["blocks"][2]["type"], "context");
    }

    #[test]
    fn email_has_subject_and_list() {
        let n = sample();
        assert_eq!(email_subject(&n), "[Patchwarden] 12 new findings [shop]");
        let body = email_body(&n);
        assert!(body.contains("- High GHSA-0010 in a<b>&c 1.0 (#10, open, due 2026-03-01)\n"));
        assert!(!body.contains("GHSA-0011"));
        assert!(body.contains("... and 2 more\n"));
        assert!(body.contains("  https://pw.example/findings/1\n"));
    }
}
