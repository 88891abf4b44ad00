#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    patchwarden_fuzz::check_lockfile(patchwarden_inventory::LockfileKind::PipRequirements, data)
});
