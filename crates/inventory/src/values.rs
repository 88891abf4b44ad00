//! Checks and message helpers for the values of OS package database records (dpkg, apk).

/// At most 80 characters of a value, for messages.
pub(crate) fn clip(value: &str) -> String {
    let mut out: String = value.chars().take(80).collect();
    if out.len() < value.len() {
        out.push('…');
    }
    out
}

/// Whether a package name or version is one token (no white space or control characters).
pub(crate) fn is_token(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}
