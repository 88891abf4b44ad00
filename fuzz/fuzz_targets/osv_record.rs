#![no_main]
// An OSV record from arbitrary bytes, then every affected entry evaluated for a version.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(advisory) = patchwarden_osv::Advisory::from_json(data) {
        for affected in &advisory.affected {
            let ranges = patchwarden_matching::ranges_of(affected);
            let listed: Vec<&str> = affected.versions.iter().map(String::as_str).collect();
            for scheme in [
                patchwarden_versions::Scheme::SemVer,
                patchwarden_versions::Scheme::Pep440,
            ] {
                let _ = patchwarden_versions::evaluate(scheme, "1.0.0", &ranges, &listed);
                let _ = patchwarden_versions::upgrade_targets(scheme, "1.0.0", &ranges, &listed);
            }
        }
    }
});
