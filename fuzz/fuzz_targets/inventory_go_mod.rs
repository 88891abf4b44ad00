#![no_main]
// go.mod, with the part after the first NUL byte (if any) as the sibling go.sum.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (go_mod, go_sum) = match text.split_once('\0') {
            Some((m, s)) => (m, Some(("fuzz.sum", s))),
            None => (text, None),
        };
        let _ = patchwarden_inventory::golang::parse_go_mod("fuzz", go_mod, go_sum);
    }
});
