#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let eco = patchwarden_core::Ecosystem::parse("Debian:12");
        let _ = patchwarden_inventory::dpkg::parse_status("status", text, &eco);
        let _ = patchwarden_inventory::dpkg::parse_status_d("status.d/x", text, &eco);
    }
});
