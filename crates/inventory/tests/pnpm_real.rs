//! The real `pnpm-lock.yaml` files of `lockfiles.zip` (lockfile versions 5.4 and 9.0).

mod common;

use patchwarden_core::Scope;
use patchwarden_inventory::pnpm;

#[test]
fn real_pnpm_lockfiles_give_every_registry_package_once() {
    let Some(data) = common::shared_data() else {
        return;
    };
    // tests/oracles/pnpm_count.py on the extracted files.
    for (entry, expected) in [
        ("koel__2026__pnpm-lock.yaml", 804),
        ("vuejs-core__2022__pnpm-lock.v5.4.yaml", 932),
        ("vuejs-core__2026__pnpm-lock.v9.yaml", 620),
    ] {
        let text = common::lockfile(&data, entry);
        let parsed = pnpm::parse(entry, &text, None).unwrap_or_else(|e| panic!("{entry}: {}", e.0));
        assert_eq!(parsed.components.len(), expected, "{entry}");
        let direct = parsed
            .components
            .iter()
            .filter(|c| c.direct == Some(true))
            .count();
        assert!(direct > 10, "{entry}: {direct} direct");
        assert!(
            parsed.components.iter().all(|c| c.source.line.is_some()),
            "{entry}"
        );
        let rendered: String = parsed
            .components
            .iter()
            .map(|c| {
                let scope = match c.scope {
                    Scope::Dev => " dev",
                    Scope::Optional => " optional",
                    Scope::Required => "",
                };
                let direct = if c.direct == Some(true) {
                    " direct"
                } else {
                    ""
                };
                format!(
                    "{}@{}{direct}{scope} :{}\n",
                    c.name,
                    c.version,
                    c.source.line.unwrap_or(0)
                )
            })
            .collect();
        let warnings: String = parsed.warnings.iter().map(|w| format!("{w}\n")).collect();
        insta::assert_snapshot!(
            entry.replace('.', "_"),
            format!("{rendered}--- warnings\n{warnings}")
        );
    }
}
