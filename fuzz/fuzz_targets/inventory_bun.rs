#![no_main]
// bun.lock, with the part after the first NUL byte (if any) as the sibling package.json.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (lock, manifest) = match text.split_once('\0') {
            Some((l, m)) => (l, Some(m)),
            None => (text, None),
        };
        let _ = patchwarden_inventory::bun::parse("bun.lock", lock, manifest);
    }
});
