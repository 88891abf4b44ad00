//! The web dashboard: server-rendered HTML pages (askama templates under `templates/`), with
//! the stylesheet embedded in the binary and served under `/assets/`. Readable without
//! JavaScript; every changing form carries the session's CSRF token in a hidden field.
//!
//! Pages: `/` (overview), `/products/{name}`, `/products/{name}/projects/{project}`,
//! `/findings/{id}`, `/exceptions`, `/intel`, `/login`; `POST /logout` and
//! `POST /findings/{id}/transition`. A request without a session is sent to
//! `/login?next=...`. See docs/dashboard.md.

mod assets;
mod chart;
mod findings;
mod login;
mod overview;
mod products;

use axum::Router;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::overview_page))
        .route("/exceptions", get(overview::exceptions_page))
        .route("/intel", get(overview::intel_page))
        .route("/products/{product}", get(products::product_page))
        .route(
            "/products/{product}/projects/{project}",
            get(products::project_page),
        )
        .route("/findings/{id}", get(findings::finding_page))
        .route("/findings/{id}/transition", post(findings::transition_form))
        .route("/login", get(login::login_page).post(login::login_form))
        .route("/logout", post(login::logout_form))
        .route("/assets/{*path}", get(assets::asset))
        .layer(axum::middleware::map_response(security_headers))
}

/// The headers every dashboard response carries: no framing, no inline scripts or styles,
/// no referrer to other sites, no content sniffing.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// What every page's frame shows: who is logged in, and the token its forms carry.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    /// The user name (empty on the login page).
    pub user: String,
    /// The role.
    pub role: String,
    /// The session's CSRF token (empty for API tokens, which cannot post forms).
    pub csrf: String,
    /// The stylesheet's address, versioned so a long cache is safe.
    pub css: String,
    /// Which navigation entry is current (`overview`, `exceptions`, `intel`, ``).
    pub current: &'static str,
}

impl Chrome {
    fn of(viewer: &Viewer, current: &'static str) -> Chrome {
        Chrome {
            user: viewer.actor().to_string(),
            role: viewer.principal.role.to_string(),
            csrf: viewer.csrf().unwrap_or("").to_string(),
            css: assets::stylesheet_href(),
            current,
        }
    }

    fn anonymous() -> Chrome {
        Chrome {
            css: assets::stylesheet_href(),
            ..Chrome::default()
        }
    }
}

/// What a page handler fails with: a redirect to the login page, or an error page.
pub enum PageError {
    /// Not logged in: 303 to `/login?next=<this page>`.
    Login(String),
    /// An error page with this status and message.
    Status(StatusCode, String, Chrome),
}

impl PageError {
    fn from_api(e: ApiError, chrome: &Chrome) -> PageError {
        PageError::Status(e.status, e.message, chrome.clone())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login(next) => see_other(&format!("/login?next={}", encode(&next))),
            PageError::Status(status, message, chrome) => {
                let page = ErrorPage {
                    chrome,
                    status: status.as_u16(),
                    title: status.canonical_reason().unwrap_or("Error").to_string(),
                    message,
                };
                (status, html(page.render_page())).into_response()
            }
        }
    }
}

/// A page handler's result.
pub type PageResult = Result<Response, PageError>;

/// The logged-in viewer of a page request, or the redirect to the login page. Partners get
/// a page saying what their role reads.
async fn page_viewer(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Viewer, PageError> {
    let here = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
    let viewer = match Viewer::from_headers(state, headers).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return Err(PageError::Login(here)),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => return Err(PageError::Login(here)),
        Err(e) => return Err(PageError::from_api(e, &Chrome::anonymous())),
    };
    if viewer.require_portfolio_reader().is_err() {
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            "Your role (partner) reads partner reports only; the dashboard shows the portfolio to admins, auditors and maintainers.".into(),
            Chrome::of(&viewer, ""),
        ));
    }
    Ok(viewer)
}

/// A 303 to `location` (a local path).
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, v);
    }
    response
}

/// A text/html response.
fn html(body: String) -> Response {
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `next` when it is a path on this site (`/...`, not `//host` or `/\host`), else `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Renders a template, turning a rendering failure into an error page.
trait RenderPage {
    fn render_page(&self) -> String;
}

impl<T: askama::Template> RenderPage for T {
    fn render_page(&self) -> String {
        self.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "a dashboard template failed to render");
            "<!doctype html><title>Error</title><p>The page could not be rendered; the server log has the details.</p>".to_string()
        })
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: String,
    message: String,
}

/// Formats an optional figure with one decimal, or `—`.
fn one_decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/products/demo?x=1")), "/products/demo?x=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "",
            "x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn encoding_keeps_paths_readable() {
        assert_eq!(encode("/products/a b?x=1&y"), "/products/a%20b%3Fx%3D1%26y");
    }
}
