//! Identity: users with a role and the products granted to them, API tokens, browser
//! sessions and failed logins.
//!
//! Changes people make to users, grants and tokens go through a [`Write`] like every other
//! change, so each lands with its audit entry. Sessions, `last_used_at` and failed logins are
//! bookkeeping of the server, written directly and not audited.
//!
//! The store never sees a plain token, cookie or password: it is given SHA-256 digests
//! (tokens, session ids) and argon2id PHC strings (passwords), made by
//! [`patchwarden_access::secrets`]. Audit entries name the user, role, product and token
//! prefix, never a digest or a hash.
//!
//! Times are RFC 3339 UTC text with a `Z`, as everywhere in the store, and are compared as
//! text; callers pass them at the same precision (whole seconds).

use patchwarden_access::secrets::constant_time_eq;
use patchwarden_access::{Principal, Role, valid_username};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Product, Store, StoreError, Write};

/// A product granted to a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    /// The product's id.
    pub product_id: i64,
    /// Its name.
    pub product: String,
}

/// A user (the password hash stays in the database; see [`Store::login_record`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Unique name; the actor of the user's changes in the audit log.
    pub username: String,
    /// Role.
    pub role: Role,
    /// A disabled user cannot log in and its tokens and sessions stop working.
    pub disabled: bool,
    /// Whether the user may log in with a password.
    pub has_password: bool,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// The products granted, by name.
    pub grants: Vec<Grant>,
}

impl User {
    /// The principal this user acts as.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            role: self.role,
            products: self.grants.iter().map(|g| g.product_id).collect(),
        }
    }
}

/// An API token as listed: never the token itself, only its first characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Row id (what `token revoke` takes).
    pub id: i64,
    /// The owner's id.
    pub user_id: i64,
    /// The owner's name.
    pub username: String,
    /// A label (`ci`, `grafana`).
    pub name: String,
    /// The token's first 8 characters.
    pub prefix: String,
    /// When it was created.
    pub created_at: String,
    /// When it stops working (none: never).
    pub expires_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// When it was last accepted.
    pub last_used_at: Option<String>,
}

/// Whether a token may be used at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenState {
    /// Works.
    Active,
    /// Past `expires_at`.
    Expired,
    /// Revoked.
    Revoked,
}

impl ApiToken {
    /// The token's state at `now` (RFC 3339): revoked wins over expired; a token expires at
    /// the instant `expires_at` is reached.
    pub fn state_at(&self, now: &str) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.expires_at.as_deref().is_some_and(|e| e <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
}

/// The outcome of presenting an API token ([`Store::authenticate_token`]). Every variant but
/// `Valid` is a 401 for the server; the distinction is for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    /// The token works: who it acts as, and the token's id.
    Valid {
        /// The owner with its grants.
        principal: Principal,
        /// The token's row id.
        token_id: i64,
    },
    /// No token has this digest.
    Unknown,
    /// The token is past its expiry.
    Expired,
    /// The token was revoked.
    Revoked,
    /// The owner is disabled.
    UserDisabled,
}

/// A browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The user's id.
    pub user_id: i64,
    /// The CSRF token the session's pages must send back.
    pub csrf_token: String,
    /// When it started.
    pub created_at: String,
    /// When it ends.
    pub expires_at: String,
}

/// What a password login needs: the user and its password hash. `Debug` omits the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginRecord {
    /// The user.
    pub user: User,
    /// The argon2id PHC string, when the user has a password.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRecord")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

const USER_COLUMNS: &str = "id, username, role, disabled, password_hash IS NOT NULL, created_at";
const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, \
     t.expires_at, t.revoked_at, t.last_used_at";

fn role_from(text: &str) -> Result<Role, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Conflict(format!("stored user has {e}")))
}

fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        role: role_from(&row.try_get::<String, _>(2)?)?,
        disabled: row.try_get::<i64, _>(3)? != 0,
        // `IS NOT NULL` is an integer on SQLite and a boolean on PostgreSQL.
        has_password: row
            .try_get::<bool, _>(4)
            .or_else(|_| row.try_get::<i64, _>(4).map(|v| v != 0))?,
        created_at: row.try_get(5)?,
        grants: Vec::new(),
    })
}

fn token_from(row: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        username: row.try_get(2)?,
        name: row.try_get(3)?,
        prefix: row.try_get(4)?,
        created_at: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
        last_used_at: row.try_get(8)?,
    })
}

async fn grants_of<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    user_id: Option<i64>,
) -> Result<Vec<(i64, Grant)>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.user_id, g.product_id, p.name FROM user_grants g
         JOIN products p ON p.id = g.product_id
         WHERE ($1 IS NULL OR g.user_id = $1) ORDER BY p.name",
    )
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                Grant {
                    product_id: r.try_get(1)?,
                    product: r.try_get(2)?,
                },
            ))
        })
        .collect()
}

fn attach(mut user: User, grants: Vec<(i64, Grant)>) -> User {
    user.grants = grants
        .into_iter()
        .filter(|(id, _)| *id == user.id)
        .map(|(_, g)| g)
        .collect();
    user
}

impl Store {
    /// Every user, by name, with its grants.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        let grants = grants_of(&self.pool, None).await?;
        rows.iter()
            .map(|r| Ok(attach(user_from(r)?, grants.clone())))
            .collect()
    }

    /// The user named `username`.
    pub async fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        self.with_grants(row).await
    }

    /// A user row read by one of the lookups above, with its product grants.
    async fn with_grants(&self, row: Option<AnyRow>) -> Result<Option<User>, StoreError> {
        let Some(r) = row else {
            return Ok(None);
        };
        let user = user_from(&r)?;
        let grants = grants_of(&self.pool, Some(user.id)).await?;
        Ok(Some(attach(user, grants)))
    }

    /// The user with row id `id`.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        self.with_grants(row).await
    }

    /// The user and password hash for a login with `username`. The caller verifies the
    /// password (and verifies against a dummy hash when this is `None`, so that unknown
    /// names take as long as known ones), refuses disabled users, and rate-limits with
    /// [`Store::failed_logins_since`].
    pub async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, StoreError> {
        let Some(user) = self.user(username).await? else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(LoginRecord {
            user,
            password_hash: row.try_get(0)?,
        }))
    }

    /// API tokens, newest first: every user's, or one user's.
    pub async fn tokens(&self, username: Option<&str>) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE ($1 IS NULL OR u.username = $1) ORDER BY t.id DESC"
        )))
        .bind(username)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from).collect()
    }

    /// The token with row id `id`.
    pub async fn token(&self, id: i64) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_from).transpose()
    }

    /// The token whose SHA-256 digest is `token_hash`, with its owner; no checks. See
    /// [`Store::authenticate_token`] for the one the server wants.
    pub async fn token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS}, t.token_hash FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        // The index found the row; compare the digests again without a timing signal.
        let stored: String = row.try_get(9)?;
        if !constant_time_eq(&stored, token_hash) {
            return Ok(None);
        }
        let token = token_from(&row)?;
        let user = self.user_by_id(token.user_id).await?.ok_or_else(|| {
            StoreError::NotFound(format!("the owner of token {} is gone", token.id))
        })?;
        Ok(Some((token, user)))
    }

    /// Checks a presented token's digest at `now`: unknown, revoked, expired and disabled
    /// owners are refused; a valid token gets `last_used_at = now` and yields its owner's
    /// principal. The digest comes from
    /// [`patchwarden_access::secrets::token_lookup_hash`].
    pub async fn authenticate_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<TokenCheck, StoreError> {
        let Some((token, user)) = self.token_by_hash(token_hash).await? else {
            return Ok(TokenCheck::Unknown);
        };
        match token.state_at(now) {
            TokenState::Revoked => return Ok(TokenCheck::Revoked),
            TokenState::Expired => return Ok(TokenCheck::Expired),
            TokenState::Active => {}
        }
        if user.disabled {
            return Ok(TokenCheck::UserDisabled);
        }
        self.touch_token(token.id, now).await?;
        Ok(TokenCheck::Valid {
            principal: user.principal(),
            token_id: token.id,
        })
    }

    /// Sets a token's `last_used_at`.
    pub async fn touch_token(&self, id: i64, at: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new session (`id_hash`: SHA-256 of the cookie value).
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(created_at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this digest at `now`, with its user's principal: `None` when
    /// unknown, expired, or the user is disabled.
    pub async fn session(
        &self,
        id_hash: &str,
        now: &str,
    ) -> Result<Option<(Session, Principal)>, StoreError> {
        let row = sqlx::query(
            "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions
             WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: String = row.try_get(0)?;
        if !constant_time_eq(&stored, id_hash) {
            return Ok(None);
        }
        let session = Session {
            user_id: row.try_get(1)?,
            csrf_token: row.try_get(2)?,
            created_at: row.try_get(3)?,
            expires_at: row.try_get(4)?,
        };
        if session.expires_at.as_str() <= now {
            return Ok(None);
        }
        match self.user_by_id(session.user_id).await? {
            Some(user) if !user.disabled => Ok(Some((session, user.principal()))),
            _ => Ok(None),
        }
    }

    /// Ends a session (logout); `true` when it existed.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?
            .rows_affected()
            > 0)
    }

    /// Removes sessions that ended before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Records a failed login for `username` (as typed, existing or not) from `source` (the
    /// client address, or empty).
    pub async fn record_failed_login(
        &self,
        username: &str,
        source: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO login_attempts (username, source, at) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(source)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed logins for `username` at or after `since`.
    pub async fn failed_logins_since(
        &self,
        username: &str,
        since: &str,
    ) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at >= $2")
                .bind(username)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get(0)?)
    }

    /// Failed logins from `source` (any username) at or after `since`.
    pub async fn failed_logins_from_since(
        &self,
        source: &str,
        since: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM login_attempts WHERE source = $1 AND at >= $2")
            .bind(source)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Forgets the failed logins of `username` (after a successful one).
    pub async fn clear_failed_logins(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_attempts WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets failed logins older than `before`; returns how many.
    pub async fn prune_failed_logins(&self, before: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM login_attempts WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

impl Write {
    /// The user named `username`, read inside this transaction.
    pub async fn user(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&mut *self.tx)
        .await?;
        match row {
            Some(r) => {
                let user = user_from(&r)?;
                let grants = grants_of(&mut *self.tx, Some(user.id)).await?;
                Ok(Some(attach(user, grants)))
            }
            None => Ok(None),
        }
    }

    async fn user_named(&mut self, username: &str) -> Result<User, StoreError> {
        self.user(username)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user named {username}")))
    }

    /// Creates a user; an error when the name is invalid or taken. `password_hash` is an
    /// argon2id PHC string (never the password).
    pub async fn create_user(
        &mut self,
        username: &str,
        role: Role,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError> {
        if !valid_username(username) {
            return Err(StoreError::Conflict(format!(
                "invalid username {username:?}: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
            )));
        }
        let inserted = sqlx::query(
            "INSERT INTO users (username, password_hash, role, disabled, created_at)
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(self.at.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "user {username} exists already"
            )));
        }
        let user = self.user_named(username).await?;
        self.audit(
            "user.created",
            "user",
            user.id,
            None,
            None,
            Some(&json!({
                "username": username,
                "role": role.as_str(),
                "password": password_hash.is_some(),
            })),
        )
        .await?;
        Ok(user)
    }

    /// Sets (or with `None` removes) a user's password hash. The audit entry says only that
    /// the password changed.
    pub async fn set_password_hash(
        &mut self,
        username: &str,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let user = self.user_named(username).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user.id)
            .execute(&mut *self.tx)
            .await?;
        // A new password ends the sessions opened with the old one.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *self.tx)
            .await?;
        self.audit(
            if password_hash.is_some() {
                "user.password_set"
            } else {
                "user.password_removed"
            },
            "user",
            user.id,
            None,
            Some(&json!({"password": user.has_password})),
            Some(&json!({"password": password_hash.is_some()})),
        )
        .await
    }

    /// Grants `product` to the user; `false` when it was granted already (nothing audited).
    pub async fn grant_product(
        &mut self,
        username: &str,
        product: &Product,
    ) -> Result<bool, StoreError> {
        let user = self.user_named(username).await?;
        let inserted = sqlx::query(
            "INSERT INTO user_grants (user_id, product_id) VALUES ($1, $2)
             ON CONFLICT (user_id, product_id) DO NOTHING",
        )
        .bind(user.id)
        .bind(product.id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected()
            > 0;
        if inserted {
            self.audit(
                "user.granted",
                "user",
                user.id,
                Some(product.id),
                None,
                Some(&json!({"username": user.username, "product": product.name})),
            )
            .await?;
        }
        Ok(inserted)
    }

    /// Takes `product` away from the user; `false` when it was not granted.
    pub async fn revoke_product(
        &mut self,
        username: &str,
        product: &Product,
    ) -> Result<bool, StoreError> {
        let user = self.user_named(username).await?;
        let deleted = sqlx::query("DELETE FROM user_grants WHERE user_id = $1 AND product_id = $2")
            .bind(user.id)
            .bind(product.id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected()
            > 0;
        if deleted {
            self.audit(
                "user.grant_revoked",
                "user",
                user.id,
                Some(product.id),
                Some(&json!({"username": user.username, "product": product.name})),
                None,
            )
            .await?;
        }
        Ok(deleted)
    }

    /// Disables or re-enables a user; disabling also ends its sessions (its tokens stop
    /// working while it is disabled). `false` when nothing changed.
    pub async fn set_user_disabled(
        &mut self,
        username: &str,
        disabled: bool,
    ) -> Result<bool, StoreError> {
        let user = self.user_named(username).await?;
        if user.disabled == disabled {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user.id)
            .execute(&mut *self.tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.id)
                .execute(&mut *self.tx)
                .await?;
        }
        self.audit(
            if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            },
            "user",
            user.id,
            None,
            Some(&json!({"disabled": user.disabled})),
            Some(&json!({"disabled": disabled})),
        )
        .await?;
        Ok(true)
    }

    /// Stores a new API token for the user: its label, first characters and SHA-256 digest
    /// (from [`patchwarden_access::secrets::new_token`]); the plain token is the caller's to
    /// show once. The audit entry names the label and prefix only.
    pub async fn create_token(
        &mut self,
        username: &str,
        name: &str,
        prefix: &str,
        token_hash: &str,
        expires_at: Option<&str>,
    ) -> Result<ApiToken, StoreError> {
        let user = self.user_named(username).await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user.id)
        .bind(name)
        .bind(prefix)
        .bind(token_hash)
        .bind(self.at.as_str())
        .bind(expires_at)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        self.audit(
            "token.created",
            "token",
            id,
            None,
            None,
            Some(&json!({
                "username": user.username,
                "name": name,
                "prefix": prefix,
                "expires_at": expires_at,
            })),
        )
        .await?;
        Ok(ApiToken {
            id,
            user_id: user.id,
            username: user.username,
            name: name.to_string(),
            prefix: prefix.to_string(),
            created_at: self.at.clone(),
            expires_at: expires_at.map(str::to_string),
            revoked_at: None,
            last_used_at: None,
        })
    }

    /// Revokes a token now; an error when there is no such token or it is revoked already.
    pub async fn revoke_token(&mut self, id: i64) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let mut token = match row {
            Some(r) => token_from(&r)?,
            None => return Err(StoreError::NotFound(format!("no token {id}"))),
        };
        if token.revoked_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "token {id} was revoked already"
            )));
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(self.at.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.audit(
            "token.revoked",
            "token",
            id,
            None,
            None,
            Some(&json!({"username": token.username, "name": token.name, "prefix": token.prefix})),
        )
        .await?;
        token.revoked_at = Some(self.at.clone());
        Ok(token)
    }
}
