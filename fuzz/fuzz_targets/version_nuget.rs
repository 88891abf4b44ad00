#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    patchwarden_fuzz::check_scheme(patchwarden_versions::Scheme::NuGet, data)
});
