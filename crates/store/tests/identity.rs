//! Users, grants, API tokens, sessions and failed logins on SQLite and (when configured)
//! PostgreSQL: only digests and PHC strings are stored, expired and revoked tokens and
//! disabled users are refused, every change is audited without secrets.

use patchwarden_access::secrets::{hash_password, new_session, new_token, verify_password};
use patchwarden_access::{Principal, Role};
use patchwarden_store::{Store, StoreError, TokenCheck, TokenState, testing};
use sqlx::Row;

const T1: &str = "2026-03-02T10:00:00Z";
const T2: &str = "2026-03-05T16:30:00Z";
const T3: &str = "2026-04-01T00:00:00Z";

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

async fn texts(store: &Store, sql: &str) -> Vec<String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            r.try_get::<Option<String>, _>(0)
                .ok()
                .flatten()
                .unwrap_or_default()
        })
        .collect()
}

/// The whole audit log as one text, to search for secrets in.
async fn audit_text(store: &Store) -> String {
    ok(store.audit_log(None).await)
        .iter()
        .map(|e| serde_json::to_string(e).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn users_and_grants(store: &Store) {
    let phc = hash_password("a long enough password").unwrap_or_else(|e| panic!("{e}"));
    let mut w = ok(store.write("root", T1).await);
    let (shop, _) = ok(w.ensure_product("shop").await);
    let (bank, _) = ok(w.ensure_product("bank").await);
    let admin = ok(w.create_user("alice", Role::Admin, Some(&phc)).await);
    let maint = ok(w.create_user("bob", Role::Maintainer, None).await);
    assert!(ok(w.grant_product("bob", &shop).await));
    assert!(!ok(w.grant_product("bob", &shop).await), "granted twice");
    assert!(ok(w.grant_product("bob", &bank).await));
    assert!(ok(w.revoke_product("bob", &bank).await));
    assert!(!ok(w.revoke_product("bob", &bank).await));
    ok(w.commit().await);

    // Taken and invalid names, unknown users.
    let mut w = ok(store.write("root", T1).await);
    assert!(matches!(
        w.create_user("alice", Role::Auditor, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        w.create_user("has space", Role::Auditor, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        w.grant_product("nobody", &shop).await,
        Err(StoreError::NotFound(_))
    ));
    drop(w);

    let users = ok(store.users().await);
    assert_eq!(
        users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert!(users[0].has_password && !users[1].has_password);
    assert_eq!(users[1].grants.len(), 1);
    assert_eq!(users[1].grants[0].product, "shop");
    assert_eq!(
        users[1].principal(),
        Principal {
            user_id: maint.id,
            username: "bob".into(),
            role: Role::Maintainer,
            products: vec![shop.id],
        }
    );
    assert!(users[1].principal().can_write_product(shop.id));
    assert!(!users[1].principal().can_write_product(bank.id));
    assert_eq!(
        ok(store.user_by_id(admin.id).await).map(|u| u.role),
        Some(Role::Admin)
    );

    // The password hash is stored as a PHC string and verifies; the login record has it.
    let login = ok(store.login_record("alice").await).unwrap_or_else(|| panic!("alice"));
    let stored = login.password_hash.clone().unwrap_or_default();
    assert!(stored.starts_with("$argon2id$"));
    assert!(verify_password("a long enough password", &stored));
    assert!(!verify_password("a wrong password here", &stored));
    assert!(
        !format!("{login:?}").contains("argon2"),
        "Debug hides the hash"
    );
    assert!(ok(store.login_record("nobody").await).is_none());

    // Changing the password is audited without either hash.
    let mut w = ok(store.write("root", T2).await);
    let phc2 = hash_password("another long password").unwrap_or_else(|e| panic!("{e}"));
    ok(w.set_password_hash("bob", Some(&phc2)).await);
    ok(w.commit().await);
    assert!(ok(store.user("bob").await).is_some_and(|u| u.has_password));
    let audit = audit_text(store).await;
    for secret in [&phc, &phc2] {
        assert!(!audit.contains(secret.as_str()), "{audit}");
    }
    assert!(!audit.contains("argon2"), "{audit}");
    for action in [
        "user.created",
        "user.granted",
        "user.grant_revoked",
        "user.password_set",
    ] {
        assert!(audit.contains(action), "{action} missing: {audit}");
    }

    // The database refuses a role we do not know.
    let bad = sqlx::query(
        "INSERT INTO users (username, role, disabled, created_at) VALUES ('eve', 'root', 0, $1)",
    )
    .bind(T1)
    .execute(store.pool())
    .await;
    assert!(bad.is_err(), "the role CHECK constraint");
}

async fn tokens(store: &Store) {
    let mut w = ok(store.write("root", T1).await);
    ok(w.create_user("ci", Role::Maintainer, None).await);
    ok(w.create_user("carol", Role::Auditor, None).await);
    ok(w.commit().await);

    let forever = new_token().unwrap_or_else(|e| panic!("{e}"));
    let dated = new_token().unwrap_or_else(|e| panic!("{e}"));
    let mut w = ok(store.write("root", T1).await);
    let t1 = ok(w
        .create_token("ci", "pipeline", &forever.prefix, &forever.hash, None)
        .await);
    let t2 = ok(w
        .create_token("carol", "laptop", &dated.prefix, &dated.hash, Some(T3))
        .await);
    assert!(matches!(
        w.create_token("nobody", "x", &dated.prefix, "00", None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    ok(w.commit().await);
    assert_eq!(t1.prefix.len(), 8);
    assert_eq!(t1.prefix, forever.plain[..8]);

    // Only digests are stored; the plain token is nowhere in the database.
    let stored = texts(store, "SELECT token_hash FROM api_tokens ORDER BY id").await;
    assert_eq!(stored, [forever.hash.clone(), dated.hash.clone()]);
    for plain in [&forever.plain, &dated.plain] {
        let hits = texts(
            store,
            &format!(
                "SELECT name FROM api_tokens WHERE token_hash = '{plain}' OR prefix = '{plain}' OR name = '{plain}'"
            ),
        )
        .await;
        assert!(hits.is_empty());
    }
    let audit = audit_text(store).await;
    assert!(audit.contains("token.created"));
    for secret in [&forever.plain, &forever.hash, &dated.plain, &dated.hash] {
        assert!(!audit.contains(secret.as_str()), "secret in the audit log");
    }

    // Lists: newest first, per user.
    let all = ok(store.tokens(None).await);
    assert_eq!(all.iter().map(|t| t.id).collect::<Vec<_>>(), [t2.id, t1.id]);
    assert_eq!(ok(store.tokens(Some("ci")).await).len(), 1);
    assert!(ok(store.tokens(Some("nobody")).await).is_empty());

    // A valid token yields its owner and records its use.
    match ok(store.authenticate_token(&forever.hash, T2).await) {
        TokenCheck::Valid {
            principal,
            token_id,
        } => {
            assert_eq!(principal.username, "ci");
            assert_eq!(principal.role, Role::Maintainer);
            assert_eq!(token_id, t1.id);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ok(store.token(t1.id).await).and_then(|t| t.last_used_at),
        Some(T2.to_string())
    );
    assert_eq!(
        ok(store.authenticate_token(&"0".repeat(64), T2).await),
        TokenCheck::Unknown
    );

    // Expiry: valid before, refused at and after the instant.
    assert!(matches!(
        ok(store.authenticate_token(&dated.hash, T2).await),
        TokenCheck::Valid { .. }
    ));
    assert_eq!(
        ok(store.authenticate_token(&dated.hash, T3).await),
        TokenCheck::Expired
    );
    assert_eq!(
        ok(store
            .authenticate_token(&dated.hash, "2027-01-01T00:00:00Z")
            .await),
        TokenCheck::Expired
    );

    // Revocation, once.
    let mut w = ok(store.write("root", T2).await);
    let revoked = ok(w.revoke_token(t1.id).await);
    assert_eq!(revoked.revoked_at.as_deref(), Some(T2));
    assert!(matches!(
        w.revoke_token(t1.id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        w.revoke_token(999).await,
        Err(StoreError::NotFound(_))
    ));
    ok(w.commit().await);
    assert_eq!(
        ok(store.authenticate_token(&forever.hash, T2).await),
        TokenCheck::Revoked
    );
    let (token, _) = ok(store.token_by_hash(&forever.hash).await).unwrap_or_else(|| panic!("t1"));
    assert_eq!(token.state_at(T2), TokenState::Revoked);

    // A disabled owner's tokens stop working, and work again when re-enabled.
    let mut w = ok(store.write("root", T2).await);
    assert!(ok(w.set_user_disabled("carol", true).await));
    assert!(!ok(w.set_user_disabled("carol", true).await));
    ok(w.commit().await);
    assert_eq!(
        ok(store.authenticate_token(&dated.hash, T2).await),
        TokenCheck::UserDisabled
    );
    let mut w = ok(store.write("root", T2).await);
    assert!(ok(w.set_user_disabled("carol", false).await));
    ok(w.commit().await);
    assert!(matches!(
        ok(store.authenticate_token(&dated.hash, T2).await),
        TokenCheck::Valid { .. }
    ));
    let audit = audit_text(store).await;
    for action in ["token.revoked", "user.disabled", "user.enabled"] {
        assert!(audit.contains(action), "{action}");
    }
}

async fn sessions_and_logins(store: &Store) {
    let mut w = ok(store.write("root", T1).await);
    let dave = ok(w.create_user("dave", Role::Partner, None).await);
    ok(w.commit().await);

    let s = new_session().unwrap_or_else(|e| panic!("{e}"));
    ok(store
        .create_session(&s.id_hash, dave.id, &s.csrf, T1, T2)
        .await);
    assert!(texts(store, "SELECT id_hash FROM sessions").await == [s.id_hash.clone()]);
    let (session, principal) =
        ok(store.session(&s.id_hash, T1).await).unwrap_or_else(|| panic!("session"));
    assert_eq!(session.csrf_token, s.csrf);
    assert_eq!(principal.role, Role::Partner);
    assert!(
        ok(store.session(&s.cookie, T1).await).is_none(),
        "looked up by digest only"
    );
    assert!(ok(store.session(&s.id_hash, T2).await).is_none(), "expired");
    assert_eq!(ok(store.delete_expired_sessions(T2).await), 1);
    assert!(!ok(store.delete_session(&s.id_hash).await));

    // Disabling a user ends its sessions.
    let s2 = new_session().unwrap_or_else(|e| panic!("{e}"));
    ok(store
        .create_session(&s2.id_hash, dave.id, &s2.csrf, T1, T3)
        .await);
    let mut w = ok(store.write("root", T1).await);
    ok(w.set_user_disabled("dave", true).await);
    ok(w.commit().await);
    assert!(ok(store.session(&s2.id_hash, T1).await).is_none());
    assert!(
        texts(store, "SELECT id_hash FROM sessions")
            .await
            .is_empty()
    );

    // Failed logins, counted per name and per source in a window.
    for at in [
        "2026-03-02T10:00:00Z",
        "2026-03-02T10:01:00Z",
        "2026-03-02T10:05:00Z",
    ] {
        ok(store.record_failed_login("dave", "10.0.0.1", at).await);
    }
    ok(store
        .record_failed_login("ghost", "10.0.0.1", "2026-03-02T10:05:30Z")
        .await);
    assert_eq!(
        ok(store
            .failed_logins_since("dave", "2026-03-02T10:01:00Z")
            .await),
        2
    );
    assert_eq!(
        ok(store
            .failed_logins_from_since("10.0.0.1", "2026-03-02T10:00:00Z")
            .await),
        4
    );
    ok(store.clear_failed_logins("dave").await);
    assert_eq!(ok(store.failed_logins_since("dave", T1).await), 0);
    assert_eq!(ok(store.prune_failed_logins(T2).await), 1);
}

async fn exercise(store: &Store) {
    users_and_grants(store).await;
    tokens(store).await;
    sessions_and_logins(store).await;
}

#[tokio::test]
async fn identity_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&dir.path().join("pw.db").to_string_lossy()).await);
    exercise(&store).await;
    store.close().await;
}

#[tokio::test]
async fn identity_on_postgres() {
    let Some(admin) = testing::postgres_url() else {
        return;
    };
    let url = testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&url).await);
    exercise(&store).await;
    store.close().await;
}
