#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let eco = patchwarden_core::Ecosystem::parse("Alpine:v3.20");
        let _ = patchwarden_inventory::apk::parse_installed("lib/apk/db/installed", text, &eco);
    }
});
