//! The examples in docs/notifications.md are what the code produces and accepts.

mod support;

use patchwarden_notify::{NotifyConfig, Rules, slack_payload};
use serde_json::Value;

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/notifications.md"
    ))
    .unwrap()
}

/// The fenced code blocks of one language, in order.
fn blocks(doc: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```\n").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

#[test]
fn payload_example_is_the_real_payload() {
    let json = &blocks(&doc(), "json")[0];
    let documented: Value = serde_json::from_str(json).unwrap();
    let actual: Value = serde_json::from_slice(&support::sample().to_json()).unwrap();
    assert_eq!(documented, actual);
    // Field order of the compact body matches the documented order.
    let keys: Vec<&String> = documented.as_object().unwrap().keys().collect();
    let actual_keys: Vec<&String> = actual.as_object().unwrap().keys().collect();
    assert_eq!(keys, actual_keys);
}

#[test]
fn slack_example_is_the_real_message() {
    let json = &blocks(&doc(), "json")[1];
    let documented: Value = serde_json::from_str(json).unwrap();
    assert_eq!(documented, slack_payload(&support::sample()));
}

#[test]
fn configuration_example_is_valid() {
    let toml_text = &blocks(&doc(), "toml")[0];
    let file: toml::Table = toml::from_str(toml_text).unwrap();
    let notify: NotifyConfig = file["notify"].clone().try_into().unwrap();
    let rules = Rules::new(notify).unwrap();
    let names: Vec<&str> = rules.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["oncall-mail", "security-hook", "shop-slack"]);
    assert_eq!(rules.routes.len(), 3);
    assert_eq!(rules.channels[0].delivery.attempts, 4);
}
