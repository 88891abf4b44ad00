//! The real `yarn.lock` files of `lockfiles.zip` (classic format).

mod common;

use patchwarden_inventory::yarn;

#[test]
fn real_classic_lockfiles_give_every_package_once() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // tests/oracles/yarn_count.py on the extracted files.
    for (entry, expected) in [
        ("excalidraw__yarn.v1.lock", 1441),
        ("koel__2019-06__yarn.v1.lock", 1473),
    ] {
        let text = common::lockfile(&data, entry);
        let parsed = yarn::parse(entry, &text, None).unwrap_or_else(|e| panic!("{entry}: {}", e.0));
        assert_eq!(parsed.components.len(), expected, "{entry}");
        assert!(
            parsed.components.iter().all(|c| c.source.line.is_some()),
            "{entry}"
        );
        let rendered: String = parsed
            .components
            .iter()
            .map(|c| format!("{}@{} :{}\n", c.name, c.version, c.source.line.unwrap_or(0)))
            .collect();
        let warnings: String = parsed.warnings.iter().map(|w| format!("{w}\n")).collect();
        insta::assert_snapshot!(
            entry.replace('.', "_"),
            format!("{rendered}--- warnings\n{warnings}")
        );
    }
}
