#![no_main]
// poetry.lock, with the part after the first NUL byte (if any) as the sibling pyproject.toml.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    patchwarden_fuzz::check_with_manifest(data, |lock, manifest| {
        let _ = patchwarden_inventory::python::parse_poetry_lock("poetry.lock", lock, manifest);
    });
});
