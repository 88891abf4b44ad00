//! The real Debian 12 dpkg status of the shared data, through the whole inventory path
//! (gzip, `os-release` beside it, source packages).

mod common;

#[test]
fn debian_status_yields_every_installed_package_with_its_source() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let status = data.join("os/debian-dpkg-status.gz");
    let inventory = patchwarden_inventory::scan_path(&status).unwrap_or_else(|e| panic!("{e}"));
    // tests/oracles/dpkg_count.py: "installed 707, with a Source field 578".
    assert_eq!(inventory.components.len(), 707);
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let with_source_field = inventory
        .components
        .iter()
        .filter(|c| {
            c.source_package
                .as_ref()
                .is_some_and(|s| s.name != c.name || s.version != c.version)
        })
        .count();
    assert!(with_source_field > 200, "{with_source_field}");
    let find = |name: &str| {
        inventory
            .components
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    // The os-release beside the file says Debian 12.
    assert!(
        inventory
            .components
            .iter()
            .all(|c| c.ecosystem.to_string() == "Debian:12")
    );
    assert_eq!(
        find("libssl3")
            .source_package
            .as_ref()
            .map(|s| s.name.as_str()),
        Some("openssl")
    );
    assert_eq!(
        find("libc6")
            .source_package
            .as_ref()
            .map(|s| s.name.as_str()),
        Some("glibc")
    );
    let rendered: String = inventory
        .components
        .iter()
        .map(|c| {
            let src = c
                .source_package
                .as_ref()
                .map(|s| format!("{} {}", s.name, s.version));
            format!("{} {} <- {}\n", c.name, c.version, src.unwrap_or_default())
        })
        .collect();
    insta::assert_snapshot!("debian12_dpkg_status", rendered);
}
