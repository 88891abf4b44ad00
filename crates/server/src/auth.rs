//! Who is asking: API tokens (`Authorization: Bearer pw_...`) and browser sessions (the
//! `pw_session` cookie, HttpOnly and SameSite=Strict, with a CSRF token that every changing
//! request must echo), password logins with limits on failed attempts, and the checks every
//! handler makes before it reads or writes a product.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use patchwarden_access::secrets::{
    constant_time_eq, dummy_password_hash, new_session, sha256_hex, token_lookup_hash,
    verify_password,
};
use patchwarden_access::{Principal, Role};
use patchwarden_store::{Product, TokenCheck};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, shift_minutes};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pw_session";
/// The header a session's changing API requests carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a request was authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// An API token, by row id.
    Token {
        /// The token's id.
        id: i64,
    },
    /// A browser session.
    Session {
        /// SHA-256 of the cookie (to log out).
        id_hash: String,
        /// The session's CSRF token.
        csrf: String,
    },
}

/// The authenticated caller. As an extractor it answers 401 when the request carries no
/// working credentials, and 403 when a session's changing request lacks its CSRF token.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Who, with role and grants.
    pub principal: Principal,
    /// How.
    pub method: AuthMethod,
}

impl Viewer {
    /// The name changes are audited under.
    pub fn actor(&self) -> &str {
        &self.principal.username
    }

    /// The session's CSRF token, when a browser session is behind the request.
    pub fn csrf(&self) -> Option<&str> {
        match &self.method {
            AuthMethod::Session { csrf, .. } => Some(csrf),
            AuthMethod::Token { .. } => None,
        }
    }

    /// Whether `presented` is this session's CSRF token (always false for tokens, which do
    /// not need one).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        self.csrf()
            .is_some_and(|csrf| !presented.is_empty() && constant_time_eq(csrf, presented))
    }

    /// Refuses anyone but an administrator.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.principal.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs the admin role"))
        }
    }

    /// Refuses partners (who see only partner reports) and lets every other role on.
    pub fn require_portfolio_reader(&self) -> ApiResult<()> {
        if self.principal.role == Role::Partner {
            Err(ApiError::forbidden(
                "the partner role reads partner reports only",
            ))
        } else {
            Ok(())
        }
    }

    /// The product named `name` if this caller may read it. A product that does not exist
    /// and one the caller may not read give the same 403 to callers who cannot read every
    /// product, so names cannot be probed.
    pub async fn readable_product(&self, state: &AppState, name: &str) -> ApiResult<Product> {
        let product = state.store.product(name).await?;
        self.visible(
            product,
            |p| p.id,
            &format!("product named {name}"),
            &format!("product {name}"),
        )
    }

    /// `found` if the caller may read the product it belongs to. Missing: 404 (`no
    /// {missing}`) for callers who read every product, else the same 403 (`may not read
    /// {subject}`) as something not granted, so ids and names cannot be probed.
    pub fn visible<T>(
        &self,
        found: Option<T>,
        product_id: impl Fn(&T) -> i64,
        missing: &str,
        subject: &str,
    ) -> ApiResult<T> {
        match found {
            Some(x) if self.principal.can_read_product(product_id(&x)) => Ok(x),
            None if self.reads_everything() => Err(ApiError::not_found(format!("no {missing}"))),
            _ => Err(ApiError::forbidden(format!(
                "{} may not read {subject}",
                self.principal.username
            ))),
        }
    }

    /// The product named `name` if this caller may change it.
    pub async fn writable_product(&self, state: &AppState, name: &str) -> ApiResult<Product> {
        let product = self.readable_product(state, name).await.map_err(|e| {
            if e.status == StatusCode::FORBIDDEN {
                ApiError::forbidden(format!(
                    "{} may not change product {name}",
                    self.principal.username
                ))
            } else {
                e
            }
        })?;
        self.check_write(product.id, &product.name)?;
        Ok(product)
    }

    /// Refuses unless the caller may change the product with this id.
    pub fn check_write(&self, product_id: i64, name: &str) -> ApiResult<()> {
        if self.principal.can_write_product(product_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} ({}) may not change product {name}",
                self.principal.username, self.principal.role
            )))
        }
    }

    /// Refuses unless the caller may read the product with this id.
    pub fn check_read(&self, product_id: i64, name: &str) -> ApiResult<()> {
        if self.principal.can_read_product(product_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} may not read product {name}",
                self.principal.username
            )))
        }
    }

    /// Refuses unless the caller may approve risk acceptances on the product.
    pub fn check_approve(&self, product_id: i64, name: &str) -> ApiResult<()> {
        if self.principal.can_approve_risk(product_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} ({}) may not approve risk acceptances on product {name}: that needs the admin or auditor role",
                self.principal.username, self.principal.role
            )))
        }
    }

    /// Whether the caller reads every product (admin, auditor).
    pub fn reads_everything(&self) -> bool {
        matches!(self.principal.role, Role::Admin | Role::Auditor)
    }

    /// The product ids the caller may read, `None` meaning all of them.
    pub fn product_scope(&self) -> Option<Vec<i64>> {
        if self.reads_everything() {
            None
        } else if self.principal.role == Role::Partner {
            Some(Vec::new())
        } else {
            let mut ids: Vec<i64> = self.principal.products.to_vec();
            ids.sort_unstable();
            Some(ids)
        }
    }

    /// Authenticates a request from its headers, without the CSRF check ([`Viewer`] as an
    /// extractor adds it). `Ok(None)`: no credentials at all.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Viewer>> {
        let now = state.now();
        if let Some(value) = headers.get(AUTHORIZATION) {
            let text = value
                .to_str()
                .map_err(|_| ApiError::unauthorized("unreadable Authorization header"))?;
            let presented = text
                .strip_prefix("Bearer ")
                .or_else(|| text.strip_prefix("bearer "))
                .ok_or_else(|| {
                    ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
                })?
                .trim();
            let hash = token_lookup_hash(presented)
                .ok_or_else(|| ApiError::unauthorized("invalid API token"))?;
            let ttl = Duration::from_secs(crate::cache::TOKEN_CACHE_SECONDS);
            if let Some((principal, token_id)) = state.cache.tokens.get(&hash, ttl) {
                return Ok(Some(Viewer {
                    principal,
                    method: AuthMethod::Token { id: token_id },
                }));
            }
            return match state.store.authenticate_token(&hash, &now).await? {
                TokenCheck::Valid {
                    principal,
                    token_id,
                } => {
                    state
                        .cache
                        .tokens
                        .put(&hash, (principal.clone(), token_id), ttl);
                    touch_token(state, token_id, &now).await;
                    Ok(Some(Viewer {
                        principal,
                        method: AuthMethod::Token { id: token_id },
                    }))
                }
                TokenCheck::Expired => Err(ApiError::unauthorized("the API token has expired")),
                TokenCheck::Revoked => {
                    Err(ApiError::unauthorized("the API token has been revoked"))
                }
                TokenCheck::UserDisabled => {
                    Err(ApiError::unauthorized("the token's user is disabled"))
                }
                TokenCheck::Unknown => Err(ApiError::unauthorized("invalid API token")),
            };
        }
        if let Some(cookie) = session_cookie(headers) {
            let id_hash = sha256_hex(&cookie);
            return match state.store.session(&id_hash, &now).await? {
                Some((session, principal)) => Ok(Some(Viewer {
                    principal,
                    method: AuthMethod::Session {
                        id_hash,
                        csrf: session.csrf_token,
                    },
                })),
                None => Err(ApiError::unauthorized(
                    "the session has expired; log in again",
                )),
            };
        }
        Ok(None)
    }
}

/// Marks a token used at most once a minute per token and server.
async fn touch_token(state: &AppState, token_id: i64, now: &str) {
    let key = token_id.to_string();
    let minute = Duration::from_secs(60);
    if state.cache.token_touched.get(&key, minute).is_some() {
        return;
    }
    state.cache.token_touched.put(&key, (), minute);
    if let Err(e) = state.store.touch_token(token_id, now).await {
        tracing::warn!(token_id, error = %e, "could not record the token's last use");
    }
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Viewer> {
        let viewer = Viewer::from_headers(state, &parts.headers)
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "authentication required: send `Authorization: Bearer <token>` or log in",
                )
            })?;
        if !is_safe(&parts.method) && matches!(viewer.method, AuthMethod::Session { .. }) {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !viewer.csrf_matches(presented) {
                return Err(ApiError::forbidden(
                    "missing or wrong CSRF token: send the session's token in X-CSRF-Token",
                ));
            }
        }
        Ok(viewer)
    }
}

/// The client's address (`unknown` when the server was not started with connection info),
/// for the per-source login limit.
#[derive(Clone, Debug)]
pub struct ClientSource(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientSource {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientSource, Self::Rejection> {
        Ok(ClientSource(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_string()),
        ))
    }
}

/// A password login.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// Who is logged in (`POST /api/v1/auth/login`, `GET /api/v1/auth/me`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user name.
    pub username: String,
    /// The role.
    pub role: Role,
    /// The products granted (maintainers and partners), by id.
    pub products: Vec<i64>,
    /// `token` or `session`.
    pub authenticated_by: String,
    /// The CSRF token to send in `X-CSRF-Token` on changing requests (sessions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// When the session ends (sessions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A successful password login: the `Set-Cookie` value and what the page needs.
#[derive(Debug)]
pub struct LoggedIn {
    /// The `Set-Cookie` header value.
    pub set_cookie: HeaderValue,
    /// Who.
    pub me: Me,
}

/// Checks a user name and password, applying the failed-login limits, and opens a session.
/// Failures are counted per user name and per client address in the database, so every
/// instance sharing it applies the same limits.
pub async fn password_login(
    state: &AppState,
    username: &str,
    password: &str,
    source: &str,
) -> ApiResult<LoggedIn> {
    let now = state.now();
    let settings = &state.settings;
    let since = shift_minutes(&now, -settings.login_window_minutes);
    let window = u64::try_from(settings.login_window_minutes.max(1) * 60).unwrap_or(900);
    let username = username.trim();
    if state.store.failed_logins_since(username, &since).await?
        >= settings.max_failed_logins_per_user
        || state.store.failed_logins_from_since(source, &since).await?
            >= settings.max_failed_logins_per_source
    {
        tracing::warn!(username, source, "login refused: too many failed attempts");
        return Err(ApiError {
            retry_after: Some(window),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed logins; try again in {} minutes",
                    settings.login_window_minutes
                ),
            )
        });
    }
    let record = state.store.login_record(username).await?;
    // The hash is checked even when the user is unknown, disabled or has no password, so
    // the answer takes as long either way.
    let (hash, usable) = match &record {
        Some(r) if !r.user.disabled => match &r.password_hash {
            Some(h) => (h.clone(), true),
            None => (dummy_password_hash().to_string(), false),
        },
        _ => (dummy_password_hash().to_string(), false),
    };
    let password = password.to_string();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match record {
        Some(r) if usable && verified => r.user,
        _ => {
            state
                .store
                .record_failed_login(username, source, &now)
                .await?;
            tracing::warn!(username, source, "failed login");
            return Err(ApiError::unauthorized("wrong user name or password"));
        }
    };
    state.store.clear_failed_logins(username).await?;
    let session = new_session().map_err(ApiError::internal)?;
    let expires_at = shift_minutes(&now, settings.session_hours * 60);
    state
        .store
        .create_session(&session.id_hash, user.id, &session.csrf, &now, &expires_at)
        .await?;
    tracing::info!(username, source, "logged in");
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        session.cookie,
        settings.session_hours * 3600,
        if settings.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let set_cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal)?;
    let principal = user.principal();
    Ok(LoggedIn {
        set_cookie,
        me: Me {
            username: principal.username.clone(),
            role: principal.role,
            products: sorted(&principal),
            authenticated_by: "session".into(),
            csrf_token: Some(session.csrf),
            expires_at: Some(expires_at),
        },
    })
}

fn sorted(p: &Principal) -> Vec<i64> {
    let mut ids: Vec<i64> = p.products.to_vec();
    ids.sort_unstable();
    ids
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let text = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if state.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("pw_session=; Max-Age=0"))
}

/// Ends the viewer's session, if a session is behind the request.
pub async fn end_session(state: &AppState, viewer: &Viewer) -> ApiResult<()> {
    if let AuthMethod::Session { id_hash, .. } = &viewer.method {
        state.store.delete_session(id_hash).await?;
        tracing::info!(username = viewer.actor(), "logged out");
    }
    Ok(())
}

/// Log in with a user name and password; the response sets the session cookie and carries
/// the CSRF token the page must send back on changing requests.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; `Set-Cookie: pw_session=...`", body = Me),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this user or address", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientSource(source): ClientSource,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Response> {
    let done = password_login(&state, &body.username, &body.password, &source).await?;
    let mut response = Json(done.me).into_response();
    response.headers_mut().insert(SET_COOKIE, done.set_cookie);
    Ok(response)
}

/// End the session (the cookie is cleared).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = ErrorBody)),
    security(("session" = [])))]
pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    end_session(&state, &viewer).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, clear_cookie(&state));
    Ok(response)
}

/// Who the credentials belong to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "The caller", body = Me),
        (status = 401, description = "No working credentials", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn me(viewer: Viewer) -> Json<Me> {
    let products = sorted(&viewer.principal);
    Json(Me {
        username: viewer.principal.username.clone(),
        role: viewer.principal.role,
        products,
        authenticated_by: match viewer.method {
            AuthMethod::Token { .. } => "token".into(),
            AuthMethod::Session { .. } => "session".into(),
        },
        csrf_token: viewer.csrf().map(str::to_string),
        expires_at: None,
    })
}
