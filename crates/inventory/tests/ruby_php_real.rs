//! The real `Gemfile.lock` and `composer.lock` files of `lockfiles.zip`.

mod common;

use patchwarden_inventory::{Parsed, composer, gem};

fn render(parsed: &Parsed) -> String {
    let components: String = parsed
        .components
        .iter()
        .map(|c| {
            let direct = match c.direct {
                Some(true) => " direct",
                Some(false) => "",
                None => " ?",
            };
            format!(
                "{} {}{direct} {:?} :{}\n",
                c.name,
                c.version,
                c.scope,
                c.source.line.unwrap_or(0)
            )
        })
        .collect();
    let warnings: String = parsed.warnings.iter().map(|w| format!("{w}\n")).collect();
    format!("{components}--- warnings\n{warnings}")
}

#[test]
fn real_gemfile_and_composer_locks() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // tests/oracles/ruby_php_count.py on the extracted files.
    for (entry, expected) in [
        ("railsgoat__2021__Gemfile.lock", 140),
        ("railsgoat__2026__Gemfile.lock", 167),
        ("koel__2019-06__composer.lock", 151),
        ("koel__2026__composer.lock", 201),
    ] {
        let text = common::lockfile(&data, entry);
        let parsed = if entry.contains("composer") {
            composer::parse(entry, &text, None)
        } else {
            gem::parse(entry, &text)
        }
        .unwrap_or_else(|e| panic!("{entry}: {}", e.0));
        assert_eq!(parsed.components.len(), expected, "{entry}");
        assert!(
            parsed.components.iter().all(|c| c.source.line.is_some()),
            "{entry}"
        );
        insta::assert_snapshot!(entry.replace('.', "_"), render(&parsed));
    }
}
