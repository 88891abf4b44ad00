//! Renderers for an inventory: every component found, without advisories.

use comfy_table::{Table, presets};
use patchwarden_core::Component;
use patchwarden_inventory::Inventory;
use serde_json::{Value, json};

/// One component as `inventory --format json` and the scan JSON's `components` write it.
pub(crate) fn component_json(c: &Component) -> Value {
    let mut value = json!({
        "purl": c.purl(),
        "ecosystem": c.ecosystem,
        "name": c.name,
        "version": c.version,
        "source": c.source,
        "direct": c.direct,
        "scope": c.scope,
    });
    if let Some(object) = value.as_object_mut() {
        if let Some(source) = &c.source_package {
            object.insert("source_package".into(), json!(source));
        }
        if !c.dependency_path.is_empty() {
            object.insert("dependency_path".into(), json!(c.dependency_path));
        }
    }
    value
}

/// The inventory as JSON: `{"components": [{"purl", "ecosystem", "name", "version",
/// "source": {"path", "line", "layer"}, "direct", "scope", "source_package"?,
/// "dependency_path"?}], "warnings": [{"path", "line", "message"}], "sources": [...],
/// "image"?: {"layers", "config_digest", "repo_tags", "os", "architecture"}}`,
/// pretty-printed, with a final newline.
pub fn inventory_json(inventory: &Inventory) -> String {
    let mut doc = json!({
        "components": inventory.components.iter().map(component_json).collect::<Vec<_>>(),
        "warnings": inventory.warnings,
        "sources": inventory.sources,
    });
    if let (Some(image), Some(object)) = (&inventory.image, doc.as_object_mut()) {
        object.insert("image".into(), json!(image));
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The inventory as a table (ecosystem, name, version, direct, scope, where found), then one
/// line counting components, files and warnings.
pub fn inventory_table(inventory: &Inventory) -> String {
    let mut out = String::new();
    if !inventory.components.is_empty() {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        t.set_header([
            "Ecosystem",
            "Package",
            "Version",
            "Direct",
            "Scope",
            "Found in",
        ]);
        for c in &inventory.components {
            let direct = match c.direct {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            let mut found = match c.source.line {
                Some(line) => format!("{}:{line}", c.source.path),
                None => c.source.path.clone(),
            };
            if let Some(layer) = &c.source.layer {
                found.push_str(&format!(" (layer {})", short_digest(layer)));
            }
            let name = match &c.source_package {
                Some(src) if src.name != c.name => format!("{} (source {})", c.name, src.name),
                _ => c.name.clone(),
            };
            t.add_row([
                c.ecosystem.to_string(),
                name,
                c.version.clone(),
                direct.to_string(),
                format!("{:?}", c.scope).to_lowercase(),
                found,
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    let n = inventory.components.len();
    let files = inventory.sources.len();
    let warnings = inventory.warnings.len();
    out.push_str(&format!(
        "{n} component{} from {files} file{}; {warnings} warning{}\n",
        if n == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    ));
    out
}

/// `sha256:0123456789ab…` shortened to its first 12 hex digits.
fn short_digest(digest: &str) -> &str {
    let hex_start = digest.find(':').map(|i| i + 1).unwrap_or(0);
    digest.get(..hex_start + 12).unwrap_or(digest)
}
