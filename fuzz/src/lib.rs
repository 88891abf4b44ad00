//! Shared bodies of the fuzz targets: each target feeds arbitrary bytes to one parser and
//! checks the properties that must hold for every input (no panic, a consistent order).

use patchwarden_versions::Scheme;

/// Splits the input at the first newline into two strings.
fn two_strings(data: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(data);
    match text.split_once('\n') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text.to_string(), String::new()),
    }
}

/// Parses both halves of the input in `scheme` and checks the order is antisymmetric and
/// reflexive for them.
pub fn check_scheme(scheme: Scheme, data: &[u8]) {
    let (a, b) = two_strings(data);
    if let (Ok(x), Ok(y)) = (scheme.parse(&a), scheme.parse(&b)) {
        assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "{a:?} vs {b:?}");
        assert_eq!(x.cmp(&x), std::cmp::Ordering::Equal, "{a:?}");
    }
}

/// Feeds the input to a lockfile parser.
pub fn check_lockfile(kind: patchwarden_inventory::LockfileKind, data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = patchwarden_inventory::parse_lockfile(kind, "fuzz", text, None);
    }
}

/// Feeds the input to a parser of a lockfile and the manifest beside it: the part after the
/// first NUL byte (if any) is the manifest.
pub fn check_with_manifest(data: &[u8], parse: impl Fn(&str, Option<&str>)) {
    if let Ok(text) = std::str::from_utf8(data) {
        match text.split_once('\0') {
            Some((lock, manifest)) => parse(lock, Some(manifest)),
            None => parse(text, None),
        }
    }
}
