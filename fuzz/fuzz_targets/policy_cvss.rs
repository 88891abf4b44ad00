#![no_main]
// A CVSS vector of any version from arbitrary bytes: scoring gives Ok or Err, never a panic,
// and an accepted vector's scores are between 0.0 and 10.0.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(s) = patchwarden_policy::cvss::score(&text) {
        for x in [Some(s.base), s.temporal, s.environmental, Some(s.score)].into_iter().flatten() {
            assert!((0.0..=10.0).contains(&x), "{text:?}: {x}");
        }
    }
});
