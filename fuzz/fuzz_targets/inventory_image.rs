#![no_main]
// Any bytes as an image archive (docker save or OCI layout tar): the reader must return an
// image or an error, within small limits, and never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = patchwarden_inventory::image::Limits {
        max_layers: 8,
        max_entries_per_layer: 10_000,
        max_layer_bytes: 16 << 20,
        max_total_bytes: 32 << 20,
        max_file_bytes: 1 << 20,
        max_kept_bytes: 4 << 20,
    };
    let _ = patchwarden_inventory::image::is_image(&path);
    let _ = patchwarden_inventory::image::read_image(&path, &|_: &str| true, &limits);
});
