#![no_main]
// composer.lock, with the part after the first NUL byte (if any) as composer.json.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    patchwarden_fuzz::check_with_manifest(data, |lock, manifest| {
        let _ = patchwarden_inventory::composer::parse("composer.lock", lock, manifest);
    });
});
