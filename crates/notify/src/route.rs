//! Which channels a notification goes to.

use crate::config::{Channel, Kinds, Products, RouteConfig, Rules};
use crate::model::Notification;

/// Whether one route accepts a notification.
///
/// * `products`: `*` accepts everything, including portfolio-wide notifications (no product);
///   a list accepts only notifications about one of the named products (exact names).
/// * `kinds`: `*` or a list of kinds.
/// * `min_severity`: the notification must concern at least one finding this severe (among its
///   items or its counts). Notifications that concern no finding at all (tests, stale images,
///   an empty summary) are not held back by a severity threshold.
pub fn route_matches(route: &RouteConfig, notification: &Notification) -> bool {
    let product_ok = match &route.products {
        Products::Any => true,
        Products::Named(names) => notification
            .product
            .as_deref()
            .is_some_and(|p| names.iter().any(|n| n == p)),
    };
    let kind_ok = match &route.kinds {
        Kinds::Any => true,
        Kinds::Listed(kinds) => kinds.contains(&notification.kind),
    };
    let severity_ok = match (route.min_severity, notification.max_severity()) {
        (None, _) | (Some(_), None) => true,
        (Some(min), Some(max)) => max >= min.0,
    };
    product_ok && kind_ok && severity_ok
}

/// The channels a notification goes to: those of every matching route, in route order, each
/// channel once even when several routes lead to it.
pub fn route<'r>(rules: &'r Rules, notification: &Notification) -> Vec<&'r Channel> {
    let mut out: Vec<&Channel> = Vec::new();
    for r in rules
        .routes
        .iter()
        .filter(|r| route_matches(r, notification))
    {
        if let Some(channel) = rules.channel(&r.channel)
            && !out.iter().any(|c| c.name == channel.name)
        {
            out.push(channel);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NotifyConfig;
    use crate::model::{FindingItem, NotificationKind};
    use patchwarden_core::Severity;
    use time::OffsetDateTime;

    const CONFIG: &str = r#"
[channels.sec-hook]
type = "webhook"
url = "https://hooks.example/patchwarden"
secret = "s3cret"

[channels.shop-slack]
type = "slack"
url = "https://hooks.slack.example/services/T/B/X"

[channels.oncall-mail]
type = "email"
smtp_host = "smtp.example"
from = "patchwarden@example.com"
to = ["oncall@example.com"]

# everything goes to the security webhook
[[routes]]
channel = "sec-hook"

# the shop team hears about their new and regressed findings
[[routes]]
products = ["shop", "shop-admin"]
kinds = ["finding_new", "finding_regressed"]
channel = "shop-slack"

# on-call gets overdue High and Critical, for every product
[[routes]]
products = "*"
kinds = ["finding_overdue"]
min_severity = "high"
channel = "oncall-mail"

# on-call also hears about anything Critical anywhere (and the webhook again: deduplicated)
[[routes]]
min_severity = "CRITICAL"
channel = "oncall-mail"
[[routes]]
kinds = "*"
min_severity = "critical"
channel = "sec-hook"
"#;

    fn rules() -> Rules {
        let config: NotifyConfig = toml::from_str(CONFIG).unwrap();
        Rules::new(config).unwrap()
    }

    fn notification(
        kind: NotificationKind,
        product: Option<&str>,
        severities: &[Severity],
    ) -> Notification {
        let items = severities
            .iter()
            .enumerate()
            .map(|(i, &severity)| FindingItem {
                id: i as i64,
                vulnerability_id: "CVE-2026-0001".into(),
                package: "p".into(),
                versions: vec!["1".into()],
                severity,
                due: None,
                status: "open".into(),
                url: None,
            })
            .collect();
        Notification::new(kind, product, "t", items, OffsetDateTime::UNIX_EPOCH)
    }

    /// kind, product, finding severities, expected channels.
    type Case = (
        NotificationKind,
        Option<&'static str>,
        &'static [Severity],
        &'static [&'static str],
    );

    #[test]
    fn routing_table() {
        use NotificationKind::*;
        use Severity::{Critical, High, Low, Medium, Unknown};
        let rules = rules();
        #[rustfmt::skip]
        let cases: &[Case] = &[
            (FindingNew,          Some("shop"),       &[Low],            &["sec-hook", "shop-slack"]),
            (FindingNew,          Some("shop-admin"), &[Medium],         &["sec-hook", "shop-slack"]),
            (FindingNew,          Some("shopping"),   &[Medium],         &["sec-hook"]),
            (FindingRegressed,    Some("shop"),       &[High],           &["sec-hook", "shop-slack"]),
            (FindingDueSoon,      Some("shop"),       &[High],           &["sec-hook"]),
            (FindingOverdue,      Some("billing"),    &[Medium],         &["sec-hook"]),
            (FindingOverdue,      Some("billing"),    &[Medium, High],   &["sec-hook", "oncall-mail"]),
            (FindingOverdue,      Some("billing"),    &[Unknown],        &["sec-hook"]),
            (FindingNew,          Some("shop"),       &[Critical],       &["sec-hook", "shop-slack", "oncall-mail"]),
            (FindingDueSoon,      None,               &[Critical],       &["sec-hook", "oncall-mail"]),
            // no findings at all: severity thresholds do not hold it back
            (Test,                None,               &[],               &["sec-hook", "oncall-mail"]),
            (StaleImage,          Some("shop"),       &[],               &["sec-hook", "oncall-mail"]),
            (ReevaluationSummary, None,               &[Low],            &["sec-hook"]),
        ];
        for (kind, product, severities, expected) in cases {
            let n = notification(*kind, *product, severities);
            let got: Vec<&str> = route(&rules, &n).iter().map(|c| c.name.as_str()).collect();
            assert_eq!(&got, expected, "{kind} {product:?} {severities:?}");
        }
    }

    #[test]
    fn counts_beyond_the_items_raise_the_severity() {
        let rules = rules();
        let mut counts = crate::model::Counts::default();
        counts.add(Severity::Critical);
        let n = notification(NotificationKind::FindingOverdue, Some("x"), &[]).with_counts(counts);
        let got: Vec<&str> = route(&rules, &n).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(got, ["sec-hook", "oncall-mail"]);
    }

    #[test]
    fn no_routes_no_channels() {
        let rules = Rules::default();
        let n = notification(NotificationKind::Test, None, &[]);
        assert!(route(&rules, &n).is_empty());
    }

    #[test]
    fn configuration_mistakes_are_reported() {
        let bad_route: NotifyConfig = toml::from_str("[[routes]]\nchannel = \"nope\"").unwrap();
        assert_eq!(
            Rules::new(bad_route).unwrap_err().to_string(),
            "notify route 1 names channel `nope`, which is not in [notify.channels]"
        );
        let no_secret: NotifyConfig =
            toml::from_str("[channels.h]\ntype = \"webhook\"\nurl = \"https://x\"").unwrap();
        assert_eq!(
            Rules::new(no_secret).unwrap_err().to_string(),
            "notify channel `h`: a webhook needs secret or secret_env"
        );
        let bad_kind = toml::from_str::<NotifyConfig>(
            "[[routes]]\nkinds = [\"finding_new\", \"finding_gone\"]\nchannel = \"h\"",
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_kind.contains("unknown notification kind `finding_gone`"),
            "{bad_kind}"
        );
        let bad_severity = toml::from_str::<NotifyConfig>(
            "[[routes]]\nmin_severity = \"severe\"\nchannel = \"h\"",
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_severity.contains("unknown severity `severe`"),
            "{bad_severity}"
        );
        let bad_tls = toml::from_str::<NotifyConfig>(
            "[channels.m]\ntype = \"email\"\nsmtp_host = \"h\"\ntls = \"ssl\"\nfrom = \"a@b\"\nto = [\"c@d\"]",
        );
        assert!(bad_tls.is_err());
    }
}
