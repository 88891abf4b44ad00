//! `patchwarden user` and `patchwarden token` end to end, on SQLite and (when
//! `PATCHWARDEN_TEST_POSTGRES_URL` is set) PostgreSQL: bootstrapping the first admin, grants,
//! a token shown once and stored only as its digest, expiry and revocation as the server's
//! lookup helper sees them, the role boundaries with real grants, audit entries without
//! secrets, and bad input (exit 2, one line).

mod common;

use common::*;
use patchwarden_access::secrets::{sha256_hex, token_lookup_hash, verify_password};
use patchwarden_access::{Principal, Role};
use patchwarden_store::{Store, TokenCheck};
use serde_json::Value;

const DAY1: &str = "2026-01-10T09:00:00Z";
const DAY2: &str = "2026-01-20T12:00:00Z";
/// The instant a token with `--expires 2026-01-31` stops working.
const EXPIRY: &str = "2026-02-01T00:00:00Z";
const ADMIN_PASSWORD: &str = "correct horse battery staple";

fn run(db: &str, now: &str, args: &[&str]) -> std::process::Output {
    pw(db)
        .env("PATCHWARDEN_NOW", now)
        .env("PATCHWARDEN_ACTOR", "root")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ok_run(db: &str, now: &str, args: &[&str]) -> String {
    let out = run(db, now, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs and expects exit 2 with a one-line error naming `needle`.
fn fails(db: &str, args: &[&str], needle: &str) {
    let out = run(db, DAY1, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    if stderr.starts_with("patchwarden: error:") {
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn authenticate(db: &str, token: &str, now: &str) -> TokenCheck {
    let hash = token_lookup_hash(token).unwrap_or_else(|| panic!("malformed token {token}"));
    block_on(async {
        let store = Store::open(db).await.unwrap_or_else(|e| panic!("{e}"));
        let check = store
            .authenticate_token(&hash, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store.close().await;
        check
    })
}

fn principal(db: &str, token: &str) -> Principal {
    match authenticate(db, token, DAY1) {
        TokenCheck::Valid { principal, .. } => principal,
        other => panic!("{other:?}"),
    }
}

/// Creates a token for `user` and returns it, checking it is printed once with a warning.
fn create_token(db: &str, user: &str, extra: &[&str]) -> String {
    let mut args = vec!["token", "create", "--user", user, "--name", "test"];
    args.extend_from_slice(extra);
    let out = run(db, DAY1, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the token on stdout: {stdout}"
    );
    assert!(stderr.contains("cannot be shown again"), "{stderr}");
    let token = stdout.trim().to_string();
    assert!(token.starts_with("pw_") && token.len() == 46, "{token}");
    token
}

fn whole_flow(db: &str) {
    // Bootstrap the first admin, with a password from stdin.
    let out = pw(db)
        .env("PATCHWARDEN_NOW", DAY1)
        .args([
            "user",
            "add",
            "alice",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .write_stdin(format!("{ADMIN_PASSWORD}\n"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = sql_column(
        db,
        "SELECT password_hash FROM users WHERE username = 'alice'",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(stored[0].starts_with("$argon2id$"), "{stored:?}");
    assert!(verify_password(ADMIN_PASSWORD, &stored[0]));
    assert!(!verify_password(
        "correct horse battery stapler",
        &stored[0]
    ));

    ok_run(db, DAY1, &["product", "add", "shop"]);
    ok_run(db, DAY1, &["product", "add", "bank"]);
    ok_run(
        db,
        DAY1,
        &[
            "user",
            "add",
            "bob",
            "--role",
            "maintainer",
            "--grant",
            "shop",
        ],
    );
    ok_run(
        db,
        DAY1,
        &["user", "add", "pia", "--role", "partner", "--grant", "bank"],
    );
    ok_run(db, DAY1, &["user", "add", "aud", "--role", "auditor"]);
    ok_run(db, DAY1, &["user", "grant", "bob", "bank"]);
    ok_run(db, DAY1, &["user", "revoke", "bob", "bank"]);

    let users = json(&ok_run(db, DAY1, &["user", "list", "--format", "json"]));
    let names: Vec<&str> = users
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["username"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["alice", "aud", "bob", "pia"]);
    assert_eq!(users[2]["role"], "maintainer");
    assert_eq!(users[2]["grants"][0]["product"], "shop");
    assert_eq!(users[2]["grants"].as_array().map(Vec::len), Some(1));
    assert_eq!(users[0]["has_password"], true);
    assert!(!users.to_string().contains("argon2"), "no hash in lists");
    let table = ok_run(db, DAY1, &["user", "list"]);
    assert!(
        table.contains("maintainer") && table.contains("shop"),
        "{table}"
    );

    // One token per user; the admin's expires at the end of 2026-01-31.
    let admin = create_token(db, "alice", &["--expires", "2026-01-31"]);
    let bob = create_token(db, "bob", &[]);
    let pia = create_token(db, "pia", &[]);
    let aud = create_token(db, "aud", &[]);
    let tokens = [&admin, &bob, &pia, &aud];

    // Only digests are stored: the plain token is in no column of api_tokens.
    let hashes = sql_column(db, "SELECT token_hash FROM api_tokens ORDER BY id")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        hashes,
        tokens.iter().map(|t| sha256_hex(t)).collect::<Vec<_>>()
    );
    for t in tokens {
        let hits = sql_count(
            db,
            &format!(
                "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{t}' OR prefix = '{t}' OR name = '{t}'"
            ),
        );
        assert_eq!(hits, 0);
    }

    // Lists show the prefix and the state, never the token.
    let listed = ok_run(db, DAY1, &["token", "list", "--format", "json"]);
    for t in tokens {
        assert!(!listed.contains(t.as_str()), "{listed}");
        assert!(!listed.contains(&sha256_hex(t)), "{listed}");
        assert!(listed.contains(&t[..8]));
    }
    let listed = json(&listed);
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
    let only_bob = json(&ok_run(
        db,
        DAY1,
        &["token", "list", "--user", "bob", "--format", "json"],
    ));
    assert_eq!(only_bob.as_array().map(Vec::len), Some(1));
    assert_eq!(only_bob[0]["state"], "active");
    assert_eq!(only_bob[0]["prefix"], bob[..8]);

    // The role boundaries, with the grants made above. Product ids: shop 1, bank 2.
    let (shop, bank) = (1, 2);
    let p_admin = principal(db, &admin);
    let p_bob = principal(db, &bob);
    let p_pia = principal(db, &pia);
    let p_aud = principal(db, &aud);
    assert_eq!(p_admin.role, Role::Admin);
    assert_eq!(p_bob.products, [shop]);
    assert_eq!(p_pia.products, [bank]);
    // (who, read shop, read bank, write shop, write bank, approve, partner shop, partner bank)
    let table: [(&Principal, [bool; 7]); 4] = [
        (&p_admin, [true, true, true, true, true, true, true]),
        (&p_bob, [true, false, true, false, false, true, false]),
        (&p_aud, [true, true, false, false, true, true, true]),
        (&p_pia, [false, false, false, false, false, false, true]),
    ];
    for (p, expected) in table {
        let got = [
            p.can_read_product(shop),
            p.can_read_product(bank),
            p.can_write_product(shop),
            p.can_write_product(bank),
            p.can_approve_risk(shop),
            p.can_read_partner_report(shop),
            p.can_read_partner_report(bank),
        ];
        assert_eq!(got, expected, "{}", p.username);
        assert_eq!(p.is_admin(), p.role == Role::Admin);
    }

    // Expiry: works the day before, refused from the instant it ends; lists say so.
    assert!(matches!(
        authenticate(db, &admin, "2026-01-31T23:59:59Z"),
        TokenCheck::Valid { .. }
    ));
    assert_eq!(authenticate(db, &admin, EXPIRY), TokenCheck::Expired);
    let later = json(&ok_run(
        db,
        EXPIRY,
        &["token", "list", "--user", "alice", "--format", "json"],
    ));
    assert_eq!(later[0]["state"], "expired");
    assert_eq!(later[0]["expires_at"], EXPIRY);

    // Revocation.
    let bob_id = only_bob[0]["id"].as_i64().unwrap_or_default();
    let revoked = ok_run(db, DAY2, &["token", "revoke", &bob_id.to_string()]);
    assert!(revoked.contains("revoked"), "{revoked}");
    assert_eq!(authenticate(db, &bob, DAY2), TokenCheck::Revoked);
    fails(
        db,
        &["token", "revoke", &bob_id.to_string()],
        "revoked already",
    );

    // A disabled user's tokens stop working.
    ok_run(db, DAY2, &["user", "disable", "pia"]);
    assert_eq!(authenticate(db, &pia, DAY2), TokenCheck::UserDisabled);
    fails(
        db,
        &["token", "create", "--user", "pia", "--name", "x"],
        "disabled",
    );
    ok_run(db, DAY2, &["user", "enable", "pia"]);
    assert!(matches!(
        authenticate(db, &pia, DAY2),
        TokenCheck::Valid { .. }
    ));
    // Made-up and malformed tokens.
    assert_eq!(
        authenticate(db, &format!("pw_{}", "A".repeat(43)), DAY2),
        TokenCheck::Unknown
    );
    assert_eq!(token_lookup_hash("Bearer whatever"), None);

    // A new password, from stdin; the old one no longer verifies.
    let out = pw(db)
        .env("PATCHWARDEN_NOW", DAY2)
        .args(["user", "password", "alice", "--password-stdin"])
        .write_stdin("an entirely new passphrase")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = sql_column(
        db,
        "SELECT password_hash FROM users WHERE username = 'alice'",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(verify_password("an entirely new passphrase", &stored[0]));
    assert!(!verify_password(ADMIN_PASSWORD, &stored[0]));

    // The audit log has every change, by the actor, and no secret.
    let audit = ok_run(db, DAY2, &["audit", "--format", "json"]);
    for action in [
        "user.created",
        "user.granted",
        "user.grant_revoked",
        "token.created",
        "token.revoked",
        "user.disabled",
        "user.enabled",
        "user.password_set",
    ] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    for t in tokens {
        assert!(!audit.contains(t.as_str()), "token in the audit log");
        assert!(
            !audit.contains(&sha256_hex(t)),
            "token digest in the audit log"
        );
    }
    for secret in [ADMIN_PASSWORD, "an entirely new passphrase", "argon2"] {
        assert!(!audit.contains(secret), "{secret} in the audit log");
    }
    assert!(
        json(&audit)
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["actor"] == "root"))
    );
}

fn bad_input(db: &str) {
    ok_run(db, DAY1, &["product", "add", "shop"]);
    ok_run(db, DAY1, &["user", "add", "bob", "--role", "maintainer"]);
    fails(
        db,
        &["user", "grant", "nobody", "shop"],
        "no user named nobody",
    );
    fails(
        db,
        &["user", "grant", "bob", "nothing"],
        "no product named nothing",
    );
    fails(
        db,
        &["user", "revoke", "bob", "nothing"],
        "no product named nothing",
    );
    fails(db, &["user", "disable", "nobody"], "no user named nobody");
    fails(
        db,
        &[
            "user",
            "add",
            "eve",
            "--role",
            "maintainer",
            "--grant",
            "nothing",
        ],
        "no product named nothing",
    );
    fails(
        db,
        &["user", "add", "bob", "--role", "auditor"],
        "exists already",
    );
    fails(
        db,
        &["user", "add", "eve", "--role", "root"],
        "unknown role",
    );
    fails(
        db,
        &["user", "add", "eve", "--role", "admin", "--grant", "shop"],
        "grants apply to maintainers and partners",
    );
    fails(
        db,
        &["user", "add", "has space", "--role", "admin"],
        "invalid username",
    );
    // No way to give a password on the command line.
    fails(
        db,
        &[
            "user",
            "add",
            "eve",
            "--role",
            "admin",
            "--password",
            "a long password here",
        ],
        "unexpected argument",
    );
    let out = pw(db)
        .args(["user", "add", "eve", "--role", "admin", "--password-stdin"])
        .write_stdin("too short\n")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
    fails(
        db,
        &["token", "create", "--user", "nobody", "--name", "x"],
        "no user named nobody",
    );
    fails(
        db,
        &[
            "token",
            "create",
            "--user",
            "bob",
            "--name",
            "x",
            "--expires",
            "2026-01-09",
        ],
        "in the past",
    );
    fails(
        db,
        &[
            "token",
            "create",
            "--user",
            "bob",
            "--name",
            "x",
            "--expires",
            "next week",
        ],
        "expected a date",
    );
    fails(
        db,
        &["token", "list", "--user", "nobody"],
        "no user named nobody",
    );
    fails(db, &["token", "revoke", "99"], "no token 99");
    assert_eq!(sql_count(db, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(sql_count(db, "SELECT COUNT(*) FROM api_tokens"), 0);
}

#[test]
fn help_has_examples() {
    for command in ["user", "token"] {
        let out = patchwarden(std::path::Path::new("unused.db"))
            .args([command, "--help"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{command}"
        );
    }
}

fn sqlite_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").to_string_lossy().into_owned();
    (dir, db)
}

#[test]
fn users_tokens_and_roles_sqlite() {
    let (_dir, db) = sqlite_db();
    whole_flow(&db);
}

#[test]
fn users_tokens_and_roles_postgres() {
    if let Some(url) = fresh_postgres_url() {
        whole_flow(&url);
    }
}

#[test]
fn bad_input_exits_2_with_one_line_sqlite() {
    let (_dir, db) = sqlite_db();
    bad_input(&db);
}

#[test]
fn bad_input_exits_2_with_one_line_postgres() {
    if let Some(url) = fresh_postgres_url() {
        bad_input(&url);
    }
}
