//! The login form and logging out.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Chrome, RenderPage, html, local_path, see_other};
use crate::auth::{ClientSource, Viewer, clear_cookie, end_session, password_login};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: String,
}

/// `?next=` of the login page.
#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginFields {
    username: String,
    password: String,
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(Query(q): Query<NextQuery>) -> Response {
    let page = LoginPage {
        chrome: Chrome::anonymous(),
        next: local_path(q.next.as_deref()),
        username: String::new(),
        error: String::new(),
    };
    html(page.render_page())
}

/// `POST /login`: 303 to `next` (a local path) with the session cookie, or the form again
/// with the error (401 wrong credentials, 429 too many failures).
pub async fn login_form(
    State(state): State<AppState>,
    ClientSource(source): ClientSource,
    Form(fields): Form<LoginFields>,
) -> Response {
    let next = local_path(fields.next.as_deref());
    match password_login(&state, &fields.username, &fields.password, &source).await {
        Ok(done) => {
            let mut response = see_other(&next);
            response.headers_mut().insert(SET_COOKIE, done.set_cookie);
            response
        }
        Err(e) => {
            let page = LoginPage {
                chrome: Chrome::anonymous(),
                next,
                username: fields.username.trim().to_string(),
                error: e.message.clone(),
            };
            let status = if e.status == StatusCode::TOO_MANY_REQUESTS {
                e.status
            } else if e.status.is_server_error() {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut response = (status, html(page.render_page())).into_response();
            if let Some(seconds) = e.retry_after
                && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(RETRY_AFTER, v);
            }
            response
        }
    }
}

/// The logout form's fields.
#[derive(Debug, Deserialize)]
pub struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (the form must carry its CSRF token) and goes to the
/// login page.
pub async fn logout_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<CsrfField>,
) -> Response {
    let viewer = match Viewer::from_headers(&state, &headers).await {
        Ok(Some(v)) => v,
        _ => {
            let mut response = see_other("/login");
            response
                .headers_mut()
                .insert(SET_COOKIE, clear_cookie(&state));
            return response;
        }
    };
    if !viewer.csrf_matches(&fields.csrf) {
        return super::PageError::Status(
            StatusCode::FORBIDDEN,
            "The form's CSRF token is missing or wrong; reload the page and try again.".into(),
            Chrome::of(&viewer, ""),
        )
        .into_response();
    }
    if let Err(e) = end_session(&state, &viewer).await {
        return super::PageError::from_api(e, &Chrome::of(&viewer, "")).into_response();
    }
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(SET_COOKIE, clear_cookie(&state));
    response
}
