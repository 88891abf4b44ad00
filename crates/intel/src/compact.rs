//! Removes the insignificant whitespace of a JSON text (indentation and line breaks between
//! tokens), leaving every name, value and string byte as it was.
//!
//! osv.dev exports are indented; a third of their bytes is layout. The store keeps each
//! record whole (fields this version does not model survive), and writing the compact form
//! saves that third on disk and on every read.

/// The compact form of `json`, which must already be valid JSON (the caller has parsed it).
/// Whitespace inside strings is kept; escapes are passed through untouched.
pub fn compact_json(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'"' => {
                // A string, copied whole: find its closing quote, stepping over escapes.
                let start = i;
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', json.get(i..).unwrap_or_default()) {
                        Some(k) if json.get(i + k) == Some(&b'"') => {
                            i += k + 1;
                            break;
                        }
                        Some(k) => i += k + 2,
                        None => {
                            i = json.len();
                            break;
                        }
                    }
                }
                let end = i.min(json.len());
                out.extend_from_slice(&json[start..end]);
                if end == json.len() {
                    break;
                }
            }
            _ => {
                // Numbers, literals and punctuation up to the next space or string.
                let start = i;
                while json
                    .get(i)
                    .is_some_and(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'"'))
                {
                    i += 1;
                }
                out.extend_from_slice(&json[start..i]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::compact_json;
    use proptest::prelude::*;

    fn compact(s: &str) -> String {
        String::from_utf8(compact_json(s.as_bytes())).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn drops_layout_but_not_string_content() {
        assert_eq!(
            compact("{\n  \"a b\": [ 1, \"x \\\" y\\\\\" ],\r\n\t\"c\" : \"tab\\there\" }"),
            "{\"a b\":[1,\"x \\\" y\\\\\"],\"c\":\"tab\\there\"}"
        );
        assert_eq!(compact("\"  \""), "\"  \"");
        assert_eq!(compact(" [ ] "), "[]");
        // Not JSON, but no panic and nothing lost: unterminated strings are copied as they are.
        assert_eq!(compact("[\"ab c"), "[\"ab c");
        assert_eq!(compact("[\"ab\\"), "[\"ab\\");
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            "[ \\\\\"\t\n\\PC]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[ a-z\"\\\\]{0,6}", inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn compact_form_is_the_same_value(value in json_value()) {
            let pretty = serde_json::to_vec_pretty(&value).unwrap_or_default();
            let compacted = compact_json(&pretty);
            let back: serde_json::Value = serde_json::from_slice(&compacted)
                .unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(&back, &value);
            prop_assert_eq!(compacted, serde_json::to_vec(&value).unwrap_or_default());
        }
    }
}
