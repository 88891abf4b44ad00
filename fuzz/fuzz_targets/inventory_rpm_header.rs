#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(header) = patchwarden_inventory::rpmdb::parse_header_blob(data) {
        let _ = header.evr();
        let _ = header.source_package();
    }
});
