//! Secrets: API tokens, session cookies, CSRF tokens and password hashes.
//!
//! - An API token is `pw_` and 32 bytes from the operating system's random source in
//!   unpadded base64url (43 characters). It is shown once; the store keeps its first
//!   [`PREFIX_LEN`] characters (to tell tokens apart in lists) and its SHA-256 digest.
//!   A plain, fast hash is right here: the token carries 256 bits of entropy, so nobody can
//!   guess it from its digest, and a slow password hash would only cost time on every request.
//! - A session id (the cookie value) is 32 random bytes the same way, stored as its SHA-256
//!   digest, so a copy of the database does not let anyone take over a browser session.
//! - Passwords are people's choice, with little entropy: they are hashed with argon2id (the
//!   `argon2` crate's default parameters) and a random 16-byte salt, stored as a PHC string
//!   (`$argon2id$v=19$m=...$salt$hash`).
//!
//! Comparisons of secrets with stored values run in constant time ([`constant_time_eq`]).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every API token starts with, so that secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "pw_";
/// How many leading characters of a token are kept in plain text to tell tokens apart.
pub const PREFIX_LEN: usize = 8;
/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Random bytes in a token or a session id.
const SECRET_BYTES: usize = 32;

/// The operating system's random source failed, or hashing a password failed.
#[derive(Debug)]
pub struct SecretError(String);

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretError {}

/// A freshly generated API token. `plain` is shown to the user once and then dropped;
/// `prefix` and `hash` go to the database. `Debug` leaves `plain` out.
pub struct NewToken {
    /// The whole token, `pw_...`.
    pub plain: String,
    /// Its first [`PREFIX_LEN`] characters.
    pub prefix: String,
    /// SHA-256 of the whole token, lowercase hex.
    pub hash: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("prefix", &self.prefix)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// A freshly generated browser session: `cookie` goes to the browser, `id_hash` and `csrf`
/// to the database (the CSRF token is also given to the page, so it is no secret from the
/// session's owner).
pub struct NewSession {
    /// The cookie value.
    pub cookie: String,
    /// SHA-256 of the cookie value, lowercase hex.
    pub id_hash: String,
    /// The CSRF token forms and API calls from the page must echo.
    pub csrf: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("id_hash", &self.id_hash)
            .finish_non_exhaustive()
    }
}

fn random_text() -> Result<String, SecretError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| SecretError(format!("the system's random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of `text`, lowercase hex: how tokens and session ids are stored and looked up.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    out
}

/// A new API token.
pub fn new_token() -> Result<NewToken, SecretError> {
    let plain = format!("{TOKEN_PREFIX}{}", random_text()?);
    Ok(NewToken {
        prefix: plain.chars().take(PREFIX_LEN).collect(),
        hash: sha256_hex(&plain),
        plain,
    })
}

/// The digest to look a presented token up by, or `None` when it cannot be one of ours
/// (wrong prefix or length, characters outside base64url): such a token is rejected without
/// touching the database.
pub fn token_lookup_hash(presented: &str) -> Option<String> {
    let body = presented.strip_prefix(TOKEN_PREFIX)?;
    let well_formed = body.len() == 43
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| sha256_hex(presented))
}

/// A new browser session.
pub fn new_session() -> Result<NewSession, SecretError> {
    let cookie = random_text()?;
    Ok(NewSession {
        id_hash: sha256_hex(&cookie),
        cookie,
        csrf: random_text()?,
    })
}

/// Equality of two secrets (or their digests) in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Why a password is refused before hashing.
pub fn check_password_strength(password: &str) -> Result<(), SecretError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(SecretError(format!(
            "the password is too short: at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if password.trim().is_empty() {
        return Err(SecretError("the password is blank".into()));
    }
    Ok(())
}

/// The argon2id PHC string of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| SecretError(format!("the system's random source failed: {e}")))?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| SecretError(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the stored PHC string. A malformed string never matches.
/// (argon2 compares the computed and stored hashes in constant time.)
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A PHC string to verify against when the user does not exist or has no password, so that
/// a login attempt for an unknown name costs as long as one for a known name.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("no user has this password, it only burns time")
            .unwrap_or_else(|_| String::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_digests() {
        let a = new_token().unwrap_or_else(|e| panic!("{e}"));
        let b = new_token().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.plain, b.plain);
        assert!(a.plain.starts_with("pw_"));
        assert_eq!(a.plain.len(), 3 + 43);
        assert_eq!(a.prefix, a.plain[..8]);
        assert_eq!(a.hash.len(), 64);
        assert_eq!(a.hash, sha256_hex(&a.plain));
        assert_eq!(
            token_lookup_hash(&a.plain).as_deref(),
            Some(a.hash.as_str())
        );
        assert!(!format!("{a:?}").contains(&a.plain));
    }

    #[test]
    fn malformed_tokens_have_no_lookup_hash() {
        for bad in [
            "",
            "pw_",
            "pw_short",
            "xx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(token_lookup_hash(bad), None, "{bad}");
        }
        let mut t = new_token().unwrap_or_else(|e| panic!("{e}")).plain;
        t.push('=');
        assert_eq!(token_lookup_hash(&t), None);
    }

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sessions_hide_the_cookie() {
        let s = new_session().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.id_hash, sha256_hex(&s.cookie));
        assert_ne!(s.cookie, s.csrf);
        assert!(!format!("{s:?}").contains(&s.cookie));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap_or_else(|e| panic!("{e}"));
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse battery!", &phc));
        assert!(!verify_password(
            "correct horse battery",
            "not a phc string"
        ));
        // The same password hashes differently each time (fresh salt).
        let again = hash_password("correct horse battery").unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(phc, again);
        assert!(!verify_password("x", dummy_password_hash()));
    }

    #[test]
    fn password_strength() {
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("            ").is_err());
        assert!(check_password_strength("twelve chars").is_ok());
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
