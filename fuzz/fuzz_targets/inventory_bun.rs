#![no_main]
// bun.lock, with the part after the first NUL byte (if any) as the sibling package.json.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    patchwarden_fuzz::check_with_manifest(data, |lock, manifest| {
        let _ = patchwarden_inventory::bun::parse("bun.lock", lock, manifest);
    });
});
