#![no_main]
// A requirements file whose every include reads the part after the first NUL byte (if any):
// exercises -r/-c resolution, cycles and the depth bound.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (top, included) = match text.split_once('\0') {
            Some((t, i)) => (t, Some(i)),
            None => (text, None),
        };
        let mut read = |_: &str| included.map(str::to_string);
        let _ =
            patchwarden_inventory::pip::parse_with_includes("dir/requirements.txt", top, &mut read);
    }
});
